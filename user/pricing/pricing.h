/* SPDX-License-Identifier: MIT */
/*
 * Price table and cost of one call. The table is a JSON file (list
 * prices per million tokens, per token class, per provider and model,
 * with its source, snapshot date and version); parsing is pure (text in,
 * table out), unknown keys are errors and every error names the field.
 * Cost takes the normalized usage (provider/call.h) and returns an
 * amount, or no amount and a reason: an unknown model is never a zero.
 * The amount is a list-price estimate, not an invoice.
 */
#ifndef TT_PRICING_H
#define TT_PRICING_H

#include <stddef.h>
#include <stdint.h>
#include "provider/call.h"
#include "util/counters.h"

#define TT_PRICING_TEXT_MAX (8u << 20) /* bytes of table JSON */
#define TT_PRICING_MAX_MODELS 4096
#define TT_PRICING_MAX_ALIASES 16     /* per model */
#define TT_PRICING_PROVIDER_MAX 32    /* with the NUL, as tt_call.provider */
#define TT_PRICING_MODEL_MAX 128      /* with the NUL, as tt_call.*_model */
#define TT_PRICING_RATE_MAX 1e6       /* USD per million tokens, or per request */

/* Token classes a table may price. Names as in the file's per_million. */
enum tt_price_class {
	TT_PRICE_INPUT = 0,      /* uncached input */
	TT_PRICE_CACHED_INPUT,   /* cache reads */
	TT_PRICE_CACHE_WRITE,    /* cache writes (Anthropic 5-minute) */
	TT_PRICE_CACHE_WRITE_1H, /* 1-hour writes: kept, unused until usage splits them */
	TT_PRICE_OUTPUT,
	TT_PRICE_REASONING,      /* only where billed apart from output */
	TT_PRICE_NCLASS,
};

/* How a model name found its entry. */
enum tt_price_match {
	TT_PRICE_NONE = 0,
	TT_PRICE_EXACT,    /* the entry's model name */
	TT_PRICE_ALIAS,    /* one of its aliases */
	TT_PRICE_BASE,     /* after stripping dates, versions, region prefixes */
	TT_PRICE_FALLBACK, /* another provider's entry (see tt_pricing_lookup) */
};

struct tt_price_model {
	char provider[TT_PRICING_PROVIDER_MAX];
	char model[TT_PRICING_MODEL_MAX];
	double rate[TT_PRICE_NCLASS]; /* USD per million tokens; < 0: absent or null */
	double per_request;           /* USD per call; < 0: none */
	unsigned naliases;
};

/* Opaque to callers: a sorted (provider, name) index over models and
 * aliases. */
struct tt_price_key;

struct tt_pricing {
	char version[64];
	char currency[4];
	char source[1024];
	char snapshot_date[11]; /* YYYY-MM-DD */
	char note[256];
	struct tt_price_model *models;
	size_t nmodels;
	struct tt_price_key *index;
	size_t nindex;
};

struct tt_price_hit {
	const struct tt_price_model *entry;
	int match; /* enum tt_price_match */
};

struct tt_cost {
	int priced;            /* 1: amount holds the cost */
	double amount;         /* in currency; 0 when not priced */
	char currency[4];
	char reason[48];       /* "" when priced, else unknown_model, no_usage,
				* missing_rate:<class> */
	char table_version[64];
	char provider[TT_PRICING_PROVIDER_MAX]; /* the entry that priced it */
	char model[TT_PRICING_MODEL_MAX];
	int match;             /* enum tt_price_match */
	int usage_partial;     /* input or output was not reported: counted as 0 */
};

/* Counters the caller keeps (the table is shared and read-only);
 * util/counters.h. */
#define TT_PRICING_COUNTERS(X)                                                 \
	X(priced, "calls given a cost")                                        \
	X(unknown_model, "calls unpriced: model not in the table")             \
	X(no_usage, "calls unpriced: no token counts in the response")         \
	X(missing_rate, "calls unpriced: the entry lacks a rate they need")    \
	X(fallback, "calls priced with another provider's entry")              \
	X(inconsistent, "calls whose cache or reasoning counts exceed totals")

struct tt_pricing_stats {
	TT_PRICING_COUNTERS(TT_COUNTER_FIELD)
};

/* Parses len bytes of table JSON into *t (empty on error; calling
 * tt_pricing_free() whatever the result is safe). Returns 0, -EINVAL with a
 * message naming the field in err, -E2BIG (text over TT_PRICING_TEXT_MAX,
 * too many models or aliases, also with a message), or -ENOMEM. */
int tt_pricing_parse(const char *text, size_t len, struct tt_pricing *t,
		     char *err, size_t errlen);
/* Reads a file and parses it. Also returns the file's -errno. */
int tt_pricing_load(const char *path, struct tt_pricing *t, char *err,
		    size_t errlen);
void tt_pricing_free(struct tt_pricing *t);

/* Finds the entry for a model of a provider (tt_call.provider names).
 * Order: exact name, alias, then the base name (stripping, one step at a
 * time: a path before the last '/', a Vertex "@version", a Bedrock region
 * prefix "us."/"eu."/"apac."/"global."/..., ":N" and "-vN" versions,
 * "-YYYY-MM-DD", "-YYYYMMDD", "-YYMM"/"-MMDD", "-NNN", "-latest"), then
 * the fallback provider: azure.ai.openai -> openai, gcp.vertex_ai ->
 * gcp.gemini (anthropic for "claude*" models), aws.bedrock
 * "anthropic.<model>" -> anthropic "<model>".
 * Names compare case-insensitively. Returns 0 or -ENOENT. */
int tt_pricing_lookup(const struct tt_pricing *t, const char *provider,
		      const char *model, struct tt_price_hit *hit);

/* Cost of one call. The entry is looked up by response_model first, then
 * request_model (either may be NULL or ""). Input classes: uncached =
 * input - cache_read - cache_creation at the input rate, cache reads at
 * cached_input, cache writes at cache_write; output at the output rate,
 * or, when the entry has a reasoning rate, output - reasoning at the
 * output rate and reasoning at the reasoning rate; plus per_request.
 * A class with tokens needs its rate (no silent fallback to another).
 * Fills *cost. Returns 0 when priced, -ENOENT (unknown_model), -ENODATA
 * (no_usage: no usage, or neither input nor output reported) or -EDOM
 * (missing_rate:<class>). stats may be NULL. */
int tt_pricing_cost(const struct tt_pricing *t, const char *provider,
		    const char *response_model, const char *request_model,
		    const struct tt_usage *usage, struct tt_cost *cost,
		    struct tt_pricing_stats *stats);

const char *tt_price_class_name(int cls);
const char *tt_price_match_name(int match);

#endif
