#include "util/sort.h"

/* Moves a[i] down the max-heap a[0..n) until its children are not after it. */
static void sift_down(uint16_t *a, unsigned i, unsigned n, int (*before)(uint16_t, uint16_t))
{
	for (;;) {
		unsigned child = 2 * i + 1;
		if (child >= n)
			return;
		if (child + 1 < n && before(a[child], a[child + 1]))
			child++;
		if (!before(a[i], a[child]))
			return;
		uint16_t t = a[i];
		a[i] = a[child];
		a[child] = t;
		i = child;
	}
}

void sort_indices(uint16_t *a, unsigned n, int (*before)(uint16_t, uint16_t))
{
	for (unsigned i = n / 2; i-- > 0;)
		sift_down(a, i, n, before);
	while (n > 1) {
		uint16_t t = a[0];      /* the greatest goes to the end */
		a[0] = a[--n];
		a[n] = t;
		sift_down(a, 0, n, before);
	}
}
