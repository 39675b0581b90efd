/* A worker writes the output of the connections marked dirty. With a
 * ring (loop/uring.h), the queues go in batches, up to SEND_BATCH
 * connections and SEND_BATCH_LINES lines in one system call; without one,
 * each queue gets its writev. On the machine this is measured on, the
 * system call was most of the cost of a line to a client at chat pace
 * (docs/benchmark.md, "Sends in one system call"). */
#include "loop/worker_int.h"
#include "core/metrics.h"
#include "core/pool.h"
#include <string.h>

struct send_batch {
	unsigned n, lines;              /* connections, lines (an iovec each) */
	uint16_t conn[SEND_BATCH];
	int fd[SEND_BATCH], res[SEND_BATCH];
	struct msghdr msg[SEND_BATCH];
	struct out_gather out[SEND_BATCH];
	struct iovec iov[SEND_BATCH_LINES];
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

static void send_all(struct worker *w, struct send_batch *b, int64_t now, unsigned *wake)
{
	if (!b->n)
		return;
	uring_sendmsgs(&w->ring, b->n, b->fd, b->msg, b->res);
	for (unsigned i = 0; i < b->n; i++)
		life_flushed(w, b->conn[i], conn_written(b->conn[i], &b->out[i], b->res[i]), now, wake);
	b->n = b->lines = 0;
}

/* c's queue into the batch, which has room for it; 0: it was empty. */
static unsigned gather(struct send_batch *b, uint16_t c)
{
	unsigned i = b->n;
	struct out_gather *g = &b->out[i];
	g->iov = b->iov + b->lines;
	if (!conn_gather(c, g, SEND_BATCH_LINES - b->lines))
		return 0;
	memset(&b->msg[i], 0, sizeof b->msg[i]);
	b->msg[i].msg_iov = g->iov;
	b->msg[i].msg_iovlen = g->lines;
	b->conn[i] = c;
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

	struct out_gather *g = &b->out[b->n];
	if (!gather(b, c))
		life_flushed(w, c, conn_written(c, g, 0), now, wake);
}

void flush_dirty(struct worker *w, int64_t now, unsigned *wake)
{
	struct send_batch *b = &batches[w->id];

	flushing = 1;
	b->n = b->lines = 0;
	for (unsigned i = 0; i < DIRTY_WORDS; i++) {
		unsigned long bits = dirty_take(w->dirty, i);
		while (bits) {
			uint16_t c = i * WORD_BITS + __builtin_ctzl(bits);
			bits &= bits - 1;
			if (conns[c].state == CONN_FREE || conns[c].worker != w->id ||
			    !life_flush_begin(w, c, now, wake))
				continue;
			if (w->ring.fd >= 0)
				add(w, b, c, now, wake);
			else
				life_flushed(w, c, conn_flush(c), now, wake);
		}
	}
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
	b->n = b->lines = 0;
	gather(b, c);
	for (unsigned i = 0; i < DIRTY_WORDS && b->n < SEND_BATCH; i++) {
		unsigned long bits = atomic_load_explicit(&w->dirty[i], memory_order_relaxed);
		while (bits && b->n < SEND_BATCH) {
			uint16_t o = i * WORD_BITS + __builtin_ctzl(bits);
			bits &= bits - 1;
			struct conn *k = &conns[o];
			if (o != c && k->state == CONN_OPEN && k->worker == w->id &&
			    !atomic_load(&k->kill) && !atomic_load(&k->wblocked) && !k->gathered &&
			    conn_queued(k) >= OUTQ_LEN / 2 && b->lines + conn_queued(k) <= SEND_BATCH_LINES)
				gather(b, o);
		}
	}
	if (b->n)
		uring_sendmsgs(&w->ring, b->n, b->fd, b->msg, b->res);
	for (unsigned i = 0; i < b->n; i++)
		conn_written(b->conn[i], &b->out[i], b->res[i]);
	b->n = b->lines = 0;
}
