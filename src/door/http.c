/* HTTP/1.x request heads (RFC 9112): a request line, header fields, an
 * empty line. Lines end in CRLF; a bare LF is taken too (RFC 9112 2.2
 * allows it), so a person can type a request into nc. */
#include "door/http.h"
#include "core/limits.h"
#include "util/text.h"
#include <string.h>

/* tchar of RFC 9110 5.6.2. */
static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the head (the byte after its empty line), or 0. */
static size_t head_end(const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 < len && b[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The next line of the head from *pos: its content without CR LF. */
static struct http_str next_line(const char *b, size_t end, size_t *pos)
{
	struct http_str s = { b + *pos, 0 };
	size_t i = *pos;
	while (i < end && b[i] != '\n')
		i++;
	size_t n = i - *pos;
	if (n > 0 && b[i - 1] == '\r')
		n--;
	s.len = (uint16_t)n;
	*pos = i + 1;
	return s;
}

static int str_is(struct http_str s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

static int parse_request_line(struct http_str l, struct http_request *req)
{
	const char *sp1 = memchr(l.p, ' ', l.len);
	if (!sp1)
		return -400;
	struct http_str method = { l.p, (uint16_t)(sp1 - l.p) };
	const char *t = sp1 + 1, *end = l.p + l.len;
	const char *sp2 = memchr(t, ' ', end - t);
	if (!sp2 || memchr(sp2 + 1, ' ', end - sp2 - 1) || method.len == 0)
		return -400;
	for (size_t i = 0; i < method.len; i++)
		if (!is_tchar(method.p[i]))
			return -400;
	struct http_str version = { sp2 + 1, (uint16_t)(end - sp2 - 1) };
	if (version.len != 8 || memcmp(version.p, "HTTP/", 5) || version.p[6] != '.' ||
	    version.p[5] < '0' || version.p[5] > '9' || version.p[7] < '0' || version.p[7] > '9')
		return -400;
	if (version.p[5] != '1')
		return -505;
	req->minor = (uint8_t)(version.p[7] - '0');
	/* The target: origin form, any query ignored. */
	size_t tlen = sp2 - t;
	if (tlen == 0 || t[0] != '/')
		return -400;
	for (size_t i = 0; i < tlen; i++)
		if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 0x7f)
			return -400;
	const char *q = memchr(t, '?', tlen);
	struct http_str path = { t, (uint16_t)(q ? (size_t)(q - t) : tlen) };
	if (str_is(method, "GET"))
		req->method = HTTP_GET;
	else if (str_is(method, "HEAD"))
		req->method = HTTP_HEAD;
	else
		return -405;
	if (str_is(path, "/") || str_is(path, "/index.html"))
		req->route = ROUTE_PAGE;
	else if (str_is(path, "/ws"))
		req->route = ROUTE_WS;
	else if (str_is(path, "/metrics"))
		req->route = ROUTE_METRICS;
	else
		return -404;
	return 0;
}

static struct http_str *field_slot(struct http_request *req, struct http_str name)
{
	static const struct { const char *name; size_t off; } known[] = {
		{ "host", offsetof(struct http_request, host) },
		{ "origin", offsetof(struct http_request, origin) },
		{ "upgrade", offsetof(struct http_request, upgrade) },
		{ "connection", offsetof(struct http_request, connection) },
		{ "sec-websocket-key", offsetof(struct http_request, ws_key) },
		{ "sec-websocket-version", offsetof(struct http_request, ws_version) },
		{ "if-none-match", offsetof(struct http_request, if_none_match) },
		{ "accept-encoding", offsetof(struct http_request, accept_encoding) },
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (ascii_caseeq(name.p, name.len, known[i].name, strlen(known[i].name)))
			return (struct http_str *)((char *)req + known[i].off);
	return NULL;
}

static int parse_field(struct http_str l, struct http_request *req)
{
	const char *colon = memchr(l.p, ':', l.len);
	if (!colon || colon == l.p)
		return -400;
	struct http_str name = { l.p, (uint16_t)(colon - l.p) };
	for (size_t i = 0; i < name.len; i++)
		if (!is_tchar(name.p[i]))
			return -400;    /* also a space before the colon */
	const char *v = colon + 1, *end = l.p + l.len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (const char *p = v; p < end; p++)
		if (((unsigned char)*p < ' ' && *p != '\t') || *p == 0x7f)
			return -400;
	struct http_str *slot = field_slot(req, name);
	if (!slot)
		return 0;
	if (slot->p)
		return -400;    /* a field we act on, given twice */
	slot->p = v;
	slot->len = (uint16_t)(end - v);
	return 0;
}

int http_parse(const char *buf, size_t len, struct http_request *req)
{
	size_t end = head_end(buf, len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX);
	size_t pos = 0;

	memset(req, 0, sizeof *req);
	if (end == 0)
		return len >= HTTP_HEAD_MAX ? -431 : 0;
	/* RFC 9112 2.2: empty lines before the request line are ignored. */
	while (pos < end && (buf[pos] == '\n' || (buf[pos] == '\r' && pos + 1 < end && buf[pos + 1] == '\n')))
		pos += buf[pos] == '\r' ? 2 : 1;
	if (pos >= end)
		return 0;
	if (memchr(buf, '\0', end))
		return -400;
	struct http_str first = next_line(buf, end, &pos);
	int status = parse_request_line(first, req);
	if (status == -400 || status == -505)
		return status;
	for (;;) {
		struct http_str l = next_line(buf, end, &pos);
		if (l.len == 0)
			break;
		if (l.p[0] == ' ' || l.p[0] == '\t')
			return -400;    /* obsolete line folding */
		int e = parse_field(l, req);
		if (e)
			return e;
	}
	if (status)
		return status;
	if (req->minor >= 1 && !req->host.p)
		return -400;    /* RFC 9112 3.2: HTTP/1.1 needs Host */
	return (int)end;
}

int http_has_token(struct http_str list, const char *token)
{
	size_t tlen = strlen(token), i = 0;

	while (list.p && i < list.len) {
		while (i < list.len && (list.p[i] == ' ' || list.p[i] == '\t' || list.p[i] == ','))
			i++;
		size_t start = i;
		while (i < list.len && list.p[i] != ',')
			i++;
		size_t e = i;
		while (e > start && (list.p[e - 1] == ' ' || list.p[e - 1] == '\t'))
			e--;
		if (ascii_caseeq(list.p + start, e - start, token, tlen))
			return 1;
	}
	return 0;
}

int http_accepts_gzip(struct http_str ae)
{
	size_t i = 0;

	while (ae.p && i < ae.len) {
		while (i < ae.len && (ae.p[i] == ' ' || ae.p[i] == '\t' || ae.p[i] == ','))
			i++;
		size_t start = i, name_end;
		while (i < ae.len && ae.p[i] != ',' && ae.p[i] != ';' && ae.p[i] != ' ')
			i++;
		name_end = i;
		int refused = 0;        /* ";q=0", ";q=0.0", ... */
		while (i < ae.len && ae.p[i] != ',') {
			if (ae.p[i] == 'q' && i + 2 < ae.len && ae.p[i + 1] == '=' && ae.p[i + 2] == '0') {
				size_t k = i + 3;
				refused = 1;
				if (k < ae.len && ae.p[k] == '.')
					for (k++; k < ae.len && ae.p[k] != ',' && ae.p[k] != ' ' && ae.p[k] != ';'; k++)
						if (ae.p[k] != '0')
							refused = 0;
			}
			i++;
		}
		if (!refused && (ascii_caseeq(ae.p + start, name_end - start, "gzip", 4) ||
				 ascii_caseeq(ae.p + start, name_end - start, "*", 1)))
			return 1;
	}
	return 0;
}

/* host[:port] with ":80" taken as no port. */
static struct http_str authority(struct http_str s)
{
	if (s.len > 3 && memcmp(s.p + s.len - 3, ":80", 3) == 0)
		s.len -= 3;
	return s;
}

int http_same_origin(struct http_str origin, struct http_str host)
{
	static const char scheme[] = "http://";
	size_t n = sizeof scheme - 1;

	if (!origin.p || !host.p || origin.len <= n || !ascii_caseeq(origin.p, n, scheme, n))
		return 0;
	struct http_str o = { origin.p + n, (uint16_t)(origin.len - n) };
	if (memchr(o.p, '/', o.len))
		return 0;
	o = authority(o);
	host = authority(host);
	return o.len > 0 && ascii_caseeq(o.p, o.len, host.p, host.len);
}
