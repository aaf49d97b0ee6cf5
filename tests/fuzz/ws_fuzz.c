// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/http/ws.c. Input: a flags byte, two seed bytes,
 * then either the raw stream (flag bit 7 clear) or a recipe the harness
 * turns into frames (bit 7 set): records of [op byte, length byte,
 * payload], where op bit 4 asks for a deflated message, bit 5 for a split
 * into two frames and bit 6 for a control frame in between. The recipe
 * path masks and deflates as real peers do, so that the inflate and
 * reassembly paths see valid input, not only noise.
 *
 * Flags: bit 0 sender (client), bit 1 permessage-deflate, bit 2 no
 * context takeover, bit 3 small window (9 bits), bit 4 midway, bit 5 a
 * small message cap (64 bytes), bit 6 gaps in the cut run.
 * The stream goes in whole and cut into pieces drawn from the seed;
 * invariants: every message is well formed (data iff not lost, sizes
 * under the caps), the whole and cut runs agree exactly, counters add up,
 * and at most 4 KiB is held after tt_ws_finish.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "http/ws.h"
#include "fuzz.h"

struct fz {
	size_t msg_max;
	uint64_t hash, n;
};

static void mix(struct fz *f, const void *p, size_t n)
{
	fz_hash(&f->hash, p, n);
}

static void on_message(void *ctx, const struct tt_ws_msg *m)
{
	struct fz *f = ctx;
	int v[4] = { m->opcode, m->lost, m->close_code, m->compressed };

	CHECK(m->lost ? m->data == NULL && m->len == 0 : m->data != NULL);
	if (m->opcode >= 8) {
		CHECK(m->len <= TT_WS_CTRL_MAX && m->frames == 1);
		CHECK(m->opcode <= TT_WS_PONG);
	} else {
		CHECK(m->len <= f->msg_max);
		CHECK(m->opcode <= TT_WS_BINARY);
		CHECK(m->frames >= 1 || (m->lost && m->opcode == TT_WS_CONT));
	}
	CHECK(m->close_code >= -1 && m->close_code <= 0xffff);
	CHECK(m->wire_bytes >= m->payload_bytes + 2ull * m->frames);
	if (m->data)
		mix(f, m->data, m->len); /* ASan checks the bounds */
	mix(f, v, sizeof(v));
	mix(f, &m->len, sizeof(m->len));
	mix(f, &m->wire_bytes, sizeof(m->wire_bytes));
	f->n++;
}

static uint64_t run(unsigned flags, uint32_t seed, int cut,
		    const uint8_t *d, size_t n, struct tt_ws_stats *st)
{
	struct tt_ws_deflate pmd = { (flags >> 1) & 1, (flags >> 2) & 1,
				     flags & 8 ? 9 : 15 };
	struct fz f = { flags & 32 ? 64 : 1 << 16, FZ_HASH_INIT, 0 };
	struct tt_ws *w = tt_ws_new(flags & 1 ? TT_WS_CLIENT : TT_WS_SERVER,
				    &pmd, f.msg_max, (flags >> 4) & 1,
				    &(struct tt_ws_callbacks){ on_message }, &f);

	CHECK(w);
	if (!cut) {
		CHECK(tt_ws_feed(w, d, n) == 0);
	} else {
		for (size_t at = 0; at < n;) {
			size_t take = 1 + fz_rnd(&seed) % 97;

			if (take > n - at)
				take = n - at;
			CHECK(tt_ws_feed(w, d + at, take) == 0);
			at += take;
			if (cut == 2 && fz_rnd(&seed) % 7 == 0)
				tt_ws_gap(w, fz_rnd(&seed) % 5 == 0 ?
					     (uint64_t)fz_rnd(&seed) << 20 :
					     1 + fz_rnd(&seed) % 60);
			CHECK(tt_ws_get_stats(w)->buf_bytes <= f.msg_max);
		}
	}
	tt_ws_finish(w);
	*st = *tt_ws_get_stats(w);
	CHECK(st->buf_bytes <= 4096);
	CHECK(st->nomem == 0);
	CHECK(st->messages + st->lost_messages + st->pings + st->pongs +
		      st->closes <= f.n);
	if (cut < 2)
		CHECK(st->gaps == 0);
	tt_ws_free(w);
	return f.hash;
}

