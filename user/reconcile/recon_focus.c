// SPDX-License-Identifier: MIT
/*
 * FOCUS (FinOps Open Cost and Usage Specification, 1.0 and later) CSV
 * exports into reconciliation rows: Azure cost exports, AWS Data Exports
 * (CUR 2.0 FOCUS), Google Cloud Billing FOCUS, and tokentap's own FOCUS
 * rows. Only Usage charges of AI services count. FOCUS has no model
 * column: the model comes from ResourceId (a Bedrock foundation-model
 * ARN, a Vertex publisher model path) or a column the caller names;
 * without one the provider is compared over all its models.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "reconcile/recon.h"

#define RECORD_MAX (1u << 20)   /* bytes of one CSV record, unquoted */

enum col {
	C_START, C_END, C_COST, C_CURRENCY, C_SERVICE, C_PROVIDER,
	C_CATEGORY, C_CLASS, C_QUANTITY, C_UNIT, C_RESOURCE, C_MODEL,
	C_SUBACCOUNT, C__COUNT
};

struct csv {
	const char *p, *end;
	char *scratch;
	char *field[TT_RECON_CSV_FIELDS_MAX];
	size_t nfields;
	uint64_t record;        /* 1: the header */
};

/* One record into c->field (NUL-terminated, quotes undone). 1: a record,
 * 0: end of input, -EINVAL: a broken quote or too many fields, -E2BIG:
 * a record over RECORD_MAX. */
static int csv_next(struct csv *c)
{
	size_t n = 0;
	int quoted = 0, at_start = 1;

	if (c->p >= c->end)
		return 0;
	c->nfields = 0;
	c->record++;
	c->field[c->nfields++] = c->scratch;
	while (c->p < c->end) {
		char ch = *c->p++;

		if (n + 2 > RECORD_MAX)
			return -E2BIG;
		if (quoted) {
			if (ch != '"') {
				c->scratch[n++] = ch;
			} else if (c->p < c->end && *c->p == '"') {
				c->scratch[n++] = '"';
				c->p++;
			} else {
				quoted = 0;
			}
			continue;
		}
		if (ch == '"' && at_start) {
			quoted = 1;
			at_start = 0;
			continue;
		}
		if (ch == ',' || ch == '\n') {
			/* A trailing "\r" of CRLF is no content. */
			if (ch == '\n' && n && c->scratch[n - 1] == '\r' &&
			    c->field[c->nfields - 1] <= c->scratch + n - 1)
				n--;
			c->scratch[n++] = '\0';
			if (ch == '\n')
				return 1;
			if (c->nfields >= TT_RECON_CSV_FIELDS_MAX)
				return -EINVAL;
			c->field[c->nfields++] = c->scratch + n;
			at_start = 1;
			continue;
		}
		c->scratch[n++] = ch;
		at_start = 0;
	}
	if (quoted)
		return -EINVAL;
	if (n && c->scratch[n - 1] == '\r')
		n--;
	c->scratch[n] = '\0';
	return 1;
}

/* The provider tokentap names this FOCUS row's service; NULL: not AI. */
static const char *provider_of(const struct tt_recon_opts *o,
			       const char *service, const char *provider)
{
	for (size_t i = 0; i < o->nservices; i++)
		if (!strcasecmp(service, o->service_name[i]))
			return o->service_provider[i];
	if (strcasestr(service, "bedrock"))
		return "aws.bedrock";
	if (strcasestr(service, "vertex"))
		return "gcp.vertex_ai";
	if (strcasestr(service, "gemini"))
		return "gcp.gemini";
	if (strcasestr(service, "openai") &&
	    (strcasestr(provider, "microsoft") || strcasestr(service, "azure")))
		return "azure.ai.openai";
	if (!strcasecmp(provider, "OpenAI"))
		return "openai";
	if (!strcasecmp(provider, "Anthropic"))
		return "anthropic";
	return NULL;
}

/* The model of a ResourceId: after "foundation-model/",
 * "inference-profile/" or the last "/models/"; tokentap's own rows name
 * it as is. NULL: none. */
static const char *model_of(const char *resource, const char *provider)
{
	static const char *const marks[] = { "foundation-model/",
					     "inference-profile/" };
	const char *p, *last = NULL;

	if (!resource[0])
		return NULL;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		p = strstr(resource, marks[i]);
		if (p && p[strlen(marks[i])])
			return p + strlen(marks[i]);
	}
	for (p = resource; (p = strstr(p, "/models/")); p += 8)
		last = p + 8;
	if (last && *last)
		return last;
	if (!strcmp(provider, "openai") || !strcmp(provider, "anthropic"))
		return resource;
	return NULL;
}

/* ConsumedUnit as tokens per unit: "Tokens" 1, "1K Tokens" 1000, "1M
 * tokens" 10^6, "1000 Tokens" 1000; 0: not tokens. */
static double token_unit(const char *unit)
{
	char *end = NULL;
	double n = 1;

	while (*unit == ' ')
		unit++;
	if (*unit >= '0' && *unit <= '9') {
		n = strtod(unit, &end);
		unit = end;
		if (*unit == 'K' || *unit == 'k')
			n *= 1e3, unit++;
		else if (*unit == 'M' || *unit == 'm')
			n *= 1e6, unit++;
		while (*unit == ' ')
			unit++;
	}
	if (!strncasecmp(unit, "thousand ", 9))
		n *= 1e3, unit += 9;
	else if (!strncasecmp(unit, "million ", 8))
		n *= 1e6, unit += 8;
	if (strcasecmp(unit, "tokens") && strcasecmp(unit, "token"))
		return 0;
	return n > 0 && n <= 1e9 ? n : 0;
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
	char *end = NULL;

	if (!s[0] || strchr(" \t", s[0]))
		return -1;
	*out = strtod(s, &end);
	return *end || !(*out >= lo && *out <= hi) ? -1 : 0;
}

