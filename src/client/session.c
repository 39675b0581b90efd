/* The connection's life: connect, greet, follow the server's replies,
 * notice the end, and reconnect with back-off under -r. */
#include "client.h"
#include "history.h"
#include "out.h"
#include "sanitize.h"
#include "screen.h"
#include "term.h"
#include "wire.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* One line for people, built from parts without printf. */
static const char *reason(const char *a, const char *b, const char *c,
			  const char *d, const char *e, const char *f)
{
	static char mem[512];
	struct sbuf sb = { mem, 0, sizeof mem };
	const char *parts[6] = { a, b, c, d, e, f };
	int i;

	for (i = 0; i < 6; i++)
		if (parts[i])
			sb_str(&sb, parts[i]);
	return sb_cstr(&sb);
}

_Noreturn void finish(int code, const char *a, const char *b, const char *c)
{
	if (app.mode == M_TERM) {
		scr_leave();
		term_restore();
	} else {
		scr_flush();
	}
	if (a)
		say(a, b, c);
	exit(code);
}

/* In terminal mode notes appear above the input line; otherwise, so as
 * not to mix with the server's lines on stdout, they go to stderr. */
void note(const char *a, const char *b, const char *c)
{
	if (app.mode == M_TERM)
		scr_note(a, b, c);
	else
		say(a, b, c);
}

int queue_line(const char *s, size_t n)
{
	if (n + 1 > sizeof app.net.out - app.net.outlen)
		return -1;
	net_queue(&app.net, s, n);
	net_queue(&app.net, "\n", 1);
	return 0;
}

/* Without -r a failure ends natter; with it, the next try is planned. */
static void failed(const char *what, const char *why)
{
	char secs[24];
	struct sbuf sb = { secs, 0, sizeof secs };

	if (!app.opt.reconnect)
		finish(1, what, why, NULL);
	app.retry_at = app.now + app.backoff;
	sb_str(&sb, "; retrying in ");
	sb_num(&sb, (unsigned long)(app.backoff / 1000));
	sb_str(&sb, " s");
	note(what, why, sb_cstr(&sb));
	app.backoff = app.backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : app.backoff * 2;
}

static const char *resolve_hint(void)
{
	size_t n = strlen(app.opt.host);

	if (n > 6 && strcmp(app.opt.host + n - 6, ".local") == 0)
		return " (natter is static and cannot ask mDNS for .local names:"
		       " give the IP address or put the name in /etc/hosts)";
	return NULL;
}

/* In a terminal natter shows the room's history after connecting and
 * after each /join (unless --no-history). */
int history_wanted(void)
{
	return app.mode == M_TERM && !app.opt.no_history;
}

/* Sends /nick and /join first, ahead of anything already waiting, then
 * /history, so the room's history comes before its live lines. */
static void on_up(void)
{
	char mem[2 * (ROOM_LEN + 8) + sizeof "/history\n"];
	struct sbuf sb = { mem, 0, sizeof mem };

	app.progress_at = app.now;
	app.unacked = 0;
	app.saw_bye = 0;
	app.shut = 0;
	app.last_code[0] = '\0';
	if (app.mode == M_CMD) {        /* start over: answers come anew */
		app.net.outlen = 0;
		app.cmd_next = 0;
		app.stats_seen = 0;
	}
	if (app.want_nick[0]) {
		sb_str(&sb, "/nick ");
		sb_str(&sb, app.want_nick);
		sb_str(&sb, "\n");
	}
	if (app.want_room[0] && strcmp(app.want_room, "lobby") != 0) {
		sb_str(&sb, "/join ");
		sb_str(&sb, app.want_room);
		sb_str(&sb, "\n");
	}
	app.hist_asked = 0;
	if (history_wanted()) {
		sb_str(&sb, "/history\n");
		app.hist_asked = 1;
	}
	net_prepend(&app.net, sb.p, sb.len);
}

static void connect_failed(void)
{
	failed(reason("cannot connect to ", app.opt.host, " port ", app.opt.port,
		      ": ", strerror(app.net.err)), NULL);
}

