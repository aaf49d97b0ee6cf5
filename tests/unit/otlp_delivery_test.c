// SPDX-License-Identifier: MIT
/* user/otlp/delivery.c and otlp_config.c: what an answer means, the
 * backoff, spool headers and index, the line queue, the "otlp" config. */
#include <errno.h>
#include "tt_test.h"
#include "config/config.h"
#include "otlp/delivery.h"
#include "config/otlp_config.h"

TT_TEST(answers_are_classified)
{
	static const struct {
		enum tt_otlp_transport net;
		long status;
		enum tt_otlp_verdict verdict;
		enum tt_otlp_drop drop;
	} cases[] = {
		{ TT_OTLP_NET_OK, 200, TT_OTLP_SENT, 0 },
		{ TT_OTLP_NET_OK, 202, TT_OTLP_SENT, 0 },
		{ TT_OTLP_NET_OK, 429, TT_OTLP_RETRY, 0 },
		{ TT_OTLP_NET_OK, 502, TT_OTLP_RETRY, 0 },
		{ TT_OTLP_NET_OK, 503, TT_OTLP_RETRY, 0 },
		{ TT_OTLP_NET_OK, 504, TT_OTLP_RETRY, 0 },
		{ TT_OTLP_NET_OK, 400, TT_OTLP_DROP, TT_OTLP_DROP_HTTP_4XX },
		{ TT_OTLP_NET_OK, 401, TT_OTLP_DROP, TT_OTLP_DROP_HTTP_4XX },
		{ TT_OTLP_NET_OK, 404, TT_OTLP_DROP, TT_OTLP_DROP_HTTP_4XX },
		{ TT_OTLP_NET_OK, 413, TT_OTLP_DROP, TT_OTLP_DROP_HTTP_4XX },
		{ TT_OTLP_NET_OK, 500, TT_OTLP_DROP, TT_OTLP_DROP_HTTP_5XX },
		{ TT_OTLP_NET_OK, 501, TT_OTLP_DROP, TT_OTLP_DROP_HTTP_5XX },
		{ TT_OTLP_NET_OK, 301, TT_OTLP_DROP, TT_OTLP_DROP_HTTP_OTHER },
		{ TT_OTLP_NET_OK, 0, TT_OTLP_DROP, TT_OTLP_DROP_HTTP_OTHER },
		{ TT_OTLP_NET_CONNECT, 0, TT_OTLP_RETRY, 0 },
		{ TT_OTLP_NET_TIMEOUT, 0, TT_OTLP_RETRY, 0 },
		{ TT_OTLP_NET_BROKEN, 0, TT_OTLP_RETRY, 0 },
		{ TT_OTLP_NET_FATAL, 0, TT_OTLP_DROP, TT_OTLP_DROP_TRANSPORT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tt_otlp_drop drop = TT_OTLP_DROP_MAX;

		tt_case("net %d status %ld", cases[i].net, cases[i].status);
		TT_CHECK_EQ_INT(tt_otlp_classify(cases[i].net, cases[i].status,
						 &drop), cases[i].verdict);
		if (cases[i].verdict == TT_OTLP_DROP)
			TT_CHECK_EQ_INT(drop, cases[i].drop);
		else
			TT_CHECK_EQ_INT(drop, TT_OTLP_DROP_MAX); /* untouched */
	}
	TT_CHECK_EQ_STR(tt_otlp_drop_name(TT_OTLP_DROP_SPOOL_FULL), "spool_full");
	TT_CHECK_EQ_STR(tt_otlp_drop_name(-1), "unknown");
}

TT_TEST(backoff_doubles_to_the_cap)
{
	static const uint32_t want[] = { 500, 1000, 2000, 4000, 8000, 10000,
					 10000 };
	uint32_t b = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		b = tt_otlp_backoff_next(b, 10000);
		TT_CHECK_EQ_INT(b, want[i]);
	}
	TT_CHECK_EQ_INT(tt_otlp_backoff_next(UINT32_MAX - 1, UINT32_MAX),
			UINT32_MAX);
	TT_CHECK_EQ_INT(tt_otlp_backoff_next(0, 200), 200);
	/* Equal jitter: half fixed, half scaled. */
	TT_CHECK_EQ_INT(tt_otlp_backoff_wait(1000, 0), 500);
	TT_CHECK_EQ_INT(tt_otlp_backoff_wait(1000, 0.5), 750);
	TT_CHECK_EQ_INT(tt_otlp_backoff_wait(1000, 0.999), 999);
	TT_CHECK_EQ_INT(tt_otlp_backoff_wait(1001, 0), 501);
	TT_CHECK_EQ_INT(tt_otlp_backoff_wait(1000, 1.0), 500); /* out of range */
	TT_CHECK_EQ_INT(tt_otlp_backoff_wait(1000, -0.0 / 0.0), 500);
}

