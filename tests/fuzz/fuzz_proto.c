/* libFuzzer harness for natterd's pure protocol code: line framing
 * (frame.c), command parsing (proto.c), and the text rules (text.c).
 *
 * The input is a byte stream as a client might send it. It goes through
 * frame_space/frame_added/frame_next twice, once in reads as large as the
 * buffer takes and once in small reads of pseudo-random size (with
 * frame_unget thrown in), and each run must produce exactly the events of
 * a reference framer written here from PROTOCOL.md. Every line then goes
 * through proto_parse from a heap copy of exactly its size (so ASan sees
 * any read past it) and must agree with a reference parser written here;
 * text_check must agree with a reference UTF-8 decoder built on the
 * well-formed byte table of the Unicode standard (table 3-7), and the nick,
 * room and case helpers with their own references.
 *
 * Any disagreement aborts with a message naming it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "door/frame.h"
#include "core/limits.h"
#include "door/proto.h"
#include "util/text.h"

#define MAX_INPUT 65536

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_proto: %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} } while (0)

/* ---------------------------------------------------------------------
 * Reference text rules */

struct range { unsigned char lo, hi; };
/* Well-formed UTF-8 byte sequences (Unicode 15, table 3-7): for each lead
 * byte range, the ranges the following bytes must fall in. */
static const struct {
	struct range lead;
	int n;
	struct range next[3];
} wellformed[] = {
	{ { 0x00, 0x7f }, 1, { { 0, 0 } } },
	{ { 0xc2, 0xdf }, 2, { { 0x80, 0xbf } } },
	{ { 0xe0, 0xe0 }, 3, { { 0xa0, 0xbf }, { 0x80, 0xbf } } },
	{ { 0xe1, 0xec }, 3, { { 0x80, 0xbf }, { 0x80, 0xbf } } },
	{ { 0xed, 0xed }, 3, { { 0x80, 0x9f }, { 0x80, 0xbf } } },
	{ { 0xee, 0xef }, 3, { { 0x80, 0xbf }, { 0x80, 0xbf } } },
	{ { 0xf0, 0xf0 }, 4, { { 0x90, 0xbf }, { 0x80, 0xbf }, { 0x80, 0xbf } } },
	{ { 0xf1, 0xf3 }, 4, { { 0x80, 0xbf }, { 0x80, 0xbf }, { 0x80, 0xbf } } },
	{ { 0xf4, 0xf4 }, 4, { { 0x80, 0x8f }, { 0x80, 0xbf }, { 0x80, 0xbf } } },
};

/* Decodes one scalar value at s; returns its length, 0 if ill-formed. */
static size_t ref_decode(const unsigned char *s, size_t left, uint32_t *cp)
{
	static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	for (size_t k = 0; k < sizeof wellformed / sizeof wellformed[0]; k++) {
		if (s[0] < wellformed[k].lead.lo || s[0] > wellformed[k].lead.hi)
			continue;
		int n = wellformed[k].n;
		if ((size_t)n > left)
			return 0;
		uint32_t v = s[0] & lead_mask[n];
		for (int i = 1; i < n; i++) {
			if (s[i] < wellformed[k].next[i - 1].lo || s[i] > wellformed[k].next[i - 1].hi)
				return 0;
			v = v << 6 | (s[i] & 0x3f);
		}
		*cp = v;
		return n;
	}
	return 0;
}

static int ref_is_control(uint32_t cp)
{
	return (cp < 0x20 && cp != '\t') || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

/* The whole line is checked for UTF-8 first: that fault wins. */
static enum text_fault ref_text_check(const unsigned char *s, size_t len)
{
	int control = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = ref_decode(s + i, len - i, &cp);
		if (n == 0)
			return TEXT_BAD_UTF8;
		control |= ref_is_control(cp);
		i += n;
	}
	return control ? TEXT_BAD_CHAR : TEXT_OK;
}

static const char name_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

static int ref_name_char(char c)
{
	return c != '\0' && memchr(name_chars, c, sizeof name_chars - 1) != NULL;
}

static int ref_nick_valid(const char *s, size_t len)
{
	if (len == 0 || len > NICK_MAX)
		return 0;
	if (memchr(name_chars, s[0], 52) == NULL || s[0] == '\0')
		return 0;       /* the first 52 are the letters */
	for (size_t i = 0; i < len; i++)
		if (!ref_name_char(s[i]))
			return 0;
	return 1;
}

