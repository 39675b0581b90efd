#include "door/proto.h"
#include "util/text.h"
#include <string.h>
#include "core/limits.h"

static const char *const error_codes[] = {
	[ERR_NONE] = "ok",
	[ERR_LINE_TOO_LONG] = "line-too-long",
	[ERR_BAD_UTF8] = "bad-utf8",
	[ERR_BAD_CHAR] = "bad-char",
	[ERR_BAD_NICK] = "bad-nick",
	[ERR_NICK_TAKEN] = "nick-taken",
	[ERR_BAD_ROOM] = "bad-room",
	[ERR_ROOM_LIMIT] = "room-limit",
	[ERR_NO_SUCH_NICK] = "no-such-nick",
	[ERR_USAGE] = "usage",
	[ERR_UNKNOWN_COMMAND] = "unknown-command",
	[ERR_FULL] = "full",
	[ERR_TOO_SLOW] = "too-slow",
	[ERR_SHUTDOWN] = "shutdown",
	[ERR_IDLE] = "idle",
	[ERR_NOT_ALLOWED] = "not-allowed",
};

const char *proto_error_code(enum proto_error e)
{
	return error_codes[e];
}

/* How each command takes its arguments. */
enum arg_shape {
	ARGS_NONE,      /* extra words ignored */
	ARGS_ONE,       /* exactly one word */
	ARGS_TEXT,      /* the rest of the line, at least one byte */
	ARGS_OPT_TEXT,  /* the rest of the line, maybe empty */
	ARGS_WORD_TEXT, /* one word, then the rest of the line */
	ARGS_OPT_COUNT, /* no word, or one decimal number 1..HISTORY_ASK_MAX */
};

static const struct command {
	const char *name;
	enum action_kind kind;
	enum arg_shape shape;
	const char *usage;
} commands[] = {
	{ "nick", ACT_NICK, ARGS_ONE, "/nick NAME" },
	{ "join", ACT_JOIN, ARGS_ONE, "/join ROOM" },
	{ "msg", ACT_MSG, ARGS_WORD_TEXT, "/msg NICK TEXT" },
	{ "me", ACT_ME, ARGS_TEXT, "/me TEXT" },
	{ "who", ACT_WHO, ARGS_NONE, "/who" },
	{ "rooms", ACT_ROOMS, ARGS_NONE, "/rooms" },
	{ "stats", ACT_STATS, ARGS_NONE, "/stats" },
	{ "help", ACT_HELP, ARGS_NONE, "/help" },
	{ "quit", ACT_QUIT, ARGS_OPT_TEXT, "/quit [TEXT]" },
	{ "history", ACT_HISTORY, ARGS_OPT_COUNT, "/history [N]" },
};

const char *proto_usage(enum action_kind k)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].kind == k)
			return commands[i].usage;
	return "";
}

static void fail(struct action *act, enum proto_error e)
{
	act->kind = ACT_ERROR;
	act->error = e;
}

/* A decimal number from 1 to max (leading zeros allowed), or 0. */
static unsigned count_value(const char *s, size_t len, unsigned max)
{
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return 0;
	}
	return v;
}

/* Fills arg/text from the bytes after the command word, by shape. */
static void parse_args(const char *s, size_t i, size_t len,
		       enum arg_shape shape, struct action *act)
{
	i = skip_spaces(s, i, len);
	switch (shape) {
	case ARGS_NONE:
		return;
	case ARGS_ONE: {
		size_t end = word_end(s, i, len);
		if (i == len || skip_spaces(s, end, len) != len)
			return fail(act, ERR_USAGE);
		act->arg = s + i;
		act->arg_len = end - i;
		return;
	}
	case ARGS_TEXT:
	case ARGS_OPT_TEXT:
		if (i == len && shape == ARGS_TEXT)
			return fail(act, ERR_USAGE);
		act->text = s + i;
		act->text_len = len - i;
		return;
	case ARGS_WORD_TEXT: {
		size_t end = word_end(s, i, len);
		size_t t = skip_spaces(s, end, len);
		if (i == len || t == len)
			return fail(act, ERR_USAGE);
		act->arg = s + i;
		act->arg_len = end - i;
		act->text = s + t;
		act->text_len = len - t;
		return;
	}
	case ARGS_OPT_COUNT: {
		size_t end = word_end(s, i, len);
		if (i == len)
			return;         /* no N: every kept line */
		if (skip_spaces(s, end, len) != len)
			return fail(act, ERR_USAGE);
		act->count = count_value(s + i, end - i, HISTORY_ASK_MAX);
		if (act->count == 0)
			return fail(act, ERR_USAGE);
		return;
	}
	}
}

static void parse_command(const char *s, size_t len, struct action *act)
{
	size_t end = word_end(s, 1, len);
	size_t wlen = end - 1;

	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		const struct command *c = &commands[i];
		if (!ascii_caseeq(s + 1, wlen, c->name, strlen(c->name)))
			continue;
		act->kind = act->command = c->kind;
		parse_args(s, end, len, c->shape, act);
		if (act->kind == ACT_NICK && !nick_valid(act->arg, act->arg_len))
			fail(act, ERR_BAD_NICK);
		if (act->kind == ACT_JOIN && !room_valid(act->arg, act->arg_len))
			fail(act, ERR_BAD_ROOM);
		return;
	}
	fail(act, ERR_UNKNOWN_COMMAND);
}

void proto_parse(const char *line, size_t len, struct action *act)
{
	memset(act, 0, sizeof *act);
	if (len > LINE_MAX_CONTENT)
		return fail(act, ERR_LINE_TOO_LONG);
	switch (text_check(line, len)) {
	case TEXT_BAD_UTF8:
		return fail(act, ERR_BAD_UTF8);
	case TEXT_BAD_CHAR:
		return fail(act, ERR_BAD_CHAR);
	case TEXT_OK:
		break;
	}
	if (skip_spaces(line, 0, len) == len)
		return;         /* ACT_IGNORE */
	if (line[0] != '/' || (len > 1 && line[1] == '/')) {
		size_t skip = line[0] == '/';
		act->kind = ACT_SAY;
		act->text = line + skip;
		act->text_len = len - skip;
		return;
	}
	parse_command(line, len, act);
}
