/* The commands of a registered IRC client: what natter has (JOIN, PART,
 * PRIVMSG, NOTICE, NICK through irc.c) maps onto the chat; the queries
 * (NAMES, WHO, WHOIS, LUSERS, ISON, USERHOST: irc_query.c; MODE and
 * OPER: irc_mode.c; TOPIC here) are answered from the tables; anything
 * else is 421. */
#include "door/irc.h"
#include "core/chat.h"
#include "core/conn.h"
#include "core/room.h"
#include "util/text.h"
#include <stdio.h>
#include <string.h>

#define P(i) (int)m->param_len[i], m->param[i]
#define STR_(x) #x
#define STR(x) STR_(x)  /* a limit's value in a string literal */

void irc_welcome(uint16_t c, unsigned *wake)
{
	struct ireply r;
	const char *nick = conns[c].nick, *host = chat_hostname();

	ir_start(&r, c, wake);
	ir_num(&r, "001", ":Welcome to natter, %s", nick);
	ir_num(&r, "002", ":Your host is %s, running natter %s", host, NATTER_VERSION);
	ir_num(&r, "003", ":natter/1 and IRC");
	ir_num(&r, "004", "%s natter-%s io osv", host, NATTER_VERSION);
	ir_num(&r, "005", "CASEMAPPING=ascii CHANTYPES=# PREFIX=(ov)@+ CHANMODES=,,,s MODES="
	       STR(IRC_MODES_MAX) " NICKLEN=" STR(NICK_MAX) " CHANNELLEN=%d CHANLIMIT=#:"
	       STR(IRC_CHANNELS_MAX)
	       " TARGMAX=PRIVMSG:1,NOTICE:1,JOIN:" STR(IRC_CHANNELS_MAX) ",PART:" STR(IRC_CHANNELS_MAX)
	       ",NAMES:" STR(IRC_CHANNELS_MAX) " NETWORK=natter :are supported by this server",
	       ROOM_MAX + 1);  /* `#` and the room's name */
	irc_lusers(&r);
	ir_num(&r, "422", ":MOTD File is missing");
	ir_end(&r);
}

int irc_channel(const char *s, size_t len, char *name)
{
	if (len < 2 || s[0] != '#' || !room_valid(s + 1, len - 1))
		return 0;
	ascii_lower_copy(name, s + 1, len - 1);
	return 1;
}

size_t irc_list_item(const char *s, const char *end)
{
	const char *comma = memchr(s, ',', end - s);
	return (comma ? comma : end) - s;
}

int irc_room_seen(uint16_t c, const char *s, size_t len, char *name)
{
	if (!irc_channel(s, len, name))
		return -1;
	pthread_mutex_lock(&chat_mu);
	int r = room_find(name);
	r = r >= 0 && room_shown(r, c) ? rooms[r].secret : -1;
	pthread_mutex_unlock(&chat_mu);
	return r;
}

/* c's room of that name, or -1 (c's own places: its worker's to change). */
static int my_room(uint16_t c, const char *name)
{
	for (unsigned i = 0; i < IRC_CHANNELS_MAX; i++) {
		int r = room_irc_room(c, i);
		if (r >= 0 && strcmp(rooms[r].name, name) == 0)
			return r;
	}
	return -1;
}

static enum door_step join(uint16_t c, const struct irc_msg *m, struct ireply *r)
{
	char name[ROOM_MAX + 1];
	const char *s = m->param[0], *end = s + m->param_len[0];