static int ref_room_valid(const char *s, size_t len)
{
	if (len == 0 || len > ROOM_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!ref_name_char(s[i]))
			return 0;
	return 1;
}

static unsigned char ref_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

/* ---------------------------------------------------------------------
 * Reference parser, written from PROTOCOL.md's rules */

static const struct {
	const char *name;
	enum action_kind kind;
} ref_commands[] = {
	{ "nick", ACT_NICK }, { "join", ACT_JOIN }, { "msg", ACT_MSG },
	{ "me", ACT_ME }, { "who", ACT_WHO }, { "rooms", ACT_ROOMS },
	{ "stats", ACT_STATS }, { "help", ACT_HELP }, { "quit", ACT_QUIT },
	{ "history", ACT_HISTORY },
};

struct ref_action {
	enum action_kind kind;
	enum action_kind command;       /* compared for usage errors only */
	enum proto_error error;
	size_t arg_off, arg_len;        /* offsets into the line */
	size_t text_off, text_len;
	int has_arg, has_text;
	unsigned count;                 /* /history N; 0 when not given */
};

static void ref_parse(const char *s, size_t n, struct ref_action *r)
{
	memset(r, 0, sizeof *r);
	r->kind = ACT_ERROR;
	if (n > LINE_MAX_CONTENT) {
		r->error = ERR_LINE_TOO_LONG;
		return;
	}
	enum text_fault f = ref_text_check((const unsigned char *)s, n);
	if (f != TEXT_OK) {
		r->error = f == TEXT_BAD_UTF8 ? ERR_BAD_UTF8 : ERR_BAD_CHAR;
		return;
	}
	size_t spaces = 0;
	while (spaces < n && s[spaces] == ' ')
		spaces++;
	if (spaces == n) {
		r->kind = ACT_IGNORE;
		return;
	}
	if (s[0] != '/' || (n >= 2 && s[1] == '/')) {
		r->kind = ACT_SAY;
		r->has_text = 1;
		r->text_off = s[0] == '/';
		r->text_len = n - r->text_off;
		return;
	}
	/* A command: the word runs from after the slash to the first space. */
	const char *sp = memchr(s, ' ', n);
	size_t wend = sp ? (size_t)(sp - s) : n;
	int cmd = -1;
	for (size_t k = 0; k < sizeof ref_commands / sizeof ref_commands[0]; k++) {
		const char *name = ref_commands[k].name;
		if (strlen(name) != wend - 1)
			continue;
		size_t i = 0;
		while (i < wend - 1 && ref_lower((unsigned char)s[1 + i]) == (unsigned char)name[i])
			i++;
		if (i == wend - 1)
			cmd = (int)k;
	}
	if (cmd < 0) {
		r->error = ERR_UNKNOWN_COMMAND;
		return;
	}
	enum action_kind kind = ref_commands[cmd].kind;
	/* The words after the command word. */
	size_t tok_start[3], tok_end[3];
	int ntok = 0;
	for (size_t i = wend; i < n;) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		size_t b = i;
		while (i < n && s[i] != ' ')
			i++;
		if (ntok < 3) {
			tok_start[ntok] = b;
			tok_end[ntok] = i;
		}
		ntok++;
	}
	r->command = kind;
	switch (kind) {
	case ACT_NICK:
	case ACT_JOIN:
		if (ntok != 1) {
			r->error = ERR_USAGE;
			return;
		}
		if (kind == ACT_NICK && !ref_nick_valid(s + tok_start[0], tok_end[0] - tok_start[0])) {
			r->error = ERR_BAD_NICK;
			return;
		}
		if (kind == ACT_JOIN && !ref_room_valid(s + tok_start[0], tok_end[0] - tok_start[0])) {
			r->error = ERR_BAD_ROOM;
			return;
		}
		r->has_arg = 1;
		r->arg_off = tok_start[0];
		r->arg_len = tok_end[0] - tok_start[0];
		break;
	case ACT_MSG:
		if (ntok < 2) {
			r->error = ERR_USAGE;
			return;
		}
		r->has_arg = r->has_text = 1;
		r->arg_off = tok_start[0];
		r->arg_len = tok_end[0] - tok_start[0];
		r->text_off = tok_start[1];
		r->text_len = n - tok_start[1];
		break;
	case ACT_ME:
	case ACT_QUIT:
		if (ntok == 0 && kind == ACT_ME) {
			r->error = ERR_USAGE;
			return;
		}
		r->has_text = 1;
		r->text_off = ntok ? tok_start[0] : n;
		r->text_len = n - r->text_off;
		break;
	case ACT_HISTORY: {
		/* No word, or one decimal number from 1 to 9999. */
		if (ntok > 1) {
			r->error = ERR_USAGE;
			return;
		}
		unsigned long v = 0;
		for (size_t i = ntok ? tok_start[0] : n; ntok && i < tok_end[0]; i++) {
			if (s[i] < '0' || s[i] > '9' || v > 9999) {
				v = 0;
				break;
			}
			v = v * 10 + (unsigned)(s[i] - '0');
		}
		if (ntok && (v < 1 || v > 9999)) {
			r->error = ERR_USAGE;
			return;
		}
		r->count = ntok ? (unsigned)v : 0;
		break;
	}
	default:
		break;
	}
	r->kind = kind;
}

