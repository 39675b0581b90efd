/* Output helpers: bounded string building and whole writes. */
#include "out.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void sb_put(struct sbuf *b, const char *s, size_t n)
{
	size_t room = b->cap - b->len;

	if (n > room)
		n = room;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

void sb_num(struct sbuf *b, unsigned long v)
{
	char d[24];
	int i = sizeof d;

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_put(b, d + i, sizeof d - i);
}

const char *sb_cstr(struct sbuf *b)
{
	if (b->len >= b->cap)
		b->len = b->cap - 1;
	b->p[b->len] = '\0';
	return b->p;
}

int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void say(const char *a, const char *b, const char *c)
{
	char mem[600];
	struct sbuf sb = { mem, 0, sizeof mem - 1 };

	sb_str(&sb, "natter: ");
	if (a)
		sb_str(&sb, a);
	if (b)
		sb_str(&sb, b);
	if (c)
		sb_str(&sb, c);
	mem[sb.len++] = '\n';
	write_all(2, mem, sb.len);
}
