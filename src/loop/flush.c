/* A worker writes the output of the connections marked dirty. With a
 * ring (loop/uring.h), the queues go in batches, up to SEND_BATCH
 * connections and SEND_BATCH_LINES lines in one system call; without one,
 * each queue gets its writev. On the machine this is measured on, the
 * system call was most of the cost of a line to a client at chat pace
 * (docs/benchmark.md, "Sends in one system call"). In a batch, a queue's
 * short lines go copied end to end (join_lines): the kernel's cost per
 * iovec was most of its copy ("Lines copied end to end"). */
#include "loop/worker_int.h"
#include "core/metrics.h"
#include "core/pool.h"
#include "door/door.h"
#include <string.h>

struct send_batch {
	unsigned n, lines;              /* connections, lines (an iovec each) */
	unsigned pieces, copied;        /* wire iovecs, copy bytes used */
	uint16_t conn[SEND_BATCH];
	uint8_t owner[SEND_BATCH];      /* its worker: this one, or one asleep */
	int fd[SEND_BATCH], res[SEND_BATCH];
	struct msghdr msg[SEND_BATCH];
	struct out_gather out[SEND_BATCH];
	struct iovec iov[SEND_BATCH_LINES];     /* a line each: what conn_written counts */
	struct iovec wire[SEND_BATCH_LINES];    /* what is sent: runs of lines copied */
	char copy[SEND_COPY_BYTES];
};

/* A whole queue fits an empty batch (and one sendmsg: core/conn.c checks
 * its iovecs against IOV_MAX). */
_Static_assert(SEND_BATCH_LINES >= OUTQ_LEN, "a queue must fit a batch");

/* One per worker, static rather than on the stack: a batch big enough for
 * a worker's share of a busy room (SEND_BATCH_LINES) is larger than a
 * thread's stack should be, and flush_dirty is never re-entered. Pages a
 * worker never fills stay out of RSS. */
static struct send_batch batches[MAX_WORKERS];
static __thread int flushing;   /* in flush_dirty: its batch is in use */

static void batch_reset(struct send_batch *b)
{
	b->n = b->lines = b->pieces = b->copied = 0;
}

/* The wire form of n lines: runs of short lines copied end to end into
 * the batch's bytes, one iovec a run; long lines, and every line once the
 * bytes are used up, as they are. The copies stay put until the batch is
 * sent, as the pool lines they came from would. */
static unsigned join_lines(struct send_batch *b, const struct iovec *line, unsigned n,
			   struct iovec *wire)
{
	unsigned k = 0;
	int joining = 0;        /* wire[k - 1] is a run in b->copy */

	for (unsigned i = 0; i < n; i++) {
		size_t len = line[i].iov_len;
		if (len > SEND_COPY_LINE || len > SEND_COPY_BYTES - b->copied) {
			wire[k++] = line[i];
			joining = 0;
			continue;
		}
		char *to = b->copy + b->copied;
		memcpy(to, line[i].iov_base, len);
		b->copied += len;
		if (joining) {
			wire[k - 1].iov_len += len;
		} else {
			wire[k].iov_base = to;
			wire[k++].iov_len = len;
			joining = 1;
		}
	}
	return k;
}

static void send_all(struct worker *w, struct send_batch *b, int64_t now, unsigned *wake)
{
	if (!b->n)
		return;
	uring_sendmsgs(&w->ring, b->n, b->fd, b->msg, b->res);
	for (unsigned i = 0; i < b->n; i++) {
		uint16_t c = b->conn[i];
		enum flush_result fr = conn_written(c, &b->out[i], b->res[i]);
		conn_write_give(c);
		if (b->owner[i] == w->id)
			life_flushed(w, c, fr, now, wake);
		else if (fr != FLUSH_DONE)      /* its owner sees to the rest */
			worker_mark(c, wake);
	}
	batch_reset(b);
}

/* c's queue into the batch, which has room for it; 0: it was empty. The
 * caller holds c's write lock, given back once the batch is sent. */
static unsigned gather(struct send_batch *b, uint16_t c)
{
	unsigned i = b->n;
	struct out_gather *g = &b->out[i];
	g->iov = b->iov + b->lines;
	if (!conn_gather(c, g, SEND_BATCH_LINES - b->lines))
		return 0;
	memset(&b->msg[i], 0, sizeof b->msg[i]);
	b->msg[i].msg_iov = b->wire + b->pieces;
	b->msg[i].msg_iovlen = join_lines(b, g->iov, g->lines, b->wire + b->pieces);
	b->pieces += b->msg[i].msg_iovlen;
	b->conn[i] = c;
	b->owner[i] = (uint8_t)conns[c].worker;
	b->fd[i] = conns[c].fd;
	b->n++;
	b->lines += g->lines;
	return g->lines;
}

static void add(struct worker *w, struct send_batch *b, uint16_t c, int64_t now, unsigned *wake)
{
	/* Lines pushed after the queued count is read set c's dirty bit
	 * again: gathering fewer than are queued by then loses nothing. */
	unsigned queued = conn_queued(&conns[c]);
	if (b->n == SEND_BATCH || b->lines + queued > SEND_BATCH_LINES)
		send_all(w, b, now, wake);

	/* Another worker is writing it (add_for): its dirty bit, set
	 * again, brings it back next turn. */
	if (!conn_write_try(c)) {
		dirty_mark(w->dirty, c);
		return;
	}
	struct out_gather *g = &b->out[b->n];
	if (!gather(b, c)) {
		enum flush_result fr = conn_written(c, g, 0);
		conn_write_give(c);
		life_flushed(w, c, fr, now, wake);
	}
}

