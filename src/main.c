/* natterd: start-up, privileges, signals, watchdog. The chat itself runs
 * in the worker threads (worker.c). */
#include "core/chat.h"
#include "util/config.h"
#include "core/conn.h"
#include "core/history.h"
#include "loop/listen.h"
#include "door/door.h"
#include "util/log.h"
#include "util/notify.h"
#include "core/pool.h"
#include "util/priv.h"
#include "core/room.h"
#include "loop/worker.h"
#include "door/irc.h"
#include "door/web.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Descriptors beyond clients: the listeners, each worker's epoll, eventfd
 * and io_uring, logs and the reserve. */
#define FD_SPARE (MAX_LISTENERS * 3 + MAX_WORKERS * 3 + 8)

/* Set once start-up is over: from then on nothing may allocate (the
 * malloc-wrap test build aborts on any heap call after it). */
volatile int natterd_started;

/* Raises the descriptor limit as far as allowed and fits the connection
 * limit into it, so a full table is reported as `full`, not as EMFILE. */
static unsigned fit_fd_limit(unsigned want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return want;
	rlim_t need = want + FD_SPARE;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need) {
		unsigned fit = rl.rlim_cur > FD_SPARE * 2 ? rl.rlim_cur - FD_SPARE : FD_SPARE;
		log_warn("RLIMIT_NOFILE is %lu: connection limit lowered from %u to %u",
			 (unsigned long)rl.rlim_cur, want, fit);
		return fit;
	}
	return want;
}

static const char *host_name(const struct config *cfg)
{
	static char name[65];
	if (cfg->hostname)
		return cfg->hostname;
	if (gethostname(name, sizeof name - 1) < 0 || !name[0])
		strcpy(name, "natter");
	for (char *p = name; *p; p++)   /* the greeting's HOST has no spaces */
		if (*p <= ' ' || *p == 0x7f)
			*p = '-';
	return name;
}

/* Waits for SIGTERM/SIGINT, sending watchdog pings meanwhile. */
static void wait_for_stop(const sigset_t *sigs)
{
	unsigned long wd_usec = notify_watchdog_usec();
	/* Wake at least twice per watchdog interval (and once a second). */
	unsigned long tick_usec = wd_usec && wd_usec / 2 < 1000000 ? wd_usec / 2 : 1000000;
	struct timespec tick = { tick_usec / 1000000, (tick_usec % 1000000) * 1000 };
	int64_t last_ping = 0;

	for (;;) {
		siginfo_t si;
		int sig = sigtimedwait(sigs, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
			return;
		}
		if (sig == SIGHUP)
			log_info("SIGHUP ignored (settings are read at start only)");
		log_tick();     /* every wake, LOG_WAKE_SIGNAL included */
		int64_t now = now_ms();
		/* Ping at half the interval, and only while every worker turns. */
		if (wd_usec && now - last_ping >= (int64_t)(wd_usec / 2000) - 10 &&
		    workers_alive((int64_t)(wd_usec / 1000) + 2000)) {
			notify("WATCHDOG=1");
			last_ping = now;
		}
	}
}

/* Opens the listeners of one more door after the nls already open. A door
 * whose port was left at its default and is in use stays closed, with a
 * warning, and the server runs on (PROTOCOL.md); -1 for any other failure
 * (logged by listen_open), which stops the server. */
static int open_door(const struct config *cfg, unsigned port, enum door_kind door,
		     int port_given, struct listener *ls, int *nls)
{
	int n = listen_open(cfg->bind, cfg->nbind, port, door, !port_given,
			    ls + *nls, MAX_LISTENERS);
	if (n > 0) {
		*nls += n;
		return 0;
	}
	if (port_given || errno != EADDRINUSE)
		return -1;
	log_warn("%s door left closed: %s is in use (--%s PORT picks another)",
		 door == DOOR_WEB ? "web" : "IRC", ls[*nls].name, door == DOOR_WEB ? "web" : "irc");
	return 0;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	static struct listener ls[MAX_LISTENERS * DOOR_KINDS];
	char names[MAX_LISTENERS * DOOR_KINDS * 72] = "";
	sigset_t sigs;

	log_init();
	config_parse(&cfg, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	cfg.max_conns = fit_fd_limit(cfg.max_conns);

	pool_init();
	conn_table_init(cfg.max_conns);
	rooms_init();
	history_init(cfg.history);
	struct chat_settings cs = { host_name(&cfg), cfg.quiet, cfg.idle_timeout };
	chat_init(&cs);

	int nls = listen_open(cfg.bind, cfg.nbind, cfg.port, DOOR_LINE, 0, ls, MAX_LISTENERS);
	if (nls <= 0)
		return 1;
	int nline = nls;
	if (!cfg.web_off) {
		struct web_settings wcs = { .norigins = cfg.nweb_origins };
		memcpy(wcs.origins, cfg.web_origins, sizeof wcs.origins);
		web_init(&wcs);
		if (open_door(&cfg, cfg.web_port, DOOR_WEB, cfg.web_port_given, ls, &nls) < 0)
			return 1;
	}
	int nweb = nls;
	if (!cfg.no_irc) {
		irc_ping_s = cfg.irc_ping;
		irc_oper = cfg.irc_oper;
		if (open_door(&cfg, cfg.irc_port, DOOR_IRC, cfg.irc_port_given, ls, &nls) < 0)
			return 1;
	}
	if (cfg.user)
		drop_privileges(cfg.user);
	else if (geteuid() == 0)
		log_warn("running as root; -u USER drops privileges after binding");

	/* Signals go to the main thread only: workers inherit this mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, LOG_WAKE_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	log_async_start();

	struct worker_settings ws = {
		cfg.rate, cfg.burst, cfg.idle_timeout, cfg.max_per_ip, &cfg.allow, cfg.no_uring,
	};
	if (workers_start(cfg.workers, ls, nls, &ws) < 0) {
		log_async_stop();
		return 1;
	}
	for (int i = 0; i < nls; i++) {
		strcat(names, i == nline && i < nweb ? "; web " : i == nweb && i > 0 ? "; irc " :
		       i ? ", " : "");
		strcat(names, ls[i].name);
	}
	log_info("ready: listening on %s; connections %u (table %u), workers %u (writes: %s), "
		 "rate %u lines/s (burst %u), rooms %u, history %u lines, host %s, version %s",
		 names, cfg.max_conns, MAX_CONNS, cfg.workers, workers_writer(), cfg.rate, cfg.burst,
		 MAX_ROOMS, cfg.history, cs.hostname, NATTER_VERSION);
	natterd_started = 1;
	notify("READY=1");

	wait_for_stop(&sigs);
	notify("STOPPING=1");
	workers_stop();
	log_async_stop();
	log_info("stopped");
	return 0;
}
