/* The web door's answers to an HTTP request: the page, /metrics, errors,
 * and the WebSocket handshake (RFC 6455 4.2). Every response but the
 * upgrade ends the connection (Connection: close), so a connection makes
 * one request. */
#include "door/web.h"
#include "door/door.h"
#include "door/http.h"
#include "door/metrics.h"
#include "core/chat.h"
#include "core/conn.h"
#include "core/history.h"
#include "core/metrics.h"
#include "core/pool.h"
#include "core/room.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

static struct web_settings settings;

void web_init(const struct web_settings *s)
{
	settings = *s;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 500: return "Internal Server Error";
	case 101: return "Switching Protocols";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 426: return "Upgrade Required";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* An error response with a one-line text body (none for HEAD). */
static int respond_error(uint16_t c, int status, int head_only, unsigned *wake)
{
	char h[320], body[96];
	int blen = snprintf(body, sizeof body, "%d %s\n", status, reason(status));
	int n = snprintf(h, sizeof h,
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: %d\r\n%s%sConnection: close\r\n\r\n",
			 status, reason(status), blen,
			 status == 405 ? "Allow: GET, HEAD\r\n" : "",
			 status == 426 ? "Sec-WebSocket-Version: 13\r\nUpgrade: websocket\r\n" : "");
	web_send_raw(c, h, n, body, head_only ? 0 : blen, wake);
	return DOOR_FAIL;       /* closed once the response is out */
}

static const char page_headers[] =
	"Content-Type: text/html; charset=utf-8\r\n"
	"Cache-Control: no-cache\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"Referrer-Policy: no-referrer\r\n"
	"Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; "
	"style-src 'unsafe-inline'; connect-src 'self' ws: wss:; img-src data:; "
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'\r\n";


static int etag_matches(struct http_str inm, const char *etag)
{
	size_t n = strlen(etag);
	for (size_t i = 0; inm.p && i + n <= inm.len; i++)
		if (memcmp(inm.p + i, etag, n) == 0)
			return 1;
	return inm.p && inm.len == 1 && inm.p[0] == '*';
}

/* The page, gzipped as it is kept, or decoded for a client that does not
 * take gzip (curl, a script); each form has its own ETag. */
static int respond_page(uint16_t c, const struct http_request *req, unsigned *wake)
{
	char h[768];
	int gz = http_accepts_gzip(req->accept_encoding);
	const uint8_t *plain;
	const char *etag = web_page_etag;
	long len = web_page_gz_len;

	if (!gz && (len = web_page_plain(&plain, &etag)) < 0)
		return respond_error(c, 500, req->method == HTTP_HEAD, wake);
	int fresh = etag_matches(req->if_none_match, etag);
	int n = snprintf(h, sizeof h, "HTTP/1.1 %s\r\n%sVary: Accept-Encoding\r\nETag: %s\r\n",
			 fresh ? "304 Not Modified" : "200 OK", page_headers, etag);
	if (!fresh)
		n += snprintf(h + n, sizeof h - n, "%sContent-Length: %ld\r\n",
			      gz ? "Content-Encoding: gzip\r\n" : "", len);
	n += snprintf(h + n, sizeof h - n, "Connection: close\r\n\r\n");
	if (web_send_raw(c, h, n, "", 0, wake) < 0)
		return DOOR_FAIL;
	if (!fresh && req->method == HTTP_GET) {
		uint16_t m = msg_alloc(1);
		if (m == MSG_NONE)
			return DOOR_FAIL;
		struct msg *p = msg_at(m);
		p->text[0] = '\0';
		p->text[1] = gz ? 'P' : 'I';
		p->len = 2;
		chat_tell(c, m, wake);
	}
	return DOOR_FAIL;
}

static void gather(struct metrics_figures *f)
{
	memset(f, 0, sizeof *f);
	for (int i = 0; i < METRIC_DOORS; i++) {
		f->conns[i] = atomic_load(&metrics.conns[i]);
		f->accepted[i] = atomic_load(&metrics.accepted[i]);
	}
	for (int i = 0; i < CUT_REASONS; i++)
		f->cuts[i] = atomic_load(&metrics.cuts[i]);
	for (int i = 0; i < REFUSE_REASONS; i++)
		f->refusals[i] = atomic_load(&metrics.refusals[i]);
	f->conn_limit = conn_limit();
	f->messages = chat_messages();
	f->rooms = rooms_in_use();
	f->pool_size = MAX_MSGS;
	f->pool_used = MAX_MSGS - pool_available();
	f->history_lines = 0;
	for (int r = 0; r < MAX_ROOMS; r++) {   /* each under its room's lock */
		pthread_mutex_lock(&rooms[r].mu);
		f->history_lines += history_count(r);
		pthread_mutex_unlock(&rooms[r].mu);
	}
	f->http_requests = atomic_load(&metrics.http_requests);
	f->ws_upgrades = atomic_load(&metrics.ws_upgrades);
	f->full_queue_writes = atomic_load(&metrics.full_queue_writes);
	f->writes_for_sleepers = atomic_load(&metrics.writes_for_sleepers);
	f->uptime_s = chat_uptime();
	f->version = NATTER_VERSION;
}

static int respond_metrics(uint16_t c, const struct http_request *req, unsigned *wake)
{
	struct metrics_figures f;
	char body[METRICS_TEXT_MAX], h[256];

	gather(&f);
	size_t blen = metrics_render(&f, body, sizeof body);
	int n = snprintf(h, sizeof h, "HTTP/1.1 200 OK\r\n"
			 "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
			 "Cache-Control: no-store\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", blen);
	web_send_raw(c, h, n, body, req->method == HTTP_GET ? blen : 0, wake);
	return DOOR_FAIL;
}

static int origin_allowed(const struct http_request *req)
{
	if (!req->origin.p || http_same_origin(req->origin, req->host))
		return 1;
	for (unsigned i = 0; i < settings.norigins; i++)
		if (strlen(settings.origins[i]) == req->origin.len &&
		    strncasecmp(settings.origins[i], req->origin.p, req->origin.len) == 0)
			return 1;
	return 0;
}

/* RFC 6455 4.2: checks the opening handshake and answers 101. */
static int upgrade(uint16_t c, const struct http_request *req, const char *rest,
		   size_t rest_len, unsigned *wake)
{
	struct web_slot *s = &web_slots[c];
	char accept[WS_ACCEPT_LEN + 1], h[256];

	if (req->method != HTTP_GET || req->minor < 1 ||
	    !http_has_token(req->upgrade, "websocket") || !http_has_token(req->connection, "upgrade"))
		return respond_error(c, req->upgrade.p ? 400 : 426, req->method == HTTP_HEAD, wake);
	if (!req->ws_version.p || req->ws_version.len != 2 || memcmp(req->ws_version.p, "13", 2))
		return respond_error(c, 426, 0, wake);
	if (!ws_key_valid(req->ws_key.p, req->ws_key.len))
		return respond_error(c, 400, 0, wake);
	if (!origin_allowed(req))
		return respond_error(c, 403, 0, wake);
	if (rest_len > WS_RAW_BUF)
		return respond_error(c, 400, 0, wake);
	ws_accept_key(req->ws_key.p, req->ws_key.len, accept);
	int n = snprintf(h, sizeof h, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
	if (web_send_raw(c, h, n, "", 0, wake) < 0)
		return DOOR_FAIL;
	metric_add(&metrics.ws_upgrades);
	s->phase = WEB_WS;
	/* A client may send frames right behind its handshake. */
	memcpy(s->raw, rest, rest_len);
	s->raw_start = 0;
	s->raw_len = (uint16_t)rest_len;
	s->joining = 1;
	return web_ws_join(c, wake);
}

int web_http_step(uint16_t c, char *cur, uint16_t *cur_len, unsigned *wake)
{
	struct web_slot *s = &web_slots[c];
	struct http_request req;

	if (s->head_lost) {
		metric_add(&metrics.refusals[REFUSE_HEAD_BUFS]);
		return respond_error(c, 503, 0, wake);
	}
	int r = http_parse(cur, *cur_len, &req);
	if (r == 0)
		return DOOR_MORE;
	metric_add(&metrics.http_requests);
	const char *rest = cur + (r > 0 ? r : 0);
	size_t rest_len = r > 0 ? *cur_len - r : 0;
	*cur_len = 0;           /* the head is done with, whatever it was */
	if (r < 0 && r != -404)
		metric_add(&metrics.cuts[CUT_PROTOCOL]);
	if (r < 0)
		return respond_error(c, -r, (r == -404 || r == -405) && req.method == HTTP_HEAD, wake);
	switch (req.route) {
	case ROUTE_PAGE: return respond_page(c, &req, wake);
	case ROUTE_METRICS: return respond_metrics(c, &req, wake);
	default: return upgrade(c, &req, rest, rest_len, wake);
	}
}
