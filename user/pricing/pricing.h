/* SPDX-License-Identifier: MIT */
/*
 * Price table and cost of one call. The table is a JSON file (list
 * prices per million tokens, per component, per provider and model, with
 * its source, snapshot date and version; docs/pricing.md); parsing is
 * pure (text in, table out), unknown keys are errors and every error
 * names the field. Cost takes the normalized usage (provider/call.h), the
 * call's service tier and time, and returns an amount split by component,
 * or no amount and a reason: an unknown model is never a zero, and usage
 * that cannot be true (a part above its whole, a fractional or absurd
 * count) is never charged. The amount is a list-price estimate, not an
 * invoice.
 */
#ifndef TT_PRICING_H
#define TT_PRICING_H

#include <stddef.h>
#include <stdint.h>
#include "provider/call.h"
#include "util/counters.h"

#define TT_PRICING_TEXT_MAX (8u << 20) /* bytes of table JSON */
#define TT_PRICING_MAX_MODELS 8192
#define TT_PRICING_MAX_ALIASES 16     /* per model */
#define TT_PRICING_PROVIDER_MAX 32    /* with the NUL, as tt_call.provider */
#define TT_PRICING_MODEL_MAX 128      /* with the NUL, as tt_call.*_model */
#define TT_PRICING_RATE_MAX 1e6       /* USD per million tokens, or per request */
#define TT_PRICING_URL_MAX 512        /* a source URL, with the NUL */
#define TT_COST_LACKED_MAX 8
#define TT_COST_LACKED_LEN 40

/* Price components: the per_million keys, in the ledger's
 * cost.components order. The input classes are parts of
 * usage.input_tokens, the output classes parts of usage.output_tokens
 * (provider/call.h); "input" and "output" are what is left of each. */
enum tt_price_class {
	TT_PRICE_INPUT = 0,      /* uncached text input */
	TT_PRICE_CACHED_INPUT,   /* cache reads */
	TT_PRICE_CACHE_WRITE,    /* cache writes: 5-minute, or not split */
	TT_PRICE_CACHE_WRITE_1H, /* 1-hour cache writes (Anthropic) */
	TT_PRICE_OUTPUT,         /* text output */
	TT_PRICE_REASONING,      /* reasoning/thinking output */
	TT_PRICE_AUDIO_INPUT,    /* uncached audio input */
	TT_PRICE_AUDIO_OUTPUT,
	TT_PRICE_IMAGE_INPUT,    /* uncached image input */
	TT_PRICE_IMAGE_OUTPUT,
	TT_PRICE_NCLASS,
};

/* Service tiers a table may price apart (an entry's "tiers"). */
enum tt_price_tier {
	TT_TIER_STANDARD = 0,
	TT_TIER_BATCH,
	TT_TIER_FLEX,
	TT_TIER_PRIORITY,
	TT_TIER_N,
};

/* How a model name found its entry. */
enum tt_price_match {
	TT_PRICE_NONE = 0,
	TT_PRICE_EXACT,    /* the entry's model name */
	TT_PRICE_ALIAS,    /* one of its aliases */
	TT_PRICE_BASE,     /* after stripping dates, versions, region prefixes */
	TT_PRICE_FALLBACK, /* another provider's entry (see tt_pricing_lookup) */
	TT_PRICE_WILDCARD, /* the provider's "*" entry: every other model */
};

#define TT_PRICE_NO_DAY INT32_MIN /* no effective_from: valid always */

struct tt_price_model {
	char provider[TT_PRICING_PROVIDER_MAX];
	char model[TT_PRICING_MODEL_MAX];
	/* USD per million tokens; < 0: absent. [TT_TIER_STANDARD] is
	 * "per_million", the others the entry's "tiers". */
	double rate[TT_TIER_N][TT_PRICE_NCLASS];
	/* Rates for the whole call when its input is above long_above
	 * tokens (0: no long-context prices). */
	int64_t long_above;
	double long_rate[TT_PRICE_NCLASS];
	double per_request;           /* USD per call; < 0: none */
	int32_t effective_day;        /* days since 1970-01-01, or NO_DAY */
	char effective_from[11];      /* as in the file, "" when none */
	unsigned naliases;
};

