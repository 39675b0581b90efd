/* MODE, for a user (+i, -o) or a room (+s, +v NICK by its opener), and
 * OPER, which makes natterd's operator (user mode o). */
#include "door/irc.h"
#include "core/chat.h"
#include "core/conn.h"
#include "core/room.h"
#include "util/text.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define P(i) (int)m->param_len[i], m->param[i]
#define P_(i) m->param[i], m->param_len[i]

/* c's own modes: others' WHO and WHOIS read them under chat_mu. */
void irc_set_umode(uint16_t c, unsigned modes)
{
	pthread_mutex_lock(&chat_mu);
	irc_umode[c] = modes;
	pthread_mutex_unlock(&chat_mu);
}

/* MODE #room [CHANGES [NICK...]]: the room's modes (324), or up to
 * IRC_MODES_MAX changes by its opener: +s/-s (secret), +v/-v NICK
 * (voice). A list of bans (`b` alone) is always empty; the opener's @ is
 * not given or taken (+o/-o: 482). */
static enum door_step chan_mode(uint16_t c, const struct irc_msg *m, struct ireply *r)
{
	char name[ROOM_MAX + 1];
	int secret = irc_room_seen(c, P_(0), name);
	struct irc_change ch = { .sign = '+', .next = 2 };

	if (secret < 0) {
		ir_num(r, "403", "%.*s :No such channel", P(0));
		return DOOR_DONE;
	}
	if (m->nparams == 1)
		ir_num(r, "324", "#%s +%s", name, secret ? "s" : "");
	while (irc_chanmode_next(m, &ch)) {
		char f = ch.letter;
		const char *nick = ch.arg;
		size_t nl = ch.arg_len;
		enum irc_result res = IRC_OK;
		if (f == 'b' && !nl)
			ir_num(r, "368", "#%s :End of channel ban list", name);
		else if (f == 'o')
			ir_num(r, "482", "#%s :Only the room's opener is @", name);
		else if (f == 'v' && !nl)
			ir_num(r, "461", "%s :Not enough parameters", "MODE");
		else if (f == 's' || f == 'v')
			res = chat_irc_mode(c, name, ch.sign, f, nick, nl, r->wake);
		else
			ir_num(r, "472", "%c :is unknown mode char to me", f);
		if (res == IRC_DEFER)
			return DOOR_DEFER;
		if (res == IRC_NOT_OP)
			ir_num(r, "482", "#%s :You're not channel operator", name);
		if (res == IRC_NO_NICK)
			ir_num(r, "401", "%.*s :No such nick/channel", (int)nl, nick);
		if (res == IRC_NOT_THERE)
			ir_num(r, "441", "%.*s #%s :They aren't on that channel", (int)nl, nick, name);
	}
	return DOOR_DONE;
}

enum door_step irc_mode(uint16_t c, const struct irc_msg *m, struct ireply *r)
{
	if (m->param[0][0] == '#')
		return chan_mode(c, m, r);
	int to = m->nparams > 1 ? irc_umode_apply(m->param[1], m->param_len[1], irc_umode[c]) :
		 irc_umode[c];
	if (!ascii_caseeq(m->param[0], m->param_len[0], conns[c].nick, strlen(conns[c].nick)))
		ir_num(r, "502", ":Cannot change mode for other users");
	else if (to < 0)
		ir_num(r, "501", ":Unknown MODE flag");
	else {          /* a change, or a query: c's modes as they now are */
		irc_set_umode(c, to);
		ir_num(r, "221", "+%s%s", to & IRC_UMODE_INVISIBLE ? "i" : "",
		       to & IRC_UMODE_OPER ? "o" : "");
	}
	return DOOR_DONE;
}

/* OPER NAME PASSWORD: natterd's operator, if --irc-oper named one: marked
 * in WHO (`*`) and WHOIS (313), and sees every user in WHO, +i or not. */
void irc_oper_login(uint16_t c, const struct irc_msg *m, struct ireply *r)
{
	char given[2 * IRC_LINE_MAX];
	unsigned diff = 1;

	if (!irc_oper) {
		ir_num(r, "491", ":No O-lines for your host");
		return;
	}
	size_t n = snprintf(given, sizeof given, "%.*s:%.*s", P(0), P(1));
	if (n == strlen(irc_oper)) {     /* the same time for any wrong byte */
		diff = 0;
		for (size_t i = 0; i < n; i++)
			diff |= (unsigned char)(given[i] ^ irc_oper[i]);
	}
	if (diff) {
		ir_num(r, "464", ":Password incorrect");
		return;
	}
	irc_set_umode(c, irc_umode[c] | IRC_UMODE_OPER);
	ir_num(r, "381", ":You are now an IRC operator");
}
