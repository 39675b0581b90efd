/* Room history: each room's last lines (messages and actions, as the room
 * saw them), for /history.
 *
 * Static storage: per room a ring of HISTORY_MAX fixed-size entries, each a
 * copy of the formatted line (`<nick> text`, `* nick text`) and the time it
 * was accepted. Copies, not message-pool references, so history never keeps
 * a pool slot from being reused. Only the first `keep` entries of a room
 * are ever written (keep: --history, at most HISTORY_MAX), and only once
 * the room has had that many lines, so a room never used costs no
 * resident memory.
 *
 * Locking: the caller holds the room's lock (rooms[r].mu), the lock that
 * orders the room's lines: history order is delivery order, and a reader
 * under that lock sees a snapshot. Pure otherwise (no clock, no sockets):
 * unit tested in tests/unit/test_history.c. */
#ifndef NATTER_HISTORY_H
#define NATTER_HISTORY_H
#include <stddef.h>
#include <stdint.h>
#include "core/limits.h"

struct history_line {
	int64_t when;                   /* seconds since the epoch, UTC */
	uint16_t len;
	char text[HISTORY_LINE_MAX];    /* no LF, not NUL-terminated */
};

/* Lines kept per room from now on (0: none); clamped to HISTORY_MAX. */
void history_init(unsigned keep);
unsigned history_keep(void);
/* Appends a line to room r's ring, dropping its oldest when full. */
void history_add(int r, int64_t when, const char *text, size_t len);
/* Forgets room r's lines (the room ended). */
void history_clear(int r);
unsigned history_count(int r);
/* The i-th kept line of room r, 0 the oldest; i < history_count(r). */
const struct history_line *history_get(int r, unsigned i);
#endif
