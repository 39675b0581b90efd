/* DNS messages as mDNS uses them (RFC 1035 4, RFC 6762): building a query
 * and walking the records of a response. Pure code, bytes in and out, so
 * it is unit tested and fuzzed without sockets. */
#ifndef NATTER_CLIENT_DNSMSG_H
#define NATTER_CLIENT_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

#define DNS_A    1
#define DNS_PTR  12
#define DNS_AAAA 28
#define DNS_SRV  33
#define DNS_NAME_MAX 256        /* a dotted name, 255 octets on the wire */

/* One resource record; name and rdata point into the walker's storage
 * and the message, valid during the callback only. */
struct dns_rr {
	const char *name;           /* dotted, without the final dot */
	unsigned type;
	const unsigned char *rdata;
	size_t rdlen;
	size_t rdoff;               /* rdata's offset in the message */
};

typedef void (*dns_rr_fn)(const unsigned char *msg, size_t len,
			  const struct dns_rr *rr, void *ctx);

/* Writes a query for NAME (dotted, an optional final dot) of type TYPE,
 * class IN, with id ID. Returns its length, or 0 if the name is not a
 * valid one or buf is too small. */
size_t dns_query(unsigned char *buf, size_t cap, unsigned id,
		 const char *name, unsigned type);

/* Reads the (possibly compressed) name at off into out (DNS_NAME_MAX
 * bytes), dotted. Returns the offset right after the name where it
 * starts, or 0 if it is malformed (out of bounds, a pointer loop). */
size_t dns_name(const unsigned char *msg, size_t len, size_t off, char *out);

/* Checks that msg is a response with id ID and calls fn for each record
 * of every section. Returns the number of records, -1 if malformed (fn
 * may have been called for the records before the fault). */
int dns_walk(const unsigned char *msg, size_t len, unsigned id,
	     dns_rr_fn fn, void *ctx);

/* Names compared as DNS does: ASCII case is ignored, and so is a final
 * dot of either. */
int dns_name_eq(const char *a, const char *b);

#endif
