/* A connection's life: its states, the one function that moves it from one
 * to the next (life_go), and the steps each state takes when its event
 * comes. Every state but FREE names what moves it on: an edge epoll will
 * report, or a deadline (conns[c].deadline_ms). The rest of the loop asks
 * for transitions here; it never sets the state itself.
 *
 *   FREE     --accept-----------------> NEW
 *   NEW      --the lobby took it------> OPEN
 *   NEW      --its door has a handshake (HTTP)-> DOOR
 *   DOOR     --its door joined it to the lobby (DOOR_JOINED)-> OPEN
 *   DOOR     --an end (response sent, eof, error)-> LEAVING (nothing to tell)
 *   DOOR     --handshake_ms past------> FREE
 *   NEW      --JOIN_WAIT_MS past------> FREE
 *   OPEN     --an end (eof, idle, socket error, too slow, stuck, door)-> LEAVING
 *   OPEN     --/quit (left its room)--> DRAINING
 *   LEAVING  --its room took the line-> DRAINING (gentle ends) or FREE (cuts)
 *   LEAVING  --LEAVE_WAIT_MS past-----> FREE (out of its room untold)
 *   DRAINING --queue written or CLOSE_FLUSH_MS past-> FREE
 *   any      --shutdown---------------> FREE
 */
#include "loop/worker_int.h"
#include "core/chat.h"
#include "core/deliver.h"
#include "core/metrics.h"
#include "door/door.h"
#include "door/irc.h"
#include "util/log.h"
#include "util/testhook.h"
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Sends a short line right away, outside the queue, before a close. */
void send_now(int fd, const char *line)
{
	if (send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* the client will see the close instead */
	}
}

/* Closes so that what was sent arrives: unread input would turn the
 * close into a reset, which can discard our last lines at the client. */
void close_gently(int fd)
{
	char sink[512];
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 64 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
		;
	close(fd);
}

/* Another worker may be writing c's queue (conn_write_try): waits for its
 * send, which has a deadline (SEND_WAIT_MS). */
static void drop_queue(uint16_t c)
{
	conn_write_take(c);
	conn_drop_queue(c);
	conn_write_give(c);
}

/* A cut connection takes no more lines (deliveries skip it) and what it
 * holds goes back to the pool at once. Owner only. */
static void cut(uint16_t c, enum kill_reason why)
{
	unsigned char none = KILL_NONE;
	atomic_compare_exchange_strong(&conns[c].kill, &none, why);
	drop_queue(c);
}

void mark_dead(uint16_t c)
{
	cut(c, KILL_DEAD);
}

/* Tells a client being cut why, outside its (dropped) queue. */
static void last_words(uint16_t c, const char *line)
{
	struct conn *k = &conns[c];
	const struct door_ops *d = door_get(k->door);

	if (d->last_words) {
		d->last_words(c, k->fd, line, k->mid_line);
		return;
	}
	if (k->mid_line)
		send_now(k->fd, "\n");
	send_now(k->fd, line);
}

static int is_cut(enum leave_reason why)
{
	return why == LEAVE_ERROR || why == LEAVE_TOO_SLOW || why == LEAVE_STUCK;
}

static const char *const leave_how[] = {
	[LEAVE_QUIT] = "disconnected",
	[LEAVE_EOF] = "disconnected",
	[LEAVE_IDLE] = "disconnected (idle)",
	[LEAVE_FAIL] = "disconnected",
	[LEAVE_ERROR] = "disconnected",
	[LEAVE_TOO_SLOW] = "disconnected (too slow)",
	[LEAVE_STUCK] = "disconnected (too slow)",
};

static const char *const leave_log[] = {
	[LEAVE_NONE] = "quit",
	[LEAVE_QUIT] = "quit",
	[LEAVE_EOF] = "closed by client",
	[LEAVE_IDLE] = "idle",
	[LEAVE_FAIL] = "protocol failure",
	[LEAVE_ERROR] = "connection lost",
	[LEAVE_TOO_SLOW] = "too slow",
	[LEAVE_STUCK] = "stuck: a wait passed its deadline",
};

static void count_cut(enum leave_reason why)
{
	static const uint8_t cut_of[] = {
		[LEAVE_IDLE] = CUT_IDLE + 1, [LEAVE_ERROR] = CUT_ERROR + 1,
		[LEAVE_TOO_SLOW] = CUT_TOO_SLOW + 1, [LEAVE_STUCK] = CUT_TOO_SLOW + 1,
	};
	if (why < sizeof cut_of && cut_of[why])
		metric_add(&metrics.cuts[cut_of[why] - 1]);
}

