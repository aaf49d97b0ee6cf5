// SPDX-License-Identifier: MIT
/* The models of a ledger a price table lacks; see pricecheck.h. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/ledger_price.h"
#include "report/pricecheck.h"
#include "report/report_impl.h"

#define NS_PER_DAY (86400LL * 1000000000LL)

void tt_pcheck_init(struct tt_pcheck *c, const struct tt_pricing *table)
{
	memset(c, 0, sizeof(*c));
	c->table = table;
}

void tt_pcheck_free(struct tt_pcheck *c)
{
	free(c->m);
	memset(c, 0, sizeof(*c));
}

void tt_pcheck_too_long(struct tt_pcheck *c)
{
	c->lines++;
	c->not_events++;
}

/* The entry of (provider, model), made when new; NULL past the cap or
 * without memory (*nomem). A linear search: the lacking models of one
 * ledger are few. */
static struct tt_pcheck_model *slot(struct tt_pcheck *c, const char *provider,
				    const char *model, int *nomem)
{
	struct tt_pcheck_model *m;

	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->m[i].provider, provider) &&
		    !strcmp(c->m[i].model, model))
			return &c->m[i];
	if (c->n == TT_PCHECK_MODELS_MAX)
		return NULL;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 32;
		void *p = realloc(c->m, cap * sizeof(*c->m));

		if (!p) {
			*nomem = 1;
			return NULL;
		}
		c->m = p;
		c->cap = cap;
	}
	m = &c->m[c->n++];
	memset(m, 0, sizeof(*m));
	snprintf(m->provider, sizeof(m->provider), "%s", provider);
	snprintf(m->model, sizeof(m->model), "%s", model);
	m->first_us = INT64_MAX;
	m->last_us = INT64_MIN;
	return m;
}

static int known(const struct tt_pricing *t, const struct tt_price_query *q,
		 int *later)
{
	int32_t day = (int32_t)((int64_t)q->time_ns / NS_PER_DAY);
	struct tt_price_hit hit;

	return !tt_pricing_lookup_at(t, q->provider, q->response_model, day,
				     &hit, later) ||
	       !tt_pricing_lookup_at(t, q->provider, q->request_model, day,
				     &hit, later);
}

static int event(struct tt_pcheck *c, const cJSON *ev)
{
	struct tt_price_query q;
	struct tt_pcheck_model *m;
	struct tt_usage u;
	int later = 0, nomem = 0;

	if (tt_ledger_price_query(ev, &q, &u)) {
		c->not_events++;
		return 0;
	}
	c->events++;
	if (!q.provider || (!q.response_model && !q.request_model)) {
		c->no_model++;
		return 0;
	}
	if (known(c->table, &q, &later)) {
		c->priced_events++;
		return 0;
	}
	c->lacking_events++;
	m = slot(c, q.provider, q.response_model ? q.response_model
						 : q.request_model, &nomem);
	if (!m) {
		c->overflow++;
		return nomem ? -ENOMEM : 0;
	}
	m->later |= later;
	m->calls++;
	tt_rsat_add(&m->input_tokens, u.input_tokens > 0 ? (uint64_t)u.input_tokens : 0);
	tt_rsat_add(&m->output_tokens, u.output_tokens > 0 ? (uint64_t)u.output_tokens : 0);
	if ((int64_t)(q.time_ns / 1000) < m->first_us)
		m->first_us = (int64_t)(q.time_ns / 1000);
	if ((int64_t)(q.time_ns / 1000) > m->last_us)
		m->last_us = (int64_t)(q.time_ns / 1000);
	return 0;
}

int tt_pcheck_feed(struct tt_pcheck *c, const char *line, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(line, len);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "event_type");
	int ret = 0;

	c->lines++;
	if (cJSON_IsString(type) &&
	    !strcmp(type->valuestring, "ai_api_cost_allocation"))
		ret = event(c, root);
	else
		c->not_events++;
	cJSON_Delete(root);
	return ret;
}

static int by_calls(const void *a, const void *b)
{
	const struct tt_pcheck_model *x = a, *y = b;
	int c = (x->calls < y->calls) - (x->calls > y->calls);

	if (!c)
		c = strcmp(x->provider, y->provider);
	return c ? c : strcmp(x->model, y->model);
}

int tt_pcheck_write(struct tt_pcheck *c, tt_report_sink sink, void *ctx)
{
	struct tt_rout o;
	char first[32], last[32], prov[64], model[256];

	qsort(c->m, c->n, sizeof(*c->m), by_calls);
	tt_rout_init(&o, sink, ctx);
	if (c->n)
		tt_rout_fmt(&o, "%-18s %-44s %8s %14s %14s  %-27s %-27s\n",
			    "provider", "model", "calls", "input_tokens",
			    "output_tokens", "first_seen", "last_seen");
	for (size_t i = 0; i < c->n; i++) {
		const struct tt_pcheck_model *m = &c->m[i];

		tt_report_format_time(m->first_us, first);
		tt_report_format_time(m->last_us, last);
		/* Names come from the wire: made safe for a terminal. */
		tt_rtext_clean(m->provider, prov, sizeof(prov));
		tt_rtext_clean(m->model, model, sizeof(model));
		tt_rout_fmt(&o, "%-18s %-44s %8llu %14llu %14llu  %-27s %-27s%s\n",
			    prov, model, (unsigned long long)m->calls,
			    (unsigned long long)m->input_tokens,
			    (unsigned long long)m->output_tokens, first, last,
			    m->later ? "  (priced from a later date)" : "");
	}
	tt_rout_fmt(&o, "prices check: %llu events, %llu priced by the table, "
		    "%llu of %zu models it lacks%s, %llu without a model, "
		    "%llu other lines\n",
		    (unsigned long long)c->events,
		    (unsigned long long)c->priced_events,
		    (unsigned long long)c->lacking_events, c->n,
		    c->overflow ? " (more not listed)" : "",
		    (unsigned long long)c->no_model,
		    (unsigned long long)c->not_events);
	return tt_rout_end(&o);
}
