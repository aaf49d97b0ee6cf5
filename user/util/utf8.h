/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 validation, one character at a time: what the JSON writer, the
 * metric label and OTLP key cleaners and the report's terminal text all
 * need before they keep a byte from the wire or the kernel as it is.
 */
#ifndef TT_UTF8_H
#define TT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* For NUL-terminated text: the checks stop at the NUL, which is never a
 * continuation byte, so nothing past it is read. */
#define TT_UTF8_NUL_TERMINATED SIZE_MAX

/* Bytes of the well-formed UTF-8 character at s, of at most n bytes
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF):
 * 1 for ASCII (NUL included), 2 to 4, or 0 when s does not start one
 * (a stray continuation byte, a bad lead byte, a sequence cut short by
 * n or by a byte that is not a continuation). n must be at least 1. */
size_t tt_utf8_len(const unsigned char *s, size_t n);

/* Length of buf[0..len) without a trailing incomplete UTF-8 sequence, so
 * text cut at len stays valid when the whole was (it looks back at most 3
 * bytes; it does not validate). */
size_t tt_utf8_trim(const uint8_t *buf, size_t len);

#endif
