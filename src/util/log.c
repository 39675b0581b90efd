#include "util/log.h"
#include "core/limits.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Before log_async_start() and after log_async_stop() every line is
 * written at once (start-up errors, the last words). In between, a line
 * goes into a bounded ring that only the main thread writes out, from its
 * wait loop (log_tick), so a worker never waits for stderr: a log on a slow
 * SD card or a pipe nobody reads holds up only the log. A full ring drops
 * lines and counts them. Connection lines (connect, disconnect, refused)
 * are also limited to LOG_CONN_LINES_PER_SEC, so a connect flood cannot
 * fill an unrotated log; the rest are counted and summed up once a second. */

static int journal;
static int async;
static pthread_t main_thread;
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { unsigned short len; char text[LOG_LINE_MAX]; } ring[LOG_RING_LINES];
static unsigned ring_head, ring_count;   /* oldest line, lines held */
static unsigned long dropped;            /* lines the full ring could not take */
static unsigned long suppressed;         /* connection lines over the rate */
static long conn_second;                 /* the second conn_lines counts in */
static unsigned conn_lines;
static int woken;                        /* the main thread was told to drain */

void log_init(void)
{
	journal = getenv("JOURNAL_STREAM") != NULL;
}

static long now_second(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec;
}

static int format_line(char *buf, const char *prio, const char *fmt, va_list ap)
{
	int n = snprintf(buf, LOG_LINE_MAX, "%snatterd: ", journal ? prio : "");
	int m = vsnprintf(buf + n, LOG_LINE_MAX - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m < LOG_LINE_MAX - n - 1 ? m : LOG_LINE_MAX - n - 2;
	buf[n++] = '\n';
	return n;
}

/* Waits up to ms for stderr to take a line: a pipe (journald's stream, a
 * shell's |) that is full would block the write; a file always polls
 * writable. 1: write now; 0: no room in time; -1: stderr is gone. */
static int room_in(long ms)
{
	struct pollfd pfd = { 2, POLLOUT, 0 };
	if (poll(&pfd, 1, ms > 0 ? (int)ms : 0) <= 0)
		return 0;
	return pfd.revents & (POLLERR | POLLNVAL | POLLHUP) ? -1 : 1;
}

/* One write() per line, so lines from several threads never interleave. */
static void write_now(const char *buf, int n)
{
	if (room_in(LOG_FLUSH_MS) > 0 && write(2, buf, n) < 0) {
		/* Nowhere left to report it. */
	}
}

static int is_connection_line(const char *fmt)
{
	return !strncmp(fmt, "connect ", 8) || !strncmp(fmt, "disconnect ", 11) ||
	       !strncmp(fmt, "refused ", 8);
}

/* With ring_lock held. */
static void enqueue(const char *buf, int n)
{
	if (ring_count == LOG_RING_LINES) {
		dropped++;
		return;
	}
	unsigned slot = (ring_head + ring_count) % LOG_RING_LINES;
	memcpy(ring[slot].text, buf, n);
	ring[slot].len = (unsigned short)n;
	ring_count++;
	if (ring_count >= LOG_RING_LINES / 2 && !woken &&
	    !pthread_equal(pthread_self(), main_thread)) {
		woken = 1;
		pthread_kill(main_thread, LOG_WAKE_SIGNAL);
	}
}

/* Writes queued lines while stderr takes them, waiting at most wait_ms
 * for it in all. Main thread only (it alone takes lines out). */
static void drain(int wait_ms)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char line[LOG_LINE_MAX];
		int n;
		pthread_mutex_lock(&ring_lock);
		woken = 0;
		if (!ring_count) {
			pthread_mutex_unlock(&ring_lock);
			return;
		}
		n = ring[ring_head].len;
		memcpy(line, ring[ring_head].text, n);
		pthread_mutex_unlock(&ring_lock);

		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		long left = wait_ms - spent;
		int room = room_in(left);
		if (room == 0)
			return;
		if (room < 0) {
			/* stderr is gone: the lines have nowhere to go */
			pthread_mutex_lock(&ring_lock);
			dropped += ring_count;
			ring_count = 0;
			pthread_mutex_unlock(&ring_lock);
			return;
		}
		if (write(2, line, n) < 0) {
			/* Nowhere left to report it. */
		}
		pthread_mutex_lock(&ring_lock);
		ring_head = (ring_head + 1) % LOG_RING_LINES;
		ring_count--;
		pthread_mutex_unlock(&ring_lock);
	}
}

/* A line of the main thread's own, queued without waiting for stderr. */
static void queue_line(const char *prio, const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = format_line(buf, prio, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&ring_lock);
	enqueue(buf, n);
	pthread_mutex_unlock(&ring_lock);
}

static void log_line(const char *prio, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];
	int n;

	if (!async) {
		n = format_line(buf, prio, fmt, ap);
		write_now(buf, n);
		return;
	}
	if (is_connection_line(fmt)) {
		long sec = now_second();
		pthread_mutex_lock(&ring_lock);
		if (sec != conn_second) {
			conn_second = sec;
			conn_lines = 0;
		}
		int over = ++conn_lines > LOG_CONN_LINES_PER_SEC;
		if (over)
			suppressed++;
		pthread_mutex_unlock(&ring_lock);
		if (over)
			return;
	}
	n = format_line(buf, prio, fmt, ap);
	pthread_mutex_lock(&ring_lock);
	enqueue(buf, n);
	pthread_mutex_unlock(&ring_lock);
	/* The main thread's own lines (the ready line, stopping) go out now,
	 * behind what the workers queued before them. */
	if (pthread_equal(pthread_self(), main_thread))
		drain(LOG_FLUSH_MS);
}

#define LOG_FN(name, prio) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		log_line(prio, fmt, ap); \
		va_end(ap); \
	}
LOG_FN(log_info, "<6>")
LOG_FN(log_warn, "<4>")
LOG_FN(log_error, "<3>")

#ifdef NATTER_CHECKS
/* A line written at once, past the ring, by a thread about to abort: a
 * queued line would die with the process. */
void log_fatal(const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = format_line(buf, "<2>", fmt, ap);
	va_end(ap);
	if (write(2, buf, n) < 0) {
		/* nowhere left to report it */
	}
}
#endif

#define SUPPRESSED_FMT "%lu more connection lines suppressed (at most %d a second are logged)"
#define DROPPED_FMT "%lu log lines dropped: stderr did not keep up"

void log_async_start(void)
{
	main_thread = pthread_self();
	async = 1;
}

/* Once a second (and when woken): the counts, then the queued lines. */
void log_tick(void)
{
	static long last_report;
	unsigned long s = 0, d = 0;
	long sec = now_second();

	pthread_mutex_lock(&ring_lock);
	if (sec != last_report) {
		s = suppressed, d = dropped;
		suppressed = dropped = 0;
		last_report = sec;
	}
	pthread_mutex_unlock(&ring_lock);
	if (s)
		queue_line("<6>", SUPPRESSED_FMT, s, LOG_CONN_LINES_PER_SEC);
	if (d)
		queue_line("<4>", DROPPED_FMT, d);
	drain(0);
}

void log_async_stop(void)
{
	drain(LOG_FLUSH_MS);
	pthread_mutex_lock(&ring_lock);
	unsigned long s = suppressed, d = dropped + ring_count;
	suppressed = dropped = ring_count = 0;
	async = 0;
	pthread_mutex_unlock(&ring_lock);
	if (s)
		log_info(SUPPRESSED_FMT, s, LOG_CONN_LINES_PER_SEC);
	if (d)
		log_warn(DROPPED_FMT, d);
}

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
