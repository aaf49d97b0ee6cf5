// SPDX-License-Identifier: MIT
/* Price table parsing, model lookup and the cost of one call. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util/cfgjson.h"
#include "pricing/pricing.h"

struct tt_price_key {
	const char *provider; /* points into models[model].provider */
	char name[TT_PRICING_MODEL_MAX];
	uint32_t model;
	int is_alias;
};

/* Also the per_million keys: NULL-terminated for tt_cfg_check_keys(). */
static const char *const class_names[TT_PRICE_NCLASS + 1] = {
	"input", "cached_input", "cache_write", "cache_write_1h", "output",
	"reasoning", NULL,
};

const char *tt_price_class_name(int cls)
{
	return cls >= 0 && cls < TT_PRICE_NCLASS ? class_names[cls] : "?";
}

const char *tt_price_match_name(int match)
{
	static const char *const names[] = { "none", "exact", "alias", "base",
					     "fallback" };

	return match >= 0 && match <= TT_PRICE_FALLBACK ? names[match] : "?";
}

/* ------------------------------------------------------------ loader */

/* A required (or optional, when absent is allowed) string field with a
 * length cap; printable ASCII only so the ledger can quote it as is. */
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
		return tt_cfg_fail(err, errlen, "%s%s%s: must be a string", where, pre,
			    key);
	n = strlen(v->valuestring);
	if (n == 0 || n >= cap)
		return tt_cfg_fail(err, errlen, "%s%s%s: must be 1 to %zu characters",
			    where, pre, key, cap - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v->valuestring[i] < 0x20 ||
		    (unsigned char)v->valuestring[i] > 0x7e)
			return tt_cfg_fail(err, errlen,
				    "%s%s%s: must be printable ASCII", where,
				    pre, key);
	memcpy(dst, v->valuestring, n + 1);
	return 0;
}

static int valid_date(const char *s)
{
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	return y >= 2000 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* A rate: a number in [0, TT_PRICING_RATE_MAX], or null (-1) where
 * nullable, absent (-1) where optional. */
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
		return tt_cfg_fail(err, errlen, "%s.%s: must be a number >= 0 and <= %g%s",
			    where, key, TT_PRICING_RATE_MAX,
			    required ? "" : ", or null");
	*dst = v->valuedouble;
	return 0;
}

static int parse_rates(const cJSON *pm, const char *where,
		       struct tt_price_model *m, char *err, size_t errlen)
{
	int ret;

