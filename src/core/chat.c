#include "core/chat.h"
#include "core/chat_int.h"
#include "door/door.h"
#include "door/irc.h"
#include "core/conn.h"
#include "core/deliver.h"
#include "core/history.h"
#include "util/log.h"
#include "core/pool.h"
#include "core/room.h"
#include "util/text.h"
#include "util/testhook.h"
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct chat_settings settings;
atomic_ulong messages;
static unsigned long guest_seq;         /* under chat_mu */
static time_t started;


void chat_init(const struct chat_settings *s)
{
	settings = *s;
	started = time(NULL);
}

const char *chat_hostname(void)
{
	return settings.hostname;
}

unsigned long chat_uptime(void)
{
	return (unsigned long)(time(NULL) - started);
}

unsigned long chat_messages(void)
{
	return atomic_load(&messages);
}

/* Pushes an event line to c (in room r, whose lock the caller holds).
 * A line c has no room for even in the reserve is never dropped
 * silently: c is cut as too slow, and told so. */
void tell(uint16_t c, uint16_t msg, unsigned *wake)
{
	if (msg == MSG_NONE) {
		deliver_kill(c, wake);  /* the pool is dry even of its reserve */
		return;
	}
	if (deliver_one(c, msg, LINE_EVENT, wake) == DELIVER_DEFER)
		deliver_kill(c, wake);
	msg_unref(msg);
}

/* An event to room r, after deliver_check() said yes under r's lock. */
void announce(int r, uint16_t skip, uint16_t msg, unsigned *wake)
{
	if (msg == MSG_NONE)
		return;         /* pool dry even of its reserve: nothing to send */
	deliver_push(r, msg, skip, wake);
	msg_unref(msg);
}

static const char *error_text(enum proto_error e)
{
	switch (e) {
	case ERR_LINE_TOO_LONG: return "lines are at most 510 bytes; the line was dropped";
	case ERR_BAD_UTF8: return "the line is not valid UTF-8; it was dropped";
	case ERR_BAD_CHAR: return "control characters are not allowed; the line was dropped";
	case ERR_BAD_NICK: return "a nick is 1-16 of A-Z a-z 0-9 _ - and starts with a letter";
	case ERR_BAD_ROOM: return "a room is 1-16 of a-z 0-9 _ -";
	case ERR_ROOM_LIMIT: return "no more rooms can be made now";
	case ERR_UNKNOWN_COMMAND: return "unknown command; /help lists them";
	case ERR_TOO_SLOW: return "you did not read your messages; disconnected";
	case ERR_SHUTDOWN: return "the server is stopping";
	case ERR_IDLE: return "no input for too long; disconnected";
	default: return "error";
	}
}

void chat_tell(uint16_t c, uint16_t m, unsigned *wake)
{
	/* In no room: a one-room door between rooms has no other producers;
	 * an IRC connection's lock is deliver_one's to take. */
	if (conns[c].room == CONN_NONE) {
		if (m != MSG_NONE) {
			deliver_one(c, m, LINE_EVENT, wake);
			msg_unref(m);
		}
		return;
	}
	int r = conns[c].room;
	pthread_mutex_lock(&rooms[r].mu);
	tell(c, m, wake);
	pthread_mutex_unlock(&rooms[r].mu);
}

/* The lock that orders c's own queue: its room's. An IRC connection's
 * (its solo room's, or its turn) is taken by deliver_one itself
 * (irc_lock_own in core/deliver.c), so none is taken here for it. */
void own_lock(uint16_t c)
{
	if (conns[c].room != CONN_NONE)
		pthread_mutex_lock(&rooms[conns[c].room].mu);
}

void own_unlock(uint16_t c)
{
	if (conns[c].room != CONN_NONE)
		pthread_mutex_unlock(&rooms[conns[c].room].mu);
}

/* A reply to c, under the lock of its own queue. */
void tell_own(uint16_t c, uint16_t m, unsigned *wake)
{
	own_lock(c);
	tell(c, m, wake);
	own_unlock(c);
}

