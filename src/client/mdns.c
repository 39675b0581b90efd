/* One-shot mDNS queries (see mdns.h). The message format is dnsmsg.c's;
 * this file holds the sockets, the interfaces and the waiting. */
#include "mdns.h"
#include "client.h"
#include "dnsmsg.h"
#include "out.h"
#include "sanitize.h"

#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MDNS_PORT 5353
#define MSG_MAX 1500            /* one Ethernet frame: what we read of an answer */
#define SERVICE "_natter._tcp.local"

static int ifs[MDNS_MAX_IFS], nifs;
static int rx_ifindex;          /* interface the answer being walked came in on */

int mdns_is_local(const char *host)
{
	size_t n = strlen(host);

	if (n && host[n - 1] == '.')
		n--;
	return n > 6 && strncasecmp(host + n - 6, ".local", 6) == 0;
}

/* The interfaces that are up and can multicast, loopback aside. They are
 * found by index (if_nameindex would allocate, and reading /proc costs
 * more code than the client's size budget has room for). */
static void find_ifs(int fd)
{
	struct ifreq ifr;
	int i;

	nifs = 0;
	for (i = 1; i <= MDNS_MAX_IFINDEX && nifs < MDNS_MAX_IFS; i++) {
		memset(&ifr, 0, sizeof ifr);
		ifr.ifr_ifindex = i;
		if (ioctl(fd, SIOCGIFNAME, &ifr) == 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 &&
		    (ifr.ifr_flags & (IFF_UP | IFF_MULTICAST | IFF_LOOPBACK)) == (IFF_UP | IFF_MULTICAST))
			ifs[nifs++] = i;
	}
}

static int open_sock(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), ttl = 255;

	if (fd < 0)
		return -1;
	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof ttl);
	return fd;
}

/* Sends the query on every interface found (or, with none, where the
 * routing table sends multicast). Failures (no IPv6 on a link) are
 * harmless: the other sends carry on. */
static void send_query(const int fd[2], const unsigned char *q, size_t len)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	int i;

	memset(&a4, 0, sizeof a4);
	a4.sin_family = AF_INET;
	a4.sin_port = htons(MDNS_PORT);
	a4.sin_addr.s_addr = htonl(0xE00000FB);         /* 224.0.0.251 */
	memset(&a6, 0, sizeof a6);
	a6.sin6_family = AF_INET6;
	a6.sin6_port = htons(MDNS_PORT);
	a6.sin6_addr.s6_addr[0] = 0xFF;                 /* ff02::fb */
	a6.sin6_addr.s6_addr[1] = 0x02;
	a6.sin6_addr.s6_addr[15] = 0xFB;
	for (i = 0; i < nifs || (i == 0 && nifs == 0); i++) {
		struct ip_mreqn m;

		memset(&m, 0, sizeof m);
		m.imr_ifindex = nifs ? ifs[i] : 0;
		if (fd[0] >= 0 && (!nifs || setsockopt(fd[0], IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m) == 0))
			sendto(fd[0], q, len, 0, (struct sockaddr *)&a4, sizeof a4);
		if (fd[1] < 0 || !nifs ||
		    setsockopt(fd[1], IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifs[i], sizeof ifs[i]) < 0)
			continue;
		a6.sin6_scope_id = (uint32_t)ifs[i];
		sendto(fd[1], q, len, 0, (struct sockaddr *)&a6, sizeof a6);
	}
}

/* Reads one datagram; only answers from port 5353 count (RFC 6762 6.7).
 * A link-local address in an answer gets the scope of the link it came
 * over: the IPv6 sender's, or the one interface there is. recvfrom rather
 * than recvmsg with packet info: on 32-bit ARM musl's recvmsg drags in
 * timestamp conversion code the client's size budget has no room for. */
static size_t recv_answer(int fd, unsigned char *buf)
{
	struct sockaddr_in6 from;       /* large enough for either family */
	socklen_t fl = sizeof from;
	ssize_t r = recvfrom(fd, buf, MSG_MAX, 0, (struct sockaddr *)&from, &fl);

	if (r <= 0 || from.sin6_port != htons(MDNS_PORT))   /* same offset in sockaddr_in */
		return 0;
	rx_ifindex = from.sin6_family == AF_INET6 ? (int)from.sin6_scope_id : nifs == 1 ? ifs[0] : 0;
	return (size_t)r;
}

/* Asks for name's records of the given types (0-terminated list) and
 * hands every record of every answer to fn, for up to MDNS_TRIES attempts
 * of MDNS_WAIT_MS; once *got is set, waits at most grace_ms more. */
