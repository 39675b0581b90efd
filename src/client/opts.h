/* natter's command line. */
#ifndef NATTER_CLIENT_OPTS_H
#define NATTER_CLIENT_OPTS_H

#define NICK_LEN 16             /* PROTOCOL.md: NAME is 1 to 16 characters */
#define ROOM_LEN 16
#define TEXT_MAX 510            /* bytes of one line we send, without LF */
#define MAX_CMDS 64             /* -c lines */
#define WAIT_DEFAULT_MS 2000    /* -w default */

struct opts {
	const char *host;           /* without brackets; "localhost" by default */
	const char *port;           /* digits only, 1-65535 */
	const char *nick;           /* -n, or NULL */
	const char *room;           /* -j, or NULL */
	const char *cmds[MAX_CMDS]; /* -c lines, in order */
	int ncmds;
	int reconnect;              /* -r */
	long wait_ms;               /* -w: quiet time after the end of input */
	int no_history;             /* --no-history: terminal shows no history */
};

/* Fills o from argv. Prints help or version and exits 0, or prints a
 * one-line reason and exits 2 on bad usage. */
void opts_parse(int argc, char **argv, struct opts *o);

int nick_ok(const char *s);
int room_ok(const char *s);

#endif
