#include "core/conn.h"
#include "core/pool.h"
#include "door/door.h"
#include "util/testhook.h"
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

struct conn conns[MAX_CONNS];
static uint16_t rings[MAX_CONNS][OUTQ_LEN];

/* Free slots as a stack, lowest index on top, so a server with few clients
 * touches few pages of the table. */
static uint16_t free_stack[MAX_CONNS];
static unsigned free_top;
static unsigned limit, used;
static atomic_uint high_water;  /* slots [high_water, MAX_CONNS) never used */
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

/* Connections by address, for --max-per-ip: a chain per hash bucket, so
 * an accept looks at the slots of its own address (at most the limit),
 * not the whole table. Under table_mu. */
#define PEER_BUCKETS 256
static uint16_t peer_head[PEER_BUCKETS];
static uint16_t peer_prev[MAX_CONNS], peer_next[MAX_CONNS];

static size_t addr_len(const struct peer *p)
{
	return p->family == AF_INET ? 4 : 16;
}

static unsigned peer_bucket(const struct peer *p)
{
	unsigned h = 2166136261u;       /* FNV-1a */
	for (size_t i = 0; i < addr_len(p); i++)
		h = (h ^ p->addr[i]) * 16777619u;
	return h % PEER_BUCKETS;
}

static int same_addr(const struct peer *a, const struct peer *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, addr_len(a)) == 0;
}

/* Are `max` slots of p's address in use? Stops counting there. */
static int peer_full(const struct peer *p, unsigned max)
{
	unsigned n = 0;
	for (uint16_t i = peer_head[peer_bucket(p)]; i != CONN_NONE && n < max; i = peer_next[i])
		n += same_addr(&conns[i].peer, p);
	return n >= max;
}

static void peer_link(uint16_t idx)
{
	unsigned b = peer_bucket(&conns[idx].peer);
	peer_prev[idx] = CONN_NONE;
	peer_next[idx] = peer_head[b];
	if (peer_head[b] != CONN_NONE)
		peer_prev[peer_head[b]] = idx;
	peer_head[b] = idx;
}

static void peer_unlink(uint16_t idx)
{
	if (peer_prev[idx] != CONN_NONE)
		peer_next[peer_prev[idx]] = peer_next[idx];
	else
		peer_head[peer_bucket(&conns[idx].peer)] = peer_next[idx];
	if (peer_next[idx] != CONN_NONE)
		peer_prev[peer_next[idx]] = peer_prev[idx];
}

void conn_table_init(unsigned runtime_limit)
{
	for (unsigned i = 0; i < MAX_CONNS; i++)
		free_stack[i] = MAX_CONNS - 1 - i;
	free_top = MAX_CONNS;
	for (unsigned i = 0; i < PEER_BUCKETS; i++)
		peer_head[i] = CONN_NONE;
	limit = runtime_limit;
	used = 0;
}

uint16_t conn_alloc(int fd, unsigned worker, const struct peer *peer, unsigned door,
		    unsigned max_per_peer, enum alloc_refusal *why)
{
	uint16_t idx = CONN_NONE;
	struct conn *c;

	pthread_mutex_lock(&table_mu);
	/* The per-address check and the allocation under one lock: parallel
	 * accepts on W workers cannot pass the limit together. */
	int full = max_per_peer && peer_full(peer, max_per_peer);
	test_hook_pause(HOOK_PER_PEER_PAUSE);   /* tests: the window, if any */
	if (full) {
		*why = ALLOC_PER_PEER;
	} else if (used < limit && free_top > 0) {
		idx = free_stack[--free_top];
		used++;
		if (idx >= atomic_load(&high_water))
			atomic_store(&high_water, idx + 1u);
		c = &conns[idx];
		memset(&c->fd, 0, sizeof *c - offsetof(struct conn, fd));
		c->peer = *peer;
		peer_link(idx);
		atomic_store(&c->kill, KILL_NONE);
		atomic_store(&c->wblocked, 0);
		/* The queue positions keep counting from the last user's. */
		atomic_store(&c->out_tail, atomic_load(&c->out_head));
		atomic_store(&c->irc_solo, CONN_NONE);
		atomic_store(&c->worker, worker);
		atomic_store(&c->state, CONN_NEW);
	} else {
		*why = ALLOC_FULL;
	}
	pthread_mutex_unlock(&table_mu);
	if (idx == CONN_NONE)
		return idx;
	c->fd = fd;
	c->door = door;
	c->room = CONN_NONE;
	c->member_prev = c->member_next = c->nick_next = CONN_NONE;
	c->ready_next = CONN_NONE;
	return idx;
}

void conn_release(uint16_t idx)
{
	conns[idx].fd = -1;
	pthread_mutex_lock(&table_mu);
	peer_unlink(idx);
	atomic_store(&conns[idx].state, CONN_FREE);
	free_stack[free_top++] = idx;
	used--;
	pthread_mutex_unlock(&table_mu);
}

unsigned conn_count(void)
{
	pthread_mutex_lock(&table_mu);
	unsigned n = used;
	pthread_mutex_unlock(&table_mu);
	return n;
}

/* Scans stop here: on some kernels even reading a never-touched page of
 * the table makes it resident. */
unsigned conn_high_water(void)
{
	return atomic_load(&high_water);
}

unsigned conn_limit(void)
{
	return limit;
}

/* An IRC connection's producers without its solo room's lock take turns
 * through this flag (conn.h); held for a few instructions, or for one
 * delivery (deliver.c). A one-room door's queue never needs it. */
static atomic_flag push_turn[MAX_CONNS];

void conn_turn_take(uint16_t idx)
{
	while (atomic_flag_test_and_set_explicit(&push_turn[idx], memory_order_acquire))
		;
}

