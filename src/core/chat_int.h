/* What chat.c shares with chat_irc.c and chat_reply.c; nothing outside
 * src/core uses it. */
#ifndef NATTER_CHAT_INT_H
#define NATTER_CHAT_INT_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "core/chat.h"

extern struct chat_settings settings;
extern atomic_ulong messages;

void tell(uint16_t c, uint16_t msg, unsigned *wake);
void announce(int r, uint16_t skip, uint16_t msg, unsigned *wake);
void reply_error_fmt(uint16_t c, enum proto_error e, const char *fmt,
		     const char *arg, size_t len, unsigned *wake);
/* The lock that orders c's own queue, and a reply to c under it. */
void own_lock(uint16_t c);
void own_unlock(uint16_t c);
void tell_own(uint16_t c, uint16_t m, unsigned *wake);

static inline const char *users(unsigned n)
{
	return n == 1 ? "user" : "users";
}

/* chat_reply.c: the answers of /who, /rooms, /stats, /help, /history. */
void chat_who(uint16_t c, unsigned *wake);
void chat_rooms(uint16_t c, unsigned *wake);
void chat_stats(uint16_t c, unsigned *wake);
void chat_help(uint16_t c, unsigned *wake);
enum chat_result chat_history(uint16_t c, const struct action *a, unsigned *wake);
/* 1 if c's queue has room for the reply to a; else 0 and *res says what
 * the loop does (c waits; a client not reading at all is cut). */
int chat_reply_room(uint16_t c, const struct action *a, unsigned *wake,
		    enum chat_result *res);
#endif
