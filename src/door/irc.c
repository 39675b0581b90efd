/* The IRC door: lines framed as the line door frames them (line.c),
 * parsed by irc_parse.c; registration (CAP, NICK, USER), PING/PONG and
 * QUIT here, the other commands in irc_cmd.c (queries: irc_query.c;
 * MODE and OPER: irc_mode.c). Per-slot state is static
 * and written only by the slot's worker. */
#include "door/irc.h"
#include "door/frame.h"
#include "core/chat.h"
#include "core/conn.h"
#include "core/deliver.h"
#include "core/pool.h"
#include "core/room.h"
#include "util/text.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
	REG_NICK = 1,           /* NICK given (and claimed) */
	REG_USER = 2,           /* USER given */
	REG_CAP = 4,            /* CAP negotiation open: registration waits */
	REG_DONE = 8,           /* welcomed */
	PINGED = 16,            /* a PING of ours is unanswered */
};
static uint8_t state[MAX_CONNS];
static int64_t opened_ms[MAX_CONNS];    /* registration deadline's start */
static int64_t pinged_ms[MAX_CONNS];
uint8_t irc_umode[MAX_CONNS];
const char *irc_oper;
unsigned irc_ping_s = IRC_PING_DEFAULT;

unsigned irc_modes(uint16_t c)
{
	return conns[c].door == DOOR_IRC ? irc_umode[c] : 0;
}
static char username[MAX_CONNS][IRC_USER_MAX + 1];
static char realname[MAX_CONNS][IRC_REAL_MAX + 1];

const char *irc_username(uint16_t c)
{
	return conns[c].door == DOOR_IRC && username[c][0] ? username[c] : conns[c].nick;
}

const char *irc_realname(uint16_t c)
{
	return conns[c].door == DOOR_IRC && realname[c][0] ? realname[c] : conns[c].nick;
}

/* USER name mode unused :real name. A username or real name that breaks
 * natter's text rules is not kept (the nick stands in for it). */
