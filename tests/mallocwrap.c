/* Linked into the test build natterd-mallocwrap (static, musl): these
 * replace libc's allocator, so every heap call, libc's own included,
 * comes here. Before start-up ends they are served from a small arena;
 * after it, any call is reported on stderr and aborts the server. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern volatile int natterd_started;

static char arena[256 * 1024] __attribute__((aligned(16)));
static size_t arena_used;

static void *arena_take(size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (natterd_started) {
		static const char msg[] = "natterd: malloc after start-up\n";
		if (write(2, msg, sizeof msg - 1) < 0) {
			/* aborting anyway */
		}
		abort();
	}
	if (n > sizeof arena - arena_used)
		return NULL;
	arena_used += n;
	return arena + arena_used - n;
}

void *malloc(size_t n) { return arena_take(n); }
void *calloc(size_t a, size_t b) { void *p = arena_take(a * b); if (p) memset(p, 0, a * b); return p; }
void *realloc(void *p, size_t n) { void *q = arena_take(n); if (q && p) memcpy(q, p, n); return q; }
void *aligned_alloc(size_t al, size_t n) { (void)al; return arena_take(n); }
void free(void *p) { (void)p; if (natterd_started && p) arena_take(0); }