/* Opaque to callers: a sorted (provider, name, date) index over models
 * and aliases. */
struct tt_price_key;

struct tt_pricing {
	int format;              /* 1: the first format, 2: this one */
	char version[64];
	char currency[4];
	char source[1024];
	char snapshot_date[11];  /* YYYY-MM-DD */
	char note[256];
	char sha256[65];         /* of the file's bytes, lower-case hex */
	struct tt_price_model *models;
	size_t nmodels;
	struct tt_price_key *index;
	size_t nindex;
};

struct tt_price_hit {
	const struct tt_price_model *entry;
	int match; /* enum tt_price_match */
};

/* One call to price. Any string may be NULL or "". */
struct tt_price_query {
	const char *provider;
	const char *response_model, *request_model; /* tried in this order */
	const struct tt_usage *usage;  /* NULL: none */
	const char *usage_problem;     /* the decoder's finding (a count
					* that was not a whole number...) */
	const char *service_tier;      /* as the call reported it */
	uint64_t time_ns;              /* Unix ns; 0: the latest prices */
};

struct tt_cost {
	int priced;            /* 1: amount holds the cost */
	double amount;         /* in currency; 0 when not priced */
	/* Per component, and [TT_PRICE_NCLASS] the per-request fee; NaN
	 * where the call had none of it (or was not priced). */
	double part[TT_PRICE_NCLASS + 1];
	char currency[4];
	char reason[48];       /* "" when priced, else unknown_model,
				* no_usage, invalid_usage, no_price_at_date,
				* missing_rate:<class> */
	char table_version[64];
	char table_sha256[65];
	char provider[TT_PRICING_PROVIDER_MAX]; /* the entry that priced it */
	char model[TT_PRICING_MODEL_MAX];
	char effective_from[11]; /* of that entry, "" when none */
	int match;             /* enum tt_price_match */
	int usage_partial;     /* input or output was not reported: counted as 0 */
	int tier;              /* enum tt_price_tier of the call */
	int long_context;      /* the long-context rates applied */
	/* What the table lacked for this call, priced at a base rate
	 * instead (docs/pricing.md): "cache_write" (priced as input),
	 * "cached_input@priority" (at the standard rate), "priority" (no
	 * priority rates at all), "service_tier" (a tier the table does
	 * not know), ... */
	unsigned nlacked;
	char lacked[TT_COST_LACKED_MAX][TT_COST_LACKED_LEN];
};

/* Counters the caller keeps (the table is shared and read-only);
 * util/counters.h. */
#define TT_PRICING_COUNTERS(X)                                                 \
	X(priced, "calls given a cost")                                        \
	X(unknown_model, "calls unpriced: model not in the table")             \
	X(no_usage, "calls unpriced: no token counts in the response")         \
	X(missing_rate, "calls unpriced: the entry lacks an input or output rate") \
	X(invalid_usage, "calls unpriced: usage inconsistent, fractional or absurd") \
	X(no_price_at_date, "calls unpriced: the model's prices start after the call") \
	X(fallback, "calls priced with another provider's entry")              \
	X(substituted, "calls priced with a rate the entry lacked taken from a base rate") \
	X(long_context, "calls priced at long-context rates")                  \
	X(tiered, "calls priced at a batch, flex or priority rate")

struct tt_pricing_stats {
	TT_PRICING_COUNTERS(TT_COUNTER_FIELD)
};

/* Parses len bytes of table JSON into *t (empty on error; calling
 * tt_pricing_free() whatever the result is safe). Returns 0, -EINVAL with a
 * message naming the field in err, -E2BIG (text over TT_PRICING_TEXT_MAX,
 * too many models or aliases, also with a message), -EIO (hashing failed)
 * or -ENOMEM. */
