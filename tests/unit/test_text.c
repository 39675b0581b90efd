#include "check.h"
#include "util/text.h"

#define T(s) text_check(s, sizeof(s) - 1)

void test_utf8_valid(void);
void test_utf8_invalid(void);
void test_controls(void);
void test_names(void);
void test_case(void);

void test_utf8_valid(void)
{
	CHECK(T("") == TEXT_OK);
	CHECK(T("hello there") == TEXT_OK);
	CHECK(T("tab\tinside") == TEXT_OK);
	CHECK(T("caf\xc3\xa9") == TEXT_OK);                /* é */
	CHECK(T("\xe2\x82\xac") == TEXT_OK);               /* € */
	CHECK(T("\xf0\x9f\x98\x80") == TEXT_OK);           /* U+1F600 */
	CHECK(T("\xf4\x8f\xbf\xbf") == TEXT_OK);           /* U+10FFFF */
	CHECK(T("\xc2\xa0") == TEXT_OK);                   /* U+00A0: after C1 */
	CHECK(T("\xed\x9f\xbf") == TEXT_OK);               /* U+D7FF */
	CHECK(T("\xee\x80\x80") == TEXT_OK);               /* U+E000 */
}

void test_utf8_invalid(void)
{
	CHECK(T("\xc0\xaf") == TEXT_BAD_UTF8);             /* overlong / */
	CHECK(T("\xc1\xbf") == TEXT_BAD_UTF8);
	CHECK(T("\xe0\x80\xaf") == TEXT_BAD_UTF8);         /* overlong, 3 bytes */
	CHECK(T("\xf0\x80\x80\xaf") == TEXT_BAD_UTF8);     /* overlong, 4 bytes */
	CHECK(T("\xed\xa0\x80") == TEXT_BAD_UTF8);         /* surrogate D800 */
	CHECK(T("\xed\xbf\xbf") == TEXT_BAD_UTF8);         /* surrogate DFFF */
	CHECK(T("\xf4\x90\x80\x80") == TEXT_BAD_UTF8);     /* U+110000 */
	CHECK(T("\xf5\x80\x80\x80") == TEXT_BAD_UTF8);
	CHECK(T("\xff") == TEXT_BAD_UTF8);
	CHECK(T("\x80") == TEXT_BAD_UTF8);                 /* lone continuation */
	CHECK(T("abc\xc3") == TEXT_BAD_UTF8);              /* truncated at end */
	CHECK(T("\xe2\x82") == TEXT_BAD_UTF8);
	CHECK(T("\xe2\x82x") == TEXT_BAD_UTF8);
	CHECK(T("\xf0\x9f\x98") == TEXT_BAD_UTF8);
	/* UTF-8 faults are reported before control characters. */
	CHECK(T("\x1b[31m\xff") == TEXT_BAD_UTF8);
}

void test_controls(void)
{
	CHECK(text_check("a\0b", 3) == TEXT_BAD_CHAR);
	/* the edges of the printable ASCII fast path */
	CHECK(T(" ~") == TEXT_OK);
	CHECK(T("a\x7f") == TEXT_BAD_CHAR);
	CHECK(T("\x1fz") == TEXT_BAD_CHAR);
	CHECK(T("\x1b[2J") == TEXT_BAD_CHAR);
	CHECK(T("cr\rinside") == TEXT_BAD_CHAR);
	CHECK(T("del\x7f") == TEXT_BAD_CHAR);
	CHECK(T("\x01") == TEXT_BAD_CHAR);
	CHECK(T("\x1f") == TEXT_BAD_CHAR);
	CHECK(T("\xc2\x80") == TEXT_BAD_CHAR);             /* U+0080 */
	CHECK(T("\xc2\x85") == TEXT_BAD_CHAR);             /* NEL */
	CHECK(T("\xc2\x9b") == TEXT_BAD_CHAR);             /* CSI */
	CHECK(T("\xc2\x9f") == TEXT_BAD_CHAR);
	CHECK(T("\t") == TEXT_OK);
}

void test_names(void)
{
	CHECK(nick_valid("a", 1));
	CHECK(nick_valid("Alice_2-x", 9));
	CHECK(nick_valid("abcdefghijklmnop", 16));
	CHECK(!nick_valid("abcdefghijklmnopq", 17));
	CHECK(!nick_valid("", 0));
	CHECK(!nick_valid("2bob", 4));
	CHECK(!nick_valid("_bob", 4));
	CHECK(!nick_valid("bo b", 4));
	CHECK(!nick_valid("b\xc3\xa9", 3));
	CHECK(room_valid("lobby", 5));
	CHECK(room_valid("2nd-room_x", 10));
	CHECK(room_valid("Kitchen", 7));                   /* lowered later */
	CHECK(!room_valid("", 0));
	CHECK(!room_valid("abcdefghijklmnopq", 17));
	CHECK(!room_valid("a.b", 3));
	CHECK(!room_valid("#chan", 5));
}

void test_case(void)
{
	char buf[17];
	ascii_lower_copy(buf, "KiTcHeN", 7);
	CHECK(strcmp(buf, "kitchen") == 0);
	CHECK(ascii_casecmp("Bob", "bob") == 0);
	CHECK(ascii_casecmp("alice", "Bob") < 0);
	CHECK(ascii_casecmp("_x", "a") < 0);               /* ASCII of lower form */
	CHECK(ascii_caseeq("ALICE", 5, "alice", 5));
	CHECK(!ascii_caseeq("alice", 5, "alic", 4));
}

void test_decimal_parse(void)
{
	unsigned long v = 7;

	CHECK(decimal_parse("0", 10, &v) && v == 0);
	CHECK(decimal_parse("4294967294", 0xfffffffeUL, &v) && v == 0xfffffffeUL);
	CHECK(!decimal_parse("4294967295", 0xfffffffeUL, &v));
	CHECK(!decimal_parse("99999999999999999999999", ~0UL, &v));
	CHECK(decimal_parse("128", 128, &v) && v == 128);
	CHECK(!decimal_parse("129", 128, &v));
	v = 7;
	CHECK(!decimal_parse("", 10, &v) && v == 7);
	CHECK(!decimal_parse("-1", 10, &v));
	CHECK(!decimal_parse("+1", 10, &v));
	CHECK(!decimal_parse(" 1", 10, &v));
	CHECK(!decimal_parse("1 ", 10, &v));
	CHECK(!decimal_parse("1x", 10, &v));
	CHECK(decimal_parse("007", 10, &v) && v == 7);
	CHECK(!decimal_parse("5", 4, &v));
	CHECK(decimal_parse("4", 4, &v) && v == 4);
}
