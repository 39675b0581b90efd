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
#define OUTQ_LEN 256            /* per-connection queue of lines (power of 2) */
#define OUTQ_EVENT_RESERVE 16   /* queue slots only server events may use */
#define OUTQ_LOW_POOL 16        /* lines a blocked client may hold while the pool runs low */
#define MAX_WORKERS 16
#define RELEASE_SLOTS 1024      /* a worker's written lines, released per turn (power of 2) */
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
#define JOIN_WAIT_MS 5000       /* a new client may wait this long for the lobby */
#define DEFER_WAIT_MS 10000     /* a line may wait this long for queue or pool room */
#define LEAVE_WAIT_MS 5000      /* a leaving client may wait this long for its room */
#define HISTORY_DEFAULT 50      /* lines a room keeps without --history */
#define HISTORY_ASK_MAX 9999    /* largest N of /history N */
/* `<nick> text` or `* nick text`: the longest line history copies. */
#define HISTORY_LINE_MAX (NICK_MAX + 3 + LINE_MAX_CONTENT)
/* A worker's stack: a queue's iovecs for conn_flush (4 KiB) are the
 * largest thing on it. */
#define THREAD_STACK (64 * 1024)
/* Output of many connections in one system call (loop/flush.c). A batch
 * is static, one per worker: two iovecs a line (what is counted, what is
 * sent), 69 KiB in all on 64-bit, and the copy bytes below. */
#define SEND_BATCH 64           /* connections one io_uring_enter writes */
#define SEND_BATCH_LINES (8 * OUTQ_LEN) /* lines in one batch */
#define SEND_WAIT_MS 500        /* its sends complete within the call; past this, cancelled */
/* Short lines of a batch are copied end to end into the worker's copy
 * bytes, so a queue goes to the kernel as a few long pieces rather than
 * an iovec a line: the kernel's cost per piece was a quarter of a 100-line
 * send, and with it 27% of the IRC door's fan-out samples fell to 6.5%
 * (docs/benchmark.md, "Lines copied end to end"). A full batch of lines
 * of up to 128 bytes (a chat line in IRC's form) fits; once the bytes
 * are used up, a batch's further lines go as they are. Pages a worker
 * never fills stay out of RSS. */
#ifndef SEND_COPY_BYTES        /* a test build sets 4 KiB, to use them up */
#define SEND_COPY_BYTES (SEND_BATCH_LINES * 128)        /* 256 KiB a worker */
#endif
#define SEND_COPY_LINE 512      /* longer lines go as they are */
/* The web door (HTTP and WebSocket). */
#define DEFAULT_WEB_PORT 8081
#define HTTP_HEAD_MAX 4096      /* bytes of a request head; more: 431 */
#define HTTP_HEAD_TIMEOUT_MS 10000      /* a request head must be whole by then */
#define HTTP_HEAD_BUFS 128      /* heads that arrive in pieces, parked at once */
#define WEB_PAGE_MAX 32768     /* bytes of the chat page decoded, for clients without gzip */
#define WS_MSG_FAR (64 * 1024)  /* a message this far over the line limit: 1009 */
#define WS_RAW_BUF 1024         /* a WebSocket client's unparsed input */
#define MAX_ORIGINS 8           /* --web-origin */

/* Logging (util/log.c): workers queue their lines; the main thread writes
 * them, so a slow or full stderr never blocks a worker. */
#define LOG_LINE_MAX 1024        /* bytes of one log line, prefix included */
#define LOG_RING_LINES 64        /* lines queued for the main thread; more are dropped (and counted) */
#define LOG_CONN_LINES_PER_SEC 20 /* connect/disconnect/refused lines a second; more are counted */
#define LOG_FLUSH_MS 1000        /* how long the main thread waits for stderr to take its lines */

/* The IRC door. */
#define DEFAULT_IRC_PORT 6667
#define IRC_CHANNELS_MAX 8      /* rooms one IRC connection may be in at once */
#define IRC_LINE_MAX 512        /* bytes of one IRC line, CR LF included */
#define IRC_PARAMS_MAX 15       /* RFC 2812: at most 15 parameters */
/* --irc-ping SECS: an IRC client quiet for SECS is sent PING and cut if
 * it sends nothing in SECS more; one that has not registered (NICK/USER)
 * SECS/2 after its first tick is cut. Tests shorten it. */
#define IRC_PING_DEFAULT 60
#define IRC_PING_LIMIT 3600     /* largest --irc-ping */
#define IRC_REPLY_LINES 24      /* queue entries a reply may need; a command waits for them */
#define IRC_WHO_MAX 64          /* users one WHO lists; more: left out, said in 315 */
/* A 352 line is at most 262 bytes (host name 64, nick 16, #room 17, user
 * 10, real name 48), so 3 share a 1024-byte queue entry: a whole WHO reply,
 * 315 included, must fit the entries a reply may use. */
#define IRC_WHO_LINE_MAX 262
#define IRC_USER_MAX 10         /* bytes of USER's username kept (for WHO/WHOIS) */
#define IRC_REAL_MAX 48         /* bytes of USER's real name kept */
#define IRC_QUEUE_MARGIN (IRC_CHANNELS_MAX + 2)  /* producers that may push at once */
#define IRC_MODES_MAX 3         /* mode letters one MODE #room handles (005 MODES); more are ignored */

#if MAX_CONNS > 65535 || MAX_MSGS > 65535
#error "connection and message indexes are 16-bit"
#endif
#if IRC_CHANNELS_MAX > 8
#error "conns[].voice holds a bit for each of an IRC connection's rooms"
#endif
#if (OUTQ_LEN & (OUTQ_LEN - 1)) != 0
#error "OUTQ_LEN must be a power of two"
#endif
/* A /history reply (every kept line and the closing line) must fit in the
 * queue slots a reply may use, so it is never cut short. */
#if HISTORY_MAX + 1 > OUTQ_LEN - OUTQ_EVENT_RESERVE
#error "HISTORY_MAX + 1 lines must fit in an output queue's reply slots"
#endif
#if (IRC_WHO_MAX + OUT_LINE_MAX / IRC_WHO_LINE_MAX - 1) / (OUT_LINE_MAX / IRC_WHO_LINE_MAX) + 1 > IRC_REPLY_LINES
#error "a WHO reply of IRC_WHO_MAX users must fit IRC_REPLY_LINES queue entries"
#endif
#if HISTORY_MAX < HISTORY_DEFAULT || HISTORY_MAX > 65535
#error "HISTORY_MAX must be at least HISTORY_DEFAULT and 16-bit"
#endif
#endif
