// SPDX-License-Identifier: MIT
/* Tests for user/framing/eventstream.c: AWS event stream decoding. Messages
 * are built here with zlib's crc32(). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "framing/eventstream.h"

static void on_msg(void *ctx, const struct tt_eventstream_msg *m);
#define FH_MODULE eventstream
#define FH_CALLBACK on_msg
#include "framing_harness.h"

/* ---- building messages ---- */

struct hdr {
	const char *name;
	int type;
	const char *str; /* bytes, string, uuid (16 bytes) */
	size_t len;      /* 0: strlen(str) */
	int64_t num;     /* byte, short, int, long, timestamp */
};

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static size_t put_header(uint8_t *p, const struct hdr *h)
{
	size_t o = 0, nl = strlen(h->name), vl;
	static const int fixed[] = { 0, 0, 1, 2, 4, 8, 0, 0, 8, 16 };

	p[o++] = (uint8_t)nl;
	memcpy(p + o, h->name, nl);
	o += nl;
	p[o++] = (uint8_t)h->type;
	switch (h->type) {
	case TT_EVENTSTREAM_BYTES:
	case TT_EVENTSTREAM_STRING:
		vl = h->len ? h->len : strlen(h->str);
		put_be(p + o, vl, 2);
		memcpy(p + o + 2, h->str, vl);
		return o + 2 + vl;
	case TT_EVENTSTREAM_UUID:
		memcpy(p + o, h->str, 16);
		return o + 16;
	default:
		put_be(p + o, (uint64_t)h->num, fixed[h->type]);
		return o + (size_t)fixed[h->type];
	}
}

/* One message at out; returns its length. */
static size_t build(uint8_t *out, const struct hdr *hdrs, size_t nhdrs,
		    const char *payload)
{
	size_t hl = 0, pl = strlen(payload), total;

	for (size_t i = 0; i < nhdrs; i++)
		hl += put_header(out + 12 + hl, &hdrs[i]);
	total = 16 + hl + pl;
	memcpy(out + 12 + hl, payload, pl);
	put_be(out, total, 4);
	put_be(out + 4, hl, 4);
	put_be(out + 8, crc32(0, out, 8), 4);
	put_be(out + total - 4, crc32(0, out, (uInt)(total - 4)), 4);
	return total;
}

/* Rewrites both CRCs after a test changed the bytes. */
static void reseal(uint8_t *msg, size_t total)
{
	put_be(msg + 8, crc32(0, msg, 8), 4);
	put_be(msg + total - 4, crc32(0, msg, (uInt)(total - 4)), 4);
}

static size_t chunk(uint8_t *out, const char *payload)
{
	const struct hdr h[] = {
		{ ":event-type", TT_EVENTSTREAM_STRING, "chunk", 0, 0 },
		{ ":content-type", TT_EVENTSTREAM_STRING, "application/json", 0, 0 },
		{ ":message-type", TT_EVENTSTREAM_STRING, "event", 0, 0 },
	};

	return build(out, h, 3, payload);
}

/* ---- running ---- */

