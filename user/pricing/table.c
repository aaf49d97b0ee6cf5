// SPDX-License-Identifier: MIT
/* Price table parsing: the file (docs/pricing.md) into struct tt_pricing,
 * every refusal naming the field, and the (provider, name, date) index
 * lookup.c searches. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util/cfgjson.h"
#include "util/sha256.h"
#include "pricing/pricing_impl.h"

/* Also the per_million keys: NULL-terminated for tt_cfg_check_keys(). */
static const char *const class_names[TT_PRICE_NCLASS + 1] = {
	"input", "cached_input", "cache_write", "cache_write_1h", "output",
	"reasoning", "audio_input", "audio_output", "image_input",
	"image_output", NULL,
};

/* Also the "tiers" keys (without "standard", which is per_million). */
static const char *const tier_names[TT_TIER_N + 1] = {
	"standard", "batch", "flex", "priority", NULL,
};

const char *tt_price_class_name(int cls)
{
	return cls >= 0 && cls < TT_PRICE_NCLASS ? class_names[cls] : "?";
}

const char *tt_price_tier_name(int tier)
{
	return tier >= 0 && tier < TT_TIER_N ? tier_names[tier] : "?";
}

const char *tt_price_match_name(int match)
{
	static const char *const names[] = { "none", "exact", "alias", "base",
					     "fallback", "wildcard" };

	return match >= 0 && match <= TT_PRICE_WILDCARD ? names[match] : "?";
}

/* ------------------------------------------------------------ fields */

/* A string field with a length cap; printable ASCII only so the ledger
 * can quote it as is. Absent is an error only when required. */
static int get_str(const cJSON *obj, const char *key, const char *where,
		   int required, char *dst, size_t cap, char *err,
		   size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *pre = where[0] ? "." : "";
	size_t n;

	if (!v) {
		if (!required)
			return 0;
		return tt_cfg_fail(err, errlen, "%s%s%s: missing", where, pre, key);
	}
	if (!cJSON_IsString(v) || !v->valuestring)
		return tt_cfg_fail(err, errlen, "%s%s%s: must be a string", where,
				   pre, key);
	n = strlen(v->valuestring);
	if (n == 0 || n >= cap)
		return tt_cfg_fail(err, errlen, "%s%s%s: must be 1 to %zu characters",
				   where, pre, key, cap - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v->valuestring[i] < 0x20 ||
		    (unsigned char)v->valuestring[i] > 0x7e)
			return tt_cfg_fail(err, errlen,
					   "%s%s%s: must be printable ASCII",
					   where, pre, key);
	if (dst)
		memcpy(dst, v->valuestring, n + 1);
	return 0;
}

int tt_price_parse_day(const char *s, int32_t *day)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				     30, 31 };
	int y, m, d;
	int64_t yy, era, yoe, doy, doe;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -EINVAL;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 2000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return -EINVAL;
	/* Days from civil (H. Hinnant's algorithm). */
	yy = m <= 2 ? y - 1 : y;
	era = yy / 400;
	yoe = yy - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*day = (int32_t)(era * 146097 + doe - 719468);
	return 0;
}

/* A rate: a number in [0, TT_PRICING_RATE_MAX], or null/absent (-1). */
static int get_rate(const cJSON *obj, const char *key, const char *where,
		    int required, double *dst, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*dst = -1;
	if (!v) {
		if (!required)
			return 0;
		return tt_cfg_fail(err, errlen, "%s.%s: missing", where, key);
	}
	if (cJSON_IsNull(v) && !required)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    !(v->valuedouble >= 0) || v->valuedouble > TT_PRICING_RATE_MAX)
		return tt_cfg_fail(err, errlen,
				   "%s.%s: must be a number >= 0 and <= %g%s",
				   where, key, TT_PRICING_RATE_MAX,
				   required ? "" : ", or null");
	*dst = v->valuedouble;
	return 0;
}

