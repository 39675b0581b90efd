/* Unit tests of the IRC door's pure code: parsing, formatting codes,
 * UTF-8 splitting, and natter lines in IRC's wire form. */
#include "check.h"
#include "door/irc_parse.h"
#include <stdio.h>
#include <string.h>

static int param_is(const struct irc_msg *m, unsigned i, const char *s)
{
	return i < m->nparams && m->param_len[i] == strlen(s) &&
	       memcmp(m->param[i], s, m->param_len[i]) == 0;
}

void test_irc_parse(void)
{
	struct irc_msg m;
	const char *l1 = "@time=x :nick!u@h PRIVMSG #room :hello  there ";
	CHECK(irc_parse(l1, strlen(l1), &m) == 0);
	CHECK(irc_is(&m, "PRIVMSG") && irc_is(&m, "privmsg") == 1);
	CHECK(m.nparams == 2 && param_is(&m, 0, "#room") && param_is(&m, 1, "hello  there "));
	const char *l2 = "nick   alice";
	CHECK(irc_parse(l2, strlen(l2), &m) == 0 && irc_is(&m, "NICK") && param_is(&m, 0, "alice"));
	CHECK(m.nparams == 1);
	const char *l3 = "USER a 0 * :";
	CHECK(irc_parse(l3, strlen(l3), &m) == 0 && m.nparams == 4 && param_is(&m, 3, ""));
	CHECK(irc_parse("", 0, &m) == -1);
	CHECK(irc_parse("   ", 3, &m) == -1);
	CHECK(irc_parse(":prefix.only", 12, &m) == -1);
	CHECK(irc_parse("@tags", 5, &m) == -1);
	const char *l4 = "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17";
	CHECK(irc_parse(l4, strlen(l4), &m) == 0 && m.nparams == IRC_PARAMS_MAX);
	CHECK(param_is(&m, 14, "15 16 17"));   /* the 15th takes the rest */
	CHECK(!irc_is(&m, "CM") && !irc_is(&m, "CMDX"));
}

void test_irc_strip(void)
{
	char out[128];
	const char *in = "\002b\002 \00304red\003 \00304,12bg\003 \0039,1x \003,5y \x1dit\x1d "
			 "\x1f" "u\x1f \x16" "r\x16 \x1e" "s\x1e \x11m\x11 \x04" "ff00aa,000000hex\x0f.";
	size_t n = irc_strip_format(in, strlen(in), out);
	out[n] = '\0';
	CHECK(strcmp(out, "b red bg x ,5y it u r s m hex.") == 0);
	n = irc_strip_format("\00312345", 6, out);      /* two digits at most */
	CHECK(n == 3 && memcmp(out, "345", 3) == 0);
	n = irc_strip_format("a\001b\007c", 5, out);    /* other controls stay: refused later */
	CHECK(n == 5);
}

void test_irc_utf8_fit(void)
{
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";     /* a é € 😀 */
	size_t len = strlen(s);
	CHECK(utf8_fit(s, len, 100) == len);
	CHECK(utf8_fit(s, len, 1) == 1);
	CHECK(utf8_fit(s, len, 2) == 1);        /* not half of é */
	CHECK(utf8_fit(s, len, 3) == 3);
	CHECK(utf8_fit(s, len, 5) == 3);
	CHECK(utf8_fit(s, len, 6) == 6);
	CHECK(utf8_fit(s, len, 9) == 6);
	CHECK(utf8_fit(s, len, 10) == 10);
	CHECK(utf8_fit(s + 1, len - 1, 1) == 0);        /* é does not fit in 1 */
}

static const char *render(const char *line, const char *room)
{
	static char out[2048];
	size_t n = irc_render(line, strlen(line), room, "me", "host", out, sizeof out - 1);
	out[n] = '\0';
	return out;
}