static void put(struct fh_trace *t, const char *p, size_t n)
{
	for (size_t i = 0; i < n && t->len + 2 < sizeof(t->s); i++)
		t->s[t->len++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	t->s[t->len] = '\0';
}

/* "{event|message|content|exception|code|text|payload}" per message. */
static void on_msg(void *ctx, const struct tt_eventstream_msg *m)
{
	struct fh_trace *t = ctx;

	TT_CHECK(m->payload && m->event_type && m->message_type &&
		 m->content_type && m->exception_type && m->error_code &&
		 m->error_message && m->headers);
	put(t, "{", 1);
	put(t, m->event_type, m->event_type_len);
	put(t, "|", 1);
	put(t, m->message_type, m->message_type_len);
	put(t, "|", 1);
	put(t, m->content_type, m->content_type_len);
	put(t, "|", 1);
	put(t, m->exception_type, m->exception_type_len);
	put(t, "|", 1);
	put(t, m->error_code, m->error_code_len);
	put(t, "|", 1);
	put(t, m->error_message, m->error_message_len);
	put(t, "|", 1);
	put(t, m->payload, m->payload_len);
	put(t, "}", 1);
}

/* ---- tests ---- */

TT_TEST(bedrock_invoke_stream)
{
	uint8_t in[2048];
	size_t len = 0;
	const struct hdr exc[] = {
		{ ":exception-type", TT_EVENTSTREAM_STRING, "throttlingException", 0, 0 },
		{ ":content-type", TT_EVENTSTREAM_STRING, "application/json", 0, 0 },
		{ ":message-type", TT_EVENTSTREAM_STRING, "exception", 0, 0 },
	};
	const struct hdr err[] = {
		{ ":message-type", TT_EVENTSTREAM_STRING, "error", 0, 0 },
		{ ":error-code", TT_EVENTSTREAM_STRING, "InternalFailure", 0, 0 },
		{ ":error-message", TT_EVENTSTREAM_STRING, "oops", 0, 0 },
	};
	struct fh_result r;

	len += chunk(in + len, "{\"bytes\":\"eyJ0eXBlIjoibWVzc2FnZV9zdGFydCJ9\"}");
	len += chunk(in + len, "{\"bytes\":\"eyJ0eXBlIjoibWVzc2FnZV9zdG9wIn0=\",\"p\":\"abcd\"}");
	len += build(in + len, NULL, 0, "");
	len += build(in + len, exc, 3, "{\"message\":\"Too many requests\"}");
	len += build(in + len, err, 3, "");
	fh_check_splits(in, len, 1 << 20, 1, &r);
	TT_CHECK_EQ_STR(r.trace.s,
		"{chunk|event|application/json||||{\"bytes\":\"eyJ0eXBlIjoibWVzc2FnZV9zdGFydCJ9\"}}"
		"{chunk|event|application/json||||{\"bytes\":\"eyJ0eXBlIjoibWVzc2FnZV9zdG9wIn0=\",\"p\":\"abcd\"}}"
		"{||||||}"
		"{|exception|application/json|throttlingException|||{\"message\":\"Too many requests\"}}"
		"{|error|||InternalFailure|oops|}");
	TT_CHECK_EQ_INT(r.finish, 0);
	TT_CHECK_EQ_INT(r.feed_ret, 0);
	TT_CHECK_EQ_U64(r.stats.messages, 5);
	TT_CHECK_EQ_U64(r.stats.bytes, len);
}

/* Every header type, walked with tt_eventstream_header_next(). */
TT_TEST(all_header_types)
{
	static const char uuid[16] = "0123456789abcdef";
	const struct hdr h[] = {
		{ "t", TT_EVENTSTREAM_TRUE, NULL, 0, 0 },
		{ "f", TT_EVENTSTREAM_FALSE, NULL, 0, 0 },
		{ "b", TT_EVENTSTREAM_BYTE, NULL, 0, -2 },
		{ "s", TT_EVENTSTREAM_SHORT, NULL, 0, -300 },
		{ "i", TT_EVENTSTREAM_INT, NULL, 0, 70000 },
		{ "l", TT_EVENTSTREAM_LONG, NULL, 0, -5000000000LL },
		{ "y", TT_EVENTSTREAM_BYTES, "a\0b", 3, 0 },
		{ ":event-type", TT_EVENTSTREAM_STRING, "metadata", 0, 0 },
		{ "ts", TT_EVENTSTREAM_TIMESTAMP, NULL, 0, 1700000000123LL },
		{ "u", TT_EVENTSTREAM_UUID, uuid, 16, 0 },
		/* Not a string: not picked as the content type. */
		{ ":content-type", TT_EVENTSTREAM_BYTES, "x", 0, 0 },
		{ "", TT_EVENTSTREAM_STRING, "", 0, 0 },
	};
	const size_t nh = sizeof(h) / sizeof(h[0]);
	uint8_t in[512];
	size_t len = build(in, h, nh, "{\"usage\":{}}"), off, k;
	struct tt_eventstream_header got;
	const uint8_t *block = in + 12;
	size_t hlen = (size_t)in[7] | (size_t)in[6] << 8;
	struct fh_result r;
	int ret;

	fh_check_splits(in, len, 1 << 20, 1, &r);
	TT_CHECK_EQ_STR(r.trace.s, "{metadata||||||{\"usage\":{}}}");
	for (off = 0, k = 0; (ret = tt_eventstream_header_next(block, hlen, &off,
							       &got)) > 0; k++) {
		tt_case("header %zu", k);
		TT_CHECK(k < nh);
		if (k >= nh)
			break;
		TT_CHECK_EQ_INT(got.type, h[k].type);
		TT_CHECK_EQ_INT(got.name_len, strlen(h[k].name));
		TT_CHECK(!memcmp(got.name, h[k].name, got.name_len));
		switch (got.type) {
		case TT_EVENTSTREAM_TRUE:
			TT_CHECK_EQ_INT(got.num, 1);
			TT_CHECK_EQ_INT(got.value_len, 0);
			break;
		case TT_EVENTSTREAM_FALSE:
			TT_CHECK_EQ_INT(got.num, 0);
			TT_CHECK_EQ_INT(got.value_len, 0);
			break;
		case TT_EVENTSTREAM_BYTES:
		case TT_EVENTSTREAM_STRING:
		case TT_EVENTSTREAM_UUID: {
			size_t want = h[k].len ? h[k].len : strlen(h[k].str);

			TT_CHECK_EQ_INT(got.value_len, want);
			TT_CHECK(!memcmp(got.value, h[k].str, want));
			TT_CHECK_EQ_INT(got.num, 0);
			break;
		}
		default:
			TT_CHECK_EQ_INT(got.num, h[k].num);
		}
	}
	tt_case("end");
	TT_CHECK_EQ_INT(ret, 0);
	TT_CHECK_EQ_INT(k, nh);
	TT_CHECK_EQ_INT(off, hlen);
}

TT_TEST(malformed_header_blocks)
{
	static const struct {
		const char *name;
		const char *block;
		size_t len;
	} bad[] = {
		{ "name_past_end", "\x05" "ab", 3 },
		{ "no_type", "\x02" "ab", 3 },
		{ "unknown_type", "\x01" "a\x0a", 3 },
		{ "short_int", "\x01" "a\x04\x00\x00", 5 },
		{ "string_no_length", "\x01" "a\x07\x00", 4 },
		{ "string_past_end", "\x01" "a\x07\x00\x05" "abc", 8 },
		{ "uuid_short", "\x01" "a\x09" "0123456789", 13 },
	};
	struct tt_eventstream_header h;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t off = 0;

		tt_case("%s", bad[i].name);
		TT_CHECK_EQ_INT(tt_eventstream_header_next(
			(const uint8_t *)bad[i].block, bad[i].len, &off, &h),
			-EINVAL);
		TT_CHECK_EQ_INT(off, 0);
	}
}