int tt_price_rates_read(const cJSON *pm, const char *where, int flags,
			double rate[TT_PRICE_NCLASS], char *err, size_t errlen)
{
	int ret;

	if (!cJSON_IsObject(pm))
		return tt_cfg_fail(err, errlen, "%s: must be an object", where);
	ret = tt_cfg_check_keys(pm, where, class_names, err, errlen);
	for (int c = 0; !ret && c < TT_PRICE_NCLASS; c++) {
		double v;

		/* Merging: only the rates named change (null removes one). */
		if ((flags & TT_RATES_MERGE) &&
		    !cJSON_GetObjectItemCaseSensitive(pm, class_names[c]))
			continue;
		ret = get_rate(pm, class_names[c], where,
			       (flags & TT_RATES_NEED_INPUT) && c == TT_PRICE_INPUT,
			       &v, err, errlen);
		if (!ret)
			rate[c] = v;
	}
	return ret;
}

int tt_price_tiers_read(const cJSON *tiers, const char *where, int flags,
			double (*rate)[TT_PRICE_NCLASS], char *err,
			size_t errlen)
{
	char w[64];
	int ret;

	snprintf(w, sizeof(w), "%s.tiers", where);
	if (!cJSON_IsObject(tiers))
		return tt_cfg_fail(err, errlen, "%s: must be an object", w);
	/* "standard" is per_million: not a tier key. */
	ret = tt_cfg_check_keys(tiers, w, tier_names + 1, err, errlen);
	for (int k = TT_TIER_BATCH; !ret && k < TT_TIER_N; k++) {
		const cJSON *pm = cJSON_GetObjectItemCaseSensitive(tiers,
								   tier_names[k]);

		if (!pm)
			continue;
		snprintf(w, sizeof(w), "%s.tiers.%s", where, tier_names[k]);
		ret = tt_price_rates_read(pm, w, flags & TT_RATES_MERGE, rate[k],
					  err, errlen);
	}
	return ret;
}

int tt_price_long_read(const cJSON *lc, const char *where, int64_t *above,
		       double rate[TT_PRICE_NCLASS], char *err, size_t errlen)
{
	static const char *const keys[] = { "above_input_tokens", "per_million",
					    NULL };
	const cJSON *n, *pm;
	char w[64];
	int ret;

	snprintf(w, sizeof(w), "%s.long_context", where);
	if (!cJSON_IsObject(lc))
		return tt_cfg_fail(err, errlen, "%s: must be an object", w);
	ret = tt_cfg_check_keys(lc, w, keys, err, errlen);
	if (ret)
		return ret;
	n = cJSON_GetObjectItemCaseSensitive(lc, "above_input_tokens");
	if (!cJSON_IsNumber(n) || !(n->valuedouble >= 1) ||
	    n->valuedouble > TT_USAGE_COUNT_MAX ||
	    n->valuedouble != (double)(int64_t)n->valuedouble)
		return tt_cfg_fail(err, errlen,
				   "%s.above_input_tokens: must be a whole number from 1 to %lld",
				   w, TT_USAGE_COUNT_MAX);
	*above = (int64_t)n->valuedouble;
	pm = cJSON_GetObjectItemCaseSensitive(lc, "per_million");
	if (!pm)
		return tt_cfg_fail(err, errlen, "%s.per_million: missing", w);
	for (int c = 0; c < TT_PRICE_NCLASS; c++)
		rate[c] = -1;
	snprintf(w, sizeof(w), "%s.long_context.per_million", where);
	return tt_price_rates_read(pm, w, 0, rate, err, errlen);
}

static int parse_aliases(const cJSON *al, const char *where,
			 struct tt_price_model *m, char *err, size_t errlen)
{
	const cJSON *a;
	unsigned j = 0;

	if (!al)
		return 0;
	if (!cJSON_IsArray(al))
		return tt_cfg_fail(err, errlen, "%s.aliases: must be an array", where);
	cJSON_ArrayForEach(a, al) {
		size_t n;

		if (j >= TT_PRICING_MAX_ALIASES) {
			tt_cfg_fail(err, errlen, "%s.aliases: more than %d aliases",
				    where, TT_PRICING_MAX_ALIASES);
			return -E2BIG;
		}
		if (!cJSON_IsString(a) || !a->valuestring)
			return tt_cfg_fail(err, errlen,
					   "%s.aliases[%u]: must be a string",
					   where, j);
		n = strlen(a->valuestring);
		if (n == 0 || n >= TT_PRICING_MODEL_MAX)
			return tt_cfg_fail(err, errlen,
					   "%s.aliases[%u]: must be 1 to %d characters",
					   where, j, TT_PRICING_MODEL_MAX - 1);
		j++;
	}
	m->naliases = j;
	return 0;
}

