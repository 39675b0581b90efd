/* Reading a connection: the rate limit, the read budget, deferral; what
 * the bytes mean is its door's (door/door.h), asked one unit at a time. */
#include "loop/worker_int.h"
#include "door/door.h"
#include <errno.h>
#include <sys/socket.h>

/* Rate limit: a token bucket in thousandths of a line. */
static int has_token(struct conn *k, int64_t now)
{
	if (wcfg.rate == 0)
		return 1;
	int64_t cap = (int64_t)wcfg.burst * 1000;
	int64_t t = k->tokens + (now - k->refill_ms) * wcfg.rate;
	k->tokens = t > cap ? cap : t;
	k->refill_ms = now;
	return k->tokens >= 1000;
}

static int64_t token_due(struct conn *k, int64_t now)
{
	return now + (1000 - k->tokens + wcfg.rate - 1) / wcfg.rate;
}

/* Steps the door while it has whole units: the one dispatch point. */
static enum input_result handle_units(struct worker *w, uint16_t c, const struct door_ops *d,
				      int64_t now, unsigned *wake, int *closed)
{
	struct conn *k = &conns[c];

	while (k->state == CONN_OPEN || k->state == CONN_DOOR) {
		if (!has_token(k, now)) {
			w->resume_ms = w->resume_ms < token_due(k, now) ? w->resume_ms : token_due(k, now);
			return INPUT_WAIT;
		}
		switch (d->step(c, wake)) {
		case DOOR_MORE:
			return INPUT_DONE;
		case DOOR_DEFER:        /* kept by the door; the deadline is ours */
			*closed = life_defer(w, c, now, wake);
			return *closed ? INPUT_DONE : INPUT_WAIT;
		case DOOR_DONE:
			k->tokens -= wcfg.rate ? 1000 : 0;
			k->deadline_ms = 0;     /* no longer waiting */
			break;
		case DOOR_JOINED:
			k->tokens -= wcfg.rate ? 1000 : 0;
			life_go(w, c, CONN_OPEN, LEAVE_NONE, now, wake);
			break;
		case DOOR_LEAVE:
			k->tokens -= wcfg.rate ? 1000 : 0;
			k->deadline_ms = 0;
			*closed = life_go(w, c, CONN_LEAVING, LEAVE_QUIT, now, wake);
			return INPUT_DONE;
		case DOOR_FAIL:
			k->deadline_ms = 0;
			*closed = life_go(w, c, CONN_LEAVING, LEAVE_FAIL, now, wake);
			return INPUT_DONE;
		}
	}
	return INPUT_DONE;
}

static enum input_result read_units(struct worker *w, uint16_t c, const struct door_ops *d,
				    int64_t now, unsigned *wake, int *closed)
{
	struct conn *k = &conns[c];
	size_t budget = READ_BUDGET;

	for (;;) {
		enum input_result r = handle_units(w, c, d, now, wake, closed);
		if (r != INPUT_DONE || *closed || (k->state != CONN_OPEN && k->state != CONN_DOOR))
			return r;
		if (k->eof) {   /* a partial last unit is dropped */
			*closed = life_go(w, c, CONN_LEAVING, LEAVE_EOF, now, wake);
			return INPUT_DONE;
		}
		if (!k->want_read)
			return INPUT_DONE;
		if (budget == 0)
			return INPUT_AGAIN;
		size_t room;
		char *p = d->space(c, &room);
		if (room == 0)
			return INPUT_DONE;
		size_t asked = room < budget ? room : budget;
		ssize_t n = recv(k->fd, p, asked, 0);
		if (n > 0) {
			d->added(c, n);
			budget -= n;
			k->last_input_ms = now;
			/* A short read emptied the socket. Bytes that come later
			 * bring a new edge-triggered event, so the recv that would
			 * only say EAGAIN is saved (a system call per input event).
			 * A FIN or error already reported brings none: then the
			 * loop reads on to the 0 or the error. */
			if ((size_t)n < asked && k->short_read_drains)
				k->want_read = 0;
		} else if (n == 0) {
			k->eof = 1;
			k->want_read = 0;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			k->want_read = 0;
		} else if (errno != EINTR) {
			*closed = life_go(w, c, CONN_LEAVING, LEAVE_ERROR, now, wake);
			return INPUT_DONE;
		}
	}
}

enum input_result conn_input(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	const struct door_ops *d = door_get(conns[c].door);
	int closed = 0;

	d->begin(c);
	enum input_result r = read_units(w, c, d, now, wake, &closed);
	/* A closed slot may already be another worker's: never touch it. */
	if (!closed)
		d->end(c);
	return closed ? INPUT_DONE : r;
}