void chat_error(uint16_t c, enum proto_error e, unsigned *wake)
{
	chat_tell(c, msg_printf(1, "! %s: %s", proto_error_code(e), error_text(e)), wake);
}

void reply_error_fmt(uint16_t c, enum proto_error e, const char *fmt,
			    const char *arg, size_t len, unsigned *wake)
{
	char text[128];
	snprintf(text, sizeof text, fmt, (int)len, arg);
	tell_own(c, msg_printf(1, "! %s: %s", proto_error_code(e), text), wake);
}

enum chat_result chat_connect(uint16_t c, unsigned *wake)
{
	struct conn *k = &conns[c];
	enum chat_result res = CHAT_DEFER;

	if (k->door == DOOR_IRC)
		return CHAT_OK;         /* in no room until it registers and joins */
	pthread_mutex_lock(&chat_mu);
	pthread_mutex_lock(&rooms[LOBBY].mu);
	if (deliver_check(LOBBY, CONN_NONE, LINE_EVENT, wake) == DELIVER_OK) {
		do
			snprintf(k->nick, sizeof k->nick, "guest%lu", ++guest_seq);
		while (nick_find(k->nick, strlen(k->nick)) != CONN_NONE);
		nick_add(c);
		announce(LOBBY, CONN_NONE, msg_printf(1, "-- %s joined lobby", k->nick), wake);
		room_add_member(LOBBY, c);
		tell(c, msg_printf(1, "= welcome: natter/1 on %s; you are %s in lobby; /help for commands",
				   settings.hostname, k->nick), wake);
		res = CHAT_OK;
	}
	pthread_mutex_unlock(&rooms[LOBBY].mu);
	pthread_mutex_unlock(&chat_mu);
	return res;
}

enum chat_result chat_leave(uint16_t c, const char *how, unsigned *wake)
{
	struct conn *k = &conns[c];
	int r = k->room;

	if (k->door == DOOR_IRC)
		return chat_irc_leave(c, how, wake);
	if (r == CONN_NONE)
		return CHAT_OK;
	pthread_mutex_lock(&chat_mu);
	pthread_mutex_lock(&rooms[r].mu);
	if (how && deliver_check(r, c, LINE_EVENT, wake) == DELIVER_DEFER) {
		pthread_mutex_unlock(&rooms[r].mu);
		pthread_mutex_unlock(&chat_mu);
		return CHAT_DEFER;
	}
	room_remove_member(r, c);
	if (how)
		announce(r, CONN_NONE, msg_printf(1, "-- %s %s", k->nick, how), wake);
	pthread_mutex_unlock(&rooms[r].mu);
	room_free_if_empty(r);
	nick_del(c);
	k->room = CONN_NONE;
	pthread_mutex_unlock(&chat_mu);
	return CHAT_OK;
}

/* A message from c to its room, formatted once: `<nick> text` or `* nick text`. */
enum chat_result chat_say_in(uint16_t c, int r, const struct action *a, int action,
			     int notice, unsigned *wake)
{
	struct conn *k = &conns[c];
	uint16_t m = action ? msg_said(0, "* ", k->nick, " ", a->text, a->text_len) :
			      msg_said(0, "<", k->nick, "> ", a->text, a->text_len);
	if (m == MSG_NONE)
		return CHAT_DEFER;      /* pool dry: read no more from c for now */
	/* An IRC NOTICE is a message to natter, a NOTICE to IRC members. */
	uint16_t irc = notice ? irc_said_form(k->nick, "NOTICE", rooms[r].name, a->text,
					      a->text_len) : MSG_NONE;
	pthread_mutex_lock(&rooms[r].mu);
	enum deliver_result d = deliver_check(r, c, LINE_MESSAGE, wake);
	if (d == DELIVER_OK) {
		deliver_push_as(r, m, irc, c, wake);
		/* same lock: history order is delivery order */
		history_add(r, time(NULL), msg_at(m)->text, msg_at(m)->len - 1);
	}
	pthread_mutex_unlock(&rooms[r].mu);
	msg_unref(m);
	if (irc != MSG_NONE)
		msg_unref(irc);
	if (d == DELIVER_DEFER)
		return CHAT_DEFER;
	atomic_fetch_add(&messages, 1);
	if (!settings.quiet)
		log_message(rooms[r].name, k->nick, action, a->text, a->text_len);
	return CHAT_OK;
}

