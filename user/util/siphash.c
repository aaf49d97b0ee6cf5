// SPDX-License-Identifier: MIT
/* SipHash-2-4: the reference algorithm (github.com/veorq/SipHash), fed
 * incrementally. See siphash.h. */
#include <string.h>
#include "util/siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static void compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sipround(v);
	sipround(v);
	v[0] ^= m;
}

void tt_siphash_init(struct tt_siphash *h, const uint8_t key[TT_SIPHASH_KEY])
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);

	h->v[0] = k0 ^ 0x736f6d6570736575ULL;
	h->v[1] = k1 ^ 0x646f72616e646f6dULL;
	h->v[2] = k0 ^ 0x6c7967656e657261ULL;
	h->v[3] = k1 ^ 0x7465646279746573ULL;
	h->tail = 0;
	h->total = 0;
}

void tt_siphash_feed(struct tt_siphash *h, const void *data, size_t n)
{
	const uint8_t *p = data;
	unsigned have = (unsigned)(h->total & 7);

	h->total += n;
	/* Finish the word a previous piece started. */
	while (have && n) {
		h->tail |= (uint64_t)*p++ << (8 * have);
		n--;
		if (++have == 8) {
			compress(h->v, h->tail);
			h->tail = 0;
			have = 0;
		}
	}
	for (; n >= 8; p += 8, n -= 8)
		compress(h->v, le64(p));
	for (unsigned i = 0; i < n; i++)
		h->tail |= (uint64_t)p[i] << (8 * i);
}

uint64_t tt_siphash_final(const struct tt_siphash *h)
{
	uint64_t v[4];

	memcpy(v, h->v, sizeof(v));
	compress(v, h->tail | (h->total & 0xff) << 56);
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t tt_siphash(const uint8_t key[TT_SIPHASH_KEY], const void *p, size_t n)
{
	struct tt_siphash h;

	tt_siphash_init(&h, key);
	tt_siphash_feed(&h, p, n);
	return tt_siphash_final(&h);
}
