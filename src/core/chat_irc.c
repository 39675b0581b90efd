/* The chat of a connection in several rooms (the IRC door): claiming a
 * nick before any room, joining and parting rooms one by one, a nick
 * change and a leave told in each of its rooms, a room's modes. Same locks as chat.c:
 * chat_mu, then room locks in index order. An IRC connection's own
 * queue is pushed under its one room's lock while it is in one, and in
 * turns otherwise (core/conn.h); joins and parts keep irc_solo true. */
#include "core/chat.h"
#include "core/chat_int.h"
#include "core/conn.h"
#include "core/deliver.h"
#include "core/pool.h"
#include "core/room.h"
#include "door/irc.h"
#include <stdlib.h>
#include <string.h>

enum irc_result chat_irc_claim(uint16_t c, const char *nick, size_t len)
{
	struct conn *k = &conns[c];
	enum irc_result res = IRC_OK;

	pthread_mutex_lock(&chat_mu);
	uint16_t holder = nick_find(nick, len);
	if (holder != CONN_NONE && holder != c) {
		res = IRC_TAKEN;
	} else {
		if (k->nick[0])
			nick_del(c);
		memcpy(k->nick, nick, len);
		k->nick[len] = '\0';
		nick_add(c);
	}
	pthread_mutex_unlock(&chat_mu);
	return res;
}

