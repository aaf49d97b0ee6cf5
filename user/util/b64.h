/* SPDX-License-Identifier: MIT */
/* Standard base64 (RFC 4648, padding optional), for capture files. */
#ifndef TT_B64_H
#define TT_B64_H

#include <stddef.h>
#include <stdint.h>

/* Decodes in[0..len) into out (room for len / 4 * 3 + 3 bytes). Returns
 * the decoded length, or -EINVAL on a character outside the alphabet or
 * a bad length. */
long tt_b64_decode(const char *in, size_t len, uint8_t *out);

#endif
