#include "door/frame.h"
#include <string.h>

void frame_reset(struct linebuf *lb)
{
	lb->start = lb->len = lb->line_start = 0;
	lb->discarding = 0;
}

char *frame_space(struct linebuf *lb, size_t *room)
{
	if (lb->start > 0) {
		memmove(lb->buf, lb->buf + lb->start, lb->len - lb->start);
		lb->len -= lb->start;
		lb->start = 0;
	}
	*room = LINE_BUF - lb->len;
	return lb->buf + lb->len;
}

void frame_added(struct linebuf *lb, size_t n)
{
	lb->len += n;
}

void frame_unget(struct linebuf *lb)
{
	lb->start = lb->line_start;
}

enum frame_result frame_next(struct linebuf *lb, const char **line, size_t *len)
{
	for (;;) {
		char *begin = lb->buf + lb->start;
		size_t held = lb->len - lb->start;
		char *lf = memchr(begin, '\n', held);

		if (lb->discarding) {
			if (!lf) {
				lb->start = lb->len = 0;
				return FRAME_MORE;
			}
			lb->discarding = 0;
			lb->start += lf - begin + 1;
			continue;
		}
		if (!lf) {
			if (held < LINE_BUF)
				return FRAME_MORE;
			/* A full buffer without LF: over-long; drop to its LF. */
			lb->start = lb->len = 0;
			lb->discarding = 1;
			return FRAME_TOO_LONG;
		}
		size_t n = lf - begin;
		lb->line_start = lb->start;
		lb->start += n + 1;
		if (n > 0 && begin[n - 1] == '\r')
			n--;
		if (n > LINE_MAX_CONTENT)
			return FRAME_TOO_LONG;
		*line = begin;
		*len = n;
		return FRAME_LINE;
	}
}
