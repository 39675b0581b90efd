/* loadgen: natter's benchmark load generator (one thread, epoll).
 *
 * It speaks three chat protocols (natter's lines, `ncat --chat` and IRC)
 * so that natterd and its peers are measured by the same code, and it runs
 * one of three scenarios:
 *
 *   fanout   N clients in one room, each sending 64-byte messages as fast as
 *            a bounded in-flight window allows; counts the deliveries and
 *            checks that every message reached every other client exactly
 *            once and in order (sequence numbers in the payload).
 *   latency  N clients each sending R messages per second; the payload
 *            carries the send time, so every delivery gives one latency:
 *            p50/p99/max when this one loop has read the bytes (it reads
 *            the N sockets in turn, a few microseconds each), and
 *            sock_p50/sock_p99/sock_max when they reached the client's
 *            socket (the kernel's software receive stamp,
 *            SO_TIMESTAMPING), as N devices reading at once would have
 *            them. The difference is this program's own reading.
 *   idle     opens connections up to each step (e.g. 1,1000,10000), lets
 *            them finish their handshake, then reads the server's RSS and
 *            thread count from /proc.
 *
 * Results are printed on stdout as one line of key=value pairs per run or
 * step, for tests/bench/run-bench to read; diagnostics go to stderr.
 *
 * The payload (64 bytes, the message text) is
 *   'M' sender(4 hex) '.' seq(8 hex) '.' send-time-ns(16 hex) '.'
 *   filler(28, depends on seq) checksum(4 hex, over bytes 0..59)
 * and it must be the whole tail of a received line, after the prefix the
 * protocol adds for that sender, or the line counts as garbled.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/net_tstamp.h>
#include <linux/errqueue.h>
#include <unistd.h>

#define PAYLOAD 64
#define FILLER_OFF 32
#define FILLER_LEN 28
#define SUM_OFF 60
#define CARRY_MAX 4096
#define PREFIX_MAX 80
#define NICK_BUF 32
#define RBUF_SIZE (256 * 1024)
#define MAX_EVENTS 1024

enum proto { P_NATTER, P_NCAT, P_IRC };
enum mode { M_FANOUT, M_LATENCY, M_IDLE };
enum cstate { C_UNUSED, C_CONNECTING, C_HANDSHAKE, C_JOINING, C_READY, C_CLOSED };
enum phase { PH_SETUP, PH_RUN, PH_DRAIN, PH_DONE };

struct client {
	int fd;
	int id;
	uint8_t state;
	uint8_t wblocked;       /* EPOLLOUT armed: the socket refused bytes */
	uint8_t prefix_len;
	uint8_t skipping;       /* inside an overlong line, dropped up to its LF */
	uint8_t ws;             /* natter lines in WebSocket frames (--ws-every) */
	uint8_t upgraded;       /* ws: the server's 101 has been read */
	uint8_t proto;          /* enum proto it speaks (--irc-every: IRC in a natter run) */
	uint8_t nick_len;
	char nick[NICK_BUF];    /* natter and IRC: the nick others see it by */
	char prefix[PREFIX_MAX]; /* ncat: what the server puts before our payload */
	char *carry;            /* partial line kept between reads */
	uint32_t carry_len;
	char *out;              /* bytes not yet accepted by the socket */
	uint32_t out_len, out_off, out_cap;
	uint64_t next_send_ns;  /* latency mode */
};

/* --- options --- */
static enum proto proto = P_NATTER;
static enum mode mode = M_FANOUT;
static const char *host = "127.0.0.1";
static int port;
static int web_port;           /* natterd's web door (--web-port) */
static int ws_every;           /* every K-th client speaks WebSocket (0: none) */
static int irc_port;           /* natterd's IRC door (--irc-port) */
static int irc_every;          /* clients 0, K, 2K... speak IRC in a natter run (0: none) */
static const char *chan = "#bench"; /* the IRC clients' channel; #lobby in a mixed room */
static char irc_tail[48];               /* " PRIVMSG #chan :", made once chan is known */
static size_t irc_tail_len;
static int nclients = 10;
static double duration = 2.0;
static long count_per_sender = -1; /* -m: fixed number of messages instead of -d */
static double rate = 10.0;
static int window;              /* in-flight messages per sender */
static int server_pid;
static int concurrency = 64;
static int batch = 1;           /* fan-out: messages per write() */
static int rooms = 100;         /* idle natter clients spread over this many rooms */
static double timeout_s = 30.0; /* handshake and drain limits */
static const char *steps_arg = "1,1000,10000";
static int verbose;
static char tag[3];             /* in IRC nicks, unique per run */

/* --- state --- */
static struct client *cl;
static int ep;
static char *rbuf;
static uint64_t t_start;
static enum phase phase = PH_SETUP;
static int n_ready, n_failed, n_closed, n_opened, peak_ready;

/* fan-out bookkeeping (fan-out and latency modes) */
static uint32_t *sent;          /* per sender */
static uint32_t *completed;     /* per sender: messages every receiver has */
static uint64_t *progress_ns;   /* per sender: when completed last moved */
static uint16_t *ackcnt;        /* per sender x window */
static uint32_t *expect;        /* per receiver x sender: next sequence */
static uint64_t ok, lost, dups, garbled, echoed, errlines, stalls, run_deliv;
static uint64_t cut_slow;       /* "! too-slow" lines: the server cut us for not reading */
static uint64_t last_rx_ns;
static uint64_t sock_rx_ns;     /* latency: when the last read's bytes reached the socket */
static int64_t real_minus_mono; /* the kernel's stamps (CLOCK_REALTIME) minus now_ns() */
static uint32_t *slat;          /* latency samples at the socket, ns */
static size_t slat_n, slat_cap;
static int printed_unexpected;

/* latency samples, ns */
static uint32_t *lat;
static size_t lat_n, lat_cap;

