/* WebSocket frames (RFC 6455 section 5), server side: a streaming parser
 * of client frames (header, mask, payload unmasked into the message,
 * fragments, control frames) and the encoder of server frame headers.
 * Pure: bytes in, events out. */
#ifndef NATTER_WS_H
#define NATTER_WS_H
#include <stddef.h>
#include <stdint.h>
#include "core/limits.h"

#define WS_CTL_MAX 125          /* a control frame's payload */
#define WS_HDR_MAX 14           /* the longest frame header */
#define WS_ACCEPT_LEN 28        /* base64 of a SHA-1 */

/* Close status codes (RFC 6455 7.4.1). */
#define WS_CLOSE_NORMAL 1000
#define WS_CLOSE_PROTOCOL 1002
#define WS_CLOSE_UNSUPPORTED 1003
#define WS_CLOSE_NO_STATUS 1005
#define WS_CLOSE_BAD_DATA 1007
#define WS_CLOSE_TOO_BIG 1009

enum ws_event {
	WS_MORE,        /* every byte given was taken: read more */
	WS_TEXT,        /* a whole text message in msg (msg_len bytes) */
	WS_TEXT_LONG,   /* a whole text message over LINE_MAX_CONTENT: dropped */
	WS_PING,        /* ctl/ctl_len: answer with a pong carrying them */
	WS_PONG,        /* ignored by the caller */
	WS_CLOSE,       /* the client's close; code: its status (1005: none) */
	WS_FAIL,        /* a protocol failure; code: the status to close with */
};

struct ws_parser {
	uint8_t hdr[WS_HDR_MAX];
	uint8_t hdr_len;
	uint8_t opcode, fin;
	uint8_t mask[4];
	uint8_t in_message;     /* a fragmented text message is under way */
	uint8_t utf8_need;      /* continuation bytes the UTF-8 check waits for */
	uint8_t utf8_lo, utf8_hi;       /* range of the next continuation byte */
	uint8_t ctl_len;
	uint16_t code;          /* WS_CLOSE / WS_FAIL */
	uint16_t msg_len;
	uint64_t remain;        /* payload bytes left in the frame */
	uint64_t pos;           /* payload bytes of the frame taken */
	uint32_t msg_total;     /* bytes of the message so far, kept or not */
	char msg[LINE_MAX_CONTENT];
	uint8_t ctl[WS_CTL_MAX];
};

void ws_reset(struct ws_parser *p);
/* Takes bytes from in until an event; *used says how many. WS_MORE means
 * all len were taken. After WS_FAIL the parser must not be fed again. */
enum ws_event ws_parse(struct ws_parser *p, const uint8_t *in, size_t len, size_t *used);

/* Writes a server frame header (FIN set, no mask) for a payload of len
 * bytes; returns its length (2, 4 or 10). Inline: every line to a
 * browser gets one (web.c). */
static inline unsigned ws_frame_header(uint8_t *out, unsigned opcode, uint64_t len)
{
	out[0] = (uint8_t)(0x80 | opcode);
	if (len < 126) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len < 65536) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = 127;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

/* A text frame's header for a payload under 65536 bytes (2 or 4 bytes,
 * *hlen), as the 32-bit word whose last *hlen bytes in memory hold it:
 * the bytes ws_frame_header writes (unit-tested against it), made in a
 * register. web.c puts the word right before a pool line's text for
 * every line to a browser, and a header written to memory at an offset
 * and read back as a word stalls the load (a failed store forward). */
static inline uint32_t ws_text_header_word(unsigned len, unsigned *hlen)
{
	uint32_t b0, b1, b2, b3;                /* the word's bytes, in memory order */
	if (len < 126) {
		*hlen = 2;
		b0 = 0, b1 = 0, b2 = 0x81, b3 = len;
	} else {
		*hlen = 4;
		b0 = 0x81, b1 = 126, b2 = (len >> 8) & 0xff, b3 = len & 0xff;
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return b0 | b1 << 8 | b2 << 16 | b3 << 24;
#else
	return b0 << 24 | b1 << 16 | b2 << 8 | b3;
#endif
}

/* Sec-WebSocket-Accept for key (NUL-ended, WS_ACCEPT_LEN chars). */
void ws_accept_key(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1]);
/* 1 if key is base64 of 16 bytes, as RFC 6455 4.1 asks of a client. */
int ws_key_valid(const char *key, size_t key_len);
#endif
