/* The queries of a registered IRC client, answered from the tables under
 * chat_mu: LUSERS, NAMES, WHO, WHOIS, ISON and USERHOST. Users of every
 * door are listed; an invisible (+i) user only to those who share a room
 * with it (and operators), a secret room's members only to its members. */
#include "door/irc.h"
#include "core/chat.h"
#include "core/conn.h"
#include "core/room.h"
#include <stdio.h>
#include <string.h>

#define NAMES_WIDTH 400         /* bytes of nicks on one 353 line */

/* 251 and 255. Invisible (+i) users are counted with the others: the
 * count says nothing of who they are. */
void irc_lusers(struct ireply *r)
{
	unsigned all = conn_count();

	ir_num(r, "251", ":There are %u users on 1 server", all);
	ir_num(r, "255", ":I have %u clients and 0 servers", all);
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
void irc_names(uint16_t c, struct ireply *r, const char *name, int end)
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
void irc_names_list(uint16_t c, const struct irc_msg *m, struct ireply *r)
{
	char name[ROOM_MAX + 1];
	const char *s = m->nparams ? m->param[0] : "*", *end = s + (m->nparams ? m->param_len[0] : 1);
	int all = end - s;

	while (s < end) {
		size_t len = irc_list_item(s, end);
		if (irc_channel(s, len, name))
			irc_names(c, r, name, 0);
		s += len + 1;
	}
	ir_num(r, "366", "%.*s :End of /NAMES list", all, end - all);
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
void irc_who(uint16_t c, const struct irc_msg *m, struct ireply *r)
{
	char name[ROOM_MAX + 1];
	const char *mask = m->nparams ? m->param[0] : "*";
	int mlen = m->nparams ? (int)m->param_len[0] : 1;
	int all = mlen == 1 && *mask == '0';
	struct who_acc a = { r, c, -1, 0, 0, all ? "*" : mask, all ? 1 : mlen };

	pthread_mutex_lock(&chat_mu);
	if (irc_channel(mask, mlen, name)) {
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

void irc_whois(uint16_t c, const struct irc_msg *m, struct ireply *r)
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

void irc_ison(const struct irc_msg *m, struct ireply *r, int userhost)
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