TT_TEST(partial_success)
{
	static const struct {
		const char *body;
		uint64_t n;
	} cases[] = {
		{ "{}", 0 },
		{ "", 0 },
		{ "{\"partialSuccess\":{}}", 0 },
		{ "{\"partialSuccess\":{\"rejectedLogRecords\":\"3\","
		  "\"errorMessage\":\"x\"}}", 3 },
		{ "{\"partialSuccess\":{\"rejectedLogRecords\":7}}", 7 },
		{ "{\"partialSuccess\":{\"rejectedDataPoints\":\"2\"}}", 2 },
		{ "{\"partialSuccess\":{\"rejectedLogRecords\":\"-1\"}}", 0 },
		{ "{\"partialSuccess\":{\"rejectedLogRecords\":\"3x\"}}", 0 },
		{ "{\"partialSuccess\":{\"rejectedLogRecords\":"
		  "\"99999999999999999999999\"}}", 0 },
		{ "not json", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("%s", cases[i].body);
		TT_CHECK_EQ_U64(tt_otlp_partial_rejected(cases[i].body,
							 strlen(cases[i].body)),
				cases[i].n);
	}
	TT_CHECK_EQ_U64(tt_otlp_partial_rejected(NULL, 0), 0);
}

TT_TEST(spool_header_round_trip)
{
	char hdr[TT_OTLP_SPOOL_HDR_MAX], buf[128];
	size_t n = tt_otlp_spool_header(hdr, 17, 123456), hdr_len = 0;
	unsigned records = 0;
	uint64_t bytes = 0;
	static const char *const bad[] = {
		"tokentap-otlp-spool 1 logs 0 10\n",     /* no records */
		"tokentap-otlp-spool 1 logs 01 10\n",    /* leading zero */
		"tokentap-otlp-spool 1 logs 1 10",       /* no newline */
		"tokentap-otlp-spool 1 logs 1  10\n",
		"tokentap-otlp-spool 2 logs 1 10\n",
		"tokentap-otlp-spool 1 logs -1 10\n",
		"tokentap-otlp-spool 1 logs 1234567890 10\n", /* 10 digits */
		"tokentap-otlp-spool 1 logs",
		"",
	};

	TT_CHECK_EQ_STR(hdr, "tokentap-otlp-spool 1 logs 17 123456\n");
	TT_CHECK_EQ_U64(n, strlen(hdr));
	snprintf(buf, sizeof(buf), "%s{...}", hdr);
	TT_CHECK_EQ_INT(tt_otlp_spool_header_parse(buf, strlen(buf), &hdr_len,
						   &records, &bytes), 0);
	TT_CHECK_EQ_U64(hdr_len, n);
	TT_CHECK_EQ_INT(records, 17);
	TT_CHECK_EQ_U64(bytes, 123456);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tt_case("%s", bad[i]);
		TT_CHECK_EQ_INT(tt_otlp_spool_header_parse(bad[i], strlen(bad[i]),
							   &hdr_len, &records,
							   &bytes), -EINVAL);
	}
}

/* A file of another format version is told from a damaged one, so the
 * spool can say why it dropped it. */