/* A message whose header block does not parse (CRCs good) is skipped and
 * counted; the stream goes on. */
TT_TEST(bad_headers_skipped)
{
	const struct hdr h[] = {
		{ ":event-type", TT_EVENTSTREAM_STRING, "chunk", 0, 0 },
	};
	uint8_t in[512];
	size_t len = 0, first;
	struct fh_result r;

	first = build(in, h, 1, "{}");
	in[12 + 1 + 11] = 10; /* the type byte: unknown */
	reseal(in, first);
	len = first + chunk(in + first, "{\"a\":1}");
	fh_check_splits(in, len, 1 << 20, 1, &r);
	TT_CHECK_EQ_STR(r.trace.s, "{chunk|event|application/json||||{\"a\":1}}");
	TT_CHECK_EQ_U64(r.stats.bad_headers, 1);
	TT_CHECK_EQ_U64(r.stats.messages, 1);
	TT_CHECK_EQ_INT(r.finish, 0);
	TT_CHECK_EQ_INT(r.feed_ret, 0);
}

/* Framing errors: the messages before are delivered, nothing after, and
 * the error is sticky. */
TT_TEST(framing_errors_are_sticky)
{
	enum { PRELUDE_CRC, MESSAGE_CRC, SHORT_TOTAL, HUGE_TOTAL, BAD_HLEN };
	static const char *const names[] = { "prelude_crc", "message_crc",
		"total_below_16", "total_above_16MiB", "headers_past_end" };
	uint8_t in[1024];

	for (int kind = PRELUDE_CRC; kind <= BAD_HLEN; kind++) {
		size_t a = chunk(in, "{\"a\":1}"), b, len;
		uint8_t *m;
		struct fh_result r;

		tt_case("%s", names[kind]);
		m = in + a;
		b = chunk(m, "{\"b\":2}");
		len = a + b + chunk(in + a + b, "{\"c\":3}");
		switch (kind) {
		case PRELUDE_CRC:
			m[9] ^= 1;
			break;
		case MESSAGE_CRC:
			m[b - 6] ^= 0x20; /* a payload byte */
			break;
		case SHORT_TOTAL:
			put_be(m, 15, 4);
			put_be(m + 4, 0, 4);
			put_be(m + 8, crc32(0, m, 8), 4);
			break;
		case HUGE_TOTAL:
			put_be(m, TT_EVENTSTREAM_SPEC_MAX + 1, 4);
			put_be(m + 8, crc32(0, m, 8), 4);
			break;
		case BAD_HLEN:
			put_be(m + 4, b - 15, 4);
			reseal(m, b);
			break;
		}
		fh_check_splits(in, len, 1 << 20, 0, &r);
		TT_CHECK_EQ_STR(r.trace.s,
				"{chunk|event|application/json||||{\"a\":1}}");
		TT_CHECK_EQ_INT(r.feed_ret, -EINVAL);
		TT_CHECK_EQ_INT(r.finish, -EINVAL);
		TT_CHECK_EQ_U64(r.stats.messages, 1);
		TT_CHECK_EQ_U64(r.stats.prelude_crc_errors, kind == PRELUDE_CRC);
		TT_CHECK_EQ_U64(r.stats.message_crc_errors, kind == MESSAGE_CRC);
		TT_CHECK_EQ_U64(r.stats.bad_lengths,
				kind == SHORT_TOTAL || kind == HUGE_TOTAL ||
				kind == BAD_HLEN);
	}
}