	if (m->param_len[0] == 1 && s[0] == '0') {      /* JOIN 0: part all */
		for (unsigned i = 0; i < IRC_CHANNELS_MAX; i++) {
			int rm = room_irc_room(c, i);
			if (rm >= 0 && chat_irc_part(c, rooms[rm].name, NULL, 0, r->wake) == IRC_DEFER)
				return DOOR_DEFER;
		}
		return DOOR_DONE;
	}
	while (s < end) {
		size_t len = irc_list_item(s, end);
		if (!irc_channel(s, len, name)) {
			ir_num(r, "403", "%.*s :No such channel", (int)len, s);
		} else {
			switch (chat_irc_join(c, name, r->wake)) {
			case IRC_DEFER:
				return DOOR_DEFER;     /* rooms joined stay joined */
			case IRC_OK:
				ir_end(r);              /* after its JOIN */
				irc_names(c, r, name, 1);
				break;
			case IRC_TOO_MANY:
				ir_num(r, "405", "#%s :You have joined too many channels", name);
				break;
			case IRC_ROOM_LIMIT:
				ir_num(r, "479", "#%s :Cannot join channel (room table full)",
				       name);
				break;
			default:
				break;  /* already there: nothing */
			}
		}
		s += len + 1;
	}
	return DOOR_DONE;
}

static enum door_step part(uint16_t c, const struct irc_msg *m, struct ireply *r)
{
	char name[ROOM_MAX + 1], reason[LINE_BUF];
	const char *s = m->param[0], *end = s + m->param_len[0];
	size_t rlen = irc_reason(m, 1, reason);

	while (s < end) {
		size_t len = irc_list_item(s, end);
		enum irc_result res = IRC_NOT_IN;
		if (irc_channel(s, len, name) && (res = chat_irc_part(c, name, reason, rlen, r->wake)) == IRC_DEFER)
			return DOOR_DEFER;
		if (res == IRC_NOT_IN && irc_room_seen(c, s, len, name) >= 0)
			ir_num(r, "442", "#%s :You're not on that channel", name);
		else if (res == IRC_NOT_IN)
			ir_num(r, "403", "%.*s :No such channel", (int)len, s);
		s += len + 1;
	}
	return DOOR_DONE;
}

/* PRIVMSG and NOTICE: to #room (a room message or, for CTCP ACTION, /me),
 * or to a nick (a private message). NOTICE never gets an error back. */
static enum door_step message(uint16_t c, const struct irc_msg *m, struct ireply *r, int notice)
{
	char text[LINE_BUF], name[ROOM_MAX + 1];
	struct action a;
	int action = 0;

	if (m->nparams < 1) {
		if (!notice)
			ir_num(r, "411", ":No recipient given (PRIVMSG)");
		return DOOR_DONE;
	}
	if (m->nparams < 2 || m->param_len[1] == 0) {
		if (!notice)
			ir_num(r, "412", ":No text to send");
		return DOOR_DONE;
	}
	size_t n = irc_strip_format(m->param[1], m->param_len[1], text);
	const char *t = text;
	if (n >= 8 && memcmp(t, "\001ACTION ", 8) == 0) {
		action = 1;
		t += 8;
		n -= 8;
		if (n && t[n - 1] == '\001')
			n--;
	} else if (n && t[0] == '\001') {
		return DOOR_DONE;       /* other CTCP requests: natter has none */
	}
	if (text_check(t, n) != TEXT_OK) {
		if (!notice)
			chat_error(c, text_check(t, n) == TEXT_BAD_UTF8 ? ERR_BAD_UTF8 : ERR_BAD_CHAR,
				   r->wake);
		return DOOR_DONE;
	}
	size_t sp = 0;
	while (sp < n && t[sp] == ' ')
		sp++;
	if (sp == n)
		return DOOR_DONE;       /* only spaces: ignored, as natter does */
	memset(&a, 0, sizeof a);
	a.text = t;
	a.text_len = n;
	if (m->param[0][0] == '#') {
		int rm = irc_channel(m->param[0], m->param_len[0], name) ? my_room(c, name) : -1;
		if (rm < 0) {
			if (!notice)
				ir_num(r, "404", "%.*s :Cannot send to channel", P(0));
			return DOOR_DONE;
		}
		return chat_say_in(c, rm, &a, action, notice && !action, r->wake) == CHAT_DEFER ?
		       DOOR_DEFER : DOOR_DONE;
	}
	char me[LINE_BUF + NICK_MAX + 4];
	if (action) {           /* natter has no private /me: said in words */
		n = snprintf(me, sizeof me, "* %s %.*s", conns[c].nick, (int)n, t);
		a.text = me;
		a.text_len = n < LINE_MAX_CONTENT ? n : LINE_MAX_CONTENT;
		a.text_len = utf8_fit(me, n, a.text_len);
	}
	if (notice) {           /* NOTICE to no one: dropped without a word */
		pthread_mutex_lock(&chat_mu);
		int there = nick_find(m->param[0], m->param_len[0]) != CONN_NONE;
		pthread_mutex_unlock(&chat_mu);
		if (!there)
			return DOOR_DONE;
	}
	a.kind = ACT_MSG;
	a.arg = m->param[0];
	a.arg_len = m->param_len[0];
	return chat_handle(c, &a, r->wake) == CHAT_DEFER ? DOOR_DEFER : DOOR_DONE;
}

