/* Command-line parsing. Hand-written rather than getopt_long: musl's getopt
 * reports errors through stdio, which the client otherwise never links. */
#include "opts.h"
#include "out.h"
#include "sanitize.h"

#include <stdlib.h>
#include <string.h>

#ifndef NATTER_VERSION
#define NATTER_VERSION "unknown"
#endif

static const char usage_text[] =
"usage: natter [-r] [--no-history] [-n NICK] [-j ROOM] [-p PORT] [-w SECS] [-c LINE]... [HOST[:PORT]]\n"
"Chat with a natterd server (default localhost:8080).\n"
"\n"
"  HOST[:PORT]           server name or address; IPv6 as [::1] or [::1]:8080\n"
"  -p, --port PORT       server port (default 8080)\n"
"  -n, --nick NICK       take this nick after connecting\n"
"  -j, --join ROOM       join this room after connecting\n"
"  -c, --command LINE    send LINE (repeatable), wait until the server has\n"
"                        answered every line, then exit; stdin is not read\n"
"  -r, --reconnect       reconnect when the connection drops (back-off 1 s\n"
"                        doubling up to 30 s), re-applying nick and room\n"
"  -w, --wait SECS       at the end of input, wait up to SECS of silence\n"
"                        for the server to answer and close (default 2)\n"
"      --no-history      in a terminal, do not show the room's history\n"
"                        after connecting and after /join\n"
"  -h, --help            show this help\n"
"      --version         show the version\n"
"\n"
"In a terminal: line editing (Left/Right, Home/End, Backspace, Ctrl-U,\n"
"Ctrl-W, Ctrl-K, Up/Down history); Ctrl-C, or Ctrl-D on an empty line, quits.\n"
"Otherwise every line of standard input is sent and every line from the\n"
"server is printed; at the end of input natter waits briefly for answers.\n"
"NO_COLOR set: no colours. Exit status: 0 ok, 1 connection failed or lost,\n"
"2 bad usage.\n";

static void usage_error(const char *what, const char *arg)
{
	say(what, arg, " (see natter --help)");
	exit(2);
}

int nick_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > NICK_LEN)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 1; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", s[i]))
			return 0;
	return 1;
}

/* Rooms may be given in any case: the server folds them to lower case. */
int room_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > ROOM_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", s[i]))
			return 0;
	return 1;
}

/* A decimal number of at most 5 digits, or -1. */
static long number(const char *s)
{
	long v = 0;
	size_t i, n = strlen(s);

	if (n < 1 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int port_ok(const char *s)
{
	long v = number(s);

	return v >= 1 && v <= 65535;
}

/* Splits HOST[:PORT], [V6]:PORT, [V6] or a bare IPv6 literal. The argument
 * string is edited in place (brackets and colon become NULs), so no copy
 * and no heap are needed. */
static void split_hostport(char *s, struct opts *o)
{
	char *colon;

	if (s[0] == '[') {
		char *end = strchr(s, ']');

		if (!end || (end[1] && end[1] != ':'))
			usage_error("bad address: ", s);
		*end = '\0';
		o->host = s + 1;
		if (end[1] == ':')
			o->port = end + 2;
	} else if ((colon = strchr(s, ':')) && !strchr(colon + 1, ':')) {
		*colon = '\0';
		o->host = s;
		o->port = colon + 1;
	} else {
		o->host = s;    /* a name, IPv4, or IPv6 with several colons */
	}
	if (!o->host[0])
		o->host = "localhost";
}

/* The value of an option: "-pVALUE", "--port=VALUE" or the next argument. */
static const char *value(char **argv, int argc, int *i, const char *attached)
{
	if (attached)
		return attached;
	if (*i + 1 >= argc)
		usage_error("option needs a value: ", argv[*i]);
	return argv[++*i];
}

/* Returns the option letter for argv[i] and sets *attached to a value
 * written in the same argument, if any; 0 for an unknown option. */
static int option_letter(const char *a, const char **attached)
{
	static const char *const longs[] = {
		"port", "nick", "join", "command", "reconnect", "wait", "help", "version",
		"no-history"
	};
	static const char letters[] = "pnjcrwhVN";
	size_t i, n;

	*attached = NULL;
	if (a[1] != '-') {
		if (!strchr("pnjcrwh", a[1]))
			return 0;
		if (a[2])
			*attached = a + 2;
		return a[1] == 'h' ? (a[2] ? 0 : 'h') : a[1];
	}
	for (i = 0; i < sizeof letters - 1; i++) {
		n = strlen(longs[i]);
		if (strncmp(a + 2, longs[i], n) == 0 && (a[2 + n] == '\0' || a[2 + n] == '=')) {
			if (a[2 + n] == '=')
				*attached = a + 3 + n;
			return letters[i];
		}
	}
	return 0;
}

static void add_cmd(struct opts *o, const char *line)
{
	size_t n = strlen(line);

	if (o->ncmds == MAX_CMDS)
		usage_error("too many -c lines; the limit is 64", NULL);
	if (n > TEXT_MAX)
		usage_error("-c line longer than 510 bytes: ", "the server would refuse it");
	if (!text_ok(line, n))
		usage_error("-c line with a control character or invalid UTF-8", NULL);
	o->cmds[o->ncmds++] = line;
}

/* Handles one option; returns 0 if it was not a known one. */
static int one_option(char **argv, int argc, int *i, struct opts *o, const char **port)
{
	const char *att, *v;
	int c = option_letter(argv[*i], &att);

	if (c == 'h' || c == 'V') {
		const char *text = c == 'h' ? usage_text : "natter " NATTER_VERSION "\n";

		write_all(1, text, strlen(text));
		exit(0);
	}
	if (c == 'r' || c == 'N') {
		if (att)
			return 0;
		if (c == 'r')
			o->reconnect = 1;
		else
			o->no_history = 1;
		return 1;
	}
	if (!c)
		return 0;
	v = value(argv, argc, i, att);
	if (c == 'p')
		*port = v;
	else if (c == 'w' && (number(v) < 0 || number(v) > 3600))
		usage_error("bad wait (0-3600 seconds): ", v);
	else if (c == 'w')
		o->wait_ms = number(v) * 1000;
	else if (c == 'n' && !nick_ok(v))
		usage_error("bad nick (1-16 of A-Z a-z 0-9 _ -, starting with a letter): ", v);
	else if (c == 'n')
		o->nick = v;
	else if (c == 'j' && !room_ok(v))
		usage_error("bad room (1-16 of a-z 0-9 _ -): ", v);
	else if (c == 'j')
		o->room = v;
	else
		add_cmd(o, v);
	return 1;
}

void opts_parse(int argc, char **argv, struct opts *o)
{
	const char *port = NULL;
	int i, only_args = 0, have_host = 0;

	memset(o, 0, sizeof *o);
	o->host = "localhost";
	o->wait_ms = WAIT_DEFAULT_MS;
	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (!only_args && strcmp(a, "--") == 0) {
			only_args = 1;
		} else if (!only_args && a[0] == '-' && a[1]) {
			if (!one_option(argv, argc, &i, o, &port))
				usage_error("unknown option: ", a);
		} else if (have_host++) {
			usage_error("more than one server given: ", a);
		} else {
			split_hostport(a, o);
		}
	}
	if (port && o->port)
		usage_error("port given twice: ", port);
	if (port)
		o->port = port;
	if (!o->port)
		o->port = "8080";
	if (!port_ok(o->port))
		usage_error("bad port (1-65535): ", o->port);
}
