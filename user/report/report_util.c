// SPDX-License-Identifier: MIT
/* Names, the key list, ISO 8601 times and sums for the report core. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "report/report.h"
#include "report/report_impl.h"

static const char *const key_names[TT_RKEY__COUNT] = {
	[TT_RKEY_OWNER] = "owner",
	[TT_RKEY_TEAM] = "team",
	[TT_RKEY_COST_CENTER] = "cost_center",
	[TT_RKEY_APPLICATION] = "application",
	[TT_RKEY_ENVIRONMENT] = "environment",
	[TT_RKEY_PROVIDER] = "provider",
	[TT_RKEY_MODEL] = "model",
	[TT_RKEY_OPERATION] = "operation",
	[TT_RKEY_WORKLOAD] = "workload",
	[TT_RKEY_API_KEY] = "api_key",
	[TT_RKEY_ALLOCATION_STATUS] = "allocation_status",
	[TT_RKEY_ENVIRONMENT_SOURCE] = "environment_source",
	[TT_RKEY_PROVIDER_PROJECT] = "provider_project",
	[TT_RKEY_TENANT] = "tenant",
	[TT_RKEY_WORKFLOW] = "workflow",
	[TT_RKEY_UNIT_TYPE] = "unit_type",
	[TT_RKEY_UNIT_ID] = "unit_id",
	[TT_RKEY_UNIT_OUTCOME] = "unit_outcome",
	[TT_RKEY_USER] = "user",
	[TT_RKEY_TRACE_ID] = "trace_id",
};

static const char *const reason_names[TT_RREASON__COUNT] = {
	[TT_RREASON_NO_PRICE_TABLE] = "no_price_table",
	[TT_RREASON_UNKNOWN_MODEL] = "unknown_model",
	[TT_RREASON_NO_USAGE] = "no_usage",
	[TT_RREASON_MISSING_INPUT] = "missing_rate:input",
	[TT_RREASON_MISSING_CACHED_INPUT] = "missing_rate:cached_input",
	[TT_RREASON_MISSING_CACHE_WRITE] = "missing_rate:cache_write",
	[TT_RREASON_MISSING_CACHE_WRITE_1H] = "missing_rate:cache_write_1h",
	[TT_RREASON_MISSING_OUTPUT] = "missing_rate:output",
	[TT_RREASON_MISSING_REASONING] = "missing_rate:reasoning",
	[TT_RREASON_INVALID_USAGE] = "invalid_usage",
	[TT_RREASON_NO_PRICE_AT_DATE] = "no_price_at_date",
	[TT_RREASON_OTHER] = "other",
};

static const char *const line_names[TT_RLINE__COUNT] = {
	[TT_RLINE_EVENT] = "events",
	[TT_RLINE_BLANK] = "blank",
	[TT_RLINE_TOO_LONG] = "too_long",
	[TT_RLINE_NOT_JSON] = "not_json",
	[TT_RLINE_NOT_EVENT] = "not_event",
	[TT_RLINE_BAD_VERSION] = "bad_version",
	[TT_RLINE_BAD_FIELD] = "bad_field",
	[TT_RLINE_OUT_OF_RANGE] = "out_of_range",
	[TT_RLINE_DROPPED] = "dropped",
};

const char *tt_report_key_name(enum tt_report_key k)
{
	return (unsigned)k < TT_RKEY__COUNT ? key_names[k] : NULL;
}

const char *tt_report_reason_name(enum tt_report_reason rsn)
{
	return (unsigned)rsn < TT_RREASON__COUNT ? reason_names[rsn] : NULL;
}

const char *tt_report_line_name(enum tt_report_line cls)
{
	return (unsigned)cls < TT_RLINE__COUNT ? line_names[cls] : NULL;
}

int tt_report_parse_keys(const char *list, struct tt_report_opts *opts,
			 size_t *bad)
{
	const char *p = list;
	unsigned seen = 0;

	opts->nkeys = 0;
	for (;;) {
		size_t n = strcspn(p, ",");
		int k;

		for (k = 0; k < TT_RKEY__COUNT; k++)
			if (strlen(key_names[k]) == n &&
			    !memcmp(key_names[k], p, n))
				break;
		if (k == TT_RKEY__COUNT || (seen & (1u << k))) {
			if (bad)
				*bad = (size_t)(p - list);
			opts->nkeys = 0;
			return -EINVAL;
		}
		seen |= 1u << k;
		opts->keys[opts->nkeys++] = (enum tt_report_key)k;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

double tt_report_sum_value(const struct tt_report_sum *s)
{
	return s->sum + s->comp;
}

void tt_report_derive(const struct tt_report_stats *s,
		      struct tt_report_derived *d)
{
	double cost = tt_report_sum_value(&s->cost);
	/* First attempts: calls whose attempt says 0; a call that does not
	 * say (attempt null) is neither a first attempt nor a retry. */
	uint64_t first = s->attempt_known - s->retries;

	d->cost = cost;
	d->known_calls = s->priced + s->unbilled_errors;
	d->unknown_calls = s->calls - d->known_calls;
	d->unknown_share = s->calls ?
		(double)d->unknown_calls / (double)s->calls : NAN;
	/* Same population above and below the line: the cost of the calls
	 * whose cost is known, over those calls (docs/report.md). */
	d->cost_per_call = d->known_calls ?
		cost / (double)d->known_calls : NAN;
	d->cost_per_success = s->priced_successes ?
		cost / (double)s->priced_successes : NAN;
	d->retry_inflation = first ? (double)s->retries / (double)first : NAN;
	/* All the group's cost over its distinct units; none when an id did
	 * not fit the caps: the count would be a lower bound. */
	d->cost_per_unit = s->units && !s->units_uncounted ?
		cost / (double)s->units : NAN;
	d->alloc_cost_coverage = cost > 0 ?
		tt_report_sum_value(&s->allocated_cost) / cost : NAN;
	d->alloc_call_coverage = s->calls ?
		(double)s->allocated / (double)s->calls : NAN;
}

