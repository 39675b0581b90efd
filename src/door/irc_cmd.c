/* The commands of a registered IRC client: what natter has (JOIN, PART,
 * PRIVMSG, NOTICE, NICK through irc.c) maps onto the chat; the queries
 * (NAMES, WHO, WHOIS, LUSERS, TOPIC, ISON, USERHOST) are answered from
 * the tables (MODE and OPER: irc_mode.c); anything else is 421. */
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
#define NAMES_WIDTH 400         /* bytes of nicks on one 353 line */

/* 251 and 255. Invisible (+i) users are counted with the others: the
 * count says nothing of who they are. */
static void lusers(struct ireply *r)
{
	unsigned all = conn_count();

	ir_num(r, "251", ":There are %u users on 1 server", all);
	ir_num(r, "255", ":I have %u clients and 0 servers", all);
}

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
	lusers(&r);
	ir_num(&r, "422", ":MOTD File is missing");
	ir_end(&r);
}

/* "#room" in lower case into name, or 0 if it is not a natter room. */
static int channel(const char *s, size_t len, char *name)
{
	if (len < 2 || s[0] != '#' || !room_valid(s + 1, len - 1))
		return 0;
	ascii_lower_copy(name, s + 1, len - 1);
	return 1;
}

/* The length of the first item of a comma list. */
static size_t item(const char *s, const char *end)
{
	const char *comma = memchr(s, ',', end - s);
	return (comma ? comma : end) - s;
}

