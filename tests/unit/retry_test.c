// SPDX-License-Identifier: MIT
/* Tests for user/util/siphash.c, the body hash of user/provider/reqscan.c
 * and user/retry/retry.c: the pure cores of inferred retries and
 * fallbacks. */
#include <errno.h>
#include <string.h>
#include "provider/reqscan.h"
#include "retry/retry.h"
#include "util/siphash.h"
#include "tt_test.h"

static const uint8_t key[TT_SIPHASH_KEY] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
};

/* The reference vectors (SipHash paper, appendix A; veorq/SipHash
 * vectors.h): key 00..0f, message 00..(len - 1). */
TT_TEST(siphash_reference_vectors)
{
	static const struct {
		size_t len;
		uint64_t want;
	} cases[] = {
		{ 0, 0x726fdb47dd0e0e31ULL },
		{ 1, 0x74f839c593dc67fdULL },
		{ 2, 0x0d6c8009d9a94f5aULL },
		{ 15, 0xa129ca6149be45e5ULL },
		{ 63, 0x958a324ceb064572ULL },
	};
	uint8_t msg[64];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("len %zu", cases[i].len);
		TT_CHECK_EQ_U64(tt_siphash(key, msg, cases[i].len), cases[i].want);
	}
}

/* Fed at every split point, in two pieces, or byte by byte: the same. */
TT_TEST(siphash_incremental_any_split)
{
	uint8_t msg[64];
	struct tt_siphash h;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof(msg); len++) {
		uint64_t want = tt_siphash(key, msg, len);

		for (size_t cut = 0; cut <= len; cut++) {
			tt_case("len %zu cut %zu", len, cut);
			tt_siphash_init(&h, key);
			tt_siphash_feed(&h, msg, cut);
			tt_siphash_feed(&h, msg + cut, len - cut);
			TT_CHECK_EQ_U64(tt_siphash_final(&h), want);
		}
		tt_siphash_init(&h, key);
		for (size_t i = 0; i < len; i++)
			tt_siphash_feed(&h, msg + i, 1);
		TT_CHECK_EQ_U64(tt_siphash_final(&h), want);
	}
	/* Another key, another hash: no oracle without the key. */
	{
		uint8_t other[TT_SIPHASH_KEY] = { 1 };

		TT_CHECK(tt_siphash(other, msg, 10) != tt_siphash(key, msg, 10));
	}
}

/* The body hash of reqscan, fed the body split at cut (0: whole). */
static int body_hash(const char *body, size_t cut, uint64_t *out)
{
	struct tt_reqscan s;
	struct tt_siphash h;
	size_t len = strlen(body);

	tt_reqscan_init(&s);
	tt_siphash_init(&h, key);
	s.hash = &h;
	if (cut && cut < len) {
		tt_reqscan_feed(&s, (const uint8_t *)body, cut);
		tt_reqscan_feed(&s, (const uint8_t *)body + cut, len - cut);
	} else {
		tt_reqscan_feed(&s, (const uint8_t *)body, len);
	}
	*out = tt_siphash_final(&h);
	return s.hash_ok && tt_reqscan_finish(&s) == 0 ? 0 : -EINVAL;
}

TT_TEST(body_hash_leaves_out_the_model)
{
	static const char a[] =
		"{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
		"\"content\":\"say \\\"hi\\\" \\u00e9\"}],\"stream\":false}";
	static const char b[] =
		"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\","
		"\"content\":\"say \\\"hi\\\" \\u00e9\"}],\"stream\":false}";
	static const char c[] = /* another prompt */
		"{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
		"\"content\":\"say \\\"ho\\\" \\u00e9\"}],\"stream\":false}";
	static const char d[] = /* "model" deeper down is content */
		"{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
		"\"content\":\"say \\\"hi\\\" \\u00e9\"}],\"stream\":false,"
		"\"metadata\":{\"model\":\"x\"}}";
	static const char e[] =
		"{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
		"\"content\":\"say \\\"hi\\\" \\u00e9\"}],\"stream\":false,"
		"\"metadata\":{\"model\":\"y\"}}";
	uint64_t ha, hb, hc, hd, he, h;

	TT_CHECK_EQ_INT(body_hash(a, 0, &ha), 0);
	TT_CHECK_EQ_INT(body_hash(b, 0, &hb), 0);
	TT_CHECK_EQ_INT(body_hash(c, 0, &hc), 0);
	TT_CHECK_EQ_INT(body_hash(d, 0, &hd), 0);
	TT_CHECK_EQ_INT(body_hash(e, 0, &he), 0);
	TT_CHECK_EQ_U64(ha, hb);
	TT_CHECK(ha != hc);
	TT_CHECK(hd != he);
	TT_CHECK(ha != hd);
	/* Every split point, the model's quotes and escapes included. */
	for (size_t cut = 1; cut < sizeof(a) - 1; cut++) {
		tt_case("a cut %zu", cut);
		TT_CHECK_EQ_INT(body_hash(a, cut, &h), 0);
		TT_CHECK_EQ_U64(h, ha);
	}
	for (size_t cut = 1; cut < sizeof(b) - 1; cut++) {
		tt_case("b cut %zu", cut);
		TT_CHECK_EQ_INT(body_hash(b, cut, &h), 0);
		TT_CHECK_EQ_U64(h, ha);
	}
}

