#include "deliver.h"
#include "conn.h"
#include "pool.h"
#include "room.h"
#include "worker.h"

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

/* Can c take one more line now? A full queue whose socket is also full
 * (the client is not reading) makes it too slow; a full queue whose worker
 * simply has not flushed yet makes the sender wait. Events never wait. */
static int admit(uint16_t c, enum line_class cls, unsigned *wake, int *defer)
{
	if (atomic_load_explicit(&conns[c].kill, memory_order_relaxed))
		return 0;
	if (deliver_space(c, cls) > 0)
		return 1;
	if (cls == LINE_EVENT || atomic_load(&conns[c].wblocked) ||
	    conn_queued(&conns[c]) >= OUTQ_LEN) {
		deliver_kill(c, wake);
		return 0;
	}
	*defer = 1;
	return 0;
}

enum deliver_result deliver_room(int r, uint16_t msg, uint16_t skip,
				 enum line_class cls, unsigned *wake)
{
	unsigned n = 0;
	int defer = 0;

	for (uint16_t c = rooms[r].first; c != CONN_NONE; c = conns[c].member_next)
		if (c != skip)
			n += admit(c, cls, wake, &defer);
	if (defer)
		return DELIVER_DEFER;
	if (n == 0)
		return DELIVER_OK;
	/* References first: a recipient's worker may write and drop its line
	 * as soon as it is pushed. */
	msg_ref(msg, n);
	for (uint16_t c = rooms[r].first; c != CONN_NONE; c = conns[c].member_next) {
		if (c == skip || atomic_load_explicit(&conns[c].kill, memory_order_relaxed))
			continue;
		conn_push(c, msg);
		worker_mark(c, wake);
	}
	return DELIVER_OK;
}

enum deliver_result deliver_one(uint16_t c, uint16_t msg,
				enum line_class cls, unsigned *wake)
{
	int defer = 0;
	if (!admit(c, cls, wake, &defer))
		return defer ? DELIVER_DEFER : DELIVER_OK;
	msg_ref(msg, 1);
	conn_push(c, msg);
	worker_mark(c, wake);
	return DELIVER_OK;
}
