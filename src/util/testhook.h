/* Test hooks: only in builds with -DNATTER_CHECKS (build/test, the
 * sanitizer builds); in the release build they are nothing at all. Each
 * is named, set by an environment variable, and widens a window or
 * shrinks a buffer so a test can hit in a second what a loaded machine
 * hits once a week. */
#ifndef NATTER_TESTHOOK_H
#define NATTER_TESTHOOK_H

enum test_hook {
	/* NATTER_TEST_PER_PEER_PAUSE_US: a pause between --max-per-ip's
	 * count of an address and the slot's allocation. */
	HOOK_PER_PEER_PAUSE,
	/* NATTER_TEST_SNDBUF: SO_SNDBUF for every client socket, so a
	 * loopback client that reads slowly fills it soon. */
	HOOK_SNDBUF,
	/* NATTER_TEST_LOBBY_BUSY_MS: the lobby takes no new connection for
	 * its first N ms, as when a member's queue is full (NEW waits). */
	HOOK_LOBBY_BUSY_MS,
	/* NATTER_TEST_STATS_PAUSE_US: a pause between /stats' check that
	 * its client has queue room for the reply and the reply itself. */
	HOOK_STATS_PAUSE_US,
	HOOK_COUNT
};

#ifdef NATTER_CHECKS
/* The hook's value (0: unset), read from the environment once. */
unsigned test_hook_value(enum test_hook h);
/* Sleeps for the hook's value in microseconds (nothing if unset). */
void test_hook_pause(enum test_hook h);
#else
static inline unsigned test_hook_value(enum test_hook h) { (void)h; return 0; }
static inline void test_hook_pause(enum test_hook h) { (void)h; }
#endif
#endif
