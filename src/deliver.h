/* Putting formatted lines on output queues: one recipient, or every member
 * of a room. The caller holds the lock of the recipients' room. Lines are
 * written later by each recipient's own worker, which is woken once per
 * batch (wake mask), not once per line. */
#ifndef NATTER_DELIVER_H
#define NATTER_DELIVER_H
#include <stdint.h>

enum line_class {
	LINE_MESSAGE,   /* from a client: may wait (back-pressure) */
	LINE_EVENT,     /* from the server: cannot wait; may use the reserve */
};

enum deliver_result {
	DELIVER_OK,
	DELIVER_DEFER,  /* a live recipient's queue is full: retry later */
};

/* To every member of room r but `skip` (CONN_NONE: nobody). Takes its own
 * references; the caller still drops its one. */
enum deliver_result deliver_room(int r, uint16_t msg, uint16_t skip,
				 enum line_class cls, unsigned *wake);
/* To one connection in room r (locked by the caller). */
enum deliver_result deliver_one(uint16_t c, uint16_t msg,
				enum line_class cls, unsigned *wake);
/* Free queue entries c may still fill with lines of this class. */
unsigned deliver_space(uint16_t c, enum line_class cls);
/* Marks c too slow: its owner closes it and tells the room. */
void deliver_kill(uint16_t c, unsigned *wake);
#endif
