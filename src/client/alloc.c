/* natter itself never allocates. musl's getaddrinfo does, once per lookup
 * (one calloc for the whole result list, freed by freeaddrinfo right
 * after). Linking musl's general allocator for that one block costs about
 * 5 KiB of the armhf binary's 48 KiB budget, so these definitions, which
 * the static link takes instead of libc's, serve it from a static arena.
 * All blocks are freed before the next lookup, so the arena is reset
 * whenever nothing is live; a request that does not fit fails (ENOMEM,
 * which getaddrinfo reports as EAI_MEMORY) instead of growing anything. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_SIZE 16384
#define ALIGN 16                /* also the size of each block's header */

static _Alignas(ALIGN) unsigned char arena[ARENA_SIZE];
static size_t top, live;

void *malloc(size_t n)
{
	size_t need;
	unsigned char *p;

	if (n > ARENA_SIZE - ALIGN) {
		errno = ENOMEM;
		return NULL;
	}
	need = ALIGN + ((n + ALIGN - 1) & ~(size_t)(ALIGN - 1));
	if (need > ARENA_SIZE - top) {
		errno = ENOMEM;
		return NULL;
	}
	p = arena + top;
	memcpy(p, &n, sizeof n);        /* the header keeps the size (realloc) */
	top += need;
	live++;
	return p + ALIGN;
}

void *calloc(size_t count, size_t size)
{
	void *p;

	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void free(void *p)
{
	if (p && live && --live == 0)
		top = 0;
}

void *realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	memcpy(&old, (unsigned char *)p - ALIGN, sizeof old);
	q = malloc(n);
	if (q) {
		memcpy(q, p, old < n ? old : n);
		free(p);
	}
	return q;
}
