// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/framing/eventstream.c. Input: a cap byte, a flags
 * byte, two seed bytes, then the stream.
 *
 * 1. The stream (with flag bit 0, its CRCs first rewritten along the chain
 *    of messages its lengths describe, so header blocks get parsed) is fed
 *    whole, in pieces drawn from the seed, and byte by byte. Invariants:
 *    every message is within the cap, its header block walks to the end
 *    and the picked headers lie inside it; after -EINVAL nothing more is
 *    emitted; the three runs agree exactly.
 * 2. Round trip: a valid message built around the input (an :event-type
 *    from its first bytes, one header of every type, the input as the
 *    payload) is sent twice in pieces and must come back exactly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "framing/eventstream.h"
#include "fuzz.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* ---- 1. arbitrary streams ---- */

static void on_msg(void *ctx, const struct tt_eventstream_msg *m);
#define FZ_MODULE eventstream
#define FZ_CALLBACK on_msg
#define FZ_COUNT messages
#define FZ_FINISH_AGAIN 0
#include "framing_fuzz.h"

static int inside(const struct tt_eventstream_msg *m, const char *p, size_t n)
{
	const char *lo = (const char *)m->headers;

	return !n || (p >= lo && p + n <= lo + m->headers_len);
}

static void on_msg(void *ctx, const struct tt_eventstream_msg *m)
{
	struct fz *f = ctx;
	struct tt_eventstream_header h;
	size_t off = 0;
	int ret;

	CHECK(!f->failed);
	CHECK(m->payload_len + m->headers_len + TT_EVENTSTREAM_OVERHEAD <=
	      f->cap);
	CHECK(m->payload == (const char *)m->headers + m->headers_len);
	while ((ret = tt_eventstream_header_next(m->headers, m->headers_len,
						 &off, &h)) > 0)
		CHECK(off <= m->headers_len);
	CHECK(ret == 0 && off == m->headers_len);
	CHECK(inside(m, m->event_type, m->event_type_len));
	CHECK(inside(m, m->message_type, m->message_type_len));
	CHECK(inside(m, m->content_type, m->content_type_len));
	CHECK(inside(m, m->exception_type, m->exception_type_len));
	CHECK(inside(m, m->error_code, m->error_code_len));
	CHECK(inside(m, m->error_message, m->error_message_len));
	f->count++;
	fz_hash_field(&f->hash, m->headers, m->headers_len);
	fz_hash_field(&f->hash, m->payload, m->payload_len);
	fz_hash_field(&f->hash, m->event_type, m->event_type_len);
}

static void fz_check(const struct fz_outcome *o)
{
	CHECK(o->stats.prelude_crc_errors + o->stats.message_crc_errors +
	      o->stats.bad_lengths == (uint64_t)o->fz.failed);
}

/* Rewrites the CRCs of the messages the length fields chain together. */
static void reseal(uint8_t *p, size_t n)
{
	size_t off = 0, total;

	while (n - off >= TT_EVENTSTREAM_OVERHEAD) {
		total = be32(p + off);
		if (total < TT_EVENTSTREAM_OVERHEAD || total > n - off)
			break;
		put_be(p + off + 8, crc32(0, p + off, 8), 4);
		put_be(p + off + total - 4,
		       crc32(0, p + off, (uInt)(total - 4)), 4);
		off += total;
	}
}

/* ---- 2. round trip ---- */

struct rt {
	const uint8_t *payload, *event_type, *hdrs;
	size_t payload_len, event_type_len, hdrs_len;
	int messages;
};

static void on_rt(void *ctx, const struct tt_eventstream_msg *m)
{
	struct rt *r = ctx;

	r->messages++;
	CHECK(m->payload_len == r->payload_len);
	CHECK(!memcmp(m->payload, r->payload, r->payload_len));
	CHECK(m->event_type_len == r->event_type_len);
	CHECK(!memcmp(m->event_type, r->event_type, r->event_type_len));
	CHECK(m->message_type_len == 5 && !memcmp(m->message_type, "event", 5));
	CHECK(m->headers_len == r->hdrs_len);
	CHECK(!memcmp(m->headers, r->hdrs, r->hdrs_len));
}

