#include "check.h"
#include "util/sort.h"
#include <stdlib.h>

void test_sort_indices(void);

static const unsigned *keys;

static int key_before(uint16_t x, uint16_t y)
{
	return keys[x] < keys[y];
}

static int sorted(const uint16_t *a, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		if (keys[a[i - 1]] > keys[a[i]])
			return 0;
	return 1;
}

/* Every index still there once: a sort that drops or doubles one fails. */
static int permutation(const uint16_t *a, unsigned n)
{
	static unsigned char seen[10240];
	for (unsigned i = 0; i < n; i++)
		seen[i] = 0;
	for (unsigned i = 0; i < n; i++) {
		if (a[i] >= n || seen[a[i]])
			return 0;
		seen[a[i]] = 1;
	}
	return 1;
}

void test_sort_indices(void)
{
	static unsigned k[10240];
	static uint16_t a[10240];
	static const unsigned sizes[] = { 0, 1, 2, 3, 7, 64, 1000, 10240 };
	keys = k;

	for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		unsigned n = sizes[s];
		for (int pattern = 0; pattern < 4; pattern++) {
			srand(n * 4 + pattern);
			for (unsigned i = 0; i < n; i++) {
				a[i] = i;
				k[i] = pattern == 0 ? (unsigned)rand()          /* shuffled */
				     : pattern == 1 ? i                         /* in order */
				     : pattern == 2 ? n - i                     /* reversed */
				     : (unsigned)rand() % 3;                    /* many equal */
			}
			sort_indices(a, n, key_before);
			CHECK(sorted(a, n));
			CHECK(permutation(a, n));
		}
	}
}