TT_TEST(spool_version_is_read_from_any_header)
{
	static const struct {
		const char *hdr;
		int version;
	} cases[] = {
		{ "tokentap-otlp-spool 1 logs 17 123456\n", 1 },
		{ "tokentap-otlp-spool 2 logs 1 10\n", 2 },
		{ "tokentap-otlp-spool 2 something else entirely", 2 },
		{ "tokentap-otlp-spool 10 x", 10 },
		{ "tokentap-otlp-spool 01 x", -EINVAL },
		{ "tokentap-otlp-spool x 1", -EINVAL },
		{ "tokentap-otlp-spool 1", -EINVAL },
		{ "tokentap-otlp-spool", -EINVAL },
		{ "{\"resourceLogs\":[]}", -EINVAL },
		{ "", -EINVAL },
	};
	char hdr[TT_OTLP_SPOOL_HDR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("%s", cases[i].hdr);
		TT_CHECK_EQ_INT(tt_otlp_spool_version(cases[i].hdr,
						      strlen(cases[i].hdr)),
				cases[i].version);
	}
	/* What this agent writes is the version it reads. */
	tt_otlp_spool_header(hdr, 3, 99);
	TT_CHECK_EQ_INT(tt_otlp_spool_version(hdr, strlen(hdr)),
			TT_OTLP_SPOOL_VERSION);
}

static void push(struct tt_otlp_spool_index *ix, uint64_t seq, uint64_t bytes,
		 unsigned records, struct tt_otlp_spool_entry *ev, long want_ev)
{
	struct tt_otlp_spool_entry e = { seq, bytes, records };

	TT_CHECK_EQ_INT(tt_otlp_spool_index_make_room(ix, bytes, ev), want_ev);
	if (want_ev >= 0)
		TT_CHECK_EQ_INT(tt_otlp_spool_index_push(ix, &e), 0);
}

TT_TEST(spool_index_drops_oldest)
{
	struct tt_otlp_spool_index ix;
	struct tt_otlp_spool_entry ev[4], e = { 1, 1, 1 };

	TT_CHECK_EQ_INT(tt_otlp_spool_index_init(&ix, 0, 100), -EINVAL);
	TT_CHECK_EQ_INT(tt_otlp_spool_index_init(&ix, 3, 100), 0);
	TT_CHECK(tt_otlp_spool_index_oldest(&ix) == NULL);
	push(&ix, 1, 40, 4, ev, 0);
	push(&ix, 2, 40, 5, ev, 0);
	push(&ix, 3, 30, 6, ev, 1); /* 110 > 100: seq 1 goes */
	TT_CHECK_EQ_U64(ev[0].seq, 1);
	TT_CHECK_EQ_INT(ev[0].records, 4);
	TT_CHECK_EQ_U64(ix.bytes, 70);
	TT_CHECK_EQ_U64(ix.records, 11);
	push(&ix, 4, 101, 1, ev, -E2BIG); /* never fits: nothing evicted */
	TT_CHECK_EQ_INT(ix.n, 2);
	push(&ix, 5, 1, 1, ev, 0);
	push(&ix, 6, 1, 1, ev, 1); /* the entry cap (3): seq 2 goes */
	TT_CHECK_EQ_U64(ev[0].seq, 2);
	TT_CHECK_EQ_U64(tt_otlp_spool_index_oldest(&ix)->seq, 3);
	TT_CHECK_EQ_U64(ix.next_seq, 7);
	TT_CHECK_EQ_INT(tt_otlp_spool_index_push(&ix, &e), -E2BIG); /* full */
	tt_otlp_spool_index_pop(&ix);
	TT_CHECK_EQ_INT(tt_otlp_spool_index_push(&ix, &e), -E2BIG); /* old seq */
	push(&ix, 90, 99, 2, ev, 1); /* 2 + 99 > 100: seq 5 (1 byte) goes */
	TT_CHECK_EQ_U64(ev[0].seq, 5);
	TT_CHECK_EQ_U64(tt_otlp_spool_index_oldest(&ix)->seq, 6);
	TT_CHECK_EQ_U64(ix.bytes, 100);
	tt_otlp_spool_index_pop(&ix);
	tt_otlp_spool_index_pop(&ix);
	tt_otlp_spool_index_pop(&ix); /* empty: no-op */
	TT_CHECK_EQ_INT(ix.n, 0);
	TT_CHECK_EQ_U64(ix.bytes, 0);
	TT_CHECK_EQ_U64(ix.records, 0);
	tt_otlp_spool_index_free(&ix);
}

/* Pushes and pops of many sizes against a simple model: order, content
 * and the full/empty answers must agree at every step. */
