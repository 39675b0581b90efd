#include "worker.h"
#include "chat.h"
#include "conn.h"
#include "deliver.h"
#include "pool.h"
#include "log.h"
#include "proto.h"
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WORD_BITS (sizeof(unsigned long) * 8)
#define DIRTY_WORDS ((MAX_CONNS + WORD_BITS - 1) / WORD_BITS)
#define TAG_WAKE 0xffffffffu
#define TAG_LISTEN 0x10000u     /* + listener index; below: a connection */
#define EVENTS_PER_TURN 64
#define ACCEPTS_PER_TURN 16     /* so one worker does not take every client */
#define TICK_MS 1000
#define ACCEPT_PAUSE_MS 200     /* after EMFILE: wait, do not spin */

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
	atomic_uint heartbeat_s;
	atomic_ulong dirty[DIRTY_WORDS];        /* connections with output */
	uint16_t ready_head, ready_tail;        /* connections with input */
	int accept_paused, stopping;
	int64_t accept_resume_ms, stop_deadline_ms, next_tick_ms, resume_ms;
	int64_t emfile_logged_ms;
};

static struct worker workers[MAX_WORKERS];
static unsigned nworkers;
static const struct listener *listeners;
static unsigned nlisteners;
static struct worker_settings set;
static atomic_int stopping;
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
	atomic_ulong *word = &w->dirty[c / WORD_BITS];
	unsigned long bit = 1UL << (c % WORD_BITS);

	if (!(atomic_load_explicit(word, memory_order_relaxed) & bit))
		atomic_fetch_or(word, bit);
	*wake |= 1u << w->id;
}

void workers_wake(unsigned wake)
{
	uint64_t one = 1;
	for (unsigned i = 0; i < nworkers; i++) {
		if (!(wake & (1u << i)) || &workers[i] == self)
			continue;
		if (atomic_exchange(&workers[i].wake_pending, 1) == 0 &&
		    write(workers[i].evfd, &one, sizeof one) < 0) {
			/* eventfd full means a wake-up is already pending */
		}
	}
}

static void ready_push(struct worker *w, uint16_t c)
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

static void ready_unlink(struct worker *w, uint16_t c)
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

/* Sends a short line right away, outside the queue, before a close. */
static void send_now(int fd, const char *line)
{
	if (send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* the client will see the close instead */
	}
}

/* Closes so that what was sent arrives: unread input would turn the
 * close into a reset, which can discard our last lines at the client. */
static void close_gently(int fd)
{
	char sink[512];
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 64 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
		;
	close(fd);
}

static void conn_close(struct worker *w, uint16_t c, const char *why)
{
	struct conn *k = &conns[c];
	char peer[64];

	peer_format(&k->peer, peer, sizeof peer);
	log_info("disconnect %s %s: %s", peer, k->nick, why);
	if (k->listed)
		ready_unlink(w, c);
	conn_drop_queue(c);
	close_gently(k->fd);
	atomic_fetch_and(&w->dirty[c / WORD_BITS], ~(1UL << (c % WORD_BITS)));
	conn_release(c);
}

static void retry_soon(struct worker *w, uint16_t c, int64_t now)
{
	ready_push(w, c);
	if (w->resume_ms > now + 1)
		w->resume_ms = now + 1;
}

static void begin_drain(struct worker *w, uint16_t c, int64_t now)
{
	unsigned wake = 0;
	conns[c].drain_deadline_ms = now + CLOSE_FLUSH_MS;
	worker_mark(c, &wake);          /* flush_dirty closes it once drained */
}

/* A connection whose socket failed must not hold up anyone: from now on
 * deliveries skip it (see deliver.c) while it waits to leave its room. */
static void mark_dead(uint16_t c)
{
	unsigned char none = KILL_NONE;
	atomic_compare_exchange_strong(&conns[c].kill, &none, KILL_DEAD);
}

