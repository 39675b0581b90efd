/* The dirty bitmap's protocol (src/loop/dirty.h) as a litmus test: a
 * producer stores a queue's tail and marks the connection (dirty_mark),
 * while its worker takes the word (dirty_take) and reads the tail, as
 * conn_push and flush_dirty/conn_flush do. In each round the bit starts
 * set (the worker has not taken the previous line yet). A mark is lost
 * if, once both are done, the bit is clear and the worker read the old
 * tail: the new line would sit queued until the next one came.
 *
 * The old dirty_mark skipped its RMW when a relaxed load saw the bit set.
 * A store buffer lets that load pass the tail store (x86 and ARM both
 * do), so on two cores this test catches it within a few seconds; the
 * RMW cannot lose a mark. It can only show the bug when the two threads
 * really overlap: the rounds where the worker read the old and where it
 * read the new tail are both printed, and both must occur. On a loaded
 * machine the producer may only run when the worker yields, so the test
 * goes on (up to SECONDS_MAX) until both have occurred. */
#include "check.h"
#include "loop/dirty.h"
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

void test_dirty_no_lost_mark(void);

#define ROUNDS 2000000
#define SECONDS_MIN 2           /* then stop once both outcomes were seen */
#define SECONDS_MAX 30          /* a loaded machine may take long to overlap */
#define SLOT 37                 /* a connection index in the map's first word */
/* Busy-loop iterations before each side's step; the worker waits longer
 * since the producer learns of the round a cache miss later. Measured
 * here with the old dirty_mark: 25,000 to 70,000 marks lost in 6 s. */
#define PRODUCER_JITTER 8
#define WORKER_JITTER 300

static atomic_ulong map[1];
static atomic_uint tail;        /* the queue's tail: the round's line */
static atomic_uint go, done;    /* round numbers: started, producer finished */
static atomic_int stop;

static void spin_until(atomic_uint *v, unsigned want)
{
	for (unsigned n = 0; atomic_load_explicit(v, memory_order_acquire) != want; n++)
		if (n > 2000 && !atomic_load_explicit(&stop, memory_order_relaxed))
			sched_yield();  /* the other thread is not running: let it */
}

/* A few iterations of busy work, different each round, so the two
 * threads meet at varying offsets. */
static void jitter(uint32_t *seed, unsigned max)
{
	*seed = *seed * 1103515245u + 12345u;
	for (volatile unsigned i = (*seed >> 16) % max; i > 0; i--)
		;
}

static void *producer(void *arg)
{
	uint32_t seed = 7;
	(void)arg;
	for (unsigned r = 1;; r++) {    /* until stop */
		spin_until(&go, r);
		if (atomic_load(&stop))
			break;
		jitter(&seed, PRODUCER_JITTER);
		atomic_store_explicit(&tail, r, memory_order_release);  /* conn_push */
		dirty_mark(map, SLOT);                                  /* worker_mark */
		atomic_store_explicit(&done, r, memory_order_release);
	}
	return NULL;
}

void test_dirty_no_lost_mark(void)
{
	pthread_t t;
	unsigned long lost = 0, saw_old = 0, saw_new = 0, r;
	uint32_t seed = 11;
	time_t t0 = time(NULL);

	atomic_store(&go, 0);
	atomic_store(&done, 0);
	atomic_store(&stop, 0);
	CHECK(pthread_create(&t, NULL, producer, NULL) == 0);
	for (r = 1;; r++) {
		if ((r & 0xffff) == 0) {
			time_t spent = time(NULL) - t0;
			int overlapped = saw_old > 0 && saw_new > 0;
			if (spent >= SECONDS_MAX || (spent >= SECONDS_MIN && overlapped) ||
			    (r > ROUNDS && overlapped))
				break;
		}
		/* The previous line is marked, not yet taken; its tail is r-1. */
		atomic_store(&map[0], 1UL << SLOT);
		atomic_store(&tail, r - 1);
		atomic_store_explicit(&go, r, memory_order_release);
		jitter(&seed, WORKER_JITTER);
		unsigned long bits = dirty_take(map, 0);                /* flush_dirty */
		unsigned seen = atomic_load_explicit(&tail, memory_order_acquire); /* conn_flush */
		spin_until(&done, r);
		if (bits && seen == r)
			saw_new++;
		else
			saw_old++;
		if (seen != r && !(atomic_load(&map[0]) & (1UL << SLOT)))
			lost++;
	}
	atomic_store(&stop, 1);
	atomic_store(&go, r);           /* release the producer if it waits */
	pthread_join(t, NULL);
	printf("  dirty: %lu rounds in %lds; the worker read the old tail in %lu, the new in %lu; "
	       "%lu marks lost\n", r - 1, (long)(time(NULL) - t0), saw_old, saw_new, lost);
	CHECK(lost == 0);
	CHECK(saw_old > 0 && saw_new > 0);      /* the threads did overlap */
}