static void ask(const char *name, const unsigned *types, dns_rr_fn fn, void *ctx,
		const int *got, long grace_ms)
{
	static unsigned char q[DNS_NAME_MAX + 32], a[MSG_MAX];
	unsigned id = (unsigned)now_ms() & 0xFFFF;
	int fd[2], try, i;

	fd[0] = open_sock(AF_INET);
	fd[1] = open_sock(AF_INET6);
	find_ifs(fd[0] >= 0 ? fd[0] : fd[1]);
	for (try = 0; try < MDNS_TRIES && !*got; try++) {
		long long deadline = now_ms() + MDNS_WAIT_MS, left;
		int seen = 0;

		for (i = 0; types[i]; i++) {
			size_t len = dns_query(q, sizeof q, id, name, types[i]);

			if (len)
				send_query(fd, q, len);
		}
		while ((left = deadline - now_ms()) > 0) {
			struct pollfd p[2] = { { fd[0], POLLIN, 0 }, { fd[1], POLLIN, 0 } };

			if (poll(p, 2, (int)left) <= 0)
				continue;               /* EINTR, or the deadline: looked at again */
			for (i = 0; i < 2; i++) {
				size_t n = p[i].revents ? recv_answer(fd[i], a) : 0;

				if (n)
					dns_walk(a, n, id, fn, ctx);
			}
			if (*got && !seen++ && deadline > now_ms() + grace_ms)
				deadline = now_ms() + grace_ms;
		}
	}
	for (i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}

struct found {
	const char *name;
	unsigned port;
	struct sockaddr_storage *addr;
	socklen_t *alen;
	int max, n, n4;
};

/* Keeps an A or AAAA record of the name asked for, A ones first, each
 * address once (it may come over both families). */
static void on_addr(const unsigned char *msg, size_t len, const struct dns_rr *rr, void *ctx)
{
	struct found *f = ctx;
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int i, at;

	if (!dns_name_eq(rr->name, f->name) || f->n == f->max)
		return;
	memset(&ss, 0, sizeof ss);
	if (rr->type == DNS_A && rr->rdlen == 4) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)f->port);
		memcpy(&s4->sin_addr, rr->rdata, 4);
		sl = sizeof *s4;
		at = f->n4;
	} else if (rr->type == DNS_AAAA && rr->rdlen == 16) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)f->port);
		memcpy(&s6->sin6_addr, rr->rdata, 16);
		if (rr->rdata[0] == 0xFE && (rr->rdata[1] & 0xC0) == 0x80)
			s6->sin6_scope_id = (uint32_t)rx_ifindex;    /* link-local */
		sl = sizeof *s6;
		at = f->n;
	} else {
		return;
	}
	for (i = 0; i < f->n; i++)
		if (f->alen[i] == sl && memcmp(&f->addr[i], &ss, sl) == 0)
			return;
	memmove(&f->addr[at + 1], &f->addr[at], (size_t)(f->n - at) * sizeof ss);
	memmove(&f->alen[at + 1], &f->alen[at], (size_t)(f->n - at) * sizeof sl);
	f->addr[at] = ss;
	f->alen[at] = sl;
	f->n++;
	f->n4 += rr->type == DNS_A;
}

int mdns_resolve(const char *host, unsigned port,
		 struct sockaddr_storage *addr, socklen_t *alen, int max)
{
	static const unsigned types[] = { DNS_A, DNS_AAAA, 0 };
	struct found f = { host, port, addr, alen, max, 0, 0 };

	ask(host, types, on_addr, &f, &f.n, MDNS_GRACE_MS);
	return f.n;
}

struct service {
	char inst[DNS_NAME_MAX];    /* "natter on chatpi._natter._tcp.local" */
	char target[DNS_NAME_MAX];  /* "chatpi.local", empty until its SRV came */
	unsigned port;
	int have_srv;
};

static struct service svc[MDNS_MAX_SERVICES];
static int nsvc;

static struct service *service(const char *inst)
{
	size_t n = strlen(inst), s = sizeof SERVICE - 1;
	int i;

	if (n <= s + 1 || inst[n - s - 1] != '.' || !dns_name_eq(inst + n - s, SERVICE))
		return NULL;
	for (i = 0; i < nsvc; i++)
		if (dns_name_eq(svc[i].inst, inst))
			return &svc[i];
	if (nsvc == MDNS_MAX_SERVICES)
		return NULL;
	memcpy(svc[nsvc].inst, inst, n + 1);
	return &svc[nsvc++];
}

/* PTR _natter._tcp.local -> an instance; SRV instance -> host and port. */
static void on_service(const unsigned char *msg, size_t len, const struct dns_rr *rr, void *ctx)
{
	char name[DNS_NAME_MAX];
	struct service *s;

	if (rr->type == DNS_PTR && dns_name_eq(rr->name, SERVICE) &&
	    dns_name(msg, len, rr->rdoff, name))
		service(name);
	else if (rr->type == DNS_SRV && rr->rdlen > 6 && (s = service(rr->name)) &&
		 dns_name(msg, len, rr->rdoff + 6, s->target))
		s->port = (unsigned)rr->rdata[4] << 8 | rr->rdata[5], s->have_srv = 1;
}

void mdns_browse(void)
{
	static const unsigned ptr[] = { DNS_PTR, 0 }, srv[] = { DNS_SRV, 0 };
	char line[2 * DNS_NAME_MAX + 16];
	int i;

	ask(SERVICE, ptr, on_service, NULL, &nsvc, MDNS_WAIT_MS);
	for (i = 0; i < nsvc; i++) {
		struct sbuf sb = { line, 0, sizeof line - 1 };
		size_t n = strlen(svc[i].inst) - (sizeof SERVICE - 1) - 1;

		if (!svc[i].have_srv)           /* its SRV was not in the answer */
			ask(svc[i].inst, srv, on_service, NULL, &svc[i].have_srv, 0);
		sb_str(&sb, svc[i].have_srv ? svc[i].target : "?");
		sb_str(&sb, ":");
		sb_num(&sb, svc[i].port);
		sb_str(&sb, "  ");
		sb.len += sanitize(svc[i].inst, n < 64 ? n : 64, line + sb.len);
		line[sb.len++] = '\n';
		write_all(1, line, sb.len);
	}
	if (!nsvc)
		say("no natter server answered on the LAN (mDNS, 3 s)", NULL, NULL);
	exit(nsvc ? 0 : 1);
}
