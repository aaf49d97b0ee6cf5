// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "alloc/event.h"
#include "util/jsonw.h"
#include "util/timefmt.h"

/* Headers by which the provider bills an organization or project: facts
 * for rules and the event, under the names rules use. */
static const struct {
	const char *name;
	const char *field; /* in "declared" */
} provider_hdrs[] = {
	{ "OpenAI-Organization", "provider_organization" },
	{ "OpenAI-Project", "provider_project" },
	{ "X-Goog-User-Project", "provider_project" },
};
#define N_PROVIDER_HDRS (sizeof(provider_hdrs) / sizeof(provider_hdrs[0]))
#define N_DECLARED (TT_DECL_ROLES + N_PROVIDER_HDRS)

struct declared {
	struct tt_kv kv[N_DECLARED]; /* facts for the rules, n used */
	size_t n;
	/* By role, then provider header, "" when not sent. */
	char val[N_DECLARED][TT_DECLARED_VALUE_MAX];
};

static void take_header(struct tt_alloc *a, const struct tt_hdrs *hs,
			const char *name, char *out, size_t cap)
{
	size_t len;
	const char *v = hs ? tt_hdrs_get(hs, name, &len) : NULL;

	out[0] = '\0';
	if (!v || !len)
		return;
	if (len >= cap) {
		a->st.declared_truncated++;
		len = cap - 1;
	}
	memcpy(out, v, len);
	out[len] = '\0';
}

static void gather_declared(struct tt_alloc *a, const struct tt_hdrs *hs,
			    struct declared *d)
{
	d->n = 0;
	for (size_t i = 0; i < N_DECLARED; i++) {
		const char *name = i < TT_DECL_ROLES
					   ? (a->declared ? a->declared[i] : "")
					   : provider_hdrs[i - TT_DECL_ROLES].name;

		d->val[i][0] = '\0';
		if (!name[0])
			continue;
		take_header(a, hs, name, d->val[i], sizeof(d->val[i]));
		if (d->val[i][0])
			d->kv[d->n++] = (struct tt_kv){ name, d->val[i] };
	}
}