	if (!cJSON_IsObject(pm))
		return tt_cfg_fail(err, errlen, "%s: must be an object", where);
	ret = tt_cfg_check_keys(pm, where, class_names, err, errlen);
	if (ret)
		return ret;
	for (int c = 0; c < TT_PRICE_NCLASS; c++) {
		ret = get_rate(pm, class_names[c], where, c == TT_PRICE_INPUT,
			       &m->rate[c], err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct tt_price_key *x = a, *y = b;
	int c = strcasecmp(x->provider, y->provider);

	return c ? c : strcasecmp(x->name, y->name);
}

static void key_where(const struct tt_price_key *k, char *buf, size_t cap)
{
	if (k->is_alias)
		snprintf(buf, cap, "models[%u].aliases[%d]", k->model,
			 k->is_alias - 1);
	else
		snprintf(buf, cap, "models[%u].model", k->model);
}

/* Sorted (provider, name) keys; a name may mean one entry only. */
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
		t->index[n++].model = i;
		cJSON_ArrayForEach(a, al) {
			t->index[n].provider = t->models[i].provider;
			snprintf(t->index[n].name, sizeof(t->index[n].name),
				 "%s", a->valuestring);
			t->index[n].model = i;
			t->index[n++].is_alias = ++j;
		}
		i++;
	}
	t->nindex = n;
	qsort(t->index, n, sizeof(*t->index), key_cmp);
	for (size_t k = 1; k < n; k++) {
		char w1[64], w2[64];

		if (key_cmp(&t->index[k - 1], &t->index[k]))
			continue;
		/* Name the later field in file order: it is the duplicate. */
		if (t->index[k - 1].model > t->index[k].model ||
		    (t->index[k - 1].model == t->index[k].model &&
		     t->index[k - 1].is_alias > t->index[k].is_alias)) {
			key_where(&t->index[k - 1], w1, sizeof(w1));
			key_where(&t->index[k], w2, sizeof(w2));
		} else {
			key_where(&t->index[k], w1, sizeof(w1));
			key_where(&t->index[k - 1], w2, sizeof(w2));
		}
		return tt_cfg_fail(err, errlen,
			    "%s: \"%s\" is already a name of %s for provider %s",
			    w1, t->index[k].name, w2, t->index[k].provider);
	}
	return 0;
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
			return tt_cfg_fail(err, errlen, "%s.aliases[%u]: must be a string",
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

static int parse_model(const cJSON *obj, unsigned idx,
		       struct tt_price_model *m, char *err, size_t errlen)
{
	static const char *const keys[] = { "provider", "model", "aliases",
					    "per_million", "per_request",
					    NULL };
	char where[32], pm[48];
	const cJSON *v;
	int ret;

	snprintf(where, sizeof(where), "models[%u]", idx);
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
	if (ret)
		return ret;
	v = cJSON_GetObjectItemCaseSensitive(obj, "per_million");
	if (!v)
		return tt_cfg_fail(err, errlen, "%s.per_million: missing", where);
	snprintf(pm, sizeof(pm), "%s.per_million", where);
	ret = parse_rates(v, pm, m, err, errlen);
	if (ret)
		return ret;
	return get_rate(obj, "per_request", where, 0, &m->per_request, err,
			errlen);
}

static int parse_root(const cJSON *root, struct tt_pricing *t, char *err,
		      size_t errlen)
{
	static const char *const keys[] = { "version", "currency", "source",
					    "snapshot_date", "note", "models",
					    NULL };
	const cJSON *models, *m;
	int n, ret;
	unsigned i = 0;

	if (!cJSON_IsObject(root))
		return tt_cfg_fail(err, errlen, "(top level): must be an object");
	ret = tt_cfg_check_keys(root, "", keys, err, errlen);
	if (!ret)
		ret = get_str(root, "version", "", 1, t->version,
			      sizeof(t->version), err, errlen);
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
	if (!ret)
		ret = get_str(root, "snapshot_date", "", 1, t->snapshot_date,
			      sizeof(t->snapshot_date), err, errlen);
	if (!ret && !valid_date(t->snapshot_date))
		ret = tt_cfg_fail(err, errlen, "snapshot_date: must be YYYY-MM-DD");
	if (!ret)
		ret = get_str(root, "note", "", 0, t->note, sizeof(t->note),
			      err, errlen);
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

/* ------------------------------------------------------------ lookup */

static const struct tt_price_key *find(const struct tt_pricing *t,
				       const char *provider, const char *name)
{
	struct tt_price_key key;

	if (!t->nindex || strlen(name) >= sizeof(key.name))
		return NULL;
	key.provider = provider;
	memcpy(key.name, name, strlen(name) + 1);
	return bsearch(&key, t->index, t->nindex, sizeof(*t->index), key_cmp);
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/* Removes one trailing date or version from s. Returns 1 if it did. */
static int strip_suffix(char *s)
{
	size_t n = strlen(s), k;
	char *p;

	/* Vertex "model@version". */
	p = strrchr(s, '@');
	if (p && p > s) {
		*p = '\0';
		return 1;
	}
	/* Bedrock ":0". */
	p = strrchr(s, ':');
	if (p && p > s && all_digits(p + 1, strlen(p + 1))) {
		*p = '\0';
		return 1;
	}
	if (n > 7 && !strcasecmp(s + n - 7, "-latest")) {
		s[n - 7] = '\0';
		return 1;
	}
	/* OpenAI "-2024-07-18". */
	if (n > 11 && s[n - 11] == '-' && s[n - 6] == '-' && s[n - 3] == '-' &&
	    all_digits(s + n - 10, 4) && all_digits(s + n - 5, 2) &&
	    all_digits(s + n - 2, 2)) {
		s[n - 11] = '\0';
		return 1;
	}
	p = strrchr(s, '-');
	if (!p || p == s)
		return 0;
	/* Bedrock "-v1". */
	if ((p[1] == 'v' || p[1] == 'V') && all_digits(p + 2, strlen(p + 2))) {
		*p = '\0';
		return 1;
	}
	/* "-20241022", "-0613", "-2503", "-001": 1- and 2-digit parts are
	 * sizes and versions of the model itself ("gpt-4", "claude-3-5"). */
	k = strlen(p + 1);
	if ((k == 3 || k == 4 || k == 6 || k == 8) && all_digits(p + 1, k)) {
		*p = '\0';
		return 1;
	}
	return 0;
}

/* Drops a path ("models/x", an ARN's ".../profile") and a Bedrock
 * cross-region inference prefix ("us.anthropic..."). */
static const char *strip_prefix(const char *name)
{
	static const char *const geos[] = { "us.", "eu.", "apac.", "global.",
					    "us-gov.", "jp.", "au.", "ca.",
					    NULL };
	const char *p = strrchr(name, '/');

	if (p && p[1])
		name = p + 1;
	for (int i = 0; geos[i]; i++) {
		size_t n = strlen(geos[i]);

		if (!strncasecmp(name, geos[i], n) && strchr(name + n, '.'))
			return name + n;
	}
	return name;
}

static int resolve_in(const struct tt_pricing *t, const char *provider,
		      const char *model, struct tt_price_hit *hit)
{
	const struct tt_price_key *k = find(t, provider, model);
	char buf[TT_PRICING_MODEL_MAX];
	const char *base;

	if (k) {
		hit->entry = &t->models[k->model];
		hit->match = k->is_alias ? TT_PRICE_ALIAS : TT_PRICE_EXACT;
		return 0;
	}
	base = strip_prefix(model);
	if (strlen(base) >= sizeof(buf))
		return -ENOENT;
	memcpy(buf, base, strlen(base) + 1);
	if (base != model && (k = find(t, provider, buf)))
		goto found;
	/* Each step shortens buf, so this ends. */
	while (strip_suffix(buf))
		if ((k = find(t, provider, buf)))
			goto found;
	return -ENOENT;
found:
	hit->entry = &t->models[k->model];
	hit->match = TT_PRICE_BASE;
	return 0;
}

int tt_pricing_lookup(const struct tt_pricing *t, const char *provider,
		      const char *model, struct tt_price_hit *hit)
{
	const char *fb = NULL, *name = model;

	hit->entry = NULL;
	hit->match = TT_PRICE_NONE;
	if (!t || !provider || !model || !model[0])
		return -ENOENT;
	if (!resolve_in(t, provider, model, hit))
		return 0;
	/* Azure OpenAI and Vertex Gemini list the same standard prices as
	 * OpenAI and the Gemini API; Claude on Bedrock and on Vertex
	 * (rawPredict) as Anthropic's. */
	if (!strcmp(provider, "azure.ai.openai")) {
		fb = "openai";
	} else if (!strcmp(provider, "gcp.vertex_ai")) {
		fb = strncasecmp(model, "claude", 6) ? "gcp.gemini" : "anthropic";
	} else if (!strcmp(provider, "aws.bedrock")) {
		name = strip_prefix(model);
		if (!strncasecmp(name, "anthropic.", 10)) {
			fb = "anthropic";
			name += 10;
		}
	}
	if (!fb || resolve_in(t, fb, name, hit))
		return -ENOENT;
	hit->match = TT_PRICE_FALLBACK;
	return 0;
}

/* ------------------------------------------------------------ cost */

static void set_reason(struct tt_cost *cost, const char *reason,
		       const char *cls)
{
	snprintf(cost->reason, sizeof(cost->reason), "%s%s%s", reason,
		 cls ? ":" : "", cls ? cls : "");
}

/* Adds tokens of one class; the first class without a rate is kept. */
static void add(const struct tt_price_model *m, int cls, int64_t tokens,
		double *sum, int *missing)
{
	if (tokens <= 0)
		return;
	if (m->rate[cls] < 0) {
		if (*missing < 0)
			*missing = cls;
		return;
	}
	*sum += (double)tokens * m->rate[cls];
}

static int64_t count(int64_t v)
{
	return v > 0 ? v : 0;
}

int tt_pricing_cost(const struct tt_pricing *t, const char *provider,
		    const char *response_model, const char *request_model,
		    const struct tt_usage *usage, struct tt_cost *cost,
		    struct tt_pricing_stats *stats)
{
	struct tt_pricing_stats dummy;
	struct tt_price_hit hit;
	const struct tt_price_model *m;
	int64_t in, cr, cw, out, rs;
	double sum = 0;
	int missing = -1;

	if (!stats)
		stats = &dummy;
	memset(cost, 0, sizeof(*cost));
	if (t) {
		memcpy(cost->table_version, t->version, sizeof(t->version));
		memcpy(cost->currency, t->currency, sizeof(t->currency));
	}
	if (tt_pricing_lookup(t, provider, response_model, &hit) &&
	    tt_pricing_lookup(t, provider, request_model, &hit)) {
		set_reason(cost, "unknown_model", NULL);
		stats->unknown_model++;
		return -ENOENT;
	}
	m = hit.entry;
	cost->match = hit.match;
	memcpy(cost->provider, m->provider, sizeof(cost->provider));
	memcpy(cost->model, m->model, sizeof(cost->model));
	if (!usage || (usage->input_tokens < 0 && usage->output_tokens < 0)) {
		set_reason(cost, "no_usage", NULL);
		stats->no_usage++;
		return -ENODATA;
	}
	cost->usage_partial = usage->input_tokens < 0 ||
			      usage->output_tokens < 0;
	in = count(usage->input_tokens);
	cr = count(usage->cache_read_input_tokens);
	cw = count(usage->cache_creation_input_tokens);
	out = count(usage->output_tokens);
	rs = count(usage->reasoning_tokens);
	/* Parts larger than their whole: price the parts as reported and
	 * no uncached input rather than a negative count. */
	if (cr > in || cw > in - cr || rs > out)
		stats->inconsistent++;
	add(m, TT_PRICE_INPUT, in - cr - cw, &sum, &missing);
	add(m, TT_PRICE_CACHED_INPUT, cr, &sum, &missing);
	add(m, TT_PRICE_CACHE_WRITE, cw, &sum, &missing);
	if (m->rate[TT_PRICE_REASONING] >= 0) {
		rs = rs < out ? rs : out;
		add(m, TT_PRICE_OUTPUT, out - rs, &sum, &missing);
		add(m, TT_PRICE_REASONING, rs, &sum, &missing);
	} else {
		add(m, TT_PRICE_OUTPUT, out, &sum, &missing);
	}
	if (missing >= 0) {
		set_reason(cost, "missing_rate", class_names[missing]);
		stats->missing_rate++;
		return -EDOM;
	}
	/* Per-million rates summed first, divided once: fewer roundings. */
	cost->amount = sum / 1e6 + (m->per_request > 0 ? m->per_request : 0);
	cost->priced = 1;
	if (hit.match == TT_PRICE_FALLBACK)
		stats->fallback++;
	stats->priced++;
	return 0;
}
