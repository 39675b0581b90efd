/* The protocol parser: one line's content in, one action out. Pure: no
 * sockets, no server state. Faults that depend on server state (nick-taken,
 * room-limit, no-such-nick) are found later, by chat.c. */
#ifndef NATTER_PROTO_H
#define NATTER_PROTO_H
#include <stddef.h>

enum action_kind {
	ACT_IGNORE,     /* empty or only spaces */
	ACT_ERROR,      /* act.error says which */
	ACT_SAY,        /* text: a message to the room */
	ACT_NICK,       /* arg */
	ACT_JOIN,       /* arg (not yet lower-cased) */
	ACT_MSG,        /* arg = nick, text */
	ACT_ME,         /* text */
	ACT_WHO,
	ACT_ROOMS,
	ACT_STATS,
	ACT_HELP,
	ACT_QUIT,       /* text, possibly empty */
	ACT_HISTORY,    /* count: the last N lines, 0 for all */
};

enum proto_error {
	ERR_NONE,
	ERR_LINE_TOO_LONG,
	ERR_BAD_UTF8,
	ERR_BAD_CHAR,
	ERR_BAD_NICK,
	ERR_NICK_TAKEN,
	ERR_BAD_ROOM,
	ERR_ROOM_LIMIT,
	ERR_NO_SUCH_NICK,
	ERR_USAGE,
	ERR_UNKNOWN_COMMAND,
	ERR_FULL,
	ERR_TOO_SLOW,
	ERR_SHUTDOWN,
	ERR_IDLE,
	ERR_NOT_ALLOWED,
};

struct action {
	enum action_kind kind;
	enum action_kind command;       /* for ERR_USAGE: which command */
	enum proto_error error;
	const char *arg;        /* points into the line */
	size_t arg_len;
	const char *text;
	size_t text_len;
	unsigned count;         /* ACT_HISTORY's N; 0 when not given */
};

void proto_parse(const char *line, size_t len, struct action *act);
const char *proto_error_code(enum proto_error e);   /* "nick-taken" */
const char *proto_usage(enum action_kind k);         /* "/nick NAME" */
#endif
