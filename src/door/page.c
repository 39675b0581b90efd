/* The chat page (door/web/page.html), gzipped at build time into
 * door/web/page_gz.h by door/web.mk: web_page_gz, its length and its
 * ETag. */
#include "door/web.h"
#include "door/web/page_gz.h"