int irc_room_seen(uint16_t c, const char *s, size_t len, char *name)
{
	if (!channel(s, len, name))
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

static void member_nicks(int r, void (*each)(uint16_t m, void *arg), void *arg)
{
	for (uint16_t m = rooms[r].first; m != CONN_NONE; m = conns[m].member_next)
		each(m, arg);
	for (uint32_t n = rooms[r].irc_first; n != IRCM_NONE; n = room_irc_next(n))
		each(IRCM_CONN(n), arg);
}

/* m's sign in room r (PREFIX=(ov)@+): "@" for the member who opened it,
 * "+" for one it voiced, else "". Only the highest, as IRC shows a member
 * to a client that did not ask for multi-prefix. */
static const char *status_sign(int r, uint16_t m)
{
	if (r < 0)
		return "";
	return rooms[r].op == m ? "@" : conns[m].voice & room_bit(r, m) ? "+" : "";
}

struct names_acc {
	struct ireply *r;
	int room;
	char sym;               /* '=' or, for a secret room, '@' */
	char buf[NAMES_WIDTH + NICK_MAX + 3];
	size_t len;
};

static void names_one(uint16_t m, void *arg)
{
	struct names_acc *a = arg;
	const char *name = rooms[a->room].name;
	if (a->len + strlen(conns[m].nick) + 2 > NAMES_WIDTH) {
		ir_num(a->r, "353", "%c #%s :%.*s", a->sym, name, (int)a->len, a->buf);
		a->len = 0;
	}
	a->len += snprintf(a->buf + a->len, sizeof a->buf - a->len, "%s%s%s",
			   a->len ? " " : "", status_sign(a->room, m), conns[m].nick);
}

/* 353 for room `name` as c sees it, and 366 after it if `end`. */
static void names(uint16_t c, struct ireply *r, const char *name, int end)
{
	pthread_mutex_lock(&chat_mu);
	int rm = room_find(name);
	struct names_acc a = { r, rm, '=', "", 0 };
	if (rm >= 0 && rooms[rm].count > 0 && room_shown(rm, c)) {
		a.sym = rooms[rm].secret ? '@' : '=';
		member_nicks(rm, names_one, &a);
		if (a.len)
			ir_num(r, "353", "%c #%s :%.*s", a.sym, name, (int)a.len, a.buf);
	}
	pthread_mutex_unlock(&chat_mu);
	if (end)
		ir_num(r, "366", "#%s :End of /NAMES list", name);
}

/* NAMES #a,#b: the 353 lines of each room named, then one 366 naming
 * them all (as Modern IRC has it); without a room, 366 alone. */
static void names_list(uint16_t c, const struct irc_msg *m, struct ireply *r)
{
	char name[ROOM_MAX + 1];
	const char *s = m->nparams ? m->param[0] : "*", *end = s + (m->nparams ? m->param_len[0] : 1);
	int all = end - s;

	while (s < end) {
		size_t len = item(s, end);
		if (channel(s, len, name))
			names(c, r, name, 0);
		s += len + 1;
	}
	ir_num(r, "366", "%.*s :End of /NAMES list", all, end - all);
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
		size_t len = item(s, end);
		if (!channel(s, len, name)) {
			ir_num(r, "403", "%.*s :No such channel", (int)len, s);
		} else {
			switch (chat_irc_join(c, name, r->wake)) {
			case IRC_DEFER:
				return DOOR_DEFER;     /* rooms joined stay joined */
			case IRC_OK:
				ir_end(r);              /* after its JOIN */
				names(c, r, name, 1);
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
		size_t len = item(s, end);
		enum irc_result res = IRC_NOT_IN;
		if (channel(s, len, name) && (res = chat_irc_part(c, name, reason, rlen, r->wake)) == IRC_DEFER)
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
		int rm = channel(m->param[0], m->param_len[0], name) ? my_room(c, name) : -1;
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

/* k's j-th room (j < IRC_CHANNELS_MAX), or -1: a natter or web client's
 * one room is its 0th. */
static int nth_room(uint16_t k, unsigned j)
{
	if (conns[k].door == DOOR_IRC)
		return room_irc_room(k, j);
	return j == 0 && conns[k].room != CONN_NONE ? conns[k].room : -1;
}

/* Does c see m in a WHO by room or mask? Not if m is invisible (+i) and
 * shares no room with c, unless c is an operator. */
static int visible(uint16_t c, uint16_t m)
{
	if (!(irc_modes(m) & IRC_UMODE_INVISIBLE) || m == c || (irc_modes(c) & IRC_UMODE_OPER))
		return 1;
	for (unsigned i = 0; i < IRC_CHANNELS_MAX; i++)
		if (nth_room(m, i) >= 0 && room_bit(nth_room(m, i), c))
			return 1;
	return 0;
}

struct who_acc {
	struct ireply *r;
	uint16_t asker;
	int room;               /* the room asked for; -1: each user's first */
	unsigned shown;
	int named;              /* WHO nick: shown even if invisible */
	const char *mask;       /* WHO by mask or nick */
	int mlen;
};

static void who_one(uint16_t m, void *arg)
{
	struct who_acc *a = arg;
	int rm = a->room;
	unsigned md = irc_modes(m);

	for (unsigned j = 0; rm < 0 && j < IRC_CHANNELS_MAX; j++)
		if (nth_room(m, j) >= 0 && room_shown(nth_room(m, j), a->asker))
			rm = nth_room(m, j);    /* WHO by nick or mask: its first room c sees */

	if ((!a->named && !visible(a->asker, m)) || a->shown++ >= IRC_WHO_MAX)
		return;
	ir_num(a->r, "352", "%s%s %s natter %s %s %c%s%s :0 %s", rm >= 0 ? "#" : "",
	       rm >= 0 ? rooms[rm].name : "*", irc_username(m), chat_hostname(), conns[m].nick,
	       md & IRC_UMODE_AWAY ? 'G' : 'H', md & IRC_UMODE_OPER ? "*" : "", status_sign(rm, m),
	       irc_realname(m));
}

static void who_match(uint16_t k, void *arg)
{
	struct who_acc *a = arg;
	if (irc_mask_match(a->mask, a->mlen, conns[k].nick))
		who_one(k, a);
}

/* WHO #room, WHO nick (always answered), WHO mask (`*` and `?`; `0` is
 * `*`): users of any door. */
static void who(uint16_t c, const struct irc_msg *m, struct ireply *r)
{
	char name[ROOM_MAX + 1];
	const char *mask = m->nparams ? m->param[0] : "*";
	int mlen = m->nparams ? (int)m->param_len[0] : 1;
	int all = mlen == 1 && *mask == '0';
	struct who_acc a = { r, c, -1, 0, 0, all ? "*" : mask, all ? 1 : mlen };

	pthread_mutex_lock(&chat_mu);
	if (channel(mask, mlen, name)) {
		a.room = room_find(name);
		if (a.room >= 0 && room_shown(a.room, c))
			member_nicks(a.room, who_one, &a);
	} else {
		/* a nick asked for by name is shown, +i or not */
		a.named = !memchr(mask, '*', mlen) && !memchr(mask, '?', mlen) && !all;
		nick_each(who_match, &a);
	}
	pthread_mutex_unlock(&chat_mu);
	ir_num(r, "315", "%.*s :End of WHO list%s", mlen, mask,
	       a.shown > IRC_WHO_MAX ? " (cut short)" : "");
}

static void whois(uint16_t c, const struct irc_msg *m, struct ireply *r)
{
	const struct irc_msg *q = m;
	unsigned i = q->nparams > 1 ? 1 : 0;    /* WHOIS [server] nick */
	char chans[IRC_CHANNELS_MAX * (ROOM_MAX + 3) + 1] = "";

	pthread_mutex_lock(&chat_mu);
	uint16_t k = nick_find(q->param[i], q->param_len[i]);
	if (k == CONN_NONE || !conns[k].nick[0]) {
		ir_num(r, "401", "%.*s :No such nick/channel", (int)q->param_len[i], q->param[i]);
	} else {
		const char *n = conns[k].nick;
		ir_num(r, "311", "%s %s natter * :%s", n, irc_username(k), irc_realname(k));
		for (unsigned j = 0; j < IRC_CHANNELS_MAX; j++) {
			int rm = nth_room(k, j);
			if (rm >= 0 && room_shown(rm, c))
				snprintf(chans + strlen(chans), sizeof chans - strlen(chans), "%s%s#%s",
					 chans[0] ? " " : "", status_sign(rm, k), rooms[rm].name);
		}
		if (chans[0])
			ir_num(r, "319", "%s :%s", n, chans);
		ir_num(r, "312", "%s %s :natter", n, chat_hostname());
		if (irc_modes(k) & IRC_UMODE_OPER)
			ir_num(r, "313", "%s :is an IRC operator", n);
		if (irc_modes(k) & IRC_UMODE_AWAY)
			ir_num(r, "301", "%s :away", n);
	}
	pthread_mutex_unlock(&chat_mu);
	ir_num(r, "318", "%.*s :End of /WHOIS list", (int)q->param_len[i], q->param[i]);
}

static void ison(const struct irc_msg *m, struct ireply *r, int userhost)
{
	char out[IRC_LINE_MAX] = "";
	size_t len = 0;

	pthread_mutex_lock(&chat_mu);
	for (unsigned i = 0; i < m->nparams; i++) {
		const char *s = m->param[i], *end = s + m->param_len[i];
		while (s < end) {       /* ISON's trailing may hold several */
			const char *sp = memchr(s, ' ', end - s);
			size_t n = (sp ? sp : end) - s;
			uint16_t k = n ? nick_find(s, n) : CONN_NONE;
			if (k != CONN_NONE && conns[k].nick[0] && len + 2 * NICK_MAX + 16 < sizeof out)
				len += snprintf(out + len, sizeof out - len, userhost ?
						"%s%s=+%s@natter" : "%s%s", len ? " " : "",
						conns[k].nick, userhost ? conns[k].nick : "");
			s += n + 1;
		}
	}
	pthread_mutex_unlock(&chat_mu);
	ir_num(r, userhost ? "302" : "303", ":%s", out);
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
	unsigned i = 0;

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
	case C_WHOIS: whois(c, m, &r); break;
	case C_MODE: st = irc_mode(c, m, &r); break;
	case C_TOPIC:
		if (m->nparams == 1)
			ir_num(&r, "331", "%.*s :No topic is set", P(0));
		else
			ir_num(&r, "482", "%.*s :natter rooms have no topic", P(0));
		break;
	case C_ISON: ison(m, &r, 0); break;
	case C_USERHOST: ison(m, &r, 1); break;
	case C_OPER: irc_oper_login(c, m, &r); break;
	case C_PRIVMSG: st = message(c, m, &r, 0); break;
	case C_NOTICE: st = message(c, m, &r, 1); break;
	case C_NAMES: names_list(c, m, &r); break;
	case C_WHO: who(c, m, &r); break;
	case C_LUSERS: lusers(&r); break;
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
