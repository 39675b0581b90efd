#include "loop/worker_int.h"
#include "core/chat.h"
#include "core/conn.h"
#include "core/deliver.h"
#include "core/pool.h"
#include "util/log.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct worker workers[MAX_WORKERS];
unsigned nworkers;
const struct listener *listeners;
unsigned nlisteners;
struct worker_settings wcfg;
static atomic_int stopping;
static atomic_uint workers_quiet;       /* workers that stopped reading input */
static __thread struct worker *self;

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void worker_mark(uint16_t c, unsigned *wake)
{
	struct worker *w = &workers[conns[c].worker];
	dirty_mark(w->dirty, c);       /* loop/dirty.h: why always the RMW */
	*wake |= 1u << w->id;
}

void mark_batch_init(struct mark_batch *b)
{
	for (unsigned i = 0; i < nworkers; i++)
		for (unsigned j = 0; j < MARK_WAYS; j++)
			b->bits[i][j] = 0;
}

void mark_batch_add(struct mark_batch *b, uint16_t c, unsigned *wake)
{
	unsigned wid = atomic_load_explicit(&conns[c].worker, memory_order_relaxed), word = c / WORD_BITS;
	unsigned way = word % MARK_WAYS;

	if (b->bits[wid][way] && b->word[wid][way] != word)
		dirty_mark_word(workers[wid].dirty, b->word[wid][way], b->bits[wid][way]),
		b->bits[wid][way] = 0;
	b->word[wid][way] = word;
	b->bits[wid][way] |= 1UL << (c % WORD_BITS);
	*wake |= 1u << wid;
}

/* After the tails' stores, as dirty_mark is (loop/dirty.h). */
void mark_batch_flush(struct mark_batch *b)
{
	for (unsigned i = 0; i < nworkers; i++)
		for (unsigned j = 0; j < MARK_WAYS; j++)
			if (b->bits[i][j])
				dirty_mark_word(workers[i].dirty, b->word[i][j], b->bits[i][j]),
				b->bits[i][j] = 0;
}

int worker_owns(uint16_t c)
{
	return self && atomic_load_explicit(&conns[c].worker, memory_order_relaxed) == self->id;
}

void workers_wake(unsigned wake)
{
	for (unsigned i = 0; i < nworkers; i++)
		if ((wake & (1u << i)) && &workers[i] != self)
			wake_request(&workers[i].wake_pending, workers[i].evfd);
}

void ready_push(struct worker *w, uint16_t c)
{
	struct conn *k = &conns[c];
	if (k->listed)
		return;
	k->listed = 1;
	k->ready_next = CONN_NONE;
	if (w->ready_tail == CONN_NONE)
		w->ready_head = c;
	else
		conns[w->ready_tail].ready_next = c;
	w->ready_tail = c;
}

void ready_unlink(struct worker *w, uint16_t c)
{
	uint16_t prev = CONN_NONE;
	for (uint16_t i = w->ready_head; i != CONN_NONE; prev = i, i = conns[i].ready_next) {
		if (i != c)
			continue;
		if (prev == CONN_NONE)
			w->ready_head = conns[i].ready_next;
		else
			conns[prev].ready_next = conns[i].ready_next;
		if (w->ready_tail == c)
			w->ready_tail = prev;
		break;
	}
	conns[c].listed = 0;
}

void retry_soon(struct worker *w, uint16_t c, int64_t now)
{
	ready_push(w, c);
	if (w->resume_ms > now + 1)
		w->resume_ms = now + 1;
}


static void run_ready(struct worker *w, int64_t now, unsigned *wake)
{
	uint16_t c = w->ready_head;
	w->ready_head = w->ready_tail = CONN_NONE;
	while (c != CONN_NONE) {
		uint16_t next = conns[c].ready_next;
		conns[c].listed = 0;
		life_run(w, c, now, wake);
		c = next;
	}
}

static int any_dirty(struct worker *w)
{
	for (unsigned i = 0, words = dirty_words(); i < words; i++)
		if (atomic_load_explicit(&w->dirty[i], memory_order_relaxed))
			return 1;
	return 0;
}

static void tick(struct worker *w, int64_t now, unsigned *wake)
{
	unsigned stall_limit = pool_low() ? STALL_TICKS_LOW_POOL : STALL_TICKS;

	atomic_store(&w->heartbeat_s, (unsigned)(now / 1000));
	w->next_tick_ms = now + TICK_MS;
	for (unsigned c = 0, n = conn_high_water(); c < n; c++)
		if (conns[c].state != CONN_FREE && conns[c].worker == w->id)
			life_tick(w, c, now, stall_limit, wake);
#ifdef NATTER_CHECKS
	for (unsigned c = 0, n = conn_high_water(); c < n; c++)
		if (conns[c].state != CONN_FREE && conns[c].worker == w->id)
			life_check(w, c, now);
#endif
}

