/* libFuzzer harness for the mDNS answer walker (src/client/dnsmsg.c):
 * any bytes as an answer, every record's names read back. */
#include "client/dnsmsg.h"

#include <stdint.h>
#include <string.h>

static void on_rr(const unsigned char *msg, size_t len, const struct dns_rr *rr, void *ctx)
{
	char name[DNS_NAME_MAX];

	(void)ctx;
	if (strlen(rr->name) >= DNS_NAME_MAX || rr->rdoff + rr->rdlen > len)
		__builtin_trap();
	if (rr->rdlen > 6 && dns_name(msg, len, rr->rdoff + 6, name) && strlen(name) >= DNS_NAME_MAX)
		__builtin_trap();
	if (dns_name(msg, len, rr->rdoff, name) > len + 1)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char q[DNS_NAME_MAX + 32];
	char name[DNS_NAME_MAX];

	if (size >= 2)
		dns_walk(data, size, (unsigned)data[0] << 8 | data[1], on_rr, NULL);
	/* the same bytes as a name to query for */
	if (size < sizeof name) {
		memcpy(name, data, size);
		name[size] = '\0';
		dns_query(q, sizeof q, 1, name, DNS_A);
	}
	return 0;
}
