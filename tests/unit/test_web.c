/* Unit tests of the web door's pure code: SHA-1 (FIPS 180 examples),
 * base64 (RFC 4648), the handshake key (RFC 6455's sample), the HTTP head
 * parser, the WebSocket frame parser and encoder, /metrics rendering. */
#include "check.h"
#include "door/http.h"
#include "door/metrics.h"
#include "door/ws.h"
#include "util/base64.h"
#include "util/sha1.h"
#include <stdint.h>

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < SHA1_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static const char *sha1_hex(const void *data, size_t len)
{
	static char out[2 * SHA1_LEN + 1];
	uint8_t d[SHA1_LEN];
	struct sha1 s;
	sha1_init(&s);
	sha1_add(&s, data, len);
	sha1_end(&s, d);
	hex(d, out);
	return out;
}

void test_sha1_fips(void)
{
	CHECK(!strcmp(sha1_hex("abc", 3), "a9993e364706816aba3e25717850c26c9cd0d89d"));
	CHECK(!strcmp(sha1_hex("", 0), "da39a3ee5e6b4b0d3255bfef95601890afd80709"));
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	CHECK(!strcmp(sha1_hex(two, strlen(two)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1"));
	const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	CHECK(!strcmp(sha1_hex(four, strlen(four)), "a49b2446a02c645bf419f995b67091253a04a259"));
	/* One million 'a', fed in uneven pieces. */
	static char a[1000];
	memset(a, 'a', sizeof a);
	struct sha1 s;
	uint8_t d[SHA1_LEN];
	char out[2 * SHA1_LEN + 1];
	sha1_init(&s);
	for (int i = 0; i < 1000; i++) {
		sha1_add(&s, a, 333);
		sha1_add(&s, a, 667);
	}
	sha1_end(&s, d);
	hex(d, out);
	CHECK(!strcmp(out, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"));
}

void test_base64(void)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char buf[16];
	for (int i = 0; i < 7; i++) {
		CHECK(base64_encode((const uint8_t *)in[i], strlen(in[i]), buf) == strlen(out[i]));
		CHECK(!strcmp(buf, out[i]));
		CHECK(base64_decoded_len(out[i], strlen(out[i])) == (int)strlen(in[i]));
	}
	CHECK(base64_decoded_len("Zm9", 3) < 0);
	CHECK(base64_decoded_len("Zm9*", 4) < 0);
	CHECK(base64_decoded_len("Zh==", 4) < 0);       /* leftover bits not zero */
	CHECK(base64_decoded_len("=Zm9", 4) < 0);
}

void test_ws_accept(void)
{
	char acc[WS_ACCEPT_LEN + 1];
	const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
	ws_accept_key(key, strlen(key), acc);
	CHECK(!strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
	CHECK(ws_key_valid(key, strlen(key)));
	CHECK(!ws_key_valid("dGhlIHNhbXBsZSBub25jZQ=", 23));
	CHECK(!ws_key_valid("Zm9vYmFy", 8));
	CHECK(!ws_key_valid(NULL, 0));
}

static int parse(const char *s, struct http_request *r)
{
	return http_parse(s, strlen(s), r);
}

void test_http_parse(void)
{
	struct http_request r;
	const char *ok = "GET /ws?x=1 HTTP/1.1\r\nHost: a:1\r\nUpgrade:  websocket \r\n"
			 "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: k\r\n"
			 "X-Other: y\r\n\r\nrest";
	CHECK(parse(ok, &r) == (int)strlen(ok) - 4);
	CHECK(r.method == HTTP_GET && r.route == ROUTE_WS && r.minor == 1);
	CHECK(r.host.len == 3 && !memcmp(r.host.p, "a:1", 3));
	CHECK(r.upgrade.len == 9 && !memcmp(r.upgrade.p, "websocket", 9));
	CHECK(http_has_token(r.connection, "upgrade"));
	CHECK(!http_has_token(r.connection, "close"));
	CHECK(!r.origin.p);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\n", &r) == 0);       /* not whole yet */
	CHECK(parse("GET / HTTP/1.1\r\nHost: a", &r) == 0);
	CHECK(parse("HEAD /metrics HTTP/1.0\n\n", &r) > 0 && r.method == HTTP_HEAD && r.route == ROUTE_METRICS);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &r) > 0 && r.route == ROUTE_PAGE);
	CHECK(parse("POST / HTTP/1.1\r\nHost: a\r\n\r\n", &r) == -405);
	CHECK(parse("GET /x HTTP/1.1\r\nHost: a\r\n\r\n", &r) == -404);
	CHECK(parse("GET / HTTP/1.1\r\n\r\n", &r) == -400);            /* no Host */
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &r) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", &r) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", &r) == -400);
	CHECK(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n", &r) == -505);
	CHECK(parse("GET / HTTX/1.1\r\nHost: a\r\n\r\n", &r) == -400);
	CHECK(parse("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", &r) == -400);
	CHECK(parse("GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", &r) == -400);
	static char big[HTTP_HEAD_MAX + 10];
	memset(big, 'a', sizeof big - 1);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	CHECK(http_parse(big, HTTP_HEAD_MAX, &r) == -431);
	CHECK(http_parse(big, HTTP_HEAD_MAX - 1, &r) == 0);
}

void test_http_origin(void)
{
	struct http_str host = { "Chat.Local:8081", 15 };
	struct http_str o1 = { "http://chat.local:8081", 22 };
	struct http_str o2 = { "http://evil:8081", 16 };
	struct http_str o3 = { "null", 4 };
	struct http_str h80 = { "pi", 2 }, o80 = { "http://pi:80", 12 };
	CHECK(http_same_origin(o1, host));
	CHECK(!http_same_origin(o2, host));
	CHECK(!http_same_origin(o3, host));
	CHECK(http_same_origin(o80, h80));
}

/* A client frame: masked with a fixed key. */
static size_t frame(uint8_t *out, int fin, int op, const char *p, size_t n)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	size_t h = 0;
	out[h++] = (uint8_t)((fin ? 0x80 : 0) | op);
	if (n < 126) {
		out[h++] = (uint8_t)(0x80 | n);
	} else {
		out[h++] = 0x80 | 126;
		out[h++] = (uint8_t)(n >> 8);
		out[h++] = (uint8_t)n;
	}
	memcpy(out + h, key, 4);
	h += 4;
	for (size_t i = 0; i < n; i++)
		out[h + i] = (uint8_t)p[i] ^ key[i & 3];
	return h + n;
}

