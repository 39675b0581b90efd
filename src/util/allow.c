#include "util/allow.h"
#include "util/text.h"
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

int allow_add(struct allow_list *l, const char *cidr)
{
	char buf[64];
	struct allow_net *n;
	const char *slash = strchr(cidr, '/');
	size_t alen = slash ? (size_t)(slash - cidr) : strlen(cidr);

	if (l->n == MAX_ALLOW || alen >= sizeof buf)
		return -1;
	n = &l->nets[l->n];
	memcpy(buf, cidr, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, n->addr) == 1)
		n->family = AF_INET, n->bits = 32;
	else if (inet_pton(AF_INET6, buf, n->addr) == 1)
		n->family = AF_INET6, n->bits = 128;
	else
		return -1;
	if (slash) {
		unsigned long bits;
		if (!decimal_parse(slash + 1, n->bits, &bits))
			return -1;      /* digits only: no sign, no spaces */
		n->bits = (uint8_t)bits;
	}
	l->n++;
	return 0;
}

static int prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

int allow_match(const struct allow_list *l, int family, const uint8_t *addr)
{
	static const uint8_t v4mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };
	uint8_t v4[4];

	if (l->n == 0)
		return 1;
	if (family == AF_INET6 && memcmp(addr, v4mapped, 12) == 0) {
		memcpy(v4, addr + 12, 4);
		family = AF_INET;
		addr = v4;
	}
	for (unsigned i = 0; i < l->n; i++)
		if (l->nets[i].family == family && prefix_eq(l->nets[i].addr, addr, l->nets[i].bits))
			return 1;
	return 0;
}
