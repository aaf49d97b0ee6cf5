// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "util/timefmt.h"

void tt_record_time(uint64_t ns, char out[32])
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;
	size_t n;

	if (!gmtime_r(&s, &tm) ||
	    !(n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm))) {
		snprintf(out, 32, "1970-01-01T00:00:00.000000Z");
		return;
	}
	snprintf(out + n, 32 - n, ".%06uZ",
		 (unsigned)(ns % 1000000000u / 1000u));
}

static int num(const char *s, int n, int lo, int hi, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int tt_record_time_parse(const char *s, uint64_t *ns)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30,
				       31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, leap;
	uint64_t frac = 0, scale = 1000000000ull;
	const char *p;

	/* Unix ns in 64 bits end in 2554: years past 2500 are nonsense. */
	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || num(s, 4, 1970, 2500, &y) ||
	    num(s + 5, 2, 1, 12, &mo) || num(s + 8, 2, 1, 31, &d) ||
	    num(s + 11, 2, 0, 23, &h) || num(s + 14, 2, 0, 59, &mi) ||
	    num(s + 17, 2, 0, 60, &sec))
		return -EINVAL;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++) {
			if (n == 9)
				return -EINVAL;
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
		if (!n)
			return -EINVAL;
	}
	if (p[0] != 'Z' || p[1])
		return -EINVAL;
	*ns = ((uint64_t)days_from_civil(y, mo, d) * 86400u +
	       (uint64_t)h * 3600u + (uint64_t)mi * 60u + (uint64_t)sec) *
		      1000000000ull + frac;
	return 0;
}
