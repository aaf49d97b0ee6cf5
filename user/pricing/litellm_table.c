// SPDX-License-Identifier: MIT
/* The hand-kept overrides merged into an imported table, and the table
 * written out (docs/pricing.md has both formats). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util/cfgjson.h"
#include "pricing/litellm_impl.h"
#include "pricing/pricing_impl.h"

#define OVERRIDES_MAX 1024

void tt_litellm_table_free(struct tt_litellm_table *tb)
{
	for (size_t i = 0; tb->e && i < tb->n; i++)
		free(tb->e[i].aliases);
	free(tb->e);
	tb->e = NULL;
	tb->n = tb->cap = 0;
}

/* ------------------------------------------------------------ overrides */

static int take_aliases(const cJSON *al, const char *where,
			struct tt_litellm_entry *e, char *err, size_t errlen)
{
	int n = cJSON_GetArraySize(al), i = 0;
	const cJSON *a;

	if (!cJSON_IsArray(al) || n > TT_PRICING_MAX_ALIASES)
		return tt_cfg_fail(err, errlen, "%s.aliases: must be an array of at most %d names",
				   where, TT_PRICING_MAX_ALIASES);
	free(e->aliases);
	e->aliases = calloc((size_t)(n ? n : 1), sizeof(*e->aliases));
	e->naliases = 0;
	if (!e->aliases)
		return -ENOMEM;
	cJSON_ArrayForEach(a, al) {
		if (!cJSON_IsString(a) || !a->valuestring[0] ||
		    strlen(a->valuestring) >= sizeof(e->aliases[0]))
			return tt_cfg_fail(err, errlen, "%s.aliases[%d]: must be a model name",
					   where, i);
		snprintf(e->aliases[i++], sizeof(e->aliases[0]), "%s", a->valuestring);
	}
	e->naliases = (unsigned)n;
	return 0;
}

/* The entry an override changes, or a new one at the end of tb. */
static struct tt_litellm_entry *target(struct tt_litellm_table *tb,
				       const char *provider, const char *model,
				       const char *from, int *added)
{
	struct tt_litellm_entry *e;

	*added = 0;
	for (size_t i = 0; i < tb->n; i++)
		if (!strcmp(tb->e[i].provider, provider) &&
		    !strcasecmp(tb->e[i].model, model) &&
		    !strcmp(tb->e[i].effective_from, from))
			return &tb->e[i];
	if (tb->n == tb->cap) {
		size_t cap = tb->cap ? 2 * tb->cap : 16;
		void *p = realloc(tb->e, cap * sizeof(*tb->e));

		if (!p)
			return NULL;
		tb->e = p;
		tb->cap = cap;
	}
	e = &tb->e[tb->n++];
	memset(e, 0, sizeof(*e));
	for (int k = 0; k < TT_TIER_N; k++)
		for (int c = 0; c < TT_PRICE_NCLASS; c++)
			e->rate[k][c] = -1;
	for (int c = 0; c < TT_PRICE_NCLASS; c++)
		e->long_rate[c] = -1;
	e->per_request = -1;
	snprintf(e->provider, sizeof(e->provider), "%s", provider);
	snprintf(e->model, sizeof(e->model), "%s", model);
	snprintf(e->effective_from, sizeof(e->effective_from), "%s", from);
	*added = 1;
	return e;
}

/* A string member: required, printable, shorter than cap. */
static const char *need_str(const cJSON *o, const char *key, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	size_t n;

	if (!cJSON_IsString(v) || !(n = strlen(v->valuestring)) || n >= cap)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v->valuestring[i] < 0x20 ||
		    (unsigned char)v->valuestring[i] > 0x7e)
			return NULL;
	return v->valuestring;
}

static int apply(const cJSON *ov, const char *where, struct tt_litellm_entry *e,
		 char *err, size_t errlen)
{
	const cJSON *v;
	int ret = 0;

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ov, "replace"))) {
		for (int k = 0; k < TT_TIER_N; k++)
			for (int c = 0; c < TT_PRICE_NCLASS; c++)
				e->rate[k][c] = -1;
		e->long_above = 0;
		e->per_request = -1;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(ov, "per_million"))) {
		char w[96];

		snprintf(w, sizeof(w), "%s.per_million", where);
		ret = tt_price_rates_read(v, w, TT_RATES_MERGE,
					  e->rate[TT_TIER_STANDARD], err, errlen);
	}
	if (!ret && (v = cJSON_GetObjectItemCaseSensitive(ov, "tiers")))
		ret = tt_price_tiers_read(v, where, TT_RATES_MERGE, e->rate, err,
					  errlen);
	if (!ret && (v = cJSON_GetObjectItemCaseSensitive(ov, "long_context")))
		ret = tt_price_long_read(v, where, &e->long_above, e->long_rate,
					 err, errlen);
	if (!ret && (v = cJSON_GetObjectItemCaseSensitive(ov, "aliases")))
		ret = take_aliases(v, where, e, err, errlen);
	if (!ret && (v = cJSON_GetObjectItemCaseSensitive(ov, "per_request"))) {
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
		    v->valuedouble > TT_PRICING_RATE_MAX)
			ret = tt_cfg_fail(err, errlen, "%s.per_request: must be a number >= 0",
					  where);
		else
			e->per_request = v->valuedouble;
	}
	if (!ret && e->rate[TT_TIER_STANDARD][TT_PRICE_INPUT] < 0)
		ret = tt_cfg_fail(err, errlen,
				  "%s: the entry would have no per_million.input", where);
	return ret;
}