TT_TEST(queue_matches_a_model)
{
	enum { CAP = 1000, MAXQ = 256 };
	struct tt_otlp_queue q;
	static char model[MAXQ][512], out[512];
	static size_t mlen[MAXQ];
	size_t mhead = 0, mn = 0, used = 0;
	unsigned seed = 7;

	TT_CHECK_EQ_INT(tt_otlp_queue_init(&q, 10), -EINVAL);
	TT_CHECK_EQ_INT(tt_otlp_queue_init(&q, CAP), 0);
	TT_CHECK_EQ_INT(tt_otlp_queue_pop(&q, out, sizeof(out)), -EAGAIN);
	TT_CHECK_EQ_INT(tt_otlp_queue_push(&q, out, CAP / 2), -E2BIG);
	for (int step = 0; step < 20000; step++) {
		int r = rand_r(&seed);

		if (r % 3) { /* push */
			size_t n = (size_t)(r >> 4) % 300;
			char line[512];
			int ret;

			for (size_t i = 0; i < n; i++)
				line[i] = (char)('a' + (step + i) % 26);
			ret = tt_otlp_queue_push(&q, line, n);
			TT_CHECK(ret == 0 || ret == -ENOSPC);
			/* It may refuse only when the bytes are really short. */
			if (ret == -ENOSPC)
				TT_CHECK(used + 4 + n > CAP / 2);
			if (ret == 0 && mn < MAXQ) {
				size_t slot = (mhead + mn++) % MAXQ;

				memcpy(model[slot], line, n);
				mlen[slot] = n;
				used += 4 + n;
			} else if (ret == 0) {
				TT_CHECK(0); /* model overflow: test bug */
			}
		} else { /* pop */
			long n = tt_otlp_queue_pop(&q, out, sizeof(out));

			if (!mn) {
				TT_CHECK_EQ_INT(n, -EAGAIN);
				continue;
			}
			TT_CHECK_EQ_INT(n, (long)mlen[mhead]);
			TT_CHECK(n >= 0 && !memcmp(out, model[mhead], (size_t)n));
			used -= 4 + mlen[mhead];
			mhead = (mhead + 1) % MAXQ;
			mn--;
		}
		TT_CHECK_EQ_U64(q.lines, mn);
		TT_CHECK(q.used <= CAP);
	}
	TT_CHECK(q.high_water > CAP / 2);
	tt_otlp_queue_free(&q);
}

TT_TEST(queue_too_small_out_buffer_drops_the_line)
{
	struct tt_otlp_queue q;
	char out[8];

	TT_CHECK_EQ_INT(tt_otlp_queue_init(&q, 256), 0);
	TT_CHECK_EQ_INT(tt_otlp_queue_push(&q, "0123456789", 10), 0);
	TT_CHECK_EQ_INT(tt_otlp_queue_push(&q, "abc", 3), 0);
	TT_CHECK_EQ_INT(tt_otlp_queue_pop(&q, out, sizeof(out)), -E2BIG);
	TT_CHECK_EQ_INT(tt_otlp_queue_pop(&q, out, sizeof(out)), 3);
	TT_CHECK(!memcmp(out, "abc", 3));
	TT_CHECK_EQ_U64(q.used, 0);
	tt_otlp_queue_free(&q);
}

TT_TEST(endpoint_check)
{
	static const struct {
		const char *url, *want; /* want NULL: refused */
	} cases[] = {
		{ "http://127.0.0.1:4318", "http://127.0.0.1:4318" },
		{ "http://127.0.0.1:4318/", "http://127.0.0.1:4318" },
		{ "https://otel.example.net//", "https://otel.example.net" },
		{ "http://[::1]:4318", "http://[::1]:4318" },
		{ "https://gw.example.net/otlp", "https://gw.example.net/otlp" },
		{ "ftp://x", NULL },
		{ "http://", NULL },
		{ "http:///v1", NULL },
		{ "127.0.0.1:4318", NULL },
		{ "http://user:pw@host:4318", NULL },
		{ "http://host/v1?x=1", NULL },
		{ "http://host/#x", NULL },
		{ "http://ho st", NULL },
		{ "http://h\xc3\xa9", NULL },
	};
	char out[TT_OTLP_ENDPOINT_MAX], long_url[TT_OTLP_ENDPOINT_MAX + 8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = tt_otlp_endpoint_check(cases[i].url, out);

		tt_case("%s", cases[i].url);
		TT_CHECK_EQ_INT(ret, cases[i].want ? 0 : -EINVAL);
		if (cases[i].want)
			TT_CHECK_EQ_STR(out, cases[i].want);
	}
	memset(long_url, 'a', sizeof(long_url));
	memcpy(long_url, "http://", 7);
	long_url[sizeof(long_url) - 1] = '\0';
	TT_CHECK_EQ_INT(tt_otlp_endpoint_check(long_url, out), -EINVAL);
}

