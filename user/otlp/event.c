// SPDX-License-Identifier: MIT
/* The event as the exporter takes it: error.type, the metric observation,
 * the queue entry; and a ledger line read back into the struct. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alloc/event.h"
#include "alloc/event_read.h"
#include "alloc/fields.h"
#include "otlp/otlp.h"
#include "util/counters.h"
#include "util/utf8.h"

static const char *const reject_names[TT_OTLP_REJ_MAX] = {
	[TT_OTLP_OK] = "ok",
#define REJ_NAME(id, name, doc) [TT_OTLP_REJ_##id] = #name,
	TT_OTLP_REJECTS(REJ_NAME)
#undef REJ_NAME
};

const char *tt_otlp_reject_name(int reason)
{
	return tt_name_of(reject_names, TT_OTLP_REJ_MAX, reason);
}

void tt_otlp_error_type(const struct tt_event *ev, char out[TT_OTLP_STR_MAX])
{
	const char *ok = tt_outcome_name(TT_OUT_SUCCESS);

	out[0] = '\0';
	if (ev->error_type && ev->error_type[0])
		snprintf(out, TT_OTLP_STR_MAX, "%s", ev->error_type);
	else if (!ev->outcome || !ev->outcome[0] || !strcmp(ev->outcome, ok))
		return;
	else if (ev->status_code >= 100 && ev->status_code <= 999)
		snprintf(out, TT_OTLP_STR_MAX, "%d", (int)ev->status_code);
	else
		snprintf(out, TT_OTLP_STR_MAX, "%s", ev->outcome);
}

/* A series key: see struct tt_otlp_obs. Values are model and host names. */
static void key_copy(char *dst, const char *src)
{
	const unsigned char *s = (const unsigned char *)(src ? src : "");
	size_t o = 0;

	while (*s) {
		size_t n = tt_utf8_len(s, TT_UTF8_NUL_TERMINATED);

		if (o + (n ? n : 1) >= TT_OTLP_STR_MAX)
			break;
		if (!n || *s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\') {
			dst[o++] = '_';
			s++;
			continue;
		}
		memcpy(dst + o, s, n);
		o += n;
		s += n;
	}
	dst[o] = '\0';
}

/* A token count for the histograms: >= 0 and exact as a double. */
static int64_t hist_count(int64_t v)
{
	return v >= 0 && v <= 9000000000000000ll ? v : -1;
}

void tt_otlp_obs_of(const struct tt_event *ev, struct tt_otlp_obs *obs)
{
	char err[TT_OTLP_STR_MAX];
	double ms;

	tt_otlp_error_type(ev, err);
	key_copy(obs->key[TT_OTLP_KEY_PROVIDER], ev->provider);
	key_copy(obs->key[TT_OTLP_KEY_OPERATION], ev->operation);
	key_copy(obs->key[TT_OTLP_KEY_REQ_MODEL], ev->request_model);
	key_copy(obs->key[TT_OTLP_KEY_RESP_MODEL], ev->response_model);
	key_copy(obs->key[TT_OTLP_KEY_SERVER], ev->server_address);
	key_copy(obs->key[TT_OTLP_KEY_ERROR], err);
	obs->input_tokens = hist_count(ev->usage.input_tokens);
	obs->output_tokens = hist_count(ev->usage.output_tokens);
	/* The ledger's milliseconds (whole microseconds), in seconds. */
	ms = (double)(ev->duration_ns / 1000u) / 1000.0;
	obs->duration_s = !tt_event_absent(ev, offsetof(struct tt_event,
							 duration_ns)) &&
					  ms < 1e12
				  ? ms / 1000.0 : -1;
	obs->unallocated = ev->alloc_status &&
			   !strcmp(ev->alloc_status, TT_OWNER_UNALLOCATED_NAME);
}

/* Entry layout: this head, the keys back to back (no NULs), the record. */
struct entry_head {
	int64_t input_tokens, output_tokens;
	double duration_s;
	uint32_t unallocated;
	uint16_t key_len[TT_OTLP_KEYS];
};

