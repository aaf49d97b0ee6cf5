// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/metrics/: label values from the input (fields split
 * at NUL bytes, two per update) go into a counter and a histogram with a
 * cap of 8 label sets. Invariants: a sanitized value is valid UTF-8
 * without control bytes, at most TT_METRICS_VALUE_MAX bytes, and
 * sanitizing it again changes nothing; escaping reads back to the value;
 * the rendered text is well formed (every sample line a name, a label set
 * whose quoted values hold only the three escapes, a space and a number)
 * and holds at most cap + 1 label sets per family.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "metrics/metrics.h"
#include "fuzz.h"

#define CAP 8
#define FIELD_MAX 512

static char text[1 << 20];

static void check_value(const char *raw)
{
	char clean[TT_METRICS_VALUE_MAX + 1], again[TT_METRICS_VALUE_MAX + 1];
	char esc[2 * TT_METRICS_VALUE_MAX + 1], back[TT_METRICS_VALUE_MAX + 1];
	size_t n = tt_metrics_sanitize(raw, clean), b = 0;
	long e;

	CHECK(n <= TT_METRICS_VALUE_MAX && strlen(clean) == n);
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)clean[i] >= 0x20 && clean[i] != 0x7f);
	CHECK(tt_metrics_sanitize(clean, again) == n && !strcmp(clean, again));
	e = tt_metrics_escape(clean, esc, sizeof(esc));
	CHECK(e >= (long)n);
	for (long i = 0; i < e; i++) {
		char c = esc[i];

		if (c == '\\') {
			c = esc[++i];
			CHECK(c == '\\' || c == '"' || c == 'n');
			c = c == 'n' ? '\n' : c;
		} else {
			CHECK(c != '"' && c != '\n');
		}
		back[b++] = c;
	}
	back[b] = '\0';
	CHECK(b == n && !memcmp(back, clean, n));
}

/* One sample line: name[{l="v",...}] value. */
static void check_line(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] != '{' && s[i] != ' ')
		i++;
	CHECK(i > 0 && i < len);
	if (s[i] == '{') {
		i++;
		for (;;) {
			for (; i < len && s[i] != '='; i++)
				CHECK(s[i] != '"' && s[i] != '}');
			CHECK(i + 1 < len && s[i + 1] == '"');
			for (i += 2; i < len && s[i] != '"'; i++)
				if (s[i] == '\\')
					CHECK(++i < len && (s[i] == '\\' || s[i] == '"' || s[i] == 'n'));
			CHECK(i + 1 < len);
			i++;
			if (s[i] == '}')
				break;
			CHECK(s[i] == ',');
			i++;
		}
		i++;
	}
	CHECK(i < len && s[i] == ' ' && i + 1 < len);
	for (i++; i < len; i++)
		CHECK(strchr("0123456789.e+-InfNa", s[i]));
}

static void check_text(const char *t, size_t len)
{
	size_t series = 0;

	for (size_t at = 0; at < len;) {
		const char *nl = memchr(t + at, '\n', len - at);
		size_t n;

		CHECK(nl);
		n = (size_t)(nl - (t + at));
		if (t[at] != '#') {
			check_line(t + at, n);
			if (!strncmp(t + at, "f_total{", 8))
				series++;
		}
		at += n + 1;
	}
	CHECK(series <= CAP + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const labels[] = { "provider", "model", NULL };
	static const double buckets[] = { 0.5, 1, 10 };
	char fields[2][FIELD_MAX + 1];
	struct tt_metrics *m = tt_metrics_new(CAP);
	struct tt_mfam *c, *h;
	size_t at = 0, k = 0;
	long n;

	CHECK(m);
	c = tt_metrics_family(m, TT_METRIC_COUNTER, "f_total", "Fuzz \\ help\n.",
			      labels, NULL, 0);
	h = tt_metrics_family(m, TT_METRIC_HISTOGRAM, "f_seconds", "F.", labels,
			      buckets, 3);
	CHECK(c && h);
	while (at < size) {
		const uint8_t *nul = memchr(data + at, 0, size - at);
		size_t len = nul ? (size_t)(nul - (data + at)) : size - at;
		const char *v[2];

		if (len > FIELD_MAX)
			len = FIELD_MAX;
		memcpy(fields[k], data + at, len);
		fields[k][len] = '\0';
		check_value(fields[k]);
		at += (nul ? (size_t)(nul - (data + at)) : size - at) + 1;
		if (++k < 2)
			continue;
		k = 0;
		v[0] = fields[0];
		v[1] = fields[1];
		CHECK(tt_mfam_add(c, v, 1) == 0);
		CHECK(tt_mfam_observe(h, v, (double)(len % 20)) == 0);
	}
	n = tt_metrics_write(m, text, sizeof(text));
	CHECK(n >= 0 && (size_t)n == strlen(text));
	check_text(text, (size_t)n);
	tt_metrics_free(m);
	return 0;
}
