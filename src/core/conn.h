/* The connection table: a static array of slots, one per client, plus the
 * per-connection output queue. A slot belongs to one worker for its whole
 * life; only that worker reads or closes its socket, and makes its
 * transitions. Other threads append to its output queue (holding the lock
 * conn_push names: the slot's room's, or for an IRC connection in several
 * rooms its turn), may ask for it to be closed (conn->kill), and while
 * its owner sleeps may write its queue (conn_write_try). */
#ifndef NATTER_CONN_H
#define NATTER_CONN_H
#include <stdatomic.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/uio.h>
#include "core/limits.h"

#define CONN_NONE 0xffff

/* A connection's states; loop/life.c owns them and makes every
 * transition (docs/design.md has the table). */
enum conn_state {
	CONN_FREE = 0,
	CONN_NEW,       /* accepted; waits (deadline) for the lobby to take its join */
	CONN_OPEN,      /* in the chat: waits for an edge, or (deadline) for room */
	CONN_LEAVING,   /* ending: reads no more; waits (deadline) for its room to take the line */
	CONN_DRAINING,  /* out of the chat: sends what it is owed (deadline), then closes */
	CONN_DOOR,      /* in its door's handshake (HTTP), not yet in the chat:
			 * reads; waits (deadline: the door's handshake_ms) */
};

enum kill_reason {
	KILL_NONE = 0,
	KILL_TOO_SLOW,
	KILL_DEAD,      /* its socket failed: it takes no more lines */
};

/* Why a connection is leaving; its room is told once it can take the line. */
enum leave_reason {
	LEAVE_NONE = 0,
	LEAVE_QUIT,     /* its door said it leaves (/quit): drain, then close */
	LEAVE_EOF,      /* the client closed its side: drain, then close */
	LEAVE_IDLE,     /* --idle-timeout: drain, then close */
	LEAVE_FAIL,     /* its door gave up on it: drain its last words, close */
	LEAVE_ERROR,    /* the socket failed: close */
	LEAVE_TOO_SLOW, /* not reading: close */
	LEAVE_STUCK,    /* a wait passed its deadline: close, seen as too slow */
};

struct peer {
	uint8_t family;         /* AF_INET or AF_INET6 */
	uint8_t addr[16];       /* IPv4 in the first 4 bytes */
	uint16_t port;
};

struct conn {
	/* Read by other threads: atomics, never cleared by memset. */
	atomic_uchar state;     /* enum conn_state (scans of the table read it) */
	atomic_uchar worker;    /* owner */
	atomic_uchar kill;      /* enum kill_reason, set by any thread */
	atomic_uchar wblocked;  /* its socket refused bytes; queue not drained */
	atomic_ushort out_head; /* next line to write; moved by the owner */
	atomic_ushort out_tail; /* next free entry; moved under the room lock */
	atomic_ushort irc_solo; /* an IRC connection's one room, while it is in
				 * exactly one; else CONN_NONE (conn_push) */
	/* The owner's, or guarded by the locks room.h names. */
	int fd;
	uint8_t eof;            /* the client closed its side */
	uint8_t want_read;      /* the socket may hold unread bytes */
	uint8_t short_read_drains; /* its last event was bytes only, no FIN or error */
	uint8_t listed;         /* on its worker's ready list */
	uint8_t leave;          /* enum leave_reason */
	uint8_t door;           /* enum door_kind: the door it came in by */
	uint8_t mid_line;       /* its queue was dropped with a line half written */
	uint8_t voice;          /* IRC's +v: bit i for its i-th room (room.h: room_bit) */
	uint16_t room;
	uint16_t member_prev, member_next;     /* room member list */
	uint16_t nick_next;     /* nick hash chain */
	uint16_t ready_next;    /* worker's ready list */
	uint16_t out_off;       /* bytes of the head line already written */
	int32_t tokens;         /* rate limit, in thousandths of a line */
	int64_t refill_ms;      /* when tokens were last topped up */
	int64_t last_input_ms;  /* idle timeout */
	int64_t deadline_ms;    /* end of the current wait (life.c); 0: none */
	uint16_t tick_head, tick_off;   /* output position at the last tick */
	uint16_t stalled_ticks;         /* ticks in a row without output progress */
	struct peer peer;       /* written and scanned under the table lock */
	char nick[NICK_MAX + 1];
};

