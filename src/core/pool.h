/* The message pool: every line the server sends is formatted once into a
 * pool slot and shared by all its recipients through a reference count.
 * Static storage; a slot's pages are only touched once it is first used. */
#ifndef NATTER_POOL_H
#define NATTER_POOL_H
#include <stdint.h>
#include <stdatomic.h>
#include <stddef.h>
#include "core/limits.h"

#define MSG_NONE 0xffff

struct msg {
	atomic_uint refs;
	uint16_t len;
	uint16_t next_free;
	/* Room for a door's frame header right before the text, so a framed
	 * line goes out as one piece (door/web.c). Any worker that writes
	 * the line may put it there, always the same four bytes for that
	 * line (a shorter header's unused bytes included): hence one atomic
	 * word, read and compared at once. */
	atomic_uint before;
	char text[OUT_LINE_MAX];
};

/* Allocations leave this many slots for server events (joins, leaves,
 * disconnects), which cannot wait. */
#define POOL_EVENT_RESERVE (MAX_WORKERS * 8)

void pool_init(void);
/* A slot with one reference, or MSG_NONE when the pool is (nearly) dry;
 * urgent allocations may use the reserve. */
uint16_t msg_alloc(int urgent);
/* Formats a line (LF added) into a new slot. */
uint16_t msg_printf(int urgent, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A said line, `BEFORE nick AFTER text` and LF, without printf: made
 * once for every chat line, and vsnprintf was 1,600 instructions of it. */
uint16_t msg_said(int urgent, const char *before, const char *nick, const char *after,
		  const char *text, size_t len);
struct msg *msg_at(uint16_t idx);
void msg_ref(uint16_t idx, unsigned n);
void msg_unref(uint16_t idx);
/* Gives back n references at once (n > 0); the last frees the slot. */
void msg_unref_n(uint16_t idx, unsigned n);
/* A reference given back by the calling worker's write: gathered, and
 * given back per message at the end of the worker's turn
 * (msg_release_flush), so a line written to 100 members costs a few
 * atomic subtractions on its count, not 100 from two threads at once.
 * While the pool runs low (low: pool_low(), asked once per write, not
 * once per line), given back at once. */
void msg_release(uint16_t idx, int low);
/* Gives back everything this thread has gathered. */
void msg_release_flush(void);
unsigned pool_available(void);
/* Fewer than a quarter of the slots plain messages may use are free. */
int pool_low(void);
#endif
