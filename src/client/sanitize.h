/* Text from the network is never trusted to be printable: natterd already
 * refuses control characters (bad-char), but another server, a proxy or a
 * future bug must not be able to drive the user's terminal. */
#ifndef NATTER_CLIENT_SANITIZE_H
#define NATTER_CLIENT_SANITIZE_H

#include <stddef.h>

/* Copies in[0..n) to out (at least n bytes), replacing each control
 * character (C0 but TAB, DEL, C1) and each byte that is not part of valid
 * UTF-8 with '?'. Returns the length written (never more than n). */
size_t sanitize(const char *in, size_t n, char *out);

/* 1 if the text is valid UTF-8 without control characters (TAB allowed):
 * exactly the lines natterd accepts without bad-utf8/bad-char. */
int text_ok(const char *s, size_t n);

#endif
