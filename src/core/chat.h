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
#endif
