/* Spreading clients over the workers. Every worker waits on the listening
 * sockets (EPOLLEXCLUSIVE), and the kernel wakes the first idle waiter:
 * clients that come one at a time would all land on the same worker (16
 * of 16 on 2026-12-05), leaving the others' CPUs to do nothing for them.
 * So a worker that accepts a client while another worker has fewer hands
 * it over: the fd goes into that worker's inbox, which it empties at the
 * start of its next turn, woken through its eventfd (loop/dirty.h's
 * protocol: the inbox is filled before the wake-up is asked for, and
 * read after it is taken). The checks at the boundary (--allow, the
 * table) are then the new owner's, in accept.c as for its own accepts. */
#include "loop/worker_int.h"
#include <pthread.h>
#include <unistd.h>

struct handed {
	int fd;
	uint8_t door;
	struct peer peer;
};

static struct inbox {
	pthread_mutex_t mu;
	atomic_uint n;          /* read without the lock: anything there? */
	struct handed fds[HANDOFF_MAX];
} inboxes[MAX_WORKERS];

void handoff_init(void)
{
	for (unsigned i = 0; i < MAX_WORKERS; i++)
		pthread_mutex_init(&inboxes[i].mu, NULL);
}

/* The worker with the fewest clients (counting those handed to it), if
 * it has fewer than w. */
static struct worker *lighter_than(struct worker *w)
{
	struct worker *best = w;
	unsigned least = atomic_load_explicit(&w->clients, memory_order_relaxed);

	for (unsigned i = 0; i < nworkers; i++) {
		unsigned n = atomic_load_explicit(&workers[i].clients, memory_order_relaxed);
		if (n < least) {
			least = n;
			best = &workers[i];
		}
	}
	return best;
}

struct worker *handoff_pick(struct worker *w)
{
	struct worker *t = lighter_than(w);
	atomic_fetch_add_explicit(&t->clients, 1, memory_order_relaxed);
	return t;
}

int handoff_give(struct worker *to, int fd, const struct peer *p, unsigned door)
{
	struct inbox *in = &inboxes[to->id];
	int given = 0;

	pthread_mutex_lock(&in->mu);
	unsigned n = atomic_load_explicit(&in->n, memory_order_relaxed);
	if (n < HANDOFF_MAX) {
		in->fds[n] = (struct handed){ .fd = fd, .door = (uint8_t)door, .peer = *p };
		atomic_store_explicit(&in->n, n + 1, memory_order_relaxed);
		given = 1;
	}
	pthread_mutex_unlock(&in->mu);
	/* Woken now, not with the turn's other wake-ups: those of a sleeping
	 * worker may be written for it instead (flush.c, add_for). */
	if (given)
		wake_request(&to->wake_pending, to->evfd);
	return given;
}

void handoff_take(struct worker *w, int64_t now, unsigned *wake)
{
	struct inbox *in = &inboxes[w->id];
	struct handed got[HANDOFF_MAX];
	unsigned n;

	if (!atomic_load(&in->n))
		return;
	pthread_mutex_lock(&in->mu);
	n = atomic_load_explicit(&in->n, memory_order_relaxed);
	for (unsigned i = 0; i < n; i++)
		got[i] = in->fds[i];
	atomic_store_explicit(&in->n, 0, memory_order_relaxed);
	pthread_mutex_unlock(&in->mu);
	for (unsigned i = 0; i < n; i++) {
		if (w->stopping) {      /* the server is stopping: no new client */
			atomic_fetch_sub_explicit(&w->clients, 1, memory_order_relaxed);
			close(got[i].fd);
		} else {
			accept_admit(w, got[i].fd, &got[i].peer, got[i].door, now, wake);
		}
	}
}
