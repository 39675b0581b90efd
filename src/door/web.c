/* The web door: its door operations, the request heads (parsed by
 * http.c, answered by webhttp.c: the page, /metrics, errors, the
 * WebSocket handshake), and the frames its lines go out in; webws.c
 * takes over after the handshake.
 *
 * A head that comes in one read is parsed in the worker's scratch buffer
 * and never stored; only a head that arrives in pieces is parked, in one
 * of HTTP_HEAD_BUFS shared buffers (so thousands of idle slots do not
 * each hold 4 KiB). When none is free the client gets 503. */
#include "door/web.h"
#include "door/door.h"
#include "core/chat.h"
#include "core/conn.h"
#include "core/pool.h"
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct web_slot web_slots[MAX_CONNS];

static char head_bufs[HTTP_HEAD_BUFS][HTTP_HEAD_MAX];
static atomic_uchar head_taken[HTTP_HEAD_BUFS];

static __thread char scratch[HTTP_HEAD_MAX];
static __thread uint16_t scratch_len;
static __thread char *cur;              /* c's head bytes in this turn */
static __thread uint16_t *cur_len;

static int head_buf_take(void)
{
	for (int i = 0; i < HTTP_HEAD_BUFS; i++) {
		unsigned char no = 0;
		if (atomic_compare_exchange_strong(&head_taken[i], &no, 1))
			return i;
	}
	return -1;
}

static void head_buf_give(struct web_slot *s)
{
	if (s->head_buf)
		atomic_store(&head_taken[s->head_buf - 1], 0);
	s->head_buf = 0;
	s->head_len = 0;
}

/* A pool line whose text starts with NUL is the door's own: "\0R" then
 * bytes sent as they are, or "\0P": the page's body. Chat lines never
 * start with NUL. */
int web_send_raw(uint16_t c, const void *a, size_t alen, const void *b, size_t blen,
		 unsigned *wake)
{
	const size_t room = OUT_LINE_MAX - 2;

	do {
		uint16_t m = msg_alloc(1);
		if (m == MSG_NONE)
			return -1;
		struct msg *p = msg_at(m);
		size_t n = alen < room ? alen : room;
		memcpy(p->text + 2, a, n);
		size_t k = blen < room - n ? blen : room - n;
		memcpy(p->text + 2 + n, b, k);
		p->text[0] = '\0';
		p->text[1] = 'R';
		p->len = (uint16_t)(2 + n + k);
		chat_tell(c, m, wake);
		a = (const char *)a + n, alen -= n;
		b = (const char *)b + k, blen -= k;
	} while (alen + blen > 0);
	return 0;
}

/* One line's wire form (door.h: render); ws: c is upgraded. Inlined
 * into web_render's loop: it runs for every line to every browser. */
static inline __attribute__((always_inline)) void
render_line(int ws, struct msg *m, unsigned off, struct iovec *iov)
{
	if (m->len >= 2 && m->text[0] == '\0') {
		if (m->text[1] == 'P') {
			iov->iov_base = (void *)(web_page_gz + off);
			iov->iov_len = web_page_gz_len - off;
		} else if (m->text[1] == 'I') {         /* decoded before it was queued */
			const uint8_t *page;
			const char *etag;
			long n = web_page_plain(&page, &etag);
			iov->iov_base = (void *)(page + off);
			iov->iov_len = (size_t)n - off;
		} else {
			iov->iov_base = (void *)(m->text + 2 + off);
			iov->iov_len = m->len - 2 - off;
		}
		return;
	}
	if (!ws) {                              /* "! shutdown" before an upgrade */
		iov->iov_base = (void *)m->text;
		iov->iov_len = 0;
		return;
	}
	/* A text frame: its header, then the shared pool text without its
	 * LF, in one piece: the header goes in the slot's room just before
	 * the text, where each worker writing the line puts the same bytes
	 * (and skips the store when they are there). The kernel's copy costs
	 * per piece, so this is one iovec a line, not two. A line is at
	 * most 65535 bytes (the assertions below): a 2- or 4-byte header. */
	unsigned len = m->len - 1u, hlen;
	uint32_t word = ws_text_header_word(len, &hlen);
	if (atomic_load_explicit(&m->before, memory_order_relaxed) != word)
		atomic_store_explicit(&m->before, word, memory_order_relaxed);
	iov->iov_base = (char *)&m->before + sizeof m->before - hlen + off;
	iov->iov_len = hlen + len - off;
}

/* The phase is read once a run: the owner changes it only before the
 * connection is OPEN (the upgrade) and after its release. */