static void user(uint16_t c, const struct irc_msg *m, struct ireply *r)
{
	if (m->nparams < 4 || m->param_len[0] == 0 || m->param_len[3] == 0) {
		ir_num(r, "461", "%s :Not enough parameters", "USER");
		return;
	}
	size_t n = m->param_len[0];
	int ok = 1;
	for (size_t i = 0; i < n; i++) {
		char ch = m->param[0][i];
		ok &= (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
		      ch == '_' || ch == '-' || ch == '.' || ch == '~';
	}
	pthread_mutex_lock(&chat_mu);   /* WHO and WHOIS of others read them */
	if (ok) {
		n = n < IRC_USER_MAX ? n : IRC_USER_MAX;
		memcpy(username[c], m->param[0], n);
		username[c][n] = '\0';
	}
	n = utf8_fit(m->param[3], m->param_len[3], IRC_REAL_MAX);
	if (text_check(m->param[3], n) == TEXT_OK) {
		memcpy(realname[c], m->param[3], n);
		realname[c][n] = '\0';
	}
	pthread_mutex_unlock(&chat_mu);
	state[c] |= REG_USER;
}

uint16_t irc_form(uint16_t c, const char *room, uint16_t msg)
{
	struct msg *in = msg_at(msg);
	char t = in->text[0];

	if (t == ':' || (t >= 'A' && t <= 'Z')) {
		msg_ref(msg, 1);        /* made by this door: IRC already */
		return msg;
	}
	uint16_t out = msg_alloc(1);
	if (out == MSG_NONE)
		return MSG_NONE;
	struct msg *o = msg_at(out);
	const char *me = c != CONN_NONE && conns[c].nick[0] ? conns[c].nick : "*";
	size_t n = irc_render(in->text, in->len, room, me, chat_hostname(), o->text,
			      sizeof o->text);
	if (n == 0) {
		msg_unref(out);
		return MSG_NONE;
	}
	o->len = n;
	return out;
}

uint16_t irc_said_form(const char *nick, const char *cmd, const char *room,
		       const char *text, size_t len)
{
	uint16_t out = msg_alloc(1);

	if (out == MSG_NONE)
		return MSG_NONE;
	struct msg *o = msg_at(out);
	o->len = irc_said(nick, strlen(nick), cmd, 1, room, 0, text, len, o->text, sizeof o->text);
	if (o->len == 0) {
		msg_unref(out);
		return MSG_NONE;
	}
	return out;
}

void ir_start(struct ireply *r, uint16_t c, unsigned *wake)
{
	r->c = c;
	r->wake = wake;
	r->len = 0;
}

static void ir_flush(struct ireply *r)
{
	if (r->len == 0)
		return;
	/* A reply is never lost silently: a client that has no room for it
	 * (or a pool dry even of its reserve) is cut as too slow, as tell()
	 * does on the other doors. */
	uint16_t m = msg_alloc(1);
	if (m == MSG_NONE) {
		deliver_kill(r->c, r->wake);
	} else {
		memcpy(msg_at(m)->text, r->buf, r->len);
		msg_at(m)->len = r->len;
		if (deliver_one(r->c, m, LINE_EVENT, r->wake) == DELIVER_DEFER)
			deliver_kill(r->c, r->wake);
		msg_unref(m);
	}
	r->len = 0;
}

static void ir_vline(struct ireply *r, const char *head, const char *fmt, va_list ap)
{
	char line[IRC_LINE_MAX + 1];
	int h = snprintf(line, sizeof line, "%s", head);
	int n = vsnprintf(line + h, sizeof line - h, fmt, ap);
	size_t len = (size_t)h + n;
	if (len > IRC_LINE_MAX - 2)
		len = utf8_fit(line, len, IRC_LINE_MAX - 2);    /* never past 512 */
	if (r->len + len + 2 > sizeof r->buf)
		ir_flush(r);
	memcpy(r->buf + r->len, line, len);
	memcpy(r->buf + r->len + len, "\r\n", 2);
	r->len += len + 2;
}

void ir_num(struct ireply *r, const char *num, const char *fmt, ...)
{
	char head[128];
	const char *nick = conns[r->c].nick[0] && (state[r->c] & REG_NICK) ? conns[r->c].nick : "*";
	va_list ap;

	snprintf(head, sizeof head, ":%s %s %s ", chat_hostname(), num, nick);
	va_start(ap, fmt);
	ir_vline(r, head, fmt, ap);
	va_end(ap);
}

void ir_line(struct ireply *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ir_vline(r, "", fmt, ap);
	va_end(ap);
}

void ir_end(struct ireply *r)
{
	ir_flush(r);
}

/* A fresh slot: nobody can name it yet (its nick is not registered). */
static void irc_open(uint16_t c)
{
	line_open(c);
	room_irc_reset(c);
	state[c] = 0;
	irc_umode[c] = 0;
	username[c][0] = realname[c][0] = '\0';
	opened_ms[c] = 0;
	pinged_ms[c] = 0;
}

static void try_register(uint16_t c, unsigned *wake)
{
	if ((state[c] & (REG_NICK | REG_USER | REG_CAP | REG_DONE)) == (REG_NICK | REG_USER)) {
		state[c] |= REG_DONE;
		irc_welcome(c, wake);
	}
}

static enum door_step nick(uint16_t c, const struct irc_msg *m, unsigned *wake)
{
	struct ireply r;

	ir_start(&r, c, wake);
	if (m->nparams < 1 || m->param_len[0] == 0) {
		ir_num(&r, "431", ":No nickname given");
	} else if (!nick_valid(m->param[0], m->param_len[0])) {
		ir_num(&r, "432", "%.*s :Erroneous nickname", (int)m->param_len[0], m->param[0]);
	} else if (!(state[c] & REG_DONE)) {
		if (chat_irc_claim(c, m->param[0], m->param_len[0]) == IRC_TAKEN) {
			ir_num(&r, "433", "%.*s :Nickname is already in use",
			       (int)m->param_len[0], m->param[0]);
		} else {
			state[c] |= REG_NICK;
		}
	} else {
		switch (chat_irc_nick(c, m->param[0], m->param_len[0], wake)) {
		case IRC_DEFER: return DOOR_DEFER;
		case IRC_TAKEN:
			ir_num(&r, "433", "%.*s :Nickname is already in use",
			       (int)m->param_len[0], m->param[0]);
			break;
		default: break;
		}
	}
	ir_end(&r);
	try_register(c, wake);
	return DOOR_DONE;
}

static void cap(uint16_t c, const struct irc_msg *m, unsigned *wake)
{
	struct ireply r;
	const char *sub = m->nparams ? m->param[0] : "";
	size_t sl = m->nparams ? m->param_len[0] : 0;

	ir_start(&r, c, wake);
	if (ascii_caseeq(sub, sl, "LS", 2) || ascii_caseeq(sub, sl, "LIST", 4)) {
		if (!(state[c] & REG_DONE) && sl == 2)
			state[c] |= REG_CAP;
		ir_line(&r, ":%s CAP * %.*s :", chat_hostname(), (int)sl, sub);
	} else if (ascii_caseeq(sub, sl, "REQ", 3)) {
		if (!(state[c] & REG_DONE))
			state[c] |= REG_CAP;
		ir_line(&r, ":%s CAP * NAK :%.*s", chat_hostname(),
			m->nparams > 1 ? (int)m->param_len[1] : 0, m->nparams > 1 ? m->param[1] : "");
	} else if (ascii_caseeq(sub, sl, "END", 3)) {
		state[c] &= ~REG_CAP;
	} else {
		ir_num(&r, "410", "%.*s :Invalid CAP command", (int)sl, sub);
	}
	ir_end(&r);
	try_register(c, wake);
}

size_t irc_reason(const struct irc_msg *m, unsigned i, char *out)
{
	if (m->nparams <= i)
		return 0;
	size_t n = irc_strip_format(m->param[i], m->param_len[i], out);
	return text_check(out, n) == TEXT_OK ? n : 0;
}

static enum door_step quit(uint16_t c, const struct irc_msg *m, unsigned *wake)
{
	char how[LINE_BUF + 16] = "quit";
	char text[LINE_BUF];
	size_t n = irc_reason(m, 0, text);

	if (n)
		snprintf(how, sizeof how, "quit (%.*s)", (int)n, text);
	if (chat_leave(c, how, wake) == CHAT_DEFER)
		return DOOR_DEFER;
	struct ireply r;
	ir_start(&r, c, wake);
	ir_line(&r, "ERROR :Closing link: %s (%s)", conns[c].nick[0] ? conns[c].nick : "*", how);
	ir_end(&r);
	return DOOR_LEAVE;
}

/* One IRC line: parse, then registration or a command. */
static enum door_step handle(uint16_t c, const char *line, size_t len, unsigned *wake)
{
	struct irc_msg m;
	struct ireply r;

	if (irc_parse(line, len, &m) < 0)
		return DOOR_DONE;       /* an empty line: ignored, as IRC servers do */
	if (irc_is(&m, "PONG")) {
		state[c] &= ~PINGED;
		return DOOR_DONE;
	}
	if (irc_is(&m, "PING")) {
		ir_start(&r, c, wake);
		if (m.nparams == 0)
			ir_num(&r, "409", ":No origin specified");
		else
			ir_line(&r, ":%s PONG %s :%.*s", chat_hostname(), chat_hostname(),
				(int)m.param_len[0], m.param[0]);
		ir_end(&r);
		return DOOR_DONE;
	}
	if (irc_is(&m, "QUIT"))
		return quit(c, &m, wake);
	if (irc_is(&m, "NICK"))
		return nick(c, &m, wake);
	if (irc_is(&m, "CAP")) {
		cap(c, &m, wake);
		return DOOR_DONE;
	}
	if (state[c] & REG_DONE)
		return irc_command(c, &m, wake);
	ir_start(&r, c, wake);
	if (irc_is(&m, "USER")) {
		user(c, &m, &r);
	} else if (!irc_is(&m, "PASS")) {      /* natter has no passwords */
		ir_num(&r, "451", ":You have not registered");
	}
	ir_end(&r);
	try_register(c, wake);
	return DOOR_DONE;
}

static enum door_step irc_step(uint16_t c, unsigned *wake)
{
	struct linebuf *lb = line_cur();
	const char *line;
	size_t len;

	/* Replies need room of their own: a client that reads slowly waits. */
	if (deliver_space(c, LINE_MESSAGE) < IRC_REPLY_LINES) {
		if (atomic_load(&conns[c].wblocked))
			deliver_kill(c, wake);
		return DOOR_DEFER;
	}
	enum frame_result fr = frame_next(lb, &line, &len);
	if (fr == FRAME_MORE)
		return DOOR_MORE;
	if (fr == FRAME_TOO_LONG) {
		struct ireply r;
		ir_start(&r, c, wake);
		ir_num(&r, "417", ":Input line was too long");
		ir_end(&r);
		return DOOR_DONE;
	}
	enum door_step st = handle(c, line, len, wake);
	if (st == DOOR_DEFER)
		frame_unget(lb);
	return st;
}

int irc_tick(uint16_t c, int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];
	struct ireply r;
	int64_t ping_ms = irc_ping_s * 1000;

	if (!opened_ms[c])
		opened_ms[c] = now;
	if ((state[c] & PINGED) && k->last_input_ms >= pinged_ms[c])
		state[c] &= ~PINGED;    /* it spoke: alive */
	if ((!(state[c] & REG_DONE) && now - opened_ms[c] >= ping_ms / 2) ||
	    ((state[c] & PINGED) && now - pinged_ms[c] >= ping_ms)) {
		ir_start(&r, c, wake);
		ir_line(&r, "ERROR :Closing link: %s", state[c] & REG_DONE ?
			"ping timeout" : "registration timeout");
		ir_end(&r);
		return 1;
	}
	if (state[c] & PINGED)
		return 0;
	if (now - k->last_input_ms >= ping_ms) {
		state[c] |= PINGED;
		pinged_ms[c] = now;
		ir_start(&r, c, wake);
		ir_line(&r, "PING :%s", chat_hostname());
		ir_end(&r);
	}
	return 0;
}

const struct door_ops door_irc = {
	.name = "irc",
	.open = irc_open,
	.begin = line_begin,
	.space = line_space,
	.added = line_added,
	.step = irc_step,
	.end = line_end,
	.render = NULL,
};