static enum chat_result private_msg(uint16_t c, const struct action *a, unsigned *wake)
{
	enum chat_result res = CHAT_OK;

	pthread_mutex_lock(&chat_mu);
	uint16_t to = nick_find(a->arg, a->arg_len);
	if (to == CONN_NONE) {
		pthread_mutex_unlock(&chat_mu);
		reply_error_fmt(c, ERR_NO_SUCH_NICK, "%.*s is not connected", a->arg, a->arg_len, wake);
		return CHAT_OK;
	}
	uint16_t m = msg_said(0, "*", conns[c].nick, "* ", a->text, a->text_len);
	if (m == MSG_NONE) {
		res = CHAT_DEFER;
	} else {
		own_lock(to);
		if (deliver_one(to, m, LINE_MESSAGE, wake) == DELIVER_DEFER)
			res = CHAT_DEFER;
		own_unlock(to);
		msg_unref(m);
	}
	pthread_mutex_unlock(&chat_mu);
	if (res == CHAT_OK)
		atomic_fetch_add(&messages, 1);
	return res;
}

static enum chat_result change_nick(uint16_t c, const struct action *a, unsigned *wake)
{
	struct conn *k = &conns[c];
	char old[NICK_MAX + 1];
	int r = k->room;

	pthread_mutex_lock(&chat_mu);
	uint16_t holder = nick_find(a->arg, a->arg_len);
	if (holder != CONN_NONE && holder != c) {
		pthread_mutex_unlock(&chat_mu);
		reply_error_fmt(c, ERR_NICK_TAKEN, "%.*s is already in use", a->arg, a->arg_len, wake);
		return CHAT_OK;
	}
	int same = strlen(k->nick) == a->arg_len && memcmp(k->nick, a->arg, a->arg_len) == 0;
	pthread_mutex_lock(&rooms[r].mu);
	if (!same && deliver_check(r, c, LINE_EVENT, wake) == DELIVER_DEFER) {
		pthread_mutex_unlock(&rooms[r].mu);
		pthread_mutex_unlock(&chat_mu);
		return CHAT_DEFER;
	}
	if (!same) {
		strcpy(old, k->nick);
		nick_del(c);
		memcpy(k->nick, a->arg, a->arg_len);
		k->nick[a->arg_len] = '\0';
		nick_add(c);
		announce(r, c, msg_printf(1, "-- %s is now known as %s", old, k->nick), wake);
	}
	tell(c, msg_printf(1, "= nick: you are now %s", k->nick), wake);
	pthread_mutex_unlock(&rooms[r].mu);
	pthread_mutex_unlock(&chat_mu);
	return CHAT_OK;
}

/* `= join: you are in ROOM (N users)`, under room r's lock. */
static void tell_joined(uint16_t c, int r, unsigned *wake)
{
	tell(c, msg_printf(1, "= join: you are in %s (%u %s)", rooms[r].name, rooms[r].count,
			   users(rooms[r].count)), wake);
}

static enum chat_result join(uint16_t c, const struct action *a, unsigned *wake)
{
	struct conn *k = &conns[c];
	char name[ROOM_MAX + 1];
	int old = k->room;