long tt_otlp_entry_pack(const struct tt_otlp_obs *obs, const char *rec,
			size_t rec_len, char *out, size_t cap)
{
	struct entry_head h = {
		.input_tokens = obs->input_tokens,
		.output_tokens = obs->output_tokens,
		.duration_s = obs->duration_s,
		.unallocated = (uint32_t)obs->unallocated,
	};
	size_t n = sizeof(h);

	for (int k = 0; k < TT_OTLP_KEYS; k++) {
		h.key_len[k] = (uint16_t)strnlen(obs->key[k], TT_OTLP_STR_MAX - 1);
		n += h.key_len[k];
	}
	if (n + rec_len > cap)
		return -E2BIG;
	memcpy(out, &h, sizeof(h));
	n = sizeof(h);
	for (int k = 0; k < TT_OTLP_KEYS; k++) {
		memcpy(out + n, obs->key[k], h.key_len[k]);
		n += h.key_len[k];
	}
	memcpy(out + n, rec, rec_len);
	return (long)(n + rec_len);
}

int tt_otlp_entry_unpack(const char *buf, size_t len, struct tt_otlp_obs *obs,
			 const char **rec, size_t *rec_len)
{
	struct entry_head h;
	size_t n = sizeof(h);

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h)); /* buf need not be aligned */
	for (int k = 0; k < TT_OTLP_KEYS; k++) {
		if (h.key_len[k] >= TT_OTLP_STR_MAX || h.key_len[k] > len - n)
			return -EINVAL;
		memcpy(obs->key[k], buf + n, h.key_len[k]);
		obs->key[k][h.key_len[k]] = '\0';
		n += h.key_len[k];
	}
	obs->input_tokens = h.input_tokens;
	obs->output_tokens = h.output_tokens;
	obs->duration_s = h.duration_s;
	obs->unallocated = h.unallocated != 0;
	*rec = buf + n;
	*rec_len = len - n;
	return 0;
}

int tt_otlp_event_parse(const char *line, size_t len,
			struct tt_otlp_event *ev)
{
	const struct tt_event *e = &ev->rd.ev;
	char *text;
	int ret;

	memset(ev, 0, sizeof(*ev));
	if (len > TT_OTLP_LINE_MAX)
		return TT_OTLP_REJ_TOO_BIG;
	if (memchr(line, '\0', len))
		return TT_OTLP_REJ_NOT_JSON;
	/* cJSON wants a terminated string to see the whole line consumed. */
	text = malloc(len + 1);
	if (!text)
		return TT_OTLP_REJ_TOO_BIG;
	memcpy(text, line, len);
	text[len] = '\0';
	ev->root = cJSON_ParseWithOpts(text, NULL, 1);
	free(text);
	if (!cJSON_IsObject(ev->root)) {
		cJSON_Delete(ev->root);
		ev->root = NULL;
		return TT_OTLP_REJ_NOT_JSON;
	}
	if (tt_event_from_json(ev->root, &ev->rd)) {
		ret = TT_OTLP_REJ_TOO_BIG;
		goto fail;
	}
	if (!e->event_type || strcmp(e->event_type, TT_EVENT_TYPE)) {
		ret = TT_OTLP_REJ_NOT_EVENT;
		goto fail;
	}
	if (!e->event_id || !e->event_id[0]) {
		ret = TT_OTLP_REJ_NO_ID;
		goto fail;
	}
	if (tt_event_absent(e, offsetof(struct tt_event, start_ns))) {
		ret = TT_OTLP_REJ_BAD_TIME;
		goto fail;
	}
	return TT_OTLP_OK;
fail:
	tt_otlp_event_free(ev);
	return ret;
}

void tt_otlp_event_free(struct tt_otlp_event *ev)
{
	tt_event_read_free(&ev->rd);
	cJSON_Delete(ev->root);
	memset(ev, 0, sizeof(*ev));
}
