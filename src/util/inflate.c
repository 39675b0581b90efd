/* Deflate decoding, written from RFC 1951 and RFC 1952. Speed does not
 * matter here (it runs once, on a page of a few KiB), so the Huffman
 * codes are decoded a bit at a time from canonical code counts: the
 * smallest correct decoder, not the fastest. */
#include "util/inflate.h"
#include <string.h>

#define MAX_BITS 15
#define MAX_LIT 288
#define MAX_DIST 30

struct in_bits {
	const uint8_t *p, *end;
	uint32_t buf;           /* bits not yet used, lowest first */
	unsigned cnt;
	int err;                /* ran past the end */
};

struct out_buf {
	uint8_t *p;
	size_t len, cap;
};

struct huffman {
	uint16_t count[MAX_BITS + 1];   /* codes of each length */
	uint16_t symbol[MAX_LIT];       /* symbols in canonical order */
};

static unsigned bits(struct in_bits *b, unsigned n)
{
	while (b->cnt < n) {
		if (b->p == b->end) {
			b->err = 1;
			return 0;
		}
		b->buf |= (uint32_t)*b->p++ << b->cnt;
		b->cnt += 8;
	}
	unsigned v = b->buf & ((1u << n) - 1);
	b->buf >>= n;
	b->cnt -= n;
	return v;
}

/* Builds the canonical code of n symbols from their lengths; -1 if the
 * lengths ask for more codes than exist (over-subscribed). */
static int build(struct huffman *h, const uint8_t *len, unsigned n)
{
	uint16_t offs[MAX_BITS + 1];
	int left = 1;

	memset(h->count, 0, sizeof h->count);
	for (unsigned s = 0; s < n; s++)
		h->count[len[s]]++;
	for (unsigned l = 1; l <= MAX_BITS; l++) {
		left = (left << 1) - h->count[l];
		if (left < 0)
			return -1;
	}
	offs[1] = 0;
	for (unsigned l = 1; l < MAX_BITS; l++)
		offs[l + 1] = offs[l] + h->count[l];
	for (unsigned s = 0; s < n; s++)
		if (len[s])
			h->symbol[offs[len[s]]++] = (uint16_t)s;
	return 0;
}