static void web_render(uint16_t c, struct msg *const *m, unsigned n, unsigned off,
		       struct iovec *iov)
{
	int ws = web_slots[c].phase == WEB_WS;
	for (unsigned i = 0; i < n; i++, off = 0)
		render_line(ws, m[i], off, &iov[i]);
}

/* The header fits the room before the text, and nothing lies between. */
_Static_assert(OUT_LINE_MAX < 65536, "a line's frame header is at most 4 bytes");
_Static_assert(sizeof(atomic_uint) == 4 &&
	       offsetof(struct msg, text) == offsetof(struct msg, before) + sizeof(((struct msg *)0)->before),
	       "the header room must end where the text begins");

static void web_open(uint16_t c)
{
	struct web_slot *s = &web_slots[c];
	s->phase = WEB_HTTP;
	s->head_buf = s->head_lost = s->joining = s->pending = 0;
	s->head_len = s->raw_start = s->raw_len = 0;
	ws_reset(&s->ws);
}

static void web_begin(uint16_t c)
{
	struct web_slot *s = &web_slots[c];
	if (s->head_buf) {
		cur = head_bufs[s->head_buf - 1];
		cur_len = &s->head_len;
	} else {
		cur = scratch;
		cur_len = &scratch_len;
		scratch_len = 0;
	}
}

static char *web_space(uint16_t c, size_t *room)
{
	struct web_slot *s = &web_slots[c];
	if (s->phase == WEB_WS) {
		if (s->raw_start > 0) {
			memmove(s->raw, s->raw + s->raw_start, s->raw_len - s->raw_start);
			s->raw_len -= s->raw_start;
			s->raw_start = 0;
		}
		*room = WS_RAW_BUF - s->raw_len;
		return (char *)s->raw + s->raw_len;
	}
	*room = s->head_lost ? 0 : HTTP_HEAD_MAX - *cur_len;
	return cur + *cur_len;
}

static void web_added(uint16_t c, size_t n)
{
	struct web_slot *s = &web_slots[c];
	if (s->phase == WEB_WS)
		s->raw_len += (uint16_t)n;
	else
		*cur_len += (uint16_t)n;
}

static enum door_step web_step(uint16_t c, unsigned *wake)
{
	struct web_slot *s = &web_slots[c];
	if (s->joining)
		return web_ws_join(c, wake);
	return s->phase == WEB_WS ? web_ws_step(c, wake) : web_http_step(c, cur, cur_len, wake);
}

/* Parks half a head in a shared buffer; frees the buffer once done. */
static void web_end(uint16_t c)
{
	struct web_slot *s = &web_slots[c];

	if (s->phase != WEB_HTTP || *cur_len == 0) {
		head_buf_give(s);
	} else if (cur == scratch) {
		int b = head_buf_take();
		if (b < 0) {
			s->head_lost = 1;
		} else {
			memcpy(head_bufs[b], scratch, scratch_len);
			s->head_buf = (uint8_t)(b + 1);
			s->head_len = scratch_len;
		}
	}
	cur = NULL;
}

static void web_close(uint16_t c)
{
	head_buf_give(&web_slots[c]);
}

/* Refused at accept: a 503 in place of the natter line. */
static void web_refuse(int fd, const char *line)
{
	char h[256];
	int n = snprintf(h, sizeof h, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; "
			 "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 strlen(line), line);
	if (send(fd, h, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* the client sees the close instead */
	}
}

/* A WebSocket client being cut hears why in a text frame and a close
 * frame (1008, policy); one with a frame half written, or still in HTTP,
 * only sees the connection close. */
static void web_last_words(uint16_t c, int fd, const char *line, int mid_line)
{
	uint8_t buf[OUT_LINE_MAX + 32];
	size_t len = strlen(line), n;

	if (web_slots[c].phase != WEB_WS || mid_line)
		return;
	if (len && line[len - 1] == '\n')
		len--;
	n = ws_frame_header(buf, 1, len);
	memcpy(buf + n, line, len);
	n += len;
	n += ws_frame_header(buf + n, 8, 2);
	buf[n++] = 1008 >> 8;
	buf[n++] = 1008 & 0xff;
	if (send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* the client sees the close instead */
	}
}

const struct door_ops door_web = {
	.name = "web",
	.handshake_ms = HTTP_HEAD_TIMEOUT_MS,
	.open = web_open,
	.begin = web_begin,
	.space = web_space,
	.added = web_added,
	.step = web_step,
	.end = web_end,
	.render = web_render,
	.close = web_close,
	.refuse = web_refuse,
	.last_words = web_last_words,
};
