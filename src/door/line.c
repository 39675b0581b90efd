/* The natter line door: lines framed by frame.c, parsed by proto.c,
 * handled by chat.c. Its input buffer: a per-worker scratch buffer for the
 * client being read, and a 512-byte buffer per slot that is only touched
 * when something is left over (half a line, a line that must wait, an
 * over-long line being dropped): a client whose reads end on a line
 * boundary, as nearly all do, never costs its 512 bytes. */
#include "door/door.h"
#include "door/frame.h"
#include "door/proto.h"
#include "core/chat.h"
#include "core/limits.h"
#include <string.h>

static struct linebuf inbufs[MAX_CONNS];
static uint8_t inbuf_used[MAX_CONNS];
static uint8_t too_long_owed[MAX_CONNS];   /* a deferred line-too-long report */
static __thread struct linebuf scratch;
static __thread struct linebuf *cur;    /* c's buffer in this turn */

static void line_open(uint16_t c)
{
	inbuf_used[c] = 0;
	too_long_owed[c] = 0;
}

static void line_begin(uint16_t c)
{
	if (inbuf_used[c]) {
		cur = &inbufs[c];
	} else {
		cur = &scratch;
		frame_reset(cur);
	}
}

static char *line_space(uint16_t c, size_t *room)
{
	(void)c;
	return frame_space(cur, room);
}

static void line_added(uint16_t c, size_t n)
{
	(void)c;
	frame_added(cur, n);
}

static enum door_step line_step(uint16_t c, unsigned *wake)
{
	const char *line;
	size_t len;
	struct action act;

	/* frame_next reports an over-long line once: a report that had to
	 * wait is owed here until the client has room for it. */
	enum frame_result fr = too_long_owed[c] ? FRAME_TOO_LONG : frame_next(cur, &line, &len);
	if (fr == FRAME_MORE)
		return DOOR_MORE;
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
			frame_unget(cur);
		else
			too_long_owed[c] = 1;
		return DOOR_DEFER;
	}
	too_long_owed[c] = 0;
	return cr == CHAT_CLOSE ? DOOR_LEAVE : DOOR_DONE;
}

/* Keeps what is left in the scratch buffer in c's own buffer. */
static void line_end(uint16_t c)
{
	int empty = cur->start == cur->len && !cur->discarding;

	if (cur == &inbufs[c]) {
		if (empty)
			inbuf_used[c] = 0;      /* back to the scratch buffer */
	} else if (!empty) {
		inbufs[c] = *cur;
		inbuf_used[c] = 1;
	}
	cur = NULL;
}

const struct door_ops door_line = {
	.name = "line",
	.open = line_open,
	.begin = line_begin,
	.space = line_space,
	.added = line_added,
	.step = line_step,
	.end = line_end,
	.render = NULL,
};