static int decode(struct in_bits *b, const struct huffman *h)
{
	int code = 0, first = 0, index = 0;

	for (unsigned l = 1; l <= MAX_BITS; l++) {
		code |= (int)bits(b, 1);
		if (b->err)
			return -1;
		int count = h->count[l];
		if (code - first < count)
			return h->symbol[index + code - first];
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return -1;              /* no such code */
}

static const uint16_t len_base[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[30] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

/* The literals, lengths and distances of one compressed block. */
static int codes(struct in_bits *b, struct out_buf *o,
		 const struct huffman *lit, const struct huffman *dist)
{
	for (;;) {
		int s = decode(b, lit);
		if (s < 0)
			return -1;
		if (s < 256) {
			if (o->len == o->cap)
				return -1;
			o->p[o->len++] = (uint8_t)s;
			continue;
		}
		if (s == 256)
			return 0;
		s -= 257;
		if (s >= 29)
			return -1;
		size_t n = len_base[s] + bits(b, len_extra[s]);
		int d = decode(b, dist);
		if (d < 0 || d >= 30)
			return -1;
		size_t back = dist_base[d] + bits(b, dist_extra[d]);
		if (b->err || back > o->len || n > o->cap - o->len)
			return -1;
		for (; n > 0; n--, o->len++)    /* may overlap itself: byte by byte */
			o->p[o->len] = o->p[o->len - back];
	}
}

static int stored(struct in_bits *b, struct out_buf *o)
{
	b->buf = 0;             /* to the next byte boundary */
	b->cnt = 0;
	if (b->end - b->p < 4)
		return -1;
	unsigned len = b->p[0] | b->p[1] << 8, nlen = b->p[2] | b->p[3] << 8;
	b->p += 4;
	if (len != (~nlen & 0xffff) || (size_t)(b->end - b->p) < len || len > o->cap - o->len)
		return -1;
	memcpy(o->p + o->len, b->p, len);
	o->len += len;
	b->p += len;
	return 0;
}

static int fixed(struct in_bits *b, struct out_buf *o)
{
	struct huffman lit, dist;
	uint8_t len[MAX_LIT];
	unsigned s = 0;

	for (; s < 144; s++) len[s] = 8;
	for (; s < 256; s++) len[s] = 9;
	for (; s < 280; s++) len[s] = 7;
	for (; s < MAX_LIT; s++) len[s] = 8;
	build(&lit, len, MAX_LIT);
	memset(len, 5, MAX_DIST);
	build(&dist, len, MAX_DIST);
	return codes(b, o, &lit, &dist);
}

static int dynamic(struct in_bits *b, struct out_buf *o)
{
	static const uint8_t order[19] = {
		16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
	struct huffman lit, dist;
	uint8_t len[MAX_LIT + MAX_DIST];
	unsigned nlit = bits(b, 5) + 257, ndist = bits(b, 5) + 1, ncode = bits(b, 4) + 4;

	if (b->err || nlit > MAX_LIT || ndist > MAX_DIST)
		return -1;
	memset(len, 0, 19);
	for (unsigned i = 0; i < ncode; i++)
		len[order[i]] = (uint8_t)bits(b, 3);
	if (b->err || build(&lit, len, 19) < 0)
		return -1;
	for (unsigned i = 0; i < nlit + ndist;) {
		int s = decode(b, &lit);
		unsigned repeat;
		uint8_t value = 0;
		if (s < 0)
			return -1;
		if (s < 16) {
			len[i++] = (uint8_t)s;
			continue;
		}
		if (s == 16) {
			if (i == 0)
				return -1;
			value = len[i - 1];
			repeat = 3 + bits(b, 2);
		} else if (s == 17) {
			repeat = 3 + bits(b, 3);
		} else {
			repeat = 11 + bits(b, 7);
		}
		if (b->err || i + repeat > nlit + ndist)
			return -1;
		while (repeat--)
			len[i++] = value;
	}
	if (len[256] == 0 || build(&lit, len, nlit) < 0 || build(&dist, len + nlit, ndist) < 0)
		return -1;
	return codes(b, o, &lit, &dist);
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Skips a zero-terminated header field; -1 if it has no end. */
static int skip_string(struct in_bits *b)
{
	while (b->p < b->end)
		if (*b->p++ == 0)
			return 0;
	return -1;
}

long gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	enum { FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16 };
	struct in_bits b = { in + 10, in + n, 0, 0, 0 };
	struct out_buf o = { out, 0, cap };
	int last;

	if (n < 18 || in[0] != 0x1f || in[1] != 0x8b || in[2] != 8 || in[3] & 0xe0)
		return -1;
	b.end = in + n - 8;     /* the trailer: CRC-32 and length */
	if (in[3] & FEXTRA) {
		if (b.end - b.p < 2 || (size_t)(b.end - b.p - 2) < (size_t)(b.p[0] | b.p[1] << 8))
			return -1;
		b.p += 2 + (b.p[0] | b.p[1] << 8);
	}
	if ((in[3] & FNAME && skip_string(&b) < 0) || (in[3] & FCOMMENT && skip_string(&b) < 0))
		return -1;
	if (in[3] & FHCRC) {
		if (b.end - b.p < 2)
			return -1;
		b.p += 2;
	}
	do {
		last = (int)bits(&b, 1);
		unsigned type = bits(&b, 2);
		int r = b.err ? -1 : type == 0 ? stored(&b, &o) : type == 1 ? fixed(&b, &o) :
			type == 2 ? dynamic(&b, &o) : -1;
		if (r < 0 || b.err)
			return -1;
	} while (!last);
	if (b.p != b.end || le32(in + n - 4) != (uint32_t)o.len || le32(in + n - 8) != crc32(out, o.len))
		return -1;
	return (long)o.len;
}