static const char hexd[] = "0123456789abcdef";
static char filler_src[26 + FILLER_LEN + 1];

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec - t_start;
}

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* One latency sample, sent at ts and received at rx (ns), kept in *v. */
static void add_sample(uint32_t **v, size_t *n, size_t *cap, uint64_t ts, uint64_t rx)
{
	uint64_t d = rx > ts ? rx - ts : 0;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 65536;
		*v = realloc(*v, *cap * sizeof **v);
		if (!*v)
			die("realloc");
	}
	(*v)[(*n)++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("calloc");
	return p;
}

static void unexpected(const struct client *c, const char *why, const char *p, size_t len)
{
	if (printed_unexpected >= 8)
		return;
	printed_unexpected++;
	fprintf(stderr, "loadgen: client %d: %s: %.*s\n", c->id, why,
		(int)(len > 200 ? 200 : len), p);
}

/* --- payload --- */

static void put_hex(char *p, uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--) {
		p[i] = hexd[v & 15];
		v >>= 4;
	}
}

/* A hex digit's value, or 0x10 for any other byte (hex_init). */
static uint8_t hex_value[256];

static void hex_init(void)
{
	memset(hex_value, 0x10, sizeof hex_value);
	for (int i = 0; i < 16; i++)
		hex_value[(unsigned char)hexd[i]] = (uint8_t)i;
}

/* Looked up, not branched on: a receiver decodes 16 digits a delivery. */
static int get_hex(const char *p, int digits, uint64_t *out)
{
	uint64_t v = 0;
	unsigned bad = 0;
	for (int i = 0; i < digits; i++) {
		unsigned d = hex_value[(unsigned char)p[i]];
		bad |= d;
		v = v << 4 | (d & 15);
	}
	*out = v;
	return bad & 0x10 ? -1 : 0;
}

static inline uint64_t rotl64(uint64_t x, int k)
{
	return x << k | x >> (64 - k);
}

/* A 16-bit check of the payload's first SUM_OFF bytes, a word at a time
 * in four lanes: a sum a byte at a time (each step waiting on the last)
 * was a third of the generator's CPU, and one chain of word steps still
 * half of its time per delivery; the generator, not natterd, set the pace
 * of natterd's fan-out runs. Each step is a bijection of its lane (an odd
 * multiplier), so any change to one word changes its lane, and the lanes
 * are folded so that it changes the whole. */
static unsigned checksum(const char *p)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t lane[4] = { 0x811c, 0x811d, 0x811e, 0x811f }, w;
	int i = 0;
	for (; i + 8 <= SUM_OFF; i += 8) {
		memcpy(&w, p + i, 8);
		lane[(i / 8) & 3] = (lane[(i / 8) & 3] ^ w) * k;
	}
	if (i < SUM_OFF) {              /* the last bytes, as one zero-padded word */
		w = 0;
		memcpy(&w, p + i, (size_t)(SUM_OFF - i));
		lane[3] = (lane[3] ^ w) * k;
	}
	uint64_t h = (lane[0] ^ rotl64(lane[1], 16) ^ rotl64(lane[2], 32) ^ rotl64(lane[3], 48)) * k;
	return (unsigned)(h >> 48);
}

static void make_payload(char *p, unsigned sender, uint32_t seq, uint64_t ts)
{
	p[0] = 'M';
	put_hex(p + 1, sender, 4);
	p[5] = '.';
	put_hex(p + 6, seq, 8);
	p[14] = '.';
	put_hex(p + 15, ts, 16);
	p[31] = '.';
	memcpy(p + FILLER_OFF, filler_src + seq % 26, FILLER_LEN);
	put_hex(p + SUM_OFF, checksum(p), 4);
}

/* 0 and the fields if the 64 bytes at p are an intact payload. */
static int parse_payload(const char *p, unsigned *sender, uint32_t *seq, uint64_t *ts)
{
	uint64_t s, q, t = 0, sum;
	if (p[0] != 'M' || p[5] != '.' || p[14] != '.' || p[31] != '.')
		return -1;
	/* The time is read only where it is used; the checksum covers it. */
	if (get_hex(p + 1, 4, &s) || get_hex(p + 6, 8, &q) ||
	    (mode == M_LATENCY && get_hex(p + 15, 16, &t)) || get_hex(p + SUM_OFF, 4, &sum))
		return -1;
	if (sum != checksum(p) || memcmp(p + FILLER_OFF, filler_src + q % 26, FILLER_LEN))
		return -1;
	*sender = (unsigned)s;
	*seq = (uint32_t)q;
	*ts = t;
	return 0;
}

/* --- output --- */

static void queue_out(struct client *c, const char *data, size_t len)
{
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + len > c->out_cap) {
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		if (c->out_len + len > c->out_cap) {
			uint32_t cap = c->out_cap ? c->out_cap : 1024;
			while (cap < c->out_len + len)
				cap *= 2;
			c->out = realloc(c->out, cap);
			if (!c->out)
				die("realloc");
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += (uint32_t)len;
}

static void close_client(struct client *c, const char *why);

static void set_wblocked(struct client *c, int on)
{
	if (c->wblocked == on)
		return;
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		die("epoll_ctl");
	c->wblocked = (uint8_t)on;
}

static void flush_out(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				set_wblocked(c, 1);
				return;
			}
			close_client(c, strerror(errno));
			return;
		}
		c->out_off += (uint32_t)n;
	}
	c->out_off = c->out_len = 0;
	set_wblocked(c, 0);
}

/* A WebSocket client frame: text, FIN, masked (RFC 6455 5.2, 5.3). The
 * mask is fixed: it only has to be there, and the server unmasks any. */
