/* The room history ring (src/core/history.c). */
#include "check.h"
#include "core/history.h"

void test_history_ring(void);
void test_history_keep_limits(void);

static int line_is(int r, unsigned i, long when, const char *text)
{
	const struct history_line *h = history_get(r, i);
	return h->when == when && h->len == strlen(text) && memcmp(h->text, text, h->len) == 0;
}

static void add(int r, long when, const char *text)
{
	history_add(r, when, text, strlen(text));
}

void test_history_ring(void)
{
	char text[32];
	history_init(5);
	CHECK(history_keep() == 5);
	CHECK(history_count(0) == 0 && history_count(1) == 0);
	add(0, 100, "<alice> one");
	CHECK(history_count(0) == 1 && line_is(0, 0, 100, "<alice> one"));
	CHECK(history_count(1) == 0);           /* rooms do not share a ring */
	/* Twelve lines into a ring of five: the last five, oldest first. */
	for (int i = 2; i <= 12; i++) {
		snprintf(text, sizeof text, "* bob line %d", i);
		add(0, 100 + i, text);
	}
	CHECK(history_count(0) == 5);
	for (unsigned i = 0; i < 5; i++) {
		snprintf(text, sizeof text, "* bob line %u", 8 + i);
		CHECK(line_is(0, i, 108 + i, text));
	}
	/* A room that ends forgets its lines; the next one starts empty. */
	add(1, 7, "<x> y");
	history_clear(0);
	CHECK(history_count(0) == 0 && history_count(1) == 1);
	add(0, 200, "<carol> again");
	CHECK(history_count(0) == 1 && line_is(0, 0, 200, "<carol> again"));
	/* The longest line a room can carry is kept whole; longer is cut. */
	char big[HISTORY_LINE_MAX + 10];
	memset(big, 'z', sizeof big);
	history_add(2, 1, big, HISTORY_LINE_MAX);
	CHECK(history_get(2, 0)->len == HISTORY_LINE_MAX);
	history_add(2, 1, big, sizeof big);
	CHECK(history_get(2, 1)->len == HISTORY_LINE_MAX);
}

void test_history_keep_limits(void)
{
	history_init(0);                        /* --history 0: off */
	add(0, 1, "<a> b");
	CHECK(history_count(0) == 0);
	history_init(HISTORY_MAX + 50);         /* clamped to the build's maximum */
	CHECK(history_keep() == HISTORY_MAX);
	for (int i = 0; i < HISTORY_MAX * 3; i++)
		add(3, i, "<a> b");
	CHECK(history_count(3) == HISTORY_MAX);
	CHECK(history_get(3, 0)->when == HISTORY_MAX * 2);
	CHECK(history_get(3, HISTORY_MAX - 1)->when == HISTORY_MAX * 3 - 1);
	history_init(1);
	add(3, 5, "<a> first");
	add(3, 6, "<a> second");
	CHECK(history_count(3) == 1 && line_is(3, 0, 6, "<a> second"));
}
