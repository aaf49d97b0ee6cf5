// SPDX-License-Identifier: MIT
/*
 * The providers' usage and cost exports read into rows: the OpenAI
 * organization usage (completions) and costs pages, the Anthropic Admin
 * API usage and cost reports (JSON; one page, or an array of pages), and
 * FOCUS CSV (recon_focus.c). The format is told from the content. An
 * export is untrusted: a structure that is not the format's is an error
 * naming where; a row with a bad field is skipped and counted.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "reconcile/recon.h"

static const char *const format_names[TT_RECON__FORMATS] = {
	[TT_RECON_UNKNOWN] = "unknown",
	[TT_RECON_OPENAI_USAGE] = "openai_usage_completions",
	[TT_RECON_OPENAI_COSTS] = "openai_costs",
	[TT_RECON_ANTHROPIC_USAGE] = "anthropic_usage_report",
	[TT_RECON_ANTHROPIC_COSTS] = "anthropic_cost_report",
	[TT_RECON_FOCUS] = "focus_csv",
};

static const char *const skip_names[TT_RSKIP__COUNT] = {
	[TT_RSKIP_BAD_ROW] = "bad_row",
	[TT_RSKIP_NOT_USAGE] = "not_usage",
	[TT_RSKIP_NOT_AI] = "not_ai_service",
	[TT_RSKIP_LONG_VALUE] = "long_value",
	[TT_RSKIP_ROW_CAP] = "row_cap",
	[TT_RSKIP_KEY_CAP] = "key_cap",
	[TT_RSKIP_CURRENCY] = "other_currency",
};

const char *tt_recon_format_name(enum tt_recon_format f)
{
	return (unsigned)f < TT_RECON__FORMATS ? format_names[f] : NULL;
}

const char *tt_recon_skip_name(enum tt_recon_skip s)
{
	return (unsigned)s < TT_RSKIP__COUNT ? skip_names[s] : NULL;
}

static const cJSON *member(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* The "results" of a bucket (the API's name; its OpenAPI text says
 * "result"). */
static const cJSON *results_of(const cJSON *bucket)
{
	const cJSON *r = member(bucket, "results");

	return r ? r : member(bucket, "result");
}

/* An integer token count 0..2^53; absent or null is 0. 0 or -1. */
static int get_tokens(const cJSON *o, const char *name, uint64_t *out)
{
	const cJSON *v = member(o, name);
	double d;

	*out = 0;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= 0 && d <= TT_RECON_TOKENS_MAX) || d != (double)(uint64_t)d)
		return -1;
	*out = (uint64_t)d;
	return 0;
}

/* A string or null (NULL); "" reads as null. 0, or -1 for another type. */
static int get_name(const cJSON *o, const char *name, const char **out)
{
	const cJSON *v = member(o, name);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring)
		return -1;
	if (v->valuestring[0])
		*out = v->valuestring;
	return 0;
}

static void set_names(struct tt_recon_row *row, const char *provider,
		      const char *model, const char *project)
{
	row->provider = provider;
	row->provider_len = strlen(provider);
	row->model = model;
	row->model_len = model ? strlen(model) : 0;
	row->project = project;
	row->project_len = project ? strlen(project) : 0;
}

/* A money amount: finite, 0..TT_RECON_COST_MAX. */
static int cost_ok(double v)
{
	return v >= 0 && v <= TT_RECON_COST_MAX;
}

/* OpenAI: the model of a cost line item "gpt-4o-2024-08-06, input" (the
 * part before the last ", "); a line item without one is its own key. */
static size_t line_item_model(const char *item)
{
	const char *comma = NULL;

	for (const char *p = item; (p = strstr(p, ", ")); p += 2)
		comma = p;
	return comma ? (size_t)(comma - item) : strlen(item);
}

static int openai_result(const cJSON *res, enum tt_recon_format f,
			 struct tt_recon_row *row)
{
	const char *model, *project, *item, *currency = NULL;
	const cJSON *amount, *value;
	uint64_t cached;

