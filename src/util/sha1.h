/* SHA-1 (FIPS 180-4), only for the WebSocket handshake's accept key. */
#ifndef NATTER_SHA1_H
#define NATTER_SHA1_H
#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN 20

struct sha1 {
	uint32_t h[5];
	uint64_t total;         /* bytes hashed */
	uint8_t block[64];
	unsigned used;          /* bytes in block */
};

void sha1_init(struct sha1 *s);
void sha1_add(struct sha1 *s, const void *data, size_t len);
void sha1_end(struct sha1 *s, uint8_t out[SHA1_LEN]);
#endif
