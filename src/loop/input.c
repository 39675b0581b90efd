/* Reading a connection: framing its lines, the rate limit, handing each
 * line to the protocol. */
#include "loop/worker_int.h"
#include "core/chat.h"
#include "door/proto.h"
#include <errno.h>
#include <string.h>
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

static enum input_result handle_lines(struct worker *w, uint16_t c, struct linebuf *lb,
				      int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];

	while (k->state == CONN_OPEN && !k->leave) {
		const char *line;
		size_t len;
		struct action act;

		if (!has_token(k, now)) {
			w->resume_ms = w->resume_ms < token_due(k, now) ? w->resume_ms : token_due(k, now);
			return INPUT_WAIT;
		}
		enum frame_result fr = frame_next(lb, &line, &len);
		if (fr == FRAME_MORE)
			return INPUT_DONE;
		if (fr == FRAME_TOO_LONG) {
			memset(&act, 0, sizeof act);
			act.kind = ACT_ERROR;
			act.error = ERR_LINE_TOO_LONG;
		} else {
			proto_parse(line, len, &act);
		}
		enum chat_result cr = chat_handle(c, &act, wake);
		if (cr == CHAT_DEFER) {
			if (fr == FRAME_LINE)
				frame_unget(lb);
			w->resume_ms = w->resume_ms < now + 1 ? w->resume_ms : now + 1;
			return INPUT_WAIT;
		}
		k->tokens -= wcfg.rate ? 1000 : 0;
		if (cr == CHAT_CLOSE)
			begin_drain(w, c, now);
	}
	return INPUT_DONE;
}

/* Keeps what is left in the worker's scratch buffer (half a line, lines
 * that must wait, an over-long line being dropped) in the connection's
 * own buffer. Only then is that buffer touched: a client whose reads end
 * on a line boundary, as nearly all do, never costs its 512 bytes. */
static void park(struct worker *w, uint16_t c, struct linebuf *lb)
{
	if (lb != &w->scratch)
		return;
	if (lb->start == lb->len && !lb->discarding)
		return;
	inbufs[c] = *lb;
	conns[c].inbuf_used = 1;
}

static enum input_result read_lines(struct worker *w, uint16_t c, struct linebuf *lb,
				    int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];
	size_t budget = READ_BUDGET;

	for (;;) {
		enum input_result r = handle_lines(w, c, lb, now, wake);
		if (r != INPUT_DONE || k->state != CONN_OPEN)
			return r;
		if (k->eof) {   /* a partial last line is dropped */
			frame_reset(lb);
			leave(w, c, LEAVE_EOF, now, wake);
			return INPUT_DONE;
		}
		if (!k->want_read)
			return INPUT_DONE;
		if (budget == 0)
			return INPUT_AGAIN;
		size_t room;
		char *p = frame_space(lb, &room);
		ssize_t n = recv(k->fd, p, room < budget ? room : budget, 0);
		if (n > 0) {
			frame_added(lb, n);
			budget -= n;
			k->last_input_ms = now;
		} else if (n == 0) {
			k->eof = 1;
			k->want_read = 0;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			k->want_read = 0;
		} else if (errno != EINTR) {
			frame_reset(lb);
			mark_dead(c);
			leave(w, c, LEAVE_ERROR, now, wake);
			return INPUT_DONE;
		}
	}
}

enum input_result conn_input(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];
	struct linebuf *lb = &inbufs[c];

	if (!k->inbuf_used) {
		lb = &w->scratch;
		frame_reset(lb);
	}
	enum input_result r = read_lines(w, c, lb, now, wake);
	if (lb == &inbufs[c] && lb->start == lb->len && !lb->discarding)
		k->inbuf_used = 0;      /* empty again: back to the scratch buffer */
	else
		park(w, c, lb);
	return r;
}