	if (get_name(res, "project_id", &project))
		return -1;
	if (f == TT_RECON_OPENAI_USAGE) {
		/* The completions usage has output tokens; the embeddings
		 * and moderations usage (same page shape) has none. */
		const cJSON *obj = member(res, "object");
		int no_output = cJSON_IsString(obj) &&
			(!strcmp(obj->valuestring,
				 "organization.usage.embeddings.result") ||
			 !strcmp(obj->valuestring,
				 "organization.usage.moderations.result"));

		if (get_name(res, "model", &model) ||
		    !cJSON_IsNumber(member(res, "input_tokens")) ||
		    (!no_output &&
		     !cJSON_IsNumber(member(res, "output_tokens"))) ||
		    get_tokens(res, "input_tokens", &row->input) ||
		    get_tokens(res, "output_tokens", &row->output) ||
		    get_tokens(res, "input_cached_tokens", &cached) ||
		    get_tokens(res, "num_model_requests", &row->requests))
			return -1;
		/* input_tokens includes the cached ones, as the ledger's. */
		row->has_tokens = row->has_split = 1;
		set_names(row, "openai", model, project);
		return 0;
	}
	amount = member(res, "amount");
	value = member(amount, "value");
	if (get_name(res, "line_item", &item) || !cJSON_IsObject(amount) ||
	    !cJSON_IsNumber(value) || !cost_ok(value->valuedouble) ||
	    get_name(amount, "currency", &currency) ||
	    (currency && strlen(currency) != 3))
		return -1;
	row->has_cost = 1;
	row->cost = value->valuedouble;
	row->currency = currency;
	set_names(row, "openai", item, project);
	row->model_len = item ? line_item_model(item) : 0;
	return 0;
}

/* Anthropic's cost amount: a decimal string in cents. */
static int anthropic_amount(const cJSON *res, double *usd)
{
	const cJSON *v = member(res, "amount");
	char *end = NULL;
	double cents;

	if (!cJSON_IsString(v) || !v->valuestring || !v->valuestring[0] ||
	    strchr(" \t+-", v->valuestring[0]))
		return -1;
	cents = strtod(v->valuestring, &end);
	if (*end || !cost_ok(cents / 100))
		return -1;
	*usd = cents / 100;
	return 0;
}

static int anthropic_result(const cJSON *res, enum tt_recon_format f,
			    struct tt_recon_row *row)
{
	const char *model, *project, *cost_type, *currency;
	uint64_t uncached, read, w1h = 0, w5m = 0;
	const cJSON *cw;

	if (get_name(res, "model", &model) ||
	    get_name(res, "workspace_id", &project))
		return -1;
	if (f == TT_RECON_ANTHROPIC_COSTS) {
		if (anthropic_amount(res, &row->cost) ||
		    get_name(res, "currency", &currency) ||
		    (currency && strlen(currency) != 3) ||
		    get_name(res, "cost_type", &cost_type))
			return -1;
		/* Web search and code execution have no model: their own
		 * keys, which the ledger does not estimate. */
		if (!model && cost_type && strcmp(cost_type, "tokens"))
			model = cost_type;
		row->has_cost = 1;
		row->currency = currency;
		set_names(row, "anthropic", model, project);
		return 0;
	}
	cw = member(res, "cache_creation");
	if (!cJSON_IsNumber(member(res, "output_tokens")) ||
	    get_tokens(res, "uncached_input_tokens", &uncached) ||
	    get_tokens(res, "cache_read_input_tokens", &read) ||
	    get_tokens(res, "output_tokens", &row->output) ||
	    (cw && !cJSON_IsNull(cw) &&
	     (!cJSON_IsObject(cw) ||
	      get_tokens(cw, "ephemeral_1h_input_tokens", &w1h) ||
	      get_tokens(cw, "ephemeral_5m_input_tokens", &w5m))))
		return -1;
	/* The ledger's input counts cache reads and writes. */
	row->input = uncached + read + w1h + w5m;
	row->has_tokens = row->has_split = 1;
	set_names(row, "anthropic", model, project);
	return 0;
}

