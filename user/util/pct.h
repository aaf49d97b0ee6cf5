/* SPDX-License-Identifier: MIT */
/* Percent-decoding (RFC 3986 section 2.1): URL paths (Bedrock model ids)
 * and W3C baggage values. Pure. */
#ifndef TT_PCT_H
#define TT_PCT_H

#include <stddef.h>

/* in[0, len) with every "%XX" (two hex digits) decoded, into out
 * (NUL-terminated, truncated to outlen - 1 bytes); a "%" without two hex
 * digits is kept as it is. Returns the bytes written (a decoded %00
 * included), 0 when outlen is 0. */
size_t tt_url_decode(const char *in, size_t len, char *out, size_t outlen);

#endif
