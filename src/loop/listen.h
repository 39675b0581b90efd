/* Listening sockets. */
#ifndef NATTER_LISTEN_H
#define NATTER_LISTEN_H
#include <stddef.h>
#include <sys/socket.h>
#include "door/door.h"

struct listener {
	int fd;
	char name[64];          /* "127.0.0.1:8080", "[::]:8080" */
	enum door_kind door;    /* what its clients speak */
};

/* Parses "1.2.3.4", "::1" or "[::1]" into ss; -1 if it is neither. */
int listen_parse_addr(const char *s, unsigned port, struct sockaddr_storage *ss,
		      socklen_t *len);

/* Binds every address, each a listener for door (default: 0.0.0.0 and ::); port 0 takes a free
 * port, and the others follow the first one's. Returns how many were
 * opened, or -1 after logging which address failed. optional: a port in
 * use (EADDRINUSE, left in errno) is not logged; the caller warns. */
int listen_open(const char *const *addrs, unsigned naddrs, unsigned port,
		enum door_kind door, int optional, struct listener *out, unsigned max);
#endif
