/* The commands that answer with what the server knows, each reply made
 * and queued whole: /who, /rooms, /stats, /help and /history, and the
 * queue room a reply needs before it is made. Long lists are split into
 * lines of at most OUT_LINE_MAX bytes. */
#include "core/chat_int.h"
#include "core/conn.h"
#include "core/deliver.h"
#include "core/history.h"
#include "core/pool.h"
#include "core/room.h"
#include "util/sort.h"
#include "util/text.h"
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WHO_PREFIX_MAX (sizeof "= who: : " + ROOM_MAX)
#define LINE_ROOM (OUT_LINE_MAX - 1)    /* bytes of a line before its LF */

static uint16_t sort_buf[MAX_CONNS > MAX_ROOMS ? MAX_CONNS : MAX_ROOMS];  /* under chat_mu */

static int by_nick(uint16_t a, uint16_t b)
{
	return ascii_casecmp(conns[a].nick, conns[b].nick) < 0;
}

static int by_room(uint16_t a, uint16_t b)
{
	return strcmp(rooms[a].name, rooms[b].name) < 0;
}

/* Lines of one reply, split so each stays within OUT_LINE_MAX. */
struct reply {
	uint16_t lines[OUTQ_LEN];
	unsigned n;
	char buf[OUT_LINE_MAX];
	size_t len, prefix_len;
	int failed;
};

static void reply_start(struct reply *rp, const char *prefix)
{
	rp->n = 0;
	rp->failed = 0;
	rp->prefix_len = rp->len = snprintf(rp->buf, sizeof rp->buf, "%s", prefix);
}

static void reply_cut(struct reply *rp)
{
	if (rp->n == OUTQ_LEN - OUTQ_EVENT_RESERVE) {
		rp->failed = 1;         /* more than a queue holds: cut short */
		return;
	}
	uint16_t m = msg_printf(1, "%.*s", (int)rp->len, rp->buf);
	if (m == MSG_NONE)
		rp->failed = 1;
	else
		rp->lines[rp->n++] = m;
	rp->len = rp->prefix_len;
}

/* Adds " item" (or "item" first), starting a new line if it would not fit
 * with `tail_room` bytes left for what ends the last line. */
static void reply_item(struct reply *rp, const char *item, size_t tail_room)
{
	size_t need = strlen(item) + 1;
	if (rp->len + need + tail_room > LINE_ROOM && rp->len > rp->prefix_len)
		reply_cut(rp);
	if (rp->len > rp->prefix_len)
		rp->buf[rp->len++] = ' ';
	memcpy(rp->buf + rp->len, item, need - 1);
	rp->len += need - 1;
}

static void reply_send(uint16_t c, struct reply *rp, unsigned *wake)
{
	reply_cut(rp);
	own_lock(c);
	for (unsigned i = 0; i < rp->n; i++)
		tell(c, rp->lines[i], wake);
	own_unlock(c);
}

static struct reply reply_scratch;      /* under chat_mu */

void chat_who(uint16_t c, unsigned *wake)
{
	struct reply *rp = &reply_scratch;
	char prefix[WHO_PREFIX_MAX + 8], tail[32];
	int r = conns[c].room;
	unsigned n = 0;

	pthread_mutex_lock(&chat_mu);
	for (uint16_t m = rooms[r].first; m != CONN_NONE; m = conns[m].member_next)
		sort_buf[n++] = m;
	for (uint32_t m = rooms[r].irc_first; m != IRCM_NONE; m = room_irc_next(m))
		sort_buf[n++] = IRCM_CONN(m);
	sort_indices(sort_buf, n, by_nick);
	snprintf(prefix, sizeof prefix, "= who: %s:", rooms[r].name);
	snprintf(tail, sizeof tail, " (%u %s)", n, users(n));
	reply_start(rp, prefix);
	rp->buf[rp->len++] = ' ';
	rp->prefix_len++;
	for (unsigned i = 0; i < n; i++)
		reply_item(rp, conns[sort_buf[i]].nick, i + 1 == n ? strlen(tail) : 0);
	memcpy(rp->buf + rp->len, tail, strlen(tail));
	rp->len += strlen(tail);
	reply_send(c, rp, wake);
	pthread_mutex_unlock(&chat_mu);
}

void chat_rooms(uint16_t c, unsigned *wake)
{
	struct reply *rp = &reply_scratch;
	char item[ROOM_MAX + 16];
	unsigned n = 0;

	pthread_mutex_lock(&chat_mu);
	for (int r = 0; r < MAX_ROOMS; r++)
		if (rooms[r].name[0] && rooms[r].count > 0 && room_shown(r, c))
			sort_buf[n++] = r;      /* a secret room: only to its members */
	sort_indices(sort_buf, n, by_room);
	reply_start(rp, "= rooms: ");
	for (unsigned i = 0; i < n; i++) {
		snprintf(item, sizeof item, "%s(%u)", rooms[sort_buf[i]].name, rooms[sort_buf[i]].count);
		reply_item(rp, item, 0);
	}
	reply_send(c, rp, wake);
	pthread_mutex_unlock(&chat_mu);
}