/* One override: checked, then merged or added. */
static int one_override(const cJSON *ov, unsigned i, struct tt_litellm_table *tb,
			struct tt_litellm_stats *st, char *err, size_t errlen)
{
	static const char *const keys[] = {
		"provider", "model", "source", "why", "per_million", "tiers",
		"long_context", "per_request", "aliases", "effective_from",
		"replace", NULL,
	};
	const char *provider, *model, *source, *from = "";
	struct tt_litellm_entry *e;
	char where[48];
	int32_t day;
	int added, ret;

	snprintf(where, sizeof(where), "overrides[%u]", i);
	if (!cJSON_IsObject(ov))
		return tt_cfg_fail(err, errlen, "%s: must be an object", where);
	ret = tt_cfg_check_keys(ov, where, keys, err, errlen);
	if (ret)
		return ret;
	provider = need_str(ov, "provider", TT_PRICING_PROVIDER_MAX);
	model = need_str(ov, "model", TT_PRICING_MODEL_MAX);
	source = need_str(ov, "source", TT_PRICING_URL_MAX);
	if (!provider || !model)
		return tt_cfg_fail(err, errlen, "%s: needs \"provider\" and \"model\"",
				   where);
	/* An override is a claim about a price: where it comes from. */
	if (!source || strncmp(source, "https://", 8))
		return tt_cfg_fail(err, errlen, "%s.source: must be an https:// URL", where);
	if (!need_str(ov, "why", 512))
		return tt_cfg_fail(err, errlen, "%s.why: must say why it is needed",
				   where);
	if (cJSON_GetObjectItemCaseSensitive(ov, "effective_from")) {
		from = need_str(ov, "effective_from", 11);
		if (!from || tt_price_parse_day(from, &day))
			return tt_cfg_fail(err, errlen,
					   "%s.effective_from: must be YYYY-MM-DD", where);
	}
	e = target(tb, provider, model, from, &added);
	if (!e)
		return -ENOMEM;
	ret = apply(ov, where, e, err, errlen);
	if (ret)
		return ret;
	snprintf(e->source, sizeof(e->source), "%s", source);
	if (added)
		st->overrides_added++;
	else
		st->overrides_merged++;
	return 0;
}

int tt_litellm_overrides(const struct tt_litellm_opts *o,
			 struct tt_litellm_table *tb,
			 struct tt_litellm_head *head,
			 struct tt_litellm_stats *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "note", "overrides", NULL };
	cJSON *root = cJSON_ParseWithLength(o->overrides, o->overrides_len);
	const cJSON *list, *ov;
	unsigned i = 0;
	int ret;

	if (!cJSON_IsObject(root)) {
		ret = tt_cfg_fail(err, errlen, "(overrides): not a JSON object");
		goto out;
	}
	ret = tt_cfg_check_keys(root, "", keys, err, errlen);
	if (ret)
		goto out;
	list = cJSON_GetObjectItemCaseSensitive(root, "overrides");
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > OVERRIDES_MAX) {
		ret = tt_cfg_fail(err, errlen, "overrides: must be an array of at most %d",
				  OVERRIDES_MAX);
		goto out;
	}
	cJSON_ArrayForEach(ov, list) {
		ret = one_override(ov, i++, tb, st, err, errlen);
		if (ret)
			goto out;
	}
	ret = tt_sha256_hex("", o->overrides, o->overrides_len,
			    head->overrides_sha256) ? -EIO : 0;
	tt_litellm_sort(tb);
out:
	cJSON_Delete(root);
	return ret;
}

/* ------------------------------------------------------------ writer */

struct buf {
	char *p;
	size_t n, cap;
	int nomem;
};

static void put(struct buf *b, const char *s)
{
	size_t k = strlen(s);

	if (b->nomem)
		return;
	if (b->n + k + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap : 1 << 16);
		char *p;

		while (cap < b->n + k + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->nomem = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, k + 1);
	b->n += k;
}

/* The rates that are there, as a per-million object (NULL when none). */
static cJSON *rates_json(const double rate[TT_PRICE_NCLASS])
{
	cJSON *o = NULL;

	for (int c = 0; c < TT_PRICE_NCLASS; c++) {
		if (rate[c] < 0)
			continue;
		if (!o)
			o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, tt_price_class_name(c), rate[c]);
	}
	return o;
}

