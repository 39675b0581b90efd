/* IRC message parsing and text rules (irc_parse.h). */
#include "door/irc_parse.h"
#include "util/text.h"
#include <string.h>

int irc_parse(const char *s, size_t len, struct irc_msg *m)
{
	size_t i = skip_spaces(s, 0, len);

	memset(m, 0, sizeof *m);
	if (i < len && s[i] == '@')     /* IRCv3 tags: not used, skipped */
		i = skip_spaces(s, word_end(s, i, len), len);
	if (i < len && s[i] == ':')     /* a client's prefix is ignored */
		i = skip_spaces(s, word_end(s, i, len), len);
	if (i == len)
		return -1;
	m->cmd = s + i;
	i = word_end(s, i, len);
	m->cmd_len = s + i - m->cmd;
	for (;;) {
		i = skip_spaces(s, i, len);
		if (i == len)
			break;
		if (m->nparams == IRC_PARAMS_MAX - 1 || s[i] == ':') {
			if (s[i] == ':')
				i++;
			m->param[m->nparams] = s + i;
			m->param_len[m->nparams++] = len - i;
			break;
		}
		m->param[m->nparams] = s + i;
		i = word_end(s, i, len);
		m->param_len[m->nparams] = s + i - m->param[m->nparams];
		m->nparams++;
	}
	return 0;
}

/* Asked of a line once per command name tried (irc_cmd.c): no strlen,
 * and most names differ at the first letter. Either side's case. */
int irc_is(const struct irc_msg *m, const char *upper)
{
	size_t i = 0;
	for (; i < m->cmd_len; i++)
		if (upper[i] == '\0' || ascii_lower(m->cmd[i]) != ascii_lower(upper[i]))
			return 0;
	return upper[i] == '\0';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* After a colour code: up to `digits` of fg, then ",bg" likewise. */
static size_t colour_len(const char *s, size_t i, size_t len, int hex)
{
	size_t max = hex ? 6 : 2, n = 0;
	while (n < max && i + n < len && (hex ? is_hex(s[i + n]) : is_digit(s[i + n])))
		n++;
	if (n > 0 && i + n + 1 < len && s[i + n] == ',' &&
	    (hex ? is_hex(s[i + n + 1]) : is_digit(s[i + n + 1]))) {
		size_t m = 1;
		while (m < max && i + n + 1 + m < len &&
		       (hex ? is_hex(s[i + n + 1 + m]) : is_digit(s[i + n + 1 + m])))
			m++;
		n += 1 + m;
	}
	return n;
}

size_t irc_strip_format(const char *s, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		/* A run with no control character, most of any text, is
		 * copied as it is. */
		size_t end = i;
		while (end < len && (unsigned char)s[end] >= 0x20)
			end++;
		memcpy(out + o, s + i, end - i);
		o += end - i;
		if ((i = end) == len)
			break;
		switch (s[i]) {
		case 0x03: i += colour_len(s, i + 1, len, 0); break;
		case 0x04: i += colour_len(s, i + 1, len, 1); break;
		case 0x02: case 0x0f: case 0x11: case 0x16:
		case 0x1d: case 0x1e: case 0x1f:
			break;
		default: out[o++] = s[i]; break;
		}
	}
	return o;
}

size_t utf8_fit(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	/* Back off continuation bytes; the lead byte then starts the cut char. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

int irc_mask_match(const char *p, size_t len, const char *s)
{
	size_t i = 0, j = 0, star = len, back = 0;

	/* Greedy, with one way back: the last `*` takes one more character. */
	while (s[j]) {
		if (i < len && p[i] == '*') {
			star = i++;
			back = j;
		} else if (i < len && (p[i] == '?' || ascii_lower(p[i]) == ascii_lower(s[j]))) {
			i++;
			j++;
		} else if (star < len) {
			i = star + 1;
			j = ++back;
		} else {
			return 0;
		}
	}
	while (i < len && p[i] == '*')
		i++;
	return i == len;
}

int irc_chanmode_next(const struct irc_msg *m, struct irc_change *ch)
{
	const char *s = m->nparams > 1 ? m->param[1] : "";
	size_t len = m->nparams > 1 ? m->param_len[1] : 0;

	while (ch->pos < len && (s[ch->pos] == '+' || s[ch->pos] == '-'))
		ch->sign = s[ch->pos++];
	if (ch->pos >= len || ch->done >= IRC_MODES_MAX)
		return 0;
	ch->done++;
	ch->letter = s[ch->pos++];
	ch->arg = NULL;
	ch->arg_len = 0;
	if (memchr("vob", ch->letter, 3) && ch->next < m->nparams) {
		ch->arg = m->param[ch->next];
		ch->arg_len = m->param_len[ch->next++];
	}
	return 1;
}

int irc_umode_apply(const char *s, size_t len, unsigned modes)
{
	int plus = 1;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+' || s[i] == '-')
			plus = s[i] == '+';
		else if (s[i] == 'i')
			modes = plus ? modes | IRC_UMODE_INVISIBLE : modes & ~IRC_UMODE_INVISIBLE;
		else if (s[i] != 'o')
			return -1;
		else if (!plus)
			modes &= ~IRC_UMODE_OPER;
	}
	return modes;
}