/* Over the cap: skipped whole with its CRC still checked; the next message
 * is intact. A corrupted oversize message is still a framing error. */
TT_TEST(oversize_skipped)
{
	uint8_t in[1024];
	size_t a = chunk(in, "{\"a\":1}"), b, len, cap = a;
	struct fh_result r;

	b = chunk(in + a, "{\"big\":\"0123456789\"}");
	len = a + b + chunk(in + a + b, "{\"c\":3}");
	fh_check_splits(in, len, cap, 1, &r);
	TT_CHECK_EQ_STR(r.trace.s, "{chunk|event|application/json||||{\"a\":1}}"
				   "{chunk|event|application/json||||{\"c\":3}}");
	TT_CHECK_EQ_U64(r.stats.oversize, 1);
	TT_CHECK_EQ_U64(r.stats.messages, 2);
	TT_CHECK_EQ_INT(r.finish, 0);

	tt_case("corrupted");
	in[a + b - 8] ^= 1;
	fh_check_splits(in, len, cap, 0, &r);
	TT_CHECK_EQ_STR(r.trace.s, "{chunk|event|application/json||||{\"a\":1}}");
	TT_CHECK_EQ_U64(r.stats.oversize, 0);
	TT_CHECK_EQ_U64(r.stats.message_crc_errors, 1);
	TT_CHECK_EQ_INT(r.finish, -EINVAL);

	tt_case("cut while skipping");
	fh_check_splits(in, a + b - 1, cap, 0, &r);
	TT_CHECK_EQ_INT(r.finish, 1);
	TT_CHECK_EQ_INT(r.feed_ret, 0);
}

