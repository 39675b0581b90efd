/* Client address checks: --allow networks. */
#ifndef NATTER_ALLOW_H
#define NATTER_ALLOW_H
#include <stdint.h>
#include "core/limits.h"

struct allow_net {
	uint8_t family;         /* AF_INET or AF_INET6 */
	uint8_t bits;
	uint8_t addr[16];
};

struct allow_list {
	unsigned n;
	struct allow_net nets[MAX_ALLOW];
};

/* Parses "ADDR/BITS" or "ADDR"; -1 if malformed or the list is full. */
int allow_add(struct allow_list *l, const char *cidr);
/* An empty list allows everyone. IPv4-mapped IPv6 peers match IPv4 nets. */
int allow_match(const struct allow_list *l, int family, const uint8_t *addr);
#endif
