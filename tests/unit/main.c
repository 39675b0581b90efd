/* Unit tests of the pure protocol code: text rules, framing, parsing;
 * of the room history ring; and the dirty bitmap's protocol. */
#include "check.h"

int check_failures;
const char *check_current;

void test_utf8_valid(void);
void test_utf8_invalid(void);
void test_controls(void);
void test_names(void);
void test_case(void);
void test_frame_lines(void);
void test_frame_long(void);
void test_frame_bytewise(void);
void test_frame_unget(void);
void test_parse_messages(void);
void test_parse_commands(void);
void test_parse_usage(void);
void test_parse_errors_order(void);
void test_sha1_fips(void);
void test_base64(void);
void test_ws_accept(void);
void test_http_parse(void);
void test_http_origin(void);
void test_ws_parse(void);
void test_ws_header(void);
void test_metrics_render(void);
void test_irc_parse(void);
void test_irc_strip(void);
void test_irc_utf8_fit(void);
void test_irc_render(void);
void test_irc_split(void);
void test_irc_mask(void);
void test_irc_umode(void);
void test_irc_chanmode(void);
void test_parse_history(void);
void test_history_ring(void);
void test_history_keep_limits(void);
void test_inflate_vectors(void);
void test_decimal_parse(void);
void test_inflate_page(void);
void test_http_accept_encoding(void);
void test_dirty_no_lost_mark(void);
void test_wake_no_lost_wakeup(void);

int main(void)
{
	RUN(test_utf8_valid);
	RUN(test_utf8_invalid);
	RUN(test_controls);
	RUN(test_names);
	RUN(test_case);
	RUN(test_frame_lines);
	RUN(test_frame_long);
	RUN(test_frame_bytewise);
	RUN(test_frame_unget);
	RUN(test_parse_messages);
	RUN(test_parse_commands);
	RUN(test_parse_usage);
	RUN(test_parse_errors_order);
	RUN(test_sha1_fips);
	RUN(test_base64);
	RUN(test_ws_accept);
	RUN(test_http_parse);
	RUN(test_http_origin);
	RUN(test_ws_parse);
	RUN(test_ws_header);
	RUN(test_metrics_render);
	RUN(test_irc_parse);
	RUN(test_irc_strip);
	RUN(test_irc_utf8_fit);
	RUN(test_irc_render);
	RUN(test_irc_split);
	RUN(test_irc_mask);
	RUN(test_irc_umode);
	RUN(test_irc_chanmode);
	RUN(test_parse_history);
	RUN(test_history_ring);
	RUN(test_history_keep_limits);
	RUN(test_inflate_vectors);
	RUN(test_decimal_parse);
	RUN(test_inflate_page);
	RUN(test_http_accept_encoding);
	RUN(test_dirty_no_lost_mark);
	RUN(test_wake_no_lost_wakeup);
	return check_failures != 0;
}
