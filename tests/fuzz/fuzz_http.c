/* libFuzzer harness for the web door's HTTP head parser (door/http.c).
 *
 * The input is a request head as a client might send it, parsed from a heap
 * copy of exactly its size (so ASan sees any read past it), whole and at
 * every shorter length. Checked: the result is 0, a head length or one of
 * the statuses http.h names; a head length never passes the input nor
 * HTTP_HEAD_MAX; every field found lies inside the head; a prefix of a
 * parsed head is never parsed as a different head; an input of
 * HTTP_HEAD_MAX bytes or more is never "read more". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/limits.h"
#include "door/http.h"

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_http: %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} } while (0)

static void inside(struct http_str s, const char *buf, int end, const char *name)
{
	if (!s.p)
		return;
	CHECK(s.p >= buf && s.p + s.len <= buf + end, "%s outside the head", name);
}

static int parse(const uint8_t *data, size_t len)
{
	char *copy = malloc(len ? len : 1);
	struct http_request r;
	memcpy(copy, data, len);
	int n = http_parse(copy, len, &r);
	CHECK(n == 0 || n == -400 || n == -404 || n == -405 || n == -431 || n == -505 ||
	      (n > 0 && (size_t)n <= len && n <= HTTP_HEAD_MAX), "result %d for %zu bytes", n, len);
	CHECK(!(n == 0 && len >= HTTP_HEAD_MAX), "read more at %zu bytes", len);
	if (n > 0) {
		inside(r.host, copy, n, "host");
		inside(r.origin, copy, n, "origin");
		inside(r.upgrade, copy, n, "upgrade");
		inside(r.connection, copy, n, "connection");
		inside(r.ws_key, copy, n, "key");
		inside(r.ws_version, copy, n, "version");
		inside(r.if_none_match, copy, n, "if-none-match");
		CHECK(r.route <= ROUTE_METRICS && r.method <= HTTP_HEAD, "route or method");
		http_has_token(r.connection, "upgrade");
		http_same_origin(r.origin, r.host);
	}
	free(copy);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len > 2 * HTTP_HEAD_MAX)
		return 0;
	int whole = parse(data, len);
	/* Shorter inputs: a complete head stays the same head. */
	for (size_t cut = len > 64 ? len - 64 : 0; cut < len; cut++) {
		int n = parse(data, cut);
		if (n > 0)
			CHECK(whole == n, "a prefix of %zu bytes parsed as %d, the whole as %d", cut, n, whole);
	}
	return 0;
}