static int parse_effective(const cJSON *obj, const char *where,
			   struct tt_price_model *m, char *err, size_t errlen)
{
	int ret = get_str(obj, "effective_from", where, 0, m->effective_from,
			  sizeof(m->effective_from), err, errlen);

	m->effective_day = TT_PRICE_NO_DAY;
	if (ret || !m->effective_from[0])
		return ret;
	if (tt_price_parse_day(m->effective_from, &m->effective_day))
		return tt_cfg_fail(err, errlen,
				   "%s.effective_from: must be a date YYYY-MM-DD",
				   where);
	return 0;
}

static void rates_absent(struct tt_price_model *m)
{
	for (int c = 0; c < TT_PRICE_NCLASS; c++) {
		for (int k = 0; k < TT_TIER_N; k++)
			m->rate[k][c] = -1;
		m->long_rate[c] = -1;
	}
	m->per_request = -1;
}

static int parse_model(const cJSON *obj, unsigned idx,
		       struct tt_price_model *m, char *err, size_t errlen)
{
	static const char *const keys[] = { "provider", "model", "aliases",
					    "per_million", "per_request",
					    "tiers", "long_context",
					    "effective_from", "source", NULL };
	char where[32], pm[48];
	const cJSON *v;
	int ret;

	snprintf(where, sizeof(where), "models[%u]", idx);
	rates_absent(m);
	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "%s: must be an object", where);
	ret = tt_cfg_check_keys(obj, where, keys, err, errlen);
	if (!ret)
		ret = get_str(obj, "provider", where, 1, m->provider,
			      sizeof(m->provider), err, errlen);
	if (!ret)
		ret = get_str(obj, "model", where, 1, m->model,
			      sizeof(m->model), err, errlen);
	if (!ret)
		ret = parse_aliases(cJSON_GetObjectItemCaseSensitive(obj,
								     "aliases"),
				    where, m, err, errlen);
	/* A source URL is provenance for people; it is checked, not kept. */
	if (!ret)
		ret = get_str(obj, "source", where, 0, NULL, TT_PRICING_URL_MAX,
			      err, errlen);
	if (!ret)
		ret = parse_effective(obj, where, m, err, errlen);
	if (ret)
		return ret;
	v = cJSON_GetObjectItemCaseSensitive(obj, "per_million");
	if (!v)
		return tt_cfg_fail(err, errlen, "%s.per_million: missing", where);
	snprintf(pm, sizeof(pm), "%s.per_million", where);
	ret = tt_price_rates_read(v, pm, TT_RATES_NEED_INPUT,
				  m->rate[TT_TIER_STANDARD], err, errlen);
	if (!ret && (v = cJSON_GetObjectItemCaseSensitive(obj, "tiers")))
		ret = tt_price_tiers_read(v, where, 0, m->rate, err, errlen);
	if (!ret && (v = cJSON_GetObjectItemCaseSensitive(obj, "long_context")))
		ret = tt_price_long_read(v, where, &m->long_above, m->long_rate,
					 err, errlen);
	if (ret)
		return ret;
	return get_rate(obj, "per_request", where, 0, &m->per_request, err,
			errlen);
}

/* ------------------------------------------------------------ index */

int tt_price_key_cmp(const void *a, const void *b)
{
	const struct tt_price_key *x = a, *y = b;
	int c = strcasecmp(x->provider, y->provider);

	if (!c)
		c = strcasecmp(x->name, y->name);
	if (!c)
		c = (x->day > y->day) - (x->day < y->day);
	return c;
}

static void key_where(const struct tt_price_key *k, char *buf, size_t cap)
{
	if (k->is_alias)
		snprintf(buf, cap, "models[%u].aliases[%d]", k->model,
			 k->is_alias - 1);
	else
		snprintf(buf, cap, "models[%u].model", k->model);
}

