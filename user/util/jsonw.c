// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/jsonw.h"
#include "util/utf8.h"

void tt_jsonw_init(struct tt_jsonw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->first = 1;
	w->overflow = 0;
}

static void put(struct tt_jsonw *w, const char *s, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void putc1(struct tt_jsonw *w, char c)
{
	put(w, &c, 1);
}

/* 1 for bytes a JSON string cannot hold as they are (and NUL, the end);
 * 2 for the start of a multi-byte sequence, checked before it is kept. */
static const unsigned char special[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 2,
};

/* Values come from the wire (models, header values) and the kernel
 * (comm): bytes that are not UTF-8 become U+FFFD, so every line is JSON
 * any reader accepts. */
static void quoted(struct tt_jsonw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	putc1(w, '"');
	for (;; s++) {
		unsigned char c;
		size_t n;

		while (!special[(unsigned char)*s])
			s++;
		c = (unsigned char)*s;
		if (!c)
			break;
		if (special[c] == 2) {
			/* The checks stop at a NUL: it is never a continuation. */
			n = tt_utf8_len((const unsigned char *)s,
					 TT_UTF8_NUL_TERMINATED);
			if (n) {
				s += n - 1;
				continue;
			}
			put(w, run, (size_t)(s - run));
			run = s + 1;
			put(w, "\\ufffd", 6);
			continue;
		}
		put(w, run, (size_t)(s - run));
		run = s + 1;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			put(w, e, 2);
		} else {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			put(w, e, 6);
		}
	}
	put(w, run, (size_t)(s - run));
	putc1(w, '"');
}

static void member(struct tt_jsonw *w, const char *key)
{
	if (!w->first)
		putc1(w, ',');
	w->first = 0;
	if (key) {
		/* Mostly our own names; label keys and provider field names
		 * (usage_raw) come from outside and get the full escaping. */
		const char *k = key;
		size_t n;

		while (!special[(unsigned char)*k])
			k++;
		n = (size_t)(k - key);
		if (*k) {
			quoted(w, key);
			putc1(w, ':');
		} else if (!w->overflow && n + 3 <= w->cap - w->len) {
			/* The common case, one bounds check: "key": */
			char *o = w->buf + w->len;

			o[0] = '"';
			memcpy(o + 1, key, n);
			o[n + 1] = '"';
			o[n + 2] = ':';
			w->len += n + 3;
		} else {
			w->overflow = 1;
		}
	}
}

/* An object or array begins ('{', '[') or ends ('}', ']'). */
static void bracket(struct tt_jsonw *w, char c)
{
	putc1(w, c);
	w->first = c == '{' || c == '[';
}

void tt_jsonw_open(struct tt_jsonw *w, const char *key)
{
	if (key || w->len) /* the top-level object has no member before it */
		member(w, key);
	bracket(w, '{');
}

void tt_jsonw_close(struct tt_jsonw *w)
{
	bracket(w, '}');
}

void tt_jsonw_open_array(struct tt_jsonw *w, const char *key)
{
	member(w, key);
	bracket(w, '[');
}

void tt_jsonw_close_array(struct tt_jsonw *w)
{
	bracket(w, ']');
}

void tt_jsonw_double(struct tt_jsonw *w, const char *key, double v)
{
	char tmp[32];
	int n;

	/* Range first: converting an out-of-range double is undefined. */
	if (v > -9.0e15 && v < 9.0e15 && v == (double)(int64_t)v) {
		tt_jsonw_int(w, key, (int64_t)v);
		return;
	}
	member(w, key);
	if (v != v || v - v != 0) { /* NaN, inf: not JSON */
		put(w, "null", 4);
		return;
	}
	/* The shortest of 15 or 17 digits that reads back the same. */
	n = snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	put(w, tmp, n > 0 ? (size_t)n : 0);
}

double tt_jsonw_round_sig(double v, int sig)
{
	char tmp[32];

	if (sig < 1 || sig > 17 || v != v || v - v != 0)
		return v;
	snprintf(tmp, sizeof(tmp), "%.*g", sig, v);
	return strtod(tmp, NULL);
}

void tt_jsonw_double_sig(struct tt_jsonw *w, const char *key, double v,
			 int sig)
{
	tt_jsonw_double(w, key, tt_jsonw_round_sig(v, sig));
}

void tt_jsonw_str(struct tt_jsonw *w, const char *key, const char *v)
{
	member(w, key);
	if (v && v[0])
		quoted(w, v);
	else
		put(w, "null", 4);
}

/* v in decimal, a '-' first when neg, ending at tmp's end (and a quote
 * after it when quote): returns where it starts. */
static char *decimal(char tmp[24], uint64_t v, int neg, int quote)
{
	char *p = tmp + 24;

	if (quote)
		*--p = '"';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		*--p = '-';
	if (quote)
		*--p = '"';
	return p;
}

static void digits(struct tt_jsonw *w, uint64_t v)
{
	char tmp[24], *p = decimal(tmp, v, 0, 0);

	put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void tt_jsonw_u64_str(struct tt_jsonw *w, const char *key, uint64_t v)
{
	char tmp[24], *p = decimal(tmp, v, 0, 1);

	member(w, key);
	put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void tt_jsonw_int_str(struct tt_jsonw *w, const char *key, int64_t v)
{
	char tmp[24], *p = v < 0 ? decimal(tmp, (uint64_t)0 - (uint64_t)v, 1, 1)
			       : decimal(tmp, (uint64_t)v, 0, 1);

	member(w, key);
	put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void tt_jsonw_int(struct tt_jsonw *w, const char *key, int64_t v)
{
	member(w, key);
	if (v < 0) {
		putc1(w, '-');
		digits(w, (uint64_t)0 - (uint64_t)v);
	} else {
		digits(w, (uint64_t)v);
	}
}

void tt_jsonw_count(struct tt_jsonw *w, const char *key, int64_t v)
{
	if (v < 0)
		tt_jsonw_null(w, key);
	else
		tt_jsonw_int(w, key, v);
}

void tt_jsonw_ms(struct tt_jsonw *w, const char *key, uint64_t ns)
{
	uint64_t us = ns / 1000u;
	char frac[4] = { (char)('0' + us / 100 % 10), (char)('0' + us / 10 % 10),
			 (char)('0' + us % 10), 0 };
	size_t n = 3;

	member(w, key);
	digits(w, us / 1000u);
	while (n && frac[n - 1] == '0') /* 1.500 -> 1.5, 2.000 -> 2 */
		frac[--n] = '\0';
	if (n) {
		putc1(w, '.');
		put(w, frac, n);
	}
}

void tt_jsonw_bool(struct tt_jsonw *w, const char *key, int v)
{
	member(w, key);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void tt_jsonw_null(struct tt_jsonw *w, const char *key)
{
	member(w, key);
	put(w, "null", 4);
}

void tt_jsonw_raw(struct tt_jsonw *w, const char *key, const char *json)
{
	member(w, key);
	put(w, json, strlen(json));
}

void tt_jsonw_open_raw(struct tt_jsonw *w, const char *json, size_t len)
{
	member(w, NULL);
	put(w, json, len);
	w->first = 1;
}

long tt_jsonw_finish(struct tt_jsonw *w)
{
	if (w->overflow || w->len == w->cap)
		return -E2BIG;
	w->buf[w->len] = '\0';
	return (long)w->len;
}