extern struct conn conns[MAX_CONNS];

void conn_table_init(unsigned limit);
enum alloc_refusal { ALLOC_FULL, ALLOC_PER_PEER };
/* A free slot for fd (owned by worker, came in by door), or CONN_NONE
 * when the table is full or max_per_peer (0: no limit) slots hold the
 * peer's address already (*why says which). */
uint16_t conn_alloc(int fd, unsigned worker, const struct peer *peer, unsigned door,
		    unsigned max_per_peer, enum alloc_refusal *why);
void conn_release(uint16_t idx);
unsigned conn_count(void);
unsigned conn_limit(void);
unsigned conn_high_water(void);         /* 1 + highest slot ever used */

static inline unsigned conn_queued(struct conn *c)
{
	return (uint16_t)(atomic_load_explicit(&c->out_tail, memory_order_relaxed) -
			  atomic_load_explicit(&c->out_head, memory_order_acquire));
}

/* Appends a message reference; the caller has checked there is space and
 * taken a reference for it, and holds the lock that orders the queue:
 *
 * - a one-room door's: the lock of c's room;
 * - an IRC connection's: the lock of its solo room while it has one, as a
 *   one-room door's. In no room or in several, its producers (under
 *   several room locks, or none) take turns through a flag: PUSH_TURN.
 *
 * An IRC connection's irc_solo changes with chat_mu held, the flag held
 * (conn_set_solo), and the lock of the room it names before the change.
 * So the holder of any lock of a room c is in, or of chat_mu, reads a
 * value that stays true while it pushes; core/deliver.c picks the mode. */
enum push_mode { PUSH_BARE, PUSH_TURN };
void conn_push(uint16_t idx, uint16_t msg, enum push_mode mode);
/* The flag alone, for a producer that holds it across a whole delivery
 * (then pushes PUSH_BARE), and the change of irc_solo. */
void conn_turn_take(uint16_t idx);
void conn_turn_give(uint16_t idx);
void conn_set_solo(uint16_t idx, uint16_t room);

/* Who writes c's queue to its socket: whoever holds its write lock. That
 * is its owner, or another worker that filled the queue while the owner
 * slept (loop/flush.c, add_for). conn_gather to conn_written, and
 * conn_drop_queue, run under it; so do the owner's reads of out_off. Held
 * for one send at most (SEND_WAIT_MS), so the owner may wait for it. */
int conn_write_try(uint16_t idx);       /* 1: taken */
void conn_write_take(uint16_t idx);
void conn_write_give(uint16_t idx);

/* FLUSH_BUSY: another holds the write lock; nothing was done, and the
 * caller marks the connection to come back to it. */
enum flush_result { FLUSH_DONE, FLUSH_PENDING, FLUSH_ERROR, FLUSH_BUSY };
/* Writes what is queued (owner only); one writev per call. While its
 * write lock is held (a send batch has the queue), it writes nothing:
 * FLUSH_BUSY. */
enum flush_result conn_flush(uint16_t idx);

/* The same in two steps, for a worker that writes many connections in one
 * system call (loop/uring.h): the first lines of a queue as iovecs, one
 * a line, then what their write returned. Under c's write lock, nothing
 * else between. */
struct out_gather {
	uint16_t tail;          /* queue position after the lines gathered */
	unsigned lines;
	struct iovec *iov;      /* room for cap */
};
/* Gathers at most cap lines; returns how many (0: nothing queued). */
unsigned conn_gather(uint16_t idx, struct out_gather *g, unsigned cap);
/* w: bytes written, or -errno. The lines written are given back. */
enum flush_result conn_written(uint16_t idx, const struct out_gather *g, long w);
/* Drops what is queued (owner only, holding the write lock; after the
 * slot left its room, or once it is cut). */
void conn_drop_queue(uint16_t idx);

void peer_format(const struct peer *p, char *out, size_t size);
#endif
