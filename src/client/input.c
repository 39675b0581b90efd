/* What natter sends: typed lines (terminal mode), standard input (pipe
 * mode) or the -c lines, and how each of them ends. */
#include "client.h"
#include "lineedit.h"
#include "out.h"
#include "screen.h"
#include "term.h"
#include "wire.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int blank(const char *s, int n)
{
	while (n > 0 && s[n - 1] == ' ')
		n--;
	return n == 0;
}

/* The server does not send our own messages back, so the terminal shows
 * them itself, in the form the others see them. */
static void echo(const char *t, size_t n)
{
	char mem[TEXT_MAX + 2 * NICK_LEN + 16];
	struct sbuf b = { mem, 0, sizeof mem };
	size_t rest, end;

	if (!app.nick[0])
		return;
	if (t[0] != '/' || (n > 1 && t[1] == '/')) {
		sb_str(&b, "<");
		sb_str(&b, app.nick);
		sb_str(&b, "> ");
		sb_put(&b, t + (t[0] == '/'), n - (t[0] == '/'));
	} else if (wire_is_cmd(t, n, "/me", &rest) && rest < n) {
		sb_str(&b, "* ");
		sb_str(&b, app.nick);
		sb_str(&b, " ");
		sb_put(&b, t + rest, n - rest);
	} else if (wire_is_cmd(t, n, "/msg", &rest) && rest < n) {
		for (end = rest; end < n && t[end] != ' '; end++)
			;
		sb_str(&b, "-> *");
		sb_put(&b, t + rest, end - rest);
		sb_str(&b, "*");
		sb_put(&b, t + end, n - end);
	} else {
		return;                 /* other commands: the reply shows */
	}
	scr_line(b.p, b.len);
}

static int is_join(const char *t, size_t n)
{
	size_t rest;

	return wire_is_cmd(t, n, "/join", &rest) && rest < n;
}

static void submit(void)
{
	int len, cur;
	const char *t = le_text(&len, &cur);

	if (blank(t, len)) {            /* the server would ignore it anyway */
		le_clear();
		return;
	}
	if (app.net.state != NET_UP) {
		scr_note("not connected; the line is kept", NULL, NULL);
		return;
	}
	if (queue_line(t, (size_t)len) < 0) {
		scr_note("the server is not reading; the line is kept", NULL, NULL);
		return;
	}
	le_history_add(t, len);
	echo(t, (size_t)len);
	if (history_wanted() && is_join(t, (size_t)len) && queue_line("/history", 8) == 0)
		app.hist_asked++;       /* handled right after the /join */
	le_clear();
}

/* Ctrl-Z: give the terminal back as it was, stop, and take it again. */
static void suspend(void)
{
	scr_leave();
	term_restore();
	raise(SIGTSTP);
	term_raw();
	scr_resize();
}

static void act(enum le_action a)
{
	switch (a) {
	case LE_QUIT:
		finish(0, NULL, NULL, NULL);
	case LE_ENTER:
		submit();
		break;
	case LE_SUSPEND:
		suspend();
		break;
	case LE_REFRESH:
		scr_clear_screen();
		break;
	case LE_BELL:
		write_all(1, "\a", 1);
		break;
	default:
		break;
	}
}

void keys_read(void)
{
	unsigned char k[256];
	ssize_t r = read(0, k, sizeof k), i;

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0)                     /* the terminal went away */
		finish(0, NULL, NULL, NULL);
	for (i = 0; i < r; i++)
		act(le_key(k[i]));
	scr_touch();
}

/* Bytes go out as they come, like nc; only the end of input is special:
 * a last line without LF gets one (the server drops a partial line). */
void pipe_read(void)
{
	long r = net_fill(&app.net, 0, OUT_RESERVE);

	if (r > 0) {
		app.in_last_lf = app.net.out[app.net.outlen - 1] == '\n';
		return;
	}
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	app.in_eof = 1;
	app.progress_at = app.now;
	if (!app.in_last_lf)
		net_queue(&app.net, "\n", 1);
}

/* Queues the -c lines as room allows, then one /stats as the barrier. */
void cmd_pump(void)
{
	while (app.cmd_next <= app.opt.ncmds) {
		const char *l = app.cmd_next < app.opt.ncmds ? app.opt.cmds[app.cmd_next] : "/stats";

		if (queue_line(l, strlen(l)) < 0)
			return;
		app.cmd_next++;
	}
}

/* 1 while natter waits for the server to finish: after stdin's end in pipe
 * mode, and all along in command mode. */
int watching_end(void)
{
	return app.net.state == NET_UP &&
	       (app.mode == M_CMD || (app.mode == M_PIPE && app.in_eof));
}

/* Once stdin has ended and all of it is sent, SHUT_WR tells the server;
 * it answers what it owes and closes. The wait is bounded: bytes still
 * moving (our unacknowledged data shrinking, replies arriving) keep it
 * going, -w (2 s) of quiet ends it with success, and STALL_MS without
 * the server taking our data ends it as a failure. */
void end_watch(void)
{
	long q;
	long long idle;

	if (!watching_end())
		return;
	if (app.mode == M_PIPE && app.net.outlen == 0 && !app.shut) {
		shutdown(app.net.fd, SHUT_WR);
		app.shut = 1;
		app.progress_at = app.now;
	}
	q = net_unacked(&app.net);
	if (q < app.unacked)
		app.progress_at = app.now;
	app.unacked = q;
	idle = app.now - app.progress_at;
	if (app.shut && q == 0) {       /* all delivered: only answers to wait for */
		if (idle >= app.opt.wait_ms)
			finish(0, NULL, NULL, NULL);
		return;
	}
	if (idle >= STALL_MS)
		finish(1, app.mode == M_CMD ? "no answer from the server" :
		       "the server stopped reading; input was not all delivered",
		       " within 10 s", NULL);
}
