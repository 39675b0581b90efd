/* A worker writes the output of the connections marked dirty. With a
 * ring (loop/uring.h), the queues go in batches, up to SEND_BATCH
 * connections and SEND_BATCH_LINES lines in one system call; without one,
 * each queue gets its writev. On the machine this is measured on, the
 * system call was most of the cost of a line to a client at chat pace
 * (docs/benchmark.md, "Sends in one system call"). */
#include "loop/worker_int.h"
#include "core/pool.h"
#include "door/door.h"
#include <string.h>

struct send_batch {
	unsigned n, lines, niov;        /* connections, lines, iovecs taken */
	uint16_t conn[SEND_BATCH];
	int fd[SEND_BATCH], res[SEND_BATCH];
	struct msghdr msg[SEND_BATCH];
	struct out_gather out[SEND_BATCH];
	struct iovec iov[SEND_BATCH_LINES * DOOR_IOV_MAX];
	char hdr[SEND_BATCH_LINES * DOOR_HDR_MAX];
	size_t wire[SEND_BATCH_LINES];
};

/* A whole queue fits an empty batch (and one sendmsg: core/conn.c checks
 * its iovecs against IOV_MAX). The batch is on the worker's stack, and
 * conn_flush's arrays may be below it (a full queue written from admit(),
 * core/deliver.c). */
_Static_assert(SEND_BATCH_LINES >= OUTQ_LEN, "a queue must fit a batch");
_Static_assert(sizeof(struct send_batch) <= THREAD_STACK / 3,
	       "a send batch must leave most of a worker's stack");

static void send_all(struct worker *w, struct send_batch *b, int64_t now, unsigned *wake)
{
	if (!b->n)
		return;
	uring_sendmsgs(&w->ring, b->n, b->fd, b->msg, b->res);
	for (unsigned i = 0; i < b->n; i++)
		life_flushed(w, b->conn[i], conn_written(b->conn[i], &b->out[i], b->res[i]), now, wake);
	b->n = b->lines = b->niov = 0;
}

static void add(struct worker *w, struct send_batch *b, uint16_t c, int64_t now, unsigned *wake)
{
	/* Lines pushed after the queued count is read set c's dirty bit
	 * again: gathering fewer than are queued by then loses nothing. */
	unsigned queued = conn_queued(&conns[c]);
	if (b->n == SEND_BATCH || b->lines + queued > SEND_BATCH_LINES)
		send_all(w, b, now, wake);

	unsigned i = b->n;
	struct out_gather *g = &b->out[i];
	g->iov = b->iov + b->niov;
	g->hdr = b->hdr + b->lines * DOOR_HDR_MAX;
	g->wire = b->wire + b->lines;
	if (!conn_gather(c, g, SEND_BATCH_LINES - b->lines)) {
		life_flushed(w, c, conn_written(c, g, 0), now, wake);
		return;
	}
	memset(&b->msg[i], 0, sizeof b->msg[i]);
	b->msg[i].msg_iov = g->iov;
	b->msg[i].msg_iovlen = g->niov;
	b->conn[i] = c;
	b->fd[i] = conns[c].fd;
	b->n++;
	b->lines += g->lines;
	b->niov += g->niov;
}

void flush_dirty(struct worker *w, int64_t now, unsigned *wake)
{
	struct send_batch b;

	b.n = b.lines = b.niov = 0;
	for (unsigned i = 0; i < DIRTY_WORDS; i++) {
		unsigned long bits = dirty_take(w->dirty, i);
		while (bits) {
			uint16_t c = i * WORD_BITS + __builtin_ctzl(bits);
			bits &= bits - 1;
			if (conns[c].state == CONN_FREE || conns[c].worker != w->id ||
			    !life_flush_begin(w, c, now, wake))
				continue;
			if (w->ring.fd >= 0)
				add(w, &b, c, now, wake);
			else
				life_flushed(w, c, conn_flush(c), now, wake);
		}
	}
	send_all(w, &b, now, wake);
}