/* c's rooms, in index order (the lock order). */
static unsigned rooms_of(uint16_t c, int *out)
{
	unsigned n = 0;
	for (unsigned i = 0; i < IRC_CHANNELS_MAX; i++)
		if (room_irc_room(c, i) >= 0)
			out[n++] = room_irc_room(c, i);
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && out[j - 1] > out[j]; j--) {
			int t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

/* After c left a room (chat_mu and that room's lock held, its echo
 * queued): its one room left becomes its queue's lock, or none does. The
 * lock of a solo room that c leaves is held; a room that becomes c's solo
 * room needs none, as its producers already took turns (core/conn.h). */
static void solo_update(uint16_t c)
{
	int rs[IRC_CHANNELS_MAX];
	uint16_t solo = rooms_of(c, rs) == 1 ? (uint16_t)rs[0] : CONN_NONE;
	if (atomic_load(&conns[c].irc_solo) != solo)
		conn_set_solo(c, solo);
}

/* Locks c's rooms; 0 (and nothing locked) if one cannot take an event. */
static int lock_all(uint16_t c, const int *rs, unsigned n, unsigned *wake)
{
	unsigned i;
	for (i = 0; i < n; i++)
		pthread_mutex_lock(&rooms[rs[i]].mu);
	for (i = 0; i < n; i++)
		if (deliver_check(rs[i], c, LINE_EVENT, wake) == DELIVER_DEFER)
			break;
	if (i == n)
		return 1;
	while (n-- > 0)
		pthread_mutex_unlock(&rooms[rs[n]].mu);
	return 0;
}

static void unlock_all(const int *rs, unsigned n)
{
	while (n-- > 0)
		pthread_mutex_unlock(&rooms[rs[n]].mu);
}

enum irc_result chat_irc_nick(uint16_t c, const char *nick, size_t len, unsigned *wake)
{
	struct conn *k = &conns[c];
	int rs[IRC_CHANNELS_MAX];
	enum irc_result res = IRC_OK;

	pthread_mutex_lock(&chat_mu);
	uint16_t holder = nick_find(nick, len);
	if (holder != CONN_NONE && holder != c) {
		pthread_mutex_unlock(&chat_mu);
		return IRC_TAKEN;
	}
	if (strlen(k->nick) == len && memcmp(k->nick, nick, len) == 0) {
		pthread_mutex_unlock(&chat_mu);
		return IRC_ALREADY;
	}
	unsigned n = rooms_of(c, rs);
	if (!lock_all(c, rs, n, wake)) {
		res = IRC_DEFER;
	} else {
		uint16_t m = msg_printf(1, "-- %s is now known as %.*s", k->nick, (int)len, nick);
		nick_del(c);
		memcpy(k->nick, nick, len);
		k->nick[len] = '\0';
		nick_add(c);
		if (m != MSG_NONE) {
			for (unsigned i = 0; i < n; i++)
				deliver_push(rs[i], m, c, wake);
			/* its own NICK, under a lock it holds (deliver.h) */
			deliver_one_in(c, n ? rs[0] : -1, m, LINE_EVENT, wake);
			msg_unref(m);
		}
		unlock_all(rs, n);
	}
	pthread_mutex_unlock(&chat_mu);
	return res;
}

enum irc_result chat_irc_join(uint16_t c, const char *name, unsigned *wake)
{
	enum irc_result res = IRC_OK;

	pthread_mutex_lock(&chat_mu);
	int r = room_find(name);
	if (r >= 0 && room_bit(r, c)) {
		pthread_mutex_unlock(&chat_mu);
		return IRC_ALREADY;
	}
	int places = 0;
	for (unsigned i = 0; i < IRC_CHANNELS_MAX; i++)
		places += room_irc_room(c, i) < 0;
	if (!places)
		res = IRC_TOO_MANY;
	else if (r < 0 && (r = room_create(name)) < 0)
		res = IRC_ROOM_LIMIT;
	if (res != IRC_OK) {
		pthread_mutex_unlock(&chat_mu);
		return res;
	}
	/* A connection in one room so far has that room's lock as its queue's
	 * (core/conn.h): it is taken too, in index order, to end that. */
	int solo = atomic_load(&conns[c].irc_solo);
	solo = solo == CONN_NONE ? -1 : solo;
	int lo = r, hi = -1;
	if (solo >= 0) {        /* not r: c is not in r (above) */
		lo = solo < r ? solo : r;
		hi = solo < r ? r : solo;
	}
	pthread_mutex_lock(&rooms[lo].mu);
	if (hi >= 0)
		pthread_mutex_lock(&rooms[hi].mu);
	if (deliver_check(r, c, LINE_EVENT, wake) == DELIVER_DEFER) {
		res = IRC_DEFER;
	} else {
		uint16_t m = msg_printf(1, "-- %s joined %s", conns[c].nick, name);
		/* Before r's producers can meet c: it is in two rooms now. */
		if (solo >= 0)
			conn_set_solo(c, CONN_NONE);
		room_irc_add(r, c);
		if (places == IRC_CHANNELS_MAX)
			conn_set_solo(c, (uint16_t)r);  /* its first room */
		if (m != MSG_NONE) {
			deliver_push(r, m, c, wake);
			deliver_one_in(c, r, m, LINE_EVENT, wake);      /* its own JOIN */
			msg_unref(m);
		}
	}
	if (hi >= 0)
		pthread_mutex_unlock(&rooms[hi].mu);
	pthread_mutex_unlock(&rooms[lo].mu);
	room_free_if_empty(r);          /* a deferred join into a new room */
	pthread_mutex_unlock(&chat_mu);
	return res;
}

/* c leaves room r (chat_mu held); `how` NULL: untold, no echo. */
static enum irc_result part(uint16_t c, int r, const char *how, int echo,
			    const char *reason, size_t reason_len, unsigned *wake)
{
	enum irc_result res = IRC_OK;

	pthread_mutex_lock(&rooms[r].mu);
	if (how && deliver_check(r, c, LINE_EVENT, wake) == DELIVER_DEFER) {
		res = IRC_DEFER;
	} else {
		room_irc_remove(r, c);
		uint16_t m = how ? msg_printf(1, "-- %s %s", conns[c].nick, how) : MSG_NONE;
		uint16_t irc = reason_len ? irc_said_form(conns[c].nick, "PART", rooms[r].name,
							  reason, reason_len) : MSG_NONE;
		if (m != MSG_NONE) {
			deliver_push_as(r, m, irc, c, wake);
			if (echo)
				deliver_one_in(c, r, irc != MSG_NONE ? irc : m, LINE_EVENT, wake);
			msg_unref(m);
		}
		if (irc != MSG_NONE)
			msg_unref(irc);
		solo_update(c);
	}
	pthread_mutex_unlock(&rooms[r].mu);
	room_free_if_empty(r);
	return res;
}

enum irc_result chat_irc_part(uint16_t c, const char *name, const char *reason,
			      size_t reason_len, unsigned *wake)
{
	char how[ROOM_MAX + 8];

	pthread_mutex_lock(&chat_mu);
	int r = room_find(name);
	enum irc_result res = IRC_NOT_IN;
	if (r >= 0 && room_bit(r, c)) {
		strcpy(how, "left ");
		strcat(how, name);
		res = part(c, r, how, 1, reason, reason_len, wake);
	}
	pthread_mutex_unlock(&chat_mu);
	return res;
}

enum chat_result chat_irc_leave(uint16_t c, const char *how, unsigned *wake)
{
	int rs[IRC_CHANNELS_MAX];
	enum chat_result res = CHAT_OK;

	pthread_mutex_lock(&chat_mu);
	unsigned n = rooms_of(c, rs);
	for (unsigned i = 0; i < n && res == CHAT_OK; i++)
		if (part(c, rs[i], how, 0, NULL, 0, wake) == IRC_DEFER)
			res = CHAT_DEFER;       /* the rooms left stay left */
	if (res == CHAT_OK)
		nick_del(c);    /* harmless if it holds none */
	pthread_mutex_unlock(&chat_mu);
	return res;
}

enum irc_result chat_irc_mode(uint16_t c, const char *name, char sign, char mode,
			      const char *nick, size_t len, unsigned *wake)
{
	enum irc_result res = IRC_OK;
	uint16_t k = CONN_NONE;
	unsigned bit = 1;       /* the secret flag's, or k's in conns[k].voice */

	pthread_mutex_lock(&chat_mu);
	int r = room_find(name);
	if (r < 0 || rooms[r].op != c)  /* an op is in its room: it sees it */
		res = IRC_NOT_OP;
	else if (mode == 'v' && (k = nick_find(nick, len)) == CONN_NONE)
		res = IRC_NO_NICK;
	else if (mode == 'v' && !(bit = room_bit(r, k)))
		res = IRC_NOT_THERE;
	if (res != IRC_OK) {
		pthread_mutex_unlock(&chat_mu);
		return res;
	}
	uint8_t *flags = k != CONN_NONE ? &conns[k].voice : &rooms[r].secret;
	uint8_t to = sign == '+' ? *flags | bit : *flags & ~bit;
	pthread_mutex_lock(&rooms[r].mu);
	if (to == *flags) {
		/* no change: nothing to tell */
	} else if (deliver_check(r, CONN_NONE, LINE_EVENT, wake) == DELIVER_DEFER) {
		res = IRC_DEFER;
	} else {                /* told to its IRC members only, c included */
		uint16_t m = msg_printf(1, ":%s!%s@natter MODE #%s %c%c%s%s\r", conns[c].nick,
					conns[c].nick, name, sign, mode, k != CONN_NONE ? " " : "",
					k != CONN_NONE ? conns[k].nick : "");
		*flags = to;
		if (m != MSG_NONE) {
			deliver_push_irc(r, m, wake);
			msg_unref(m);
		}
	}
	pthread_mutex_unlock(&rooms[r].mu);
	pthread_mutex_unlock(&chat_mu);
	return res;
}