TT_TEST(cut_streams)
{
	uint8_t in[512];
	size_t a = chunk(in, "{\"a\":1}"), len = a + chunk(in + a, "{\"b\":2}");
	struct fh_result r;

	for (size_t end = 0; end <= len; end++) {
		int between = end == 0 || end == a || end == len;

		tt_case("end %zu", end);
		fh_run(in, end, 1 << 20, NULL, 0, &r);
		TT_CHECK_EQ_INT(r.finish, between ? 0 : 1);
		TT_CHECK_EQ_U64(r.stats.messages, end >= len ? 2 : end >= a);
	}
}

/* A message that could not be buffered is skipped (after its CRC check);
 * the next one is intact. */
TT_TEST(out_of_memory_skips_the_message)
{
	struct tt_eventstream *es = tt_eventstream_new(1 << 20, &fh_mem);
	struct fh_trace t = { .len = 0 };
	uint8_t in[512];
	size_t a = chunk(in, "{\"a\":1}"), len = a + chunk(in + a, "{\"b\":2}");

	fh_fail.fail_in = 0;
	TT_CHECK_EQ_INT(tt_eventstream_feed(es, in, 20, on_msg, &t), -ENOMEM);
	fh_fail.fail_in = -1;
	TT_CHECK_EQ_INT(tt_eventstream_feed(es, in + 20, a - 20 + 3, on_msg, &t),
			0);
	TT_CHECK_EQ_INT(tt_eventstream_feed(es, in + a + 3, len - a - 3, on_msg,
					    &t), 0);
	TT_CHECK_EQ_INT(tt_eventstream_finish(es), 0);
	TT_CHECK_EQ_STR(t.s, "{chunk|event|application/json||||{\"b\":2}}");
	TT_CHECK_EQ_U64(tt_eventstream_get_stats(es)->nomem, 1);
	TT_CHECK_EQ_U64(tt_eventstream_get_stats(es)->messages, 1);
	tt_eventstream_free(es);
	TT_CHECK_EQ_INT(fh_fail.live, 0);
	tt_eventstream_free(NULL);
}

/* A large payload crossing many feeds, and reuse after finish. */
TT_TEST(large_message_and_reuse)
{
	size_t plen = 100000, len;
	char *payload = malloc(plen + 1);
	uint8_t *in = malloc(plen + 256);
	struct tt_eventstream *es = tt_eventstream_new(1 << 20, &fh_mem);
	struct fh_trace t = { .len = 0 };
	uint64_t got = 0;

	if (!payload || !in || !es)
		abort();
	memset(payload, 'p', plen);
	payload[plen] = '\0';
	len = chunk(in, payload);
	for (size_t off = 0; off < len; off += 1000)
		TT_CHECK_EQ_INT(tt_eventstream_feed(es, in + off,
				len - off < 1000 ? len - off : 1000, on_msg, &t), 0);
	got = tt_eventstream_get_stats(es)->messages;
	TT_CHECK_EQ_U64(got, 1);
	TT_CHECK_EQ_INT(tt_eventstream_finish(es), 0);
	/* A broken stream, then a new good one on the same decoder. */
	TT_CHECK_EQ_INT(tt_eventstream_feed(es, (const uint8_t *)"garbage!garbage!",
					    16, on_msg, &t), -EINVAL);
	TT_CHECK_EQ_INT(tt_eventstream_feed(es, NULL, 0, on_msg, &t), -EINVAL);
	TT_CHECK_EQ_INT(tt_eventstream_finish(es), -EINVAL);
	TT_CHECK_EQ_INT(tt_eventstream_feed(es, NULL, 0, on_msg, &t), 0);
	TT_CHECK_EQ_INT(tt_eventstream_feed(es, in, len, on_msg, &t), 0);
	TT_CHECK_EQ_INT(tt_eventstream_finish(es), 0);
	TT_CHECK_EQ_U64(tt_eventstream_get_stats(es)->messages, 2);
	TT_CHECK_EQ_U64(tt_eventstream_get_stats(es)->prelude_crc_errors, 1);
	tt_eventstream_free(es);
	free(in);
	free(payload);
}