static void queue_ws_frame(struct client *c, int opcode, const char *data, size_t len)
{
	static const unsigned char key[4] = { 0x5a, 0x13, 0xc7, 0x81 };
	char frame[8 + 1024];
	size_t h = 0;
	if (len > 1024)
		len = 1024;
	frame[h++] = (char)(0x80 | opcode);
	if (len < 126) {
		frame[h++] = (char)(0x80 | len);
	} else {
		frame[h++] = (char)(0x80 | 126);
		frame[h++] = (char)(len >> 8);
		frame[h++] = (char)(len & 0xff);
	}
	memcpy(frame + h, key, 4);
	h += 4;
	for (size_t i = 0; i < len; i++)
		frame[h + i] = (char)(data[i] ^ key[i & 3]);
	queue_out(c, frame, h + len);
}

/* One natter line (with its LF) or protocol bytes, as c speaks. */
static void send_text(struct client *c, const char *text, size_t len)
{
	if (!c->ws || !c->upgraded) {
		queue_out(c, text, len);
		return;
	}
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t one = nl ? (size_t)(nl - text) : len;
		queue_ws_frame(c, 1, text, one);
		one += nl ? 1 : 0;
		text += one;
		len -= one;
	}
}

static void send_line(struct client *c, const char *text)
{
	send_text(c, text, strlen(text));
}

/* One message from c, stamped now. */
static void queue_message(struct client *c, uint64_t ts)
{
	char line[PAYLOAD + 64];
	size_t n = 0;
	if (c->proto == P_IRC)
		n = (size_t)snprintf(line, 48, "PRIVMSG %s :", chan);
	make_payload(line + n, (unsigned)c->id, sent[c->id], ts);
	n += PAYLOAD;
	if (c->proto == P_IRC)
		line[n++] = '\r';
	line[n++] = '\n';
	send_text(c, line, n);
	sent[c->id]++;
}

/* --- deliveries --- */

static void complete_upto(unsigned s)
{
	while (completed[s] < sent[s] &&
	       ackcnt[(size_t)s * window + completed[s] % window] >= nclients - 1) {
		ackcnt[(size_t)s * window + completed[s] % window] = 0;
		completed[s]++;
		progress_ns[s] = last_rx_ns;
	}
}

static void ack(unsigned s, uint32_t seq)
{
	if (seq < completed[s] || seq >= sent[s])
		return;   /* forced past after a stall, or not ours */
	ackcnt[(size_t)s * window + seq % window]++;
}

static void delivery(struct client *r, unsigned s, uint32_t seq, uint64_t ts)
{
	if (s >= (unsigned)nclients) {
		garbled++;
		return;
	}
	if (s == (unsigned)r->id) {
		echoed++;
		return;
	}
	uint32_t *e = &expect[(size_t)r->id * nclients + s];
	if (seq == *e) {
		if (mode == M_FANOUT)
			ack(s, seq);
	} else if (seq > *e) {
		lost += seq - *e;
		if (mode == M_FANOUT)
			for (uint32_t k = *e; k <= seq && k - *e <= (uint32_t)window; k++)
				ack(s, k);
	} else {
		dups++;
		return;
	}
	*e = seq + 1;
	ok++;
	if (phase == PH_RUN)
		run_deliv++;
	if (mode == M_FANOUT)
		complete_upto(s);
	if (mode == M_LATENCY && phase == PH_RUN) {
		add_sample(&lat, &lat_n, &lat_cap, ts, last_rx_ns);
		if (sock_rx_ns)
			add_sample(&slat, &slat_n, &slat_cap, ts, sock_rx_ns);
	}
}

/* Is p[0, plen) the prefix receiver r's protocol puts before a payload
 * from snd? Each is checked in r's protocol, whatever snd speaks: in a
 * mixed room an IRC sender reaches natter clients as `<NICK> ` and a
 * natter sender reaches IRC clients as `:NICK!user@host PRIVMSG #chan :`. */
static int prefix_ok(const struct client *r, const struct client *snd, const char *p, size_t plen)
{
	if (r->proto == P_NCAT)
		return plen == snd->prefix_len && !memcmp(p, snd->prefix, plen);
	size_t nl = snd->nick_len;
	if (r->proto == P_NATTER)
		return plen == nl + 3 && p[0] == '<' && !memcmp(p + 1, snd->nick, nl) &&
		       p[nl + 1] == '>' && p[nl + 2] == ' ';
	const char *tail = irc_tail;
	size_t tl = irc_tail_len;
	return plen >= nl + 2 + tl && p[0] == ':' && !memcmp(p + 1, snd->nick, nl) &&
	       p[nl + 1] == '!' && !memcmp(p + plen - tl, tail, tl) &&
	       !memchr(p + nl + 2, ' ', plen - nl - 2 - tl);
}

/* A line that ends in a payload: check the prefix the protocol adds. */
static int payload_line(struct client *c, const char *p, size_t len)
{
	unsigned s;
	uint32_t seq;
	uint64_t ts;
	if (len < PAYLOAD || parse_payload(p + len - PAYLOAD, &s, &seq, &ts))
		return -1;
	if (s < (unsigned)nclients && !prefix_ok(c, &cl[s], p, len - PAYLOAD))
		return -1;
	delivery(c, s, seq, ts);
	return 0;
}

static void set_prefix(struct client *c, const char *fmt, const char *a, size_t alen)
{
	int n = snprintf(c->prefix, sizeof c->prefix, fmt, (int)alen, a);
	c->prefix_len = (uint8_t)(n < 0 ? 0 : n >= PREFIX_MAX ? PREFIX_MAX - 1 : n);
}

static void set_nick(struct client *c, const char *a, size_t alen)
{
	c->nick_len = (uint8_t)(alen < NICK_BUF ? alen : NICK_BUF - 1);
	memcpy(c->nick, a, c->nick_len);
}

static void became_ready(struct client *c)
{
	c->state = C_READY;
	if (++n_ready > peak_ready)
		peak_ready = n_ready;
}

