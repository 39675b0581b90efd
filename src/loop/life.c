/* A connection's end: leaving its room (the room told why, once it can
 * take the line), draining what it is owed, closing. */
#include "loop/worker_int.h"
#include "core/chat.h"
#include "core/metrics.h"
#include "door/door.h"
#include "util/log.h"
#include <stdio.h>
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

void conn_close(struct worker *w, uint16_t c, const char *why)
{
	struct conn *k = &conns[c];
	char peer[64];

	peer_format(&k->peer, peer, sizeof peer);
	log_info("disconnect %s %s: %s", peer, k->nick, why);
	if (k->listed)
		ready_unlink(w, c);
	conn_drop_queue(c);
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

void begin_drain(struct worker *w, uint16_t c, int64_t now)
{
	unsigned wake = 0;
	conns[c].drain_deadline_ms = now + CLOSE_FLUSH_MS;
	worker_mark(c, &wake);          /* flush_dirty closes it once drained */
}

/* A connection whose socket failed must not hold up anyone: from now on
 * deliveries skip it (see deliver.c) while it waits to leave its room. */
void mark_dead(uint16_t c)
{
	unsigned char none = KILL_NONE;
	atomic_compare_exchange_strong(&conns[c].kill, &none, KILL_DEAD);
}

static const char *const leave_how[] = {
	[LEAVE_EOF] = "disconnected",
	[LEAVE_IDLE] = "disconnected (idle)",
	[LEAVE_FAIL] = "disconnected",
	[LEAVE_ERROR] = "disconnected",
	[LEAVE_TOO_SLOW] = "disconnected (too slow)",
};

/* Takes c out of its room, telling the room why, then drains or closes
 * it. If the room cannot take the line yet, c stays a member and this is
 * tried again next turn. */
int leave(struct worker *w, uint16_t c, enum leave_reason why,
	  int64_t now, unsigned *wake)
{
	struct conn *k = &conns[c];

	if (why > k->leave)
		k->leave = why;         /* a worse reason wins */
	if (chat_leave(c, leave_how[k->leave], wake) == CHAT_DEFER) {
		retry_soon(w, c, now);
		return 0;
	}
	if (k->state == CONN_DOOR)      /* never joined: nothing to tell */
		atomic_store(&k->state, CONN_DRAINING);
	static const int cut_of[] = {
		[LEAVE_IDLE] = CUT_IDLE + 1,
		[LEAVE_ERROR] = CUT_ERROR + 1, [LEAVE_TOO_SLOW] = CUT_TOO_SLOW + 1,
	};
	if (cut_of[k->leave])
		metric_add(&metrics.cuts[cut_of[k->leave] - 1]);
	switch (k->leave) {
	case LEAVE_EOF:
	case LEAVE_IDLE:
	case LEAVE_FAIL:
		begin_drain(w, c, now);
		return 0;
	case LEAVE_TOO_SLOW:
		send_now(k->fd, k->out_off ?
			 "\n! too-slow: you did not read your messages; disconnected\n" :
			 "! too-slow: you did not read your messages; disconnected\n");
		conn_close(w, c, "too slow");
		return 1;
	default:
		conn_close(w, c, "connection lost");
		return 1;
	}
}

void life_close_after(struct worker *w, uint16_t c, int64_t now, unsigned *wake)
{
	leave(w, c, LEAVE_FAIL, now, wake);
}
