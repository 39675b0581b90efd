/* Line framing: a one-line input buffer per connection. The socket code
 * reads into frame_space(); frame_next() hands out complete lines. Pure:
 * no I/O, so tests and the fuzzer drive it with any byte stream. */
#ifndef NATTER_FRAME_H
#define NATTER_FRAME_H
#include <stddef.h>
#include <stdint.h>
#include "core/limits.h"

struct linebuf {
	uint16_t start;         /* first unconsumed byte */
	uint16_t len;           /* bytes held */
	uint16_t line_start;    /* where the line last handed out began */
	uint8_t discarding;     /* inside an over-long line, dropping to its LF */
	char buf[LINE_BUF];
};

enum frame_result {
	FRAME_MORE,             /* no complete line: read more */
	FRAME_LINE,             /* *line / *len: content without CR LF */
	FRAME_TOO_LONG,         /* one over-long line seen (reported once) */
};

void frame_reset(struct linebuf *lb);
/* Room to read into (compacts first); never 0 while the buffer is usable. */
char *frame_space(struct linebuf *lb, size_t *room);
void frame_added(struct linebuf *lb, size_t n);
enum frame_result frame_next(struct linebuf *lb, const char **line, size_t *len);
/* Gives back the line frame_next() just returned, to be handed out again
 * (used when the server defers it under back-pressure). */
void frame_unget(struct linebuf *lb);
#endif
