/* libFuzzer harness for the IRC door's pure code (irc_parse.c,
 * irc_render.c). The input is split at its first NUL into an IRC line and
 * a natter line's text.
 *
 * - irc_parse on a heap copy of exactly the line's size (ASan sees any
 *   read past it): every parameter lies inside the line, none but the
 *   last holds a space, the command holds none and is not empty.
 * - irc_strip_format: never longer, no formatting code left that started
 *   a code, and idempotent.
 * - utf8_fit: within the bound, and on valid UTF-8 never inside a
 *   character.
 * - irc_render of `<nick> TEXT` and `* nick TEXT` (TEXT valid UTF-8 with
 *   no control characters, as natter accepts it): every output line ends
 *   with CR LF, is at most 512 bytes, and the pieces of text put together
 *   give TEXT back, whole.
 * - irc_mask_match of the line as a mask against its own halves as nicks:
 *   stays inside both; any string matches itself and `*`; a mask with no
 *   `*` or `?` matches only a string of its own length.
 * - irc_umode_apply: -1 or modes with no bit but the three defined, and
 *   `+o` never makes an operator.
 * - irc_chanmode_next over the line as a MODE: at most IRC_MODES_MAX
 *   changes, each a letter (never a sign) with sign `+` or `-`, and its
 *   parameters the message's own, from the third on, in order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "door/irc_parse.h"
#include "util/text.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_irc: %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} } while (0)

static void check_parse(const char *line, size_t len)
{
	struct irc_msg m;
	if (irc_parse(line, len, &m) < 0)
		return;
	CHECK(m.cmd >= line && m.cmd + m.cmd_len <= line + len && m.cmd_len > 0);
	CHECK(!memchr(m.cmd, ' ', m.cmd_len));
	CHECK(m.nparams <= IRC_PARAMS_MAX);
	for (unsigned i = 0; i < m.nparams; i++) {
		CHECK(m.param[i] >= line && m.param[i] + m.param_len[i] <= line + len);
		if (i + 1 < m.nparams)
			CHECK(!memchr(m.param[i], ' ', m.param_len[i]) && m.param_len[i] > 0);
	}
}

static void check_strip(const char *s, size_t len)
{
	char *a = malloc(len + 1), *b = malloc(len + 1);
	size_t n = irc_strip_format(s, len, a);
	CHECK(n <= len);
	for (size_t i = 0; i < n; i++)
		CHECK(a[i] != 0x02 && a[i] != 0x03 && a[i] != 0x04 && a[i] != 0x0f &&
		      a[i] != 0x11 && a[i] != 0x16 && a[i] != 0x1d && a[i] != 0x1e && a[i] != 0x1f);
	/* digits after a colour code may become the next text: strip again is
	 * then a no-op, as no code is left */
	CHECK(irc_strip_format(a, n, b) == n && memcmp(a, b, n) == 0);
	free(a);
	free(b);
}

static void check_render(const char *text, size_t len, int action)
{
	static char line[2048], out[4096], got[2048];
	const char *nick = "abcdefghijklmnop", *room = "qrstuvwxyz012345";
	if (len > LINE_MAX_CONTENT || text_check(text, len) != TEXT_OK || len == 0)
		return;
	int n = action ? snprintf(line, sizeof line, "* %s ", nick) :
			 snprintf(line, sizeof line, "<%s> ", nick);
	memcpy(line + n, text, len);
	size_t olen = irc_render(line, n + len, room, "me", "host", out, sizeof out);
	CHECK(olen > 0);
	char head[128];
	snprintf(head, sizeof head, ":%s!%s@natter PRIVMSG #%s :%s", nick, nick, room,
		 action ? "\001ACTION " : "");
	size_t glen = 0, tail = action ? 1 : 0;
	for (size_t p = 0; p < olen;) {
		char *end = memmem(out + p, olen - p, "\r\n", 2);
		CHECK(end != NULL);
		size_t l = end + 2 - (out + p);
		CHECK(l <= IRC_LINE_MAX);
		CHECK(strncmp(out + p, head, strlen(head)) == 0);
		size_t t = strlen(head), tl = l - 2 - t - tail;
		memcpy(got + glen, out + p + t, tl);
		glen += tl;
		p += l;
	}
	CHECK(glen == len && memcmp(got, text, len) == 0);
}

static void check_mask(const char *s, size_t len)
{
	char *nick = malloc(len + 1);
	memcpy(nick, s, len);
	nick[len] = '\0';
	size_t n = strlen(nick);        /* a NUL-ended nick: up to the first NUL */
	CHECK(irc_mask_match(nick, n, nick));
	CHECK(irc_mask_match("*", 1, nick));
	int m = irc_mask_match(s, len, nick + n / 2);
	if (m && !memchr(s, '*', len) && !memchr(s, '?', len))
		CHECK(len == strlen(nick + n / 2));
	free(nick);
	int modes = irc_umode_apply(s, len, 0);
	CHECK(modes == -1 || (modes & ~(IRC_UMODE_AWAY | IRC_UMODE_INVISIBLE | IRC_UMODE_OPER)) == 0);
	CHECK(modes == -1 || !(modes & IRC_UMODE_OPER));
}

static void check_chanmode(const char *line, size_t len)
{
	struct irc_msg m;
	struct irc_change ch = { .sign = '+', .next = 2 };
	unsigned n = 0, next = 2;
	if (irc_parse(line, len, &m) < 0)
		return;
	while (irc_chanmode_next(&m, &ch)) {
		CHECK(++n <= IRC_MODES_MAX);
		CHECK(ch.letter != '+' && ch.letter != '-');
		CHECK(ch.sign == '+' || ch.sign == '-');
		if (ch.arg) {
			CHECK(next < m.nparams && ch.arg == m.param[next]);
			CHECK(ch.arg_len == m.param_len[next++]);
		}
		CHECK(ch.next == next);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t l1 = nul ? (size_t)(nul - data) : size;
	char *line = malloc(l1 ? l1 : 1);
	memcpy(line, data, l1);
	check_parse(line, l1);
	check_strip(line, l1);
	check_mask(line, l1);
	check_chanmode(line, l1);
	size_t fit = utf8_fit(line, l1, l1 / 2);
	CHECK(fit <= (l1 / 2 ? l1 / 2 : 0) || fit == l1);
	if (text_check(line, l1) == TEXT_OK && fit < l1 && fit > 0)
		CHECK(((unsigned char)line[fit] & 0xc0) != 0x80);
	free(line);
	if (nul) {
		const char *t = (const char *)nul + 1;
		size_t tl = size - l1 - 1;
		check_render(t, tl, 0);
		check_render(t, tl, 1);
	}
	return 0;
}
