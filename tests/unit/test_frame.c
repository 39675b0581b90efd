#include "check.h"
#include "door/frame.h"

void test_frame_lines(void);
void test_frame_long(void);
void test_frame_bytewise(void);
void test_frame_unget(void);

static void feed(struct linebuf *lb, const char *s, size_t n)
{
	size_t room;
	char *p = frame_space(lb, &room);
	CHECK(n <= room);
	memcpy(p, s, n);
	frame_added(lb, n);
}

void test_frame_lines(void)
{
	struct linebuf lb;
	const char *line;
	size_t len;

	frame_reset(&lb);
	feed(&lb, "one\ntwo\r\nthr", 12);
	CHECK(frame_next(&lb, &line, &len) == FRAME_LINE && len == 3 && !memcmp(line, "one", 3));
	CHECK(frame_next(&lb, &line, &len) == FRAME_LINE && len == 3 && !memcmp(line, "two", 3));
	CHECK(frame_next(&lb, &line, &len) == FRAME_MORE);
	feed(&lb, "ee\n\n", 4);
	CHECK(frame_next(&lb, &line, &len) == FRAME_LINE && len == 5 && !memcmp(line, "three", 5));
	CHECK(frame_next(&lb, &line, &len) == FRAME_LINE && len == 0);
	/* Only the one CR before the LF goes. */
	feed(&lb, "x\r\r\n", 4);
	CHECK(frame_next(&lb, &line, &len) == FRAME_LINE && len == 2 && line[1] == '\r');
}

void test_frame_long(void)
{
	struct linebuf lb;
	const char *line;
	size_t len;
	char big[LINE_BUF];

	memset(big, 'a', sizeof big);
	frame_reset(&lb);
	/* 510 bytes + CRLF fits exactly. */
	feed(&lb, big, 510);
	feed(&lb, "\r\n", 2);
	CHECK(frame_next(&lb, &line, &len) == FRAME_LINE && len == 510);
	/* 511 bytes + LF: too long, reported once. */
	feed(&lb, big, 511);
	feed(&lb, "\n", 1);
	CHECK(frame_next(&lb, &line, &len) == FRAME_TOO_LONG);
	CHECK(frame_next(&lb, &line, &len) == FRAME_MORE);
	/* A long line without LF yet: reported when the buffer fills, then
	 * everything to its LF is dropped, over several reads. */
	feed(&lb, big, LINE_BUF);
	CHECK(frame_next(&lb, &line, &len) == FRAME_TOO_LONG);
	for (int i = 0; i < 5; i++) {
		feed(&lb, big, LINE_BUF);
		CHECK(frame_next(&lb, &line, &len) == FRAME_MORE);
	}
	feed(&lb, "tail\nok\n", 8);
	CHECK(frame_next(&lb, &line, &len) == FRAME_LINE && len == 2 && !memcmp(line, "ok", 2));
	CHECK(frame_next(&lb, &line, &len) == FRAME_MORE);
}

void test_frame_bytewise(void)
{
	struct linebuf lb;
	const char *line;
	size_t len;
	const char *s = "/nick bob\r\nhi\n";
	int lines = 0;

	frame_reset(&lb);
	for (size_t i = 0; i < strlen(s); i++) {
		feed(&lb, s + i, 1);
		while (frame_next(&lb, &line, &len) == FRAME_LINE)
		{
			lines++;
			CHECK(len == (lines == 1 ? 9u : 2u));
		}
	}
	CHECK(lines == 2);
}

void test_frame_unget(void)
{
	struct linebuf lb;
	const char *line;
	size_t len;

	frame_reset(&lb);
	feed(&lb, "a\nbb\n", 5);
	CHECK(frame_next(&lb, &line, &len) == FRAME_LINE && len == 1);
	CHECK(frame_next(&lb, &line, &len) == FRAME_LINE && len == 2);
	frame_unget(&lb);
	CHECK(frame_next(&lb, &line, &len) == FRAME_LINE && len == 2 && line[0] == 'b');
	CHECK(frame_next(&lb, &line, &len) == FRAME_MORE);
}
