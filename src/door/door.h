/* Doors: the wire protocols a client can come in by. The loop (src/loop)
 * owns the socket, the rate limit, deferrals and their deadlines and a
 * connection's life; a door owns what the bytes mean. Each listener has
 * one door, and each connection records the door it came in by
 * (conns[c].door, set at accept). A door keeps its own per-connection
 * state in static per-slot arrays of its own, written only by the worker
 * that owns the slot, and reset by open() when a slot is (re)used. */
#ifndef NATTER_DOOR_H
#define NATTER_DOOR_H
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct msg;

enum door_kind { DOOR_LINE, DOOR_WEB, DOOR_IRC };
#define DOOR_KINDS 3

/* What one step of a door did with the input it holds. */
enum door_step {
	DOOR_MORE,      /* no whole unit yet: the loop reads more bytes */
	DOOR_DONE,      /* handled one unit (a line, a frame): costs a rate token */
	DOOR_DEFER,     /* this unit must wait (a queue is full): the door keeps
			 * it, the loop retries it, and past the loop's deadline
			 * cuts the client */
	DOOR_LEAVE,     /* the client leaves (/quit, QUIT): drain, then close */
	DOOR_JOINED,    /* a door with a handshake put c in the chat
			 * (chat_connect): CONN_DOOR -> CONN_OPEN */
	DOOR_FAIL,      /* protocol failure: close now; the door has queued its
			 * last words, which are sent first (life_close_after) */
};

struct door_ops {
	const char *name;
	/* 0: c joins the chat at accept. Otherwise c starts in CONN_DOOR
	 * (reads input, is in no room) and its door has this long to make it
	 * join (chat_connect) before the loop closes it. */
	unsigned handshake_ms;
	/* c came in by this door (a fresh slot): reset the door's state. */
	void (*open)(uint16_t c);
	/* One read turn of c: begin(), then space/added/step as the loop
	 * needs, then end() if c is still open. */
	void (*begin)(uint16_t c);
	/* Where the next bytes go and how many the door can take now; a
	 * room of 0 means "step first". */
	char *(*space)(uint16_t c, size_t *room);
	void (*added)(uint16_t c, size_t n);
	/* Handles at most one unit of the input held. */
	enum door_step (*step)(uint16_t c, unsigned *wake);
	/* The turn is over: the door may park what it holds. */
	void (*end)(uint16_t c);
	/* Wire forms of the n queued lines m[] for c, the first from byte
	 * off of its wire form, each as one piece in iov[] (a header of its
	 * own goes in the slot's room before the text: struct msg). A run at
	 * a time, not a line: what it asks of c once, it asks once per write.
	 * The pool text is shared by every recipient: never change it. NULL:
	 * the pool text is sent as is (the line and IRC doors). */
	void (*render)(uint16_t c, struct msg *const *m, unsigned n, unsigned off,
		       struct iovec *iov);
	/* c is being closed (owner worker): free what the door holds for it.
	 * NULL: nothing to free. */
	void (*close)(uint16_t c);
	/* A client refused at accept (full, --max-per-ip) is told so in the
	 * door's own form. NULL: the line is sent as is. */
	void (*refuse)(int fd, const char *line);
	/* A client being cut (too slow) is told why, at once, outside its
	 * queue, in the door's form; mid_line: a line of its was left half
	 * written. NULL: the natter line as is (after an LF if mid_line). */
	void (*last_words)(uint16_t c, int fd, const char *line, int mid_line);
};

extern const struct door_ops door_line;
extern const struct door_ops door_web;
extern const struct door_ops door_irc;
/* The line door's input buffering (line.c), shared by every door that
 * reads LF-ended lines: the IRC door too. */
void line_open(uint16_t c);
void line_begin(uint16_t c);
char *line_space(uint16_t c, size_t *room);
void line_added(uint16_t c, size_t n);
void line_end(uint16_t c);
struct linebuf *line_cur(void);         /* c's buffer in this turn */
/* The door of a kind; a kind without a door yet gets the line door. */
const struct door_ops *door_get(unsigned kind);
#endif