void session_connect(void)
{
	int rc;

	app.retry_at = -1;
	rc = net_resolve(&app.net, app.opt.host, app.opt.port);
	if (rc != 0) {
		failed(reason("cannot resolve ", app.opt.host, ": ", gai_strerror(rc),
			      resolve_hint(), NULL), NULL);
		return;
	}
	net_connect(&app.net, app.now);
	if (app.net.state == NET_UP)
		on_up();
	else if (app.net.state == NET_DOWN)
		connect_failed();
}

void session_connect_step(void)
{
	net_connect_step(&app.net, app.now);
	if (app.net.state == NET_UP)
		on_up();
	else if (app.net.state == NET_DOWN)
		connect_failed();
}

static const char *lost_reason(void)
{
	if (strcmp(app.last_code, "shutdown") == 0)
		return "the server is shutting down";
	if (strcmp(app.last_code, "full") == 0)
		return "the server is full";
	if (strcmp(app.last_code, "too-slow") == 0)
		return "the server dropped us for reading too slowly";
	if (app.net.err)
		return strerror(app.net.err);
	return "the server closed the connection";
}

/* The end we asked for (/quit, or the server closing after our input
 * ended) is a success; any other is a lost connection. */
static void on_lost(void)
{
	const char *why = lost_reason();
	int ours = app.saw_bye || (app.mode == M_PIPE && app.in_eof && app.net.outlen == 0);

	net_close(&app.net);
	if (ours)
		finish(0, NULL, NULL, NULL);
	failed("connection lost: ", why);
}

static int starts(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && memcmp(s, p, k) == 0;
}

/* A name taken from a server's line, made safe to print: a hostile
 * server could otherwise put escape sequences into the prompt. */
static void clean_name(char *name)
{
	size_t n = strlen(name);

	name[sanitize(name, n, name)] = '\0';  /* never longer; in place is fine */
}

/* Keeps nick and room as the server states them, so the prompt is right
 * and a reconnect restores what the user last chose. */
static void track(const char *s, size_t n)
{
	if (wire_welcome(s, n, app.nick, app.room, NICK_LEN)) {
		clean_name(app.nick);
		clean_name(app.room);
		app.backoff = BACKOFF_MIN_MS;   /* a real session: reset back-off */
		scr_prompt(app.room);
	} else if (wire_word_after(s, n, "= nick: you are now ", app.nick, NICK_LEN)) {
		clean_name(app.nick);
		memcpy(app.want_nick, app.nick, sizeof app.nick);
	} else if (wire_word_after(s, n, "= join: you are in ", app.room, ROOM_LEN)) {
		clean_name(app.room);
		memcpy(app.want_room, app.room, sizeof app.room);
		scr_prompt(app.room);
	} else if (starts(s, n, "= bye:")) {
		app.saw_bye = 1;
	} else {
		wire_error_code(s, n, app.last_code, sizeof app.last_code - 1);
	}
}

/* History lines in a terminal: dimmed, in local time; the closing line of
 * a reply natter asked for itself is not shown. Returns 1 if handled. */
static int history_line(const char *s, size_t n)
{
	static char mem[NET_IN];
	long k;

	if (app.mode != M_TERM)
		return 0;
	k = hist_format(s, n, mem, sizeof mem, (long long)time(NULL));
	if (k >= 0) {
		scr_dim_line(mem, (size_t)k);
		return 1;
	}
	if (app.hist_asked > 0 && hist_is_end(s, n)) {
		app.hist_asked--;
		return 1;
	}
	return 0;
}

static void on_line(const char *s, size_t n)
{
	track(s, n);
	if (history_line(s, n))
		return;
	/* -c: the reply to our own closing /stats is the barrier: every line
	 * before it has been answered. It is not printed. */
	if (app.mode == M_CMD && starts(s, n, "= stats: ") &&
	    ++app.stats_seen == app.stats_want)
		finish(0, NULL, NULL, NULL);
	scr_line(s, n);
}

void session_read(void)
{
	long r = net_read(&app.net, on_line);

	if (r <= 0)
		on_lost();
	else
		app.progress_at = app.now;
}

void session_write(void)
{
	long w = net_flush(&app.net);

	if (w < 0)
		on_lost();
	else if (w > 0)
		app.progress_at = app.now;
}
