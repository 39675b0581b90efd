/* Rooms and the nick registry.
 *
 * Locking: chat_mu (one global lock) guards the room table, room
 * membership, nicks and every connection's room; it is taken by commands
 * and by joins and leaves, never on the plain-message path. Each room's own
 * lock guards the output queues of its members: a plain message takes only
 * that lock, so the room's lines get one order. Order: chat_mu, then room
 * locks in index order. */
#ifndef NATTER_ROOM_H
#define NATTER_ROOM_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "core/limits.h"

#define LOBBY 0

struct room {
	char name[ROOM_MAX + 1];        /* "" when the slot is free */
	unsigned count;
	uint16_t first;                 /* member list head (one-room doors) */
	uint32_t irc_first;             /* IRC member list head (nodes below) */
	unsigned irc_count;             /* members on that list */
	uint16_t op;                    /* who opened it (entered it empty), while
					 * still in it: IRC's @; else CONN_NONE */
	uint8_t secret;                 /* IRC's +s, set by its op: left out of
					 * lists for those not in it; ends when
					 * the room empties */
	pthread_mutex_t mu;
};

extern struct room rooms[MAX_ROOMS];
extern pthread_mutex_t chat_mu;

void rooms_init(void);
int room_find(const char *lower_name);
int room_create(const char *lower_name);        /* -1: table full */
void room_free_if_empty(int r);
unsigned rooms_in_use(void);
void room_add_member(int r, uint16_t c);        /* chat_mu and r's lock */
void room_remove_member(int r, uint16_t c);

/* IRC memberships: an IRC connection may be in up to IRC_CHANNELS_MAX
 * rooms, so its links live in a static node table, node c *
 * IRC_CHANNELS_MAX + i for its i-th place, not in its slot (natter and web
 * connections, in exactly one room, keep conns[c].member_prev/next and
 * conns[c].room; an IRC connection's conns[c].room stays CONN_NONE). Only
 * the pages of IRC slots' nodes are ever touched. A room's count holds
 * both kinds of member. Same locks as room_add_member. */
#define IRCM_NONE 0xffffffffu
#define IRCM_CONN(node) ((uint16_t)((node) / IRC_CHANNELS_MAX))
void room_irc_reset(uint16_t c);                /* c is in no room */
int room_irc_add(int r, uint16_t c);            /* -1: c is in too many */
void room_irc_remove(int r, uint16_t c);
int room_irc_room(uint16_t c, unsigned i);      /* its i-th room, or -1 */

/* The table itself is room.c's; it is here so that walking a room's IRC
 * members, done for every line said in it, is not a call per member. */
struct irc_node {
	uint16_t room;                  /* CONN_NONE: this place is free */
	uint32_t prev, next;
};
extern struct irc_node irc_nodes[MAX_CONNS * IRC_CHANNELS_MAX];

static inline uint32_t room_irc_next(uint32_t node)
{
	return irc_nodes[node].next;
}
/* c's bit for room r in conns[c].voice, 0 if c is not in r: 1 for a
 * one-room door's room, 1 << i for an IRC connection's i-th. */
unsigned room_bit(int r, uint16_t c);
/* May c see room r in lists: it is not secret, or c is in it? */
int room_shown(int r, uint16_t c);

uint16_t nick_find(const char *nick, size_t len);  /* CONN_NONE if free */
void nick_add(uint16_t c);                      /* conns[c].nick set */
void nick_del(uint16_t c);
/* each(c, arg) for every connection that holds a nick (chat_mu held):
 * scans see only those, never a slot being opened or closed. */
void nick_each(void (*each)(uint16_t c, void *arg), void *arg);
#endif
