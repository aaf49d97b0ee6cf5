/* SPDX-License-Identifier: MIT */
/*
 * API key fingerprints: the key never leaves the decoder. It is reduced to
 * an id for exact joins ("k_" + the first 16 hex digits of its SHA-256)
 * and a hint a person recognizes: the provider's well-known prefix and
 * only the last four characters ("sk-proj-...abcd", "AIza...wxyz",
 * "...wxyz"). A key whose secret part (after the prefix) is shorter than
 * 12 characters, or that holds bytes other than printable ASCII, gets no
 * hint: four characters would be a large part of it.
 */
#ifndef TT_KEYFP_H
#define TT_KEYFP_H

#include <stddef.h>

struct tt_keyfp {
	char id[20];   /* "k_" + 16 lowercase hex, or "" */
	char hint[32]; /* "" when not safe to show */
};

/*
 * value: an Authorization header value ("Bearer sk-...", scheme matched
 * case-insensitively) or a raw x-api-key / api-key / x-goog-api-key value;
 * surrounding whitespace is ignored. Returns 0, -ENOENT when the value
 * holds no key (*out is then empty), or -EIO if hashing failed.
 */
int tt_keyfp_from_header(const char *value, size_t len, struct tt_keyfp *out);

#endif