	ascii_lower_copy(name, a->arg, a->arg_len);
	pthread_mutex_lock(&chat_mu);
	int to = room_find(name);
	if (to == old) {
		pthread_mutex_lock(&rooms[old].mu);
		tell_joined(c, old, wake);
		pthread_mutex_unlock(&rooms[old].mu);
		pthread_mutex_unlock(&chat_mu);
		return CHAT_OK;
	}
	/* The room being left frees its slot first if it empties. */
	int frees_old = old != LOBBY && rooms[old].count == 1;
	if (to < 0 && rooms_in_use() >= MAX_ROOMS && !frees_old) {
		pthread_mutex_unlock(&chat_mu);
		reply_error_fmt(c, ERR_ROOM_LIMIT, "%.*s cannot be made: all rooms are in use",
				name, strlen(name), wake);
		return CHAT_OK;
	}
	/* Both rooms locked (in index order), so both announcements go out
	 * or, if either room must wait, neither does and nothing changes. */
	int first = to < 0 || old < to ? old : to, second = first == old ? to : old;
	pthread_mutex_lock(&rooms[first].mu);
	if (second >= 0)
		pthread_mutex_lock(&rooms[second].mu);
	int wait = deliver_check(old, c, LINE_EVENT, wake) == DELIVER_DEFER;
	if (to >= 0 && deliver_check(to, c, LINE_EVENT, wake) == DELIVER_DEFER)
		wait = 1;
	if (!wait) {
		room_remove_member(old, c);
		announce(old, CONN_NONE, msg_printf(1, "-- %s left %s", k->nick, rooms[old].name), wake);
	}
	if (second >= 0)
		pthread_mutex_unlock(&rooms[second].mu);
	pthread_mutex_unlock(&rooms[first].mu);
	if (wait) {
		pthread_mutex_unlock(&chat_mu);
		return CHAT_DEFER;
	}
	room_free_if_empty(old);
	if (to < 0)
		to = room_create(name);         /* cannot fail: checked above */
	/* Between the two locks c is in no room: it is only reachable through
	 * chat_mu, which is held throughout. */
	pthread_mutex_lock(&rooms[to].mu);
	announce(to, CONN_NONE, msg_printf(1, "-- %s joined %s", k->nick, name), wake);
	room_add_member(to, c);
	tell_joined(c, to, wake);
	pthread_mutex_unlock(&rooms[to].mu);
	pthread_mutex_unlock(&chat_mu);
	return CHAT_OK;
}

static enum chat_result quit(uint16_t c, const struct action *a, unsigned *wake)
{
	struct conn *k = &conns[c];
	char how[LINE_BUF + 8] = "quit";

	if (a->text_len)
		snprintf(how, sizeof how, "quit (%.*s)", (int)a->text_len, a->text);
	if (chat_leave(c, how, wake) == CHAT_DEFER)
		return CHAT_DEFER;
	/* c is in no room now: nobody else queues lines to it. */
	tell(c, msg_printf(1, "= bye: goodbye %s", k->nick), wake);
	return CHAT_CLOSE;
}

enum chat_result chat_handle(uint16_t c, const struct action *a, unsigned *wake)
{
	enum chat_result res = CHAT_OK;

	if (a->kind == ACT_IGNORE)
		return CHAT_OK;
	if (a->kind != ACT_SAY && a->kind != ACT_ME && !chat_reply_room(c, a, wake, &res))
		return res;
	if (a->kind == ACT_STATS)
		test_hook_pause(HOOK_STATS_PAUSE_US);   /* tests: others may fill c's queue */
	switch (a->kind) {
	case ACT_SAY: return chat_say_in(c, conns[c].room, a, 0, 0, wake);
	case ACT_ME: return chat_say_in(c, conns[c].room, a, 1, 0, wake);
	case ACT_MSG: return private_msg(c, a, wake);
	case ACT_NICK: return change_nick(c, a, wake);
	case ACT_JOIN: return join(c, a, wake);
	case ACT_WHO: chat_who(c, wake); break;
	case ACT_ROOMS: chat_rooms(c, wake); break;
	case ACT_STATS: chat_stats(c, wake); break;
	case ACT_HELP: chat_help(c, wake); break;
	case ACT_QUIT: return quit(c, a, wake);
	case ACT_HISTORY: return chat_history(c, a, wake);
	case ACT_ERROR:
		if (a->error == ERR_USAGE) {
			const char *u = proto_usage(a->command);
			reply_error_fmt(c, ERR_USAGE, "%.*s", u, strlen(u), wake);
			break;
		}
		chat_error(c, a->error, wake);
		break;
	case ACT_IGNORE: break;
	}
	return res;
}
