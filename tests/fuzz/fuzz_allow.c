/* libFuzzer harness for the --allow list (allow.c).
 *
 * Input: up to MAX_ALLOW + 2 network strings, one per line, then a line
 * "--", then peer addresses (17 bytes each: a family byte, even for IPv4
 * and odd for IPv6, then 16 address bytes). allow_add must never read past
 * its string (a heap copy of exactly its size), must accept exactly the
 * well-formed ADDR or ADDR/BITS while the list has room and refuse every
 * other string (both directions: "10.0.0.0/8junk" is refused), store what
 * the reference parses, and allow_match
 * must agree with a bit-by-bit reference: a peer is allowed when the list
 * is empty or some network of its family holds it, an IPv4-mapped IPv6
 * peer (::ffff:a.b.c.d) counting as IPv4. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/allow.h"

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_allow: %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} } while (0)

struct ref_net { int family; unsigned bits; uint8_t addr[16]; };

/* The form: ADDR (what inet_pton takes, under 64 bytes), or ADDR "/" one
 * or more decimal digits (no sign, no space, nothing after) whose value is
 * within the family's width. Returns 1 and fills *r if s is well-formed. */
static int ref_parse(const char *s, struct ref_net *r)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen >= sizeof buf)
		return 0;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(r, 0, sizeof *r);
	if (inet_pton(AF_INET, buf, r->addr) == 1)
		r->family = AF_INET, r->bits = 32;
	else if (inet_pton(AF_INET6, buf, r->addr) == 1)
		r->family = AF_INET6, r->bits = 128;
	else
		return 0;
	if (slash) {
		const char *d = slash + 1;
		size_t nd = strlen(d);
		if (nd < 1)
			return 0;
		unsigned v = 0;
		for (size_t i = 0; i < nd; i++) {
			if (d[i] < '0' || d[i] > '9')
				return 0;
			v = v * 10 + (unsigned)(d[i] - '0');
			if (v > 1000)
				v = 1000;       /* too wide already; no overflow */
		}
		if (v > r->bits)
			return 0;
		r->bits = v;
	}
	return 1;
}

static int bit(const uint8_t *a, unsigned i)
{
	return a[i / 8] >> (7 - i % 8) & 1;
}

static int ref_holds(const struct ref_net *n, int family, const uint8_t *addr)
{
	if (n->family != family)
		return 0;
	for (unsigned i = 0; i < n->bits; i++)
		if (bit(n->addr, i) != bit(addr, i))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct allow_list list;
	struct ref_net nets[MAX_ALLOW + 2];
	unsigned nstr = 0, nref = 0;
	size_t pos = 0;

	if (size > 4096)
		return 0;
	memset(&list, 0xa5, sizeof list);
	list.n = 0;

	while (pos < size && nstr < MAX_ALLOW + 2) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		if (len == 2 && memcmp(data + pos, "--", 2) == 0) {
			pos += 3;
			break;
		}
		if (memchr(data + pos, '\0', len)) {     /* not a C string: skip it */
			pos += len + 1;
			continue;
		}
		char *s = malloc(len + 1);
		CHECK(s != NULL, "out of memory");
		memcpy(s, data + pos, len);
		s[len] = '\0';
		unsigned before = list.n;
		int rc = allow_add(&list, s);
		struct ref_net r;
		int strict = ref_parse(s, &r);
		CHECK(rc == 0 || rc == -1, "allow_add returned %d", rc);
		CHECK(list.n == before + (rc == 0), "list count %u after %u, rc %d", list.n, before, rc);
		CHECK(list.n <= MAX_ALLOW, "list holds %u", list.n);
		if (before == MAX_ALLOW)
			CHECK(rc == -1, "a full list took '%s'", s);
		else if (strict)
			CHECK(rc == 0, "well-formed '%s' refused", s);
		else
			CHECK(rc == -1, "malformed '%s' accepted", s);
		if (rc == 0) {
			/* What it stored must be the network it was given. */
			const struct allow_net *got = &list.nets[list.n - 1];
			CHECK((int)got->family == r.family && got->bits == r.bits &&
			      memcmp(got->addr, r.addr, r.family == AF_INET ? 4 : 16) == 0,
			      "'%s' stored as family %d /%u", s, got->family, got->bits);
			nets[nref].family = got->family;
			nets[nref].bits = got->bits;
			memcpy(nets[nref].addr, got->addr, 16);
			nref++;
		}
		free(s);
		nstr++;
		pos += len + 1;
	}

	/* Peers. */
	while (pos + 17 <= size) {
		int family = data[pos] & 1 ? AF_INET6 : AF_INET;
		uint8_t addr[16];
		memcpy(addr, data + pos + 1, 16);
		if (data[pos] & 2) {    /* make it IPv4-mapped */
			family = AF_INET6;
			memset(addr, 0, 10);
			addr[10] = addr[11] = 0xff;
		}
		pos += 17;

		int rfam = family;
		const uint8_t *raddr = addr;
		static const uint8_t mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };
		if (family == AF_INET6 && memcmp(addr, mapped, 12) == 0) {
			rfam = AF_INET;
			raddr = addr + 12;
		}
		int want = nref == 0;
		for (unsigned i = 0; i < nref && !want; i++)
			want = ref_holds(&nets[i], rfam, raddr);

		/* Exactly sized copies, so ASan sees a read past the address. */
		size_t alen = family == AF_INET ? 4 : 16;
		uint8_t *copy = malloc(alen);
		CHECK(copy != NULL, "out of memory");
		memcpy(copy, addr, alen);
		int got = allow_match(&list, family, copy);
		free(copy);
		CHECK(!!got == want, "allow_match %d, reference %d (family %d, %u networks)",
		      got, want, family, nref);
	}
	return 0;
}
