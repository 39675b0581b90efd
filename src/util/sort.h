/* Sorting a list of table indices (connections, rooms) by what they
 * name. A heap sort: O(n log n) at worst, no recursion, no memory, and a
 * tenth of the code of libc's qsort (musl's smoothsort, 1.4 KiB on armhf),
 * for the few replies that list names in order (/who, /rooms). */
#ifndef NATTER_SORT_H
#define NATTER_SORT_H
#include <stdint.h>

/* Sorts a[0..n) so that before(a[i], a[i + 1]) never holds for a later
 * item: before(x, y) is 1 when x belongs before y. Not stable. */
void sort_indices(uint16_t *a, unsigned n, int (*before)(uint16_t x, uint16_t y));
#endif
