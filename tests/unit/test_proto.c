#include "check.h"
#include "door/proto.h"

void test_parse_messages(void);
void test_parse_commands(void);
void test_parse_usage(void);
void test_parse_errors_order(void);

static struct action parse(const char *s)
{
	struct action a;
	proto_parse(s, strlen(s), &a);
	return a;
}

static int text_is(const struct action *a, const char *s)
{
	return a->text_len == strlen(s) && memcmp(a->text, s, a->text_len) == 0;
}

static int arg_is(const struct action *a, const char *s)
{
	return a->arg_len == strlen(s) && memcmp(a->arg, s, a->arg_len) == 0;
}

void test_parse_messages(void)
{
	struct action a;
	CHECK(parse("").kind == ACT_IGNORE);
	CHECK(parse("    ").kind == ACT_IGNORE);
	a = parse("  hi there  ");
	CHECK(a.kind == ACT_SAY && text_is(&a, "  hi there  "));
	a = parse("//etc/passwd");
	CHECK(a.kind == ACT_SAY && text_is(&a, "/etc/passwd"));
	a = parse("//");
	CHECK(a.kind == ACT_SAY && text_is(&a, "/"));
	a = parse("\tx");                       /* a TAB is not a space */
	CHECK(a.kind == ACT_SAY);
}

void test_parse_commands(void)
{
	struct action a;
	a = parse("/nick bob");
	CHECK(a.kind == ACT_NICK && arg_is(&a, "bob"));
	a = parse("/NiCk   bob   ");
	CHECK(a.kind == ACT_NICK && arg_is(&a, "bob"));
	a = parse("/join Kitchen");
	CHECK(a.kind == ACT_JOIN && arg_is(&a, "Kitchen"));
	a = parse("/msg Bob   hello  there ");
	CHECK(a.kind == ACT_MSG && arg_is(&a, "Bob") && text_is(&a, "hello  there "));
	a = parse("/me  waves ");
	CHECK(a.kind == ACT_ME && text_is(&a, "waves "));
	CHECK(parse("/who extra args").kind == ACT_WHO);
	CHECK(parse("/ROOMS").kind == ACT_ROOMS);
	CHECK(parse("/stats").kind == ACT_STATS);
	CHECK(parse("/help me").kind == ACT_HELP);
	a = parse("/quit");
	CHECK(a.kind == ACT_QUIT && a.text_len == 0);
	a = parse("/quit  gone fishing");
	CHECK(a.kind == ACT_QUIT && text_is(&a, "gone fishing"));
	a = parse("/");
	CHECK(a.kind == ACT_ERROR && a.error == ERR_UNKNOWN_COMMAND);
	a = parse("/ nick bob");
	CHECK(a.kind == ACT_ERROR && a.error == ERR_UNKNOWN_COMMAND);
	a = parse("/nick\tbob");                /* TAB belongs to the word */
	CHECK(a.kind == ACT_ERROR && a.error == ERR_UNKNOWN_COMMAND);
	a = parse("/whom");
	CHECK(a.kind == ACT_ERROR && a.error == ERR_UNKNOWN_COMMAND);
}

void test_parse_usage(void)
{
	struct action a;
	a = parse("/nick");
	CHECK(a.kind == ACT_ERROR && a.error == ERR_USAGE && a.command == ACT_NICK);
	a = parse("/nick a b");
	CHECK(a.kind == ACT_ERROR && a.error == ERR_USAGE);
	a = parse("/join   ");
	CHECK(a.kind == ACT_ERROR && a.error == ERR_USAGE && a.command == ACT_JOIN);
	a = parse("/msg bob");
	CHECK(a.kind == ACT_ERROR && a.error == ERR_USAGE && a.command == ACT_MSG);
	a = parse("/msg bob   ");
	CHECK(a.kind == ACT_ERROR && a.error == ERR_USAGE);
	CHECK(parse("/msg").error == ERR_USAGE);
	CHECK(parse("/me").error == ERR_USAGE);
	CHECK(parse("/me   ").error == ERR_USAGE);
	a = parse("/nick bob\t");               /* one word "bob<TAB>": bad nick */
	CHECK(a.kind == ACT_ERROR && a.error == ERR_BAD_NICK);
	CHECK(strcmp(proto_usage(ACT_NICK), "/nick NAME") == 0);
}

void test_parse_errors_order(void)
{
	/* number of arguments, then their form */
	CHECK(parse("/nick 9lives extra").error == ERR_USAGE);
	CHECK(parse("/nick 9lives").error == ERR_BAD_NICK);
	CHECK(parse("/join a.b c").error == ERR_USAGE);
	CHECK(parse("/join a.b").error == ERR_BAD_ROOM);
	/* text faults come before anything else */
	CHECK(parse("/nick \x1b").error == ERR_BAD_CHAR);
	CHECK(parse("/nick \xff\x1b").error == ERR_BAD_UTF8);
	CHECK(strcmp(proto_error_code(ERR_NICK_TAKEN), "nick-taken") == 0);
	CHECK(strcmp(proto_error_code(ERR_LINE_TOO_LONG), "line-too-long") == 0);
	char big[600];
	memset(big, 'x', sizeof big);
	struct action a;
	proto_parse(big, 511, &a);
	CHECK(a.kind == ACT_ERROR && a.error == ERR_LINE_TOO_LONG);
	proto_parse(big, 510, &a);
	CHECK(a.kind == ACT_SAY);
}

void test_parse_history(void)
{
	struct action a;
	a = parse("/history");
	CHECK(a.kind == ACT_HISTORY && a.count == 0);
	a = parse("/HISTORY   ");                /* trailing spaces: no argument */
	CHECK(a.kind == ACT_HISTORY && a.count == 0);
	a = parse("/history 1");
	CHECK(a.kind == ACT_HISTORY && a.count == 1);
	a = parse("/history   9999  ");
	CHECK(a.kind == ACT_HISTORY && a.count == 9999);
	a = parse("/history 007");
	CHECK(a.kind == ACT_HISTORY && a.count == 7);
	static const char *const bad[] = {
		"/history 0", "/history 10000", "/history 99999999999999999999",
		"/history -1", "/history +5", "/history 1.5", "/history abc",
		"/history 5x", "/history 1 2", "/history 5 x", "/history 5\t",
		"/history\t5", "/history 000",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a = parse(bad[i]);
		if (bad[i][8] == '\t') {        /* the word is "history<TAB>5" */
			CHECK(a.kind == ACT_ERROR && a.error == ERR_UNKNOWN_COMMAND);
			continue;
		}
		CHECK(a.kind == ACT_ERROR && a.error == ERR_USAGE && a.command == ACT_HISTORY);
	}
	CHECK(strcmp(proto_usage(ACT_HISTORY), "/history [N]") == 0);
}
