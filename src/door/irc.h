/* The IRC door (PROTOCOL.md, "IRC"): irc.c reads lines, registers the
 * client and keeps its timers; irc_cmd.c answers its commands; both
 * write replies through the buffer below. */
#ifndef NATTER_IRC_H
#define NATTER_IRC_H
#include <stddef.h>
#include <stdint.h>
#include "door/door.h"
#include "door/irc_parse.h"

/* The IRC form of pool line msg for c (CONN_NONE: any IRC member of the
 * room), with one reference, or MSG_NONE when IRC shows no such line.
 * room: the room's name for a room line, else NULL. */
uint16_t irc_form(uint16_t c, const char *room, uint16_t msg);

/* `:nick!nick@natter CMD #room :text` in the pool (one reference): the
 * IRC form of a line natter shows otherwise (NOTICE, PART with a reason). */
uint16_t irc_said_form(const char *nick, const char *cmd, const char *room,
		       const char *text, size_t len);

/* A reply of one or more IRC lines, packed into as few pool lines as it
 * takes and queued to c in order. */
struct ireply {
	uint16_t c;
	unsigned *wake;
	size_t len;
	char buf[OUT_LINE_MAX];
};
void ir_start(struct ireply *r, uint16_t c, unsigned *wake);
/* One line `:HOST NUM NICK ...` or, with num NULL, the text as it is. */
void ir_num(struct ireply *r, const char *num, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ir_line(struct ireply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ir_end(struct ireply *r);

/* The commands of a registered client (irc_cmd.c): DOOR_DONE, or
 * DOOR_DEFER to be retried. */
enum door_step irc_command(uint16_t c, const struct irc_msg *m, unsigned *wake);
void irc_welcome(uint16_t c, unsigned *wake);
/* Is s (len) a natter room that has people (the lobby always) and that c
 * may see (not secret, or c is in it)? Its name into name; -1 if not,
 * else its secret flag. */
int irc_room_seen(uint16_t c, const char *s, size_t len, char *name);
/* "#room" in lower case into name, or 0 if it is not a natter room. */
int irc_channel(const char *s, size_t len, char *name);
/* The length of the first item of a comma list. */
size_t irc_list_item(const char *s, const char *end);
/* irc_query.c: the queries' replies. irc_names: 353 for room `name` as c
 * sees it, and 366 after it if `end`. */
void irc_lusers(struct ireply *r);
void irc_names(uint16_t c, struct ireply *r, const char *name, int end);
void irc_names_list(uint16_t c, const struct irc_msg *m, struct ireply *r);
void irc_who(uint16_t c, const struct irc_msg *m, struct ireply *r);
void irc_whois(uint16_t c, const struct irc_msg *m, struct ireply *r);
void irc_ison(const struct irc_msg *m, struct ireply *r, int userhost);
/* MODE and OPER (irc_mode.c); irc_set_umode sets c's user modes under
 * chat_mu (others' WHO and WHOIS read them). */
enum door_step irc_mode(uint16_t c, const struct irc_msg *m, struct ireply *r);
void irc_oper_login(uint16_t c, const struct irc_msg *m, struct ireply *r);
void irc_set_umode(uint16_t c, unsigned modes);
/* c's IRC user modes (IRC_UMODE_*), 0 for a natter or web client; the
 * table is written under chat_mu, as WHO and WHOIS of others read it. */
extern uint8_t irc_umode[MAX_CONNS];
unsigned irc_modes(uint16_t c);
/* --irc-oper NAME:PASSWORD (NULL: no IRC operator) and --irc-ping. */
extern const char *irc_oper;
extern unsigned irc_ping_s;
/* USER's username and real name of an IRC client; a natter or web client's
 * are its nick. */
const char *irc_username(uint16_t c);
const char *irc_realname(uint16_t c);

/* Parameter i of m (a QUIT or PART reason) with its formatting removed,
 * into out (LINE_BUF bytes); 0 if absent or it breaks natter's input
 * rules (such a reason is left out). */
size_t irc_reason(const struct irc_msg *m, unsigned i, char *out);

/* Once a second from the loop: pings a quiet client; 1: cut it (it did
 * not answer, or did not register in time). */
int irc_tick(uint16_t c, int64_t now, unsigned *wake);
#endif