static void handle_line(struct client *c, char *p, size_t len)
{
	if (len && p[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	if (c->state == C_READY && len >= PAYLOAD && p[len - PAYLOAD] == 'M' &&
	    payload_line(c, p, len) == 0)
		return;
	switch ((enum proto)c->proto) {
	case P_NATTER:
		if (c->state == C_HANDSHAKE && len > 10 && !memcmp(p, "= welcome:", 10)) {
			const char *you = memmem(p, len, "you are ", 8);
			if (!you) {
				unexpected(c, "bad greeting", p, len);
				return;
			}
			you += 8;
			const char *sp = memchr(you, ' ', len - (size_t)(you - p));
			if (!sp)
				return;
			set_nick(c, you, (size_t)(sp - you));
			if (mode == M_IDLE && rooms > 0) {
				char cmd[48];
				snprintf(cmd, sizeof cmd, "/join r%d\n", c->id % rooms);
				send_line(c, cmd);
				flush_out(c);
				c->state = C_JOINING;
			} else {
				became_ready(c);
			}
			return;
		}
		if (c->state == C_JOINING) {
			if (len > 7 && !memcmp(p, "= join:", 7)) {
				became_ready(c);
				return;
			}
			if (len > 2 && !memcmp(p, "! ", 2)) {
				unexpected(c, "join refused, staying in lobby", p, len);
				became_ready(c);
				return;
			}
		}
		if (len >= 3 && (!memcmp(p, "-- ", 3) || !memcmp(p, "= ", 2)))
			return;
		if (len >= 2 && !memcmp(p, "! ", 2)) {
			errlines++;
			if (len >= 10 && !memcmp(p, "! too-slow", 10))
				cut_slow++;
			unexpected(c, "error line", p, len);
			return;
		}
		break;
	case P_NCAT:
		if (len > 11 && !memcmp(p, "<announce> ", 11)) {
			if (c->state == C_HANDSHAKE) {
				const char *as = memmem(p, len, "is connected as <", 17);
				if (as) {
					as += 16;
					const char *gt = memchr(as, '>', len - (size_t)(as - p));
					if (gt) {
						set_prefix(c, "%.*s ", as, (size_t)(gt - as + 1));
						became_ready(c);
					}
				}
			}
			return;
		}
		break;
	case P_IRC:
		if (len > 5 && !memcmp(p, "PING ", 5)) {
			char pong[600];
			snprintf(pong, sizeof pong, "PONG %.*s\r\n", (int)(len - 5 > 500 ? 500 : len - 5), p + 5);
			send_line(c, pong);
			flush_out(c);
			return;
		}
		if (len > 6 && !memcmp(p, "ERROR ", 6)) {
			errlines++;
			unexpected(c, "error line", p, len);
			return;
		}
		if (p[0] == ':') {
			const char *sp = memchr(p, ' ', len);
			if (sp && (size_t)(sp - p) + 4 <= len) {
				const char *code = sp + 1;
				if (c->state == C_HANDSHAKE && !memcmp(code, "001 ", 4)) {
					if (mode == M_IDLE) {
						became_ready(c);
					} else {
						char join[64];
						snprintf(join, sizeof join, "JOIN %s\r\n", chan);
						send_line(c, join);
						flush_out(c);
						c->state = C_JOINING;
					}
					return;
				}
				if (c->state == C_JOINING && !memcmp(code, "366 ", 4)) {
					became_ready(c);
					return;
				}
				/* 4xx/5xx but 422 (no MOTD: a server without one says so) */
				if (code[0] >= '4' && code[0] <= '5' && code[1] >= '0' && code[1] <= '9' &&
				    memcmp(code, "422 ", 4)) {
					errlines++;
					unexpected(c, "error reply", p, len);
				}
			}
			return;
		}
		break;
	}
	if (c->state == C_READY) {
		garbled++;
		unexpected(c, "garbled line", p, len);
	}
}

/* --- connections --- */

static void close_client(struct client *c, const char *why)
{
	if (c->state == C_CLOSED || c->state == C_UNUSED)
		return;
	if (c->state == C_READY)
		n_ready--;
	if (phase != PH_DONE && verbose)
		fprintf(stderr, "loadgen: client %d closed: %s\n", c->id, why);
	if (c->state == C_CONNECTING)
		n_failed++;
	else
		n_closed++;
	c->state = C_CLOSED;
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	free(c->carry);
	c->carry = NULL;
}

static void keep_carry(struct client *c, const char *p, size_t rest)
{
	if (rest > CARRY_MAX) {
		close_client(c, "frame or header too long");
		return;
	}
	if (rest) {
		if (!c->carry)
			c->carry = xcalloc(1, CARRY_MAX);
		memmove(c->carry, p, rest);
	}
	c->carry_len = (uint32_t)rest;
}

/* rbuf[0, end): the HTTP 101, then server frames (never masked), one
 * natter line in each text frame. */
static void ws_input(struct client *c, size_t end)
{
	size_t pos = 0;
	if (!c->upgraded) {
		const char *eoh = memmem(rbuf, end, "\r\n\r\n", 4);
		if (!eoh) {
			keep_carry(c, rbuf, end);
			return;
		}
		if (end < 12 || memcmp(rbuf + 9, "101", 3)) {
			unexpected(c, "WebSocket handshake refused", rbuf, end);
			close_client(c, "handshake refused");
			return;
		}
		c->upgraded = 1;
		pos = (size_t)(eoh - rbuf) + 4;
	}
	while (end - pos >= 2) {
		const unsigned char *f = (const unsigned char *)rbuf + pos;
		size_t h = 2, len = f[1] & 0x7f;
		if (len == 126) {
			if (end - pos < 4)
				break;
			len = (size_t)f[2] << 8 | f[3];
			h = 4;
		} else if (len == 127) {
			if (end - pos < 10)
				break;
			len = 0;
			for (int i = 2; i < 10; i++)
				len = len << 8 | f[i];
			h = 10;
		}
		if (f[1] & 0x80 || len > CARRY_MAX) {
			unexpected(c, "bad server frame", rbuf + pos, end - pos);
			close_client(c, "bad frame");
			return;
		}
		if (end - pos < h + len)
			break;
		int op = f[0] & 0x0f;
		char *payload = rbuf + pos + h;
		pos += h + len;
		if (op == 1) {
			handle_line(c, payload, len);
		} else if (op == 8) {
			close_client(c, "close frame");
		} else if (op == 9) {
			queue_ws_frame(c, 10, payload, len);
			flush_out(c);
		}
		if (c->state == C_CLOSED)
			return;
	}
	keep_carry(c, rbuf + pos, end - pos);
}

static void read_client(struct client *c)
{
	size_t have = c->carry_len;
	if (have)
		memcpy(rbuf, c->carry, have);
	ssize_t n;
	if (mode == M_LATENCY) {
		/* The kernel's receive time of the bytes: when a client that
		 * reads at once (one device each, not one loop for all)
		 * would have them. */
		char cbuf[256];
		struct iovec iov = { rbuf + have, RBUF_SIZE - have };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
		n = recvmsg(c->fd, &mh, 0);
		sock_rx_ns = 0;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); n > 0 && cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPING) {
				struct scm_timestamping t;
				memcpy(&t, CMSG_DATA(cm), sizeof t);
				sock_rx_ns = (uint64_t)((int64_t)t.ts[0].tv_sec * 1000000000 + t.ts[0].tv_nsec - real_minus_mono);
			}
	} else {
		n = read(c->fd, rbuf + have, RBUF_SIZE - have);
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		close_client(c, strerror(errno));
		return;
	}
	if (n == 0) {
		close_client(c, "EOF");
		return;
	}
	last_rx_ns = now_ns();
	if (c->ws) {
		ws_input(c, have + (size_t)n);
		return;
	}
	size_t end = have + (size_t)n, pos = 0;
	char *nl;
	while ((nl = memchr(rbuf + pos, '\n', end - pos))) {
		if (c->skipping)
			c->skipping = 0;
		else
			handle_line(c, rbuf + pos, (size_t)(nl - (rbuf + pos)));
		if (c->state == C_CLOSED)
			return;
		pos = (size_t)(nl - rbuf) + 1;
	}
	size_t rest = end - pos;
	if (rest > CARRY_MAX || (c->skipping && rest)) {
		/* a line longer than any the protocols send in the measured
		 * phase (ncat's list of who is connected grows with the
		 * clients): dropped, and an error only while measuring */
		if (!c->skipping && c->state == C_READY && mode != M_IDLE) {
			garbled++;
			unexpected(c, "overlong line", rbuf + pos, 80);
		}
		c->skipping = 1;
		rest = 0;
	}
	if (rest) {
		if (!c->carry)
			c->carry = xcalloc(1, CARRY_MAX);
		memcpy(c->carry, rbuf + pos, rest);
	}
	c->carry_len = (uint32_t)rest;
}

