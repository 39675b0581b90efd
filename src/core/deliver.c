#include "core/deliver.h"
#include "core/conn.h"
#include "core/pool.h"
#include "core/room.h"
#include "loop/worker.h"

unsigned deliver_space(uint16_t c, enum line_class cls)
{
	unsigned cap = cls == LINE_EVENT ? OUTQ_LEN : OUTQ_LEN - OUTQ_EVENT_RESERVE;
	unsigned queued = conn_queued(&conns[c]);
	return queued >= cap ? 0 : cap - queued;
}

void deliver_kill(uint16_t c, unsigned *wake)
{
	unsigned char none = KILL_NONE;
	if (atomic_compare_exchange_strong(&conns[c].kill, &none, KILL_TOO_SLOW))
		worker_mark(c, wake);
}

static int live(uint16_t c)
{
	return !atomic_load_explicit(&conns[c].kill, memory_order_relaxed);
}

/* 1: c can take a line; 0: c is skipped (being cut); -1: wait. */
static int admit(uint16_t c, enum line_class cls, unsigned *wake)
{
	if (!live(c))
		return 0;
	/* While the pool runs low, a client that is not taking its lines
	 * may hold no more than a fair share of it: slow readers must not
	 * pin the pool that everyone else needs. */
	if (pool_low() && atomic_load(&conns[c].wblocked) &&
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
	return -1;
}

enum deliver_result deliver_check(int r, uint16_t skip, enum line_class cls,
				  unsigned *wake)
{
	int defer = 0;
	for (uint16_t c = rooms[r].first; c != CONN_NONE; c = conns[c].member_next)
		if (c != skip && admit(c, cls, wake) < 0)
			defer = 1;      /* go on: cut every blocked member now */
	return defer ? DELIVER_DEFER : DELIVER_OK;
}

void deliver_push(int r, uint16_t msg, uint16_t skip, unsigned *wake)
{
	unsigned n = 0;

	for (uint16_t c = rooms[r].first; c != CONN_NONE; c = conns[c].member_next)
		n += c != skip && live(c);
	if (n == 0)
		return;
	/* References first: a recipient's worker may write and drop its line
	 * as soon as it is pushed. */
	msg_ref(msg, n);
	for (uint16_t c = rooms[r].first; c != CONN_NONE; c = conns[c].member_next) {
		if (c == skip || !live(c))
			continue;
		conn_push(c, msg);
		worker_mark(c, wake);
		n--;
	}
	/* Members cut meanwhile (the stall check runs without this lock). */
	while (n-- > 0)
		msg_unref(msg);
}

enum deliver_result deliver_room(int r, uint16_t msg, uint16_t skip,
				 enum line_class cls, unsigned *wake)
{
	if (deliver_check(r, skip, cls, wake) == DELIVER_DEFER)
		return DELIVER_DEFER;
	deliver_push(r, msg, skip, wake);
	return DELIVER_OK;
}

enum deliver_result deliver_one(uint16_t c, uint16_t msg,
				enum line_class cls, unsigned *wake)
{
	int ok = admit(c, cls, wake);
	if (ok < 0)
		return DELIVER_DEFER;
	if (ok > 0) {
		msg_ref(msg, 1);
		conn_push(c, msg);
		worker_mark(c, wake);
	}
	return DELIVER_OK;
}
