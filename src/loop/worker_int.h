/* What the worker files (worker.c, accept.c, input.c, life.c) share:
 * the worker's state and the steps of a connection's life. Not for the
 * rest of the server, which uses worker.h. */
#ifndef NATTER_WORKER_INT_H
#define NATTER_WORKER_INT_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "core/conn.h"
#include "loop/worker.h"
#include "loop/dirty.h"
#include "loop/uring.h"

#define DIRTY_WORDS ((MAX_CONNS + WORD_BITS - 1) / WORD_BITS)
/* The words a scan of a dirty map reads: no slot above the high water
 * was ever used, so none is marked. 2 words for 100 clients, not 256;
 * the scan runs every turn. */
static inline unsigned dirty_words(void)
{
	return (conn_high_water() + WORD_BITS - 1) / WORD_BITS;
}
#define TAG_WAKE 0xffffffffu
#define TAG_LISTEN 0x10000u     /* + listener index; below: a connection */
#define EVENTS_PER_TURN 64
#define TICK_MS 1000

enum input_result {
	INPUT_DONE,     /* nothing more until epoll says so */
	INPUT_AGAIN,    /* read budget used up: more next turn */
	INPUT_WAIT,     /* rate limit or back-pressure: retry at resume_ms */
};

struct worker {
	pthread_t thread;
	unsigned id;
	int epfd, evfd;
	atomic_int wake_pending;
	atomic_int asleep;      /* in an epoll_wait that may block */
	atomic_uint heartbeat_s;
	atomic_ulong dirty[DIRTY_WORDS];        /* connections with output */
	uint16_t ready_head, ready_tail;        /* connections with input */
	int accept_paused;
	int stopping;           /* 1: reads no more input; 2: told its clients */
	int64_t accept_resume_ms, stop_deadline_ms, next_tick_ms, resume_ms;
	int64_t emfile_logged_ms;
	struct uring ring;      /* fd -1: every write a writev */
};


extern struct worker workers[MAX_WORKERS];
extern unsigned nworkers;
extern const struct listener *listeners;
extern unsigned nlisteners;
extern struct worker_settings wcfg;

/* worker.c */
void ready_push(struct worker *w, uint16_t c);
void ready_unlink(struct worker *w, uint16_t c);
void retry_soon(struct worker *w, uint16_t c, int64_t now);

/* life.c: a connection's states and transitions */
void send_now(int fd, const char *line);
void close_gently(int fd);
/* The one function that changes a connection's state; 1: c is FREE now
 * (its slot may be another worker's already: do not touch it). */
int life_go(struct worker *w, uint16_t c, enum conn_state to, enum leave_reason why,
	    int64_t now, unsigned *wake);
void life_start(struct worker *w, uint16_t c, int64_t now, unsigned *wake);
void life_run(struct worker *w, uint16_t c, int64_t now, unsigned *wake);
/* Writing c's queue (flush.c), in two steps around the write: 1 if the
 * queue is to be written; then what the write gave. */
int life_flush_begin(struct worker *w, uint16_t c, int64_t now, unsigned *wake);
void life_flushed(struct worker *w, uint16_t c, enum flush_result fr, int64_t now, unsigned *wake);
void life_tick(struct worker *w, uint16_t c, int64_t now, unsigned stall_limit, unsigned *wake);
void life_shutdown(struct worker *w, uint16_t c, int64_t now, unsigned *wake);
/* Its door deferred c's next unit: retried soon, cut past DEFER_WAIT_MS
 * (then returns 1: c is FREE). */
int life_defer(struct worker *w, uint16_t c, int64_t now, unsigned *wake);
/* Its socket failed: deliveries skip c and its queue is dropped. */
void mark_dead(uint16_t c);
/* The door failed c (DOOR_FAIL): c leaves its room, reads nothing more,
 * and is closed once the last words its door queued are sent (or at the
 * drain deadline). */
void life_close_after(struct worker *w, uint16_t c, int64_t now, unsigned *wake);
#ifdef NATTER_CHECKS
void life_check(struct worker *w, uint16_t c, int64_t now);
#else
static inline void life_check(struct worker *w, uint16_t c, int64_t now)
{
	(void)w, (void)c, (void)now;
}
#endif

/* flush.c: writes the dirty connections, and what this turn gave the
 * connections of sleeping workers (add_for). */
void flush_dirty(struct worker *w, int64_t now, unsigned *wake);

/* input.c: reading, framing, rate limit */
enum input_result conn_input(struct worker *w, uint16_t c, int64_t now, unsigned *wake);

/* accept.c */
void listeners_watch(struct worker *w, int on);
void accept_some(struct worker *w, const struct listener *l, int64_t now, unsigned *wake);
#endif
