/* SPDX-License-Identifier: MIT */
/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012), incremental: a keyed hash
 * whose key the agent draws at start and never writes anywhere, so that
 * the hash of a request body cannot be tested against guessed prompts by
 * anyone who reads its output (the retry table keeps hashes, never
 * bodies). 64-bit output; fed in pieces of any size, the same as fed at
 * once. Pure.
 */
#ifndef TT_SIPHASH_H
#define TT_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define TT_SIPHASH_KEY 16

struct tt_siphash {
	uint64_t v[4];
	uint64_t tail;  /* bytes not yet a whole 8-byte word, little-endian */
	uint64_t total; /* bytes fed */
};

void tt_siphash_init(struct tt_siphash *h, const uint8_t key[TT_SIPHASH_KEY]);
void tt_siphash_feed(struct tt_siphash *h, const void *p, size_t n);
/* The hash of everything fed; h is left as it was (more may be fed). */
uint64_t tt_siphash_final(const struct tt_siphash *h);

/* One call: init, feed, final. */
uint64_t tt_siphash(const uint8_t key[TT_SIPHASH_KEY], const void *p, size_t n);

#endif
