/* Listening sockets. */
#ifndef NATTER_LISTEN_H
#define NATTER_LISTEN_H
#include <stddef.h>

struct listener {
	int fd;
	char name[64];          /* "127.0.0.1:8080", "[::]:8080" */
};

/* Binds every address (default: 0.0.0.0 and ::); port 0 takes a free
 * port, and the others follow the first one's. Returns how many were
 * opened, or -1 after logging which address failed. */
int listen_open(const char *const *addrs, unsigned naddrs, unsigned port,
		struct listener *out, unsigned max);
#endif
