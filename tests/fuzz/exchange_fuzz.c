// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the whole per-connection pipeline (user/decode/
 * exchange.c and everything under it: HTTP/1, body decoders, framings,
 * provider decoders, record writing). Input: a provider selector byte,
 * then segments [ctl][len][bytes]: ctl bit 0 is the direction, bit 1 makes
 * the segment a gap of len bytes instead of data. Invariants: every
 * record is a bounded, NUL-terminated line that parses as JSON; usage
 * counts are >= -1; the number of records never exceeds the requests
 * seen plus the pending ones flushed at close.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tt_abi.h"
#include "decode/exchange.h"
#include "decode/record.h"

#define CHECK(c)                                                             \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

static const char *const hints[] = {
	NULL, "openai", "azure.ai.openai", "anthropic", "gcp.gemini",
	"gcp.vertex_ai", "aws.bedrock", "ollama", "cohere", "deepseek",
};

static void emit(void *ctx, const struct tt_xrec *rec)
{
	struct tt_rec_origin origin = { .pid = 1, .comm = "fuzz",
					.server_name = "api.openai.com" };
	static char line[TT_RECORD_MAX];
	long n = tt_record_write(rec, &origin, line, sizeof(line));
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
