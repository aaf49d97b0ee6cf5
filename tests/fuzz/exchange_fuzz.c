// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the whole per-connection pipeline (user/decode/
 * exchange.c and everything under it: HTTP/1, body decoders, framings,
 * provider decoders, allocation events). Input: a provider selector byte,
 * then segments [ctl][len][bytes]: ctl bit 0 is the direction, bit 1 makes
 * the segment a gap of len bytes instead of data. Invariants: every
 * event is a bounded, NUL-terminated line of valid UTF-8 that parses as
 * JSON, whatever bytes the headers and models held; usage
 * counts are >= -1; the number of records never exceeds the requests
 * seen plus the pending ones flushed at close.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tt_abi.h"
#include "alloc/event.h"
#include "exchange/exchange.h"
#include "fuzz.h"

static const char *const hints[] = {
	NULL, "openai", "azure.ai.openai", "anthropic", "gcp.gemini",
	"gcp.vertex_ai", "aws.bedrock", "ollama", "cohere", "deepseek",
};

/* Rules on declared headers and the key, and a price table: built once. */
static struct tt_config g_cfg;
static struct tt_pricing g_prices;
static struct tt_alloc g_alloc;
static const char *g_keep[TT_ALLOC_KEEP_MAX];

static void setup(void)
{
	static const char cfg[] =
		"{\"owners\":[{\"name\":\"h\",\"match\":{\"header\":\"X-Team=a*\"},"
		"\"set\":{\"owner\":\"a\",\"environment\":\"staging\"}}],"
		"\"key_environments\":{\"k_0123456789abcdef\":\"production\"}}";
	static const char prices[] =
		"{\"version\":\"f\",\"currency\":\"USD\",\"source\":\"x\","
		"\"snapshot_date\":\"2025-01-01\",\"models\":["
		"{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\","
		"\"per_million\":{\"input\":0.15,\"cached_input\":0.075,\"output\":0.6}},"
		"{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\","
		"\"per_million\":{\"input\":3,\"cached_input\":0.3,"
		"\"cache_write\":3.75,\"output\":15}}]}";
	char err[256];

	tt_config_defaults(&g_cfg);
	CHECK(!tt_config_parse(cfg, &g_cfg, err, sizeof(err)));
	CHECK(!tt_pricing_parse(prices, sizeof(prices) - 1, &g_prices, err,
				sizeof(err)));
	g_alloc.host = "fuzz";
	g_alloc.rules = &g_cfg.owners;
	g_alloc.prices = &g_prices;
	g_alloc.declared = (const char (*)[TT_RULE_KEY_MAX])g_cfg.declared;
	tt_alloc_keep_headers(&g_alloc, g_keep);
}

static int valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2
			 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;

		if (!k || i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

static void emit(void *ctx, const struct tt_xrec *rec)
{
	struct tt_proc_facts pf = { .pid = 1, .comm = "fuzz" };
	static char line[TT_EVENT_MAX];
	long n = tt_alloc_event(&g_alloc, rec, &pf,
				"00000000-0000-4000-8000-000000000001", line,
				sizeof(line));
	const struct tt_usage *u = &rec->call->usage;
	cJSON *o;

	(*(unsigned long *)ctx)++;
	CHECK(u->input_tokens >= -1 && u->output_tokens >= -1 &&
	      u->cache_read_input_tokens >= -1 &&
	      u->cache_creation_input_tokens >= -1 &&
	      u->reasoning_tokens >= -1 && u->total_tokens >= -1);
	if (n < 0)
		return; /* too long for the line: counted by the caller */
	CHECK((size_t)n < sizeof(line) && line[n] == '\0');
	CHECK(valid_utf8((const unsigned char *)line, (size_t)n));
	o = cJSON_ParseWithLength(line, (size_t)n);
	CHECK(o != NULL);
	cJSON_Delete(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long records = 0;
	struct tt_xconn_info info = { .server_name = "api.openai.com" };
	struct tt_xconn *x;
	uint64_t ts = 1;

	if (!g_alloc.declared)
		setup();
	info.keep_headers = g_keep;
	if (size < 1)
		return 0;
	info.provider_hint = hints[data[0] % (sizeof(hints) / sizeof(hints[0]))];
	x = tt_xconn_new(&info, emit, &records);
	if (!x)
		return 0;
	for (size_t i = 1; i + 2 <= size;) {
		uint8_t ctl = data[i];
		size_t len = data[i + 1];

		i += 2;
		if (ctl & 2) {
			tt_xconn_gap(x, ctl & 1, ts++, len * 97);
			continue;
		}
		if (len > size - i)
			len = size - i;
		tt_xconn_data(x, ctl & 1, ts++, data + i, len);
		i += len;
	}
	tt_xconn_close(x, ts);
	CHECK(records == tt_xconn_get_stats(x)->exchanges);
	tt_xconn_free(x);
	return 0;
}
