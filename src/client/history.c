#include "history.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PREFIX "= history: "
#define PREFIX_LEN (sizeof PREFIX - 1)
#define STAMP_LEN 20            /* 2026-11-30T10:15:02Z */

/* The value of s[0..n) if all digits, else -1. */
static int digits(const char *s, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* Local time without musl's localtime_r, which would bring its time zone
 * code and allocator (8 KiB, past the armhf budget). The zone is a TZif
 * file: TZ=":PATH", TZ="/PATH", TZ="Area/City" (under /usr/share/zoneinfo)
 * or /etc/localtime. A POSIX rule string in TZ (EST5EDT) is not read, and
 * after the file's last transition its last offset holds: UTC if no file. */
#define ZONE_MAX 16384
static unsigned char zone[ZONE_MAX];
static long zone_len = -1;      /* -1: not loaded yet */

/* A big-endian signed number of 4 or 8 bytes (64-bit even where long is
 * 32: zone files hold times before 1901). */
static long long be(const unsigned char *p, int bytes)
{
	unsigned long long v = 0;
	int i;

	for (i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return bytes == 4 ? (long long)(int)(unsigned)v : (long long)v;
}

static void zone_load(void)
{
	const char *tz = getenv("TZ");
	char path[256] = "/etc/localtime";
	size_t n;
	int fd;

	zone_len = 0;
	if (tz && *tz == ':')
		tz++;
	if (tz && *tz) {
		n = strlen(tz);
		if (n > 200 || strstr(tz, ".."))
			return;
		if (*tz == '/') {
			memcpy(path, tz, n + 1);
		} else {
			memcpy(path, "/usr/share/zoneinfo/", 20);
			memcpy(path + 20, tz, n + 1);
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	zone_len = read(fd, zone, sizeof zone);
	close(fd);
	if (zone_len < 44 || memcmp(zone, "TZif", 4) != 0)
		zone_len = 0;
}

/* Seconds east of UTC at time t, from the zone file's transitions. */
static long utc_offset(long long t)
{
	const unsigned char *h = zone, *d;
	long cnt[6], i, at = -1, tsize = 4, need;

	if (zone_len < 0)
		zone_load();
	for (;;) {
		if (h + 44 > zone + zone_len)
			return 0;
		for (i = 0; i < 6; i++)
			cnt[i] = (long)be(h + 20 + 4 * i, 4);
		d = h + 44;     /* isut, isstd, leap, time, type, char counts */
		need = cnt[3] * tsize + cnt[3] + cnt[4] * 6 + cnt[5] +
		       cnt[2] * (tsize + 4) + cnt[1] + cnt[0];
		if (cnt[4] < 1 || d + need > zone + zone_len)
			return 0;
		if (tsize == 8 || h[4] < '2')
			break;
		h = d + need;   /* version 2+: the 64-bit block follows */
		tsize = 8;
	}
	for (i = 0; i < cnt[3] && be(d + i * tsize, tsize) <= t; i++)
		at = d[cnt[3] * tsize + i];
	if (at < 0 || at >= cnt[4])
		at = 0;
	return (long)be(d + cnt[3] * tsize + cnt[3] + at * 6, 4);
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (the
 * well-known era arithmetic: 400-year eras of 146097 days, years from
 * March so the leap day comes last). musl's timegm and gmtime would cost
 * four times the code. */
static long days_from_civil(long y, int m, int d)
{
	long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

struct civil {
	long year, days;
	int mon, mday, hour, min;
};

static void civil_from_secs(long long t, struct civil *c)
{
	long z, era, doe, yoe, doy, mp, secs;

	c->days = z = (long)(t / 86400) - (t % 86400 < 0);
	secs = (long)(t - (long long)z * 86400);
	c->hour = (int)(secs / 3600);
	c->min = (int)(secs / 60 % 60);
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = yoe + era * 400 + (c->mon <= 2);
}

static void local_civil(long long t, struct civil *c)
{
	civil_from_secs(t + utc_offset(t), c);
}

static char *put2(char *p, int v)
{
	*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

long hist_format(const char *s, size_t n, char *out, size_t cap, long long now)
{
	const char *t = s + PREFIX_LEN;
	int v[6], i;
	static const int at[6] = { 0, 5, 8, 11, 14, 17 }, len[6] = { 4, 2, 2, 2, 2, 2 };
	struct civil when, today;
	char *p = out;
	size_t rest;

	if (n < PREFIX_LEN + STAMP_LEN + 1 || memcmp(s, PREFIX, PREFIX_LEN) != 0 ||
	    t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' ||
	    t[19] != 'Z' || t[20] != ' ')
		return -1;
	for (i = 0; i < 6; i++)
		if ((v[i] = digits(t + at[i], len[i])) < 0)
			return -1;
	local_civil(((long long)days_from_civil(v[0], v[1], v[2]) * 86400 +
		     v[3] * 3600 + v[4] * 60 + v[5]), &when);
	local_civil(now, &today);
	rest = n - PREFIX_LEN - STAMP_LEN - 1;
	if (cap < rest + 17)
		return -1;
	/* "HH:MM text" today, "YYYY-MM-DD HH:MM text" on other days. */
	if (when.days != today.days) {
		p = put2(p, (int)(when.year / 100));
		p = put2(p, (int)when.year);
		*p++ = '-';
		p = put2(p, when.mon);
		*p++ = '-';
		p = put2(p, when.mday);
		*p++ = ' ';
	}
	p = put2(p, when.hour);
	*p++ = ':';
	p = put2(p, when.min);
	*p++ = ' ';
	memcpy(p, t + STAMP_LEN + 1, rest);
	return (long)(p - out) + (long)rest;
}

/* The room name holds no ':', a history line's time does. */
int hist_is_end(const char *s, size_t n)
{
	const char *sp;

	if (n < PREFIX_LEN + 10 || memcmp(s, PREFIX, PREFIX_LEN) != 0 || s[n - 1] != ')')
		return 0;
	sp = memchr(s + PREFIX_LEN, ' ', n - PREFIX_LEN);
	return sp && !memchr(s + PREFIX_LEN, ':', (size_t)(sp - s) - PREFIX_LEN) && sp[1] == '(';
}