static int code_ok(const char *code)
{
	if (!code || !*code)
		return 0;
	for (const char *p = code; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

/* proto_parse on a heap copy of exactly len bytes, held to ref_parse. */
static void check_parse(const char *src, size_t len)
{
	char *line = malloc(len ? len : 1);
	struct action act;
	struct ref_action ref;

	CHECK(line != NULL, "out of memory");
	memcpy(line, src, len);
	proto_parse(line, len, &act);
	ref_parse(line, len, &ref);

	CHECK(act.kind == ref.kind, "line %.*s: kind %d, reference %d", (int)(len > 80 ? 80 : len),
	      line, act.kind, ref.kind);
	if (act.kind == ACT_ERROR) {
		CHECK(act.error == ref.error, "line %.*s: error %s, reference %s",
		      (int)(len > 80 ? 80 : len), line, proto_error_code(act.error),
		      proto_error_code(ref.error));
		CHECK(code_ok(proto_error_code(act.error)), "bad error code string for %d", act.error);
		if (act.error == ERR_USAGE) {
			CHECK(act.command == ref.command, "usage for command %d, reference %d",
			      act.command, ref.command);
			const char *u = proto_usage(act.command);
			CHECK(u && u[0] == '/', "usage text %s", u ? u : "(null)");
		}
	} else {
		if (ref.has_arg) {
			CHECK(act.arg == line + ref.arg_off && act.arg_len == ref.arg_len,
			      "arg at %td+%zu, reference %zu+%zu", act.arg ? act.arg - line : -1,
			      act.arg_len, ref.arg_off, ref.arg_len);
		}
		CHECK(act.count == ref.count, "line %.*s: count %u, reference %u",
		      (int)(len > 80 ? 80 : len), line, act.count, ref.count);
		if (ref.has_text) {
			CHECK(act.text == line + ref.text_off && act.text_len == ref.text_len,
			      "text at %td+%zu, reference %zu+%zu", act.text ? act.text - line : -1,
			      act.text_len, ref.text_off, ref.text_len);
		}
		if (act.arg)
			CHECK(act.arg >= line && act.arg + act.arg_len <= line + len, "arg outside the line");
		if (act.text)
			CHECK(act.text >= line && act.text + act.text_len <= line + len, "text outside the line");
	}
	free(line);
}

/* ---------------------------------------------------------------------
 * Text helpers against their references */

static void check_text(const char *s, size_t len)
{
	enum text_fault got = text_check(s, len);
	enum text_fault want = ref_text_check((const unsigned char *)s, len);
	CHECK(got == want, "text_check %d, reference %d (len %zu)", got, want, len);

	size_t n = len < NICK_MAX + 2 ? len : NICK_MAX + 2;
	for (size_t k = 0; k <= n; k++) {
		CHECK(nick_valid(s, k) == ref_nick_valid(s, k), "nick_valid(%.*s)", (int)k, s);
		CHECK(room_valid(s, k) == ref_room_valid(s, k), "room_valid(%.*s)", (int)k, s);
	}

	/* Case helpers on the two halves of the input. */
	size_t half = len / 2, blen = len - half;
	const char *a = s, *b = s + half;
	int eq = half == blen;
	for (size_t i = 0; eq && i < half; i++)
		eq = ref_lower((unsigned char)a[i]) == ref_lower((unsigned char)b[i]);
	CHECK(!!ascii_caseeq(a, half, b, blen) == eq, "ascii_caseeq");

	char *la = malloc(half + 1), *lb = malloc(blen + 1);
	CHECK(la && lb, "out of memory");
	ascii_lower_copy(la, a, half);
	ascii_lower_copy(lb, b, blen);
	CHECK(la[half] == '\0' && lb[blen] == '\0', "ascii_lower_copy must end with NUL");
	for (size_t i = 0; i < half; i++)
		CHECK((unsigned char)la[i] == ref_lower((unsigned char)a[i]), "ascii_lower_copy");
	for (size_t i = 0; i < blen; i++)
		CHECK((unsigned char)lb[i] == ref_lower((unsigned char)b[i]), "ascii_lower_copy");
	/* ascii_casecmp on NUL-ended strings: sign of the first difference. */
	int want_cmp = 0;
	for (size_t i = 0;; i++) {
		unsigned char x = ref_lower((unsigned char)la[i]), y = ref_lower((unsigned char)lb[i]);
		if (x != y) {
			want_cmp = x < y ? -1 : 1;
			break;
		}
		if (!x)
			break;
	}
	int got_cmp = ascii_casecmp(la, lb);
	CHECK((got_cmp > 0) - (got_cmp < 0) == want_cmp, "ascii_casecmp sign %d, reference %d",
	      got_cmp, want_cmp);
	free(la);
	free(lb);
}

/* ---------------------------------------------------------------------
 * Framing against the reference framer */

enum { EV_LINE, EV_TOO_LONG };
struct event { int kind; size_t off, len; };   /* off/len into an arena */

struct events {
	struct event ev[MAX_INPUT + 2];
	size_t n;
	char arena[MAX_INPUT];
	size_t used;
};

static struct events ref_ev, run_ev;

static void ev_add(struct events *e, int kind, const char *line, size_t len)
{
	CHECK(e->n < sizeof e->ev / sizeof e->ev[0], "too many events");
	CHECK(e->used + len <= sizeof e->arena, "arena full");
	e->ev[e->n].kind = kind;
	e->ev[e->n].off = e->used;
	e->ev[e->n].len = len;
	if (len)
		memcpy(e->arena + e->used, line, len);
	e->used += len;
	e->n++;
}

/* PROTOCOL.md: a line ends with LF; one CR right before it is dropped; a
 * line's content is at most 510 bytes, and an over-long one is reported
 * once and thrown away up to its LF. A partial line at the end is not a
 * line; if it already passed the buffer (content + CR + LF), it has been
 * reported too long. */
static void ref_frame(const char *s, size_t n, struct events *e)
{
	size_t start = 0;
	e->n = e->used = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		size_t len = i - start;
		if (len > 0 && s[start + len - 1] == '\r')
			len--;
		if (len <= LINE_MAX_CONTENT)
			ev_add(e, EV_LINE, s + start, len);
		else
			ev_add(e, EV_TOO_LONG, NULL, 0);
		start = i + 1;
	}
	if (n - start >= LINE_BUF)
		ev_add(e, EV_TOO_LONG, NULL, 0);
}

/* A small deterministic generator, seeded from the input. */
static uint32_t rng_state;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void check_linebuf(const struct linebuf *lb)
{
	CHECK(lb->start <= lb->len && lb->len <= LINE_BUF, "linebuf start %u len %u",
	      lb->start, lb->len);
}

/* Takes every event frame_next has now; returns when it says MORE. */
static void drain(struct linebuf *lb, struct events *e, int play)
{
	for (;;) {
		const char *line;
		size_t len;
		enum frame_result fr = frame_next(lb, &line, &len);
		check_linebuf(lb);
		if (fr == FRAME_MORE)
			return;
		if (fr == FRAME_TOO_LONG) {
			ev_add(e, EV_TOO_LONG, NULL, 0);
			continue;
		}
		CHECK(fr == FRAME_LINE, "frame_next returned %d", fr);
		CHECK(len <= LINE_MAX_CONTENT, "line of %zu bytes", len);
		CHECK(line >= lb->buf && line + len <= lb->buf + LINE_BUF, "line outside the buffer");
		CHECK(memchr(line, '\n', len) == NULL, "line holds an LF");
		if (play && (rng() & 3) == 0) {
			/* The server gives a line back when it must wait, and asks
			 * again later: the same line must come back. */
			char copy[LINE_BUF];
			size_t clen = len;
			memcpy(copy, line, len);
			frame_unget(lb);
			check_linebuf(lb);
			fr = frame_next(lb, &line, &len);
			CHECK(fr == FRAME_LINE && len == clen && memcmp(line, copy, len) == 0,
			      "frame_unget then frame_next gave another line");
		}
		ev_add(e, EV_LINE, line, len);
	}
}

/* Feeds the stream as reads of at most `max_read` bytes (0: as much as the
 * buffer takes; < 0: pseudo-random sizes). eager: sometimes read before
 * all complete lines were taken. */
static void run_frame(const char *s, size_t n, int max_read, int eager, struct events *e)
{
	static struct linebuf lb;
	size_t pos = 0;
	int guard = 0;

	memset(&lb, 0xa5, sizeof lb);   /* frame_reset must set every field used */
	frame_reset(&lb);
	e->n = e->used = 0;
	drain(&lb, e, max_read < 0);
	while (pos < n) {
		size_t room;
		char *p = frame_space(&lb, &room);
		check_linebuf(&lb);
		CHECK(p == lb.buf + lb.len && room == LINE_BUF - lb.len, "frame_space");
		CHECK(room > 0, "frame_space gave no room after a drain");
		size_t take = n - pos;
		if (max_read > 0 && take > (size_t)max_read)
			take = max_read;
		if (max_read < 0) {
			size_t r = (rng() & 7) == 0 ? rng() % 600 + 1 : rng() % 8 + 1;
			take = take < r ? take : r;
		}
		if (take > room)
			take = room;
		memcpy(p, s + pos, take);
		frame_added(&lb, take);
		pos += take;
		check_linebuf(&lb);
		if (eager && (rng() & 1)) {
			/* read again before taking the lines: only if room is left */
			frame_space(&lb, &room);
			if (room > 0 && pos < n && guard++ < 4)
				continue;
		}
		guard = 0;
		drain(&lb, e, max_read < 0);
	}
	drain(&lb, e, max_read < 0);
}

static void compare_events(const struct events *got, const struct events *want,
			   const char *how)
{
	CHECK(got->n == want->n, "%s: %zu events, reference %zu", how, got->n, want->n);
	for (size_t i = 0; i < got->n; i++) {
		const struct event *a = &got->ev[i], *b = &want->ev[i];
		CHECK(a->kind == b->kind, "%s: event %zu is %s, reference %s", how, i,
		      a->kind == EV_LINE ? "a line" : "too-long",
		      b->kind == EV_LINE ? "a line" : "too-long");
		CHECK(a->len == b->len && memcmp(got->arena + a->off, want->arena + b->off, a->len) == 0,
		      "%s: line %zu differs from the reference", how, i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	if (size > MAX_INPUT)
		return 0;
	rng_state = 2166136261u;
	for (size_t i = 0; i < size; i++)
		rng_state = (rng_state ^ data[i]) * 16777619u;
	rng_state |= 1;

	ref_frame(s, size, &ref_ev);
	run_frame(s, size, 0, 0, &run_ev);
	compare_events(&run_ev, &ref_ev, "whole reads");
	run_frame(s, size, -1, 0, &run_ev);
	compare_events(&run_ev, &ref_ev, "small reads with unget");
	run_frame(s, size, -1, 1, &run_ev);
	compare_events(&run_ev, &ref_ev, "eager small reads");

	for (size_t i = 0; i < ref_ev.n; i++)
		if (ref_ev.ev[i].kind == EV_LINE)
			check_parse(ref_ev.arena + ref_ev.ev[i].off, ref_ev.ev[i].len);
	/* The input as one line too: reaches line-too-long and bad-char (LF). */
	check_parse(s, size);
	check_text(s, size);
	return 0;
}
