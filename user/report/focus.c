// SPDX-License-Identifier: MIT
/*
 * FOCUS-style CSV rows (FinOps FOCUS 1.2 column names): one row per
 * group and UTC day. The costs are list-price estimates, so BilledCost is
 * 0 and ListCost, EffectiveCost and ContractedCost carry the estimate;
 * docs/report.md lists each column and what cannot be filled honestly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/jsonw.h"
#include "report/report.h"
#include "report/report_impl.h"

/* gen_ai.provider.name values to who sells the service and its name. */
static const struct {
	const char *id, *provider, *service;
	int by_model; /* a marketplace: the publisher comes from the model */
} providers[] = {
	{ "openai", "OpenAI", "OpenAI API", 0 },
	{ "anthropic", "Anthropic", "Claude API", 0 },
	{ "azure.ai.openai", "Microsoft", "Azure OpenAI", 1 },
	{ "azure.ai.inference", "Microsoft", "Azure AI Inference", 1 },
	{ "gcp.gemini", "Google", "Gemini API", 0 },
	{ "gcp.vertex_ai", "Google", "Vertex AI", 1 },
	{ "gcp.gen_ai", "Google", "Google Gen AI", 1 },
	{ "aws.bedrock", "AWS", "Amazon Bedrock", 1 },
	{ "cohere", "Cohere", "Cohere API", 0 },
	{ "mistral_ai", "Mistral AI", "Mistral AI API", 0 },
	{ "deepseek", "DeepSeek", "DeepSeek API", 0 },
	{ "x_ai", "xAI", "xAI API", 0 },
	{ "perplexity", "Perplexity", "Perplexity API", 0 },
	{ "groq", "Groq", "GroqCloud", 1 },
	{ "together", "Together AI", "Together AI API", 1 },
	{ "fireworks", "Fireworks AI", "Fireworks AI API", 1 },
	{ "openrouter", "OpenRouter", "OpenRouter API", 1 },
	{ "ibm.watsonx.ai", "IBM", "watsonx.ai", 1 },
	{ "ollama", "Ollama", "Ollama (self-hosted)", 1 },
};

/* Model name fragments to their publisher, for marketplaces; first
 * match wins (Bedrock ids carry region prefixes: "us.anthropic."). */
static const struct {
	const char *part, *publisher;
} publishers[] = {
	{ "anthropic", "Anthropic" }, { "claude", "Anthropic" },
	{ "openai", "OpenAI" }, { "gpt-", "OpenAI" },
	{ "meta", "Meta" }, { "llama", "Meta" },
	{ "amazon.", "Amazon" }, { "mistral", "Mistral AI" },
	{ "mixtral", "Mistral AI" }, { "cohere", "Cohere" },
	{ "ai21", "AI21 Labs" }, { "gemini", "Google" }, { "gemma", "Google" },
	{ "deepseek", "DeepSeek" }, { "qwen", "Alibaba" },
	{ "grok", "xAI" }, { "phi-", "Microsoft" },
};

struct names {
	const char *provider, *publisher, *service;
};

static void names_of(const char *provider, const char *model,
		     struct names *n)
{
	size_t i;

	n->provider = n->publisher = n->service = provider;
	if (!provider)
		return;
	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (!strcmp(providers[i].id, provider))
			break;
	if (i == sizeof(providers) / sizeof(providers[0]))
		return; /* unknown: the id itself */
	n->provider = n->publisher = providers[i].provider;
	n->service = providers[i].service;
	if (!providers[i].by_model || !model)
		return;
	if (!strcmp(provider, "azure.ai.openai"))
		n->publisher = "OpenAI";
	for (size_t p = 0; p < sizeof(publishers) / sizeof(publishers[0]); p++)
		if (strcasestr(model, publishers[p].part)) {
			n->publisher = publishers[p].publisher;
			return;
		}
}

static const char *const columns =
	"BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,"
	"BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,"
	"ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,"
	"ConsumedQuantity,ConsumedUnit,ContractedCost,EffectiveCost,"
	"InvoiceIssuerName,ListCost,PricingQuantity,PricingUnit,ProviderName,"
	"PublisherName,ResourceId,ServiceCategory,ServiceName,"
	"ServiceSubcategory,Tags,x_InputTokens,x_OutputTokens,"
	"x_CacheReadInputTokens,x_CacheCreationInputTokens,x_ReasoningTokens,"
	"x_Calls,x_SuccessfulCalls,x_FailedCalls,x_UnpricedCalls,"
	"x_EstimateSource\n";

/* "YYYY-MM-DDT00:00:00Z" of a day. */
static void day_time(int32_t day, char *out)
{
	tt_report_format_time((int64_t)day * 86400 * 1000000, out);
	memcpy(out + 19, "Z", 2);
}

static int key_index(const struct tt_report *r, enum tt_report_key k)
{
	for (size_t i = 0; i < r->opts.nkeys; i++)
		if (r->opts.keys[i] == k)
			return (int)i;
	return -1;
}

/* Tags: the rule's allocation values under their own names (the user
 * defined them), the other keys under "tokentap/"; null values left out. */
static void tags(const struct tt_report *r, const struct tt_report_group *g,
		 struct tt_jsonw *w)
{
	char name[64];

