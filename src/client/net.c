/* Connection handling for natter (see net.h). */
#include "net.h"
#include "mdns.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void net_init(struct net *n)
{
	memset(n, 0, sizeof *n);
	n->fd = -1;
}

/* getaddrinfo is the only place that allocates (inside musl); the result
 * is copied to static storage and freed at once. */
int net_resolve(struct net *n, const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	int rc;

	if (mdns_is_local(host)) {      /* musl has no NSS: ask mDNS ourselves */
		unsigned num = 0;

		while (*port)           /* digits only: opts.c checked */
			num = num * 10 + (unsigned)(*port++ - '0');
		n->naddr = mdns_resolve(host, num, n->addr, n->alen, NET_MAXADDR);
		return n->naddr ? 0 : EAI_NONAME;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		return rc;
	n->naddr = 0;
	for (ai = res; ai && n->naddr < NET_MAXADDR; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof n->addr[0])
			continue;
		memcpy(&n->addr[n->naddr], ai->ai_addr, ai->ai_addrlen);
		n->alen[n->naddr++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	return n->naddr ? 0 : EAI_NONAME;
}

/* Options that make a chat connection behave: no Nagle delay on short
 * lines, and keepalive so a server that vanished (Wi-Fi dropped) is noticed
 * within about two minutes even when nobody talks. Failures are harmless. */
static void tune(int fd)
{
	int on = 1, idle = 60, intvl = 10, cnt = 6;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

static void drop_fd(struct net *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

/* Tries addr[cur], addr[cur+1], ... until one connects or is in progress. */
static void try_from(struct net *n, long long now)
{
	for (; n->cur < n->naddr; n->cur++) {
		struct sockaddr *sa = (struct sockaddr *)&n->addr[n->cur];

		n->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (n->fd < 0) {
			n->err = errno;
			continue;
		}
		tune(n->fd);
		if (connect(n->fd, sa, n->alen[n->cur]) == 0) {
			n->state = NET_UP;
			return;
		}
		if (errno == EINPROGRESS) {
			n->state = NET_CONNECTING;
			n->deadline = now + CONNECT_TIMEOUT_MS;
			return;
		}
		n->err = errno;
		drop_fd(n);
	}
	n->state = NET_DOWN;
}

void net_connect(struct net *n, long long now)
{
	n->cur = 0;
	n->err = ECONNREFUSED;
	n->inlen = 0;
	try_from(n, now);
}

void net_connect_step(struct net *n, long long now)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (now >= n->deadline)
		err = ETIMEDOUT;
	else if (getsockopt(n->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		n->state = NET_UP;
		return;
	}
	n->err = err;
	drop_fd(n);
	n->cur++;
	try_from(n, now);
}

long net_flush(struct net *n)
{
	ssize_t w;

	if (n->outlen == 0)
		return 0;
	w = send(n->fd, n->out, n->outlen, MSG_NOSIGNAL);
	if (w < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		n->err = errno;
		return -1;
	}
	if (w == 0)
		return 0;
	n->midline = n->out[w - 1] != '\n';
	memmove(n->out, n->out + w, n->outlen - (size_t)w);
	n->outlen -= (size_t)w;
	return (long)w;
}

/* Hands out the complete lines in n->in and keeps the partial rest. A line
 * that fills the whole buffer without a LF is handed out in pieces: it is
 * far beyond what the protocol allows, and must not stall the reader. */
static void split_lines(struct net *n, line_fn fn)
{
	size_t start = 0, i;

	for (i = 0; i < n->inlen; i++) {
		if (n->in[i] != '\n')
			continue;
		fn(n->in + start, i - start - (i > start && n->in[i - 1] == '\r'));
		start = i + 1;
	}
	if (start == 0 && n->inlen == sizeof n->in) {
		fn(n->in, n->inlen);
		start = n->inlen;
	}
	memmove(n->in, n->in + start, n->inlen - start);
	n->inlen -= start;
}

long net_read(struct net *n, line_fn fn)
{
	ssize_t r = recv(n->fd, n->in + n->inlen, sizeof n->in - n->inlen, 0);

	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 1;
		n->err = errno;
		return -1;
	}
	if (r == 0) {
		n->err = 0;
		return 0;
	}
	n->inlen += (size_t)r;
	split_lines(n, fn);
	return (long)r;
}

int net_queue(struct net *n, const char *s, size_t len)
{
	if (len > sizeof n->out - n->outlen)
		return -1;
	memcpy(n->out + n->outlen, s, len);
	n->outlen += len;
	return 0;
}

long net_fill(struct net *n, int fd, size_t reserve)
{
	size_t room = sizeof n->out - n->outlen;
	ssize_t r;

	if (room <= reserve) {
		errno = EAGAIN;
		return -1;
	}
	r = read(fd, n->out + n->outlen, room - reserve);
	if (r > 0)
		n->outlen += (size_t)r;
	return (long)r;
}

int net_prepend(struct net *n, const char *s, size_t len)
{
	if (len > sizeof n->out - n->outlen)
		return -1;
	memmove(n->out + len, n->out, n->outlen);
	memcpy(n->out, s, len);
	n->outlen += len;
	return 0;
}

long net_unacked(const struct net *n)
{
	int q = 0;

	if (n->fd < 0 || ioctl(n->fd, TIOCOUTQ, &q) < 0)
		return 0;
	return q;
}

/* What was waiting stays queued for the next connection, except the rest of
 * a line whose start went out on this one: sent alone it would be garbage. */
void net_close(struct net *n)
{
	drop_fd(n);
	n->state = NET_DOWN;
	n->inlen = 0;
	if (n->midline) {
		char *lf = memchr(n->out, '\n', n->outlen);
		size_t cut = lf ? (size_t)(lf - n->out) + 1 : n->outlen;

		memmove(n->out, n->out + cut, n->outlen - cut);
		n->outlen -= cut;
		n->midline = 0;
	}
}
