// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/otlp: arbitrary ledger lines in. Each input is
 * parsed as a line, then again after a valid event head (cJSON is a
 * system library without coverage, so the fuzzer would seldom get past
 * the rejections by itself). Invariants: a line is either rejected with
 * a known reason or gives a log record that is one JSON object carrying
 * its event_id; the batch and the metrics payload stay valid JSON; the
 * spool header and partialSuccess parsers take the same bytes.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "otlp/delivery.h"
#include "otlp/otlp.h"
#include "fuzz.h"

static const char head[] =
	"{\"event_type\":\"ai_api_cost_allocation\",\"event_id\":\"f\","
	"\"timestamp_utc\":\"2026-11-23T10:26:06.608489Z\",";

static void check_json(const char *s)
{
	cJSON *j = cJSON_ParseWithOpts(s, NULL, 1);

	CHECK(cJSON_IsObject(j));
	cJSON_Delete(j);
}

static void one_line(const char *line, size_t n, struct tt_otlp_batch *b,
		     struct tt_otlp_metrics *m)
{
	static char rec[TT_OTLP_RECORD_MAX];
	static const struct tt_otlp_resource res = { "fuzz-host", "0.1.0" };
	struct tt_otlp_event ev;
	char want[TT_OTLP_STR_MAX + 64];
	int ret = tt_otlp_event_parse(line, n, &ev);
	long len;

	CHECK(ret >= 0 && ret < TT_OTLP_REJ_MAX);
	CHECK(strcmp(tt_otlp_reject_name(ret), "unknown"));
	if (ret) {
		CHECK(!ev.root);
		return;
	}
	CHECK(ev.event_id && ev.event_id[0]);
	CHECK(ev.input_tokens >= -1 && ev.output_tokens >= -1);
	CHECK(strlen(ev.error_type) < sizeof(ev.error_type));
	tt_otlp_metrics_record(m, &ev);
	len = tt_otlp_log_record(&ev, 1, rec, sizeof(rec));
	if (len == -E2BIG) {
		tt_otlp_event_free(&ev);
		return;
	}
	CHECK(len > 0 && (size_t)len == strlen(rec));
	check_json(rec);
	/* The id is always there; a plain one is visible as written. */
	if (strlen(ev.event_id) < TT_OTLP_STR_MAX &&
	    !strpbrk(ev.event_id, "\"\\") &&
	    strspn(ev.event_id, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
		    strlen(ev.event_id)) {
		snprintf(want, sizeof(want), "{\"stringValue\":\"%s\"}",
			 ev.event_id);
		CHECK(strstr(rec, want));
	}
	CHECK(strstr(rec, "\"tokentap.event_id\""));
	tt_otlp_event_free(&ev);
	ret = tt_otlp_batch_add(b, rec, (size_t)len);
	if (ret == -ENOSPC) {
		tt_otlp_batch_finish(b);
		check_json(b->buf);
		tt_otlp_batch_begin(b, &res);
		ret = tt_otlp_batch_add(b, rec, (size_t)len);
	}
	CHECK(ret == 0 || ret == -E2BIG);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tt_otlp_resource res = { "fuzz-host", NULL };
	static struct tt_otlp_batch b;
	static char *buf, *payload;
	static size_t payload_cap;
	struct tt_otlp_metrics *m;
	size_t hdr_len;
	unsigned records;
	uint64_t bytes;
	long n;

	if (!buf) {
		buf = malloc(TT_OTLP_LINE_MAX + sizeof(head) + 1);
		payload_cap = tt_otlp_metrics_payload_max(8);
		payload = malloc(payload_cap);
		CHECK(buf && payload && !tt_otlp_batch_init(&b, 65536, 4));
	}
	if (size > TT_OTLP_LINE_MAX + 1)
		return 0;
	m = tt_otlp_metrics_new(8, 1);
	CHECK(m);
	tt_otlp_batch_begin(&b, &res);
	one_line((const char *)data, size, &b, m);
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, data, size);
	one_line(buf, sizeof(head) - 1 + size, &b, m);
	if (b.records) {
		tt_otlp_batch_finish(&b);
		check_json(b.buf);
	}
	n = tt_otlp_metrics_payload(m, &res, 2, payload, payload_cap);
	CHECK(n > 0);
	check_json(payload);
	tt_otlp_metrics_free(m);
	if (!tt_otlp_spool_header_parse((const char *)data, size, &hdr_len,
					&records, &bytes))
		CHECK(hdr_len <= size && hdr_len < TT_OTLP_SPOOL_HDR_MAX &&
		      records > 0);
	(void)tt_otlp_partial_rejected((const char *)data, size);
	return 0;
}
