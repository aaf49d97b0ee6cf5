// SPDX-License-Identifier: MIT
/* Declared values: capping, cleaning, traceparent and baggage. See
 * declared.h. */
#include <errno.h>
#include <string.h>
#include "alloc/declared.h"
#include "util/pct.h"
#include "util/utf8.h"

size_t tt_declared_clean(const char *v, size_t len, char *out, size_t cap,
			 int *truncated, int *replaced)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t i = 0, o = 0;

	if (!cap)
		return 0;
	while (i < len) {
		size_t n = tt_utf8_len(s + i, len - i);
		/* A byte that starts no character is kept: the JSON writer
		 * shows it as U+FFFD, as every other string from the wire. */
		int bad = n == 1 && (s[i] < 0x20 || s[i] == 0x7f);

		if (!n)
			n = 1;
		if (o + n > cap - 1) {
			*truncated = 1;
			break;
		}
		if (bad) {
			out[o++] = '_';
			*replaced = 1;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
	return o;
}

static int lower_hex(const char *s, size_t n, int *all_zero)
{
	*all_zero = 1;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
		if (s[i] != '0')
			*all_zero = 0;
	}
	return 1;
}

int tt_traceparent_parse(const char *v, size_t len,
			 char trace_id[TT_TRACE_ID_HEX],
			 char span_id[TT_SPAN_ID_HEX])
{
	int zero, trace_zero, span_zero;

	trace_id[0] = span_id[0] = '\0';
	/* version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2. */
	if (len < 55 || !lower_hex(v, 2, &zero) || !memcmp(v, "ff", 2) ||
	    v[2] != '-' || v[35] != '-' || v[52] != '-' ||
	    !lower_hex(v + 3, 32, &trace_zero) ||
	    !lower_hex(v + 36, 16, &span_zero) ||
	    !lower_hex(v + 53, 2, &zero) || trace_zero || span_zero)
		return -EINVAL;
	/* Version 00 is exactly this; a later one may add "-..." fields. */
	if (len > 55 && (!memcmp(v, "00", 2) || v[55] != '-'))
		return -EINVAL;
	memcpy(trace_id, v + 3, 32);
	trace_id[32] = '\0';
	memcpy(span_id, v + 36, 16);
	span_id[16] = '\0';
	return 0;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

long tt_baggage_get(const char *v, size_t len, const char *key, char *out,
		    size_t cap, int *truncated, int *replaced)
{
	size_t klen = strlen(key), i = 0;

	while (i < len) {
		size_t end = i, k0, k1, v0, v1, d;
		char dec[256];

		while (end < len && v[end] != ',')
			end++;
		for (k0 = i; k0 < end && is_ows(v[k0]); k0++)
			;
		for (k1 = k0; k1 < end && v[k1] != '=' && !is_ows(v[k1]); k1++)
			;
		for (v0 = k1; v0 < end && is_ows(v[v0]); v0++)
			;
		i = end + 1;
		if (v0 >= end || v[v0] != '=' || k1 - k0 != klen ||
		    memcmp(v + k0, key, klen))
			continue;
		for (v0++; v0 < end && is_ows(v[v0]); v0++)
			;
		/* The value ends at its properties or trailing space. */
		for (v1 = v0; v1 < end && v[v1] != ';'; v1++)
			;
		while (v1 > v0 && is_ows(v[v1 - 1]))
			v1--;
		/* Percent-decoded into dec: longer than the cap is cut anyway. */
		d = tt_url_decode(v + v0, v1 - v0, dec, sizeof(dec));
		return (long)tt_declared_clean(dec, d, out, cap, truncated,
					       replaced);
	}
	return -ENOENT;
}
