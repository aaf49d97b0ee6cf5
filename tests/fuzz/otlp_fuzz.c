// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/otlp and the field table's reader
 * (alloc/event_read.c): arbitrary ledger lines in. Each input is parsed
 * as a line, then again after a valid event head (cJSON is a system
 * library without coverage, so the fuzzer would seldom get past the
 * rejections by itself). Invariants: a line is either rejected with a
 * known reason or read into a struct tt_event that gives a log record
 * that is one JSON object carrying its event_id, a queue entry that
 * unpacks to the same record, and a ledger line that is JSON and reaches
 * a fixed point when read and written again; the batch and the metrics
 * payload stay valid JSON; the spool header and partialSuccess parsers
 * take the same bytes.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alloc/event.h"
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

/* The ledger line of ev, read and written twice more: the second and
 * third writes are equal (the first may differ: U+FFFD written for bad
 * UTF-8 is read back as the character). */
static void check_ledger(const struct tt_event *ev)
{
	static char l1[TT_EVENT_MAX * 4], l2[TT_EVENT_MAX * 4], l3[TT_EVENT_MAX * 4];
	char *lines[3] = { l1, l2, l3 };
	long n = tt_event_json(ev, l1, sizeof(l1));

	if (n == -E2BIG)
		return;
	CHECK(n > 0 && (size_t)n == strlen(l1));
	check_json(l1);
	for (int i = 1; i < 3; i++) {
		struct tt_otlp_event back;

		CHECK(tt_otlp_event_parse(lines[i - 1], strlen(lines[i - 1]),
					  &back) == TT_OTLP_OK);
		n = tt_event_json(&back.rd.ev, lines[i], sizeof(l1));
		tt_otlp_event_free(&back);
		if (n == -E2BIG)
			return;
		CHECK(n > 0);
	}
	CHECK(!strcmp(l2, l3));
}

/* The exporter's queue entry carries the record and observation whole. */
static void check_entry(const struct tt_event *ev, const char *rec, size_t len)
{
	static char entry[TT_OTLP_ENTRY_MAX];
	struct tt_otlp_obs obs, back;
	const char *r;
	size_t rlen;
	long n;

	tt_otlp_obs_of(ev, &obs);
	n = tt_otlp_entry_pack(&obs, rec, len, entry, sizeof(entry));
	CHECK(n > 0);
	CHECK(!tt_otlp_entry_unpack(entry, (size_t)n, &back, &r, &rlen));
	CHECK(rlen == len && !memcmp(r, rec, len));
	for (int k = 0; k < TT_OTLP_KEYS; k++)
		CHECK(!strcmp(obs.key[k], back.key[k]) &&
		      !strpbrk(back.key[k], "\"\\"));
	CHECK(obs.input_tokens >= -1 && obs.output_tokens >= -1);
}

static void one_line(const char *line, size_t n, struct tt_otlp_batch *b,
		     struct tt_otlp_metrics *m)
{
	static char rec[TT_OTLP_RECORD_MAX];
	static const struct tt_otlp_resource res = { "fuzz-host", "0.1.0" };
	struct tt_otlp_event ev;
	const struct tt_event *e = &ev.rd.ev;
	struct tt_otlp_obs obs;
	char want[TT_OTLP_STR_MAX + 64];
	int ret = tt_otlp_event_parse(line, n, &ev);
	long len;

	CHECK(ret >= 0 && ret < TT_OTLP_REJ_MAX);
	CHECK(strcmp(tt_otlp_reject_name(ret), "unknown"));
	if (ret) {
		CHECK(!ev.root);
		return;
	}
	CHECK(e->event_id && e->event_id[0]);
	tt_otlp_obs_of(e, &obs);
	tt_otlp_metrics_record(m, &obs);
	check_ledger(e);
	len = tt_otlp_log_record(e, 1, rec, sizeof(rec));
	if (len == -E2BIG) {
		tt_otlp_event_free(&ev);
		return;
	}
	CHECK(len > 0 && (size_t)len == strlen(rec));
	check_json(rec);
	check_entry(e, rec, (size_t)len);
	/* The id is always there; a plain one is visible as written. */
	if (strlen(e->event_id) < TT_OTLP_STR_MAX &&
	    !strpbrk(e->event_id, "\"\\") &&
	    strspn(e->event_id, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
		    strlen(e->event_id)) {
		snprintf(want, sizeof(want), "{\"stringValue\":\"%s\"}",
			 e->event_id);
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
		      records > 0 &&
		      tt_otlp_spool_version((const char *)data, size) ==
			      TT_OTLP_SPOOL_VERSION);
	CHECK(tt_otlp_spool_version((const char *)data, size) >= -EINVAL);
	(void)tt_otlp_partial_rejected((const char *)data, size);
	return 0;
}
