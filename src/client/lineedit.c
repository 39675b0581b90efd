/* Line editing for terminal mode (see lineedit.h). The text is UTF-8: the
 * cursor moves and deletes whole code points, never half a character. */
#include "lineedit.h"

#include <string.h>

#define HIST_N 32

static char buf[TEXT_MAX];
static int len, cur;

/* History: a ring of the last HIST_N lines; hpos -1 means "the line being
 * written", whose text is parked in draft while browsing. */
static char hist[HIST_N][TEXT_MAX];
static int hist_len[HIST_N], hist_count, hist_next, hpos = -1;
static char draft[TEXT_MAX];
static int draft_len;

/* Escape sequence state: 0 none, 1 after ESC, 2 inside ESC[ or ESC O. */
static int esc, esc_param;
/* Continuation bytes still to swallow of a character that did not fit. */
static int drop;

static int is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

static int prev_pos(int i)
{
	while (i > 0 && is_cont((unsigned char)buf[--i]))
		;
	return i;
}

static int next_pos(int i)
{
	if (i < len)
		i++;
	while (i < len && is_cont((unsigned char)buf[i]))
		i++;
	return i;
}

/* Removes buf[from..to). */
static void cut(int from, int to)
{
	memmove(buf + from, buf + to, (size_t)(len - to));
	len -= to - from;
	cur = from;
}

/* A character's first byte is refused when the whole character cannot fit,
 * so the line never ends in a truncated sequence (the server would answer
 * bad-utf8); its continuation bytes are then swallowed. */
static enum le_action insert(unsigned char c)
{
	int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;

	if (is_cont(c) && drop > 0) {
		drop--;
		return LE_NONE;
	}
	if (len + need > TEXT_MAX) {
		drop = need - 1;
		return LE_BELL;
	}
	drop = 0;
	memmove(buf + cur + 1, buf + cur, (size_t)(len - cur));
	buf[cur++] = (char)c;
	len++;
	return LE_DRAW;
}

static void load(const char *s, int n)
{
	memcpy(buf, s, (size_t)n);
	len = cur = n;
}

static int hist_slot(int pos)
{
	return (hist_next - 1 - pos + 2 * HIST_N) % HIST_N;
}

static enum le_action history(int older)
{
	if (older && hpos + 1 >= hist_count)
		return LE_BELL;
	if (!older && hpos < 0)
		return LE_BELL;
	if (hpos < 0) {
		memcpy(draft, buf, (size_t)len);
		draft_len = len;
	}
	hpos += older ? 1 : -1;
	if (hpos < 0)
		load(draft, draft_len);
	else
		load(hist[hist_slot(hpos)], hist_len[hist_slot(hpos)]);
	return LE_DRAW;
}

/* Ctrl-W: the spaces before the cursor, then the word before them. */
static enum le_action kill_word(void)
{
	int i = cur;

	while (i > 0 && buf[i - 1] == ' ')
		i--;
	while (i > 0 && buf[i - 1] != ' ')
		i--;
	cut(i, cur);
	return LE_DRAW;
}

static enum le_action move_to(int pos)
{
	cur = pos;
	return LE_DRAW;
}

/* The final byte of ESC [ ... or ESC O ...; param is the number before it. */
static enum le_action esc_final(unsigned char c, int param)
{
	switch (c) {
	case 'A': return history(1);
	case 'B': return history(0);
	case 'C': return move_to(next_pos(cur));
	case 'D': return move_to(prev_pos(cur));
	case 'H': return move_to(0);
	case 'F': return move_to(len);
	case '~':
		if (param == 1 || param == 7)
			return move_to(0);
		if (param == 4 || param == 8)
			return move_to(len);
		if (param == 3 && cur < len) {
			cut(cur, next_pos(cur));
			return LE_DRAW;
		}
		return LE_NONE;
	default:
		return LE_NONE;
	}
}

static enum le_action escape(unsigned char c)
{
	if (esc == 1) {
		esc = (c == '[' || c == 'O') ? 2 : 0;   /* Alt+key: ignored */
		esc_param = 0;
		return LE_NONE;
	}
	if (c >= '0' && c <= '9') {
		if (esc_param < 1000)
			esc_param = esc_param * 10 + (c - '0');
		return LE_NONE;
	}
	if (c < 0x40 || c > 0x7E)                       /* ';' and the like */
		return LE_NONE;
	esc = 0;
	return esc_final(c, esc_param);
}

static enum le_action control(unsigned char c)
{
	switch (c) {
	case 3:  return LE_QUIT;                                  /* Ctrl-C */
	case 4:                                                   /* Ctrl-D */
		if (len == 0)
			return LE_QUIT;
		return cur < len ? (cut(cur, next_pos(cur)), LE_DRAW) : LE_NONE;
	case 1:  return move_to(0);                               /* Ctrl-A */
	case 5:  return move_to(len);                             /* Ctrl-E */
	case 2:  return move_to(prev_pos(cur));                   /* Ctrl-B */
	case 6:  return move_to(next_pos(cur));                   /* Ctrl-F */
	case 8: case 0x7F:                                        /* Backspace */
		if (cur == 0)
			return LE_NONE;
		cut(prev_pos(cur), cur);
		return LE_DRAW;
	case 11: len = cur; return LE_DRAW;                       /* Ctrl-K */
	case 21: cut(0, cur); return LE_DRAW;                     /* Ctrl-U */
	case 23: return kill_word();                              /* Ctrl-W */
	case 12: return LE_REFRESH;                               /* Ctrl-L */
	case 14: return history(0);                               /* Ctrl-N */
	case 16: return history(1);                               /* Ctrl-P */
	case 26: return LE_SUSPEND;                               /* Ctrl-Z */
	case '\r': case '\n': return LE_ENTER;
	case 27: esc = 1; return LE_NONE;
	default: return LE_NONE;      /* TAB and other controls are not text */
	}
}

enum le_action le_key(unsigned char c)
{
	if (esc)
		return escape(c);
	if (c < 0x20 || c == 0x7F)
		return control(c);
	return insert(c);
}

const char *le_text(int *n, int *cursor)
{
	*n = len;
	*cursor = cur;
	return buf;
}

void le_clear(void)
{
	len = cur = 0;
	hpos = -1;
}

void le_history_add(const char *s, int n)
{
	int last = hist_slot(0);

	if (n <= 0 || n > TEXT_MAX)
		return;
	if (hist_count && hist_len[last] == n && memcmp(hist[last], s, (size_t)n) == 0)
		return;
	memcpy(hist[hist_next], s, (size_t)n);
	hist_len[hist_next] = n;
	hist_next = (hist_next + 1) % HIST_N;
	if (hist_count < HIST_N)
		hist_count++;
}
