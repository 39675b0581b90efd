/* Counters for /metrics: connections per door, cuts and refusals by
 * reason. Atomic, bumped by whichever worker sees the event; read by the
 * web door when it renders /metrics. */
#ifndef NATTER_METRICS_H
#define NATTER_METRICS_H
#include <stdatomic.h>

#define METRIC_DOORS 3          /* enum door_kind */

enum cut_reason {
	CUT_TOO_SLOW,           /* did not read its output */
	CUT_IDLE,               /* --idle-timeout */
	CUT_ERROR,              /* its socket failed */
	CUT_PROTOCOL,           /* its door gave up on it (bad frame, HTTP error) */
	CUT_HANDSHAKE,          /* no whole request head in time */
	CUT_REASONS,
};

enum refuse_reason {
	REFUSE_ALLOW,           /* not in --allow */
	REFUSE_PER_IP,          /* --max-per-ip */
	REFUSE_FULL,            /* the connection table is full */
	REFUSE_HEAD_BUFS,       /* the web door's head buffers ran out (503) */
	REFUSE_REASONS,
};

struct metrics {
	atomic_long conns[METRIC_DOORS];
	atomic_ulong accepted[METRIC_DOORS];
	atomic_ulong cuts[CUT_REASONS];
	atomic_ulong refusals[REFUSE_REASONS];
	atomic_ulong http_requests;
	atomic_ulong ws_upgrades;
	atomic_ulong full_queue_writes; /* loop/flush.c: worker_write_full */
	atomic_ulong writes_for_sleepers; /* loop/flush.c: add_for */
};

extern struct metrics metrics;

static inline void metric_add(atomic_ulong *counter)
{
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}
#endif