void tt_alloc_uuid(const uint8_t b[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t u[16];
	size_t o = 0;

	memcpy(u, b, 16);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4 */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* variant 10 */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

void tt_alloc_keep_headers(const char (*declared)[TT_RULE_KEY_MAX],
			   const char *out[TT_DECL_ROLES + 1])
{
	size_t n = 0;

	for (int r = 0; r < TT_DECL_ROLES; r++)
		if (declared && declared[r][0])
			out[n++] = declared[r];
	out[n] = NULL;
}

static void write_process(struct tt_jsonw *w, const struct tt_proc_facts *pf)
{
	const struct tt_workload *wl = pf->workload;

	tt_jsonw_open(w, "process");
	tt_jsonw_int(w, "pid", pf->pid);
	tt_jsonw_str(w, "comm", pf->comm);
	tt_jsonw_str(w, "exe", pf->exe);
	tt_jsonw_close(w);
	tt_jsonw_open(w, "cgroup");
	tt_jsonw_int(w, "id", (int64_t)pf->cgroup_id);
	tt_jsonw_str(w, "path", pf->cgroup_path);
	tt_jsonw_close(w);
	if (wl && (wl->container_id[0] || pf->container_name)) {
		tt_jsonw_open(w, "container");
		tt_jsonw_str(w, "runtime", wl->runtime);
		tt_jsonw_str(w, "id", wl->container_id);
		tt_jsonw_str(w, "name", pf->container_name);
		tt_jsonw_open(w, "labels");
		for (size_t i = 0; i < pf->n_container_labels; i++)
			tt_jsonw_str(w, pf->container_labels[i].key,
				     pf->container_labels[i].value
					     ? pf->container_labels[i].value : "");
		tt_jsonw_close(w);
		tt_jsonw_close(w);
	} else {
		tt_jsonw_null(w, "container");
	}
	if (wl && wl->pod_uid[0]) {
		tt_jsonw_open(w, "pod");
		tt_jsonw_str(w, "uid", wl->pod_uid);
		tt_jsonw_str(w, "namespace", pf->pod ? pf->pod->ns : NULL);
		tt_jsonw_str(w, "name", pf->pod ? pf->pod->name : NULL);
		tt_jsonw_str(w, "qos", wl->qos);
		tt_jsonw_close(w);
	} else {
		tt_jsonw_null(w, "pod");
	}
	tt_jsonw_str(w, "unit", wl ? wl->unit : NULL);
	tt_jsonw_str(w, "slice", wl ? wl->slice : NULL);
}

static void write_owner(struct tt_jsonw *w, const struct tt_owner_result *own,
			const struct tt_env_check *chk)
{
	/* Booked to: the rule's environment, else the workload's variables,
	 * else what the call declared; canonical names ("prod" ->
	 * "production"). */
	const char *env = chk->has_workload ? chk->workload_norm
			  : chk->has_declared ? chk->declared_norm : NULL;
	const char *env_from = chk->has_workload ? chk->workload_from
			       : chk->has_declared ? chk->declared_by : NULL;

	tt_jsonw_str(w, "owner", own->owner);
	tt_jsonw_str(w, "team", own->team);
	tt_jsonw_str(w, "cost_center", own->cost_center);
	tt_jsonw_str(w, "application", own->application);
	tt_jsonw_str(w, "environment", env);
	tt_jsonw_open(w, "tags");
	for (size_t i = 0; i < own->n_tags; i++)
		tt_jsonw_str(w, own->tags[i].key, own->tags[i].value);
	tt_jsonw_close(w);
	tt_jsonw_open(w, "allocation");
	tt_jsonw_str(w, "status", own->status_name);
	tt_jsonw_str(w, "rule", own->rule);
	tt_jsonw_open_array(w, "sources");
	for (size_t i = 0; i < own->n_matched; i++)
		tt_jsonw_str(w, NULL, own->matched[i]);
	tt_jsonw_close_array(w);
	tt_jsonw_str(w, "environment_source", env_from);
	tt_jsonw_close(w);
	tt_jsonw_open(w, "environment_check");
	tt_jsonw_bool(w, "mismatch", chk->mismatch);
	tt_jsonw_str(w, "workload", chk->has_workload ? chk->workload : NULL);
	tt_jsonw_str(w, "workload_source",
		     chk->has_workload ? chk->workload_from : NULL);
	tt_jsonw_str(w, "declared", chk->has_declared ? chk->declared : NULL);
	tt_jsonw_str(w, "declared_source",
		     chk->has_declared ? chk->declared_by : NULL);
	tt_jsonw_close(w);
}

static void write_call(struct tt_jsonw *w, const struct tt_xrec *rec)
{
	const struct tt_call *c = rec->call;

	tt_jsonw_str(w, "provider", c->provider);
	tt_jsonw_str(w, "operation", c->operation);
	tt_jsonw_str(w, "server_address", rec->host);
	tt_jsonw_str(w, "endpoint", c->endpoint);
	tt_jsonw_str(w, "request_model", c->request_model);
	tt_jsonw_str(w, "response_model", c->response_model);
	tt_jsonw_bool(w, "stream", c->stream);
	tt_jsonw_count(w, "status_code", c->status ? c->status : -1);
	tt_jsonw_str(w, "outcome", tt_outcome_name(c->outcome));
	tt_jsonw_str(w, "error_type", c->error_type);
	tt_jsonw_str(w, "provider_request_id", c->request_id);
	tt_jsonw_str(w, "response_id", c->response_id);
	tt_jsonw_str(w, "finish_reason", c->finish_reason);
	tt_jsonw_str(w, "service_tier", c->service_tier);
	tt_jsonw_count(w, "attempt", c->attempt);
	tt_jsonw_open(w, "client");
	tt_jsonw_str(w, "user_agent", c->user_agent);
	tt_jsonw_str(w, "sdk_lang", c->sdk_lang);
	tt_jsonw_str(w, "sdk_version", c->sdk_version);
	tt_jsonw_str(w, "runtime", c->runtime);
	tt_jsonw_str(w, "runtime_version", c->runtime_version);
	tt_jsonw_close(w);
	tt_jsonw_open(w, "usage");
	tt_jsonw_count(w, "input_tokens", c->usage.input_tokens);
	tt_jsonw_count(w, "output_tokens", c->usage.output_tokens);
	tt_jsonw_count(w, "cache_read_input_tokens",
		       c->usage.cache_read_input_tokens);
	tt_jsonw_count(w, "cache_creation_input_tokens",
		       c->usage.cache_creation_input_tokens);
	tt_jsonw_count(w, "reasoning_tokens", c->usage.reasoning_tokens);
	tt_jsonw_count(w, "total_tokens", c->usage.total_tokens);
	tt_jsonw_close(w);
	/* usage_raw: compact JSON the provider decoder wrote from the
	 * provider's usage numbers and field names (escaped there). */
	if (c->usage_raw[0])
		tt_jsonw_raw(w, "usage_raw", c->usage_raw);
	else
		tt_jsonw_null(w, "usage_raw");
	tt_jsonw_str(w, "usage_status", tt_usage_status_name(c->usage_status));
	if (rec->key.id[0]) {
		tt_jsonw_open(w, "api_key");
		tt_jsonw_str(w, "fingerprint", rec->key.id);
		tt_jsonw_str(w, "hint", rec->key.hint);
		tt_jsonw_close(w);
	} else {
		tt_jsonw_null(w, "api_key");
	}
}

static void write_declared(struct tt_jsonw *w, const struct declared *d)
{
	tt_jsonw_open(w, "declared");
	for (int r = 0; r < TT_DECL_ROLES; r++)
		tt_jsonw_str(w, tt_decl_role_name(r), d->val[r]);
	/* Two provider headers share "provider_project": the first sent. */
	tt_jsonw_str(w, "provider_organization", d->val[TT_DECL_ROLES]);
	tt_jsonw_str(w, "provider_project", d->val[TT_DECL_ROLES + 1][0]
						    ? d->val[TT_DECL_ROLES + 1]
						    : d->val[TT_DECL_ROLES + 2]);
	tt_jsonw_close(w);
}

static void write_cost(struct tt_alloc *a, struct tt_jsonw *w,
		       const struct tt_call *c, struct tt_alloc_result *res)
{
	const struct tt_pricing *p = a->prices;
	struct tt_cost cost;

	tt_jsonw_open(w, "cost");
	if (!p) {
		a->st.no_price_table++;
		tt_jsonw_null(w, "amount");
		tt_jsonw_null(w, "currency");
		tt_jsonw_null(w, "pricing_source");
		tt_jsonw_null(w, "pricing_table");
		tt_jsonw_null(w, "pricing_version");
		tt_jsonw_null(w, "pricing_snapshot_date");
		tt_jsonw_null(w, "priced_as");
		tt_jsonw_str(w, "reason", "no_price_table");
		tt_jsonw_bool(w, "is_final_invoice_amount", 0);
		tt_jsonw_close(w);
		return;
	}
	tt_pricing_cost(p, c->provider, c->response_model, c->request_model,
			&c->usage, &cost, &a->st.pricing);
	res->priced = cost.priced;
	res->cost = cost.priced ? cost.amount : 0;
	snprintf(res->currency, sizeof(res->currency), "%s", p->currency);
	if (cost.priced)
		tt_jsonw_double_sig(w, "amount", cost.amount, 12);
	else
		tt_jsonw_null(w, "amount");
	tt_jsonw_str(w, "currency", p->currency);
	tt_jsonw_str(w, "pricing_source", "list_price_snapshot");
	tt_jsonw_str(w, "pricing_table", a->prices_path);
	tt_jsonw_str(w, "pricing_version", p->version);
	tt_jsonw_str(w, "pricing_snapshot_date", p->snapshot_date);
	if (cost.match != TT_PRICE_NONE) {
		tt_jsonw_open(w, "priced_as");
		tt_jsonw_str(w, "provider", cost.provider);
		tt_jsonw_str(w, "model", cost.model);
		tt_jsonw_str(w, "match", tt_price_match_name(cost.match));
		tt_jsonw_close(w);
	} else {
		tt_jsonw_null(w, "priced_as");
	}
	tt_jsonw_str(w, "reason", cost.reason);
	tt_jsonw_bool(w, "is_final_invoice_amount", 0);
	tt_jsonw_close(w);
}

long tt_alloc_event(struct tt_alloc *a, const struct tt_xrec *rec,
		    const struct tt_proc_facts *pf, const char *event_id,
		    char *buf, size_t cap)
{
	return tt_alloc_event_res(a, rec, pf, event_id, buf, cap, NULL);
}

static void fill_result(struct tt_alloc_result *res,
			const struct tt_owner_result *own,
			const struct tt_env_check *chk)
{
	const char *env = chk->has_workload ? chk->workload_norm
			  : chk->has_declared ? chk->declared_norm : "";

	res->allocated = own->status == TT_OWNER_ALLOCATED;
	res->env_mismatch = chk->mismatch;
	snprintf(res->owner, sizeof(res->owner), "%s",
		 own->owner ? own->owner : "");
	snprintf(res->environment, sizeof(res->environment), "%s", env);
}

long tt_alloc_event_res(struct tt_alloc *a, const struct tt_xrec *rec,
			const struct tt_proc_facts *pf, const char *event_id,
			char *buf, size_t cap, struct tt_alloc_result *res)
{
	static const struct tt_owner_rules no_rules;
	struct tt_alloc_result ignored;
	const struct tt_owner_rules *rules = a->rules ? a->rules : &no_rules;
	struct declared d;
	struct tt_facts f = { 0 };
	struct tt_owner_result own;
	struct tt_env_check chk;
	struct tt_jsonw w;
	char ts[32];
	long n;

	gather_declared(a, rec->req_hdrs, &d);
	tt_alloc_process_facts(pf, &f);
	f.headers = d.kv;
	f.n_headers = d.n;
	f.key_id = rec->key.id[0] ? rec->key.id : NULL;
	tt_rules_match(rules, &f, &own);
	tt_rules_env_check(rules, &own, &f, &chk);
	if (!res)
		res = &ignored;
	memset(res, 0, sizeof(*res));
	fill_result(res, &own, &chk);

	tt_jsonw_init(&w, buf, cap);
	tt_jsonw_open(&w, NULL);
	tt_jsonw_str(&w, "event_type", TT_EVENT_TYPE);
	tt_jsonw_int(&w, "event_version", TT_EVENT_VERSION);
	tt_jsonw_str(&w, "event_id", event_id);
	tt_record_time(rec->start_ns, ts);
	tt_jsonw_str(&w, "timestamp_utc", ts);
	tt_jsonw_ms(&w, "duration_ms", rec->end_ns > rec->start_ns
					       ? rec->end_ns - rec->start_ns : 0);
	if (rec->ttfb_ns >= 0)
		tt_jsonw_ms(&w, "ttfb_ms", (uint64_t)rec->ttfb_ns);
	else
		tt_jsonw_null(&w, "ttfb_ms");
	tt_jsonw_str(&w, "host", a->host);
	write_process(&w, pf);
	write_owner(&w, &own, &chk);
	write_call(&w, rec);
	write_declared(&w, &d);
	write_cost(a, &w, rec->call, res);
	tt_jsonw_int(&w, "request_bytes", (int64_t)rec->request_bytes);
	tt_jsonw_int(&w, "response_bytes", (int64_t)rec->response_bytes);
	tt_jsonw_str(&w, "response_encoding", rec->response_encoding);
	tt_jsonw_str(&w, "problem", rec->problem);
	tt_jsonw_close(&w);
	n = tt_jsonw_finish(&w);
	if (n < 0) {
		a->st.too_big++;
		return n;
	}
	a->st.events++;
	if (own.status == TT_OWNER_ALLOCATED)
		a->st.allocated++;
	else
		a->st.unallocated++;
	if (chk.mismatch)
		a->st.env_mismatch++;
	return n;
}

void tt_alloc_process_facts(const struct tt_proc_facts *pf, struct tt_facts *f)
{
	const struct tt_workload *wl = pf->workload;

	memset(f, 0, sizeof(*f));
	f->cgroup = pf->cgroup_path;
	f->container_name = pf->container_name;
	f->container_labels = pf->container_labels;
	f->n_container_labels = pf->n_container_labels;
	f->pod_namespace = pf->pod ? pf->pod->ns : NULL;
	f->pod_name = pf->pod ? pf->pod->name : NULL;
	f->unit = wl && wl->unit[0] ? wl->unit : NULL;
	f->exe = pf->exe;
	f->comm = pf->comm;
	f->env = pf->env;
}
