/* natter: the chat client. main.c picks the mode and runs the poll loop;
 * session.c follows the connection, input.c what we send, screen.c what
 * we show. Everything is static storage: no heap of our own. */
#include "client.h"
#include "lineedit.h"
#include "mdns.h"
#include "out.h"
#include "screen.h"
#include "term.h"
#include "wire.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct app app;

static volatile sig_atomic_t got_fatal, got_winch, got_cont;
static sigset_t loop_mask;      /* the mask while waiting in ppoll */

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_winch = 1;
	else if (sig == SIGCONT)
		got_cont = 1;
	else
		got_fatal = sig;
}

/* Terminal mode only: the signals are blocked except inside ppoll, so
 * they are seen there (no race between a check and the wait) and the
 * terminal is put back before natter ends. */
static void catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGCONT };
	struct sigaction sa;
	sigset_t set;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&set, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &set, &loop_mask);
}

/* Dies of the same signal, after restoring the terminal, so the parent
 * sees the usual status. */
static void handle_signals(void)
{
	int sig = got_fatal;

	if (sig) {
		sigset_t set;

		scr_leave();
		term_restore();
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		_exit(128 + sig);
	}
	if (got_cont) {                 /* back from a stop: raw mode again */
		got_cont = 0;
		term_raw();
		got_winch = 1;
	}
	if (got_winch) {
		got_winch = 0;
		scr_resize();
	}
}

static int want_color(void)
{
	const char *nc = getenv("NO_COLOR"), *t = getenv("TERM");

	return isatty(1) && !(nc && nc[0]) && !(t && strcmp(t, "dumb") == 0);
}

static void setup(int argc, char **argv)
{
	int i;

	opts_parse(argc, argv, &app.opt);
	if (app.opt.browse)
		mdns_browse();
	net_init(&app.net);
	app.retry_at = -1;
	app.backoff = BACKOFF_MIN_MS;
	app.in_last_lf = 1;
	if (app.opt.nick)
		memcpy(app.want_nick, app.opt.nick, strlen(app.opt.nick) + 1);
	if (app.opt.room)
		memcpy(app.want_room, app.opt.room, strlen(app.opt.room) + 1);
	for (i = 0; i < app.opt.ncmds; i++)
		app.stats_want += wire_is_stats(app.opt.cmds[i]);
	app.stats_want++;               /* our own barrier */
	app.color = want_color();
	if (app.opt.ncmds)
		app.mode = M_CMD;
	else if (isatty(0) && isatty(1) && term_raw() == 0)
		app.mode = M_TERM;
	else
		app.mode = M_PIPE;
	if (app.mode == M_TERM)
		catch_signals();
	scr_init(app.mode == M_TERM, app.color);
}

/* stdin is read only when its bytes have somewhere to go: in pipe mode
 * that is a connected socket with room in the send buffer, which is how
 * a slow server slows a fast producer down instead of losing lines. */
static int stdin_events(void)
{
	if (app.mode == M_TERM)
		return POLLIN;
	if (app.mode == M_PIPE && !app.in_eof && app.net.state == NET_UP &&
	    sizeof app.net.out - app.net.outlen > OUT_RESERVE)
		return POLLIN;
	return 0;
}

static int sock_events(void)
{
	if (app.net.state == NET_CONNECTING)
		return POLLOUT;
	if (app.net.state == NET_UP)
		return POLLIN | (app.net.outlen ? POLLOUT : 0);
	return 0;
}

/* t or the time left until at, whichever is sooner (t < 0: none yet). */
static long long sooner(long long t, long long at)
{
	long long d = at > app.now ? at - app.now : 0;

	return t < 0 || d < t ? d : t;
}

/* Milliseconds until the next timer, -1 for none. */
static long long next_timeout(void)
{
	long long t = -1;

	if (app.net.state == NET_CONNECTING)
		t = sooner(t, app.net.deadline);
	if (app.retry_at >= 0)
		t = sooner(t, app.retry_at);
	if (watching_end())     /* re-check unacknowledged bytes while waiting */
		t = sooner(t, app.now + 100);
	return t;
}

static void handle_sock(short rev)
{
	if (app.net.state == NET_CONNECTING) {
		if (rev || app.now >= app.net.deadline)
			session_connect_step();
		return;
	}
	if (app.net.state != NET_UP)
		return;
	if (rev & (POLLIN | POLLHUP | POLLERR))
		session_read();
	if (app.net.state == NET_UP && (rev & POLLOUT))
		session_write();
}

static void turn(void)
{
	struct pollfd p[2];
	long long t;
	struct timespec ts, *tsp = NULL;

	app.now = now_ms();
	if (app.mode == M_CMD && app.net.state == NET_UP)
		cmd_pump();
	end_watch();
	scr_flush();
	p[0].fd = stdin_events() ? 0 : -1;
	p[0].events = (short)stdin_events();
	p[1].fd = sock_events() ? app.net.fd : -1;
	p[1].events = (short)sock_events();
	p[0].revents = p[1].revents = 0;
	t = next_timeout();
	if (t >= 0) {
		ts.tv_sec = t / 1000;
		ts.tv_nsec = (t % 1000) * 1000000;
		tsp = &ts;
	}
	if (ppoll(p, 2, tsp, app.mode == M_TERM ? &loop_mask : NULL) < 0 && errno != EINTR)
		finish(1, "poll: ", strerror(errno), NULL);
	app.now = now_ms();
	handle_signals();
	handle_sock(p[1].revents);
	if (app.retry_at >= 0 && app.now >= app.retry_at)
		session_connect();
	if (p[0].revents && app.mode == M_TERM)
		keys_read();
	else if (p[0].revents)
		pipe_read();
}

int main(int argc, char **argv)
{
	setup(argc, argv);
	app.now = now_ms();
	session_connect();
	for (;;)
		turn();
}
