/* RFC 6455 frames. The parser keeps at most one frame header, the text
 * message being assembled (up to the line limit; the rest is checked and
 * dropped) and one control frame's payload: a client cannot make it hold
 * more whatever it sends. */
#include "door/ws.h"
#include "util/base64.h"
#include "util/sha1.h"
#include <string.h>

enum { OP_CONT = 0, OP_TEXT = 1, OP_BINARY = 2, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10 };

void ws_reset(struct ws_parser *p)
{
	memset(p, 0, offsetof(struct ws_parser, msg));
}

static enum ws_event fail(struct ws_parser *p, uint16_t code)
{
	p->code = code;
	return WS_FAIL;
}

/* One byte of a text message through the UTF-8 check (RFC 3629 table:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static int utf8_byte(struct ws_parser *p, uint8_t b)
{
	if (p->utf8_need) {
		if (b < p->utf8_lo || b > p->utf8_hi)
			return 0;
		p->utf8_need--;
		p->utf8_lo = 0x80, p->utf8_hi = 0xbf;
		return 1;
	}
	p->utf8_lo = 0x80, p->utf8_hi = 0xbf;
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		p->utf8_need = 1;
	else if (b >= 0xe0 && b <= 0xef) {
		p->utf8_need = 2;
		if (b == 0xe0)
			p->utf8_lo = 0xa0;
		if (b == 0xed)
			p->utf8_hi = 0x9f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		p->utf8_need = 3;
		if (b == 0xf0)
			p->utf8_lo = 0x90;
		if (b == 0xf4)
			p->utf8_hi = 0x8f;
	} else {
		return 0;
	}
	return 1;
}

/* The header is whole: checks it and sets up the payload. */
static enum ws_event header_done(struct ws_parser *p)
{
	uint8_t b0 = p->hdr[0], b1 = p->hdr[1];
	unsigned op = b0 & 15, lenbyte = b1 & 127, n = 2;
	uint64_t len = lenbyte;

	if (b0 & 0x70)
		return fail(p, WS_CLOSE_PROTOCOL);      /* RSV bits: no extension agreed */
	if (!(b1 & 0x80))
		return fail(p, WS_CLOSE_PROTOCOL);      /* a client must mask */
	if (lenbyte == 126) {
		len = (uint64_t)p->hdr[2] << 8 | p->hdr[3];
		n = 4;
	} else if (lenbyte == 127) {
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | p->hdr[2 + i];
		n = 10;
		if (len >> 63)
			return fail(p, WS_CLOSE_PROTOCOL);
	}
	memcpy(p->mask, p->hdr + n, 4);
	p->opcode = (uint8_t)op;
	p->fin = b0 >> 7;
	p->remain = len;
	p->pos = 0;
	switch (op) {
	case OP_CLOSE: case OP_PING: case OP_PONG:
		if (!p->fin || len > WS_CTL_MAX)
			return fail(p, WS_CLOSE_PROTOCOL);
		p->ctl_len = 0;
		return WS_MORE;
	case OP_BINARY:
		return fail(p, p->in_message ? WS_CLOSE_PROTOCOL : WS_CLOSE_UNSUPPORTED);
	case OP_TEXT:
		if (p->in_message)
			return fail(p, WS_CLOSE_PROTOCOL);
		p->in_message = 1;
		p->msg_len = 0;
		p->msg_total = 0;
		p->utf8_need = 0;
		break;
	case OP_CONT:
		if (!p->in_message)
			return fail(p, WS_CLOSE_PROTOCOL);
		break;
	default:
		return fail(p, WS_CLOSE_PROTOCOL);
	}
	if (p->msg_total + len > WS_MSG_FAR)
		return fail(p, WS_CLOSE_TOO_BIG);
	return WS_MORE;
}

static unsigned header_need(const struct ws_parser *p)
{
	if (p->hdr_len < 2)
		return 2;
	unsigned l = p->hdr[1] & 127;
	return (l == 126 ? 4 : l == 127 ? 10 : 2) + (p->hdr[1] & 0x80 ? 4 : 0);
}