static const char *const leave_how[] = {
	[LEAVE_EOF] = "disconnected",
	[LEAVE_IDLE] = "disconnected (idle)",
	[LEAVE_ERROR] = "disconnected",
	[LEAVE_TOO_SLOW] = "disconnected (too slow)",
};

/* Takes c out of its room, telling the room why, then drains or closes
 * it. If the room cannot take the line yet, c stays a member and this is
 * tried again next turn. */
static void leave(struct worker *w, uint16_t c, enum leave_reason why,
		  int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];

	if (why > k->leave)
		k->leave = why;         /* a worse reason wins */
	if (chat_leave(c, leave_how[k->leave], wake) == CHAT_DEFER) {
		retry_soon(w, c, now);
		return;
	}
	switch (k->leave) {
	case LEAVE_EOF:
	case LEAVE_IDLE:
		begin_drain(w, c, now);
		break;
	case LEAVE_TOO_SLOW:
		send_now(k->fd, k->out_off ?
			 "\n! too-slow: you did not read your messages; disconnected\n" :
			 "! too-slow: you did not read your messages; disconnected\n");
		conn_close(w, c, "too slow");
		break;
	default:
		conn_close(w, c, "connection lost");
		break;
	}
}

/* Rate limit: a token bucket in thousandths of a line. */
static int has_token(struct conn *k, int64_t now)
{
	if (set.rate == 0)
		return 1;
	int64_t cap = (int64_t)set.burst * 1000;
	int64_t t = k->tokens + (now - k->refill_ms) * set.rate;
	k->tokens = t > cap ? cap : t;
	k->refill_ms = now;
	return k->tokens >= 1000;
}

static int64_t token_due(struct conn *k, int64_t now)
{
	return now + (1000 - k->tokens + set.rate - 1) / set.rate;
}

static enum input_result handle_lines(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];
	struct linebuf *lb = &inbufs[c];

	while (k->state == CONN_OPEN && !k->leave) {
		const char *line;
		size_t len;
		struct action act;

		if (!has_token(k, now)) {
			w->resume_ms = w->resume_ms < token_due(k, now) ? w->resume_ms : token_due(k, now);
			return INPUT_WAIT;
		}
		enum frame_result fr = frame_next(lb, &line, &len);
		if (fr == FRAME_MORE)
			return INPUT_DONE;
		if (fr == FRAME_TOO_LONG) {
			memset(&act, 0, sizeof act);
			act.kind = ACT_ERROR;
			act.error = ERR_LINE_TOO_LONG;
		} else {
			proto_parse(line, len, &act);
		}
		enum chat_result cr = chat_handle(c, &act, wake);
		if (cr == CHAT_DEFER) {
			if (fr == FRAME_LINE)
				frame_unget(lb);
			w->resume_ms = w->resume_ms < now + 1 ? w->resume_ms : now + 1;
			return INPUT_WAIT;
		}
		k->tokens -= set.rate ? 1000 : 0;
		if (cr == CHAT_CLOSE)
			begin_drain(w, c, now);
	}
	return INPUT_DONE;
}

static enum input_result conn_input(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];
	size_t budget = READ_BUDGET;

	for (;;) {
		/* Before its first byte a connection's input buffer is known
		 * empty and is not read at all, so it stays out of RSS. */
		enum input_result r = k->inbuf_used ? handle_lines(w, c, now, wake) : INPUT_DONE;
		if (r != INPUT_DONE || k->state != CONN_OPEN)
			return r;
		if (k->eof) {   /* a partial last line is dropped */
			leave(w, c, LEAVE_EOF, now, wake);
			return INPUT_DONE;
		}
		if (!k->want_read)
			return INPUT_DONE;
		if (budget == 0)
			return INPUT_AGAIN;
		size_t room = LINE_BUF;
		char *p = k->inbuf_used ? frame_space(&inbufs[c], &room) : inbufs[c].buf;
		ssize_t n = recv(k->fd, p, room < budget ? room : budget, 0);
		if (n > 0) {
			frame_added(&inbufs[c], n);
			k->inbuf_used = 1;
			budget -= n;
			k->last_input_ms = now;
		} else if (n == 0) {
			k->eof = 1;
			k->want_read = 0;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			k->want_read = 0;
		} else if (errno != EINTR) {
			mark_dead(c);
			leave(w, c, LEAVE_ERROR, now, wake);
			return INPUT_DONE;
		}
	}
}