/* Column indices by name; -1 absent. */
static int header(struct csv *c, const struct tt_recon_opts *o, int *col,
		  char *err, size_t errlen)
{
	const char *names[C__COUNT] = {
		"ChargePeriodStart", "ChargePeriodEnd",
		o->focus_cost_column ? o->focus_cost_column : "BilledCost",
		"BillingCurrency", "ServiceName", "ProviderName",
		"ChargeCategory", "ChargeClass", "ConsumedQuantity",
		"ConsumedUnit", "ResourceId", o->focus_model_column,
		"SubAccountId",
	};

	for (int i = 0; i < C__COUNT; i++) {
		col[i] = -1;
		for (size_t f = 0; names[i] && f < c->nfields; f++)
			if (!strcmp(c->field[f], names[i]))
				col[i] = (int)f;
		if (col[i] < 0 && (i <= C_CATEGORY || i == C_MODEL) &&
		    names[i]) {
			snprintf(err, errlen, "FOCUS header: no %s column",
				 names[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static const char *field_at(const struct csv *c, int col)
{
	return col >= 0 && (size_t)col < c->nfields ? c->field[col] : "";
}

/* One data record to a row: 1 use it, 0 skipped (counted), -1 bad. */
static int focus_row(struct tt_recon *rc, const struct csv *c, const int *col,
		     struct tt_recon_row *row, struct tt_recon_file *file)
{
	const char *category = field_at(c, col[C_CATEGORY]);
	const char *provider, *model, *start = field_at(c, col[C_START]);
	const char *end = field_at(c, col[C_END]);
	double quantity, per;
	int64_t s_us, e_us;

	if (strcasecmp(category, "Usage") ||
	    !strcasecmp(field_at(c, col[C_CLASS]), "Correction")) {
		rc->skipped[TT_RSKIP_NOT_USAGE]++;
		file->skipped[TT_RSKIP_NOT_USAGE]++;
		return 0;
	}
	provider = provider_of(&rc->opts, field_at(c, col[C_SERVICE]),
			       field_at(c, col[C_PROVIDER]));
	if (!provider) {
		rc->skipped[TT_RSKIP_NOT_AI]++;
		file->skipped[TT_RSKIP_NOT_AI]++;
		return 0;
	}
	if (tt_report_parse_time(start, strlen(start), &s_us) ||
	    tt_report_parse_time(end, strlen(end), &e_us) || e_us <= s_us ||
	    parse_num(field_at(c, col[C_COST]), -TT_RECON_COST_MAX,
		      TT_RECON_COST_MAX, &row->cost) ||
	    strlen(field_at(c, col[C_CURRENCY])) != 3)
		return -1;
	tt_recon_cover(rc, provider, TT_RECON_FOCUS);
	tt_recon_window(rc, s_us, e_us);
	if (tt_report_day(s_us) != tt_report_day(e_us - 1))
		file->misaligned++;
	row->day = tt_report_day(s_us);
	row->has_cost = 1;
	row->currency = field_at(c, col[C_CURRENCY]);
	row->format = TT_RECON_FOCUS;
	per = token_unit(field_at(c, col[C_UNIT]));
	if (per > 0) {
		if (parse_num(field_at(c, col[C_QUANTITY]), 0,
			      TT_RECON_TOKENS_MAX, &quantity) ||
		    quantity * per > TT_RECON_TOKENS_MAX)
			return -1;
		row->has_tokens = 1;
		row->input = (uint64_t)(quantity * per + 0.5);
	}
	model = col[C_MODEL] >= 0 ? field_at(c, col[C_MODEL]) :
		model_of(field_at(c, col[C_RESOURCE]), provider);
	row->provider = provider;
	row->provider_len = strlen(provider);
	row->model = model && model[0] ? model : NULL;
	row->model_len = row->model ? strlen(row->model) : 0;
	row->project = field_at(c, col[C_SUBACCOUNT])[0] ?
		       field_at(c, col[C_SUBACCOUNT]) : NULL;
	row->project_len = row->project ? strlen(row->project) : 0;
	return 1;
}

int tt_recon_parse_focus(struct tt_recon *rc, const char *buf, size_t len,
			 struct tt_recon_file *file, char *err, size_t errlen)
{
	struct csv c = { .p = buf, .end = buf + len };
	int col[C__COUNT], ret;

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		c.p += 3;
	c.scratch = malloc(RECORD_MAX);
	if (!c.scratch)
		return -ENOMEM;
	ret = csv_next(&c);
	if (ret == 1)
		ret = header(&c, &rc->opts, col, err, errlen);
	else
		snprintf(err, errlen, "FOCUS header unreadable");
	while (!ret) {
		struct tt_recon_row row = { 0 };
		int use;

		ret = csv_next(&c);
		if (ret <= 0) {
			if (ret)
				snprintf(err, errlen, "record %llu: %s",
					 (unsigned long long)c.record,
					 ret == -E2BIG ? "over 1 MiB" :
					 "unterminated quote or over 512 "
					 "fields");
			break;
		}
		if (c.nfields == 1 && !c.field[0][0]) {
			ret = 0; /* a blank line */
			continue;
		}
		use = focus_row(rc, &c, col, &row, file);
		ret = 0;
		if (use < 0) {
			rc->skipped[TT_RSKIP_BAD_ROW]++;
			file->skipped[TT_RSKIP_BAD_ROW]++;
		} else if (use) {
			ret = tt_recon_add_row(rc, &row, file);
		}
	}
	free(c.scratch);
	return ret == -E2BIG ? -EINVAL : ret;
}