/* Worker o sleeps, and this turn gave its connections lines: they go in
 * this worker's batch rather than o being woken. A wake-up is an eventfd
 * write and, on a virtual machine, a halted CPU to start: with two
 * workers, most of the latency run's tail (docs/benchmark.md). Only what
 * needs nothing of o: an OPEN connection, not cut, not blocked. (A web
 * connection is OPEN only once upgraded, and stays upgraded until its
 * release, which waits for the write lock held here: its frames render
 * the same from any worker.) Everything else, and whatever a write
 * leaves, is marked for o again, and o woken (send_all); o makes every
 * transition, as ever. */
static void add_for(struct worker *w, struct send_batch *b, struct worker *o,
		    int64_t now, unsigned *wake)
{
	unsigned words = dirty_words(), taken = 0;

	*wake &= ~(1u << o->id);
	for (unsigned i = 0; i < words; i++) {
		unsigned long bits = dirty_take(o->dirty, i);
		while (bits) {
			uint16_t c = i * WORD_BITS + __builtin_ctzl(bits);
			bits &= bits - 1;
			struct conn *k = &conns[c];
			if (!conn_write_try(c)) {
				worker_mark(c, wake);
				continue;
			}
			unsigned queued = conn_queued(k);
			if (k->state != CONN_OPEN || k->worker != o->id || atomic_load(&k->kill) ||
			    atomic_load(&k->wblocked)) {
				conn_write_give(c);
				worker_mark(c, wake);
				continue;
			}
			if (b->n == SEND_BATCH || b->lines + queued > SEND_BATCH_LINES)
				send_all(w, b, now, wake);
			if (gather(b, c))
				taken++;
			else
				conn_write_give(c);     /* nothing to write: as o would */
		}
	}
	if (taken)
		atomic_fetch_add_explicit(&metrics.writes_for_sleepers, taken, memory_order_relaxed);
}

void flush_dirty(struct worker *w, int64_t now, unsigned *wake)
{
	struct send_batch *b = &batches[w->id];

	flushing = 1;
	batch_reset(b);
	for (unsigned i = 0, words = dirty_words(); i < words; i++) {
		unsigned long bits = dirty_take(w->dirty, i);
		while (bits) {
			uint16_t c = i * WORD_BITS + __builtin_ctzl(bits);
			bits &= bits - 1;
			if (conns[c].state == CONN_FREE || conns[c].worker != w->id ||
			    !life_flush_begin(w, c, now, wake))
				continue;
			if (w->ring.fd >= 0) {
				add(w, b, c, now, wake);
				continue;
			}
			enum flush_result fr = conn_flush(c);
			if (fr == FLUSH_BUSY)   /* as in add() */
				dirty_mark(w->dirty, c);
			else
				life_flushed(w, c, fr, now, wake);
		}
	}
	if (!w->stopping && w->ring.fd >= 0)
		for (unsigned i = 0; i < nworkers; i++)
			if (i != w->id && (*wake & (1u << i)) && atomic_load(&workers[i].asleep))
				add_for(w, b, &workers[i], now, wake);
	send_all(w, b, now, wake);
	flushing = 0;
}

/* A queue that fills while its worker delivers (core/deliver.c, admit)
 * is written at once. In a busy room the worker's other members fill
 * with it, so those at least half full go in the same call, not in a
 * writev each a moment later. No transitions here: what the writes give
 * (a failure, a part) the next flush_dirty sees, as their dirty bits are
 * still set. During flush_dirty (a line delivered from a transition) the
 * batch is in use: then a writev. */
void worker_write_full(uint16_t c)
{
	struct worker *w = &workers[conns[c].worker];
	struct send_batch *b = &batches[w->id];

	metric_add(&metrics.full_queue_writes);
	if (w->ring.fd < 0 || flushing) {
		conn_flush(c);
		return;
	}
	batch_reset(b);
	if (!conn_write_try(c))
		return;         /* being written already */
	if (!gather(b, c))
		conn_write_give(c);
	for (unsigned i = 0, words = dirty_words(); i < words && b->n < SEND_BATCH; i++) {
		unsigned long bits = atomic_load_explicit(&w->dirty[i], memory_order_relaxed);
		while (bits && b->n < SEND_BATCH) {
			uint16_t o = i * WORD_BITS + __builtin_ctzl(bits);
			bits &= bits - 1;
			struct conn *k = &conns[o];
			if (o == c || k->state != CONN_OPEN || k->worker != w->id ||
			    atomic_load(&k->kill) || atomic_load(&k->wblocked) ||
			    conn_queued(k) < OUTQ_LEN / 2 || !conn_write_try(o))
				continue;
			if (b->lines + conn_queued(k) > SEND_BATCH_LINES || !gather(b, o))
				conn_write_give(o);
		}
	}
	if (b->n)
		uring_sendmsgs(&w->ring, b->n, b->fd, b->msg, b->res);
	for (unsigned i = 0; i < b->n; i++) {
		conn_written(b->conn[i], &b->out[i], b->res[i]);
		conn_write_give(b->conn[i]);
	}
	batch_reset(b);
}