static cJSON *entry_json(const struct tt_litellm_entry *e)
{
	cJSON *o = cJSON_CreateObject(), *tiers = NULL, *r;

	cJSON_AddStringToObject(o, "provider", e->provider);
	cJSON_AddStringToObject(o, "model", e->model);
	if (e->naliases) {
		cJSON *al = cJSON_AddArrayToObject(o, "aliases");

		for (unsigned i = 0; i < e->naliases; i++)
			cJSON_AddItemToArray(al, cJSON_CreateString(e->aliases[i]));
	}
	if (e->effective_from[0])
		cJSON_AddStringToObject(o, "effective_from", e->effective_from);
	cJSON_AddItemToObject(o, "per_million", rates_json(e->rate[TT_TIER_STANDARD]));
	for (int k = TT_TIER_BATCH; k < TT_TIER_N; k++) {
		if (!(r = rates_json(e->rate[k])))
			continue;
		if (!tiers)
			tiers = cJSON_AddObjectToObject(o, "tiers");
		cJSON_AddItemToObject(tiers, tt_price_tier_name(k), r);
	}
	if (e->long_above && (r = rates_json(e->long_rate))) {
		cJSON *lc = cJSON_AddObjectToObject(o, "long_context");

		cJSON_AddNumberToObject(lc, "above_input_tokens", (double)e->long_above);
		cJSON_AddItemToObject(lc, "per_million", r);
	}
	if (e->per_request >= 0)
		cJSON_AddNumberToObject(o, "per_request", e->per_request);
	if (e->source[0])
		cJSON_AddStringToObject(o, "source", e->source);
	return o;
}

/* "  \"key\": value,\n" with the value printed by cJSON. */
static void put_member(struct buf *b, const char *key, cJSON *v)
{
	char *s = v ? cJSON_PrintUnformatted(v) : NULL;

	if (!s) {
		b->nomem = 1;
	} else {
		put(b, "  \"");
		put(b, key);
		put(b, "\": ");
		put(b, s);
		put(b, ",\n");
	}
	free(s);
	cJSON_Delete(v);
}

static void put_head(struct buf *b, const struct tt_litellm_opts *o,
		     const struct tt_litellm_head *h)
{
	char version[64], source[256], ov[320];

	snprintf(version, sizeof(version), "litellm-%.12s%s%.8s",
		 h->commit ? h->commit : "unknown",
		 h->overrides_sha256[0] ? "+overrides-" : "", h->overrides_sha256);
	if (h->commit)
		snprintf(source, sizeof(source),
			 "https://github.com/BerriAI/litellm/blob/%.40s/model_prices_and_context_window.json",
			 h->commit);
	else
		snprintf(source, sizeof(source),
			 "https://github.com/BerriAI/litellm model_prices_and_context_window.json");
	put(b, "{\n");
	put_member(b, "format", cJSON_CreateNumber(2));
	put_member(b, "version", cJSON_CreateString(version));
	put_member(b, "currency", cJSON_CreateString("USD"));
	put_member(b, "source", cJSON_CreateString(source));
	if (h->commit)
		put_member(b, "source_commit", cJSON_CreateString(h->commit));
	put_member(b, "source_sha256", cJSON_CreateString(h->input_sha256));
	put_member(b, "license", cJSON_CreateString(
		"LiteLLM's table: MIT (BerriAI/litellm); overrides: see each entry's source"));
	put_member(b, "snapshot_date", cJSON_CreateString(o->snapshot_date));
	put_member(b, "note", cJSON_CreateString(
		"Estimated list prices per million tokens (USD) from LiteLLM's "
		"community table, converted by tokentap prices import litellm, "
		"plus hand-kept overrides; an estimate, never an invoice amount"));
	if (h->overrides_sha256[0]) {
		snprintf(ov, sizeof(ov), "%.200s sha256 %s",
			 o->overrides_name ? o->overrides_name : "(overrides)",
			 h->overrides_sha256);
		put_member(b, "overrides", cJSON_CreateString(ov));
	}
}

int tt_litellm_write(const struct tt_litellm_opts *o,
		     const struct tt_litellm_table *tb,
		     const struct tt_litellm_head *head, char **out,
		     size_t *outlen)
{
	struct buf b = { 0 };

	put_head(&b, o, head);
	put(&b, "  \"models\": [\n");
	for (size_t i = 0; i < tb->n && !b.nomem; i++) {
		cJSON *e = entry_json(&tb->e[i]);
		char *s = e ? cJSON_PrintUnformatted(e) : NULL;

		if (!s)
			b.nomem = 1;
		put(&b, "    ");
		put(&b, s ? s : "");
		put(&b, i + 1 < tb->n ? ",\n" : "\n");
		free(s);
		cJSON_Delete(e);
	}
	put(&b, "  ]\n}\n");
	if (b.nomem) {
		free(b.p);
		return -ENOMEM;
	}
	*out = b.p;
	*outlen = b.n;
	return 0;
}
