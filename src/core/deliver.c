#include "core/deliver.h"
#include "core/conn.h"
#include "core/pool.h"
#include "core/room.h"
#include "loop/worker.h"
#include "door/door.h"
#include "door/irc.h"

unsigned deliver_space(uint16_t c, enum line_class cls)
{
	unsigned cap = cls == LINE_EVENT ? OUTQ_LEN : OUTQ_LEN - OUTQ_EVENT_RESERVE;
	unsigned queued = conn_queued(&conns[c]);
	/* An IRC connection's queue is filled under up to IRC_CHANNELS_MAX
	 * room locks at once: each may have checked before another pushed. */
	if (conns[c].door == DOOR_IRC)
		queued += IRC_QUEUE_MARGIN;
	return queued >= cap ? 0 : cap - queued;
}

void deliver_kill(uint16_t c, unsigned *wake)
{
	unsigned char none = KILL_NONE;
	if (atomic_compare_exchange_strong(&conns[c].kill, &none, KILL_TOO_SLOW))
		worker_mark(c, wake);
}

/* Inlined: -Os otherwise makes it a call once it has a few callers, and
 * it is asked for every recipient of every line. */
static inline __attribute__((always_inline)) int live(uint16_t c)
{
	return !atomic_load_explicit(&conns[c].kill, memory_order_relaxed);
}

/* 1: c can take a line; 0: c is skipped (being cut); -1: wait. low:
 * pool_low(), asked once per line, not once per recipient. */
static int admit(uint16_t c, enum line_class cls, int low, unsigned *wake)
{
	if (!live(c))
		return 0;
	/* While the pool runs low, a client that is not taking its lines
	 * may hold no more than a fair share of it: slow readers must not
	 * pin the pool that everyone else needs. */
	if (low && atomic_load(&conns[c].wblocked) &&
	    conn_queued(&conns[c]) >= OUTQ_LOW_POOL) {
		deliver_kill(c, wake);
		return 0;
	}
	if (deliver_space(c, cls) > 0)
		return 1;
	/* Full queue and full socket: it is not reading. A full queue alone
	 * means its worker has not written it yet. */
	if (atomic_load(&conns[c].wblocked)) {
		deliver_kill(c, wake);
		return 0;
	}
	/* If that worker is this one, it writes the queue now, one big
	 * batch, rather than have the line wait and be made again. What the
	 * write leaves (a failure, a part) its flush sees in turn. */
	if (worker_owns(c)) {
		worker_write_full(c);
		worker_mark(c, wake);
		if (!atomic_load(&conns[c].wblocked) && deliver_space(c, cls) > 0)
			return 1;
	}
	return -1;
}

enum deliver_result deliver_check(int r, uint16_t skip, enum line_class cls,
				  unsigned *wake)
{
	int defer = 0, low = pool_low();
	for (uint16_t c = rooms[r].first; c != CONN_NONE; c = conns[c].member_next)
		if (c != skip && admit(c, cls, low, wake) < 0)
			defer = 1;      /* go on: cut every blocked member now */
	for (uint32_t n = rooms[r].irc_first; n != IRCM_NONE; n = room_irc_next(n))
		if (IRCM_CONN(n) != skip && admit(IRCM_CONN(n), cls, low, wake) < 0)
			defer = 1;
	return defer ? DELIVER_DEFER : DELIVER_OK;
}

/* How the holder of room r's lock pushes to IRC connection c (conn.h):
 * bare when r is c's solo room, else taking turns with c's other rooms.
 * Acquire: a room that just became c's solo room sees the pushes made
 * in turns before (conn_set_solo releases after taking the turn). */
static inline enum push_mode push_mode_in(uint16_t c, int r)
{
	return atomic_load_explicit(&conns[c].irc_solo, memory_order_acquire) == r ?
	       PUSH_BARE : PUSH_TURN;
}

/* For a producer that holds no room lock: takes the lock that orders IRC
 * connection c's queue, its solo room's (returned), or else its turn (-1).
 * irc_solo may change until one is held, so it is read again under it. */
static int irc_lock_own(uint16_t c)
{
	for (;;) {
		uint16_t s = atomic_load_explicit(&conns[c].irc_solo, memory_order_acquire);
		if (s == CONN_NONE)
			conn_turn_take(c);
		else
			pthread_mutex_lock(&rooms[s].mu);
		if (atomic_load_explicit(&conns[c].irc_solo, memory_order_acquire) == s)
			return s == CONN_NONE ? -1 : s;
		if (s == CONN_NONE)
			conn_turn_give(c);
		else
			pthread_mutex_unlock(&rooms[s].mu);
	}
}

static void irc_unlock_own(uint16_t c, int held)
{
	if (held < 0)
		conn_turn_give(c);
	else
		pthread_mutex_unlock(&rooms[held].mu);
}

