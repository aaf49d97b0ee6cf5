/* SPDX-License-Identifier: MIT */
/*
 * What the provider-decoder fuzz targets share (openai_fuzz.c,
 * provider2_fuzz.c): cutting the input into lines, feeding a body of
 * documents to tt_pdec_json, and the invariants of every struct tt_call.
 */
#ifndef TT_PDEC_FUZZ_H
#define TT_PDEC_FUZZ_H

#include <string.h>
#include <cjson/cJSON.h>
#include "provider/call.h"
#include "fuzz.h"

/* A char array member holds a NUL: a string that stayed in bounds. */
#define CHECK_STR(field) CHECK(memchr((field), '\0', sizeof(field)))

/* The invariants of a finished call, whatever the decoder was fed. */
static inline void fz_check_call(const struct tt_call *c)
{
	const struct tt_usage *u = &c->usage;

	CHECK_STR(c->provider);
	CHECK_STR(c->operation);
	CHECK_STR(c->endpoint);
	CHECK_STR(c->request_model);
	CHECK_STR(c->response_model);
	CHECK_STR(c->error_type);
	CHECK_STR(c->request_id);
	CHECK_STR(c->response_id);
	CHECK_STR(c->finish_reason);
	CHECK_STR(c->service_tier);
	CHECK_STR(c->usage_raw);
	CHECK(u->input_tokens >= -1 && u->output_tokens >= -1 &&
	      u->cache_read_input_tokens >= -1 &&
	      u->cache_creation_input_tokens >= -1 &&
	      u->reasoning_tokens >= -1 && u->total_tokens >= -1);
	if (u->input_tokens >= 0 && u->output_tokens >= 0)
		CHECK(u->total_tokens == u->input_tokens + u->output_tokens);
	CHECK(c->outcome >= TT_OUT_SUCCESS && c->outcome <= TT_OUT_INCOMPLETE);
	CHECK(c->usage_status >= TT_USAGE_NONE &&
	      c->usage_status <= TT_USAGE_PARTIAL);
	/* A request path never leaks its query (API keys live there). */
	CHECK(!strchr(c->endpoint, '?'));
	if (c->usage_raw[0]) {
		cJSON *raw = cJSON_Parse(c->usage_raw);
		int ok = cJSON_IsObject(raw);

		cJSON_Delete(raw);
		CHECK(ok);
	}
}

/* Cuts the next line (up to '\n', or the rest) off *p; returns its
 * length and sets *line. At the end: an empty line. */
static inline size_t fz_line(const char **p, const char *end,
			     const char **line)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *stop = nl ? nl : end;

	*line = *p;
	*p = nl ? nl + 1 : end;
	return (size_t)(stop - *line);
}

/* Feeds docs[0, len) as documents separated by 0x1e; "event" 0x1f
 * "json" gives a document an event name. */
static inline void fz_pdec_docs(struct tt_pdec *d, const char *docs,
				size_t len)
{
	const char *p = docs, *end = docs + len;

	while (p < end) {
		const char *rs = memchr(p, 0x1e, (size_t)(end - p));
		const char *stop = rs ? rs : end;
		const char *us = memchr(p, 0x1f, (size_t)(stop - p));

		if (us)
			tt_pdec_json(d, p, (size_t)(us - p), us + 1,
				     (size_t)(stop - us - 1));
		else
			tt_pdec_json(d, NULL, 0, p, (size_t)(stop - p));
		p = stop + 1;
	}
}

#endif
