/* SPDX-License-Identifier: MIT */
/*
 * LiteLLM's community price table (model_prices_and_context_window.json,
 * BerriAI/litellm, MIT) into tokentap's (docs/pricing.md): provider names
 * mapped to ours, the routing prefix dropped from model names, per-token
 * prices turned into per-million ones, every component tokentap applies
 * kept (cache reads and writes by TTL, reasoning, audio and image
 * tokens, batch/flex/priority tiers, long-context rates, source URLs),
 * then the hand-kept overrides merged, each with its source. Pure: text
 * in, text out; the same input gives the same bytes.
 */
#ifndef TT_LITELLM_H
#define TT_LITELLM_H

#include <stddef.h>
#include <stdint.h>

#define TT_LITELLM_TEXT_MAX (64u << 20) /* bytes of LiteLLM JSON */
#define TT_LITELLM_PROVIDERS_MAX 32     /* names in opts.providers */

struct tt_litellm_opts {
	/* Comma-separated providers to keep, in tokentap's names
	 * ("openai,anthropic,aws.bedrock") or LiteLLM's ("bedrock_converse");
	 * NULL or "": all that map to one of ours. */
	const char *providers;
	const char *snapshot_date; /* YYYY-MM-DD: when the input was taken */
	/* The upstream commit when the input does not name it (the full
	 * upstream file does not; our extract does); NULL: none. */
	const char *commit;
	/* The overrides file (docs/pricing.md): its text, or NULL, and the
	 * name to record in the table ("config/prices-overrides.json"). */
	const char *overrides;
	size_t overrides_len;
	const char *overrides_name;
};

struct tt_litellm_stats {
	uint64_t entries;           /* models in the input */
	uint64_t imported;          /* written to the table */
	uint64_t other_provider;    /* LiteLLM providers not ours, or not asked for */
	uint64_t no_token_price;    /* priced per second, character, image only */
	uint64_t duplicates;        /* names another entry already took */
	uint64_t bad_rates;         /* a price that is not a number >= 0 (dropped) */
	uint64_t thresholds_dropped;/* long-context tiers beyond the first */
	uint64_t overrides_merged;  /* overrides that changed an imported entry */
	uint64_t overrides_added;   /* overrides that added an entry */
};

/* Converts text (the full upstream file, or an extract of the form
 * {"source", "commit", "models": {...}}) into a price table in *out
 * (malloc'd, NUL-terminated; the caller frees it). Returns 0, -EINVAL
 * with a message in err (the input or the overrides are not what they
 * should be, naming the field), -E2BIG, -EIO (hashing) or -ENOMEM. */
int tt_litellm_import(const char *text, size_t len,
		      const struct tt_litellm_opts *opts, char **out,
		      size_t *outlen, struct tt_litellm_stats *st, char *err,
		      size_t errlen);

/* Our name for a LiteLLM provider ("vertex_ai-anthropic_models" ->
 * "gcp.vertex_ai"), or NULL. */
const char *tt_litellm_provider(const char *litellm_provider);

#endif
