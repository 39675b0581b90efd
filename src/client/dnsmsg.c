/* DNS message encoding and decoding (see dnsmsg.h). */
#include "dnsmsg.h"

#include <string.h>

#define HDR 12
#define MAX_HOPS 32             /* compression pointers followed per name */

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

size_t dns_query(unsigned char *buf, size_t cap, unsigned id,
		 const char *name, unsigned type)
{
	size_t n = strlen(name), o = HDR, i, lab;

	if (n && name[n - 1] == '.')
		n--;
	/* labels: one length byte per label plus the name's bytes, a root
	 * byte, then QTYPE and QCLASS */
	if (n == 0 || n > 253 || HDR + n + 2 + 4 > cap)
		return 0;
	memset(buf, 0, HDR);
	buf[0] = (unsigned char)(id >> 8);
	buf[1] = (unsigned char)id;
	buf[5] = 1;                             /* QDCOUNT */
	for (i = 0; i <= n; i = lab + 1) {
		lab = i;
		while (lab < n && name[lab] != '.')
			lab++;
		if (lab == i || lab - i > 63)
			return 0;
		buf[o++] = (unsigned char)(lab - i);
		memcpy(buf + o, name + i, lab - i);
		o += lab - i;
	}
	buf[o++] = 0;
	buf[o++] = (unsigned char)(type >> 8);
	buf[o++] = (unsigned char)type;
	buf[o++] = 0;
	buf[o++] = 1;                           /* class IN */
	return o;
}

size_t dns_name(const unsigned char *msg, size_t len, size_t off, char *out)
{
	size_t o = 0, end = 0, limit = off;
	int hops = 0;

	for (;;) {
		unsigned c;

		if (off >= len)
			return 0;
		c = msg[off];
		if (c >= 0xC0) {                /* a pointer, to earlier bytes only */
			size_t to;

			if (off + 1 >= len || ++hops > MAX_HOPS)
				return 0;
			to = (c & 0x3F) << 8 | msg[off + 1];
			if (!end)
				end = off + 2;
			if (to >= limit)
				return 0;
			off = limit = to;
			continue;
		}
		if (c > 63)
			return 0;
		if (c == 0)
			break;
		if (off + 1 + c > len || o + c + 1 >= DNS_NAME_MAX)
			return 0;
		if (o)
			out[o++] = '.';
		memcpy(out + o, msg + off + 1, c);
		o += c;
		off += 1 + c;
	}
	out[o] = '\0';
	return end ? end : off + 1;
}

int dns_walk(const unsigned char *msg, size_t len, unsigned id,
	     dns_rr_fn fn, void *ctx)
{
	char name[DNS_NAME_MAX];
	size_t off = HDR;
	unsigned qd, rr, i;
	struct dns_rr r;

	if (len < HDR || get16(msg) != id || !(msg[2] & 0x80))
		return -1;
	qd = get16(msg + 4);
	rr = get16(msg + 6) + get16(msg + 8) + get16(msg + 10);
	for (i = 0; i < qd; i++) {
		off = dns_name(msg, len, off, name);
		if (!off || off + 4 > len)
			return -1;
		off += 4;
	}
	for (i = 0; i < rr; i++) {
		off = dns_name(msg, len, off, name);
		if (!off || off + 10 > len)
			return -1;
		r.name = name;
		r.type = get16(msg + off);
		r.rdlen = get16(msg + off + 8);
		r.rdoff = off + 10;
		r.rdata = msg + r.rdoff;
		if (r.rdoff + r.rdlen > len)
			return -1;
		fn(msg, len, &r, ctx);
		off = r.rdoff + r.rdlen;
	}
	return (int)rr;
}

int dns_name_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned x = (unsigned char)*a, y = (unsigned char)*b;

		if (x - 'A' < 26)
			x += 32;
		if (y - 'A' < 26)
			y += 32;
		if (x != y)     /* "a.local." is "a.local" */
			return (x == '.' && !y && !a[1]) || (y == '.' && !x && !b[1]);
		if (!x)
			return 1;
	}
}
