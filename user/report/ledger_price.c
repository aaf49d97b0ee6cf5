// SPDX-License-Identifier: MIT
/* A ledger event as a pricing question; see ledger_price.h. */
#include <errno.h>
#include <string.h>
#include "report/ledger_price.h"
#include "report/report.h"

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* A count: a whole number >= 0, or null/absent (-1). 0 or -EINVAL. */
static int count(const cJSON *o, const char *name, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = -1;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble > 9007199254740992.0)
		return -EINVAL;
	*out = (int64_t)v->valuedouble;
	return 0;
}

int tt_ledger_price_query(const cJSON *ev, struct tt_price_query *q,
			  struct tt_usage *u)
{
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(ev, "usage");
	const char *ts = str(ev, "timestamp_utc");
	struct {
		const char *name;
		int64_t *dst;
	} counts[] = {
		{ "input_tokens", &u->input_tokens },
		{ "output_tokens", &u->output_tokens },
		{ "cache_read_input_tokens", &u->cache_read_input_tokens },
		{ "cache_creation_input_tokens", &u->cache_creation_input_tokens },
		{ "cache_creation_1h_input_tokens", &u->cache_creation_1h_input_tokens },
		{ "reasoning_tokens", &u->reasoning_tokens },
		{ "audio_input_tokens", &u->audio_input_tokens },
		{ "audio_output_tokens", &u->audio_output_tokens },
		{ "image_input_tokens", &u->image_input_tokens },
		{ "image_output_tokens", &u->image_output_tokens },
		{ "total_tokens", &u->total_tokens },
	};
	int64_t us;

	memset(q, 0, sizeof(*q));
	tt_usage_reset(u);
	if (!ts || tt_report_parse_time(ts, strlen(ts), &us) || us < 0 ||
	    !cJSON_IsObject(usage))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if (count(usage, counts[i].name, counts[i].dst))
			return -EINVAL;
	q->provider = str(ev, "provider");
	q->response_model = str(ev, "response_model");
	q->request_model = str(ev, "request_model");
	q->usage = u;
	q->usage_problem = str(ev, "usage_problem");
	q->service_tier = str(ev, "service_tier");
	q->time_ns = (uint64_t)us * 1000;
	return 0;
}
