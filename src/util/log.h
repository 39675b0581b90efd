/* Logging: diagnostics on stderr, one line each, with a syslog priority
 * prefix ("<6>") when stderr is journald's (JOURNAL_STREAM set), so the
 * journal keeps levels. Room messages go to stdout as `msg ROOM <nick> text`. */
#ifndef NATTER_LOG_H
#define NATTER_LOG_H
#include <stddef.h>

void log_init(void);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_message(const char *room, const char *nick, int action,
		 const char *text, size_t len);
#endif
