/* The gzip decoder (util/inflate.c): fixed and stored blocks from known
 * vectors, the chat page's dynamic blocks against page.html itself, and
 * every way a damaged input must be refused. */
#include "check.h"
#include "util/inflate.h"
#include <stdint.h>
#include <stdio.h>

static const uint8_t fixed_gz[] = {     /* "hello hello hello natter\n", gzip -9 */
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48,
	0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x22, 0xf3, 0x12, 0x4b, 0x4a, 0x52,
	0x8b, 0xb8, 0x00, 0x2c, 0xfd, 0xd1, 0xe5, 0x19, 0x00, 0x00, 0x00 };
static const uint8_t stored_gz[] = {    /* "abc\n", gzip -0 */
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x03, 0x01, 0x04,
	0x00, 0xfb, 0xff, 0x61, 0x62, 0x63, 0x0a, 0x4e, 0x81, 0x88, 0x47, 0x04,
	0x00, 0x00, 0x00 };

static long slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return (long)n;
}

void test_inflate_vectors(void)
{
	uint8_t out[64], bad[sizeof fixed_gz];

	CHECK(gunzip(fixed_gz, sizeof fixed_gz, out, sizeof out) == 25);
	CHECK(memcmp(out, "hello hello hello natter\n", 25) == 0);
	CHECK(gunzip(stored_gz, sizeof stored_gz, out, sizeof out) == 4);
	CHECK(memcmp(out, "abc\n", 4) == 0);
	/* Too small an output, every truncation, a bad CRC, a bad magic. */
	CHECK(gunzip(fixed_gz, sizeof fixed_gz, out, 24) == -1);
	for (size_t n = 0; n < sizeof fixed_gz; n++)
		CHECK(gunzip(fixed_gz, n, out, sizeof out) == -1);
	memcpy(bad, fixed_gz, sizeof bad);
	bad[sizeof bad - 8] ^= 1;
	CHECK(gunzip(bad, sizeof bad, out, sizeof out) == -1);
	memcpy(bad, fixed_gz, sizeof bad);
	bad[1] = 0;
	CHECK(gunzip(bad, sizeof bad, out, sizeof out) == -1);
	/* Every single flipped bit is refused or decodes to something else
	 * within the bounds: never a crash (ASan runs this too). */
	for (size_t i = 10; i < sizeof fixed_gz - 8; i++)
		for (int b = 0; b < 8; b++) {
			memcpy(bad, fixed_gz, sizeof bad);
			bad[i] ^= (uint8_t)(1 << b);
			long n = gunzip(bad, sizeof bad, out, sizeof out);
			CHECK(n == -1);         /* the CRC catches what decodes */
		}
}

/* The page as natterd keeps it (build/gen/page.html.gz, made by web.mk
 * with gzip -9n: dynamic Huffman blocks) decodes to page.html exactly. */
void test_inflate_page(void)
{
	static uint8_t gz[65536], page[65536], out[65536];
	long gn = slurp("build/gen/page.html.gz", gz, sizeof gz);
	long pn = slurp("src/door/web/page.html", page, sizeof page);

	CHECK(gn > 0 && pn > 0);
	if (gn <= 0 || pn <= 0)
		return;
	CHECK(gunzip(gz, (size_t)gn, out, sizeof out) == pn);
	CHECK(memcmp(out, page, (size_t)pn) == 0);
	CHECK(gunzip(gz, (size_t)gn, out, (size_t)pn - 1) == -1);
}
