/* A worker's dirty bitmap: one bit per connection with output to write.
 * Any thread marks a connection after pushing onto its queue; the owning
 * worker takes a word's bits (clearing them) and then writes the queues
 * up to their tails. The whole protocol is these few lines, kept apart so
 * the unit tests run this very code (tests/unit/test_dirty.c). */
#ifndef NATTER_DIRTY_H
#define NATTER_DIRTY_H
#include <stdatomic.h>

#define WORD_BITS (sizeof(unsigned long) * 8)

/* Producer, after its store of the queue's tail. Always the
 * read-modify-write, never "skip if the bit looks set": a plain load may
 * be ordered before the tail store (a store buffer does exactly that),
 * see a bit the worker is just taking, and leave the line queued until
 * the next one comes. The RMW is ordered against the worker's exchange:
 * either the worker's exchange comes first and the bit stays set, or the
 * RMW came first and the worker sees the tail. */
static inline void dirty_mark(atomic_ulong *map, unsigned c)
{
	atomic_fetch_or(&map[c / WORD_BITS], 1UL << (c % WORD_BITS));
}

/* Worker: the bits of word i, now cleared (0: none set). The tails are
 * read after this exchange. */
static inline unsigned long dirty_take(atomic_ulong *map, unsigned i)
{
	if (!atomic_load_explicit(&map[i], memory_order_relaxed))
		return 0;
	return atomic_exchange(&map[i], 0);
}
#endif
