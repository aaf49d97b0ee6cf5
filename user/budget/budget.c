// SPDX-License-Identifier: MIT
/* Spend budgets: definitions, UTC calendar periods, state. See budget.h. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "util/cfgjson.h"
#include "util/timefmt.h"
#include "owner/rules.h"
#include "budget/budget.h"

static const char *const scope_names[TT_BUDGET_NSCOPES] = {
	[TT_BUDGET_OWNER] = "owner",
	[TT_BUDGET_TEAM] = "team",
	[TT_BUDGET_COST_CENTER] = "cost_center",
	[TT_BUDGET_ENVIRONMENT] = "environment",
};

const char *tt_budget_scope_name(int scope)
{
	return scope >= 0 && scope < TT_BUDGET_NSCOPES ? scope_names[scope] : "";
}

const char *tt_budget_period_name(int period)
{
	return period == TT_BUDGET_MONTH ? "month" : "day";
}

/* A name as it may stand in a Prometheus label and a log line: printable
 * ASCII without quotes or backslashes. */
static int is_plain(const char *s)
{
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

static int parse_scope(const cJSON *item, const char *where,
		       struct tt_budget_def *d, char *err, size_t errlen)
{
	int found = 0;

	for (int s = 0; s < TT_BUDGET_NSCOPES; s++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, scope_names[s]);

		if (!v)
			continue;
		if (found++)
			return tt_cfg_fail(err, errlen,
					   "%s: one of owner, team, cost_center, environment, not two",
					   where);
		if (!cJSON_IsString(v) || !v->valuestring[0] ||
		    strlen(v->valuestring) >= sizeof(d->value))
			return tt_cfg_fail(err, errlen,
					   "%s.%s: must be a string of 1 to %zu bytes",
					   where, scope_names[s], sizeof(d->value) - 1);
		d->scope = s;
		if (s == TT_BUDGET_ENVIRONMENT) /* as events write it */
			tt_rules_env_normalize(v->valuestring, d->value,
					       sizeof(d->value));
		else
			snprintf(d->value, sizeof(d->value), "%s", v->valuestring);
	}
	if (!found)
		return tt_cfg_fail(err, errlen,
				   "%s: needs one of owner, team, cost_center, environment",
				   where);
	return 0;
}

static int parse_one(const cJSON *item, const char *where,
		     struct tt_budget_def *d, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "owner", "team", "cost_center",
					    "environment", "period", "limit_usd",
					    NULL };
	const cJSON *name, *period, *limit;
	int ret;

	if (!cJSON_IsObject(item))
		return tt_cfg_fail(err, errlen, "%s: must be an object", where);
	ret = tt_cfg_check_keys(item, where, keys, err, errlen);
	if (ret)
		return ret;
	name = cJSON_GetObjectItemCaseSensitive(item, "name");
	if (!cJSON_IsString(name) || !name->valuestring[0] ||
	    strlen(name->valuestring) >= sizeof(d->name) ||
	    !is_plain(name->valuestring))
		return tt_cfg_fail(err, errlen,
				   "%s.name: must be 1 to %zu printable characters, no space or quote",
				   where, sizeof(d->name) - 1);
	snprintf(d->name, sizeof(d->name), "%s", name->valuestring);
	ret = parse_scope(item, where, d, err, errlen);
	if (ret)
		return ret;
	period = cJSON_GetObjectItemCaseSensitive(item, "period");
	if (!cJSON_IsString(period) || (strcmp(period->valuestring, "day") &&
					strcmp(period->valuestring, "month")))
		return tt_cfg_fail(err, errlen, "%s.period: must be \"day\" or \"month\"",
				   where);
	d->period = strcmp(period->valuestring, "day") ? TT_BUDGET_MONTH : TT_BUDGET_DAY;
	limit = cJSON_GetObjectItemCaseSensitive(item, "limit_usd");
	if (!cJSON_IsNumber(limit) || !isfinite(limit->valuedouble) ||
	    limit->valuedouble <= 0 || limit->valuedouble > 1e12)
		return tt_cfg_fail(err, errlen,
				   "%s.limit_usd: must be a number above 0 (US dollars)",
				   where);
	d->limit_usd = limit->valuedouble;
	return 0;
}

int tt_budget_parse(const cJSON *arr, const char *where,
		    struct tt_budget_defs *out, char *err, size_t errlen)
{
	const cJSON *item;
	char at[96];
	int ret;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsArray(arr))
		return tt_cfg_fail(err, errlen, "%s: must be an array", where);
	cJSON_ArrayForEach(item, arr) {
		struct tt_budget_def *d = &out->def[out->n];

		snprintf(at, sizeof(at), "%s[%zu]", where, out->n);
		if (out->n == TT_BUDGETS_MAX)
			return tt_cfg_fail(err, errlen, "%s: more than %d budgets",
					   where, TT_BUDGETS_MAX);
		ret = parse_one(item, at, d, err, errlen);
		if (ret)
			return ret;
		for (size_t i = 0; i < out->n; i++)
			if (!strcmp(out->def[i].name, d->name))
				return tt_cfg_fail(err, errlen,
						   "%s.name: \"%s\" given twice", at,
						   d->name);
		out->n++;
	}
	return 0;
}