void test_irc_render(void)
{
	CHECK(strcmp(render("<al> hi there\n", "lobby"),
		     ":al!al@natter PRIVMSG #lobby :hi there\r\n") == 0);
	CHECK(strcmp(render("* al waves hello\n", "lobby"),
		     ":al!al@natter PRIVMSG #lobby :\001ACTION waves hello\001\r\n") == 0);
	CHECK(strcmp(render("*al* psst\n", NULL), ":al!al@natter PRIVMSG me :psst\r\n") == 0);
	CHECK(strcmp(render("-- al joined dev\n", "dev"), ":al!al@natter JOIN #dev\r\n") == 0);
	CHECK(strcmp(render("-- al left dev\n", "dev"), ":al!al@natter PART #dev\r\n") == 0);
	CHECK(strcmp(render("-- al quit (so long)\n", "dev"),
		     ":al!al@natter QUIT :Quit: so long\r\n") == 0);
	CHECK(strcmp(render("-- al quit\n", "dev"), ":al!al@natter QUIT :quit\r\n") == 0);
	CHECK(strcmp(render("-- al disconnected (too slow)\n", "dev"),
		     ":al!al@natter QUIT :disconnected (too slow)\r\n") == 0);
	CHECK(strcmp(render("-- al is now known as bo\n", "dev"),
		     ":al!al@natter NICK :bo\r\n") == 0);
	CHECK(strcmp(render("! no-such-nick: zed is not connected\n", NULL),
		     ":host 401 me zed :No such nick\r\n") == 0);
	CHECK(strcmp(render("! too-slow: you did not read\n", NULL),
		     "ERROR :too-slow: you did not read\r\n") == 0);
	CHECK(strcmp(render("= bye: goodbye me\n", NULL),
		     ":host NOTICE me := bye: goodbye me\r\n") == 0);
	CHECK(strcmp(render(":host 001 me :hi\r\n", NULL), ":host 001 me :hi\r\n") == 0);
	CHECK(render("", "x")[0] == '\0');
	CHECK(render("-- al exploded\n", "x")[0] == '\0');      /* no IRC form */
	/* irc_said_form's way (a NOTICE or a PART reason to a room's IRC
	 * members): the room given bare, its '#' put by irc_said. */
	char out[64];
	const char *want = ":al!al@natter NOTICE #lobby :a notice\r\n";
	size_t n = irc_said("al", 2, "NOTICE", 1, "lobby", 0, "a notice", 8, out, sizeof out);
	CHECK(n == strlen(want) && memcmp(out, want, n) == 0);
	CHECK(irc_said("al", 2, "NOTICE", 1, "lobby", 0, "a notice", 8, out, 20) == 0);
}

/* A 510-byte message from a 16-byte nick in a 16-byte room: two lines,
 * each within 512 bytes with CR LF, split between characters, nothing lost. */
void test_irc_split(void)
{
	char line[600], out[2048], got[600];
	const char *nick = "abcdefghijklmnop", *room = "qrstuvwxyz012345";
	int n = snprintf(line, sizeof line, "<%s> ", nick);
	for (int i = 0; i < 170; i++)
		n += snprintf(line + n, sizeof line - n, "\xe2\x82\xac");      /* € x 170 */
	size_t len = irc_render(line, n, room, "me", "h", out, sizeof out);
	CHECK(len > 0);
	size_t glen = 0, lines = 0;
	char head[128];
	snprintf(head, sizeof head, ":%s!%s@natter PRIVMSG #%s :", nick, nick, room);
	for (char *p = out; p < out + len; lines++) {
		char *end = strstr(p, "\r\n");
		CHECK(end != NULL);
		if (!end)
			break;
		CHECK((size_t)(end + 2 - p) <= IRC_LINE_MAX);
		CHECK(strncmp(p, head, strlen(head)) == 0);
		char *t = p + strlen(head);
		CHECK(((unsigned char)*t & 0xc0) != 0x80);     /* starts on a character */
		memcpy(got + glen, t, end - t);
		glen += end - t;
		p = end + 2;
	}
	CHECK(lines == 2);
	CHECK(glen == 510 && memcmp(got, line + strlen(nick) + 3, 510) == 0);
}