TT_TEST(body_hash_needs_a_whole_object)
{
	uint64_t h;

	TT_CHECK(body_hash("{\"model\":\"m\",\"x\":[1,2", 0, &h) != 0);
	TT_CHECK(body_hash("{\"model\":\"m\",,}", 0, &h) != 0);
	TT_CHECK(body_hash("", 0, &h) != 0);
	TT_CHECK_EQ_INT(body_hash("{}", 0, &h), 0);
}

#define S (1000000000ull)

static struct tt_retry_stats st;

/* A call of pid with body b to model m, [start, end] s, failed or not. */
static void see(struct tt_retry *t, uint32_t pid, uint64_t b, const char *m,
		uint64_t start, uint64_t end, int failed, const char *id,
		struct tt_retry_result *r)
{
	struct tt_retry_call c = {
		.pid = pid, .provider = "openai", .operation = "chat",
		.model = m, .has_body_hash = 1, .body_hash = b,
		.start_ns = start * S, .end_ns = end * S, .failed = failed,
		.header_attempt = -1, .event_id = id,
	};

	tt_retry_observe(t, &c, r, &st);
}

TT_TEST(retry_loop_and_fallback)
{
	struct tt_retry *t = tt_retry_new(16, 60 * S);
	struct tt_retry_result r;

	memset(&st, 0, sizeof(st));
	TT_CHECK(t != NULL);
	if (!t)
		return;
	see(t, 7, 0xb0d1, "m1", 100, 101, 1, "e0", &r); /* 429 */
	TT_CHECK_EQ_INT((int)r.attempt, 0);
	TT_CHECK_EQ_STR(r.source, "inferred");
	TT_CHECK_EQ_STR(r.retry_of, "");
	see(t, 7, 0xb0d1, "m1", 102, 103, 1, "e1", &r); /* 503 */
	TT_CHECK_EQ_INT((int)r.attempt, 1);
	TT_CHECK_EQ_STR(r.retry_of, "e0");
	see(t, 7, 0xb0d1, "m1", 104, 105, 1, "e2", &r); /* 503 again */
	TT_CHECK_EQ_INT((int)r.attempt, 2);
	TT_CHECK_EQ_STR(r.retry_of, "e1");
	/* Given up on m1: the same body to m2 is a fallback, a first try. */
	see(t, 7, 0xb0d1, "m2", 106, 107, 0, "e3", &r);
	TT_CHECK_EQ_INT((int)r.attempt, 0);
	TT_CHECK_EQ_STR(r.retry_of, "");
	TT_CHECK_EQ_STR(r.fallback_of, "e2");
	/* After the success, the same body again is a new call. */
	see(t, 7, 0xb0d1, "m2", 108, 109, 0, "e4", &r);
	TT_CHECK_EQ_INT((int)r.attempt, 0);
	TT_CHECK_EQ_STR(r.retry_of, "");
	TT_CHECK_EQ_STR(r.fallback_of, "");
	TT_CHECK_EQ_U64(st.retries, 2);
	TT_CHECK_EQ_U64(st.fallbacks, 1);
	TT_CHECK_EQ_U64(st.calls, 5);
	tt_retry_free(t);
}

