/* What chat.c shares with chat_irc.c; nothing outside src/core uses it. */
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
#endif
