/* The cross-worker wake-up (wake_request / wake_take in src/loop/dirty.h)
 * as a litmus test: a producer publishes work and asks for a wake-up, as
 * worker_mark + workers_wake do, flat out; the consumer sleeps in poll()
 * on the eventfd, as a worker sleeps in epoll_wait, takes the wake-up and
 * then reads the work. Once the producer has stopped, its last work must
 * reach the consumer through a wake-up. A wake-up is lost if the consumer
 * then sleeps through a whole second with work it has not seen.
 *
 * The old worker cleared pending before reading the eventfd: a producer
 * in between wrote a count that this read ate, leaving pending set with
 * nothing to read, and no producer wrote again. Measured here with that
 * order: the wake-ups stop within the first second, every run. */
#include "check.h"
#include "loop/dirty.h"
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <time.h>

void test_wake_no_lost_wakeup(void);

#define RUN_SECONDS 2
#define QUIET_MS 1000           /* a consumer with unseen work sleeps no longer */

static atomic_int pending;
static atomic_uint work;        /* what the producer has published */
static atomic_int stop;
static int evfd;

static void *producer(void *arg)
{
	unsigned n = 0;
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		atomic_store(&work, ++n);               /* conn_push + dirty_mark */
		wake_request(&pending, evfd);           /* workers_wake */
		if ((n & 63) == 0)
			sched_yield();                  /* let the consumer sleep at times */
	}
	return NULL;
}

void test_wake_no_lost_wakeup(void)
{
	pthread_t t;
	struct pollfd p;
	unsigned seen = 0, wakes = 0;
	int lost = 0;
	time_t t0 = time(NULL);

	evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(evfd >= 0);
	atomic_store(&pending, 0);
	atomic_store(&work, 0);
	atomic_store(&stop, 0);
	CHECK(pthread_create(&t, NULL, producer, NULL) == 0);
	for (;;) {
		int running = time(NULL) - t0 < RUN_SECONDS;
		if (!running && !atomic_load(&stop)) {
			atomic_store(&stop, 1);
			pthread_join(t, NULL);          /* its last request is made */
		}
		p.fd = evfd;
		p.events = POLLIN;
		if (poll(&p, 1, running ? 100 : QUIET_MS) == 1) {
			wake_take(&pending, evfd);      /* worker_main: TAG_WAKE */
			seen = atomic_load(&work);      /* flush_dirty */
			wakes++;
			continue;
		}
		if (running)
			continue;       /* the producer may be descheduled; judged at the end */
		lost = seen != atomic_load(&work);
		break;
	}
	printf("  wake: %u wake-ups in %ds; work published %u, seen %u: %s\n", wakes,
	       RUN_SECONDS, atomic_load(&work), seen, lost ? "a wake-up was lost" : "none lost");
	close(evfd);
	CHECK(!lost);
	CHECK(wakes > 1000);    /* the two threads really overlapped */
}
