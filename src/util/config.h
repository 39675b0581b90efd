/* Command-line settings of natterd. */
#ifndef NATTER_CONFIG_H
#define NATTER_CONFIG_H
#include "util/allow.h"
#include "core/limits.h"

struct config {
	const char *bind[MAX_LISTENERS];
	unsigned nbind;
	unsigned port;
	unsigned irc_port;              /* 0 with no_irc: the IRC door is closed */
	int irc_port_given, no_irc;
	unsigned irc_ping;              /* --irc-ping, seconds */
	const char *irc_oper;           /* --irc-oper NAME:PASSWORD, or NULL */
	unsigned max_conns;
	unsigned workers;
	unsigned rate, burst;           /* lines/s; 0: no limit */
	int quiet;
	const char *hostname;
	const char *user;
	unsigned max_per_ip;            /* 0: no limit */
	unsigned idle_timeout;          /* seconds; 0: never */
	unsigned history;               /* lines a room keeps; 0: off */
	struct allow_list allow;
	unsigned web_port;              /* the web door's port */
	int web_off;                    /* --no-web */
	int web_port_given;             /* --web: a port that cannot be had is fatal */
	const char *web_origins[MAX_ORIGINS];
	unsigned nweb_origins;
	int no_uring;                   /* --no-uring: writev only */
};

/* Fills cfg from argv. Exits 0 after --help/--version, 2 on bad usage
 * with a one-line reason. */
void config_parse(struct config *cfg, int argc, char **argv);
#endif
