/* Pure text rules of the protocol: UTF-8 and control characters, nick and
 * room names. No state, no I/O: the unit tests and the fuzzer call these. */
#ifndef NATTER_TEXT_H
#define NATTER_TEXT_H
#include <stddef.h>

enum text_fault { TEXT_OK = 0, TEXT_BAD_UTF8, TEXT_BAD_CHAR };

/* Checks a line's content (no LF). UTF-8 faults win over control
 * characters, as PROTOCOL.md orders them. */
enum text_fault text_check(const char *s, size_t len);

int nick_valid(const char *s, size_t len);
int room_valid(const char *s, size_t len);  /* any case; stored lower */

/* Inline: IRC's command names are compared with it a letter at a time,
 * for every line (door/irc_parse.c: irc_is). */
static inline char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}
void ascii_lower_copy(char *dst, const char *src, size_t len); /* NUL-ends dst */
int ascii_casecmp(const char *a, const char *b);
int ascii_caseeq(const char *a, size_t alen, const char *b, size_t blen);
/* s as a decimal number: digits only (no sign, no spaces), not empty, at
 * most max. 1 and *out set, or 0. (One parser for every number natterd
 * reads: strtoul takes signs and spaces, and costs a KiB of libc.) */
/* Word scanning of a command line: only spaces separate (a TAB is part
 * of the word it touches). Both return an index into s[0..len). */
size_t skip_spaces(const char *s, size_t i, size_t len);
size_t word_end(const char *s, size_t i, size_t len);
int decimal_parse(const char *s, unsigned long max, unsigned long *out);
#endif
