/*
 * util_time.c - calendar arithmetic and the time stamps of web hook
 * events and MTA log lines.
 *
 * Dates are proleptic Gregorian; times are Unix seconds with the zone's
 * offset in minutes east kept beside them.  A time written without a
 * zone (a syslog line, Exim's main log) is the local time of the machine
 * reading it, as it would be for the one that wrote it.
 */
#include <time.h>

#include "util/util_int.h"

/* bk__days_from_civil - see util_int.h */
int64_t
bk__days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* digits - the value of the @n digits at @p, or -1 */
static long
digits(const char *p, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!bk__is(p[i], BK_C_DIGIT))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* bk__iso_time - see util_int.h */
int
bk__iso_time(const char *p, size_t len, int64_t *t, int *tz, int *zoned)
{
	long y, mo, d, h, mi, s;
	size_t i = 19;

	if (len < 19 || p[4] != '-' || p[7] != '-' ||
	    (p[10] != 'T' && p[10] != 't' && p[10] != ' ') || p[13] != ':' ||
	    p[16] != ':' || (y = digits(p, 4)) < 0 ||
	    (mo = digits(p + 5, 2)) < 1 || mo > 12 ||
	    (d = digits(p + 8, 2)) < 1 || d > 31 ||
	    (h = digits(p + 11, 2)) < 0 || h > 23 ||
	    (mi = digits(p + 14, 2)) < 0 || mi > 59 ||
	    (s = digits(p + 17, 2)) < 0 || s > 60)
		return -1;
	if (i < len && (p[i] == '.' || p[i] == ','))
		for (i++; i < len && bk__is(p[i], BK_C_DIGIT); i++)
			continue;
	*tz = 0;
	*zoned = 0;
	if (i < len && (p[i] == 'Z' || p[i] == 'z')) {
		*zoned = 1;
	} else if (i + 5 <= len && (p[i] == '+' || p[i] == '-')) {
		/* "+01:00" (RFC 3339) or "+0100" */
		long zh = digits(p + i + 1, 2), zm;

		zm = p[i + 3] == ':' ? (i + 6 <= len ? digits(p + i + 4, 2) :
		    -1) : digits(p + i + 3, 2);
		if (zh >= 0 && zh <= 23 && zm >= 0 && zm <= 59) {
			*tz = (int)(zh * 60 + zm) * (p[i] == '-' ? -1 : 1);
			*zoned = 1;
		}
	}
	*t = bk__days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + s - (int64_t)*tz * 60;
	return 0;
}

/*
 * local_time - the Unix time of a local date and time (@tm's year, month,
 * day, hour, minute and second, as written) and its zone's offset then;
 * -1 when the C library cannot tell.  The fields are read as UTC, then
 * moved by the zone's offset at that moment, asked of localtime_r twice
 * (the second time at the moved instant, which settles a change of
 * offset between the two).  Not mktime: in glibc it looks at the zone
 * file again on every call, a system call per log line.  A time the
 * zone skips or repeats (a change to or from summer time) gets one of
 * its readings.
 */
static int
local_time(const struct tm *tm, int64_t *t, int *tz)
{
	struct tm lt;
	int64_t u;
	time_t x;
	long off;

	u = bk__days_from_civil((int64_t)tm->tm_year + 1900,
	    (unsigned)tm->tm_mon + 1, (unsigned)tm->tm_mday) * 86400 +
	    tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec;
	x = (time_t)u;
	if (localtime_r(&x, &lt) == NULL)
		return -1;
	off = lt.tm_gmtoff;
	x = (time_t)(u - off);
	if (localtime_r(&x, &lt) == NULL)
		return -1;
	if (lt.tm_gmtoff != off) {
		off = lt.tm_gmtoff;
		x = (time_t)(u - off);
	}
	*t = (int64_t)x;
	*tz = (int)(off / 60);
	return 0;
}

/* bk__log_time - see util_int.h */
int
bk__log_time(const char *p, size_t len, int64_t now, int64_t *t, int *tz)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	static const int mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	struct tm tm, nowtm;
	time_t nt = (time_t)now;
	int zoned, m;
	long d, h, mi, s;

	if (bk__iso_time(p, len, t, tz, &zoned) == 0) {
		if (zoned)
			return 0;
		/* no zone: the fields are local time */
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = (int)digits(p, 4) - 1900;
		tm.tm_mon = (int)digits(p + 5, 2) - 1;
		tm.tm_mday = (int)digits(p + 8, 2);
		tm.tm_hour = (int)digits(p + 11, 2);
		tm.tm_min = (int)digits(p + 14, 2);
		tm.tm_sec = (int)digits(p + 17, 2);
		return local_time(&tm, t, tz);
	}
	/* RFC 3164: "Nov 28 06:35:12" (day space-padded), no year */
	if (len < 15 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' ||
	    p[12] != ':')
		return -1;
	for (m = 0; m < 12; m++) {
		if (bk__lower(p[0]) == months[3 * m] &&
		    bk__lower(p[1]) == months[3 * m + 1] &&
		    bk__lower(p[2]) == months[3 * m + 2])
			break;
	}
	d = p[4] == ' ' ? digits(p + 5, 1) : digits(p + 4, 2);
	if (m == 12 || d < 1 || d > mdays[m] || (h = digits(p + 7, 2)) < 0 ||
	    h > 23 || (mi = digits(p + 10, 2)) < 0 || mi > 59 ||
	    (s = digits(p + 13, 2)) < 0 || s > 60 ||
	    localtime_r(&nt, &nowtm) == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = nowtm.tm_year;
	tm.tm_mon = m;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)s;
	if (local_time(&tm, t, tz) != 0)
		return -1;
	/* the year is the one that puts the line in the past: a line
	 * more than a day ahead of now was written last year (a log
	 * read in January that begins in December) */
	if (*t > now + 86400) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = nowtm.tm_year - 1;
		tm.tm_mon = m;
		tm.tm_mday = (int)d;
		tm.tm_hour = (int)h;
		tm.tm_min = (int)mi;
		tm.tm_sec = (int)s;
		return local_time(&tm, t, tz);
	}
	return 0;
}
