/* One-shot Multicast DNS (RFC 6762 5.1): natter is a static binary and
 * musl has no NSS, so NAME.local is asked for here. A query goes from an
 * ephemeral port to 224.0.0.251:5353 and [ff02::fb%IF]:5353 on every
 * interface that is up and multicast-capable; responders answer it by
 * unicast. Each attempt waits MDNS_WAIT_MS; after MDNS_TRIES attempts
 * without an answer natter gives up. */
#ifndef NATTER_CLIENT_MDNS_H
#define NATTER_CLIENT_MDNS_H

#include <sys/socket.h>

#define MDNS_TRIES 3
#define MDNS_WAIT_MS 1000       /* per attempt */
#define MDNS_GRACE_MS 200       /* after the first answer, for the others */
#define MDNS_MAX_IFS 16         /* interfaces a query is sent on */
#define MDNS_MAX_IFINDEX 2048   /* highest interface index looked at */
#define MDNS_MAX_SERVICES 32    /* servers --browse lists */

/* 1 if host is a NAME.local name (ASCII case ignored, final dot allowed). */
int mdns_is_local(const char *host);

/* Asks for host's A and AAAA records. Fills addr[]/alen[] with up to max
 * addresses carrying port, the IPv4 ones first. Returns how many, 0 when
 * nothing answered. */
int mdns_resolve(const char *host, unsigned port,
		 struct sockaddr_storage *addr, socklen_t *alen, int max);

/* natter --browse: asks for _natter._tcp.local, prints one line per
 * server found ("HOST:PORT  INSTANCE") and exits: 0 if any, 1 if none. */
void mdns_browse(void);

#endif
