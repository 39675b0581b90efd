/* Worker threads: a fixed pool, each with its own epoll over the
 * connections it owns. Every worker accepts from the shared listeners
 * (EPOLLEXCLUSIVE), so the thread count never depends on the clients. */
#ifndef NATTER_WORKER_H
#define NATTER_WORKER_H
#include <stdint.h>
#include "core/limits.h"
#include "util/allow.h"
#include "loop/listen.h"

struct worker_settings {
	unsigned rate, burst;           /* lines/s; rate 0: no limit */
	unsigned idle_timeout;          /* seconds; 0: never */
	unsigned max_per_ip;            /* 0: no limit */
	const struct allow_list *allow;
	int no_uring;                   /* writev only (loop/uring.h) */
};

int workers_start(unsigned n, const struct listener *ls, unsigned nls,
		  const struct worker_settings *s);
/* Shutdown: every client gets `! shutdown:`, output drains for a bounded
 * time, every connection is closed; returns when all workers ended. */
void workers_stop(void);
/* How workers write to clients: "io_uring", "writev", or both when some
 * workers could not have a ring (loop/uring.h). */
const char *workers_writer(void);
/* 1 if every worker went round its loop within max_age_ms (watchdog). */
int workers_alive(int64_t max_age_ms);

/* Notes that c has output to write; wake collects the workers to wake. */
void worker_mark(uint16_t c, unsigned *wake);
/* The same for many connections at once, as a room's fan-out pushes a
 * line to each member: marks gathered per worker and dirty word, made
 * with one atomic OR per word instead of one per recipient (those words
 * are shared with the worker that takes them). Flush after the pushes.
 * MARK_WAYS words are held per worker, word w in place w % MARK_WAYS: a
 * room's member lists are in the order its members joined, not in slot
 * order, and with one word held, a mixed room of 100 switched words (an
 * OR each) several times a line. */
#define MARK_WAYS 4
struct mark_batch {
	unsigned word[MAX_WORKERS][MARK_WAYS];
	unsigned long bits[MAX_WORKERS][MARK_WAYS];     /* 0: nothing gathered */
};
void mark_batch_init(struct mark_batch *b);
void mark_batch_add(struct mark_batch *b, uint16_t c, unsigned *wake);
void mark_batch_flush(struct mark_batch *b);
/* 1 if c belongs to the calling worker (which may write its queue). */
int worker_owns(uint16_t c);
/* The calling worker, c's owner, writes c's full queue now, with its
 * other queues that are filling (loop/flush.c). */
void worker_write_full(uint16_t c);
/* Wakes the workers in the mask, except the calling one. */
void workers_wake(unsigned wake);
int64_t now_ms(void);
#endif
