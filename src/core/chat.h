/* What the protocol means: greeting, commands, leaving. Runs in the worker
 * that owns the connection; takes chat_mu and room locks as room.h says. */
#ifndef NATTER_CHAT_H
#define NATTER_CHAT_H
#include <stdint.h>
#include "door/proto.h"

enum chat_result {
	CHAT_OK,
	CHAT_DEFER,     /* nothing done: a queue is full, retry the line later */
	CHAT_CLOSE,     /* the client left (/quit): drain and close */
};

struct chat_settings {
	const char *hostname;
	int quiet;              /* no msg lines on stdout */
	unsigned idle_timeout;
};

void chat_init(const struct chat_settings *s);
/* Registers a new connection: guest nick, lobby, greeting, join event.
 * CHAT_DEFER: the lobby cannot take the event yet; nothing was done. */
enum chat_result chat_connect(uint16_t c, unsigned *wake);
enum chat_result chat_handle(uint16_t c, const struct action *act, unsigned *wake);
/* Sends `! CODE: text` to c itself (an event: never waits). */
void chat_error(uint16_t c, enum proto_error e, unsigned *wake);
/* Queues the pool line m (a reference the caller gives up) to c alone,
 * as an event; for lines a door makes itself (a pong, an HTTP response). */
void chat_tell(uint16_t c, uint16_t m, unsigned *wake);
/* Seconds since chat_init. */
unsigned long chat_uptime(void);
/* Takes c out of the chat; the room sees `-- NICK <how>` unless how is
 * NULL. Its queue is left for the caller to drain or drop. CHAT_DEFER:
 * the room cannot take the event yet; c is still in it. */
enum chat_result chat_leave(uint16_t c, const char *how, unsigned *wake);
unsigned long chat_messages(void);
const char *chat_hostname(void);
/* A message or action (/me) from c to room r (its room, or one of an IRC
 * connection's rooms); notice: an IRC NOTICE (IRC members see a NOTICE). */
enum chat_result chat_say_in(uint16_t c, int r, const struct action *a, int action,
			     int notice, unsigned *wake);

/* The IRC door's entries (chat_irc.c): a connection in several rooms. */
enum irc_result {
	IRC_OK,
	IRC_DEFER,              /* a queue is full: nothing done, retry */
	IRC_TAKEN,              /* the nick is someone else's */
	IRC_ROOM_LIMIT,         /* the room table is full */
	IRC_TOO_MANY,           /* c is in IRC_CHANNELS_MAX rooms already */
	IRC_ALREADY,            /* c is in that room already */
	IRC_NOT_IN,             /* c is not in that room */
	IRC_NOT_OP,             /* c is not the room's op (its opener) */
	IRC_NO_NICK,            /* no one has that nick */
	IRC_NOT_THERE,          /* that nick is not in the room */
};
/* Claims nick for c before it is in any room (registration). */
enum irc_result chat_irc_claim(uint16_t c, const char *nick, size_t len);
enum irc_result chat_irc_nick(uint16_t c, const char *nick, size_t len, unsigned *wake);
/* lower_name is a valid room name in lower case. */
enum irc_result chat_irc_join(uint16_t c, const char *lower_name, unsigned *wake);
/* reason: PART's message, for IRC members (natter's event has none). */
enum irc_result chat_irc_part(uint16_t c, const char *lower_name, const char *reason,
			      size_t reason_len, unsigned *wake);
/* Leaves every room (each sees `-- NICK how` unless how is NULL) and frees
 * the nick; CHAT_DEFER keeps what was done and is retried. */
enum chat_result chat_irc_leave(uint16_t c, const char *how, unsigned *wake);
/* MODE #lower_name SIGN MODE [NICK]: c, the room's op, sets ('+') or
 * clears ('-') its secret flag (mode 's') or NICK's voice in it ('v').
 * A change is told to the room's IRC members as a MODE line. */
enum irc_result chat_irc_mode(uint16_t c, const char *lower_name, char sign, char mode,
			      const char *nick, size_t len, unsigned *wake);
#endif