static void release(struct worker *w, uint16_t c, const char *why)
{
	struct conn *k = &conns[c];
	char peer[64];

	peer_format(&k->peer, peer, sizeof peer);
	log_info("disconnect %s %s: %s", peer, k->nick, why);
	if (k->listed)
		ready_unlink(w, c);
	/* A send of another worker's (flush.c, add_for) holds the write lock;
	 * once we have had it, none can start: c is not OPEN now (its life
	 * ended in LEAVING, DRAINING or NEW; at shutdown no worker writes for
	 * another), so the descriptor closed below is never sent to. The lock
	 * is not held past here: the slot may be reused at once, and its new
	 * owner must find the lock free. */
	drop_queue(c);
	atomic_fetch_and(&w->dirty[c / WORD_BITS], ~(1UL << (c % WORD_BITS)));
	/* The slot is free before the client sees its close, so a client
	 * that connects as soon as it does finds room. */
	int fd = k->fd;
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
	const struct door_ops *d = door_get(k->door);
	if (d->close)
		d->close(c);
	atomic_fetch_sub(&metrics.conns[k->door], 1);
	conn_release(c);
	close_gently(fd);
}

/* The one function that changes a connection's state. Returns 1 if c
 * is FREE afterwards: its slot may be another worker's already. */
int life_go(struct worker *w, uint16_t c, enum conn_state to, enum leave_reason why,
	    int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];
	enum conn_state from = k->state;

	if (from == CONN_FREE)
		abort();        /* a transition of a free slot is a bug */
	switch (to) {
	case CONN_OPEN:         /* NEW or DOOR, after the lobby took it */
		k->deadline_ms = 0;
		break;
	case CONN_DOOR:         /* NEW: its door answers first (HTTP) */
		k->deadline_ms = now + door_get(k->door)->handshake_ms;
		break;
	case CONN_LEAVING:
		if (from == CONN_DRAINING)
			return 0;       /* already out of the chat */
		if (why > k->leave)
			k->leave = why; /* a worse reason wins */
		if (from != CONN_LEAVING) {
			k->deadline_ms = now + LEAVE_WAIT_MS;
			count_cut(k->leave);
		}
		if (k->leave == LEAVE_STUCK || k->leave == LEAVE_TOO_SLOW)
			cut(c, KILL_TOO_SLOW);
		else if (k->leave == LEAVE_ERROR)
			cut(c, KILL_DEAD);
		atomic_store(&k->state, CONN_LEAVING);
		if (chat_leave(c, leave_how[k->leave], wake) == CHAT_DEFER) {
			if (now < k->deadline_ms) {
				retry_soon(w, c, now);
				return 0;
			}
			chat_leave(c, NULL, wake);      /* cannot wait: leave untold */
			log_warn("%s left untold: its room took no line for %d ms",
				 k->nick, LEAVE_WAIT_MS);
		}
		if (!is_cut(k->leave))
			return life_go(w, c, CONN_DRAINING, k->leave, now, wake);
		if (k->leave != LEAVE_ERROR)
			last_words(c, "! too-slow: you did not read your messages; disconnected\n");
		return life_go(w, c, CONN_FREE, k->leave, now, wake);
	case CONN_DRAINING:     /* out of its room: nobody queues to it now */
		k->deadline_ms = now + CLOSE_FLUSH_MS;
		worker_mark(c, wake);   /* life_flushed closes it once written */
		break;
	case CONN_FREE:
		release(w, c, leave_log[why]);
		return 1;
	case CONN_NEW:
		abort();        /* only conn_alloc makes a NEW slot */
	}
	atomic_store(&k->state, to);
	return 0;
}

/* NEW: greets c and puts it in the lobby, or waits (deadline) for the
 * lobby to take its join event. 1 when c is now OPEN; 0 when it waits or
 * was freed (then it may already be another worker's: never touch it). */
static int try_connect(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];
	char name[64];

	/* tests: a busy lobby (util/testhook.h); nothing in release */
	unsigned busy_ms = test_hook_value(HOOK_LOBBY_BUSY_MS);
	int busy = busy_ms && now < k->deadline_ms - JOIN_WAIT_MS + busy_ms;
	if (busy || chat_connect(c, wake) == CHAT_DEFER) {
		if (now >= k->deadline_ms) {
			send_now(k->fd, "! full: the server is busy\n");
			life_go(w, c, CONN_FREE, LEAVE_STUCK, now, wake);
		} else {
			retry_soon(w, c, now);
		}
		return 0;
	}
	life_go(w, c, CONN_OPEN, LEAVE_NONE, now, wake);
	peer_format(&k->peer, name, sizeof name);
	log_info("connect %s as %s", name, k->nick);
	return 1;
}

void life_start(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	conns[c].deadline_ms = now + JOIN_WAIT_MS;
	conns[c].want_read = 1;         /* it may have sent already */
	const struct door_ops *d = door_get(conns[c].door);
	d->open(c);
	if (d->handshake_ms)
		life_go(w, c, CONN_DOOR, LEAVE_NONE, now, wake);
	else
		try_connect(w, c, now, wake);
	ready_push(w, c);
}

int life_defer(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];

	if (!k->deadline_ms)
		k->deadline_ms = now + DEFER_WAIT_MS;
	if (now < k->deadline_ms) {
		retry_soon(w, c, now);
		return 0;
	}
	return life_go(w, c, CONN_LEAVING, LEAVE_STUCK, now, wake);
}

