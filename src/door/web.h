/* The web door: HTTP on the web port (the page, /metrics) and, after the
 * upgrade on /ws, WebSocket with one natter line per text frame. What the
 * door's files (web.c: the door and its heads, webhttp.c: the answers,
 * webws.c: WebSocket) share. */
#ifndef NATTER_WEB_H
#define NATTER_WEB_H
#include <stddef.h>
#include <stdint.h>
#include "core/limits.h"
#include "door/ws.h"

struct web_settings {
	const char *origins[MAX_ORIGINS];       /* --web-origin: also allowed */
	unsigned norigins;
};
void web_init(const struct web_settings *s);

enum web_phase { WEB_HTTP, WEB_WS };

/* A web connection's state, per slot; only its owner worker touches it,
 * and only slots web clients used are ever touched (resident). */
struct web_slot {
	uint8_t phase;          /* enum web_phase */
	uint8_t head_buf;       /* 1 + index of its parked head buffer; 0: none */
	uint8_t head_lost;      /* no head buffer was free: answer 503 */
	uint8_t joining;        /* upgraded; waits for the lobby to take it */
	uint8_t pending;        /* a whole message waits to be handled again */
	uint8_t pending_ev;     /* its enum ws_event */
	uint16_t head_len;      /* bytes in its parked head buffer */
	uint16_t raw_start, raw_len;    /* unparsed WebSocket input */
	struct ws_parser ws;
	uint8_t raw[WS_RAW_BUF];
};
extern struct web_slot web_slots[MAX_CONNS];

/* The page, gzipped at build time (door/web/page_gz.h, see web.mk). */
extern const unsigned char web_page_gz[];
extern const unsigned web_page_gz_len;
extern const char web_page_etag[];
/* The page decoded (for clients without gzip) and its ETag; -1 if it
 * could not be decoded into WEB_PAGE_MAX bytes. */
long web_page_plain(const uint8_t **bytes, const char **etag);

/* Queues bytes that go out as they are (an HTTP head, a control frame) to
 * c, from a and b; -1 if the pool has no line for it. */
int web_send_raw(uint16_t c, const void *a, size_t alen, const void *b, size_t blen,
		 unsigned *wake);
/* Queues a close frame with status code. */
void web_send_close(uint16_t c, unsigned code, unsigned *wake);

/* webhttp.c: answers the request head cur[0, *cur_len) of c, once it is
 * whole (DOOR_* result); *cur_len is 0 after. */
int web_http_step(uint16_t c, char *cur, uint16_t *cur_len, unsigned *wake);
/* webws.c: one step of c once it speaks WebSocket. */
int web_ws_step(uint16_t c, unsigned *wake);
/* webws.c: c's handshake is answered; join the lobby (DOOR_* result). */
int web_ws_join(uint16_t c, unsigned *wake);
#endif