/* Sorted (provider, name, effective day) keys; a name may mean one entry
 * only on any day. */
static int build_index(struct tt_pricing *t, const cJSON *models, char *err,
		       size_t errlen)
{
	const cJSON *m;
	size_t n = 0, cap = t->nmodels;
	uint32_t i = 0;

	for (size_t k = 0; k < t->nmodels; k++)
		cap += t->models[k].naliases;
	t->index = calloc(cap ? cap : 1, sizeof(*t->index));
	if (!t->index)
		return -ENOMEM;
	cJSON_ArrayForEach(m, models) {
		const cJSON *al = cJSON_GetObjectItemCaseSensitive(m, "aliases");
		const cJSON *a;
		int j = 0;

		t->index[n].provider = t->models[i].provider;
		memcpy(t->index[n].name, t->models[i].model,
		       sizeof(t->index[n].name));
		t->index[n].day = t->models[i].effective_day;
		t->index[n++].model = i;
		cJSON_ArrayForEach(a, al) {
			t->index[n].provider = t->models[i].provider;
			snprintf(t->index[n].name, sizeof(t->index[n].name),
				 "%s", a->valuestring);
			t->index[n].day = t->models[i].effective_day;
			t->index[n].model = i;
			t->index[n++].is_alias = ++j;
		}
		i++;
	}
	t->nindex = n;
	qsort(t->index, n, sizeof(*t->index), tt_price_key_cmp);
	for (size_t k = 1; k < n; k++) {
		const struct tt_price_key *x = &t->index[k - 1], *y = &t->index[k];
		char w1[64], w2[64];

		if (tt_price_key_cmp(x, y))
			continue;
		/* Name the later field in file order: it is the duplicate. */
		if (x->model > y->model ||
		    (x->model == y->model && x->is_alias > y->is_alias)) {
			const struct tt_price_key *s = x;

			x = y;
			y = s;
		}
		key_where(y, w1, sizeof(w1));
		key_where(x, w2, sizeof(w2));
		return tt_cfg_fail(err, errlen,
				   "%s: \"%s\" is already a name of %s for provider %s%s%s",
				   w1, y->name, w2, y->provider,
				   y->day == TT_PRICE_NO_DAY ? "" : " from ",
				   y->day == TT_PRICE_NO_DAY
					   ? "" : t->models[y->model].effective_from);
	}
	return 0;
}

/* ------------------------------------------------------------ the file */

static int parse_header(const cJSON *root, struct tt_pricing *t, char *err,
			size_t errlen)
{
	static const char *const keys[] = {
		"format", "version", "currency", "source", "source_commit",
		"source_sha256", "license", "snapshot_date", "note",
		"overrides", "models", NULL,
	};
	static const char *const provenance[] = { "source_commit",
						  "source_sha256", "license",
						  "overrides", NULL };
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
	int ret;

	if (!cJSON_IsObject(root))
		return tt_cfg_fail(err, errlen, "(top level): must be an object");
	ret = tt_cfg_check_keys(root, "", keys, err, errlen);
	if (ret)
		return ret;
	t->format = 1;
	if (fmt) {
		if (!cJSON_IsNumber(fmt) || (fmt->valuedouble != 1 &&
					     fmt->valuedouble != 2))
			return tt_cfg_fail(err, errlen, "format: must be 1 or 2");
		t->format = (int)fmt->valuedouble;
	}
	ret = get_str(root, "version", "", 1, t->version, sizeof(t->version),
		      err, errlen);
	if (!ret)
		ret = get_str(root, "currency", "", 1, t->currency,
			      sizeof(t->currency), err, errlen);
	if (!ret && (strlen(t->currency) != 3 ||
		     !isupper((unsigned char)t->currency[0]) ||
		     !isupper((unsigned char)t->currency[1]) ||
		     !isupper((unsigned char)t->currency[2])))
		ret = tt_cfg_fail(err, errlen,
				  "currency: must be an ISO 4217 code such as \"USD\"");
	if (!ret)
		ret = get_str(root, "source", "", 1, t->source,
			      sizeof(t->source), err, errlen);
	for (int i = 0; !ret && provenance[i]; i++) /* checked, not kept */
		ret = get_str(root, provenance[i], "", 0, NULL, 256, err,
			      errlen);
	if (!ret)
		ret = get_str(root, "snapshot_date", "", 1, t->snapshot_date,
			      sizeof(t->snapshot_date), err, errlen);
	if (!ret) {
		int32_t day;

		if (tt_price_parse_day(t->snapshot_date, &day))
			ret = tt_cfg_fail(err, errlen,
					  "snapshot_date: must be YYYY-MM-DD");
	}
	if (!ret)
		ret = get_str(root, "note", "", 0, t->note, sizeof(t->note),
			      err, errlen);
	return ret;
}

