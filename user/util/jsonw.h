/* SPDX-License-Identifier: MIT */
/*
 * A small JSON object writer into a fixed buffer, for the records: the hot
 * path of the agent writes one per AI call, and building a cJSON tree only
 * to print it cost more than decoding the call (docs/performance.md).
 */
#ifndef TT_JSONW_H
#define TT_JSONW_H

#include <stddef.h>
#include <stdint.h>

struct tt_jsonw {
	char *buf;
	size_t cap, len;
	int first;    /* no member written yet at the current level */
	int overflow; /* the buffer was too small: the output is unusable */
};

void tt_jsonw_init(struct tt_jsonw *w, char *buf, size_t cap);
void tt_jsonw_open(struct tt_jsonw *w, const char *key);  /* key NULL: top */
void tt_jsonw_close(struct tt_jsonw *w);
void tt_jsonw_open_array(struct tt_jsonw *w, const char *key);
void tt_jsonw_close_array(struct tt_jsonw *w);
/* Integral values print as integers, others with 17 significant digits. */
void tt_jsonw_double(struct tt_jsonw *w, const char *key, double v);
/* At most sig significant digits (1..17): for estimates such as costs,
 * where 1.3199999999999999e-05 would only be noise. */
void tt_jsonw_double_sig(struct tt_jsonw *w, const char *key, double v,
			 int sig);
/* v rounded to sig significant digits (1..17) as tt_jsonw_double_sig()
 * writes it: that value written with tt_jsonw_double() gives the same
 * text. NaN, infinities and a bad sig give v. */
double tt_jsonw_round_sig(double v, int sig);
void tt_jsonw_str(struct tt_jsonw *w, const char *key, const char *v); /* NULL or "" -> null */
void tt_jsonw_int(struct tt_jsonw *w, const char *key, int64_t v);
/* An integer as a JSON string ("-12"): how OTLP JSON writes 64-bit ones. */
void tt_jsonw_int_str(struct tt_jsonw *w, const char *key, int64_t v);
void tt_jsonw_u64_str(struct tt_jsonw *w, const char *key, uint64_t v);
void tt_jsonw_count(struct tt_jsonw *w, const char *key, int64_t v);   /* < 0 -> null */
void tt_jsonw_ms(struct tt_jsonw *w, const char *key, uint64_t ns);    /* ms, 3 decimals */
void tt_jsonw_bool(struct tt_jsonw *w, const char *key, int v);
void tt_jsonw_null(struct tt_jsonw *w, const char *key);
/* A value that is already JSON text (trusted: written by our own code). */
void tt_jsonw_raw(struct tt_jsonw *w, const char *key, const char *json);
/* The next member or element as trusted JSON text of len bytes that opens
 * objects and leaves the innermost one open (`{"key":"a","value":{`,
 * made once and reused): the next member is that object's first. Close
 * each with tt_jsonw_close(). */
void tt_jsonw_open_raw(struct tt_jsonw *w, const char *json, size_t len);
/* Ends the output; returns its length, or -E2BIG when it did not fit. */
long tt_jsonw_finish(struct tt_jsonw *w);

#endif