/* A listed connection's turn. */
void life_run(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];

	switch ((enum conn_state)k->state) {
	case CONN_NEW:
		/* Taken by the lobby after a wait: what it sent before its
		 * greeting (want_read, set at accept) is read in the next turn.
		 * Its edge came and went while it waited; no other will come. */
		if (try_connect(w, c, now, wake))
			retry_soon(w, c, now);
		break;
	case CONN_OPEN:
	case CONN_DOOR: {
		enum input_result r = conn_input(w, c, now, wake);
		if (r == INPUT_AGAIN)
			w->resume_ms = now;
		if (r != INPUT_DONE && (k->state == CONN_OPEN || k->state == CONN_DOOR))
			ready_push(w, c);
		break;
	}
	case CONN_LEAVING:
		life_go(w, c, CONN_LEAVING, k->leave, now, wake);
		break;
	default:
		break;          /* DRAINING reads nothing; FREE is not listed */
	}
}

/* c is marked dirty: a cut asked by another thread, or output to write. */
int life_flush_begin(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];
	unsigned char kill = atomic_load(&k->kill);

	if (kill == KILL_DEAD) {
		/* Its socket failed, but lines it sent before are still handled
		 * (its input path sees the end); it holds no output meanwhile. */
		drop_queue(c);
		if (k->state == CONN_DRAINING)
			life_go(w, c, CONN_FREE, LEAVE_ERROR, now, wake);
		return 0;
	}
	if (kill == KILL_TOO_SLOW) {
		if (k->state == CONN_OPEN || k->state == CONN_NEW || k->state == CONN_DOOR)
			life_go(w, c, CONN_LEAVING, LEAVE_TOO_SLOW, now, wake);
		else if (k->state == CONN_DRAINING)
			life_go(w, c, CONN_FREE, LEAVE_TOO_SLOW, now, wake);
		else
			drop_queue(c);
		return 0;
	}
	return 1;
}

void life_flushed(struct worker *w, uint16_t c, enum flush_result fr, int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];

	if (fr == FLUSH_ERROR) {
		mark_dead(c);
		if (k->state == CONN_DRAINING) {
			life_go(w, c, CONN_FREE, LEAVE_ERROR, now, wake);
		} else {
			k->want_read = 1;
			ready_push(w, c);
		}
	} else if (fr == FLUSH_DONE && k->state == CONN_DRAINING) {
		life_go(w, c, CONN_FREE, k->leave, now, wake);
	}
}

/* A client that holds queued lines and takes none for a while is too
 * slow even if its queue is not full: its lines pin pool slots that
 * everyone else needs. Sooner when the pool runs low. */
static void check_stalled(uint16_t c, unsigned limit, unsigned *wake)
{
	struct conn *k = &conns[c];

	if (!conn_write_try(c))
		return;         /* being written: not stalled */
	uint16_t head = atomic_load(&k->out_head), off = k->out_off;
	conn_write_give(c);
	if (!atomic_load(&k->wblocked) || conn_queued(k) == 0 ||
	    head != k->tick_head || off != k->tick_off) {
		k->stalled_ticks = 0;
		k->tick_head = head;
		k->tick_off = off;
		return;
	}
	if (++k->stalled_ticks >= limit)
		deliver_kill(c, wake);
}

/* Once a second: the timers of each state. */
void life_tick(struct worker *w, uint16_t c, int64_t now, unsigned stall_limit, unsigned *wake)
{
	struct conn *k = &conns[c];

	switch ((enum conn_state)k->state) {
	case CONN_OPEN:
		check_stalled(c, stall_limit, wake);
		if (k->door == DOOR_IRC && irc_tick(c, now, wake)) {
			life_go(w, c, CONN_LEAVING, LEAVE_IDLE, now, wake);
			break;
		}
		if (wcfg.idle_timeout && !k->deadline_ms &&
		    now - k->last_input_ms >= (int64_t)wcfg.idle_timeout * 1000) {
			chat_error(c, ERR_IDLE, wake);
			life_go(w, c, CONN_LEAVING, LEAVE_IDLE, now, wake);
		}
		break;
	case CONN_DRAINING:
		if (now >= k->deadline_ms)
			life_go(w, c, CONN_FREE, LEAVE_STUCK, now, wake);
		break;
	case CONN_DOOR:         /* PROTOCOL.md: a head not whole in 10 s is closed */
		if (now >= k->deadline_ms) {
			metric_add(&metrics.cuts[CUT_HANDSHAKE]);
			life_go(w, c, CONN_FREE, LEAVE_STUCK, now, wake);
		}
		break;
	default:
		break;          /* NEW and LEAVING are listed: life_run times them */
	}
}

void life_shutdown(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	chat_leave(c, NULL, wake);
	release(w, c, "server stopping");
	(void)now;
}

void life_close_after(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	life_go(w, c, CONN_LEAVING, LEAVE_FAIL, now, wake);
}
