/* Putting formatted lines on output queues: one recipient, or every member
 * of a room. The caller holds the lock of the recipients' room. Lines are
 * written later by each recipient's own worker, which is woken once per
 * batch (wake mask), not once per line.
 *
 * Delivery is all or nothing and never drops a line: if a live recipient's
 * queue is full only because its worker has not written it yet, the
 * caller is told to wait (DELIVER_DEFER) and tries again a moment later;
 * a recipient whose queue is full and whose socket is full too (it is not
 * reading) is cut as too slow instead, and the others go on. */
#ifndef NATTER_DELIVER_H
#define NATTER_DELIVER_H
#include <stdint.h>

enum line_class {
	LINE_MESSAGE,   /* from a client */
	LINE_EVENT,     /* from the server: may also use the reserved slots */
};

enum deliver_result {
	DELIVER_OK,
	DELIVER_DEFER,  /* nothing was queued: retry later */
};

/* Can every member of room r but `skip` take one more line now? */
enum deliver_result deliver_check(int r, uint16_t skip, enum line_class cls,
				  unsigned *wake);
/* Queues msg to every live member but `skip`; after deliver_check said OK
 * under the same lock. Takes its own references. */
void deliver_push(int r, uint16_t msg, uint16_t skip, unsigned *wake);
/* The same, with the line's IRC form given (MSG_NONE: made from msg). */
void deliver_push_as(int r, uint16_t msg, uint16_t irc, uint16_t skip, unsigned *wake);
/* The same for a line only IRC shows (already in IRC form): to the IRC
 * members alone, the sender too. */
void deliver_push_irc(int r, uint16_t irc, unsigned *wake);
/* deliver_check, then deliver_push. */
enum deliver_result deliver_room(int r, uint16_t msg, uint16_t skip,
				 enum line_class cls, unsigned *wake);
/* To one connection. A one-room door's: the caller holds the lock of c's
 * room (if any). An IRC connection's: the caller holds no room lock (it
 * may hold chat_mu); the lock that orders c's queue is taken here. */
enum deliver_result deliver_one(uint16_t c, uint16_t msg,
				enum line_class cls, unsigned *wake);
/* The same, for a line of room r, whose lock the caller holds (an IRC
 * recipient's form names it; c is in r, or has just left it). */
enum deliver_result deliver_one_in(uint16_t c, int r, uint16_t msg,
				   enum line_class cls, unsigned *wake);
/* Free queue entries c may still fill with lines of this class. */
unsigned deliver_space(uint16_t c, enum line_class cls);
/* Marks c too slow: its owner closes it and tells the room. */
void deliver_kill(uint16_t c, unsigned *wake);
#endif
