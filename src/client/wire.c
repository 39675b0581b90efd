/* Reading the protocol's lines (see wire.h). */
#include "wire.h"

#include <string.h>
#include <strings.h>

static int starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(s, prefix, k) == 0;
}

/* Copies the word at s[0..n) that ends at a space, ';' or the end. */
static int word(const char *s, size_t n, char *out, size_t max)
{
	size_t i = 0;

	while (i < n && s[i] != ' ' && s[i] != ';')
		i++;
	if (i == 0 || i > max)
		return 0;
	memcpy(out, s, i);
	out[i] = '\0';
	return 1;
}

int wire_word_after(const char *s, size_t n, const char *prefix, char *out, size_t max)
{
	size_t k = strlen(prefix);

	return starts(s, n, prefix) && word(s + k, n - k, out, max);
}

int wire_welcome(const char *s, size_t n, char *nick, char *room, size_t max)
{
	static const char you[] = "; you are ";
	const char *p, *end = s + n;
	size_t k;

	if (!starts(s, n, "= welcome: "))
		return 0;
	for (p = s; p + sizeof you - 1 <= end; p++)
		if (memcmp(p, you, sizeof you - 1) == 0)
			break;
	if (p + sizeof you - 1 > end)
		return 0;
	p += sizeof you - 1;
	if (!word(p, (size_t)(end - p), nick, max))
		return 0;
	p += strlen(nick);
	k = (size_t)(end - p);
	return wire_word_after(p, k, " in ", room, max);
}

int wire_error_code(const char *s, size_t n, char *out, size_t max)
{
	const char *colon;
	size_t k;

	if (!starts(s, n, "! ") || !(colon = memchr(s, ':', n)))
		return 0;
	k = (size_t)(colon - s) - 2;
	if (k == 0 || k > max)
		return 0;
	memcpy(out, s + 2, k);
	out[k] = '\0';
	return 1;
}

int wire_is_cmd(const char *line, size_t n, const char *cmd, size_t *rest)
{
	size_t k = strlen(cmd), i;

	if (n < k || strncasecmp(line, cmd, k) != 0 || (n > k && line[k] != ' '))
		return 0;
	for (i = k; i < n && line[i] == ' '; i++)
		;
	*rest = i;
	return 1;
}

int wire_is_stats(const char *line)
{
	size_t rest;

	return wire_is_cmd(line, strlen(line), "/stats", &rest);
}