static void try_connect(struct worker *w, uint16_t c, int64_t now, unsigned *wake);

static void run_ready(struct worker *w, int64_t now, unsigned *wake)
{
	uint16_t c = w->ready_head;
	w->ready_head = w->ready_tail = CONN_NONE;
	while (c != CONN_NONE) {
		uint16_t next = conns[c].ready_next;
		conns[c].listed = 0;
		if (conns[c].state == CONN_NEW)
			try_connect(w, c, now, wake);
		if (conns[c].state == CONN_OPEN && conns[c].leave) {
			leave(w, c, conns[c].leave, now, wake);
		} else if (conns[c].state == CONN_OPEN) {
			enum input_result r = conn_input(w, c, now, wake);
			if (r == INPUT_AGAIN)
				w->resume_ms = now;
			if (r != INPUT_DONE && conns[c].state == CONN_OPEN)
				ready_push(w, c);
		}
		c = next;
	}
}

/* Writes the queued output of every connection marked dirty. */
static void flush_dirty(struct worker *w, int64_t now, unsigned *wake)
{
	for (unsigned i = 0; i < DIRTY_WORDS; i++) {
		if (!atomic_load_explicit(&w->dirty[i], memory_order_relaxed))
			continue;
		unsigned long bits = atomic_exchange(&w->dirty[i], 0);
		while (bits) {
			uint16_t c = i * WORD_BITS + __builtin_ctzl(bits);
			struct conn *k = &conns[c];
			bits &= bits - 1;
			if (k->state == CONN_FREE || k->worker != w->id)
				continue;
			unsigned char kill = atomic_load(&k->kill);
			if (kill == KILL_DEAD && k->state == CONN_OPEN)
				continue;       /* its input path sees the end */
			if (kill) {
				enum leave_reason why = kill == KILL_DEAD ? LEAVE_ERROR : LEAVE_TOO_SLOW;
				if (k->state == CONN_OPEN)
					leave(w, c, why, now, wake);
				else
					conn_close(w, c, why == LEAVE_ERROR ? "connection lost" : "too slow");
				continue;
			}
			enum flush_result fr = conn_flush(c);
			if (fr == FLUSH_ERROR) {
				/* The client is gone, but the lines it sent before
				 * are still handled: read on until the socket says
				 * so, then leave. */
				mark_dead(c);
				if (k->state == CONN_OPEN) {
					k->want_read = 1;
					ready_push(w, c);
				} else {
					conn_close(w, c, "write failed");
				}
			} else if (fr == FLUSH_DONE && k->state == CONN_DRAINING) {
				conn_close(w, c, k->eof ? "closed by client" : "quit");
			}
		}
	}
}

static void listeners_watch(struct worker *w, int on)
{
	for (unsigned i = 0; i < nlisteners; i++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.u32 = TAG_LISTEN + i };
		epoll_ctl(w->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listeners[i].fd, &ev);
	}
}

static void set_client_options(int fd)
{
	int one = 1, idle = 60, intvl = 10, cnt = 6;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* Reap clients that vanished (Wi-Fi gone): about 2 minutes. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

static void peer_of(const struct sockaddr_storage *ss, struct peer *p)
{
	static const uint8_t v4mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };
	memset(p, 0, sizeof *p);
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		p->port = ntohs(a->sin6_port);
		if (memcmp(a->sin6_addr.s6_addr, v4mapped, 12) == 0) {
			p->family = AF_INET;
			memcpy(p->addr, a->sin6_addr.s6_addr + 12, 4);
		} else {
			p->family = AF_INET6;
			memcpy(p->addr, a->sin6_addr.s6_addr, 16);
		}
	} else {
		const struct sockaddr_in *a = (const void *)ss;
		p->family = AF_INET;
		p->port = ntohs(a->sin_port);
		memcpy(p->addr, &a->sin_addr, 4);
	}
}