TT_TEST(no_false_retries)
{
	struct tt_retry *t = tt_retry_new(16, 60 * S);
	struct tt_retry_result r;

	memset(&st, 0, sizeof(st));
	if (!t)
		return;
	see(t, 7, 0xaaaa, "m1", 100, 101, 1, "a0", &r);
	/* Another prompt of the same process. */
	see(t, 7, 0xbbbb, "m1", 102, 103, 0, "b0", &r);
	TT_CHECK_EQ_INT((int)r.attempt, 0);
	TT_CHECK_EQ_STR(r.retry_of, "");
	/* The same prompt from another process. */
	see(t, 8, 0xaaaa, "m1", 102, 103, 0, "c0", &r);
	TT_CHECK_EQ_STR(r.retry_of, "");
	/* The same prompt, same process, after the window. */
	see(t, 7, 0xaaaa, "m1", 162, 163, 0, "a1", &r);
	TT_CHECK_EQ_INT((int)r.attempt, 0);
	TT_CHECK_EQ_STR(r.retry_of, "");
	/* Started before the failed one ended: in parallel, not a retry. */
	see(t, 7, 0xcccc, "m1", 200, 210, 1, "p0", &r);
	see(t, 7, 0xcccc, "m1", 205, 211, 0, "p1", &r);
	TT_CHECK_EQ_STR(r.retry_of, "");
	TT_CHECK_EQ_U64(st.retries, 0);
	TT_CHECK_EQ_U64(st.fallbacks, 0);
	tt_retry_free(t);
}

TT_TEST(header_wins_and_links)
{
	struct tt_retry *t = tt_retry_new(16, 60 * S);
	struct tt_retry_result r;
	struct tt_retry_call c = {
		.pid = 9, .provider = "anthropic", .operation = "chat",
		.model = "claude", .has_body_hash = 1, .body_hash = 1,
		.start_ns = 10 * S, .end_ns = 11 * S, .failed = 1,
		.header_attempt = 0, .event_id = "h0",
	};

	memset(&st, 0, sizeof(st));
	if (!t)
		return;
	tt_retry_observe(t, &c, &r, &st);
	TT_CHECK_EQ_STR(r.source, "header");
	c.header_attempt = 1;
	c.start_ns = 12 * S;
	c.end_ns = 13 * S;
	c.failed = 0;
	c.event_id = "h1";
	tt_retry_observe(t, &c, &r, &st);
	TT_CHECK_EQ_INT((int)r.attempt, 1);
	TT_CHECK_EQ_STR(r.source, "header");
	TT_CHECK_EQ_STR(r.retry_of, "h0");
	/* No hash: the header alone, nothing inferred. */
	c.has_body_hash = 0;
	c.header_attempt = -1;
	tt_retry_observe(t, &c, &r, &st);
	TT_CHECK_EQ_INT((int)r.attempt, -1);
	TT_CHECK(r.source == NULL);
	TT_CHECK_EQ_U64(st.unhashed, 1);
	/* No table (window 0 or none): the header only. */
	c.has_body_hash = 1;
	tt_retry_observe(NULL, &c, &r, &st);
	TT_CHECK(r.source == NULL);
	tt_retry_free(t);
}

TT_TEST(bounded_least_recent_goes)
{
	struct tt_retry *t = tt_retry_new(4, 60 * S);
	struct tt_retry_result r;
	char id[8];

	memset(&st, 0, sizeof(st));
	if (!t)
		return;
	/* Five failed bodies in a table of four: the first is evicted. */
	for (unsigned i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "f%u", i);
		see(t, 7, 100 + i, "m", 10 + i, 10 + i, 1, id, &r);
	}
	TT_CHECK_EQ_U64(st.evicted, 1);
	TT_CHECK_EQ_U64(tt_retry_size(t), 4);
	see(t, 7, 100, "m", 20, 21, 0, "g0", &r); /* evicted: no link */
	TT_CHECK_EQ_STR(r.retry_of, "");
	see(t, 7, 104, "m", 20, 21, 0, "g4", &r); /* kept */
	TT_CHECK_EQ_STR(r.retry_of, "f4");
	TT_CHECK_EQ_U64(tt_retry_size(t), 4);
	/* Many more than the cap: never more entries, every one counted. */
	for (unsigned i = 0; i < 1000; i++)
		see(t, (uint32_t)i, i, "m", 30, 30, 1, "x", &r);
	TT_CHECK_EQ_U64(tt_retry_size(t), 4);
	TT_CHECK_EQ_U64(st.evicted, 1 + 1 + 1000);
	tt_retry_free(t);
	TT_CHECK(tt_retry_new(TT_RETRY_TRACKED_MAX + 1, S) == NULL);
}
