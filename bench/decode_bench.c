// SPDX-License-Identifier: MIT
/*
 * Decode throughput on one core: the exchange pipeline (HTTP/1, body
 * decoding, framing, provider decoders, record building) over synthetic
 * OpenAI traffic held in memory, so that only decoding is timed. Each
 * exchange also becomes an allocation event, as in the agent: 20 owner
 * rules (the last one matches) and the shipped price table.
 *
 *   decode_bench small N          N keep-alive non-stream chat exchanges
 *   decode_bench stream EVENTS R  R streamed responses of EVENTS SSE events
 *   decode_bench alloc N          N allocation events of one exchange (rules,
 *                                 environment check, price, JSON) alone
 *   decode_bench otlp N           the same events, each also made into the
 *                                 OTLP exporter's queue entry (log record,
 *                                 metric observation): the event loop's part
 *   decode_bench idle N           N connections, one exchange each, left
 *                                 open: heap bytes per idle keep-alive
 *                                 connection (what 10,000 of them cost)
 *
 * Prints one JSON line: exchanges/s, MB/s, ns per exchange (and per event).
 */
#include <cjson/cJSON.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tt_abi.h"
#include "alloc/event.h"
#include "exchange/exchange.h"
#include "otlp/otlp.h"

struct sink {
	uint64_t records, usage_sum;
};

static struct tt_alloc g_alloc;
static struct tt_workload g_wl;
static const char g_cgroup[] =
	"/kubepods.slice/kubepods-burstable.slice/"
	"kubepods-burstable-pod12345678_1234_1234_1234_123456789abc.slice/"
	"cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope";

static int setup_alloc(struct tt_config *cfg, struct tt_pricing *prices)
{
	const char *path = getenv("TT_BENCH_PRICES");
	char err[256], rules[8192];
	size_t n = 0;

	tt_config_defaults(cfg);
	n += (size_t)snprintf(rules + n, sizeof(rules) - n, "{\"owners\":[");
	for (int i = 0; i < 19; i++)
		n += (size_t)snprintf(rules + n, sizeof(rules) - n,
			"{\"name\":\"r%d\",\"match\":{\"cgroup\":\"/system.slice/app%d-*.scope\","
			"\"env\":\"APP_ENV=prod*\"},\"set\":{\"owner\":\"team%d\"}},", i, i, i);
	snprintf(rules + n, sizeof(rules) - n,
		 "{\"name\":\"pods\",\"match\":{\"cgroup\":\"/kubepods*/*pod12345678*\"},"
		 "\"set\":{\"owner\":\"payments\",\"environment\":\"production\"}}]}");
	if (tt_config_parse(rules, cfg, err, sizeof(err)) ||
	    tt_pricing_load(path ? path : "config/prices.json", prices, err,
			    sizeof(err))) {
		fprintf(stderr, "decode_bench: %s\n", err);
		return -1;
	}
	tt_workload_from_cgroup(g_cgroup, strlen(g_cgroup), &g_wl);
	g_alloc.host = "bench";
	g_alloc.rules = &cfg->owners;
	g_alloc.prices = prices;
	g_alloc.prices_path = "config/prices.json";
	g_alloc.declared = (const char (*)[TT_RULE_KEY_MAX])cfg->declared;
	return 0;
}

/* "alloc" mode: the event of one exchange written this many times;
 * "otlp" mode: and made into an OTLP queue entry each time. */
static long g_alloc_repeat;
static int g_otlp;
static double g_alloc_seconds, g_alloc_cpu_seconds;

static double now_s(void);
static double cpu_s(void);

/* What the agent does per event: the struct, the ledger line and, with
 * OTLP on, the exporter's entry (as tt_otlp_export_event makes it). */
static long one_event(const struct tt_xrec *rec, const struct tt_proc_facts *pf,
		      const char *id, char *line, size_t cap)
{
	static char record[TT_OTLP_RECORD_MAX], entry[TT_OTLP_ENTRY_MAX];
	struct tt_otlp_obs obs;
	struct tt_event ev;
	long n, r;

	tt_alloc_build(&g_alloc, rec, pf, id, &ev);
	n = tt_alloc_json(&g_alloc, &ev, line, cap);
	if (n <= 0 || !g_otlp)
		return n;
	r = tt_otlp_log_record(&ev, 1, record, sizeof(record));
	if (r <= 0)
		return -1;
	tt_otlp_obs_of(&ev, &obs);
	return tt_otlp_entry_pack(&obs, record, (size_t)r, entry,
				  sizeof(entry)) > 0 ? n : -1;
}

