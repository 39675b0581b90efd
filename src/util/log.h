/* Logging: diagnostics on stderr, one line each, with a syslog priority
 * prefix ("<6>") when stderr is journald's (JOURNAL_STREAM set), so the
 * journal keeps levels. Room messages go to stdout as `msg ROOM <nick> text`. */
#ifndef NATTER_LOG_H
#define NATTER_LOG_H
#include <signal.h>
#include <stddef.h>

void log_init(void);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#ifdef NATTER_CHECKS
/* Test builds, before an abort: written now, not queued (see log.c). */
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
/* Between these, lines are queued for the main thread (see log.c); it
 * calls log_tick() from its wait loop, at least once a second and when
 * LOG_WAKE_SIGNAL (blocked in every thread, taken by its sigtimedwait)
 * says the queue is half full. log_async_stop() writes what is left. */
#define LOG_WAKE_SIGNAL SIGUSR1
void log_async_start(void);
void log_tick(void);
void log_async_stop(void);
void log_message(const char *room, const char *nick, int action,
		 const char *text, size_t len);
#endif
