#include "util/base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

static int value(char c)
{
	for (int i = 0; i < 64; i++)
		if (alphabet[i] == c)
			return i;
	return -1;
}

int base64_decoded_len(const char *s, size_t len)
{
	size_t pad = 0;

	if (len % 4 != 0)
		return -1;
	while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++)
		if (value(s[i]) < 0)
			return -1;
	/* The bits padding leaves over must be zero (canonical form). */
	if (pad == 1 && (value(s[len - 2]) & 3))
		return -1;
	if (pad == 2 && (value(s[len - 3]) & 15))
		return -1;
	return (int)(len / 4 * 3 - pad);
}
