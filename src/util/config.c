#include "util/config.h"
#include "loop/listen.h"
#include "util/text.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A tab pads to the descriptions' column (usage). */
#define USAGE_COLUMN 27
static const char usage_text[] =
"usage: natterd [options]\n"
"A small chat server: one line per message, rooms, private messages.\n"
"\n"
"  -p, --port PORT\tTCP port (default 8080; 0 picks a free one)\n"
"      --irc PORT\tIRC door's port (default 6667; if that is in use,\n"
"\tthe door stays closed with a warning)\n"
"      --no-irc\tno IRC door\n"
"      --irc-ping SECS\tIRC keep-alive (default %u)\n"
"      --irc-oper NAME:PASS IRC OPER login (default none)\n"
"  -b, --bind ADDR\tlisten on ADDR only; repeatable\n"
"\t(default: every IPv4 and IPv6 address)\n"
"  -c, --max-conns N\tconnection limit (default and maximum: the\n"
"\ttable size built in, %u, or what RLIMIT_NOFILE allows)\n"
"  -w, --workers N\tworker threads (default: CPUs, at most %u; max %u)\n"
"  -r, --rate N\tlines per second a client may send (default %u;\n"
"\t0: no limit); faster clients are read more slowly\n"
"      --burst N\tlines a client may send at once (default 2 x rate)\n"
"  -q, --quiet\tdo not print room messages on stdout\n"
"  -H, --hostname NAME\tname in the greeting (default: the host name)\n"
"  -u, --user USER\tafter binding, drop root privileges to USER\n"
"  -a, --allow CIDR\taccept clients from this network only; repeatable\n"
"\t(e.g. 192.168.1.0/24, fd00::/8; default: all)\n"
"      --max-per-ip N\tconnections per client address (default: no limit)\n"
"      --idle-timeout SECS\tclose clients silent this long (default: never)\n"
"      --web PORT\tthe web door's port: the chat page, WebSocket\n"
"\ton /ws, /metrics (default %u; on the -b addresses)\n"
"      --no-web\tno web door\n"
"      --web-origin ORIGIN\talso accept WebSocket handshakes from pages of\n"
"\tORIGIN (e.g. http://chat.example:8081); repeatable\n"
"      --history N\tlines each room keeps for /history (default %u;\n"
"\t0: off; at most %u, this build's maximum)\n"
"      --no-uring\twrite to clients with one writev each, never\n"
"\tio_uring (default: io_uring where the kernel allows)\n"
"  -h, --help\tthis text\n"
"  -V, --version\tversion and build limits\n";

static void usage(void)
{
	char text[sizeof usage_text + 64], out[sizeof text + 20 * USAGE_COLUMN];
	size_t n = 0, line = 0;

	snprintf(text, sizeof text, usage_text, IRC_PING_DEFAULT, MAX_CONNS, DEFAULT_WORKERS_CAP,
		 MAX_WORKERS, DEFAULT_RATE, DEFAULT_WEB_PORT, HISTORY_DEFAULT, HISTORY_MAX);
	for (const char *p = text; *p && n < sizeof out - USAGE_COLUMN - 1; p++) {
		if (*p == '\t') {
			while (n - line < USAGE_COLUMN)
				out[n++] = ' ';
		} else if ((out[n++] = *p) == '\n') {
			line = n;
		}
	}
	out[n] = '\0';
	fputs(out, stdout);
}

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "natterd: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "; try 'natterd --help'\n");
	exit(2);
}

static unsigned number(const char *s, unsigned lo, unsigned hi, const char *what)
{
	unsigned long v;
	if (!decimal_parse(s, hi, &v) || v < lo) {
		char msg[96];
		snprintf(msg, sizeof msg, "bad %s '%%s' (%u to %u)", what, lo, hi);
		usage_error(msg, s);
	}
	return v;
}

/* musl's count is of the CPUs natterd may run on (its affinity mask:
 * taskset, a cgroup's cpuset, systemd's CPUAffinity=), not all the
 * machine has; tests/test_cli.py holds it to that. */
static unsigned cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n;
}

