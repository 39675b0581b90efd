/* The chat page (door/web/page.html), gzipped at build time into
 * door/web/page_gz.h by door/web.mk: web_page_gz, its length and its
 * ETag. */
#include "door/web.h"
#include "door/web/page_gz.h"
#include "core/limits.h"
#include "util/inflate.h"
#include <pthread.h>
#include <string.h>

/* Clients that do not take gzip (curl, a script) get the page decoded,
 * once, on first need: pages of this buffer stay out of RSS until then. */
static uint8_t plain[WEB_PAGE_MAX];
static long plain_len = -1;
static char plain_etag[48];
static pthread_once_t plain_once = PTHREAD_ONCE_INIT;

static void decode_page(void)
{
	size_t n = strlen(web_page_etag);

	plain_len = gunzip(web_page_gz, web_page_gz_len, plain, sizeof plain);
	/* Another representation, another strong ETag: "X" becomes "X-i". */
	if (n >= 2 && n + 2 < sizeof plain_etag) {
		memcpy(plain_etag, web_page_etag, n - 1);
		memcpy(plain_etag + n - 1, "-i\"", 4);
	}
}

long web_page_plain(const uint8_t **bytes, const char **etag)
{
	pthread_once(&plain_once, decode_page);
	*bytes = plain;
	*etag = plain_etag;
	return plain_len;
}
