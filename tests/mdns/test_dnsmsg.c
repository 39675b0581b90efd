/* Unit tests of the mDNS message code (src/client/dnsmsg.c): queries as
 * RFC 1035 lays them out, answers with compression, and malformed input. */
#include "../unit/check.h"
#include "client/dnsmsg.h"

int check_failures;
const char *check_current;

static void test_query_layout(void)
{
	unsigned char b[300];
	static const unsigned char want[] = {
		0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		6, 'c', 'h', 'a', 't', 'p', 'i', 5, 'l', 'o', 'c', 'a', 'l', 0,
		0, 28, 0, 1 };

	CHECK(dns_query(b, sizeof b, 0x1234, "chatpi.local", DNS_AAAA) == sizeof want);
	CHECK(memcmp(b, want, sizeof want) == 0);
	CHECK(dns_query(b, sizeof b, 0x1234, "chatpi.local.", DNS_AAAA) == sizeof want);
	CHECK(memcmp(b, want, sizeof want) == 0);
}

static void test_query_refused(void)
{
	unsigned char b[300];
	char long_label[80], long_name[260];

	memset(long_label, 'a', 64);
	memcpy(long_label + 64, ".local", 7);
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	for (size_t i = 60; i < sizeof long_name - 1; i += 61)
		long_name[i] = '.';
	CHECK(dns_query(b, sizeof b, 1, "", DNS_A) == 0);
	CHECK(dns_query(b, sizeof b, 1, ".", DNS_A) == 0);
	CHECK(dns_query(b, sizeof b, 1, "a..local", DNS_A) == 0);
	CHECK(dns_query(b, sizeof b, 1, ".local", DNS_A) == 0);
	CHECK(dns_query(b, sizeof b, 1, long_label, DNS_A) == 0);       /* label > 63 */
	CHECK(dns_query(b, sizeof b, 1, long_name, DNS_A) == 0);        /* name > 253 */
	CHECK(dns_query(b, 20, 1, "chatpi.local", DNS_A) == 0);         /* no room */
	memmove(long_label + 63, long_label + 64, 7);                  /* 63 is fine */
	CHECK(dns_query(b, sizeof b, 1, long_label, DNS_A) == 12 + 1 + 63 + 7 + 4);
}

/* An answer as avahi sends it: question repeated, a PTR whose target
 * points back into the question, an SRV and an A with pointers. */
static const unsigned char answer[] = {
	0xbe, 0xef, 0x84, 0, 0, 1, 0, 3, 0, 0, 0, 0,
	/* 12: question _natter._tcp.local PTR IN */
	7, '_', 'n', 'a', 't', 't', 'e', 'r', 4, '_', 't', 'c', 'p', 5, 'l', 'o', 'c', 'a', 'l', 0,
	0, 12, 0, 1,
	/* 36: PTR, owner -> 12, rdata "natter on pi" -> 12 */
	0xc0, 12, 0, 12, 0, 1, 0, 0, 0x11, 0x94, 0, 15,
	12, 'n', 'a', 't', 't', 'e', 'r', ' ', 'o', 'n', ' ', 'p', 'i', 0xc0, 12,
	/* 63: SRV, owner -> 48 (the instance), port 8080, target pi.local */
	0xc0, 48, 0, 33, 0x80, 1, 0, 0, 0, 120, 0, 11,
	0, 0, 0, 0, 0x1f, 0x90, 2, 'p', 'i', 0xc0, 25,
	/* 86: A pi.local -> 81, 192.168.1.20 */
	0xc0, 81, 0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 192, 168, 1, 20,
};

struct seen { int n, ptr, srv, a; };

