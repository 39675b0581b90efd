#include "core/pool.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct msg msgs[MAX_MSGS];
static uint16_t free_head;
/* Changed under pool_mu; read without it by pool_low(), which every
 * delivered line asks: a snapshot, as it was under the lock (the count
 * may change as soon as the lock is let go). */
static atomic_uint free_count;
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;

/* Built lazily: slots beyond the high-water mark are never written, so
 * their pages stay out of RSS. */
static unsigned never_used;     /* slots [never_used, MAX_MSGS) untouched */

void pool_init(void)
{
	free_head = MSG_NONE;
	atomic_store_explicit(&free_count, MAX_MSGS, memory_order_relaxed);
	never_used = 0;
}

uint16_t msg_alloc(int urgent)
{
	uint16_t idx = MSG_NONE;

	pthread_mutex_lock(&pool_mu);
	unsigned nfree = atomic_load_explicit(&free_count, memory_order_relaxed);
	if (nfree > (urgent ? 0 : POOL_EVENT_RESERVE)) {
		if (free_head != MSG_NONE) {
			idx = free_head;
			free_head = msgs[idx].next_free;
		} else {
			idx = never_used++;
		}
		atomic_store_explicit(&free_count, nfree - 1, memory_order_relaxed);
	}
	pthread_mutex_unlock(&pool_mu);
	if (idx != MSG_NONE) {
		atomic_store_explicit(&msgs[idx].refs, 1, memory_order_relaxed);
		msgs[idx].len = 0;
	}
	return idx;
}

uint16_t msg_printf(int urgent, const char *fmt, ...)
{
	uint16_t idx = msg_alloc(urgent);
	if (idx == MSG_NONE)
		return idx;
	struct msg *m = &msgs[idx];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(m->text, sizeof m->text - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof m->text - 2)
		n = sizeof m->text - 2;    /* callers size their lines; a guard */
	m->text[n++] = '\n';
	m->len = n;
	return idx;
}

uint16_t msg_said(int urgent, const char *before, const char *nick, const char *after,
		  const char *text, size_t len)
{
	uint16_t idx = msg_alloc(urgent);
	if (idx == MSG_NONE)
		return idx;
	struct msg *m = &msgs[idx];
	const char *piece[] = { before, nick, after };
	size_t n = 0, cap = sizeof m->text - 2;     /* a guard, as msg_printf's */

	for (unsigned i = 0; i < 3; i++)
		for (const char *p = piece[i]; *p && n < cap; p++)
			m->text[n++] = *p;
	if (len > cap - n)
		len = cap - n;
	memcpy(m->text + n, text, len);
	n += len;
	m->text[n++] = '\n';
	m->len = (uint16_t)n;
	return idx;
}

struct msg *msg_at(uint16_t idx)
{
	return &msgs[idx];
}

void msg_ref(uint16_t idx, unsigned n)
{
	atomic_fetch_add_explicit(&msgs[idx].refs, n, memory_order_relaxed);
}

void msg_unref(uint16_t idx)
{
	msg_unref_n(idx, 1);
}

void msg_unref_n(uint16_t idx, unsigned n)
{
	if (atomic_fetch_sub_explicit(&msgs[idx].refs, n, memory_order_acq_rel) != n)
		return;
	pthread_mutex_lock(&pool_mu);
	msgs[idx].next_free = free_head;
	free_head = idx;
	atomic_store_explicit(&free_count,
			      atomic_load_explicit(&free_count, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	pthread_mutex_unlock(&pool_mu);
}

_Static_assert((RELEASE_SLOTS & (RELEASE_SLOTS - 1)) == 0, "RELEASE_SLOTS must be a power of two");

/* Direct-mapped by slot number: a worker's writes in one turn carry the
 * same recent lines to each of its members, so most releases land on an
 * entry already counting that line. A collision gives back the old
 * entry's count. At most RELEASE_SLOTS lines per worker wait for the
 * turn's end, and none once the pool runs low. */
static __thread struct {
	uint16_t idx, n;        /* n references of slot idx; n 0: unused */
} released[RELEASE_SLOTS];
/* The entries in use, so a turn that wrote little flushes little. */
static __thread uint16_t released_used[RELEASE_SLOTS];
static __thread unsigned released_nused;

void msg_release(uint16_t idx, int low)
{
	if (low) {
		msg_release_flush();    /* what waits, too: the pool needs it */
		msg_unref(idx);
		return;
	}
	unsigned i = idx & (RELEASE_SLOTS - 1);
	if (released[i].n == 0)
		released_used[released_nused++] = i;
	else if (released[i].idx != idx) {
		msg_unref_n(released[i].idx, released[i].n);
		released[i].n = 0;
	}
	released[i].idx = idx;
	released[i].n++;
}

void msg_release_flush(void)
{
	for (unsigned k = 0; k < released_nused; k++) {
		unsigned i = released_used[k];
		msg_unref_n(released[i].idx, released[i].n);
		released[i].n = 0;
	}
	released_nused = 0;
}

unsigned pool_available(void)
{
	return atomic_load_explicit(&free_count, memory_order_relaxed);
}

int pool_low(void)
{
	return pool_available() < POOL_EVENT_RESERVE + (MAX_MSGS - POOL_EVENT_RESERVE) / 4;
}