/* The commands, in the order of their names in irc_command's table: up to
 * C_OPER, those that need a parameter (OPER two), or 461. */
enum irc_cmd {
	C_JOIN, C_PART, C_WHOIS, C_MODE, C_TOPIC, C_ISON, C_USERHOST, C_OPER,
	C_PRIVMSG, C_NOTICE, C_NAMES, C_WHO, C_LUSERS, C_MOTD, C_AWAY, C_USER, C_PASS, C_COUNT
};

enum door_step irc_command(uint16_t c, const struct irc_msg *m, unsigned *wake)
{
	static const char *const cmds[C_COUNT] = {
		"JOIN", "PART", "WHOIS", "MODE", "TOPIC", "ISON", "USERHOST", "OPER",
		"PRIVMSG", "NOTICE", "NAMES", "WHO", "LUSERS", "MOTD", "AWAY", "USER", "PASS",
	};
	struct ireply r;
	enum door_step st = DOOR_DONE;
	/* PRIVMSG first: it is the command of nearly every line. */
	unsigned i = irc_is(m, cmds[C_PRIVMSG]) ? C_PRIVMSG : 0;

	while (i < C_COUNT && !irc_is(m, cmds[i]))
		i++;
	ir_start(&r, c, wake);
	if (i <= C_OPER && m->nparams < 1u + (i == C_OPER)) {
		ir_num(&r, "461", "%s :Not enough parameters", cmds[i]);
		ir_end(&r);
		return DOOR_DONE;
	}
	switch (i) {
	case C_JOIN: st = join(c, m, &r); break;
	case C_PART: st = part(c, m, &r); break;
	case C_WHOIS: irc_whois(c, m, &r); break;
	case C_MODE: st = irc_mode(c, m, &r); break;
	case C_TOPIC:
		if (m->nparams == 1)
			ir_num(&r, "331", "%.*s :No topic is set", P(0));
		else
			ir_num(&r, "482", "%.*s :natter rooms have no topic", P(0));
		break;
	case C_ISON: irc_ison(m, &r, 0); break;
	case C_USERHOST: irc_ison(m, &r, 1); break;
	case C_OPER: irc_oper_login(c, m, &r); break;
	case C_PRIVMSG: st = message(c, m, &r, 0); break;
	case C_NOTICE: st = message(c, m, &r, 1); break;
	case C_NAMES: irc_names_list(c, m, &r); break;
	case C_WHO: irc_who(c, m, &r); break;
	case C_LUSERS: irc_lusers(&r); break;
	case C_MOTD: ir_num(&r, "422", ":MOTD File is missing"); break;
	case C_AWAY: {
		int away = m->nparams > 0 && m->param_len[0] > 0;
		irc_set_umode(c, (irc_umode[c] & ~IRC_UMODE_AWAY) | away);
		if (away)
			ir_num(&r, "306", ":You have been marked as being away");
		else
			ir_num(&r, "305", ":You are no longer marked as being away");
		break;
	}
	case C_USER: case C_PASS: ir_num(&r, "462", ":You may not reregister"); break;
	default: ir_num(&r, "421", "%.*s :Unknown command", (int)m->cmd_len, m->cmd);
	}
	ir_end(&r);
	return st;
}