/* A bucket's time: OpenAI unix seconds, Anthropic RFC 3339. */
static int bucket_time(const cJSON *b, int anthropic, int64_t *start,
		       int64_t *end)
{
	const cJSON *s = member(b, anthropic ? "starting_at" : "start_time");
	const cJSON *e = member(b, anthropic ? "ending_at" : "end_time");

	if (anthropic)
		return !cJSON_IsString(s) || !cJSON_IsString(e) ||
		       tt_report_parse_time(s->valuestring,
					    strlen(s->valuestring), start) ||
		       tt_report_parse_time(e->valuestring,
					    strlen(e->valuestring), end) ||
		       *end <= *start ? -1 : 0;
	if (!cJSON_IsNumber(s) || !cJSON_IsNumber(e) ||
	    !(s->valuedouble >= 0 && s->valuedouble < 1e11) ||
	    !(e->valuedouble > s->valuedouble && e->valuedouble < 1e11))
		return -1;
	*start = (int64_t)s->valuedouble * 1000000;
	*end = (int64_t)e->valuedouble * 1000000;
	return 0;
}

/* The format of a JSON export, from its first page's first result. */
static enum tt_recon_format json_format(const cJSON *page)
{
	const cJSON *data = member(page, "data"), *b, *r;
	int anthropic;

	if (!cJSON_IsArray(data))
		return TT_RECON_UNKNOWN;
	b = data->child;
	if (!b)
		return TT_RECON_UNKNOWN;
	anthropic = member(b, "starting_at") != NULL;
	if (!anthropic && !member(b, "start_time"))
		return TT_RECON_UNKNOWN;
	for (; b; b = b->next) {
		const cJSON *obj;

		r = results_of(b);
		r = cJSON_IsArray(r) ? r->child : NULL;
		if (!r)
			continue;
		if (anthropic)
			return member(r, "amount") ? TT_RECON_ANTHROPIC_COSTS :
			       TT_RECON_ANTHROPIC_USAGE;
		obj = member(r, "object");
		if (cJSON_IsString(obj) &&
		    !strcmp(obj->valuestring, "organization.costs.result"))
			return TT_RECON_OPENAI_COSTS;
		return TT_RECON_OPENAI_USAGE;
	}
	/* No result at all: a period without usage; either kind says so. */
	return anthropic ? TT_RECON_ANTHROPIC_USAGE : TT_RECON_OPENAI_USAGE;
}

