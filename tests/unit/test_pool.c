#include "check.h"
#include "core/pool.h"

void test_pool_release_batch(void);

/* msg_release gathers a worker's releases per slot and gives them back at
 * msg_release_flush; a collision in its table gives back the old count
 * at once, and once the pool runs low nothing waits. */
void test_pool_release_batch(void)
{
	uint16_t s[RELEASE_SLOTS + 1];

	pool_init();
	for (unsigned i = 0; i <= RELEASE_SLOTS; i++)
		s[i] = msg_alloc(0);
	uint16_t a = s[0], b = s[RELEASE_SLOTS];        /* same table entry */
	CHECK(a != MSG_NONE && b != MSG_NONE);
	CHECK((a & (RELEASE_SLOTS - 1)) == (b & (RELEASE_SLOTS - 1)));
	unsigned avail = pool_available();

	msg_ref(a, 1);          /* two references: two recipients' writes */
	msg_release(a, 0);
	msg_release(a, 0);
	CHECK(pool_available() == avail);               /* gathered, not given */
	msg_release(b, 0);      /* collides: a's two go back, a is free */
	CHECK(pool_available() == avail + 1);
	msg_release_flush();    /* b's one */
	CHECK(pool_available() == avail + 2);
	msg_release_flush();    /* nothing left to give twice */
	CHECK(pool_available() == avail + 2);

	/* Low pool: a release goes back at once, with what was gathered. */
	msg_release(s[1], 0);
	while (!pool_low())
		CHECK(msg_alloc(0) != MSG_NONE);
	for (int i = 0; i < 4; i++)     /* the frees below must not end it */
		CHECK(msg_alloc(0) != MSG_NONE);
	avail = pool_available();
	msg_ref(s[2], 1);
	msg_release(s[2], pool_low());     /* one of two references: not yet free */
	CHECK(pool_available() == avail + 1);           /* s[1], flushed */
	msg_release(s[2], pool_low());
	CHECK(pool_available() == avail + 2);
}
