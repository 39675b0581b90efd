/* The connection to the server: name resolution, a non-blocking connect
 * that tries each address in turn, and bounded send/receive buffers. The
 * main loop polls n->fd and calls back in here; nothing here blocks. */
#ifndef NATTER_CLIENT_NET_H
#define NATTER_CLIENT_NET_H

#include <stddef.h>
#include <sys/socket.h>

#define NET_MAXADDR 8           /* addresses of one name we try */
#define NET_OUT 8192            /* bytes waiting to be sent */
#define NET_IN 8192             /* longest server line we keep whole */
#define CONNECT_TIMEOUT_MS 5000 /* per address, so a dead one can't hang us */

enum net_state { NET_DOWN, NET_CONNECTING, NET_UP };

struct net {
	int fd;
	enum net_state state;
	struct sockaddr_storage addr[NET_MAXADDR];
	socklen_t alen[NET_MAXADDR];
	int naddr, cur;
	long long deadline;         /* ms: when to give up on addr[cur] */
	int err;                    /* errno of the last failure, 0 at EOF */
	char out[NET_OUT];
	size_t outlen;
	int midline;                /* the last byte sent was not a LF */
	char in[NET_IN];
	size_t inlen;
};

typedef void (*line_fn)(const char *line, size_t len);

void net_init(struct net *n);
/* 0, or a getaddrinfo error code (see gai_strerror). */
int net_resolve(struct net *n, const char *host, const char *port);
/* Starts connecting to the resolved addresses; ends CONNECTING, UP or
 * DOWN (all failed, n->err says why). */
void net_connect(struct net *n, long long now);
/* Call when a CONNECTING fd polls writable or its deadline passed. */
void net_connect_step(struct net *n, long long now);
/* Sends what it can; returns the number of bytes sent or -1 (n->err). */
long net_flush(struct net *n);
/* Reads once and hands every complete line (without CR/LF) to fn.
 * Returns bytes read, 0 at EOF, -1 on error (n->err). */
long net_read(struct net *n, line_fn fn);
/* Appends s whole, or returns -1 if it does not fit. */
int net_queue(struct net *n, const char *s, size_t len);
/* Reads from fd straight into the send buffer, keeping reserve bytes free
 * (for the nick and room commands of a reconnect). read()'s result. */
long net_fill(struct net *n, int fd, size_t reserve);
/* Puts s in front of what is waiting (used for nick/room on reconnect). */
int net_prepend(struct net *n, const char *s, size_t len);
/* Bytes sent but not yet acknowledged by the peer's TCP. */
long net_unacked(const struct net *n);
void net_close(struct net *n);

#endif