static void emit(void *ctx, const struct tt_xrec *rec)
{
	struct sink *s = ctx;
	struct tt_proc_facts pf = { .pid = 1, .comm = "bench", .exe = "/usr/bin/bench",
				    .cgroup_id = 4242, .cgroup_path = g_cgroup,
				    .workload = &g_wl };
	uint8_t b[16] = { (uint8_t)s->records };
	char id[37], line[TT_EVENT_MAX];

	/* Write the event line as the agent does; do not output it. */
	tt_alloc_uuid(b, id);
	if (g_alloc_repeat) {
		double t0 = now_s(), c0 = cpu_s();

		for (long i = 1; i < g_alloc_repeat; i++)
			if (one_event(rec, &pf, id, line, sizeof(line)) <= 0)
				abort();
		g_alloc_seconds = now_s() - t0;
		g_alloc_cpu_seconds = cpu_s() - c0;
	}
	if (one_event(rec, &pf, id, line, sizeof(line)) > 0)
		s->records++;
	if (rec->call->usage.output_tokens > 0)
		s->usage_sum += (uint64_t)rec->call->usage.output_tokens;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: not inflated when the machine is busy. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char REQ_BODY[] =
	"{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
	"\"content\":\"Say hello in five words.\"}],\"max_tokens\":32}";

static size_t request(char *out, size_t cap, int stream)
{
	char body[512];
	int blen = snprintf(body, sizeof(body), "%.*s%s}",
			    (int)sizeof(REQ_BODY) - 2, REQ_BODY,
			    stream ? ",\"stream\":true,\"stream_options\":"
				     "{\"include_usage\":true}"
				   : "");

	return (size_t)snprintf(out, cap,
		"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
		"Authorization: Bearer sk-bench-0123456789abcdef\r\n"
		"Content-Type: application/json\r\nUser-Agent: OpenAI/Python 1.50.0\r\n"
		"X-Stainless-Lang: python\r\nX-Stainless-Retry-Count: 0\r\n"
		"Content-Length: %d\r\n\r\n%s", blen, body);
}

static size_t small_response(char *out, size_t cap, int i)
{
	char body[1024];
	int blen = snprintf(body, sizeof(body),
		"{\"id\":\"chatcmpl-%d\",\"object\":\"chat.completion\",\"created\":1726623632,"
		"\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":"
		"{\"role\":\"assistant\",\"content\":\"Hello there, how are you?\"},"
		"\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":%d,"
		"\"completion_tokens\":7,\"total_tokens\":%d,\"prompt_tokens_details\":"
		"{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}},"
		"\"system_fingerprint\":\"fp_0123456789\"}", i, 12 + i % 7, 19 + i % 7);

	return (size_t)snprintf(out, cap,
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		"x-request-id: req_%08d\r\nopenai-processing-ms: 81\r\n"
		"Content-Length: %d\r\n\r\n%s", i, blen, body);
}

/* A chunked SSE response of n content events plus the usage chunk. */
static char *stream_response(int n, size_t *len)
{
	size_t cap = (size_t)n * 400 + 4096, o = 0;
	char *out = malloc(cap), ev[512];

	if (!out)
		return NULL;
	o += (size_t)snprintf(out + o, cap - o,
		"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
		"x-request-id: req_stream\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i <= n + 1; i++) {
		int el;

		if (i < n)
			el = snprintf(ev, sizeof(ev),
				"data: {\"id\":\"chatcmpl-S\",\"object\":\"chat.completion.chunk\","
				"\"created\":1726623632,\"model\":\"gpt-4o-mini-2024-07-18\","
				"\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok%d \"},"
				"\"finish_reason\":null}],\"usage\":null}\n\n", i);
		else if (i == n)
			el = snprintf(ev, sizeof(ev),
				"data: {\"id\":\"chatcmpl-S\",\"object\":\"chat.completion.chunk\","
				"\"created\":1726623632,\"model\":\"gpt-4o-mini-2024-07-18\","
				"\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
				"\"completion_tokens\":%d,\"total_tokens\":%d}}\n\ndata: [DONE]\n\n",
				n, n + 12);
		else
			break;
		o += (size_t)snprintf(out + o, cap - o, "%x\r\n%s\r\n", el, ev);
	}
	o += (size_t)snprintf(out + o, cap - o, "0\r\n\r\n");
	*len = o;
	return out;
}

/* "idle" mode: the decoder state an idle keep-alive connection keeps. */
static int idle_conns(long n, struct sink *sink)
{
	struct tt_xconn_info info = { .provider_hint = "openai",
				      .server_name = "api.openai.com" };
	struct tt_xconn **xs = calloc((size_t)n, sizeof(*xs));
	char req[1024], resp[2048];
	size_t before, after;
	uint64_t ts = 1;

	if (!xs)
		return 1;
	before = mallinfo2().uordblks;
	for (long i = 0; i < n; i++) {
		size_t ql = request(req, sizeof(req), 0);
		size_t rl = small_response(resp, sizeof(resp), (int)i);

		xs[i] = tt_xconn_new(&info, emit, sink);
		if (!xs[i])
			return 1;
		tt_xconn_data(xs[i], TT_DIR_EGRESS, ts++, (uint8_t *)req, ql);
		tt_xconn_data(xs[i], TT_DIR_INGRESS, ts++, (uint8_t *)resp, rl);
	}
	after = mallinfo2().uordblks;
	printf("{\"mode\":\"idle\",\"connections\":%ld,\"heap_bytes\":%zu,"
	       "\"bytes_per_connection\":%.0f}\n", n, after - before,
	       (double)(after - before) / (double)n);
	for (long i = 0; i < n; i++)
		tt_xconn_free(xs[i]);
	free(xs);
	return (long)sink->records == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sink sink = { 0 };
	struct tt_xconn_info info = { .provider_hint = "openai",
				      .server_name = "api.openai.com" };
	struct tt_xconn *x = tt_xconn_new(&info, emit, &sink);
	struct tt_config cfg;
	struct tt_pricing prices;
	char req[1024], resp[2048];
	uint64_t bytes = 0, ts = 1;
	double t0, t1;
	long n, r = 1, events = 0;

	if (argc < 3 || !x) {
		fprintf(stderr, "usage: decode_bench small N | stream EVENTS R\n");
		return 2;
	}
	if (setup_alloc(&cfg, &prices))
		return 1;
	n = atol(argv[2]);
	if (!strcmp(argv[1], "idle"))
		return idle_conns(n, &sink);
	if (!strcmp(argv[1], "alloc") || !strcmp(argv[1], "otlp")) {
		size_t ql = request(req, sizeof(req), 0);
		size_t rl = small_response(resp, sizeof(resp), 0);

		g_alloc_repeat = n;
		g_otlp = !strcmp(argv[1], "otlp");
		tt_xconn_data(x, TT_DIR_EGRESS, ts++, (uint8_t *)req, ql);
		tt_xconn_data(x, TT_DIR_INGRESS, ts++, (uint8_t *)resp, rl);
		printf("{\"mode\":\"%s\",\"events\":%ld,\"seconds\":%.6f,"
		       "\"ns_per_event\":%.0f,\"cpu_ns_per_event\":%.0f}\n",
		       argv[1], n, g_alloc_seconds,
		       g_alloc_seconds * 1e9 / (double)(n - 1),
		       g_alloc_cpu_seconds * 1e9 / (double)(n - 1));
		tt_xconn_free(x);
		return sink.records == 1 ? 0 : 1;
	}
	if (!strcmp(argv[1], "small")) {
		t0 = now_s();
		for (long i = 0; i < n; i++) {
			size_t ql = request(req, sizeof(req), 0);
			size_t rl = small_response(resp, sizeof(resp), (int)i);

			tt_xconn_data(x, TT_DIR_EGRESS, ts++, (uint8_t *)req, ql);
			tt_xconn_data(x, TT_DIR_INGRESS, ts++, (uint8_t *)resp, rl);
			bytes += ql + rl;
		}
		t1 = now_s();
	} else {
		size_t rl, ql = request(req, sizeof(req), 1);
		char *sr = stream_response((int)n, &rl);

		r = argc > 3 ? atol(argv[3]) : 10;
		events = n;
		if (!sr)
			return 1;
		t0 = now_s();
		for (long i = 0; i < r; i++) {
			tt_xconn_data(x, TT_DIR_EGRESS, ts++, (uint8_t *)req, ql);
			/* as TLS records arrive: 16 KiB pieces */
			for (size_t off = 0; off < rl; off += 16384)
				tt_xconn_data(x, TT_DIR_INGRESS, ts++,
					      (uint8_t *)sr + off,
					      rl - off < 16384 ? rl - off : 16384);
			bytes += ql + rl;
		}
		t1 = now_s();
		free(sr);
		n = r;
	}
	tt_xconn_close(x, ts);
	tt_xconn_free(x);
	if ((long)sink.records != n) {
		fprintf(stderr, "decode_bench: %llu records for %ld exchanges\n",
			(unsigned long long)sink.records, n);
		return 1;
	}
	printf("{\"mode\":\"%s\",\"exchanges\":%ld,\"events_per_exchange\":%ld,"
	       "\"seconds\":%.6f,\"exchanges_per_s\":%.0f,\"mb_per_s\":%.1f,"
	       "\"ns_per_exchange\":%.0f,\"ns_per_event\":%.1f}\n",
	       argv[1], n, events, t1 - t0, (double)n / (t1 - t0),
	       (double)bytes / (t1 - t0) / 1e6, (t1 - t0) * 1e9 / (double)n,
	       events ? (t1 - t0) * 1e9 / (double)n / (double)events : 0.0);
	return 0;
}