/* Greets c and puts it in the lobby, or tries again next turn if the
 * lobby cannot take its join event yet. */
static void try_connect(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	char name[64];

	if (chat_connect(c, wake) == CHAT_DEFER) {
		retry_soon(w, c, now);
		return;
	}
	peer_format(&conns[c].peer, name, sizeof name);
	log_info("connect %s as %s", name, conns[c].nick);
}

static void admit(struct worker *w, int fd, const struct sockaddr_storage *ss,
		  int64_t now, unsigned *wake)
{
	struct peer p;
	char name[64], line[96];

	peer_of(ss, &p);
	peer_format(&p, name, sizeof name);
	if (!allow_match(set.allow, p.family, p.addr)) {
		log_info("refused %s: not in --allow", name);
		close(fd);
		return;
	}
	if (set.max_per_ip && conn_count_peer(&p) >= set.max_per_ip) {
		log_info("refused %s: --max-per-ip %u reached", name, set.max_per_ip);
		send_now(fd, "! full: too many connections from your address\n");
		close_gently(fd);
		return;
	}
	uint16_t c = conn_alloc(fd, w->id, &p);
	if (c == CONN_NONE) {
		log_info("refused %s: connection table full (%u)", name, conn_limit());
		snprintf(line, sizeof line, "! full: the server is full (%u connections)\n", conn_limit());
		send_now(fd, line);
		close_gently(fd);
		return;
	}
	set_client_options(fd);
	struct conn *k = &conns[c];
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		.data.u32 = c,
	};
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_error("epoll_ctl: %s", strerror(errno));
		close(fd);
		conn_release(c);
		return;
	}
	k->last_input_ms = k->refill_ms = now;
	k->tokens = (int32_t)(set.burst < 2000000 ? set.burst : 2000000) * 1000;
	k->state = CONN_NEW;
	k->want_read = 1;       /* it may have sent already */
	try_connect(w, c, now, wake);
	ready_push(w, c);
}

static void accept_some(struct worker *w, int lfd, int64_t now, unsigned *wake)
{
	for (int i = 0; i < ACCEPTS_PER_TURN; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			admit(w, fd, &ss, now, wake);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* Out of descriptors: stop accepting for a moment rather
			 * than spin on a listener that stays readable. */
			if (now - w->emfile_logged_ms >= 10000) {
				log_warn("accept: %s; pausing accepts", strerror(errno));
				w->emfile_logged_ms = now;
			}
			listeners_watch(w, 0);
			w->accept_paused = 1;
			w->accept_resume_ms = now + ACCEPT_PAUSE_MS;
		}
		return;
	}
}

/* A client that holds queued lines and takes none for a while is too
 * slow even if its queue is not full: its lines pin pool slots that
 * everyone else needs. Sooner when the pool runs low. */
static void check_stalled(uint16_t c, unsigned limit, unsigned *wake)
{
	struct conn *k = &conns[c];
	uint16_t head = atomic_load(&k->out_head);

	if (!atomic_load(&k->wblocked) || conn_queued(k) == 0 ||
	    head != k->tick_head || k->out_off != k->tick_off) {
		k->stalled_ticks = 0;
		k->tick_head = head;
		k->tick_off = k->out_off;
		return;
	}
	if (++k->stalled_ticks >= limit)
		deliver_kill(c, wake);
}

