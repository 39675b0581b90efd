/* IRC messages in and text out, pure: no sockets, no server state, so the
 * unit tests and the fuzzer drive them alone.
 *
 *   [@tags ][:prefix ]COMMAND[ param]*[ :trailing]
 *
 * A line is at most IRC_LINE_MAX bytes with its CR LF (framing is
 * frame.c's, which takes a bare LF too); parameters point into it. */
#ifndef NATTER_IRC_PARSE_H
#define NATTER_IRC_PARSE_H
#include <stddef.h>
#include "core/limits.h"

struct irc_msg {
	const char *cmd;
	size_t cmd_len;
	unsigned nparams;
	const char *param[IRC_PARAMS_MAX];
	size_t param_len[IRC_PARAMS_MAX];
};

/* 0, or -1 for a line with no command (empty, only tags or a prefix). */
int irc_parse(const char *line, size_t len, struct irc_msg *m);
/* Is the command (any case) this upper-case word? */
int irc_is(const struct irc_msg *m, const char *upper);

/* Is nick matched by a WHO mask: `*` any run, `?` any one character,
 * ASCII case ignored? */
int irc_mask_match(const char *mask, size_t len, const char *nick);

/* A connection's IRC user modes: away (AWAY, no mode letter), invisible
 * (+i: left out of WHO for those who share no room with it) and operator
 * (+o: OPER with --irc-oper's name and password). */
enum { IRC_UMODE_AWAY = 1, IRC_UMODE_INVISIBLE = 2, IRC_UMODE_OPER = 4 };
/* A user MODE change (`+i`, `-i`, `-o`, `+i-o`...) applied to modes; -1 if
 * it names a mode natter lacks. `+o` is ignored: only OPER makes an
 * operator (as RFC 2812 has it). */
int irc_umode_apply(const char *s, size_t len, unsigned modes);
/* A channel MODE's changes, `MODE #room +sv-v NICK NICK`, one at a time:
 * start with { .sign = '+', .next = 2 }; each irc_chanmode_next() sets
 * sign (the last `+` or `-` before it), letter and arg: the next unused
 * parameter for a letter that takes one (v, o; b if one is left), else
 * NULL. 0 when no letter is left or IRC_MODES_MAX were given. */
struct irc_change {
	char sign, letter;
	const char *arg;
	size_t arg_len;
	size_t pos;             /* the next letter's offset in param[1] */
	unsigned next, done;    /* the next parameter; changes given */
};
int irc_chanmode_next(const struct irc_msg *m, struct irc_change *ch);
/* Removes IRC's formatting codes (bold, colour with its digits, hex
 * colour, italic, underline, strike, monospace, reverse, reset) from s
 * into out (at least len bytes); returns the new length. */
size_t irc_strip_format(const char *s, size_t len, char *out);

/* How many bytes of s (at most max) end on a UTF-8 character boundary:
 * the longest piece that does not cut a character (0 if the first
 * character is longer than max, or s is all continuation bytes). */
size_t utf8_fit(const char *s, size_t len, size_t max);

/* The IRC form of a natter line (its content, no LF) for an IRC client:
 * room lines name #room, private messages and replies name `me`. Writes
 * CR LF-ended IRC lines into out, splitting a long text at UTF-8
 * boundaries into several lines, never cutting it; returns the bytes
 * written, or 0 when IRC shows no such line. host: the server's name. */
size_t irc_render(const char *line, size_t len, const char *room, const char *me,
		  const char *host, char *out, size_t size);
/* `:nick!nick@natter CMD target :text` (`#target` if to_room; text as a
 * CTCP ACTION if action), split like irc_render; returns the bytes
 * written, 0 if out is short. */
size_t irc_said(const char *nick, size_t nick_len, const char *cmd, int to_room, const char *target,
		int action, const char *text, size_t len, char *out, size_t size);
#endif
