/* Output and the terminal's input line (see screen.h). */
#include "screen.h"
#include "lineedit.h"
#include "net.h"
#include "out.h"
#include "sanitize.h"
#include "term.h"

#include <string.h>

static char obuf[16384];
static struct sbuf ob = { obuf, 0, sizeof obuf };
static int term, color, width = 80;
static int shown;               /* the input line is on the screen now */
static int dirty;               /* ... but not as it is now */
static int view;                /* first code point of the input shown */
static char prompt[ROOM_LEN + 3] = "> ";
static int prompt_cols = 2;

void scr_init(int t, int c)
{
	term = t;
	color = c;
	if (term)
		width = term_width();
}

void scr_resize(void)
{
	width = term_width();
	dirty = 1;
}

void scr_touch(void)
{
	dirty = 1;
}

void scr_prompt(const char *room)
{
	struct sbuf b = { prompt, 0, sizeof prompt };

	if (room && room[0])
		sb_put(&b, room, strnlen(room, ROOM_LEN));
	sb_str(&b, "> ");
	sb_cstr(&b);
	prompt_cols = (int)strlen(prompt);
	dirty = 1;
}

/* Adds to the output buffer, writing it out first when it is full. */
static void put(const char *s, size_t n)
{
	while (n) {
		size_t room = ob.cap - ob.len, k = n < room ? n : room;

		sb_put(&ob, s, k);
		s += k;
		n -= k;
		if (ob.len == ob.cap) {
			write_all(1, ob.p, ob.len);
			ob.len = 0;
		}
	}
}

static void puts_(const char *s)
{
	put(s, strlen(s));
}

static void sgr(const char *code)
{
	puts_("\033[");
	puts_(code);
	puts_("m");
}

/* A nick's colour depends on the nick alone (case folded, as the server
 * compares nicks), so it is the same in every session. Red is left out:
 * it marks errors. */
static const char *nick_color(const char *s, size_t n)
{
	static const char *const pal[] = {
		"32", "33", "34", "35", "36", "92", "93", "94", "95", "96"
	};
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 16777619u;
	}
	return pal[h % (sizeof pal / sizeof pal[0])];
}

/* Colours s[0..head) after the nick at s[nick..nick+nlen). */
static void put_head(const char *s, size_t n, size_t head, size_t nick, size_t nlen, int bold)
{
	if (head > n)
		head = n;
	if (bold)
		sgr("1");
	sgr(nick_color(s + nick, nlen));
	put(s, head);
	sgr("0");
	put(s + head, n - head);
}

static void put_colored(const char *s, size_t n)
{
	const char *e;

	if (!color || n < 2) {
		put(s, n);
	} else if (s[0] == '!' && s[1] == ' ') {            /* error */
		sgr("1;31");
		put(s, n);
		sgr("0");
	} else if (n > 3 && memcmp(s, "-- ", 3) == 0) {     /* event */
		sgr("2");
		put(s, n);
		sgr("0");
	} else if (s[0] == '<' && (e = memchr(s, '>', n))) { /* <nick> text */
		put_head(s, n, (size_t)(e - s) + 1, 1, (size_t)(e - s) - 1, 0);
	} else if (s[0] == '*' && s[1] == ' ') {            /* * nick action */
		e = memchr(s + 2, ' ', n - 2);
		put_head(s, n, e ? (size_t)(e - s) : n, 2, (e ? (size_t)(e - s) : n) - 2, 0);
	} else if (s[0] == '*' && (e = memchr(s + 1, '*', n - 1))) { /* *nick* */
		put_head(s, n, (size_t)(e - s) + 1, 1, (size_t)(e - s) - 1, 1);
	} else {
		put(s, n);
	}
}

static void hide_input(void)
{
	if (shown)
		puts_("\r\033[K");
	shown = 0;
}

void scr_line(const char *s, size_t n)
{
	static char clean[NET_IN];

	if (n > sizeof clean)
		n = sizeof clean;
	n = sanitize(s, n, clean);
	hide_input();
	put_colored(clean, n);
	puts_(term ? "\r\n" : "\n");
}

void scr_dim_line(const char *s, size_t n)
{
	static char clean[NET_IN];

	if (n > sizeof clean)
		n = sizeof clean;
	n = sanitize(s, n, clean);
	hide_input();
	if (color)
		sgr("2");
	put(clean, n);
	if (color)
		sgr("0");
	puts_(term ? "\r\n" : "\n");
}

void scr_note(const char *a, const char *b, const char *c)
{
	hide_input();
	if (color)
		sgr("2");
	puts_("natter: ");
	puts_(a ? a : "");
	puts_(b ? b : "");
	puts_(c ? c : "");
	if (color)
		sgr("0");
	puts_("\r\n");
}

/* Byte offset of code point number cp in t[0..len). */
static int byte_at(const char *t, int len, int cp)
{
	int i;

	for (i = 0; i < len; i++)
		if (((unsigned char)t[i] & 0xC0) != 0x80 && cp-- == 0)
			break;
	return i;
}

static int cols(const char *t, int len)
{
	int i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)t[i] & 0xC0) != 0x80;
	return n;
}

/* The input line never wraps: when the text is wider than the terminal, a
 * window of it that holds the cursor is shown, so redrawing stays one
 * "\r", one clear-to-end and one cursor move however long the text is. */
static void draw_input(void)
{
	int len, cur, ccol, total, avail, from, to, col;
	const char *t = le_text(&len, &cur);

	avail = width - prompt_cols - 1;
	if (avail < 1)
		avail = 1;
	ccol = cols(t, cur);
	total = cols(t, len);
	if (ccol < view)
		view = ccol;
	if (ccol > view + avail)
		view = ccol - avail;
	if (view > 0 && total - view < avail)
		view = total > avail ? total - avail : 0;
	from = byte_at(t, len, view);
	to = byte_at(t, len, view + avail);
	puts_("\r\033[K");
	puts_(prompt);
	put(t + from, (size_t)(to - from));
	col = prompt_cols + ccol - view;
	puts_("\r");
	if (col > 0) {
		char mem[16];
		struct sbuf b = { mem, 0, sizeof mem };

		sb_str(&b, "\033[");
		sb_num(&b, (unsigned long)col);
		sb_str(&b, "C");
		put(b.p, b.len);
	}
	shown = 1;
}

void scr_flush(void)
{
	if (term && (!shown || dirty))
		draw_input();
	dirty = 0;
	if (ob.len)
		write_all(1, ob.p, ob.len);
	ob.len = 0;
}

void scr_clear_screen(void)
{
	puts_("\033[H\033[2J");
	shown = 0;
}

void scr_leave(void)
{
	hide_input();
	if (ob.len)
		write_all(1, ob.p, ob.len);
	ob.len = 0;
}
