/* Small output helpers. natter avoids stdio and printf: on a static musl
 * build they cost several KiB, and the whole client must stay small. */
#ifndef NATTER_CLIENT_OUT_H
#define NATTER_CLIENT_OUT_H

#include <stddef.h>

/* A bounded text buffer; writes past the end are dropped, never overflow. */
struct sbuf {
	char *p;
	size_t len, cap;
};

void sb_put(struct sbuf *b, const char *s, size_t n);
void sb_str(struct sbuf *b, const char *s);
void sb_num(struct sbuf *b, unsigned long v);
/* NUL-terminates (sacrificing the last byte if full) and returns b->p. */
const char *sb_cstr(struct sbuf *b);

/* write() everything, retrying short writes and EINTR; -1 on error. */
int write_all(int fd, const char *p, size_t n);

/* "natter: a b c\n" on stderr in one write; NULL parts are skipped. */
void say(const char *a, const char *b, const char *c);

#endif
