/* Room history in the terminal: after connecting and after each /join,
 * natter asks for the room's history (/history) and shows its lines dimmed,
 * with the server's UTC times in local time, before the live lines. */
#ifndef NATTER_CLIENT_HISTORY_H
#define NATTER_CLIENT_HISTORY_H

#include <stddef.h>

/* If s is a history line (`= history: TIME TEXT`), writes `LOCALTIME TEXT`
 * to out (cap bytes) and returns its length; otherwise -1. */
long hist_format(const char *s, size_t n, char *out, size_t cap, long long now_s);
/* Is s the closing line of a /history reply (`= history: ROOM (N lines)`)? */
int hist_is_end(const char *s, size_t n);

#endif
