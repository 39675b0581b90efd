/* The HTTP request-head parser of the web door: bytes in, a request or an
 * HTTP status out. Pure, strict and bounded: the head is at most
 * HTTP_HEAD_MAX bytes; only GET and HEAD, and only the fixed routes. */
#ifndef NATTER_HTTP_H
#define NATTER_HTTP_H
#include <stddef.h>
#include <stdint.h>

enum http_method { HTTP_GET, HTTP_HEAD };
enum http_route { ROUTE_PAGE, ROUTE_WS, ROUTE_METRICS };

struct http_str {
	const char *p;          /* into the head; NULL when absent */
	uint16_t len;
};

struct http_request {
	enum http_method method;
	enum http_route route;
	uint8_t minor;          /* HTTP/1.minor */
	struct http_str host, origin, upgrade, connection;
	struct http_str ws_key, ws_version, if_none_match, accept_encoding;
};

/* Parses the head at the start of buf. Returns 0 while it is not complete
 * (read more), the head's length in bytes once it parsed, or the negative
 * HTTP status that refuses it: -400 malformed, -404 no such path, -405 a
 * method other than GET or HEAD, -431 over HTTP_HEAD_MAX, -505 not
 * HTTP/1.x. On -404 and -405, req->method is set when known. */
int http_parse(const char *buf, size_t len, struct http_request *req);

/* 1 if the comma-separated list (Connection, Upgrade) holds token, in any
 * case. */
int http_has_token(struct http_str list, const char *token);
/* 1 if an Accept-Encoding value takes gzip ("gzip" or "*", without
 * q=0); 0 for none given, which asks for the identity encoding. */
int http_accepts_gzip(struct http_str accept_encoding);
/* 1 if origin ("http://host:port") names the same host and port as the
 * Host header (a missing port is 80), in any case. */
int http_same_origin(struct http_str origin, struct http_str host);
#endif