static void on_rr(const unsigned char *msg, size_t len, const struct dns_rr *rr, void *ctx)
{
	struct seen *s = ctx;
	char name[DNS_NAME_MAX];

	s->n++;
	if (rr->type == DNS_PTR) {
		CHECK(dns_name_eq(rr->name, "_natter._TCP.local"));
		CHECK(dns_name(msg, len, rr->rdoff, name) == rr->rdoff + rr->rdlen);
		CHECK(strcmp(name, "natter on pi._natter._tcp.local") == 0);
		s->ptr++;
	} else if (rr->type == DNS_SRV) {
		CHECK(strcmp(rr->name, "natter on pi._natter._tcp.local") == 0);
		CHECK(rr->rdlen == 11 && (rr->rdata[4] << 8 | rr->rdata[5]) == 8080);
		CHECK(dns_name(msg, len, rr->rdoff + 6, name) != 0);
		CHECK(strcmp(name, "pi.local") == 0);
		s->srv++;
	} else if (rr->type == DNS_A) {
		CHECK(strcmp(rr->name, "pi.local") == 0);
		CHECK(rr->rdlen == 4 && rr->rdata[0] == 192 && rr->rdata[3] == 20);
		s->a++;
	}
}

static void test_answer_walk(void)
{
	struct seen s = { 0, 0, 0, 0 };

	CHECK(dns_walk(answer, sizeof answer, 0xbeef, on_rr, &s) == 3);
	CHECK(s.n == 3 && s.ptr == 1 && s.srv == 1 && s.a == 1);
}

static void test_answer_refused(void)
{
	struct seen s = { 0, 0, 0, 0 };
	unsigned char m[sizeof answer];
	size_t cut;

	CHECK(dns_walk(answer, sizeof answer, 0xbeee, on_rr, &s) == -1);   /* other id */
	memcpy(m, answer, sizeof m);
	m[2] = 0;                                                       /* a query */
	CHECK(dns_walk(m, sizeof m, 0xbeef, on_rr, &s) == -1);
	for (cut = 0; cut < sizeof answer; cut++)                       /* every truncation */
		CHECK(dns_walk(answer, cut, 0xbeef, on_rr, &s) == -1);
	memcpy(m, answer, sizeof m);
	m[37] = 36;                                                     /* pointer to itself */
	CHECK(dns_walk(m, sizeof m, 0xbeef, on_rr, &s) == -1);
	memcpy(m, answer, sizeof m);
	m[37] = 200;                                                    /* pointer forward */
	CHECK(dns_walk(m, sizeof m, 0xbeef, on_rr, &s) == -1);
	memcpy(m, answer, sizeof m);
	m[12] = 64;                                                     /* label type 01 */
	CHECK(dns_walk(m, sizeof m, 0xbeef, on_rr, &s) == -1);
	memcpy(m, answer, sizeof m);
	m[47] = 200;                                                    /* rdlen past the end */
	CHECK(dns_walk(m, sizeof m, 0xbeef, on_rr, &s) == -1);
}

static void test_name_limits(void)
{
	unsigned char m[600];
	char out[DNS_NAME_MAX];
	size_t o = 0, i;

	/* 5 labels of 63: 319 bytes of name, longer than DNS allows */
	for (i = 0; i < 5; i++) {
		m[o++] = 63;
		memset(m + o, 'x', 63);
		o += 63;
	}
	m[o++] = 0;
	CHECK(dns_name(m, o, 0, out) == 0);
	/* 3 labels of 63 and the root: 191 bytes, fine */
	CHECK(dns_name(m + 128, o - 128, 0, out) == o - 128);
	CHECK(strlen(out) == 3 * 63 + 2);
}

static void test_name_case(void)
{
	CHECK(dns_name_eq("ChatPi.LOCAL", "chatpi.local"));
	CHECK(!dns_name_eq("chatpi.local", "chatpi.loca"));
	CHECK(!dns_name_eq("chatpi", "chatpj"));
	CHECK(dns_name_eq("chatpi.local.", "chatpi.local"));
	CHECK(dns_name_eq("chatpi.local", "chatpi.local."));
	CHECK(!dns_name_eq("chatpi.local.", "chatpi.loca"));
	CHECK(!dns_name_eq("chatpi.local..", "chatpi.local"));
}

int main(void)
{
	RUN(test_query_layout);
	RUN(test_query_refused);
	RUN(test_answer_walk);
	RUN(test_answer_refused);
	RUN(test_name_limits);
	RUN(test_name_case);
	return check_failures != 0;
}
