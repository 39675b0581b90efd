#include "loop/listen.h"
#include "util/log.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A big backlog: a burst of connects must queue, not be dropped (the
 * kernel caps it at net.core.somaxconn). */
#define BACKLOG 4096

int listen_parse_addr(const char *s, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	char buf[64];
	size_t n = strlen(s);

	/* Accept "[::1]" as well as "::1". */
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']' && n - 2 < sizeof buf) {
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		s = buf;
	}
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, s, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*len = sizeof *v4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*len = sizeof *v6;
		return 0;
	}
	return -1;
}

static void name_of(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const void *)ss;
		inet_ntop(AF_INET6, &v6->sin6_addr, a, sizeof a);
		snprintf(out, size, "[%s]:%u", a, ntohs(v6->sin6_port));
	} else {
		const struct sockaddr_in *v4 = (const void *)ss;
		inet_ntop(AF_INET, &v4->sin_addr, a, sizeof a);
		snprintf(out, size, "%s:%u", a, ntohs(v4->sin_port));
	}
}

static int open_one(struct sockaddr_storage *ss, socklen_t len, struct listener *l)
{
	int one = 1;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	name_of(ss, l->name, sizeof l->name);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss->ss_family == AF_INET6)  /* IPv4 gets its own socket */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)ss, len) < 0 || listen(fd, BACKLOG) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	len = sizeof *ss;
	getsockname(fd, (struct sockaddr *)ss, &len);
	name_of(ss, l->name, sizeof l->name);
	l->fd = fd;
	return 0;
}

int listen_open(const char *const *addrs, unsigned naddrs, unsigned port,
		enum door_kind door, int optional, struct listener *out, unsigned max)
{
	static const char *const any[] = { "0.0.0.0", "::" };
	int defaults = naddrs == 0;
	unsigned n = 0;

	if (defaults) {
		addrs = any;
		naddrs = 2;
	}
	for (unsigned i = 0; i < naddrs && n < max; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		if (listen_parse_addr(addrs[i], port, &ss, &len) < 0) {
			log_error("cannot listen on '%s': not an IPv4 or IPv6 address", addrs[i]);
			return -1;
		}
		if (open_one(&ss, len, &out[n]) < 0) {
			/* A host without IPv6 still serves IPv4 by default. */
			if (defaults && errno == EAFNOSUPPORT) {
				log_warn("no IPv6 here; listening on IPv4 only");
				continue;
			}
			int e = errno;  /* the caller tells EADDRINUSE apart */
			if (!optional || e != EADDRINUSE)
				log_error("cannot listen on %s: %s", out[n].name, strerror(e));
			for (unsigned k = 0; k < n; k++)
				close(out[k].fd);
			errno = e;
			return -1;
		}
		if (port == 0) {        /* the others share the port picked */
			struct sockaddr_storage got;
			socklen_t gl = sizeof got;
			getsockname(out[n].fd, (struct sockaddr *)&got, &gl);
			port = ntohs(got.ss_family == AF_INET6 ?
				     ((struct sockaddr_in6 *)&got)->sin6_port :
				     ((struct sockaddr_in *)&got)->sin_port);
		}
		out[n].door = door;
		n++;
	}
	return n;
}
