/* The web door, WebSocket half (RFC 6455): every whole text message is
 * one natter line for the chat, exactly as the line door hands one over;
 * pings are answered, a close is answered, and faults close with the
 * status PROTOCOL.md names. Frames out are made by web_render (web.c). */
#include "door/web.h"
#include "door/door.h"
#include "door/proto.h"
#include "core/chat.h"
#include "core/conn.h"
#include "core/metrics.h"
#include "util/log.h"
#include <string.h>

void web_send_close(uint16_t c, unsigned code, unsigned *wake)
{
	uint8_t f[4];
	ws_frame_header(f, 8, 2);
	f[2] = (uint8_t)(code >> 8);
	f[3] = (uint8_t)code;
	web_send_raw(c, f, sizeof f, "", 0, wake);
}

int web_ws_join(uint16_t c, unsigned *wake)
{
	char name[64];

	if (chat_connect(c, wake) == CHAT_DEFER)
		return DOOR_DEFER;      /* the lobby is busy: the loop retries */
	web_slots[c].joining = 0;
	peer_format(&conns[c].peer, name, sizeof name);
	log_info("connect %s as %s (websocket)", name, conns[c].nick);
	return DOOR_JOINED;
}

/* Hands a whole message to the chat, as the line door does a line. */
static int handle_message(uint16_t c, enum ws_event ev, unsigned *wake)
{
	struct web_slot *s = &web_slots[c];
	struct action act;

	if (ev == WS_TEXT_LONG) {
		memset(&act, 0, sizeof act);
		act.kind = ACT_ERROR;
		act.error = ERR_LINE_TOO_LONG;
	} else {
		proto_parse(s->ws.msg, s->ws.msg_len, &act);
	}
	enum chat_result cr = chat_handle(c, &act, wake);
	if (cr == CHAT_DEFER) {
		s->pending = 1;
		s->pending_ev = (uint8_t)ev;
		return DOOR_DEFER;
	}
	s->pending = 0;
	if (cr == CHAT_CLOSE) {         /* /quit: "= bye" is queued; then the close */
		web_send_close(c, WS_CLOSE_NORMAL, wake);
		return DOOR_LEAVE;
	}
	return DOOR_DONE;
}

int web_ws_step(uint16_t c, unsigned *wake)
{
	struct web_slot *s = &web_slots[c];
	uint8_t f[WS_HDR_MAX];
	size_t used;

	if (s->pending)
		return handle_message(c, (enum ws_event)s->pending_ev, wake);
	for (;;) {
		enum ws_event ev = ws_parse(&s->ws, s->raw + s->raw_start,
					    s->raw_len - s->raw_start, &used);
		s->raw_start += (uint16_t)used;
		switch (ev) {
		case WS_MORE:
			return DOOR_MORE;
		case WS_PONG:
			continue;
		case WS_TEXT:
		case WS_TEXT_LONG:
			return handle_message(c, ev, wake);
		case WS_PING: {
			unsigned h = ws_frame_header(f, 10, s->ws.ctl_len);
			web_send_raw(c, f, h, s->ws.ctl, s->ws.ctl_len, wake);
			return DOOR_DONE;
		}
		case WS_CLOSE:
			/* Echo its status (RFC 6455 5.5.1); a close without one
			 * is answered with an empty close. */
			if (s->ws.code == WS_CLOSE_NO_STATUS) {
				ws_frame_header(f, 8, 0);
				web_send_raw(c, f, 2, "", 0, wake);
			} else {
				web_send_close(c, s->ws.code, wake);
			}
			return DOOR_FAIL;
		case WS_FAIL:
			metric_add(&metrics.cuts[CUT_PROTOCOL]);
			log_info("%s: websocket closed with %u", conns[c].nick, s->ws.code);
			web_send_close(c, s->ws.code, wake);
			return DOOR_FAIL;
		}
	}
}
