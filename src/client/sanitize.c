/* UTF-8 checking and control-character replacement (see sanitize.h). */
#include "sanitize.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if the
 * bytes there are not one (overlong, surrogate, > U+10FFFF, truncated). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	/* The second byte's range is what rules out overlong forms,
	 * surrogates and code points above U+10FFFF. */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* 1 if the valid sequence of length len at s is a control character. */
static int is_control(const unsigned char *s, size_t len)
{
	if (len == 1)
		return (s[0] < 0x20 && s[0] != '\t') || s[0] == 0x7F;
	return len == 2 && s[0] == 0xC2 && s[1] < 0xA0;   /* C1: U+0080-U+009F */
}

size_t sanitize(const char *in, size_t n, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	while (i < n) {
		size_t len = utf8_len(s + i, n - i);

		if (len == 0 || is_control(s + i, len)) {
			out[o++] = '?';
			i += len ? len : 1;
			continue;
		}
		while (len--)
			out[o++] = (char)s[i++];
	}
	return o;
}

int text_ok(const char *in, size_t n)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0;

	while (i < n) {
		size_t len = utf8_len(s + i, n - i);

		if (len == 0 || is_control(s + i, len))
			return 0;
		i += len;
	}
	return 1;
}