int tt_pricing_parse(const char *text, size_t len, struct tt_pricing *t,
		     char *err, size_t errlen);
/* Reads a file and parses it. Also returns the file's -errno. */
int tt_pricing_load(const char *path, struct tt_pricing *t, char *err,
		    size_t errlen);
void tt_pricing_free(struct tt_pricing *t);

/* Finds the entry for a model of a provider (tt_call.provider names)
 * valid on a day (days since 1970-01-01; TT_PRICE_NO_DAY: the latest).
 * Order: exact name, alias, then the base name (stripping, one step at a
 * time: a path before the last '/', a Vertex "@version", a Bedrock region
 * prefix "us."/"eu."/"apac."/"global."/..., ":N" and "-vN" versions,
 * "-YYYY-MM-DD", "-YYYYMMDD", "-YYMM"/"-MMDD", "-NNN", "-latest"), then
 * the fallback provider: azure.ai.openai -> openai, gcp.vertex_ai ->
 * gcp.gemini (anthropic for "claude*" models), aws.bedrock
 * "anthropic.<model>" -> anthropic "<model>", openrouter "<vendor>/<model>"
 * -> the vendor's own entry; last the provider's "*" entry, which an
 * operator writes to price every other model of an endpoint alike (a
 * self-hosted server at zero). Of the versions of one name, the one with
 * the latest effective_from on or before the day wins; a name whose
 * versions all start later does not match (*future set, when given).
 * Names compare case-insensitively. Returns 0 or -ENOENT. */
int tt_pricing_lookup_at(const struct tt_pricing *t, const char *provider,
			 const char *model, int32_t day,
			 struct tt_price_hit *hit, int *future);
/* The latest prices. */
int tt_pricing_lookup(const struct tt_pricing *t, const char *provider,
		      const char *model, struct tt_price_hit *hit);

/* Cost of one call (docs/pricing.md has the rules). The entry is looked
 * up by response model, then request model, at the call's day. Each
 * component's tokens at its rate: the tier's rate when the call ran in a
 * batch, flex or priority tier and the entry has one, else the
 * long-context rate when the input is above the entry's threshold, else
 * the standard rate. A component the entry has no rate for is priced at
 * its base (cache_write_1h -> cache_write -> input, cached_input,
 * audio_input, image_input -> input; reasoning, audio_output,
 * image_output -> output) and named in cost->lacked (reasoning at the
 * output rate is how every provider bills it: not named). Fills *cost.
 * Returns 0 when priced, -ENOENT (unknown_model, or no_price_at_date),
 * -ENODATA (no_usage: no usage, or neither input nor output reported),
 * -EBADMSG (invalid_usage: usage_problem set, or tt_usage_check found
 * one) or -EDOM (missing_rate:input or :output). stats may be NULL. */
int tt_pricing_cost(const struct tt_pricing *t, const struct tt_price_query *q,
		    struct tt_cost *cost, struct tt_pricing_stats *stats);

/* Why usage cannot be true, or NULL when it can: a count above
 * TT_USAGE_COUNT_MAX ("absurd_count"), cache reads and writes above the
 * input ("cache_above_input"), 1-hour writes above all writes
 * ("cache_1h_above_writes"), uncached audio and image above the uncached
 * input ("media_above_input"), reasoning, audio and image above the
 * output ("parts_above_output"). Pure. */
const char *tt_usage_check(const struct tt_usage *u);

/* The tier a call's service_tier names: "" "default" "standard" "auto"
 * "standard_only" "on_demand" -> standard; "batch"; "flex"
 * "on_demand_flex"; "priority" "on_demand_priority" "fast" -> priority
 * (case-insensitive). -1 for any other name. */
int tt_price_tier_of(const char *service_tier);

const char *tt_price_class_name(int cls);
const char *tt_price_tier_name(int tier);
const char *tt_price_match_name(int match);
/* "YYYY-MM-DD" to days since 1970-01-01: 0 or -EINVAL. */
int tt_price_parse_day(const char *s, int32_t *day);

#endif
