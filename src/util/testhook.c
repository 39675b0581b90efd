/* Test hooks (util/testhook.h): NATTER_CHECKS builds only. */
#include "util/testhook.h"
#ifdef NATTER_CHECKS
#include "util/text.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

static const char *const hook_env[HOOK_COUNT] = {
	[HOOK_PER_PEER_PAUSE] = "NATTER_TEST_PER_PEER_PAUSE_US",
	[HOOK_SNDBUF] = "NATTER_TEST_SNDBUF",
	[HOOK_LOBBY_BUSY_MS] = "NATTER_TEST_LOBBY_BUSY_MS",
	[HOOK_STATS_PAUSE_US] = "NATTER_TEST_STATS_PAUSE_US",
};
static atomic_uint hook_val[HOOK_COUNT];
static atomic_int hook_read[HOOK_COUNT];

unsigned test_hook_value(enum test_hook h)
{
	if (!atomic_load(&hook_read[h])) {
		const char *s = getenv(hook_env[h]);
		unsigned long v = 0;
		if (!s || !decimal_parse(s, 100000000, &v))
			v = 0;
		atomic_store(&hook_val[h], (unsigned)v);
		atomic_store(&hook_read[h], 1);
	}
	return atomic_load(&hook_val[h]);
}

void test_hook_pause(enum test_hook h)
{
	unsigned us = test_hook_value(h);
	if (us) {
		struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };
		nanosleep(&ts, NULL);
	}
}
#else
typedef int testhook_is_empty_in_release;   /* ISO C: no empty file */
#endif