static int parse_root(const cJSON *root, struct tt_pricing *t, char *err,
		      size_t errlen)
{
	const cJSON *models, *m;
	int n, ret;
	unsigned i = 0;

	ret = parse_header(root, t, err, errlen);
	if (ret)
		return ret;
	models = cJSON_GetObjectItemCaseSensitive(root, "models");
	if (!models)
		return tt_cfg_fail(err, errlen, "models: missing");
	if (!cJSON_IsArray(models))
		return tt_cfg_fail(err, errlen, "models: must be an array");
	n = cJSON_GetArraySize(models);
	if (n == 0)
		return tt_cfg_fail(err, errlen, "models: must not be empty");
	if (n > TT_PRICING_MAX_MODELS) {
		tt_cfg_fail(err, errlen, "models: more than %d models",
			    TT_PRICING_MAX_MODELS);
		return -E2BIG;
	}
	t->models = calloc((size_t)n, sizeof(*t->models));
	if (!t->models)
		return -ENOMEM;
	cJSON_ArrayForEach(m, models) {
		ret = parse_model(m, i, &t->models[i], err, errlen);
		if (ret)
			return ret;
		i++;
	}
	t->nmodels = i;
	return build_index(t, models, err, errlen);
}

int tt_pricing_parse(const char *text, size_t len, struct tt_pricing *t,
		     char *err, size_t errlen)
{
	cJSON *root = NULL;
	int ret;

	memset(t, 0, sizeof(*t));
	if (err && errlen)
		err[0] = '\0';
	if (len > TT_PRICING_TEXT_MAX) {
		tt_cfg_fail(err, errlen, "(file): larger than %u bytes",
			    TT_PRICING_TEXT_MAX);
		ret = -E2BIG;
		goto out;
	}
	root = cJSON_ParseWithLength(text, len);
	if (!root) {
		ret = tt_cfg_fail(err, errlen, "(file): not valid JSON");
		goto out;
	}
	ret = parse_root(root, t, err, errlen);
	if (!ret && tt_sha256_hex("", text, len, t->sha256)) {
		tt_cfg_fail(err, errlen, "(file): could not hash it");
		ret = -EIO;
	}
out:
	cJSON_Delete(root);
	if (ret)
		tt_pricing_free(t); /* a refused table is an empty one */
	if (ret == -ENOMEM)
		tt_cfg_fail(err, errlen, "(file): out of memory");
	return ret;
}

int tt_pricing_load(const char *path, struct tt_pricing *t, char *err,
		    size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	memset(t, 0, sizeof(*t));
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		tt_cfg_fail(err, errlen, "%s: %s", path, strerror(-ret));
		goto out;
	}
	text = malloc(TT_PRICING_TEXT_MAX + 1);
	if (!text) {
		ret = -ENOMEM;
		tt_cfg_fail(err, errlen, "%s: out of memory", path);
		goto out;
	}
	len = fread(text, 1, TT_PRICING_TEXT_MAX + 1, f);
	if (ferror(f)) {
		ret = -EIO;
		tt_cfg_fail(err, errlen, "%s: read error", path);
		goto out;
	}
	/* One byte over the cap is enough for the parser to refuse it. */
	ret = tt_pricing_parse(text, len, t, err, errlen);
out:
	free(text);
	if (f)
		fclose(f);
	return ret;
}

void tt_pricing_free(struct tt_pricing *t)
{
	if (!t)
		return;
	free(t->models);
	free(t->index);
	t->models = NULL;
	t->index = NULL;
	t->nmodels = t->nindex = 0;
}
