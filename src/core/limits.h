/* Every fixed limit of natterd, in one place. The table sizes (MAX_CONNS,
 * MAX_ROOMS, MAX_MSGS) come from the board profile through the Makefile;
 * the defaults below are for a build outside it. */
#ifndef NATTER_LIMITS_H
#define NATTER_LIMITS_H

#ifndef MAX_CONNS
#define MAX_CONNS 1024          /* connection table slots */
#endif
#ifndef MAX_ROOMS
#define MAX_ROOMS 64            /* rooms with people, lobby included */
#endif
#ifndef MAX_MSGS
#define MAX_MSGS 4096           /* formatted lines in flight, shared by recipients */
#endif
#ifndef HISTORY_MAX
#define HISTORY_MAX 100         /* most lines a room's history can keep (--history) */
#endif

#define LINE_MAX_CONTENT 510    /* bytes of one client line without CR/LF */
#define LINE_BUF (LINE_MAX_CONTENT + 2)   /* + CR + LF: one whole line */
#define OUT_LINE_MAX 1024       /* bytes of one server line, LF included */
#define NICK_MAX 16
#define ROOM_MAX 16
#define OUTQ_LEN 128            /* per-connection queue of lines (power of 2) */
#define OUTQ_EVENT_RESERVE 16   /* queue slots only server events may use */
#define MAX_WORKERS 16
#define DEFAULT_WORKERS_CAP 4   /* default -w: CPUs, at most this */
#define DEFAULT_PORT 8080
#define DEFAULT_RATE 200        /* lines per second per connection */
#define MAX_LISTENERS 8
#define MAX_ALLOW 32            /* --allow networks */
#define READ_BUDGET 4096        /* bytes read from one connection per loop turn */
#define SHUTDOWN_FLUSH_MS 2000  /* how long queued output may drain at exit */
#define CLOSE_FLUSH_MS 5000     /* how long a closing client may drain */
#define STALL_TICKS 30           /* seconds a blocked client may hold its queue */
#define STALL_TICKS_LOW_POOL 3  /* ... while the message pool runs low */
#define QUIET_PROBE_MS 5000      /* a quiet client's socket is looked at this often */
#define HISTORY_DEFAULT 50      /* lines a room keeps without --history */
#define HISTORY_ASK_MAX 9999    /* largest N of /history N */
/* `<nick> text` or `* nick text`: the longest line history copies. */
#define HISTORY_LINE_MAX (NICK_MAX + 3 + LINE_MAX_CONTENT)
#define THREAD_STACK (64 * 1024)

#if MAX_CONNS > 65535 || MAX_MSGS > 65535
#error "connection and message indexes are 16-bit"
#endif
#if (OUTQ_LEN & (OUTQ_LEN - 1)) != 0
#error "OUTQ_LEN must be a power of two"
#endif
/* A /history reply (every kept line and the closing line) must fit in the
 * queue slots a reply may use, so it is never cut short. */
#if HISTORY_MAX + 1 > OUTQ_LEN - OUTQ_EVENT_RESERVE
#error "HISTORY_MAX + 1 lines must fit in an output queue's reply slots"
#endif
#if HISTORY_MAX < HISTORY_DEFAULT || HISTORY_MAX > 65535
#error "HISTORY_MAX must be at least HISTORY_DEFAULT and 16-bit"
#endif
#endif