/* WHO masks: `*` any run, `?` one character, ASCII case ignored. */
void test_irc_mask(void)
{
	CHECK(irc_mask_match("*", 1, "coolNick"));
	CHECK(irc_mask_match("coolni*", 7, "coolNick"));
	CHECK(irc_mask_match("COOLNICK", 8, "coolNick"));
	CHECK(irc_mask_match("c?olN*k", 7, "coolNick"));
	CHECK(irc_mask_match("*a*b*", 5, "xxaxxbxx"));
	CHECK(irc_mask_match("*ab", 3, "aab"));         /* the `*` backs off */
	CHECK(irc_mask_match("a**", 3, "a"));
	CHECK(!irc_mask_match("coolni", 6, "coolNick"));        /* no prefix match */
	CHECK(!irc_mask_match("?", 1, "ab"));
	CHECK(!irc_mask_match("*c", 2, "cab"));
	CHECK(!irc_mask_match("", 0, "a"));
	CHECK(irc_mask_match("eva*x", 4, "evan"));      /* the length counts, not the NUL */
	CHECK(!irc_mask_match("evan", 3, "evan"));
}

/* The changes of `line` (a MODE) as "SIGN LETTER ARG|..." ('-' for none). */
static void chanmodes(const char *line, char *out)
{
	struct irc_msg m;
	struct irc_change ch = { .sign = '+', .next = 2 };
	out[0] = '\0';
	CHECK(irc_parse(line, strlen(line), &m) == 0);
	while (irc_chanmode_next(&m, &ch))
		sprintf(out + strlen(out), "%c%c %.*s|", ch.sign, ch.letter,
			ch.arg ? (int)ch.arg_len : 1, ch.arg ? ch.arg : "-");
}

void test_irc_chanmode(void)
{
	char got[256];
	chanmodes("MODE #a", got);
	CHECK(strcmp(got, "") == 0);
	chanmodes("MODE #a +s", got);
	CHECK(strcmp(got, "+s -|") == 0);
	chanmodes("MODE #a s", got);                    /* no sign: + */
	CHECK(strcmp(got, "+s -|") == 0);
	chanmodes("MODE #a +sv-v ann bob", got);
	CHECK(strcmp(got, "+s -|+v ann|-v bob|") == 0);
	chanmodes("MODE #a +v", got);                   /* no parameter left */
	CHECK(strcmp(got, "+v -|") == 0);
	chanmodes("MODE #a b", got);                    /* the ban list */
	CHECK(strcmp(got, "+b -|") == 0);
	chanmodes("MODE #a +ov ann bob", got);
	CHECK(strcmp(got, "+o ann|+v bob|") == 0);
	chanmodes("MODE #a +ssss", got);                /* IRC_MODES_MAX */
	CHECK(strcmp(got, "+s -|+s -|+s -|") == 0);
	chanmodes("MODE #a +-+-", got);
	CHECK(strcmp(got, "") == 0);
	chanmodes("MODE #a +k key", got);               /* k takes none here */
	CHECK(strcmp(got, "+k -|") == 0);
}

void test_irc_umode(void)
{
	const unsigned I = IRC_UMODE_INVISIBLE, O = IRC_UMODE_OPER, A = IRC_UMODE_AWAY;
	CHECK(irc_umode_apply("+i", 2, 0) == (int)I);
	CHECK(irc_umode_apply("i", 1, 0) == (int)I);
	CHECK(irc_umode_apply("-i", 2, I | A) == (int)A);       /* away is no mode letter */
	CHECK(irc_umode_apply("+o", 2, 0) == 0);                /* only OPER makes one */
	CHECK(irc_umode_apply("-o", 2, O | I) == (int)I);
	CHECK(irc_umode_apply("+i-o", 4, O) == (int)I);
	CHECK(irc_umode_apply("+w", 2, 0) == -1);
	CHECK(irc_umode_apply("+iw", 3, 0) == -1);
	CHECK(irc_umode_apply("", 0, O) == (int)O);
}