static void tick(struct worker *w, int64_t now, unsigned *wake)
{
	unsigned stall_limit = pool_available() < MAX_MSGS / 4 ? STALL_TICKS_LOW_POOL : STALL_TICKS;

	atomic_store(&w->heartbeat_s, (unsigned)(now / 1000));
	w->next_tick_ms = now + TICK_MS;
	for (unsigned c = 0, n = conn_high_water(); c < n; c++) {
		struct conn *k = &conns[c];
		if (k->state == CONN_FREE || k->worker != w->id)
			continue;
		if (k->state == CONN_OPEN)
			check_stalled(c, stall_limit, wake);
		if (k->state == CONN_OPEN && !k->leave && set.idle_timeout &&
		    now - k->last_input_ms >= (int64_t)set.idle_timeout * 1000) {
			chat_error(c, ERR_IDLE, wake);
			leave(w, c, LEAVE_IDLE, now, wake);
		} else if (k->state == CONN_DRAINING && now >= k->drain_deadline_ms) {
			conn_close(w, c, "output not taken in time");
		}
	}
}

/* Shutdown: tell everyone, let output drain for a bounded time, close. */
static int shutting_down(struct worker *w, int64_t now, unsigned *wake)
{
	int pending = 0;

	if (!w->stopping) {
		w->stopping = 1;
		w->stop_deadline_ms = now + SHUTDOWN_FLUSH_MS;
		if (!w->accept_paused)
			listeners_watch(w, 0);
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
			chat_leave(c, NULL, wake);
			conn_close(w, c, "server stopping");
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
	return due <= now ? 0 : (int)(due - now);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev[EVENTS_PER_TURN];
	self = w;

	for (;;) {
		int64_t now = now_ms();
		int n = epoll_wait(w->epfd, ev, EVENTS_PER_TURN, next_timeout(w, now));
		unsigned wake = 0;
		now = now_ms();
		w->resume_ms = now + TICK_MS;
		for (int i = 0; i < n; i++) {
			uint32_t tag = ev[i].data.u32;
			if (tag == TAG_WAKE) {
				uint64_t v;
				atomic_store(&w->wake_pending, 0);
				if (read(w->evfd, &v, sizeof v) < 0) {
					/* nothing pending after all */
				}
			} else if (tag >= TAG_LISTEN) {
				if (!w->stopping && !w->accept_paused)
					accept_some(w, listeners[tag - TAG_LISTEN].fd, now, &wake);
			} else if (conns[tag].state != CONN_FREE && conns[tag].worker == w->id) {
				if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
					conns[tag].want_read = 1;
					ready_push(w, tag);
				}
				if ((ev[i].events & (EPOLLOUT | EPOLLERR)) && atomic_load(&conns[tag].wblocked))
					worker_mark(tag, &wake);
			}
		}
		if (atomic_load(&stopping)) {
			if (shutting_down(w, now, &wake)) {
				workers_wake(wake);
				break;
			}
		} else {
			run_ready(w, now, &wake);
		}
		flush_dirty(w, now, &wake);
		workers_wake(wake);
		if (w->accept_paused && now >= w->accept_resume_ms && !w->stopping) {
			w->accept_paused = 0;
			listeners_watch(w, 1);
		}
		if (now >= w->next_tick_ms)
			tick(w, now, &wake), workers_wake(wake);
	}
	return NULL;
}

int workers_start(unsigned n, const struct listener *ls, unsigned nls,
		  const struct worker_settings *s)
{
	pthread_attr_t attr;

	set = *s;
	listeners = ls;
	nlisteners = nls;
	nworkers = n;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	for (unsigned i = 0; i < n; i++) {
		struct worker *w = &workers[i];
		w->id = i;
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

int workers_alive(int64_t max_age_ms)
{
	unsigned now_s = (unsigned)(now_ms() / 1000);
	for (unsigned i = 0; i < nworkers; i++)
		if ((int64_t)(now_s - atomic_load(&workers[i].heartbeat_s)) * 1000 > max_age_ms)
			return 0;
	return 1;
}
