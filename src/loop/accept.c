/* Accepting clients: checks at the boundary (--allow, --max-per-ip, the
 * table), socket options, the greeting. */
#include "loop/worker_int.h"
#include "core/chat.h"
#include "core/metrics.h"
#include "door/door.h"
#include "util/log.h"
#include "util/testhook.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPTS_PER_TURN 16     /* so one worker does not take every client */
#define ACCEPT_PAUSE_MS 200     /* after EMFILE with no reserve: wait, do not spin */

/* One descriptor held back for EMFILE: closed to accept the connect at
 * the head of the listen queue, which is refused at once, then opened
 * again. So a queue full of a flood's dead connects drains in
 * microseconds, and a live client is told `! full:` rather than left
 * waiting unanswered. -1 while it is out (then accepts pause). */
static int reserve_fd = -1;
static pthread_mutex_t reserve_mu = PTHREAD_MUTEX_INITIALIZER;

static void reserve_take_back(void)
{
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void listeners_watch(struct worker *w, int on)
{
	pthread_mutex_lock(&reserve_mu);
	reserve_take_back();    /* at start, and after a pause */
	pthread_mutex_unlock(&reserve_mu);
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
	int sndbuf = (int)test_hook_value(HOOK_SNDBUF);
	if (sndbuf)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
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

/* Tells a refused client why, in its door's form, and closes. */
static void refuse(int fd, enum door_kind door, const char *line)
{
	const struct door_ops *d = door_get(door);
	if (d->refuse)
		d->refuse(fd, line);
	else
		send_now(fd, line);
	close_gently(fd);
}

/* Out of descriptors: the head of the listen queue is accepted through the
 * reserve and refused. 1: one was; 0: the queue is empty; -1: no reserve. */
static int refuse_with_reserve(int lfd, enum door_kind door)
{
	int done = -1;

	pthread_mutex_lock(&reserve_mu);
	if (reserve_fd >= 0) {
		close(reserve_fd);
		reserve_fd = -1;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		done = fd >= 0;
		if (fd >= 0) {
			metric_add(&metrics.refusals[REFUSE_FULL]);
			refuse(fd, door, "! full: the server is out of descriptors\n");
		}
		reserve_take_back();
	}
	pthread_mutex_unlock(&reserve_mu);
	return done;
}

static void admit(struct worker *w, int fd, const struct sockaddr_storage *ss,
		  enum door_kind door, int64_t now, unsigned *wake)
{
	struct peer p;
	char name[64], line[96];

	peer_of(ss, &p);
	peer_format(&p, name, sizeof name);
	if (!allow_match(wcfg.allow, p.family, p.addr)) {
		log_info("refused %s: not in --allow", name);
		metric_add(&metrics.refusals[REFUSE_ALLOW]);
		close(fd);
		return;
	}
	enum alloc_refusal why;
	uint16_t c = conn_alloc(fd, w->id, &p, door, wcfg.max_per_ip, &why);
	if (c == CONN_NONE && why == ALLOC_PER_PEER) {
		log_info("refused %s: --max-per-ip %u reached", name, wcfg.max_per_ip);
		metric_add(&metrics.refusals[REFUSE_PER_IP]);
		refuse(fd, door, "! full: too many connections from your address\n");
		return;
	}
	if (c == CONN_NONE) {
		log_info("refused %s: connection table full (%u)", name, conn_limit());
		snprintf(line, sizeof line, "! full: the server is full (%u connections)\n", conn_limit());
		metric_add(&metrics.refusals[REFUSE_FULL]);
		refuse(fd, door, line);
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
	k->tokens = (int32_t)(wcfg.burst < 2000000 ? wcfg.burst : 2000000) * 1000;
	atomic_fetch_add(&metrics.conns[door], 1);
	metric_add(&metrics.accepted[door]);
	life_start(w, c, now, wake);
}

void accept_some(struct worker *w, const struct listener *l, int64_t now, unsigned *wake)
{
	int lfd = l->fd;

	for (int i = 0; i < ACCEPTS_PER_TURN; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			admit(w, fd, &ss, l->door, now, wake);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		int e = errno;
		if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM)
			return;         /* EAGAIN: the queue is empty */
		if (now - w->emfile_logged_ms >= 10000) {
			log_warn("accept: %s; refusing connects while it lasts", strerror(e));
			w->emfile_logged_ms = now;
		}
		int r = e == ENOBUFS || e == ENOMEM ? -1 : refuse_with_reserve(lfd, l->door);
		if (r > 0)
			continue;       /* at most ACCEPTS_PER_TURN a turn */
		if (r < 0) {
			/* No reserve, or out of memory: stop accepting for a
			 * moment rather than spin on a listener that stays
			 * readable. */
			listeners_watch(w, 0);
			w->accept_paused = 1;
			w->accept_resume_ms = now + ACCEPT_PAUSE_MS;
		}
		return;
	}
}