void config_parse(struct config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, 0, 'p' },
		{ "bind", required_argument, 0, 'b' },
		{ "max-conns", required_argument, 0, 'c' },
		{ "workers", required_argument, 0, 'w' },
		{ "rate", required_argument, 0, 'r' },
		{ "burst", required_argument, 0, 'B' },
		{ "quiet", no_argument, 0, 'q' },
		{ "hostname", required_argument, 0, 'H' },
		{ "user", required_argument, 0, 'u' },
		{ "allow", required_argument, 0, 'a' },
		{ "max-per-ip", required_argument, 0, 'P' },
		{ "idle-timeout", required_argument, 0, 'I' },
		{ "irc", required_argument, 0, 'i' },
		{ "no-irc", no_argument, 0, 'n' },
		{ "irc-ping", required_argument, 0, 'G' },
		{ "irc-oper", required_argument, 0, 'o' },
		{ "web", required_argument, 0, 'W' },
		{ "no-web", no_argument, 0, 'N' },
		{ "web-origin", required_argument, 0, 'O' },
		{ "history", required_argument, 0, 'Y' },
		{ "no-uring", no_argument, 0, 'R' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	struct sockaddr_storage ss;
	socklen_t sslen;
	int burst_set = 0, opt;

	memset(cfg, 0, sizeof *cfg);
	cfg->port = DEFAULT_PORT;
	cfg->irc_port = DEFAULT_IRC_PORT;
	cfg->irc_ping = IRC_PING_DEFAULT;
	cfg->max_conns = MAX_CONNS;
	cfg->workers = cpu_count() < DEFAULT_WORKERS_CAP ? cpu_count() : DEFAULT_WORKERS_CAP;
	cfg->rate = DEFAULT_RATE;
	cfg->web_port = DEFAULT_WEB_PORT;
	cfg->history = HISTORY_DEFAULT;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:b:c:w:r:qH:u:a:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': cfg->port = number(optarg, 0, 65535, "port"); break;
		case 'b':
			if (cfg->nbind == MAX_LISTENERS)
				usage_error("too many -b addresses (at most 8)%s", "");
			if (listen_parse_addr(optarg, 0, &ss, &sslen) < 0)
				usage_error("bad -b address '%s' (an IPv4 or IPv6 address)", optarg);
			cfg->bind[cfg->nbind++] = optarg;
			break;
		case 'c': cfg->max_conns = number(optarg, 1, MAX_CONNS, "connection limit"); break;
		case 'w': cfg->workers = number(optarg, 1, MAX_WORKERS, "worker count"); break;
		case 'r': cfg->rate = number(optarg, 0, 1000000, "rate"); break;
		case 'B': cfg->burst = number(optarg, 1, 1000000, "burst"); burst_set = 1; break;
		case 'q': cfg->quiet = 1; break;
		case 'i':
			cfg->irc_port = number(optarg, 0, 65535, "IRC port");
			cfg->irc_port_given = 1;
			break;
		case 'n': cfg->no_irc = 1; break;
		case 'G': cfg->irc_ping = number(optarg, 2, IRC_PING_LIMIT, "--irc-ping"); break;
		case 'o':
			if (!strchr(optarg, ':'))
				usage_error("bad --irc-oper '%s' (NAME:PASSWORD)", optarg);
			cfg->irc_oper = optarg;
			break;
		case 'H':
			if (!*optarg || strpbrk(optarg, " \t\r\n") || strlen(optarg) > 64)
				usage_error("bad host name '%s' (no spaces, at most 64 bytes)", optarg);
			cfg->hostname = optarg;
			break;
		case 'u': cfg->user = optarg; break;
		case 'a':
			if (allow_add(&cfg->allow, optarg) < 0)
				usage_error("bad --allow network '%s' (ADDR/BITS, at most 32)", optarg);
			break;
		case 'P': cfg->max_per_ip = number(optarg, 1, MAX_CONNS, "--max-per-ip"); break;
		case 'I': cfg->idle_timeout = number(optarg, 1, 86400 * 365, "--idle-timeout"); break;
		case 'W':
			cfg->web_port = number(optarg, 0, 65535, "web port");
			cfg->web_port_given = 1;
			break;
		case 'N': cfg->web_off = 1; break;
		case 'O':
			if (cfg->nweb_origins == MAX_ORIGINS)
				usage_error("too many --web-origin values (at most 8)%s", "");
			if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8))
				usage_error("bad --web-origin '%s' (http://HOST[:PORT])", optarg);
			cfg->web_origins[cfg->nweb_origins++] = optarg;
			break;
		case 'R': cfg->no_uring = 1; break;
		case 'Y': cfg->history = number(optarg, 0, HISTORY_MAX, "--history"); break;
		case 'h':
			usage();
			exit(0);
		case 'V':
			printf("natterd %s (natter/1 protocol; doors: line, web, irc; table: %u connections, "
			       "%u rooms, %u lines in flight, history %u lines a room at most)\n",
			       NATTER_VERSION, MAX_CONNS, MAX_ROOMS, MAX_MSGS, HISTORY_MAX);
			exit(0);
		case ':': usage_error("option '%s' needs a value", argv[optind - 1]); break;
		default: usage_error("unknown option '%s'", argv[optind - 1]); break;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!burst_set)
		cfg->burst = cfg->rate > 0 ? cfg->rate * 2 : 1;
}
