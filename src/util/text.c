#include "util/text.h"
#include <stdint.h>

/* Length of the UTF-8 sequence at s (1-4), or 0 if it is not a valid,
 * shortest-form encoding of a scalar value <= U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;       /* continuation byte, 0xc0/0xc1 overlong, > 0xf4 */
	if (n > left)
		return 0;       /* truncated */
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

enum text_fault text_check(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	int control = 0;

	for (size_t i = 0; i < len;) {
		if (s[i] >= 0x20 && s[i] < 0x7f) {     /* printable ASCII: most text */
			i++;
			continue;
		}
		size_t n = utf8_seq(s + i, len - i);
		if (n == 0)
			return TEXT_BAD_UTF8;
		if (n == 1 && ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f))
			control = 1;
		if (n == 2 && s[i] == 0xc2 && s[i + 1] <= 0x9f)
			control = 1;    /* C1 controls U+0080-U+009F */
		i += n;
	}
	return control ? TEXT_BAD_CHAR : TEXT_OK;
}

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

int nick_valid(const char *s, size_t len)
{
	if (len < 1 || len > 16 || !is_alpha(s[0]))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

int room_valid(const char *s, size_t len)
{
	if (len < 1 || len > 16)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

void ascii_lower_copy(char *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = ascii_lower(src[i]);
	dst[len] = '\0';
}

int ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int d = (unsigned char)ascii_lower(*a) - (unsigned char)ascii_lower(*b);
		if (d || !*a)
			return d;
	}
}

int ascii_caseeq(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return 0;
	return 1;
}

int decimal_parse(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		unsigned long d = (unsigned long)(*s - '0');
		/* checked before it is computed: unsigned long is 32 bits on ARM */
		if (v > (max - d) / 10 || (max < d))
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

size_t skip_spaces(const char *s, size_t i, size_t len)
{
	while (i < len && s[i] == ' ')
		i++;
	return i;
}

size_t word_end(const char *s, size_t i, size_t len)
{
	while (i < len && s[i] != ' ')
		i++;
	return i;
}
