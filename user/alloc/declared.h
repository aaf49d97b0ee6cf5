/* SPDX-License-Identifier: MIT */
/*
 * Declared facts: what the application says about a call in headers the
 * operator allow-listed ("declared_headers": allocation roles, business
 * unit, workflow, tenant, user, W3C traceparent and baggage keys). Every
 * value is the application's claim, recorded under "declared" in the
 * event, never used as the owner on its own (a rule may test it). Values
 * are capped (TT_DECLARED_VALUE_MAX bytes, cut on a character boundary)
 * and cleaned (control characters become "_"; bytes that are not UTF-8
 * are written as U+FFFD like every string from the wire), both counted.
 * Pure.
 */
#ifndef TT_ALLOC_DECLARED_H
#define TT_ALLOC_DECLARED_H

#include <stddef.h>

#define TT_TRACE_ID_HEX 33 /* 32 lower-case hex digits and the NUL */
#define TT_SPAN_ID_HEX 17  /* 16 and the NUL */

/* Copies the value v[0, len) into out (NUL-terminated), cut to cap - 1
 * bytes on a UTF-8 character boundary (*truncated set) and with every
 * control character (below 0x20, 0x7f) replaced by '_' (*replaced set).
 * Returns the length. */
size_t tt_declared_clean(const char *v, size_t len, char *out, size_t cap,
			 int *truncated, int *replaced);

/* The trace and span ids of a W3C traceparent value
 * ("00-<32 hex>-<16 hex>-<2 hex>", lower-case hex, ids not all zero;
 * version ff is invalid; a later version may append "-..." fields).
 * Returns 0, or -EINVAL (the outputs are then ""). */
int tt_traceparent_parse(const char *v, size_t len,
			 char trace_id[TT_TRACE_ID_HEX],
			 char span_id[TT_SPAN_ID_HEX]);

/* The value of key in a W3C baggage value ("k1=v1;prop, k2=v2"), with
 * its percent-encoding decoded, cleaned as tt_declared_clean() does.
 * The first member with that key wins. Returns the length, or -ENOENT. */
long tt_baggage_get(const char *v, size_t len, const char *key, char *out,
		    size_t cap, int *truncated, int *replaced);

#endif