static int parse(const char *text, struct tt_config *cfg, char *err,
		 size_t errlen)
{
	tt_config_free(cfg);
	tt_config_defaults(cfg);
	return tt_config_parse(text, cfg, err, errlen);
}

TT_TEST(config_otlp_section)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "{\"otlp\":[]}", "otlp: must be an object" },
		{ "{\"otlp\":{\"endpont\":\"http://x\"}}", "otlp.endpont: unknown key" },
		{ "{\"otlp\":{\"endpoint\":\"x\"}}", "otlp.endpoint: must be" },
		{ "{\"otlp\":{\"endpoint\":4318}}", "otlp.endpoint: must be" },
		{ "{\"otlp\":{\"spool_dir\":\"spool\"}}",
		  "otlp.spool_dir: must be an absolute path" },
		{ "{\"otlp\":{\"spool_max_bytes\":-1}}",
		  "otlp.spool_max_bytes: must be an integer in [0, 1099511627776]" },
		{ "{\"otlp\":{\"spool_max_bytes\":1.5}}", "otlp.spool_max_bytes: must be" },
		{ "{\"otlp\":{\"spool_max_bytes\":100}}",
		  "otlp.spool_max_bytes: 0 (no spool) or at least 1024" },
		{ "{\"otlp\":{\"timeout_ms\":5}}", "otlp.timeout_ms: must be" },
		{ "{\"otlp\":{\"retry_max_interval_ms\":\"1s\"}}",
		  "otlp.retry_max_interval_ms: must be" },
		{ "{\"otlp\":{\"metrics_interval_ms\":10}}",
		  "otlp.metrics_interval_ms: must be" },
		{ "{\"otlp\":{},\"otlp\":{}}", "otlp: duplicate key" },
		{ "{\"otlp\":{\"ca_file\":\"ca.pem\"}}",
		  "otlp.ca_file: must be an absolute path" },
	};
	struct tt_config cfg;
	char err[256];

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_STR(cfg.otlp.endpoint, "");
	TT_CHECK_EQ_STR(cfg.otlp.spool_dir, "/var/lib/tokentap/otlp-spool");
	TT_CHECK_EQ_U64(cfg.otlp.spool_max_bytes, 64ull << 20);
	TT_CHECK_EQ_INT(parse("{\"otlp\":{\"endpoint\":\"http://c:4318/\","
			      "\"spool_dir\":\"/s\",\"spool_max_bytes\":4096,"
			      "\"timeout_ms\":1500,\"retry_max_interval_ms\":1000,"
			      "\"metrics_interval_ms\":2000,\"ca_file\":\"/ca.pem\"}}",
			      &cfg, err,
			      sizeof(err)), 0);
	TT_CHECK_EQ_STR(cfg.otlp.endpoint, "http://c:4318");
	TT_CHECK_EQ_STR(cfg.otlp.spool_dir, "/s");
	TT_CHECK_EQ_U64(cfg.otlp.spool_max_bytes, 4096);
	TT_CHECK_EQ_INT(cfg.otlp.timeout_ms, 1500);
	TT_CHECK_EQ_INT(cfg.otlp.retry_max_ms, 1000);
	TT_CHECK_EQ_INT(cfg.otlp.metrics_interval_ms, 2000);
	TT_CHECK_EQ_STR(cfg.otlp.ca_file, "/ca.pem");
	TT_CHECK_EQ_INT(parse("{\"otlp\":{\"endpoint\":null,"
			      "\"spool_max_bytes\":0}}", &cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(cfg.otlp.endpoint, "");
	TT_CHECK_EQ_U64(cfg.otlp.spool_max_bytes, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tt_case("%s", bad[i].text);
		err[0] = '\0';
		TT_CHECK_EQ_INT(parse(bad[i].text, &cfg, err, sizeof(err)), -EINVAL);
		TT_CHECK(!strncmp(err, bad[i].err, strlen(bad[i].err)));
		if (strncmp(err, bad[i].err, strlen(bad[i].err)))
			TT_NOTE("message: %s", err);
	}
	tt_config_free(&cfg);
}