static unsigned rooms_with_people(void)
{
	unsigned n = 0;
	for (int r = 0; r < MAX_ROOMS; r++)
		n += rooms[r].name[0] && rooms[r].count > 0;
	return n;
}

void chat_stats(uint16_t c, unsigned *wake)
{
	pthread_mutex_lock(&chat_mu);
	uint16_t m = msg_printf(1, "= stats: uptime %lds, connections %u/%u, rooms %u, messages %lu",
				(long)chat_uptime(), conn_count(), conn_limit(),
				rooms_with_people(), chat_messages());
	tell_own(c, m, wake);
	pthread_mutex_unlock(&chat_mu);
}

void chat_help(uint16_t c, unsigned *wake)
{
	tell_own(c, msg_printf(1, "= help: /nick NAME, /join ROOM, /msg NICK TEXT, /me TEXT, "
			       "/who, /rooms, /history [N], /stats, /help, /quit [TEXT]; "
			       "other lines go to your room (start with // to send a /)"), wake);
}

/* Unrefs the first n lines of a reply that could not be sent whole. */
static void drop_lines(const uint16_t *lines, unsigned n)
{
	while (n-- > 0)
		msg_unref(lines[n]);
}

/* /history [N]: the room's last lines, then `= history: ROOM (N lines)`.
 * Built and queued under the room's lock, the lock every line of the room
 * is delivered under: the reply is a snapshot, and lines the room gets
 * meanwhile come after it. All or nothing: if c's queue or the pool has
 * no room for the whole reply, nothing is sent and c waits (the line is
 * read again later), as for any reply. */
enum chat_result chat_history(uint16_t c, const struct action *a, unsigned *wake)
{
	uint16_t lines[HISTORY_MAX + 1];
	int r = conns[c].room;
	struct tm tm;

	pthread_mutex_lock(&rooms[r].mu);
	unsigned kept = history_count(r);
	unsigned n = a->count && a->count < kept ? a->count : kept;
	if (deliver_space(c, LINE_MESSAGE) < n + 1) {
		if (atomic_load(&conns[c].wblocked))
			deliver_kill(c, wake);  /* not reading at all: cut */
		pthread_mutex_unlock(&rooms[r].mu);
		return CHAT_DEFER;
	}
	for (unsigned i = 0; i <= n; i++) {
		if (i == n) {
			lines[i] = msg_printf(0, "= history: %s (%u %s)", rooms[r].name, n,
					      n == 1 ? "line" : "lines");
		} else {
			const struct history_line *h = history_get(r, kept - n + i);
			time_t when = h->when;
			gmtime_r(&when, &tm);
			lines[i] = msg_printf(0, "= history: %04d-%02d-%02dT%02d:%02d:%02dZ %.*s",
					      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
					      tm.tm_min, tm.tm_sec, (int)h->len, h->text);
		}
		if (lines[i] == MSG_NONE) {
			drop_lines(lines, i);
			pthread_mutex_unlock(&rooms[r].mu);
			return CHAT_DEFER;      /* pool dry: wait like a message */
		}
	}
	for (unsigned i = 0; i <= n; i++)
		tell(c, lines[i], wake);        /* room checked above: none waits */
	pthread_mutex_unlock(&rooms[r].mu);
	return CHAT_OK;
}

/* Replies need queue space of their own; a client whose queue is that full
 * waits (it is reading slowly) or, if it does not read at all, is cut. */
int chat_reply_room(uint16_t c, const struct action *a, unsigned *wake,
		    enum chat_result *res)
{
	unsigned need = 1, per_line = LINE_ROOM / (NICK_MAX + 1);

	if (a->kind == ACT_WHO) {
		int r = conns[c].room;
		pthread_mutex_lock(&rooms[r].mu);
		need += rooms[r].count / per_line;
		pthread_mutex_unlock(&rooms[r].mu);
	}
	if (a->kind == ACT_ROOMS)
		need += MAX_ROOMS / per_line;
	if (need > OUTQ_LEN - OUTQ_EVENT_RESERVE)
		need = OUTQ_LEN - OUTQ_EVENT_RESERVE;   /* the reply is cut short */
	if (deliver_space(c, LINE_MESSAGE) >= need)
		return 1;
	if (atomic_load(&conns[c].wblocked))
		deliver_kill(c, wake);
	*res = CHAT_DEFER;
	return 0;
}
