/* State shared by natter's parts: main.c (the poll loop), session.c (the
 * connection's life) and input.c (what we send: keys, stdin or -c lines). */
#ifndef NATTER_CLIENT_CLIENT_H
#define NATTER_CLIENT_CLIENT_H

#include "net.h"
#include "opts.h"

#include <stddef.h>

enum mode {
	M_TERM,         /* stdin and stdout are terminals: line editor */
	M_PIPE,         /* otherwise: stdin is sent as it comes, like nc */
	M_CMD           /* -c lines: send, wait for the answers, exit */
};

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000
#define STALL_MS 10000          /* server neither reads nor answers: give up */
#define OUT_RESERVE 64          /* send-buffer bytes kept for /nick and /join */

struct app {
	struct opts opt;
	struct net net;
	enum mode mode;
	int color;
	long long now;              /* ms, monotonic, read once per loop turn */
	long long progress_at;      /* last time bytes moved either way */
	long unacked;               /* last net_unacked() seen */
	/* What the server last told us, and what a reconnect re-applies. */
	char nick[NICK_LEN + 1], room[ROOM_LEN + 1];
	char want_nick[NICK_LEN + 1], want_room[ROOM_LEN + 1];
	char last_code[24];         /* last "! CODE": explains a close */
	int saw_bye;                /* "= bye:" seen: the close was asked for */
	long long retry_at;         /* next reconnect, -1 if none planned */
	long backoff;
	/* Pipe mode: stdin ended; last byte read was LF; SHUT_WR sent. */
	int in_eof, in_last_lf, shut;
	/* Command mode: next -c line to queue; /stats replies awaited, seen. */
	int cmd_next, stats_want, stats_seen;
	/* Terminal mode: /history replies natter asked for, not yet ended. */
	int hist_asked;
};

extern struct app app;

/* session.c */
void session_connect(void);
void session_connect_step(void);
void session_read(void);
void session_write(void);
_Noreturn void finish(int code, const char *a, const char *b, const char *c);
void note(const char *a, const char *b, const char *c);
int queue_line(const char *s, size_t n);
int history_wanted(void);

/* input.c */
void keys_read(void);
void pipe_read(void);
void cmd_pump(void);
void end_watch(void);
int watching_end(void);

#endif