/* Appends a header; values come from v (at least 16 bytes). */
static size_t put_header(uint8_t *p, const char *name, int type,
			 const uint8_t *v, size_t vlen)
{
	static const size_t fixed[] = { 0, 0, 1, 2, 4, 8, 0, 0, 8, 16 };
	size_t o = 0, nl = strlen(name);

	p[o++] = (uint8_t)nl;
	memcpy(p + o, name, nl);
	o += nl;
	p[o++] = (uint8_t)type;
	if (type == TT_EVENTSTREAM_BYTES || type == TT_EVENTSTREAM_STRING) {
		put_be(p + o, vlen, 2);
		memcpy(p + o + 2, v, vlen);
		return o + 2 + vlen;
	}
	memcpy(p + o, v, fixed[type]);
	return o + fixed[type];
}

static void round_trip(const uint8_t *data, size_t size, uint32_t seed)
{
	static const uint8_t pad[16] = "0123456789abcdef";
	size_t et_len = size ? data[0] % 40 : 0, hl = 0, total, len, off;
	uint8_t *msg = malloc(2 * (size + 512));
	const uint8_t *vals = size >= 16 ? data : pad;
	struct tt_eventstream *es = tt_eventstream_new(TT_EVENTSTREAM_SPEC_MAX,
						       NULL);
	struct rt r = { 0 };
	int type;

	CHECK(msg && es);
	if (et_len > size)
		et_len = size;
	hl += put_header(msg + 12 + hl, ":event-type", TT_EVENTSTREAM_STRING,
			 data, et_len);
	hl += put_header(msg + 12 + hl, ":message-type", TT_EVENTSTREAM_STRING,
			 (const uint8_t *)"event", 5);
	for (type = TT_EVENTSTREAM_TRUE; type <= TT_EVENTSTREAM_UUID; type++)
		hl += put_header(msg + 12 + hl, "h", type, vals,
				 type == TT_EVENTSTREAM_BYTES ? 16 : 3);
	total = TT_EVENTSTREAM_OVERHEAD + hl + size;
	memcpy(msg + 12 + hl, data, size);
	put_be(msg, total, 4);
	put_be(msg + 4, hl, 4);
	put_be(msg + 8, crc32(0, msg, 8), 4);
	put_be(msg + total - 4, crc32(0, msg, (uInt)(total - 4)), 4);
	memcpy(msg + total, msg, total);
	len = 2 * total;

	r.payload = msg + 12 + hl;
	r.payload_len = size;
	r.event_type = data;
	r.event_type_len = et_len;
	r.hdrs = msg + 12;
	r.hdrs_len = hl;
	for (off = 0; off < len;) {
		size_t k = len - off;

		if (k > 1)
			k = fz_rnd(&seed) % (k > 256 ? 256 : k) + 1;
		CHECK(tt_eventstream_feed(es, msg + off, k, on_rt, &r) == 0);
		off += k;
	}
	CHECK(r.messages == 2);
	CHECK(tt_eventstream_finish(es) == 0);
	tt_eventstream_free(es);
	free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_outcome whole;
	struct fz init = { .cap = 0 };
	uint8_t *copy;
	uint32_t seed;
	int flags;

	if (size < 4)
		return 0;
	init.cap = fz_cap(data[0], 8);
	flags = data[1];
	seed = fz_seed(data + 2);
	data += 4;
	size -= 4;
	copy = malloc(size + 1);
	CHECK(copy);
	memcpy(copy, data, size);
	if (flags & 1)
		reseal(copy, size);
	fz_runs(copy, size, &init, seed, &whole);
	free(copy);
	round_trip(data, size, seed);
	return 0;
}
