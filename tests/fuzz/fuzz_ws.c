/* libFuzzer harness for the WebSocket frame parser (door/ws.c).
 *
 * The input is a byte stream from a client. It is fed whole and again in
 * pieces of pseudo-random size; both runs must give the same events with
 * the same messages (the parser is a streaming state machine: where the
 * reads split must not matter). Checked on every event: a text message
 * is at most LINE_MAX_CONTENT bytes and valid UTF-8 by a reference
 * decoder (Unicode table 3-7), a control payload at most 125 bytes, a
 * failure carries one of the close codes PROTOCOL.md names, and `used`
 * never passes what was given. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/limits.h"
#include "door/ws.h"

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_ws: %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} } while (0)

#define MAX_EVENTS 4096

struct record {
	int n;
	uint8_t ev[MAX_EVENTS];
	uint16_t code[MAX_EVENTS];
	uint32_t sum[MAX_EVENTS];       /* a checksum of the message */
};

static int utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t b = s[i];
		size_t k;
		uint8_t lo = 0x80, hi = 0xbf;
		if (b < 0x80) { i++; continue; }
		else if (b >= 0xc2 && b <= 0xdf) k = 1;
		else if (b == 0xe0) k = 2, lo = 0xa0;
		else if (b >= 0xe1 && b <= 0xec) k = 2;
		else if (b == 0xed) k = 2, hi = 0x9f;
		else if (b >= 0xee && b <= 0xef) k = 2;
		else if (b == 0xf0) k = 3, lo = 0x90;
		else if (b >= 0xf1 && b <= 0xf3) k = 3;
		else if (b == 0xf4) k = 3, hi = 0x8f;
		else return 0;
		if (i + k >= n)
			return 0;       /* ends inside a character */
		for (size_t j = 1; j <= k; j++) {
			uint8_t c = s[i + j];
			if (c < (j == 1 ? lo : 0x80) || c > (j == 1 ? hi : 0xbf))
				return 0;
		}
		i += k + 1;
	}
	return 1;
}

static uint32_t checksum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h ^ (uint32_t)n;
}

static void run(const uint8_t *data, size_t len, unsigned seed, struct record *r)
{
	static struct ws_parser p;
	size_t pos = 0;

	ws_reset(&p);
	r->n = 0;
	while (pos < len && r->n < MAX_EVENTS) {
		size_t piece = len - pos;
		if (seed) {
			seed = seed * 1103515245u + 12345u;
			piece = 1 + (seed >> 16) % 37;
			if (piece > len - pos)
				piece = len - pos;
		}
		size_t used;
		enum ws_event ev = ws_parse(&p, data + pos, piece, &used);
		CHECK(used <= piece, "used %zu of %zu", used, piece);
		pos += used;
		if (ev == WS_MORE) {
			CHECK(used == piece, "WS_MORE left %zu bytes", piece - used);
			continue;
		}
		uint32_t sum = 0;
		if (ev == WS_TEXT) {
			CHECK(p.msg_len <= LINE_MAX_CONTENT, "message of %u bytes", p.msg_len);
			CHECK(utf8_ok((const uint8_t *)p.msg, p.msg_len), "a message that is not UTF-8");
			sum = checksum(p.msg, p.msg_len);
		} else if (ev == WS_PING || ev == WS_PONG) {
			CHECK(p.ctl_len <= WS_CTL_MAX, "control payload %u", p.ctl_len);
			sum = checksum(p.ctl, p.ctl_len);
		} else if (ev == WS_FAIL) {
			CHECK(p.code == 1002 || p.code == 1003 || p.code == 1007 || p.code == 1009,
			      "close code %u", p.code);
		}
		r->ev[r->n] = (uint8_t)ev;
		r->code[r->n] = ev == WS_FAIL || ev == WS_CLOSE ? p.code : 0;
		r->sum[r->n] = sum;
		r->n++;
		if (ev == WS_FAIL || ev == WS_CLOSE)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct record a, b;
	run(data, len, 0, &a);
	run(data, len, (unsigned)len * 2654435761u | 1, &b);
	CHECK(a.n == b.n, "%d events whole, %d in pieces", a.n, b.n);
	for (int i = 0; i < a.n; i++)
		CHECK(a.ev[i] == b.ev[i] && a.code[i] == b.code[i] && a.sum[i] == b.sum[i],
		      "event %d differs: %d/%d code %u/%u", i, a.ev[i], b.ev[i], a.code[i], b.code[i]);
	return 0;
}
