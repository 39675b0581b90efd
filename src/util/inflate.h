/* A small gzip (RFC 1952) / deflate (RFC 1951) decoder. natterd keeps its
 * chat page gzipped; a client that does not accept gzip (a script, curl)
 * gets the page decoded once into a static buffer. Pure: bytes in, bytes
 * out, no allocation. */
#ifndef NATTER_INFLATE_H
#define NATTER_INFLATE_H
#include <stddef.h>
#include <stdint.h>

/* Decodes the gzip member in[0..n) into out (cap bytes). Returns the
 * decoded length, or -1 if the input is malformed, truncated, does not
 * fit in cap, or its trailer's length or CRC-32 does not match. */
long gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap);
#endif
