/* Base64 (RFC 4648, standard alphabet, with padding): the WebSocket
 * handshake's keys. */
#ifndef NATTER_BASE64_H
#define NATTER_BASE64_H
#include <stddef.h>
#include <stdint.h>

/* Room the encoding of len bytes needs, NUL included. */
#define BASE64_SIZE(len) (((len) + 2) / 3 * 4 + 1)

/* Writes the encoding of in to out (NUL-ended); returns its length. */
size_t base64_encode(const uint8_t *in, size_t len, char *out);
/* How many bytes the padded base64 text s (len chars) decodes to, or -1
 * if it is not well-formed base64. */
int base64_decoded_len(const char *s, size_t len);
#endif
