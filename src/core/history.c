#include "core/history.h"
#include <string.h>

/* Written only up to lines[r][keep - 1]: untouched pages stay out of RSS. */
static struct history_line lines[MAX_ROOMS][HISTORY_MAX];
static struct {
	uint16_t oldest;        /* index of the oldest line in lines[r] */
	uint16_t count;
} rings[MAX_ROOMS];
static unsigned keep;

void history_init(unsigned n)
{
	keep = n > HISTORY_MAX ? HISTORY_MAX : n;
	memset(rings, 0, sizeof rings);
}

unsigned history_keep(void)
{
	return keep;
}

void history_add(int r, int64_t when, const char *text, size_t len)
{
	if (keep == 0)
		return;
	unsigned slot = (rings[r].oldest + rings[r].count) % keep;
	if (rings[r].count < keep)
		rings[r].count++;
	else
		rings[r].oldest = (rings[r].oldest + 1) % keep;
	struct history_line *h = &lines[r][slot];
	if (len > sizeof h->text)
		len = sizeof h->text;   /* callers format within it; a guard */
	h->when = when;
	h->len = len;
	memcpy(h->text, text, len);
}

void history_clear(int r)
{
	rings[r].oldest = rings[r].count = 0;
}

unsigned history_count(int r)
{
	return rings[r].count;
}

const struct history_line *history_get(int r, unsigned i)
{
	return &lines[r][(rings[r].oldest + i) % keep];
}