/* Howard Hinnant's days_from_civil / civil_from_days (proleptic
 * Gregorian), exact for every year the 4-digit format can hold. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dm[12] = { 31, 28, 31, 30, 31, 30,
					      31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

/* n decimal digits at *p (advanced); -1 if they are not all digits. */
static long digits(const char **p, const char *end, int n)
{
	long v = 0;

	if (end - *p < n)
		return -1;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p < end && **p == c) {
		(*p)++;
		return 1;
	}
	return 0;
}

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z. */
#define TIME_MIN_US (-62167219200LL * 1000000)
#define TIME_MAX_US (253402300800LL * 1000000 - 1)

int tt_report_parse_time(const char *s, size_t len, int64_t *us)
{
	const char *p = s, *end = s + len;
	long y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;

	y = digits(&p, end, 4);
	if (y < 0 || !expect(&p, end, '-'))
		return -EINVAL;
	mo = digits(&p, end, 2);
	if (mo < 1 || mo > 12 || !expect(&p, end, '-'))
		return -EINVAL;
	d = digits(&p, end, 2);
	if (d < 1 || d > days_in_month(y, (unsigned)mo))
		return -EINVAL;
	if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
		p++;
		h = digits(&p, end, 2);
		if (h < 0 || h > 23 || !expect(&p, end, ':'))
			return -EINVAL;
		mi = digits(&p, end, 2);
		if (mi < 0 || mi > 59)
			return -EINVAL;
		if (expect(&p, end, ':')) {
			sec = digits(&p, end, 2);
			if (sec < 0 || sec > 59)
				return -EINVAL;
			if (expect(&p, end, '.') || expect(&p, end, ',')) {
				int n = 0;

				/* Microseconds kept, further digits cut. */
				for (; p < end && *p >= '0' && *p <= '9';
				     p++, n++)
					if (n < 6)
						frac = frac * 10 + (*p - '0');
				if (!n || n > 9)
					return -EINVAL;
				for (; n < 6; n++)
					frac *= 10;
			}
		}
		if (expect(&p, end, 'Z') || expect(&p, end, 'z')) {
			;
		} else if (p < end && (*p == '+' || *p == '-')) {
			int neg = *p++ == '-';
			long oh = digits(&p, end, 2), om;

			expect(&p, end, ':');
			om = digits(&p, end, 2);
			if (oh < 0 || oh > 23 || om < 0 || om > 59)
				return -EINVAL;
			off = (oh * 60 + om) * 60;
			if (neg)
				off = -off;
		}
	}
	if (p != end)
		return -EINVAL;
	*us = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
		h * 3600 + mi * 60 + sec - off) * 1000000) + frac;
	/* An offset must not move the time out of years 0000 to 9999. */
	if (*us < TIME_MIN_US || *us > TIME_MAX_US)
		return -EINVAL;
	return 0;
}

int32_t tt_report_day(int64_t us)
{
	int64_t s = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);

	return (int32_t)(s >= 0 ? s / 86400 : -((-s + 86399) / 86400));
}

/* Writes v in n digits, zero-padded, at p. */
static char *put_digits(char *p, unsigned long v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

void tt_report_format_time(int64_t us, char *out)
{
	int64_t day = tt_report_day(us), y;
	int64_t rem = us - day * 86400LL * 1000000;
	unsigned m, d;
	char *p = out;

	civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999) { /* tt_report_parse_time() makes none */
		memcpy(out, "invalid", 8);
		return;
	}
	p = put_digits(p, (unsigned long)y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, (unsigned long)(rem / 3600000000LL), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned long)(rem / 60000000 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned long)(rem / 1000000 % 60), 2);
	*p++ = '.';
	p = put_digits(p, (unsigned long)(rem % 1000000), 6);
	*p++ = 'Z';
	*p = '\0';
}

void tt_rsat_add(uint64_t *a, uint64_t b)
{
	*a = *a + b < *a ? UINT64_MAX : *a + b;
}

/* Neumaier: the compensation keeps what each addition rounded off. */
void tt_rsum_add(struct tt_report_sum *s, double v)
{
	double t = s->sum + v;

	if ((s->sum >= 0 ? s->sum : -s->sum) >= (v >= 0 ? v : -v))
		s->comp += (s->sum - t) + v;
	else
		s->comp += (v - t) + s->sum;
	s->sum = t;
}

uint16_t tt_rversion_merge(uint16_t cur, uint16_t v)
{
	if (v == TT_REPORT_NO_VERSION || cur == v)
		return cur;
	return cur == TT_REPORT_NO_VERSION ? v : TT_REPORT_MIXED_VERSION;
}

void tt_rmonth_bounds(int32_t day, int32_t *start, int32_t *next)
{
	int64_t y;
	unsigned m, d;

	civil_from_days(day, &y, &m, &d);
	*start = (int32_t)days_from_civil(y, m, 1);
	*next = (int32_t)(m == 12 ? days_from_civil(y + 1, 1, 1) :
				    days_from_civil(y, m + 1, 1));
}
