/* A worker's dirty bitmap: one bit per connection with output to write.
 * Any thread marks a connection after pushing onto its queue; the owning
 * worker takes a word's bits (clearing them) and then writes the queues
 * up to their tails. The whole protocol is these few lines, kept apart so
 * the unit tests run this very code (tests/unit/test_dirty.c). */
#ifndef NATTER_DIRTY_H
#define NATTER_DIRTY_H
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#define WORD_BITS (sizeof(unsigned long) * 8)

/* Producer, after its store of the queue's tail (or tails: a fan-out
 * may mark a word's bits at once, loop/worker.c's mark_batch). Always the
 * read-modify-write, never "skip if the bit looks set": a plain load may
 * be ordered before the tail store (a store buffer does exactly that),
 * see a bit the worker is just taking, and leave the line queued until
 * the next one comes. The RMW is ordered against the worker's exchange:
 * either the worker's exchange comes first and the bit stays set, or the
 * RMW came first and the worker sees the tail. */
static inline void dirty_mark_word(atomic_ulong *map, unsigned word, unsigned long bits)
{
	atomic_fetch_or(&map[word], bits);
}

static inline void dirty_mark(atomic_ulong *map, unsigned c)
{
	dirty_mark_word(map, c / WORD_BITS, 1UL << (c % WORD_BITS));
}

/* Worker: the bits of word i, now cleared (0: none set). The tails are
 * read after this exchange. The first look is sequentially consistent,
 * not relaxed: it must not be ordered before wake_take's clear of
 * pending (a plain load on x86, LDAR on arm64). */
static inline unsigned long dirty_take(atomic_ulong *map, unsigned i)
{
	if (!atomic_load(&map[i]))
		return 0;
	return atomic_exchange(&map[i], 0);
}

/* The wake-up that goes with a mark, when the marked connection belongs
 * to another worker: one eventfd write per wake-up the worker has not yet
 * taken. pending is 1 from the producer's exchange until the worker has
 * taken the wake-up, so producers write the eventfd only when it is 0. */
static inline void wake_request(atomic_int *pending, int evfd)
{
	uint64_t one = 1;
	if (atomic_exchange(pending, 1) == 0 && write(evfd, &one, sizeof one) < 0) {
		/* eventfd full means a wake-up is already pending */
	}
}

/* The worker, when epoll reports its eventfd readable; its dirty words
 * are taken after this. The read comes first, then pending is cleared:
 * cleared first, a producer could see 0, write, and have its count eaten
 * by this very read, leaving pending 1 with nothing left to read: every
 * later producer would skip its write, and the worker would learn of
 * other workers' marks only from its own tick. A producer that comes
 * after the read but before the clear skips its write; its mark, made
 * before its exchange, is found by dirty_take's sequentially consistent
 * loads after this clear (no fence here: TSan does not model fences). */
static inline void wake_take(atomic_int *pending, int evfd)
{
	uint64_t v;
	if (read(evfd, &v, sizeof v) < 0) {
		/* nothing pending after all */
	}
	atomic_store(pending, 0);
}
#endif