void test_ws_parse(void)
{
	static struct ws_parser p;
	uint8_t buf[2048];
	size_t used, n;

	/* RFC 6455 5.7: a masked "Hello". */
	static const uint8_t hello[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	ws_reset(&p);
	CHECK(ws_parse(&p, hello, sizeof hello, &used) == WS_TEXT && used == sizeof hello);
	CHECK(p.msg_len == 5 && !memcmp(p.msg, "Hello", 5));
	/* Byte by byte, and fragments with a ping between them. */
	ws_reset(&p);
	n = frame(buf, 0, 1, "Hel", 3);
	n += frame(buf + n, 1, 9, "pp", 2);
	n += frame(buf + n, 1, 0, "lo", 2);
	enum ws_event ev = WS_MORE;
	size_t i = 0;
	for (; i < n && ev == WS_MORE; i++)
		ev = ws_parse(&p, buf + i, 1, &used);
	CHECK(ev == WS_PING && p.ctl_len == 2 && !memcmp(p.ctl, "pp", 2));
	for (ev = WS_MORE; i < n && ev == WS_MORE; i++)
		ev = ws_parse(&p, buf + i, 1, &used);
	CHECK(ev == WS_TEXT && i == n && p.msg_len == 5 && !memcmp(p.msg, "Hello", 5));
	/* Unmasked: 1002. */
	ws_reset(&p);
	uint8_t plain[] = { 0x81, 0x02, 'h', 'i' };
	CHECK(ws_parse(&p, plain, 4, &used) == WS_FAIL && p.code == 1002);
	/* Binary: 1003; bad UTF-8: 1007; truncated: 1007. */
	ws_reset(&p);
	n = frame(buf, 1, 2, "b", 1);
	CHECK(ws_parse(&p, buf, n, &used) == WS_FAIL && p.code == 1003);
	ws_reset(&p);
	n = frame(buf, 1, 1, "a\xff", 2);
	CHECK(ws_parse(&p, buf, n, &used) == WS_FAIL && p.code == 1007);
	ws_reset(&p);
	n = frame(buf, 1, 1, "\xe2\x82", 2);
	CHECK(ws_parse(&p, buf, n, &used) == WS_FAIL && p.code == 1007);
	ws_reset(&p);
	n = frame(buf, 1, 1, "\xf4\x90\x80\x80", 4);     /* above U+10FFFF */
	CHECK(ws_parse(&p, buf, n, &used) == WS_FAIL && p.code == 1007);
	/* Over the line limit: whole, dropped; far over: 1009. */
	ws_reset(&p);
	char long_text[600];
	memset(long_text, 'x', sizeof long_text);
	n = frame(buf, 1, 1, long_text, 511);
	CHECK(ws_parse(&p, buf, n, &used) == WS_TEXT_LONG && used == n);
	n = frame(buf, 1, 1, long_text, 510);
	CHECK(ws_parse(&p, buf, n, &used) == WS_TEXT && p.msg_len == 510);
	ws_reset(&p);
	uint8_t huge[] = { 0x81, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0, 1, 2, 3, 4 };
	CHECK(ws_parse(&p, huge, sizeof huge, &used) == WS_FAIL && p.code == 1009);
	/* Close: its code; a one-byte close: 1002; a bad code: 1002. */
	ws_reset(&p);
	n = frame(buf, 1, 8, "\x03\xe8", 2);
	CHECK(ws_parse(&p, buf, n, &used) == WS_CLOSE && p.code == 1000);
	ws_reset(&p);
	n = frame(buf, 1, 8, "", 0);
	CHECK(ws_parse(&p, buf, n, &used) == WS_CLOSE && p.code == 1005);
	ws_reset(&p);
	n = frame(buf, 1, 8, "\x03", 1);
	CHECK(ws_parse(&p, buf, n, &used) == WS_FAIL && p.code == 1002);
	ws_reset(&p);
	n = frame(buf, 1, 8, "\x03\xed", 2);             /* 1005 may not be sent */
	CHECK(ws_parse(&p, buf, n, &used) == WS_FAIL && p.code == 1002);
	/* Continuation first; a new text inside a message; RSV bits. */
	ws_reset(&p);
	n = frame(buf, 1, 0, "x", 1);
	CHECK(ws_parse(&p, buf, n, &used) == WS_FAIL && p.code == 1002);
	ws_reset(&p);
	n = frame(buf, 0, 1, "x", 1);
	n += frame(buf + n, 1, 1, "y", 1);
	CHECK(ws_parse(&p, buf, n, &used) == WS_FAIL && p.code == 1002);
	ws_reset(&p);
	n = frame(buf, 1, 1, "x", 1);
	buf[0] |= 0x40;
	CHECK(ws_parse(&p, buf, n, &used) == WS_FAIL && p.code == 1002);
	/* Two messages in one read: one event each, used says where. */
	ws_reset(&p);
	n = frame(buf, 1, 1, "one", 3);
	size_t n1 = n;
	n += frame(buf + n, 1, 1, "two", 3);
	CHECK(ws_parse(&p, buf, n, &used) == WS_TEXT && used == n1);
	CHECK(ws_parse(&p, buf + used, n - used, &used) == WS_TEXT && !memcmp(p.msg, "two", 3));
}

void test_ws_header(void)
{
	uint8_t h[WS_HDR_MAX];
	CHECK(ws_frame_header(h, 1, 5) == 2 && h[0] == 0x81 && h[1] == 5);
	CHECK(ws_frame_header(h, 1, 126) == 4 && h[1] == 126 && h[2] == 0 && h[3] == 126);
	CHECK(ws_frame_header(h, 1, 1023) == 4 && h[2] == 3 && h[3] == 0xff);
	CHECK(ws_frame_header(h, 2, 70000) == 10 && h[0] == 0x82 && h[1] == 127 && h[7] == 1);
	CHECK(ws_frame_header(h, 10, 0) == 2 && h[0] == 0x8a && h[1] == 0);
}

/* The word web.c puts before a line's text ends with the very bytes
 * ws_frame_header writes, for every length a line may have. */
void test_ws_text_header_word(void)
{
	for (unsigned len = 0; len < 65536; len++) {
		uint8_t h[WS_HDR_MAX], w[4];
		unsigned hlen, n = ws_frame_header(h, 1, len);
		uint32_t word = ws_text_header_word(len, &hlen);
		memcpy(w, &word, sizeof w);
		if (hlen != n || memcmp(w + sizeof w - hlen, h, hlen) || (hlen == 2 && (w[0] || w[1]))) {
			CHECK(!"ws_text_header_word differs from ws_frame_header");
			printf("    at len %u\n", len);
			return;
		}
	}
	CHECK(1);
}

void test_metrics_render(void)
{
	struct metrics_figures f;
	static char out[METRICS_TEXT_MAX];
	memset(&f, 0, sizeof f);
	f.conns[1] = 7;
	f.messages = 42;
	f.history_lines = -1;
	f.cuts[CUT_TOO_SLOW] = 3;
	f.version = "9.9";
	size_t n = metrics_render(&f, out, sizeof out);
	CHECK(n == strlen(out) && n < sizeof out - 1);
	CHECK(strstr(out, "natter_connections{door=\"web\"} 7\n") != NULL);
	CHECK(strstr(out, "natter_messages_total 42\n") != NULL);
	CHECK(strstr(out, "natter_cuts_total{reason=\"too_slow\"} 3\n") != NULL);
	CHECK(strstr(out, "# TYPE natter_messages_total counter\n") != NULL);
	CHECK(strstr(out, "version=\"9.9\"") != NULL);
	CHECK(strstr(out, "history") == NULL);
	char small[64];
	CHECK(metrics_render(&f, small, sizeof small) == sizeof small - 1);
}

static struct http_str hs(const char *s)
{
	struct http_str v = { s, (uint16_t)strlen(s) };
	return v;
}

void test_http_accept_encoding(void)
{
	struct http_str none = { NULL, 0 };
	CHECK(!http_accepts_gzip(none));
	CHECK(http_accepts_gzip(hs("gzip, deflate, br")));
	CHECK(http_accepts_gzip(hs("br;q=1.0, GZIP;q=0.5")));
	CHECK(http_accepts_gzip(hs("*")));
	CHECK(!http_accepts_gzip(hs("identity")));
	CHECK(!http_accepts_gzip(hs("gzip;q=0")));
	CHECK(!http_accepts_gzip(hs("gzip;q=0.000, identity")));
	CHECK(http_accepts_gzip(hs("gzip;q=0.1")));
	CHECK(!http_accepts_gzip(hs("x-gzip2, deflate")));
}
