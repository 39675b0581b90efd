#include "core/room.h"
#include "core/conn.h"
#include "core/history.h"
#include "util/text.h"
#include <string.h>

struct room rooms[MAX_ROOMS];
pthread_mutex_t chat_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned in_use;

/* Nick hash: chains through conns[].nick_next. */
#define NICK_BUCKETS 4096
static uint16_t nick_buckets[NICK_BUCKETS];

void rooms_init(void)
{
	for (int r = 0; r < MAX_ROOMS; r++) {
		pthread_mutex_init(&rooms[r].mu, NULL);
		rooms[r].first = CONN_NONE;
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
			rooms[r].count = 0;
			rooms[r].first = CONN_NONE;
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

void room_add_member(int r, uint16_t c)
{
	struct room *rm = &rooms[r];
	conns[c].room = r;
	conns[c].member_prev = CONN_NONE;
	conns[c].member_next = rm->first;
	if (rm->first != CONN_NONE)
		conns[rm->first].member_prev = c;
	rm->first = c;
	rm->count++;
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
	rooms[r].count--;
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