/* The frame's payload is all in. */
static enum ws_event frame_done(struct ws_parser *p)
{
	p->hdr_len = 0;
	switch (p->opcode) {
	case OP_PING:
		return WS_PING;
	case OP_PONG:
		return WS_PONG;
	case OP_CLOSE:
		if (p->ctl_len == 1)
			return fail(p, WS_CLOSE_PROTOCOL);
		p->code = p->ctl_len ? (uint16_t)(p->ctl[0] << 8 | p->ctl[1]) : WS_CLOSE_NO_STATUS;
		if (p->ctl_len && (p->code < 1000 || p->code == 1004 || p->code == 1005 ||
				   p->code == 1006 || (p->code > 1014 && p->code < 3000) || p->code > 4999))
			return fail(p, WS_CLOSE_PROTOCOL);
		return WS_CLOSE;
	}
	if (!p->fin)
		return WS_MORE;
	p->in_message = 0;
	if (p->utf8_need)
		return fail(p, WS_CLOSE_BAD_DATA);      /* ends inside a character */
	return p->msg_total > LINE_MAX_CONTENT ? WS_TEXT_LONG : WS_TEXT;
}

enum ws_event ws_parse(struct ws_parser *p, const uint8_t *in, size_t len, size_t *used)
{
	size_t i = 0;
	enum ws_event ev = WS_MORE;

	while (i < len) {
		if (p->hdr_len < header_need(p)) {
			p->hdr[p->hdr_len++] = in[i++];
			if (p->hdr_len == header_need(p) && (ev = header_done(p)) != WS_MORE)
				break;
			if (p->hdr_len < header_need(p) || p->remain > 0)
				continue;
		} else {
			/* Payload: unmask what is here, up to the frame's end.
			 * The text's counters are kept in locals: p->msg is
			 * char, so each byte stored there might be any of p's
			 * fields, and they would be loaded again per byte. An
			 * ASCII byte outside a character is valid UTF-8 as it
			 * is (utf8_byte would change nothing that is read). */
			size_t n = len - i < p->remain ? len - i : (size_t)p->remain;
			const uint8_t mask[4] = { p->mask[0], p->mask[1], p->mask[2], p->mask[3] };
			unsigned at = (unsigned)(p->pos & 3);
			if (p->opcode != OP_TEXT && p->opcode != OP_CONT) {
				for (size_t k = 0; k < n; k++)
					p->ctl[p->ctl_len++] = in[i + k] ^ mask[(at + k) & 3];
			} else {
				uint16_t kept = p->msg_len;
				uint32_t total = p->msg_total;
				for (size_t k = 0; k < n; k++) {
					uint8_t b = in[i + k] ^ mask[(at + k) & 3];
					if ((b >= 0x80 || p->utf8_need) && !utf8_byte(p, b)) {
						p->msg_len = kept, p->msg_total = total;
						p->pos += k;
						*used = i + k + 1;
						return fail(p, WS_CLOSE_BAD_DATA);
					}
					if (total < LINE_MAX_CONTENT)
						p->msg[kept++] = (char)b;
					total++;
				}
				p->msg_len = kept, p->msg_total = total;
			}
			p->pos += n;
			i += n;
			p->remain -= n;
			if (p->remain > 0)
				break;
		}
		if ((ev = frame_done(p)) != WS_MORE)
			break;
	}
	*used = i;
	return ev;
}

void ws_accept_key(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	uint8_t digest[SHA1_LEN];
	struct sha1 s;

	sha1_init(&s);
	sha1_add(&s, key, key_len);
	sha1_add(&s, guid, sizeof guid - 1);
	sha1_end(&s, digest);
	base64_encode(digest, SHA1_LEN, out);
}

int ws_key_valid(const char *key, size_t key_len)
{
	return key && base64_decoded_len(key, key_len) == 16;
}