static int page_rows(struct tt_recon *rc, const cJSON *page, size_t pageno,
		     enum tt_recon_format f, struct tt_recon_file *file,
		     char *err, size_t errlen)
{
	int anthropic = f == TT_RECON_ANTHROPIC_USAGE ||
			f == TT_RECON_ANTHROPIC_COSTS;
	const cJSON *data = member(page, "data"), *b;
	size_t bi = 0;

	if (!cJSON_IsArray(data)) {
		snprintf(err, errlen, "page %zu: no \"data\" array", pageno);
		return -EINVAL;
	}
	file->more_pages = cJSON_IsTrue(member(page, "has_more"));
	for (b = data->child; b; b = b->next, bi++) {
		const cJSON *results = results_of(b), *res;
		int64_t start, end;

		if (!cJSON_IsObject(b) || bucket_time(b, anthropic, &start,
						      &end) ||
		    !cJSON_IsArray(results)) {
			snprintf(err, errlen, "page %zu, data[%zu]: not a %s "
				 "bucket (times, results)", pageno, bi,
				 tt_recon_format_name(f));
			return -EINVAL;
		}
		tt_recon_window(rc, start, end);
		if (tt_report_day(start) != tt_report_day(end - 1))
			file->misaligned++;
		for (res = results->child; res; res = res->next) {
			struct tt_recon_row row = {
				.day = tt_report_day(start), .format = f,
			};
			int bad = !cJSON_IsObject(res) ||
				  (anthropic ? anthropic_result(res, f, &row) :
					       openai_result(res, f, &row));
			int ret;

			if (bad) {
				rc->skipped[TT_RSKIP_BAD_ROW]++;
				file->skipped[TT_RSKIP_BAD_ROW]++;
				continue;
			}
			ret = tt_recon_add_row(rc, &row, file);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int add_json(struct tt_recon *rc, const char *buf, size_t len,
		    struct tt_recon_file *file, char *err, size_t errlen)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	const cJSON *page;
	size_t n = 0;
	int ret = 0;

	if (!root) {
		snprintf(err, errlen, "not JSON (near byte %zu)",
			 end ? (size_t)(end - buf) : (size_t)0);
		return -EINVAL;
	}
	page = cJSON_IsArray(root) ? root->child : root;
	file->format = page ? json_format(page) : TT_RECON_UNKNOWN;
	if (file->format == TT_RECON_UNKNOWN) {
		snprintf(err, errlen, "JSON, but not an OpenAI usage or costs "
			 "page nor an Anthropic usage or cost report");
		ret = -EINVAL;
		goto out;
	}
	tt_recon_cover(rc, file->format == TT_RECON_OPENAI_USAGE ||
		       file->format == TT_RECON_OPENAI_COSTS ? "openai" :
		       "anthropic", file->format);
	for (; page && !ret; page = cJSON_IsArray(root) ? page->next : NULL)
		ret = page_rows(rc, page, n++, file->format, file, err,
				errlen);
out:
	cJSON_Delete(root);
	return ret;
}

static const char *skip_space(const char *p, const char *end)
{
	if (end - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3; /* a UTF-8 byte order mark, as spreadsheets write */
	while (p < end && strchr(" \t\r\n", *p) && *p)
		p++;
	return p;
}

enum tt_recon_format tt_recon_detect(const char *buf, size_t len)
{
	const char *p = skip_space(buf, buf + len);
	const char *nl = memchr(p, '\n', (size_t)(buf + len - p));
	size_t hl = (size_t)((nl ? nl : buf + len) - p);
	enum tt_recon_format f = TT_RECON_UNKNOWN;
	cJSON *root;

	if (p < buf + len && (*p == '{' || *p == '[')) {
		root = cJSON_ParseWithLength(buf, len);
		if (root)
			f = json_format(cJSON_IsArray(root) ? root->child :
					root);
		cJSON_Delete(root);
		return f;
	}
	if (memmem(p, hl, "ChargePeriodStart", 17) &&
	    memmem(p, hl, "BilledCost", 10))
		return TT_RECON_FOCUS;
	return TT_RECON_UNKNOWN;
}

int tt_recon_add_export(struct tt_recon *rc, const char *buf, size_t len,
			struct tt_recon_file *file, char *err, size_t errlen)
{
	const char *p = skip_space(buf, buf + len);

	memset(file, 0, sizeof(*file));
	snprintf(err, errlen, "-");
	if (len > TT_RECON_FILE_MAX) {
		snprintf(err, errlen, "over %u MiB", TT_RECON_FILE_MAX >> 20);
		return -E2BIG;
	}
	if (p < buf + len && (*p == '{' || *p == '['))
		return add_json(rc, buf, len, file, err, errlen);
	if (tt_recon_detect(buf, len) == TT_RECON_FOCUS) {
		file->format = TT_RECON_FOCUS;
		return tt_recon_parse_focus(rc, buf, len, file, err, errlen);
	}
	snprintf(err, errlen, "not a known export (OpenAI usage or costs "
		 "JSON, Anthropic usage or cost report JSON, FOCUS CSV with "
		 "ChargePeriodStart and BilledCost)");
	return -EINVAL;
}
