/* The invariant of a connection's life (loop/life.c), swept each tick in
 * the test builds (-DNATTER_CHECKS): every slot in use waits for an event
 * that will come, or for a deadline not long past. A slot that breaks it
 * ends the server with a log line saying which and how; the tests look
 * for that line. Nothing of it is in a release build. */
#include "loop/worker_int.h"
#include "util/log.h"
#include <stdlib.h>

#ifdef NATTER_CHECKS
#define CHECK_SLACK_MS (2 * TICK_MS)

static const char *const state_name[] = {
	"free", "new", "open", "leaving", "draining", "door",
};

void life_check(struct worker *w, uint16_t c, int64_t now)
{
	struct conn *k = &conns[c];
	int dirty = !!(atomic_load(&w->dirty[c / WORD_BITS]) & (1UL << (c % WORD_BITS)));
	int late = k->deadline_ms && now > k->deadline_ms + CHECK_SLACK_MS;
	const char *bad = NULL;

	switch ((enum conn_state)k->state) {
	case CONN_NEW:
	case CONN_LEAVING:
		if (!k->listed || !k->deadline_ms)
			bad = "waits with no retry or no deadline";
		else if (late)
			bad = "past its deadline";
		break;
	case CONN_OPEN:
		if (late)
			bad = "deferred past its deadline";
		else if (k->deadline_ms && !k->listed)
			bad = "deferred but not listed";
		else if (k->want_read && !k->listed)
			bad = "has input to read but is not listed";
		else if (atomic_load(&k->kill) && conn_queued(k) && !dirty)
			bad = "cut but holds its queue";
		break;
	case CONN_DRAINING:
		if (!k->deadline_ms || late)
			bad = "draining with no deadline or past it";
		break;
	case CONN_DOOR:
		if (!k->deadline_ms || late)
			bad = "in its door's handshake with no deadline or past it";
		else if (k->want_read && !k->listed)
			bad = "has input to read but is not listed";
		break;
	case CONN_FREE:
		break;
	}
	if (!bad)
		return;
	log_fatal("invariant violated: slot %u state %s (%s): %s; queued %u, kill %u, listed %u",
		  c, state_name[k->state], k->nick, bad, conn_queued(k),
		  (unsigned)atomic_load(&k->kill), k->listed);
	abort();
}
#endif