	tt_jsonw_open(w, NULL);
	if (g->other)
		tt_jsonw_bool(w, "tokentap/other", 1);
	for (size_t i = 0; i < r->opts.nkeys && !g->other; i++) {
		enum tt_report_key k = r->opts.keys[i];

		if (k == TT_RKEY_PROVIDER || k == TT_RKEY_MODEL || !g->val[i])
			continue;
		snprintf(name, sizeof(name), "%s%s",
			 k <= TT_RKEY_ENVIRONMENT ? "" : "tokentap/",
			 tt_report_key_name(k));
		tt_jsonw_str(w, name, g->val[i]);
	}
	tt_jsonw_close(w);
}

static void put_dec(struct tt_rout *o, double v)
{
	char tmp[64];

	tt_rfmt_decimal(v, tmp);
	tt_rout_str(o, tmp);
}

static void row(const struct tt_report *r, const struct tt_report_cell *c,
		struct tt_rout *o, struct tt_jsonw *w, int pi, int mi)
{
	const struct tt_report_group *g = &r->groups[c->group];
	const char *provider = g->val[pi], *model = g->val[mi];
	const char *version = tt_report_version(r, c->version);
	char t[4][32], desc[2 * TT_REPORT_VALUE_MAX + 256], extra[48];
	double cost = tt_report_sum_value(&c->cost);
	uint64_t tokens = c->tokens[TT_RTOK_INPUT];
	int32_t ms, me;
	struct names n;
	long len;

	tt_rsat_add(&tokens, c->tokens[TT_RTOK_OUTPUT]);
	if (g->other)
		n.provider = n.publisher = n.service = "(other)";
	else
		names_of(provider, model, &n);
	tt_rmonth_bounds(c->day, &ms, &me);
	day_time(me, t[0]);
	day_time(ms, t[1]);
	day_time(c->day + 1, t[2]);
	day_time(c->day, t[3]);
	extra[0] = '\0';
	if (c->unpriced)
		snprintf(extra, sizeof(extra), ", %llu of them unpriced",
			 (unsigned long long)c->unpriced);
	snprintf(desc, sizeof(desc), "Estimated list-price cost of %llu AI "
		 "API call%s to %s via %s%s (tokentap; not an invoice amount)",
		 (unsigned long long)c->calls, c->calls == 1 ? "" : "s",
		 model ? model : "-", provider ? provider : "-", extra);
	tt_rout_str(o, "0,,,");                 /* BilledCost, account */
	tt_rout_str(o, g->currency);
	tt_rout_fmt(o, ",%s,%s,Usage,,", t[0], t[1]);
	tt_rout_csv(o, desc);
	tt_rout_fmt(o, ",Usage-Based,%s,%s,%llu,Tokens,", t[2], t[3],
		    (unsigned long long)tokens);
	put_dec(o, cost);                       /* ContractedCost */
	tt_rout_put(o, ",", 1);
	put_dec(o, cost);                       /* EffectiveCost */
	tt_rout_put(o, ",", 1);
	tt_rout_csv(o, n.provider);             /* InvoiceIssuerName */
	tt_rout_put(o, ",", 1);
	put_dec(o, cost);                       /* ListCost */
	tt_rout_fmt(o, ",%llu,Tokens,", (unsigned long long)tokens);
	tt_rout_csv(o, n.provider);
	tt_rout_put(o, ",", 1);
	tt_rout_csv(o, n.publisher);
	tt_rout_put(o, ",", 1);
	tt_rout_csv(o, model);                  /* ResourceId */
	tt_rout_str(o, ",AI and Machine Learning,");
	tt_rout_csv(o, n.service);
	tt_rout_str(o, ",Generative AI,");
	tags(r, g, w);
	len = tt_jsonw_finish(w);
	tt_rout_csv(o, len < 0 ? "{}" : w->buf);
	tt_rout_fmt(o, ",%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,",
		    (unsigned long long)c->tokens[TT_RTOK_INPUT],
		    (unsigned long long)c->tokens[TT_RTOK_OUTPUT],
		    (unsigned long long)c->tokens[TT_RTOK_CACHE_READ],
		    (unsigned long long)c->tokens[TT_RTOK_CACHE_WRITE],
		    (unsigned long long)c->tokens[TT_RTOK_REASONING],
		    (unsigned long long)c->calls,
		    (unsigned long long)c->successes,
		    (unsigned long long)c->failures,
		    (unsigned long long)c->unpriced);
	tt_rout_str(o, "tokentap list_price_snapshot");
	if (version || c->version == TT_REPORT_MIXED_VERSION) {
		tt_rout_put(o, " ", 1);
		tt_rout_csv(o, version ? version : "mixed");
	}
	tt_rout_put(o, "\n", 1);
}

#define TAGS_MAX (TT_RKEY__COUNT * (TT_REPORT_VALUE_MAX * 6 + 64) + 64)

int tt_report_write_focus(const struct tt_report *r, tt_report_sink sink,
			  void *ctx)
{
	int pi = key_index(r, TT_RKEY_PROVIDER);
	int mi = key_index(r, TT_RKEY_MODEL);
	struct tt_jsonw w;
	struct tt_rout o;
	char *buf;

	if (!r->finished || pi < 0 || mi < 0)
		return -EINVAL;
	buf = malloc(TAGS_MAX);
	if (!buf)
		return -ENOMEM;
	tt_rout_init(&o, sink, ctx);
	tt_rout_str(&o, columns);
	for (size_t i = 0; i < r->ncells && !o.err; i++) {
		const struct tt_report_cell *c = &r->cells[r->cell_order[i]];

		if (!c->calls)
			continue; /* only dark connections: no cost to state */
		tt_jsonw_init(&w, buf, TAGS_MAX);
		row(r, c, &o, &w, pi, mi);
	}
	free(buf);
	return tt_rout_end(&o);
}