void conn_turn_give(uint16_t idx)
{
	atomic_flag_clear_explicit(&push_turn[idx], memory_order_release);
}

void conn_set_solo(uint16_t idx, uint16_t room)
{
	conn_turn_take(idx);
	atomic_store_explicit(&conns[idx].irc_solo, room, memory_order_release);
	conn_turn_give(idx);
}

void conn_push(uint16_t idx, uint16_t msg, enum push_mode mode)
{
	struct conn *c = &conns[idx];

	if (mode == PUSH_TURN)
		conn_turn_take(idx);
	uint16_t tail = atomic_load_explicit(&c->out_tail, memory_order_relaxed);
	rings[idx][tail & (OUTQ_LEN - 1)] = msg;
	atomic_store_explicit(&c->out_tail, tail + 1, memory_order_release);
	if (mode == PUSH_TURN)
		conn_turn_give(idx);
}

static atomic_flag write_lock[MAX_CONNS];

int conn_write_try(uint16_t idx)
{
	return !atomic_flag_test_and_set_explicit(&write_lock[idx], memory_order_acquire);
}

void conn_write_take(uint16_t idx)
{
	while (!conn_write_try(idx))
		;
}

void conn_write_give(uint16_t idx)
{
	atomic_flag_clear_explicit(&write_lock[idx], memory_order_release);
}

unsigned conn_gather(uint16_t idx, struct out_gather *g, unsigned cap)
{
	struct conn *c = &conns[idx];
	const struct door_ops *d = door_get(c->door);
	uint16_t head = atomic_load_explicit(&c->out_head, memory_order_relaxed);
	uint16_t tail = atomic_load_explicit(&c->out_tail, memory_order_acquire);
	unsigned n = 0;

	/* Each line's wire form from its first unwritten byte: the pool
	 * text as is, or what c's door renders (a frame header in front). */
	if (d->render) {
		struct msg *m[OUTQ_LEN];
		for (uint16_t i = head; i != tail && n < cap; i++, n++)
			m[n] = msg_at(rings[idx][i & (OUTQ_LEN - 1)]);
		if (n)
			d->render(idx, m, n, c->out_off, g->iov);
	} else {
		for (uint16_t i = head; i != tail && n < cap; i++, n++) {
			struct msg *m = msg_at(rings[idx][i & (OUTQ_LEN - 1)]);
			unsigned off = n == 0 ? c->out_off : 0;
			g->iov[n].iov_base = m->text + off;
			g->iov[n].iov_len = m->len - off;
		}
	}
	g->lines = n;
	g->tail = (uint16_t)(head + n);
	return n;
}

enum flush_result conn_written(uint16_t idx, const struct out_gather *g, long w)
{
	struct conn *c = &conns[idx];
	uint16_t head = atomic_load_explicit(&c->out_head, memory_order_relaxed);

	if (g->lines == 0) {
		atomic_store(&c->wblocked, 0);
		return FLUSH_DONE;
	}
	if (w < 0) {
		if (w == -EAGAIN || w == -EWOULDBLOCK || w == -EINTR) {
			atomic_store(&c->wblocked, 1);
			return FLUSH_PENDING;
		}
		return FLUSH_ERROR;
	}
	size_t left = (size_t)w;
	int low = pool_low();
	for (unsigned i = 0; i < g->lines && left >= g->iov[i].iov_len; i++) {
		left -= g->iov[i].iov_len;
		msg_release(rings[idx][head & (OUTQ_LEN - 1)], low);        /* pool.h */
		head++;
		c->out_off = 0;
	}
	c->out_off += left;
	atomic_store_explicit(&c->out_head, head, memory_order_release);
	if (head != g->tail) {
		atomic_store(&c->wblocked, 1);
		return FLUSH_PENDING;
	}
	/* Lines pushed meanwhile set the dirty bit again. */
	atomic_store(&c->wblocked, 0);
	return FLUSH_DONE;
}

/* One writev takes a whole queue (at most IOV_MAX pieces); its iovecs,
 * 4 KiB at OUTQ_LEN 256, are on the worker's stack (THREAD_STACK), and
 * under them conn_gather's line pointers for a door that renders (2 KiB). */
_Static_assert(OUTQ_LEN <= IOV_MAX, "a queue's iovecs must fit one writev");
_Static_assert(OUTQ_LEN * (sizeof(struct iovec) + sizeof(struct msg *)) <= THREAD_STACK / 8,
	       "conn_flush's iovecs and conn_gather's pointers must leave most of a worker's stack");

enum flush_result conn_flush(uint16_t idx)
{
	struct iovec iov[OUTQ_LEN];
	struct out_gather g = { .iov = iov };
	long w = 0;

	if (!conn_write_try(idx))
		return FLUSH_BUSY;      /* a batch writes it (loop/flush.c) */
	if (conn_gather(idx, &g, OUTQ_LEN)) {
		w = writev(conns[idx].fd, iov, (int)g.lines);
		if (w < 0)
			w = -errno;
	}
	enum flush_result fr = conn_written(idx, &g, w);
	conn_write_give(idx);
	return fr;
}

void conn_drop_queue(uint16_t idx)
{
	struct conn *c = &conns[idx];
	uint16_t head = atomic_load(&c->out_head);
	uint16_t tail = atomic_load(&c->out_tail);

	for (; head != tail; head++)
		msg_unref(rings[idx][head & (OUTQ_LEN - 1)]);
	atomic_store(&c->out_head, head);
	if (c->out_off)
		c->mid_line = 1;
	c->out_off = 0;
}

void peer_format(const struct peer *p, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(p->family, p->addr, a, sizeof a);
	snprintf(out, size, p->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, p->port);
}