static void start_connect(struct client *c)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)(c->ws ? web_port :
				     c->proto == P_IRC && irc_every ? irc_port : port)) };
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "loadgen: bad address %s\n", host);
		exit(2);
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (mode == M_LATENCY) {
		int ts = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &ts, sizeof ts);
	}
	c->fd = fd;
	c->state = C_CONNECTING;
	n_opened++;
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.ptr = c };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
	c->wblocked = 1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)
		close_client(c, strerror(errno));
}

static void connected(struct client *c)
{
	int err = 0;
	socklen_t len = sizeof err;
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		close_client(c, strerror(err));
		return;
	}
	c->state = C_HANDSHAKE;
	set_wblocked(c, 0);
	if (c->ws) {
		char req[256];
		snprintf(req, sizeof req,
			 "GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Key: bmF0dGVyLWxvYWRnZW4tMQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
			 host, web_port);
		send_line(c, req);
		flush_out(c);
	}
	if (c->proto == P_IRC) {
		char reg[128];
		snprintf(reg, sizeof reg, "NICK b%s%d\r\nUSER b%d 0 * :bench\r\n", tag, c->id, c->id);
		send_line(c, reg);
		flush_out(c);
		set_nick(c, reg + 5, strcspn(reg + 5, "\r"));
	}
}

static void handle_events(int timeout_ms)
{
	struct epoll_event evs[MAX_EVENTS];
	int n = epoll_wait(ep, evs, MAX_EVENTS, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return;
		die("epoll_wait");
	}
	for (int i = 0; i < n; i++) {
		struct client *c = evs[i].data.ptr;
		if (c->state == C_CLOSED)
			continue;
		if (c->state == C_CONNECTING) {
			if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				connected(c);
			continue;
		}
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			read_client(c);
		if (c->state != C_CLOSED && (evs[i].events & EPOLLOUT) && c->wblocked)
			flush_out(c);
	}
}

/* --- /proc --- */

static int proc_cpu_ticks(long long *ticks)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", server_pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* fields after comm: state(3) ... utime(14) stime(15) */
	char state;
	unsigned long long ut, st;
	if (sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &state, &ut, &st) != 3)
		return -1;
	if (state == 'Z' || state == 'X')
		return -2;
	*ticks = (long long)(ut + st);
	return 0;
}

static int proc_status(long *rss_kib, long *threads)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", server_pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	*rss_kib = *threads = -1;
	int zombie = 0;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "VmRSS:", 6))
			*rss_kib = atol(line + 6);
		else if (!strncmp(line, "Threads:", 8))
			*threads = atol(line + 8);
		else if (!strncmp(line, "State:", 6) && strchr(line, 'Z'))
			zombie = 1;
	}
	fclose(f);
	return zombie || *rss_kib < 0 ? -2 : 0;
}

