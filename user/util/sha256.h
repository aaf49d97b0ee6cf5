/* SPDX-License-Identifier: MIT */
/* SHA-256 as lower-case hex (OpenSSL's EVP interface). */
#ifndef TT_SHA256_H
#define TT_SHA256_H

#include <stddef.h>

#define TT_SHA256_HEX 65 /* 64 digits and the NUL */

/* The digest of pre (a NUL-terminated prefix, may be "") then len bytes
 * of data, as hex into out. 0 or -EIO. */
int tt_sha256_hex(const char *pre, const void *data, size_t len,
		  char out[TT_SHA256_HEX]);

#endif
