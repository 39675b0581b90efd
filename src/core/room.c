#include "core/room.h"
#include "core/conn.h"
#include "core/history.h"
#include "door/door.h"
#include "util/text.h"
#include <string.h>

struct room rooms[MAX_ROOMS];
pthread_mutex_t chat_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned in_use;

struct irc_node irc_nodes[MAX_CONNS * IRC_CHANNELS_MAX];

/* Nick hash: chains through conns[].nick_next. */
#define NICK_BUCKETS 4096
static uint16_t nick_buckets[NICK_BUCKETS];

void rooms_init(void)
{
	for (int r = 0; r < MAX_ROOMS; r++) {
		pthread_mutex_init(&rooms[r].mu, NULL);
		rooms[r].first = CONN_NONE;
		rooms[r].irc_first = IRCM_NONE;
	}
	for (int i = 0; i < NICK_BUCKETS; i++)
		nick_buckets[i] = CONN_NONE;
	strcpy(rooms[LOBBY].name, "lobby");
	in_use = 1;
}

int room_find(const char *name)
{
	for (int r = 0; r < MAX_ROOMS; r++)
		if (strcmp(rooms[r].name, name) == 0)
			return r;
	return -1;
}

int room_create(const char *name)
{
	for (int r = 0; r < MAX_ROOMS; r++) {
		if (rooms[r].name[0] == '\0') {
			strcpy(rooms[r].name, name);
			rooms[r].count = rooms[r].irc_count = 0;
			rooms[r].first = CONN_NONE;
			rooms[r].irc_first = IRCM_NONE;
			in_use++;
			return r;
		}
	}
	return -1;
}

void room_free_if_empty(int r)
{
	if (r != LOBBY && rooms[r].count == 0 && rooms[r].name[0]) {
		pthread_mutex_lock(&rooms[r].mu);
		history_clear(r);       /* a room ends with its history */
		pthread_mutex_unlock(&rooms[r].mu);
		rooms[r].name[0] = '\0';
		in_use--;
	}
}

unsigned rooms_in_use(void)
{
	return in_use;
}

/* c entered (+1) or left (-1) room r, on any door: its count, and its op
 * (the one who entered it empty, until they leave; the op is not passed
 * on, so no IRC client needs telling of a new one). A room that empties
 * ends, and its secret flag with it (the lobby's too). */
static void counted(int r, uint16_t c, int step)
{
	struct room *rm = &rooms[r];
	if (step > 0 && rm->count == 0)
		rm->op = c;
	if (step < 0 && rm->op == c)
		rm->op = CONN_NONE;
	rm->count += step;
	if (rm->count == 0)
		rm->secret = 0;
}

void room_add_member(int r, uint16_t c)
{
	struct room *rm = &rooms[r];
	conns[c].room = r;
	conns[c].member_prev = CONN_NONE;
	conns[c].member_next = rm->first;
	if (rm->first != CONN_NONE)
		conns[rm->first].member_prev = c;
	rm->first = c;
	counted(r, c, 1);
}

void room_remove_member(int r, uint16_t c)
{
	struct conn *k = &conns[c];
	if (k->member_prev != CONN_NONE)
		conns[k->member_prev].member_next = k->member_next;
	else
		rooms[r].first = k->member_next;
	if (k->member_next != CONN_NONE)
		conns[k->member_next].member_prev = k->member_prev;
	k->member_prev = k->member_next = CONN_NONE;
	k->voice = 0;           /* a voice is the room's: it goes with it */
	counted(r, c, -1);
}

void room_irc_reset(uint16_t c)
{
	for (unsigned i = 0; i < IRC_CHANNELS_MAX; i++)
		irc_nodes[c * IRC_CHANNELS_MAX + i].room = CONN_NONE;
}

static uint32_t irc_node_of(int r, uint16_t c)
{
	for (unsigned i = 0; i < IRC_CHANNELS_MAX; i++)
		if (irc_nodes[c * IRC_CHANNELS_MAX + i].room == r)
			return c * IRC_CHANNELS_MAX + i;
	return IRCM_NONE;
}

int room_irc_add(int r, uint16_t c)
{
	uint32_t n = irc_node_of(CONN_NONE, c);
	if (n == IRCM_NONE)
		return -1;
	struct irc_node *node = &irc_nodes[n];
	node->room = r;
	node->prev = IRCM_NONE;
	node->next = rooms[r].irc_first;
	if (node->next != IRCM_NONE)
		irc_nodes[node->next].prev = n;
	rooms[r].irc_first = n;
	rooms[r].irc_count++;
	counted(r, c, 1);
	return 0;
}

void room_irc_remove(int r, uint16_t c)
{
	uint32_t n = irc_node_of(r, c);
	if (n == IRCM_NONE)
		return;
	struct irc_node *node = &irc_nodes[n];
	if (node->prev != IRCM_NONE)
		irc_nodes[node->prev].next = node->next;
	else
		rooms[r].irc_first = node->next;
	if (node->next != IRCM_NONE)
		irc_nodes[node->next].prev = node->prev;
	node->room = CONN_NONE;
	conns[c].voice &= ~(1u << n % IRC_CHANNELS_MAX);
	rooms[r].irc_count--;
	counted(r, c, -1);
}

unsigned room_bit(int r, uint16_t c)
{
	if (conns[c].door != DOOR_IRC)  /* its irc_nodes are never touched */
		return conns[c].room == r;
	uint32_t n = irc_node_of(r, c);
	return n == IRCM_NONE ? 0 : 1u << n % IRC_CHANNELS_MAX;
}

int room_shown(int r, uint16_t c)
{
	return !rooms[r].secret || room_bit(r, c);
}

int room_irc_room(uint16_t c, unsigned i)
{
	uint16_t r = irc_nodes[c * IRC_CHANNELS_MAX + i].room;
	return r == CONN_NONE ? -1 : r;
}

static unsigned nick_hash(const char *s, size_t len)
{
	unsigned h = 2166136261u;       /* FNV-1a over the lower-case form */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)ascii_lower(s[i])) * 16777619u;
	return h % NICK_BUCKETS;
}

uint16_t nick_find(const char *nick, size_t len)
{
	uint16_t c = nick_buckets[nick_hash(nick, len)];
	for (; c != CONN_NONE; c = conns[c].nick_next)
		if (ascii_caseeq(conns[c].nick, strlen(conns[c].nick), nick, len))
			return c;
	return CONN_NONE;
}

void nick_add(uint16_t c)
{
	unsigned h = nick_hash(conns[c].nick, strlen(conns[c].nick));
	conns[c].nick_next = nick_buckets[h];
	nick_buckets[h] = c;
}

void nick_del(uint16_t c)
{
	uint16_t *p = &nick_buckets[nick_hash(conns[c].nick, strlen(conns[c].nick))];
	while (*p != CONN_NONE && *p != c)
		p = &conns[*p].nick_next;
	if (*p == c)
		*p = conns[c].nick_next;
	conns[c].nick_next = CONN_NONE;
}

void nick_each(void (*each)(uint16_t c, void *arg), void *arg)
{
	for (unsigned h = 0; h < NICK_BUCKETS; h++)
		for (uint16_t c = nick_buckets[h]; c != CONN_NONE; c = conns[c].nick_next)
			each(c, arg);
}