/* ------------------------------------------------ recipes */

struct out {
	uint8_t *b;
	size_t n, cap;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->n + n > o->cap)
		return;
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void frame(struct out *o, int fin, int rsv1, int op, int masked,
		  const uint8_t *mask, const uint8_t *p, size_t len)
{
	uint8_t h[14];
	size_t hn = 2;

	h[0] = (uint8_t)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | op);
	if (len < 126) {
		h[1] = (uint8_t)len;
	} else {
		h[1] = 126;
		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		hn = 4;
	}
	if (masked) {
		h[1] |= 0x80;
		memcpy(h + hn, mask, 4);
		hn += 4;
	}
	put(o, h, hn);
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i] ^ (masked ? mask[i & 3] : 0);

		put(o, &c, 1);
	}
}

static size_t cook(unsigned flags, uint32_t seed, const uint8_t *in,
		   size_t len, uint8_t *buf, size_t cap)
{
	struct out o = { buf, 0, cap };
	int masked = flags & 1, dfl = (flags >> 1) & 1;
	z_stream z;
	uint8_t zbuf[1024];

	memset(&z, 0, sizeof(z));
	if (dfl && deflateInit2(&z, 6, Z_DEFLATED, flags & 8 ? -9 : -15, 8,
				Z_DEFAULT_STRATEGY) != Z_OK)
		dfl = 0;
	for (size_t i = 0; i + 2 <= len;) {
		unsigned op = in[i], n = in[i + 1];
		const uint8_t *p = in + i + 2;
		uint8_t mask[4];
		size_t plen;

		i += 2;
		if (n > len - i)
			n = (unsigned)(len - i);
		i += n;
		for (int k = 0; k < 4; k++)
			mask[k] = (uint8_t)fz_rnd(&seed);
		plen = n;
		if ((op & 16) && dfl) {
			z.next_in = (Bytef *)p;
			z.avail_in = n;
			z.next_out = zbuf;
			z.avail_out = sizeof(zbuf);
			if (deflate(&z, Z_SYNC_FLUSH) != Z_OK)
				break;
			plen = sizeof(zbuf) - z.avail_out - 4;
			p = zbuf;
			if (flags & 4)
				deflateReset(&z);
		}
		if (op & 32) {
			size_t half = plen / 2;

			frame(&o, 0, (op & 16) && dfl, 1 + (op & 1), masked,
			      mask, p, half);
			if (op & 64)
				frame(&o, 1, 0, 9, masked, mask, (const uint8_t *)"hb!", 3);
			frame(&o, 1, 0, 0, masked, mask, p + half, plen - half);
		} else if (op & 64) {
			frame(&o, 1, 0, 8 + (op & 3) % 3, masked, mask, p,
			      plen < 125 ? plen : 125);
		} else {
			frame(&o, 1, (op & 16) && dfl, 1 + (op & 1), masked,
			      mask, p, plen);
		}
	}
	if (dfl)
		deflateEnd(&z);
	return o.n;
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	static uint8_t cooked[1 << 18];
	struct tt_ws_stats whole, cut, gapped;
	const uint8_t *data;
	unsigned flags;
	uint32_t seed;
	uint64_t a, b;

	if (size < 3)
		return 0;
	flags = input[0];
	seed = fz_seed(input + 1);
	data = input + 3;
	size -= 3;
	if (flags & 128) {
		size = cook(flags, seed, data, size, cooked, sizeof(cooked));
		data = cooked;
	}
	a = run(flags, seed, 0, data, size, &whole);
	b = run(flags, seed, 1, data, size, &cut);
	CHECK(a == b);
	CHECK(!memcmp(&whole, &cut, sizeof(whole)));
	if (flags & 64)
		run(flags, seed, 2, data, size, &gapped);
	return 0;
}
