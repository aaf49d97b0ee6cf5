// SPDX-License-Identifier: MIT
/* A ledger line read back for export: parsed once, used by the log record
 * and the metrics. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alloc/event.h"
#include "otlp/otlp.h"

static const char *const reject_names[TT_OTLP_REJ_MAX] = {
	[TT_OTLP_OK] = "ok",
#define REJ_NAME(id, name, doc) [TT_OTLP_REJ_##id] = #name,
	TT_OTLP_REJECTS(REJ_NAME)
#undef REJ_NAME
};

const char *tt_otlp_reject_name(int reason)
{
	return reason >= 0 && reason < TT_OTLP_REJ_MAX ? reject_names[reason]
						       : "unknown";
}

static int num(const char *s, int n, int lo, int hi, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int tt_otlp_parse_time(const char *s, uint64_t *ns)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30,
				       31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, leap;
	uint64_t frac = 0, scale = 1000000000ull;
	const char *p;

	/* Unix ns in 64 bits end in 2554: years past 2500 are nonsense. */
	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || num(s, 4, 1970, 2500, &y) ||
	    num(s + 5, 2, 1, 12, &mo) || num(s + 8, 2, 1, 31, &d) ||
	    num(s + 11, 2, 0, 23, &h) || num(s + 14, 2, 0, 59, &mi) ||
	    num(s + 17, 2, 0, 60, &sec))
		return -EINVAL;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++) {
			if (n == 9)
				return -EINVAL;
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
		if (!n)
			return -EINVAL;
	}
	if (p[0] != 'Z' || p[1])
		return -EINVAL;
	*ns = ((uint64_t)days_from_civil(y, mo, d) * 86400u +
	       (uint64_t)h * 3600u + (uint64_t)mi * 60u + (uint64_t)sec) *
		      1000000000ull + frac;
	return 0;
}

static const char *str_at(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* A token count as the event writes it: an integer >= 0, else -1. */
static int64_t count_at(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble > 9.0e15 ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return -1;
	return (int64_t)v->valuedouble;
}

/* error.type: the provider's error type; for a failed call without one,
 * the HTTP status (as the HTTP conventions do), else the outcome. */
static void map_error_type(struct tt_otlp_event *ev)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(ev->root,
							    "status_code");
	const char *et = str_at(ev->root, "error_type");

	ev->error_type[0] = '\0';
	if (et)
		snprintf(ev->error_type, sizeof(ev->error_type), "%s", et);
	else if (!ev->outcome || !strcmp(ev->outcome, "success"))
		return;
	else if (cJSON_IsNumber(st) && st->valuedouble >= 100 &&
		 st->valuedouble <= 999 &&
		 st->valuedouble == (int)st->valuedouble)
		snprintf(ev->error_type, sizeof(ev->error_type), "%d",
			 (int)st->valuedouble);
	else
		snprintf(ev->error_type, sizeof(ev->error_type), "%s",
			 ev->outcome);
}

static void take_fields(struct tt_otlp_event *ev)
{
	const cJSON *r = ev->root;
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(r, "usage");
	const cJSON *alloc = cJSON_GetObjectItemCaseSensitive(r, "allocation");
	const cJSON *dur = cJSON_GetObjectItemCaseSensitive(r, "duration_ms");
	const char *status = str_at(alloc, "status");

	ev->provider = str_at(r, "provider");
	ev->operation = str_at(r, "operation");
	ev->request_model = str_at(r, "request_model");
	ev->response_model = str_at(r, "response_model");
	ev->server_address = str_at(r, "server_address");
	ev->outcome = str_at(r, "outcome");
	ev->input_tokens = count_at(usage, "input_tokens");
	ev->output_tokens = count_at(usage, "output_tokens");
	ev->duration_s = cJSON_IsNumber(dur) && dur->valuedouble >= 0 &&
					 dur->valuedouble < 1e12
				 ? dur->valuedouble / 1000.0
				 : -1;
	ev->unallocated = status && !strcmp(status, "unallocated");
	map_error_type(ev);
}

int tt_otlp_event_parse(const char *line, size_t len,
			struct tt_otlp_event *ev)
{
	const char *type, *when;
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
		ret = TT_OTLP_REJ_NOT_JSON;
		goto fail;
	}
	type = str_at(ev->root, "event_type");
	if (!type || strcmp(type, TT_EVENT_TYPE)) {
		ret = TT_OTLP_REJ_NOT_EVENT;
		goto fail;
	}
	ev->event_id = str_at(ev->root, "event_id");
	if (!ev->event_id) {
		ret = TT_OTLP_REJ_NO_ID;
		goto fail;
	}
	when = str_at(ev->root, "timestamp_utc");
	if (!when || tt_otlp_parse_time(when, &ev->time_ns)) {
		ret = TT_OTLP_REJ_BAD_TIME;
		goto fail;
	}
	take_fields(ev);
	return TT_OTLP_OK;
fail:
	tt_otlp_event_free(ev);
	return ret;
}

void tt_otlp_event_free(struct tt_otlp_event *ev)
{
	cJSON_Delete(ev->root);
	memset(ev, 0, sizeof(*ev));
}