/* IRC members get the IRC form of the line: `given`, or one made once for
 * all of them. Their references are taken in one add before the first
 * push, as the other members' are (deliver_push_as). A subtraction after
 * the pushes would meet the line's count while the recipients' workers
 * are releasing it (a cache line pulled from the other CPU, 2.5% of a
 * mixed room's samples), so the count is the room's, less the sender:
 * only members being cut are given back after. */
static void push_irc(int r, uint16_t msg, uint16_t given, uint16_t skip,
		     struct mark_batch *marks, unsigned *wake)
{
	unsigned n = rooms[r].irc_count;

	if (n && skip != CONN_NONE && conns[skip].door == DOOR_IRC && room_bit(r, skip))
		n--;
	if (n == 0)
		return;
	uint16_t form = given;
	if (form == MSG_NONE && (form = irc_form(CONN_NONE, rooms[r].name, msg)) == MSG_NONE)
		return;         /* not a line IRC shows, or the pool is dry */
	/* A form made here comes with one reference: the first push's. */
	if (n - (given == MSG_NONE) > 0)
		msg_ref(form, n - (given == MSG_NONE));
	for (uint32_t i = rooms[r].irc_first; i != IRCM_NONE; i = room_irc_next(i)) {
		uint16_t c = IRCM_CONN(i);
		if (c == skip || !live(c))
			continue;
		conn_push(c, form, push_mode_in(c, r));
		mark_batch_add(marks, c, wake);
		n--;
	}
	/* Members cut meanwhile (the stall check runs without this lock). */
	if (n > 0)
		msg_unref_n(form, n);
}

void deliver_push_as(int r, uint16_t msg, uint16_t irc, uint16_t skip, unsigned *wake)
{
	struct mark_batch marks;
	unsigned n = 0;

	mark_batch_init(&marks);
	push_irc(r, msg, irc, skip, &marks, wake);
	for (uint16_t c = rooms[r].first; c != CONN_NONE; c = conns[c].member_next)
		n += c != skip && live(c);
	if (n == 0) {
		mark_batch_flush(&marks);
		return;
	}
	/* References first: a recipient's worker may write and drop its line
	 * as soon as it is pushed. */
	msg_ref(msg, n);
	for (uint16_t c = rooms[r].first; c != CONN_NONE; c = conns[c].member_next) {
		if (c == skip || !live(c))
			continue;
		conn_push(c, msg, PUSH_BARE);
		mark_batch_add(&marks, c, wake);
		n--;
	}
	mark_batch_flush(&marks);
	/* Members cut meanwhile (the stall check runs without this lock). */
	while (n-- > 0)
		msg_unref(msg);
}

void deliver_push_irc(int r, uint16_t irc, unsigned *wake)
{
	struct mark_batch marks;

	mark_batch_init(&marks);
	push_irc(r, MSG_NONE, irc, CONN_NONE, &marks, wake);
	mark_batch_flush(&marks);
}

void deliver_push(int r, uint16_t msg, uint16_t skip, unsigned *wake)
{
	deliver_push_as(r, msg, MSG_NONE, skip, wake);
}

enum deliver_result deliver_room(int r, uint16_t msg, uint16_t skip,
				 enum line_class cls, unsigned *wake)
{
	if (deliver_check(r, skip, cls, wake) == DELIVER_DEFER)
		return DELIVER_DEFER;
	deliver_push(r, msg, skip, wake);
	return DELIVER_OK;
}

enum deliver_result deliver_one_in(uint16_t c, int r, uint16_t msg,
				   enum line_class cls, unsigned *wake)
{
	int irc = conns[c].door == DOOR_IRC;
	int held = r;
	if (irc && r < 0)
		held = irc_lock_own(c);
	enum push_mode mode = !irc ? PUSH_BARE : r < 0 ? PUSH_BARE : push_mode_in(c, r);

	int ok = admit(c, cls, pool_low(), wake);
	if (ok > 0 && irc) {
		uint16_t form = irc_form(c, r >= 0 ? rooms[r].name : NULL, msg);
		if (form != MSG_NONE) {
			conn_push(c, form, mode);   /* its one reference is the queue's */
			worker_mark(c, wake);
		}
	} else if (ok > 0) {
		msg_ref(msg, 1);
		conn_push(c, msg, mode);
		worker_mark(c, wake);
	}
	if (irc && r < 0)
		irc_unlock_own(c, held);
	return ok < 0 ? DELIVER_DEFER : DELIVER_OK;
}

enum deliver_result deliver_one(uint16_t c, uint16_t msg,
				enum line_class cls, unsigned *wake)
{
	return deliver_one_in(c, -1, msg, cls, wake);
}
