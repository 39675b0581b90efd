/* natter lines in IRC's wire form (irc_parse.h: irc_render). A line's kind
 * is told by its first characters (PROTOCOL.md), and no client can make a
 * line that looks like a server's, so reading it back is unambiguous. */
#include "door/irc_parse.h"
#include <stdio.h>
#include <string.h>

struct out {
	char *p;
	size_t size, len;
	int full;
};

static inline __attribute__((always_inline)) void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->size) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* head + text + tail + CR LF, as many lines as the text needs so that
 * each stays within IRC_LINE_MAX. */
static void lines(struct out *o, const char *head, const char *text, size_t len,
		  const char *tail)
{
	size_t fixed = strlen(head) + strlen(tail) + 2;
	size_t room = fixed < IRC_LINE_MAX ? IRC_LINE_MAX - fixed : 1;

	do {
		size_t n = utf8_fit(text, len, room);
		if (n == 0)     /* not UTF-8 (natter refuses such text): any cut */
			n = len < room ? len : room;
		puts_(o, head);
		put(o, text, n);
		puts_(o, tail);
		put(o, "\r\n", 2);
		text += n;
		len -= n;
	} while (len > 0);
}

/* The head is put piece by piece, not with snprintf: a room's IRC members
 * get it once per message, and musl's printf cost more instructions than
 * the rest of the message's way through natterd (callgrind, 10 IRC
 * clients: 3,400 a message). It holds two nicks, a command and a room or
 * nick (limits.h: 16 bytes each), far below IRC_LINE_MAX: never cut. A
 * text that fits one line (nearly every one) goes right behind the head
 * in buf; a longer one is cut by lines(), the head repeated. */
size_t irc_said(const char *nick, size_t nl, const char *cmd, int to_room, const char *target,
		int action, const char *text, size_t len, char *buf, size_t size)
{
	struct piece { const char *s; size_t n; };
#define LITERAL(s) ((struct piece){ s, sizeof s - 1 })
	const struct piece piece[] = {
		LITERAL(":"), { nick, nl }, LITERAL("!"), { nick, nl }, LITERAL("@natter "),
		{ cmd, strlen(cmd) }, to_room ? LITERAL(" #") : LITERAL(" "), { target, strlen(target) },
		action ? LITERAL(" :\001ACTION ") : LITERAL(" :"),
	};
#undef LITERAL
	struct out o = { buf, size, 0, 0 };
	size_t tail = action ? 1 : 0;           /* the closing \001 */

	for (size_t i = 0; i < sizeof piece / sizeof *piece; i++)
		put(&o, piece[i].s, piece[i].n);
	if (o.len + len + tail + 2 <= IRC_LINE_MAX) {
		put(&o, text, len);
		put(&o, "\001", tail);
		put(&o, "\r\n", 2);
		return o.full ? 0 : o.len;
	}
	char head[IRC_LINE_MAX];
	memcpy(head, buf, o.len);
	head[o.len] = '\0';
	o.len = 0;
	lines(&o, head, text, len, action ? "\001" : "");
	return o.full ? 0 : o.len;
}

static const char *word(const char *s, size_t len, size_t *wlen)
{
	const char *sp = memchr(s, ' ', len);
	*wlen = sp ? (size_t)(sp - s) : len;
	return s;
}

static int starts(const char *s, size_t len, const char *with)
{
	size_t n = strlen(with);
	return len >= n && memcmp(s, with, n) == 0;
}

/* `-- NICK rest`: joins, parts, quits, disconnects and nick changes. */
static void event(struct out *o, const char *s, size_t len, const char *room)
{
	char head[IRC_LINE_MAX];
	size_t nl;
	const char *nick = word(s, len, &nl);
	const char *rest = s + nl + 1;
	size_t rlen = nl < len ? len - nl - 1 : 0;

	if (nl >= len || nl > NICK_MAX)
		return;         /* not an event IRC shows */
	snprintf(head, sizeof head, ":%.*s!%.*s@natter ", (int)nl, nick, (int)nl, nick);
	if (starts(rest, rlen, "quit (") && rest[rlen - 1] == ')') {
		strcat(head, "QUIT :Quit: ");
		lines(o, head, rest + 6, rlen - 7, "");
	} else if (starts(rest, rlen, "quit") || starts(rest, rlen, "disconnected")) {
		strcat(head, "QUIT :");
		lines(o, head, rest, rlen, "");
	} else if (starts(rest, rlen, "is now known as ")) {
		strcat(head, "NICK :");
		lines(o, head, rest + 16, rlen - 16, "");
	} else if (room && (starts(rest, rlen, "joined ") || starts(rest, rlen, "left "))) {
		strcat(head, rest[0] == 'j' ? "JOIN #" : "PART #");
		lines(o, head, room, strlen(room), "");
	}
}

size_t irc_render(const char *s, size_t len, const char *room, const char *me,
		  const char *host, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	char head[IRC_LINE_MAX];
	size_t nl;

	if (len > 0 && s[len - 1] == '\n')
		len--;
	if (len == 0)
		return 0;
	int action = room && starts(s, len, "* ");
	if (s[0] == ':' || (s[0] >= 'A' && s[0] <= 'Z')) {
		put(&o, s, len);        /* made by the IRC door: IRC already */
		put(&o, "\n", 1);
	} else if ((s[0] == '<' && room) || action || (s[0] == '*' && !room)) {
		/* `<nick> text` and `* nick text` (an action) to the room,
		 * `*nick* text` to me alone: the nick's word ends in > or *,
		 * an action's does not */
		size_t at = 1 + action;
		const char *nick = word(s + at, len - at, &nl);
		if ((!action && nl < 2) || at + nl + 1 > len)
			return 0;
		return irc_said(nick, nl - !action, "PRIVMSG", room != NULL, room ? room : me,
				action, s + at + nl + 1, len - at - nl - 1, buf, size);
	} else if (starts(s, len, "-- ")) {
		event(&o, s + 3, len - 3, room);
	} else if (starts(s, len, "! no-such-nick: ")) {
		const char *nick = word(s + 16, len - 16, &nl);
		snprintf(head, sizeof head, ":%s 401 %s %.*s :No such nick\r\n",
			 host, me, (int)nl, nick);
		puts_(&o, head);
	} else if (starts(s, len, "! too-slow: ") || starts(s, len, "! shutdown: ") ||
		   starts(s, len, "! idle: ")) {
		lines(&o, "ERROR :", s + 2, len - 2, "");
	} else if (s[0] == '=' || s[0] == '!') {               /* replies, errors */
		snprintf(head, sizeof head, ":%s NOTICE %s :", host, me);
		lines(&o, head, s, len, "");
	}
	return o.full ? 0 : o.len;
}