/* Shutdown: tell everyone, let output drain for a bounded time, close. */
static int shutting_down(struct worker *w, int64_t now, unsigned *wake)
{
	int pending = 0;

	if (!w->stopping) {     /* first: this worker reads no more input */
		w->stopping = 1;
		w->stop_deadline_ms = now + SHUTDOWN_FLUSH_MS;
		if (!w->accept_paused)
			listeners_watch(w, 0);
		atomic_fetch_add(&workers_quiet, 1);
		return 0;
	}
	if (w->stopping == 1) {
		/* The shutdown line is queued only once no worker handles
		 * input any more, so it is every client's last line. */
		if (atomic_load(&workers_quiet) < nworkers && now < w->stop_deadline_ms)
			return 0;
		w->stopping = 2;
		for (unsigned c = 0, n = conn_high_water(); c < n; c++)
			if (conns[c].state != CONN_FREE && conns[c].worker == w->id) {
				chat_error(c, ERR_SHUTDOWN, wake);
				worker_mark(c, wake);
			}
		return 0;
	}
	for (unsigned c = 0, n = conn_high_water(); c < n; c++)
		if (conns[c].state != CONN_FREE && conns[c].worker == w->id &&
		    conn_queued(&conns[c]) > 0 && !atomic_load(&conns[c].kill))
			pending = 1;
	if (pending && now < w->stop_deadline_ms)
		return 0;
	for (unsigned c = 0, n = conn_high_water(); c < n; c++)
		if (conns[c].state != CONN_FREE && conns[c].worker == w->id) {
			life_shutdown(w, c, now, wake);
		}
	return 1;
}

static int next_timeout(struct worker *w, int64_t now)
{
	int64_t due = w->next_tick_ms;
	if (w->ready_head != CONN_NONE && w->resume_ms < due)
		due = w->resume_ms;
	if (w->accept_paused && w->accept_resume_ms < due)
		due = w->accept_resume_ms;
	if (w->stopping && now + 10 < due)
		due = now + 10;
	if (any_dirty(w))       /* output marked by this worker itself (tick) */
		due = now;
	return due <= now ? 0 : (int)(due - now);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev[EVENTS_PER_TURN];
	self = w;

	for (;;) {
		int64_t now = now_ms();
		int timeout = next_timeout(w, now);
		atomic_store(&w->asleep, timeout != 0);
		int n = epoll_wait(w->epfd, ev, EVENTS_PER_TURN, timeout);
		atomic_store(&w->asleep, 0);
		unsigned wake = 0;
		now = now_ms();
		w->resume_ms = now + TICK_MS;
		for (int i = 0; i < n; i++) {
			uint32_t tag = ev[i].data.u32;
			if (tag == TAG_WAKE) {
				wake_take(&w->wake_pending, w->evfd);   /* loop/dirty.h */
			} else if (tag >= TAG_LISTEN) {
				if (!w->stopping && !w->accept_paused)
					accept_some(w, &listeners[tag - TAG_LISTEN], now, &wake);
			} else if (conns[tag].state != CONN_FREE && conns[tag].worker == w->id) {
				if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
					conns[tag].want_read = 1;
					conns[tag].short_read_drains =
						!(ev[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR));
					ready_push(w, tag);
				}
				if ((ev[i].events & (EPOLLOUT | EPOLLERR)) && atomic_load(&conns[tag].wblocked))
					worker_mark(tag, &wake);
			}
		}
		if (atomic_load(&stopping)) {
			if (shutting_down(w, now, &wake)) {
				msg_release_flush();
				workers_wake(wake);
				break;
			}
		} else {
			run_ready(w, now, &wake);
		}
		flush_dirty(w, now, &wake);
		msg_release_flush();    /* what this turn's writes gave back */
		workers_wake(wake);
		if (w->accept_paused && now >= w->accept_resume_ms && !w->stopping) {
			w->accept_paused = 0;
			listeners_watch(w, 1);
		}
		if (now >= w->next_tick_ms)
			tick(w, now, &wake), msg_release_flush(), workers_wake(wake);
	}
	return NULL;
}

int workers_start(unsigned n, const struct listener *ls, unsigned nls,
		  const struct worker_settings *s)
{
	pthread_attr_t attr;
	unsigned ring_refused = 0;      /* said once, for whichever worker */

	wcfg = *s;
	listeners = ls;
	nlisteners = nls;
	nworkers = n;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	for (unsigned i = 0; i < n; i++) {
		struct worker *w = &workers[i];
		w->id = i;
		w->ring.fd = -1;
		if (!s->no_uring && uring_open(&w->ring) < 0 && !ring_refused++)
			log_info("io_uring unavailable (%s): one writev per client", strerror(errno));
		w->ready_head = w->ready_tail = CONN_NONE;
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (w->epfd < 0 || w->evfd < 0) {
			log_error("worker %u: %s", i, strerror(errno));
			return -1;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = TAG_WAKE };
		epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev);
		listeners_watch(w, 1);
		w->next_tick_ms = now_ms() + TICK_MS;
		atomic_store(&w->heartbeat_s, (unsigned)(now_ms() / 1000));
		int e = pthread_create(&w->thread, &attr, worker_main, w);
		if (e) {
			log_error("cannot start worker %u: %s", i, strerror(e));
			return -1;
		}
	}
	pthread_attr_destroy(&attr);
	return 0;
}

void workers_stop(void)
{
	atomic_store(&stopping, 1);
	workers_wake((1u << nworkers) - 1);
	for (unsigned i = 0; i < nworkers; i++)
		pthread_join(workers[i].thread, NULL);
}

const char *workers_writer(void)
{
	unsigned rings = 0;
	for (unsigned i = 0; i < nworkers; i++)
		rings += workers[i].ring.fd >= 0;
	return rings == nworkers ? "io_uring" : rings ? "io_uring, writev" : "writev";
}

int workers_alive(int64_t max_age_ms)
{
	unsigned now_s = (unsigned)(now_ms() / 1000);
	for (unsigned i = 0; i < nworkers; i++)
		if ((int64_t)(now_s - atomic_load(&workers[i].heartbeat_s)) * 1000 > max_age_ms)
			return 0;
	return 1;
}