int64_t tt_budget_period_start(int period, int64_t t_s)
{
	time_t t = (time_t)t_s;
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (period == TT_BUDGET_MONTH)
		tm.tm_mday = 1;
	return (int64_t)timegm(&tm);
}

int64_t tt_budget_period_end(int period, int64_t t_s)
{
	time_t t = (time_t)tt_budget_period_start(period, t_s);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (period == TT_BUDGET_MONTH)
		tm.tm_mon++; /* timegm carries December into January */
	else
		tm.tm_mday++;
	return (int64_t)timegm(&tm);
}

void tt_budgets_init(struct tt_budgets *b, const struct tt_budget_defs *defs,
		     int64_t now_s)
{
	memset(b, 0, sizeof(*b));
	b->defs = *defs;
	for (size_t i = 0; i < b->defs.n; i++) {
		b->st[i].period_start_s =
			tt_budget_period_start(b->defs.def[i].period, now_s);
		b->st[i].complete = 1;
	}
}

static void roll_one(struct tt_budgets *b, size_t i, int64_t t_s)
{
	int64_t start = tt_budget_period_start(b->defs.def[i].period, t_s);

	if (start > b->st[i].period_start_s) {
		b->st[i].period_start_s = start;
		b->st[i].used_usd = 0;
		b->st[i].complete = 1;
	}
}

void tt_budgets_roll(struct tt_budgets *b, int64_t now_s)
{
	for (size_t i = 0; i < b->defs.n; i++)
		roll_one(b, i, now_s);
}

static const char *fact_value(const struct tt_budget_fact *f, int scope)
{
	switch (scope) {
	case TT_BUDGET_OWNER: return f->owner;
	case TT_BUDGET_TEAM: return f->team;
	case TT_BUDGET_COST_CENTER: return f->cost_center;
	default: return f->environment;
	}
}

int tt_budgets_add(struct tt_budgets *b, const struct tt_budget_fact *f)
{
	int counted = 0;

	if (!(f->cost_usd >= 0)) /* NaN: not priced */
		return 0;
	for (size_t i = 0; i < b->defs.n; i++) {
		const struct tt_budget_def *d = &b->defs.def[i];
		const char *v = fact_value(f, d->scope);

		if (!v || strcmp(v, d->value))
			continue;
		roll_one(b, i, f->time_s);
		if (tt_budget_period_start(d->period, f->time_s) !=
		    b->st[i].period_start_s)
			continue; /* an earlier period's call */
		b->st[i].used_usd += f->cost_usd;
		counted++;
	}
	return counted;
}

static const struct tt_budget_def *twin(const struct tt_budget_defs *defs,
				       const struct tt_budget_def *d)
{
	for (size_t i = 0; i < defs->n; i++) {
		const struct tt_budget_def *o = &defs->def[i];

		if (!strcmp(o->name, d->name) && o->scope == d->scope &&
		    !strcmp(o->value, d->value) && o->period == d->period)
			return o;
	}
	return NULL;
}

int tt_budgets_update_limits(struct tt_budgets *b,
			     const struct tt_budget_defs *next)
{
	int differ = 0;

	for (size_t i = 0; i < b->defs.n; i++) {
		const struct tt_budget_def *o = twin(next, &b->defs.def[i]);

		if (o)
			b->defs.def[i].limit_usd = o->limit_usd;
		else
			differ++;
	}
	for (size_t i = 0; i < next->n; i++)
		differ += !twin(&b->defs, &next->def[i]);
	return differ;
}

double tt_budget_ratio(const struct tt_budgets *b, size_t i)
{
	return b->st[i].used_usd / b->defs.def[i].limit_usd;
}

int64_t tt_budgets_earliest_start(const struct tt_budgets *b)
{
	int64_t min = 0;

	for (size_t i = 0; i < b->defs.n; i++)
		if (!min || b->st[i].period_start_s < min)
			min = b->st[i].period_start_s;
	return min;
}

static const char *str_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

int tt_budget_fact_from_json(const cJSON *root, struct tt_budget_fact *f)
{
	const char *type = str_of(root, "event_type");
	const char *ts = str_of(root, "timestamp_utc");
	const cJSON *cost = cJSON_GetObjectItemCaseSensitive(root, "cost");
	const cJSON *amount = cJSON_GetObjectItemCaseSensitive(cost, "amount");
	const char *currency = str_of(cost, "currency");
	uint64_t ns;

	memset(f, 0, sizeof(*f));
	if (!type || strcmp(type, "ai_api_cost_allocation") || !ts ||
	    tt_record_time_parse(ts, &ns))
		return -ENOENT;
	f->owner = str_of(root, "owner");
	f->team = str_of(root, "team");
	f->cost_center = str_of(root, "cost_center");
	f->environment = str_of(root, "environment");
	f->time_s = (int64_t)(ns / 1000000000ull);
	f->cost_usd = cJSON_IsNumber(amount) && currency && !strcmp(currency, "USD")
			      ? amount->valuedouble : NAN;
	return 0;
}
