/* SPDX-License-Identifier: MIT */
/*
 * A parsed header list, shared by the HTTP/1 parser (and later HTTP/2) and
 * the provider decoders, so that a decoder never depends on the wire
 * version. Names and values point into the parser's buffer: valid only for
 * the duration of the callback that hands them out.
 */
#ifndef TT_HDR_H
#define TT_HDR_H

#include <stddef.h>

#define TT_HDRS_MAX 64 /* headers kept per message; more are counted */

struct tt_hdr {
	const char *name;
	size_t name_len;
	const char *value; /* leading and trailing whitespace trimmed */
	size_t value_len;
};

struct tt_hdrs {
	struct tt_hdr h[TT_HDRS_MAX];
	size_t n;
	size_t dropped; /* headers beyond TT_HDRS_MAX */
};

/* The first header named name (case-insensitive), or NULL; *len gets the
 * value's length. */
const char *tt_hdrs_get(const struct tt_hdrs *hs, const char *name,
			size_t *len);

/* Copies the first header named name into out (NUL-terminated, truncated
 * to outlen - 1). Returns the copied length, or -ENOENT. */
int tt_hdrs_copy(const struct tt_hdrs *hs, const char *name, char *out,
		 size_t outlen);

/* Copies every header of from whose name and value fit into buf (cap
 * bytes, no NULs added) into to, which then points into buf; the ones
 * that do not fit are left out and counted in to->dropped. */
void tt_hdrs_clone(struct tt_hdrs *to, char *buf, size_t cap,
		   const struct tt_hdrs *from);

#endif
