#include "util/log.h"
#include "core/limits.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int journal;

void log_init(void)
{
	journal = getenv("JOURNAL_STREAM") != NULL;
}

/* One write() per line, so lines from several threads never interleave. */
static void log_line(int fd, const char *prio, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof buf, "%snatterd: ", journal ? prio : "");
	int m = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m < (int)(sizeof buf - n - 1) ? m : (int)(sizeof buf - n - 2);
	buf[n++] = '\n';
	if (write(fd, buf, n) < 0) {
		/* Nowhere left to report it. */
	}
}

#define LOG_FN(name, prio) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		log_line(2, prio, fmt, ap); \
		va_end(ap); \
	}
LOG_FN(log_info, "<6>")
LOG_FN(log_warn, "<4>")
LOG_FN(log_error, "<3>")

void log_message(const char *room, const char *nick, int action,
		 const char *text, size_t len)
{
	char buf[LINE_BUF + ROOM_MAX + NICK_MAX + 16];
	int n = snprintf(buf, sizeof buf, action ? "msg %s * %s %.*s\n" : "msg %s <%s> %.*s\n",
			 room, nick, (int)len, text);
	if (write(1, buf, n) < 0) {
		/* stdout gone: the chat goes on without the transcript */
	}
}