/* The kernel's count of connections dropped because a listen queue was
 * full (TcpExt ListenOverflows, for this network namespace), or -1. */
static long long listen_overflows(void)
{
	FILE *f = fopen("/proc/net/netstat", "r");
	if (!f)
		return -1;
	static char head[4096], vals[4096];
	long long result = -1;
	while (fgets(head, sizeof head, f) && fgets(vals, sizeof vals, f)) {
		if (strncmp(head, "TcpExt:", 7))
			continue;
		char *hs, *vs, *h = strtok_r(head, " \n", &hs), *v = strtok_r(vals, " \n", &vs);
		while (h && v) {
			if (!strcmp(h, "ListenOverflows"))
				result = atoll(v);
			h = strtok_r(NULL, " \n", &hs);
			v = strtok_r(NULL, " \n", &vs);
		}
	}
	fclose(f);
	return result;
}

static int server_alive(void)
{
	long long t;
	return server_pid == 0 || proc_cpu_ticks(&t) == 0;
}

static double self_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* --- scenarios --- */

/* Opens clients [from, to) with at most `concurrency` handshakes pending;
 * returns when all are ready or failed, or on timeout / server death. */
static int open_clients(int from, int to)
{
	int next = from;
	uint64_t deadline = now_ns() + (uint64_t)(timeout_s * 1e9);
	uint64_t last_progress = now_ns();
	int last_count = -1;
	for (;;) {
		int pending = n_opened - n_ready - n_failed - n_closed;
		while (next < to && pending < concurrency) {
			start_connect(&cl[next++]);
			pending++;
		}
		if (next == to && n_opened - n_failed - n_closed == n_ready)
			return 0;
		if (n_ready + n_failed + n_closed != last_count) {
			last_count = n_ready + n_failed + n_closed;
			last_progress = now_ns();
		}
		if (now_ns() > deadline || now_ns() - last_progress > 10e9) {
			fprintf(stderr, "loadgen: handshake timeout: %d opened, %d ready, %d failed, %d closed\n",
				n_opened, n_ready, n_failed, n_closed);
			return -1;
		}
		if (!server_alive()) {
			fprintf(stderr, "loadgen: the server exited\n");
			return -1;
		}
		handle_events(50);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double pct_of(const uint32_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i] / 1e3;
}

static double pct(double p)
{
	return pct_of(lat, lat_n, p);
}

/* Clients that speak WebSocket (what 1) or IRC in a natter run (what 2). */
static int n_of(int what)
{
	int n = 0;
	for (int i = 0; i < nclients; i++)
		n += what == 1 ? cl[i].ws : irc_every && cl[i].proto == P_IRC;
	return n;
}

static void run_traffic(void)
{
	size_t nn = (size_t)nclients;
	if (window <= 0)
		window = nclients >= 400 ? 1 : 400 / nclients;
	sent = xcalloc(nn, sizeof *sent);
	completed = xcalloc(nn, sizeof *completed);
	progress_ns = xcalloc(nn, sizeof *progress_ns);
	ackcnt = xcalloc(nn * (size_t)window, sizeof *ackcnt);
	expect = xcalloc(nn * nn, sizeof *expect);

	if (open_clients(0, nclients) || n_ready != nclients) {
		printf("%s proto=%s clients=%d error=handshake ready=%d\n",
		       mode == M_FANOUT ? "fanout" : "latency",
		       proto == P_NATTER ? "natter" : proto == P_NCAT ? "ncat" : "irc", nclients, n_ready);
		exit(1);
	}
	/* Let the join notices settle, so the measured phase is traffic only. */
	uint64_t settle = now_ns();
	while (now_ns() - settle < 200000000u && now_ns() - last_rx_ns < 100000000u)
		handle_events(20);

	long long cpu0 = 0, cpu1 = 0;
	if (server_pid && proc_cpu_ticks(&cpu0))
		server_pid = 0;
	double self0 = self_cpu();
	uint64_t t0 = now_ns(), t1 = 0;
	uint64_t run_ns = (uint64_t)(duration * 1e9);
	uint64_t period = (uint64_t)(1e9 / rate);
	for (int i = 0; i < nclients; i++) {
		cl[i].next_send_ns = t0 + period * (uint64_t)i / nn;
		progress_ns[i] = t0;
	}
	phase = PH_RUN;
	while (phase == PH_RUN) {
		uint64_t now = now_ns();
		int all_sent = 1;
		if (count_per_sender >= 0) {
			for (int i = 0; i < nclients; i++)
				if (sent[i] < count_per_sender)
					all_sent = 0;
		}
		if ((count_per_sender < 0 && now - t0 >= run_ns) || (count_per_sender >= 0 && all_sent) ||
		    n_ready < nclients) {
			t1 = now;
			break;
		}
		int timeout_ms = 50;
		if (mode == M_FANOUT) {
			for (int i = 0; i < nclients; i++) {
				struct client *c = &cl[i];
				if (c->state != C_READY || c->wblocked)
					continue;
				if (sent[i] - completed[i] >= (uint32_t)window &&
				    now - progress_ns[i] > 500000000u) {
					/* a lost message would hold the window forever */
					stalls++;
					memset(ackcnt + (size_t)i * window, 0, (size_t)window * sizeof *ackcnt);
					completed[i] = sent[i];
					progress_ns[i] = now;
				}
				/* one write() per message, as a chat client sends a
				 * line (--batch K: up to K messages per write) */
				while (sent[i] - completed[i] < (uint32_t)window &&
				       (count_per_sender < 0 || sent[i] < count_per_sender) &&
				       c->state == C_READY && !c->wblocked) {
					int k = 0;
					while (k++ < batch && sent[i] - completed[i] < (uint32_t)window &&
					       (count_per_sender < 0 || sent[i] < count_per_sender))
						queue_message(c, now);
					flush_out(c);
				}
			}
		} else {
			uint64_t soonest = now + 50000000u;
			for (int i = 0; i < nclients; i++) {
				struct client *c = &cl[i];
				if (c->state != C_READY)
					continue;
				if (c->next_send_ns <= now) {
					queue_message(c, now_ns());
					flush_out(c);
					c->next_send_ns += period;
					if (c->next_send_ns < now)
						c->next_send_ns = now + period;
				}
				if (c->next_send_ns < soonest)
					soonest = c->next_send_ns;
			}
			/* rounded up: a send may start up to 1 ms late, which the
			 * payload's timestamp (taken at the send) does not count */
			timeout_ms = soonest > now ? (int)((soonest - now + 999999u) / 1000000u) : 0;
		}
		handle_events(timeout_ms);
	}
	double self1 = self_cpu();
	if (server_pid && proc_cpu_ticks(&cpu1))
		cpu1 = cpu0;
	uint64_t deliv_at_t1 = run_deliv;
	phase = PH_DRAIN;

	/* Drain: wait for what is owed, until no progress for a while. */
	uint64_t total_sent = 0;
	for (int i = 0; i < nclients; i++)
		total_sent += sent[i];
	uint64_t want = total_sent * (nn - 1);
	uint64_t drain_start = now_ns();
	while (ok + lost < want && n_ready == nclients) {
		uint64_t now = now_ns();
		if (now - last_rx_ns > 1000000000u && now - drain_start > 1000000000u)
			break;
		if (now - drain_start > (uint64_t)(timeout_s * 1e9))
			break;
		handle_events(50);
	}
	/* Messages never seen by a receiver (the tail of a sender's stream). */
	uint64_t missing = 0;
	for (int r = 0; r < nclients; r++)
		for (int s = 0; s < nclients; s++)
			if (r != s && expect[(size_t)r * nn + s] < sent[s])
				missing += sent[s] - expect[(size_t)r * nn + s];
	lost += missing;
	double secs = (double)(t1 - t0) / 1e9;
	double scpu = (double)(cpu1 - cpu0) / (double)sysconf(_SC_CLK_TCK);
	double gcpu = self1 - self0;
	int exact = lost == 0 && dups == 0 && garbled == 0 && echoed == 0 && errlines == 0 &&
		    n_closed == 0 && ok == want;
	const char *pname = proto == P_NATTER ? "natter" : proto == P_NCAT ? "ncat" : "irc";
	if (mode == M_FANOUT) {
		printf("fanout proto=%s clients=%d ws_clients=%d irc_clients=%d window=%d seconds=%.3f sent=%llu deliveries=%llu "
		       "rate=%.0f server_cpu=%.3f per_cpu_s=%.0f gen_cpu=%.3f gen_load=%.2f "
		       "expected=%llu ok=%llu lost=%llu dup=%llu garbled=%llu echoed=%llu "
		       "errors=%llu closed=%d stalls=%llu exact=%s\n",
		       pname, nclients, n_of(1), n_of(2), window, secs,
		       (unsigned long long)total_sent,
		       (unsigned long long)deliv_at_t1, deliv_at_t1 / secs, scpu,
		       scpu > 0 ? deliv_at_t1 / scpu : 0.0, gcpu, gcpu / secs,
		       (unsigned long long)want, (unsigned long long)ok, (unsigned long long)lost,
		       (unsigned long long)dups, (unsigned long long)garbled, (unsigned long long)echoed,
		       (unsigned long long)errlines, n_closed, (unsigned long long)stalls,
		       exact ? "yes" : "no");
	} else {
		qsort(lat, lat_n, sizeof *lat, cmp_u32);
		if (slat_n)
			qsort(slat, slat_n, sizeof *slat, cmp_u32);
		printf("latency proto=%s clients=%d rate=%.1f seconds=%.3f samples=%zu p50_us=%.1f "
		       "p90_us=%.1f p99_us=%.1f max_us=%.1f server_cpu=%.3f gen_cpu=%.3f gen_load=%.2f "
		       "lost=%llu dup=%llu garbled=%llu errors=%llu closed=%d exact=%s "
		       "sock_samples=%zu sock_p50_us=%.1f sock_p99_us=%.1f sock_max_us=%.1f\n",
		       pname, nclients, rate, secs, lat_n, pct(50), pct(90), pct(99),
		       lat_n ? lat[lat_n - 1] / 1e3 : 0.0, scpu, gcpu, gcpu / secs,
		       (unsigned long long)lost, (unsigned long long)dups, (unsigned long long)garbled,
		       (unsigned long long)errlines, n_closed, exact ? "yes" : "no",
		       slat_n, pct_of(slat, slat_n, 50), pct_of(slat, slat_n, 99), slat_n ? slat[slat_n - 1] / 1e3 : 0.0);
	}
	fflush(stdout);
}

static void run_idle(void)
{
	const char *pname = proto == P_NATTER ? "natter" : proto == P_NCAT ? "ncat" : "irc";
	const char *p = steps_arg;
	int have = 0;
	while (*p) {
		int target = atoi(p);
		if (target > nclients)
			target = nclients;
		uint64_t t0 = now_ns();
		long long lo0 = listen_overflows();
		int rc = open_clients(have, target);
		have = target;
		/* Quiet period: the join notices and registration replies drain. */
		uint64_t settle = now_ns();
		while (now_ns() - settle < 3000000000u && now_ns() - last_rx_ns < 300000000u)
			handle_events(50);
		handle_events(100);
		long rss = -1, thr = -1;
		int alive = server_pid ? proc_status(&rss, &thr) == 0 : 1;
		if (!alive)
			rss = thr = -1;
		long long lo1 = listen_overflows();
		/* held: handshake done and still open. pending: connected
		 * or connecting, but no greeting yet when the step gave up
		 * waiting; failed: connect refused; closed: cut by the server
		 * (cut_slow of them told "too-slow"). listen_overflows: the
		 * kernel's count for the whole namespace during the step. */
		printf("idle proto=%s target=%d held=%d peak=%d pending=%d failed=%d closed=%d cut_slow=%llu "
		       "listen_overflows=%lld rss_kib=%ld threads=%ld seconds=%.2f server=%s\n",
		       pname, target, n_ready, peak_ready, n_opened - n_ready - n_failed - n_closed, n_failed,
		       n_closed, (unsigned long long)cut_slow, lo0 >= 0 && lo1 >= 0 ? lo1 - lo0 : -1LL,
		       rss, thr, (now_ns() - t0) / 1e9, alive ? "alive" : "dead");
		fflush(stdout);
		/* Clients the server cut are not replaced: the next step
		 * still adds its share, and `held` tells what is left. */
		if (rc || !alive || n_ready == 0)
			break;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen fanout|latency|idle -p PORT [-P natter|ncat|irc] [-H ADDR] [-n CLIENTS]\n"
		"         [-d SECONDS | -m MSGS_PER_SENDER] [-r MSGS_PER_S] [-w WINDOW] [--pid PID]\n"
		"         [--steps 1,1000,10000] [--rooms K] [--concurrency C] [--batch K] [-t TIMEOUT] [-v]\n"
		"         [--web-port PORT --ws-every K]   (natter: every K-th client over WebSocket)\n"
		"         [--irc-port PORT --irc-every K]  (natter: clients 0, K, 2K... over IRC, in #lobby)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "fanout"))
		mode = M_FANOUT;
	else if (!strcmp(argv[1], "latency"))
		mode = M_LATENCY;
	else if (!strcmp(argv[1], "idle"))
		mode = M_IDLE;
	else
		usage();
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-v")) {
			verbose = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "-P")) {
			if (!strcmp(v, "natter"))
				proto = P_NATTER;
			else if (!strcmp(v, "ncat"))
				proto = P_NCAT;
			else if (!strcmp(v, "irc"))
				proto = P_IRC;
			else
				usage();
		} else if (!strcmp(a, "-H")) {
			host = v;
		} else if (!strcmp(a, "-p")) {
			port = atoi(v);
		} else if (!strcmp(a, "-n")) {
			nclients = atoi(v);
		} else if (!strcmp(a, "-d")) {
			duration = atof(v);
		} else if (!strcmp(a, "-m")) {
			count_per_sender = atol(v);
		} else if (!strcmp(a, "-r")) {
			rate = atof(v);
		} else if (!strcmp(a, "-w")) {
			window = atoi(v);
		} else if (!strcmp(a, "--pid")) {
			server_pid = atoi(v);
		} else if (!strcmp(a, "--steps")) {
			steps_arg = v;
		} else if (!strcmp(a, "--rooms")) {
			rooms = atoi(v);
		} else if (!strcmp(a, "--web-port")) {
			web_port = atoi(v);
		} else if (!strcmp(a, "--ws-every")) {
			ws_every = atoi(v);
		} else if (!strcmp(a, "--irc-port")) {
			irc_port = atoi(v);
		} else if (!strcmp(a, "--irc-every")) {
			irc_every = atoi(v);
		} else if (!strcmp(a, "--batch")) {
			batch = atoi(v);
		} else if (!strcmp(a, "--concurrency")) {
			concurrency = atoi(v);
		} else if (!strcmp(a, "-t")) {
			timeout_s = atof(v);
		} else {
			usage();
		}
	}
	if (port <= 0 || nclients < 1 || nclients > 65535 || rate <= 0 || concurrency < 1 || batch < 1 ||
	    ws_every < 0 || (ws_every && (proto != P_NATTER || web_port <= 0)) ||
	    irc_every < 0 || (irc_every && (proto != P_NATTER || irc_port <= 0 || mode == M_IDLE)))
		usage();
	if (irc_every)
		chan = "#lobby";        /* where natter clients start */
	irc_tail_len = (size_t)snprintf(irc_tail, sizeof irc_tail, " PRIVMSG %s :", chan);
	if (mode == M_IDLE) {
		int maxstep = 0;
		for (const char *p = steps_arg; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
			if (atoi(p) > maxstep)
				maxstep = atoi(p);
		nclients = maxstep;
	} else if (nclients < 2) {
		usage();
	}

	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nclients + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < (rlim_t)nclients + 16) {
			fprintf(stderr, "loadgen: RLIMIT_NOFILE %llu is too low for %d clients\n",
				(unsigned long long)rl.rlim_cur, nclients);
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	tag[0] = (char)('a' + getpid() % 26);
	tag[1] = (char)('a' + getpid() / 26 % 26);
	t_start = 0;
	t_start = now_ns();
	{
		struct timespec r, m;
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m);
		real_minus_mono = ((int64_t)r.tv_sec - m.tv_sec) * 1000000000 + (r.tv_nsec - m.tv_nsec) + (int64_t)t_start;
	}
	for (int i = 0; i < 26 + FILLER_LEN; i++)
		filler_src[i] = (char)('a' + i % 26);
	hex_init();
	rbuf = xcalloc(1, RBUF_SIZE);
	cl = xcalloc((size_t)nclients, sizeof *cl);
	for (int i = 0; i < nclients; i++) {
		cl[i].id = i;
		cl[i].fd = -1;
		cl[i].ws = ws_every > 0 && i % ws_every == ws_every - 1;
		cl[i].proto = (uint8_t)(!cl[i].ws && irc_every > 0 && i % irc_every == 0 ? P_IRC : proto);
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	if (mode == M_IDLE)
		run_idle();
	else
		run_traffic();
	phase = PH_DONE;
	return 0;
}
