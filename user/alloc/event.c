// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "alloc/event.h"
#include "alloc/fields.h"
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
#define N_DECLARED (TT_DECL_VALUE_ROLES + N_PROVIDER_HDRS)
_Static_assert(N_DECLARED == sizeof(((struct tt_event *)0)->declared_val) /
				     sizeof(((struct tt_event *)0)->declared_val[0]),
	       "tt_event.declared_val holds every declared value");
#define BAGGAGE_FACT_MAX (sizeof("baggage:") + TT_BAGGAGE_KEY_MAX)

/* The declared values as facts for the rules: header name = value, and
 * "baggage:<key>" = value. */
struct declared {
	struct tt_kv kv[N_DECLARED + TT_BAGGAGE_KEYS_MAX];
	size_t n;
	char bag_key[TT_BAGGAGE_KEYS_MAX][BAGGAGE_FACT_MAX];
};

static void count_clean(struct tt_alloc *a, int truncated, int replaced)
{
	a->st.declared_truncated += truncated != 0;
	a->st.declared_replaced += replaced != 0;
}

static void take_header(struct tt_alloc *a, const struct tt_hdrs *hs,
			const char *name, char *out, size_t cap)
{
	size_t len;
	const char *v = hs ? tt_hdrs_get(hs, name, &len) : NULL;
	int truncated = 0, replaced = 0;

	out[0] = '\0';
	if (!v || !len)
		return;
	tt_declared_clean(v, len, out, cap, &truncated, &replaced);
	count_clean(a, truncated, replaced);
}

/* W3C trace context: the ids, or nothing when absent or malformed. */
static void take_traceparent(struct tt_alloc *a, const struct tt_hdrs *hs,
			     struct tt_event *ev)
{
	const char *name = a->declared ? a->declared[TT_DECL_TRACEPARENT] : "";
	const char *v;
	size_t len;

	ev->trace_buf[0] = ev->span_buf[0] = '\0';
	if (!name[0])
		return;
	v = hs ? tt_hdrs_get(hs, name, &len) : NULL;
	if (v && tt_traceparent_parse(v, len, ev->trace_buf, ev->span_buf))
		a->st.traceparent_invalid++;
	if (!ev->trace_buf[0])
		ev->declared_missing |= 1u << TT_DECL_TRACEPARENT;
}

/* Allow-listed baggage members, in the configured order. */
static void take_baggage(struct tt_alloc *a, const struct tt_hdrs *hs,
			 struct tt_event *ev, struct declared *d)
{
	size_t len, n = 0;
	const char *v = hs && a->n_baggage ? tt_hdrs_get(hs, "baggage", &len)
					   : NULL;

	for (size_t i = 0; v && i < a->n_baggage && i < TT_BAGGAGE_KEYS_MAX; i++) {
		int truncated = 0, replaced = 0;

		if (tt_baggage_get(v, len, a->baggage[i], ev->bag_val[n],
				   TT_DECLARED_VALUE_MAX, &truncated,
				   &replaced) <= 0)
			continue;
		count_clean(a, truncated, replaced);
		ev->bag_kv[n] = (struct tt_kv){ a->baggage[i], ev->bag_val[n] };
		snprintf(d->bag_key[n], BAGGAGE_FACT_MAX, "baggage:%s",
			 a->baggage[i]);
		d->kv[d->n++] = (struct tt_kv){ d->bag_key[n], ev->bag_val[n] };
		n++;
	}
	ev->baggage = (struct tt_kvs){ ev->bag_kv, n };
}

/* Values by role, then provider header, into ev->declared_val ("" when
 * not sent); then traceparent and baggage. */
static void gather_declared(struct tt_alloc *a, const struct tt_hdrs *hs,
			    struct tt_event *ev, struct declared *d)
{
	char (*val)[TT_DECLARED_VALUE_MAX] = ev->declared_val;

	d->n = 0;
	for (size_t i = 0; i < N_DECLARED; i++) {
		const char *name = i < TT_DECL_VALUE_ROLES
					   ? (a->declared ? a->declared[i] : "")
					   : provider_hdrs[i - TT_DECL_VALUE_ROLES].name;

		val[i][0] = '\0';
		if (!name[0])
			continue;
		take_header(a, hs, name, val[i], TT_DECLARED_VALUE_MAX);
		if (val[i][0])
			d->kv[d->n++] = (struct tt_kv){ name, val[i] };
		else if (i < TT_DECL_VALUE_ROLES)
			ev->declared_missing |= 1u << i;
	}
	take_traceparent(a, hs, ev);
	take_baggage(a, hs, ev, d);
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

void tt_alloc_use_config(struct tt_alloc *a, const struct tt_config *cfg)
{
	a->declared = (const char (*)[TT_RULE_KEY_MAX])cfg->declared;
	a->baggage = (const char (*)[TT_BAGGAGE_KEY_MAX])cfg->baggage;
	a->n_baggage = cfg->n_baggage;
	tt_retry_set_window(a->retry, (uint64_t)cfg->retry_window_s * 1000000000ull);
}

void tt_alloc_keep_headers(const struct tt_alloc *a,
			   const char *out[TT_ALLOC_KEEP_MAX])
{
	size_t n = 0;

	for (int r = 0; r < TT_DECL_ROLES; r++)
		if (a->declared && a->declared[r][0])
			out[n++] = a->declared[r];
	if (a->n_baggage)
		out[n++] = "baggage";
	out[n] = NULL;
}


/* ---- resolving: tt_alloc_build ---- */

static void build_process(struct tt_event *ev, const struct tt_proc_facts *pf)
{
	const struct tt_workload *wl = pf->workload;

	ev->pid = pf->pid;
	ev->comm = pf->comm;
	ev->exe = pf->exe;
	ev->cgroup_id = (int64_t)pf->cgroup_id;
	ev->cgroup_path = pf->cgroup_path;
	ev->has_container = wl && (wl->container_id[0] || pf->container_name);
	if (ev->has_container) {
		ev->container_runtime = wl->runtime;
		ev->container_id = wl->container_id;
		ev->container_name = pf->container_name;
		ev->container_labels = (struct tt_kvs){ pf->container_labels,
							pf->n_container_labels };
	}
	ev->has_pod = wl && wl->pod_uid[0];
	if (ev->has_pod) {
		ev->pod_uid = wl->pod_uid;
		ev->pod_namespace = pf->pod ? pf->pod->ns : NULL;
		ev->pod_name = pf->pod ? pf->pod->name : NULL;
		ev->pod_qos = wl->qos;
	}
	ev->unit = wl ? wl->unit : NULL;
	ev->slice = wl ? wl->slice : NULL;
}

static void build_owner(struct tt_event *ev)
{
	const struct tt_owner_result *own = &ev->own;
	const struct tt_env_check *chk = &ev->chk;

	ev->owner = own->owner;
	ev->team = own->team;
	ev->cost_center = own->cost_center;
	ev->application = own->application;
	/* Booked to: the rule's environment, else the workload's variables,
	 * else what the call declared; canonical names ("prod" ->
	 * "production"). */
	ev->environment = chk->has_workload ? chk->workload_norm
			  : chk->has_declared ? chk->declared_norm : NULL;
	for (size_t i = 0; i < own->n_tags && i < TT_RULE_TAGS_MAX; i++)
		ev->tag_kv[i] = (struct tt_kv){ own->tags[i].key,
						own->tags[i].value };
	ev->tags = (struct tt_kvs){ ev->tag_kv, own->n_tags };
	ev->alloc_status = own->status_name;
	ev->alloc_rule = own->rule;
	for (size_t i = 0; i < own->n_matched && i < TT_RULE_CONDS_MAX; i++)
		ev->sources[i] = own->matched[i];
	ev->alloc_sources = (struct tt_strs){ ev->sources, own->n_matched };
	ev->environment_source = chk->has_workload ? chk->workload_from
				 : chk->has_declared ? chk->declared_by : NULL;
	ev->env_mismatch = chk->mismatch;
	ev->env_workload = chk->has_workload ? chk->workload : NULL;
	ev->env_workload_source = chk->has_workload ? chk->workload_from : NULL;
	ev->env_declared = chk->has_declared ? chk->declared : NULL;
	ev->env_declared_source = chk->has_declared ? chk->declared_by : NULL;
}

/* A dark connection's: where it went and how much crossed it. */
static void build_connection(struct tt_event *ev, const struct tt_xrec *rec)
{
	ev->has_connection = 1;
	ev->conn_server_name = rec->host;
	ev->conn_name_source = rec->name_source;
	ev->conn_peer_port = rec->peer_family ? rec->peer_port : -1;
	ev->conn_bytes_sent = (int64_t)rec->bytes_sent;
	ev->conn_bytes_received = (int64_t)rec->bytes_received;
	if (rec->peer_family &&
	    inet_ntop(rec->peer_family == AF_INET6 ? AF_INET6 : AF_INET,
		      rec->peer_addr, ev->peer_buf, sizeof(ev->peer_buf)))
		ev->conn_peer_address = ev->peer_buf;
}

static void build_call(struct tt_event *ev, const struct tt_xrec *rec)
{
	const struct tt_call *c = rec->call;

	ev->provider = c->provider;
	ev->operation = c->operation;
	ev->server_address = rec->host;
	ev->endpoint = c->endpoint;
	ev->request_model = c->request_model;
	ev->response_model = c->response_model;
	ev->stream = c->stream;
	ev->status_code = c->status ? c->status : -1;
	ev->outcome = tt_outcome_name(c->outcome);
	ev->error_type = c->error_type;
	ev->provider_request_id = c->request_id;
	ev->response_id = c->response_id;
	ev->finish_reason = c->finish_reason;
	ev->service_tier = c->service_tier;
	ev->user_agent = c->user_agent;
	ev->sdk_lang = c->sdk_lang;
	ev->sdk_version = c->sdk_version;
	ev->runtime = c->runtime;
	ev->runtime_version = c->runtime_version;
	ev->usage = c->usage;
	/* A part means nothing without its whole (a dark connection's
	 * zeroed call has neither). */
	if (ev->usage.input_tokens < 0)
		ev->usage.cache_creation_1h_input_tokens =
			ev->usage.audio_input_tokens =
				ev->usage.image_input_tokens = -1;
	if (ev->usage.output_tokens < 0)
		ev->usage.audio_output_tokens = ev->usage.image_output_tokens = -1;
	/* Compact JSON the provider decoder wrote from the provider's usage
	 * numbers and field names (escaped there). */
	ev->usage_raw = c->usage_raw;
	ev->usage_status = tt_usage_status_name(c->usage_status);
	/* The decoder's finding, else what the counts themselves say. */
	ev->usage_problem = c->usage_problem[0] ? c->usage_problem
						: tt_usage_check(&ev->usage);
	ev->has_api_key = rec->key.id[0] != '\0';
	if (ev->has_api_key) {
		ev->key_fingerprint = rec->key.id;
		ev->key_hint = rec->key.hint;
		ev->key_source = rec->key.source;
	}
	ev->request_bytes = (int64_t)rec->request_bytes;
	ev->response_bytes = (int64_t)rec->response_bytes;
	ev->response_encoding = rec->response_encoding;
	ev->problem = rec->problem;
	if (rec->dark)
		build_connection(ev, rec);
}

static void build_declared(struct tt_event *ev)
{
	char (*val)[TT_DECLARED_VALUE_MAX] = ev->declared_val;
	const int p = TT_DECL_VALUE_ROLES; /* the provider headers' first */

	for (int r = 0; r < TT_DECL_VALUE_ROLES; r++)
		ev->declared[r] = val[r];
	ev->provider_organization = val[p];
	/* Two provider headers share "provider_project": the first sent. */
	ev->provider_project = val[p + 1][0] ? val[p + 1] : val[p + 2];
	ev->trace_id = ev->trace_buf;
	ev->span_id = ev->span_buf;
}

/* The attempt: the client's retry header, else what the retry table
 * infers from the body hash (retry/retry.h); and the failed call this
 * one repeats or replaces. */
static void build_attempt(struct tt_alloc *a, struct tt_event *ev,
			  const struct tt_xrec *rec)
{
	const struct tt_call *c = rec->call;
	struct tt_retry_call rc = {
		.pid = (uint32_t)ev->pid, .provider = c->provider,
		.operation = c->operation, .model = c->request_model,
		.has_body_hash = rec->has_body_hash && !rec->dark,
		.body_hash = rec->body_hash, .start_ns = rec->start_ns,
		.end_ns = rec->end_ns, .failed = c->outcome != TT_OUT_SUCCESS,
		.header_attempt = c->attempt, .event_id = ev->event_id,
	};

	tt_retry_observe(a->retry, &rc, &ev->retry, &a->st.retry);
	ev->attempt = ev->retry.attempt;
	ev->attempt_source = ev->retry.source;
	ev->retry_of = ev->retry.retry_of;
	ev->fallback_of = ev->retry.fallback_of;
}

/* The cost as every sink books it: an estimate, 1.3199999999999999e-05
 * would be noise. */
static double shown(double amount)
{
	return isnan(amount) ? NAN : tt_jsonw_round_sig(amount, 12);
}

static void build_cost(struct tt_alloc *a, struct tt_event *ev,
		       const struct tt_xrec *rec)
{
	const struct tt_pricing *p = a->prices;
	const struct tt_call *c = rec->call;
	struct tt_cost *cost = &ev->cost;
	struct tt_price_query q = {
		.provider = c->provider, .response_model = c->response_model,
		.request_model = c->request_model, .usage = &ev->usage,
		.usage_problem = ev->usage_problem,
		.service_tier = c->service_tier, .time_ns = rec->start_ns,
	};

	ev->cost_amount = NAN;
	for (int i = 0; i <= TT_PRICE_NCLASS; i++)
		ev->cost_part[i] = NAN;
	ev->is_final_invoice_amount = 0;
	if (!p) {
		a->st.no_price_table++;
		ev->cost_reason = "no_price_table";
		return;
	}
	if (c->usage_status == TT_USAGE_UNOBSERVED) {
		/* A dark connection: nothing to price, and the reason it is
		 * dark is the reason there is no estimate. */
		memset(cost, 0, sizeof(*cost));
		snprintf(cost->reason, sizeof(cost->reason), "%s",
			 ev->problem ? ev->problem : "unobserved");
	} else {
		tt_pricing_cost(p, &q, cost, &a->st.pricing);
	}
	if (cost->priced) {
		ev->cost_amount = shown(cost->amount);
		ev->has_components = 1;
		for (int i = 0; i <= TT_PRICE_NCLASS; i++)
			ev->cost_part[i] = shown(cost->part[i]);
		ev->priced_tier = tt_price_tier_name(cost->tier);
		ev->long_context = cost->long_context;
	}
	for (unsigned i = 0; i < cost->nlacked; i++)
		ev->lacked[i] = cost->lacked[i];
	ev->cost_lacked = (struct tt_strs){ ev->lacked, cost->nlacked };
	ev->currency = p->currency;
	ev->pricing_source = "list_price_snapshot";
	ev->pricing_table = a->prices_path;
	ev->pricing_version = p->version;
	ev->pricing_snapshot_date = p->snapshot_date;
	ev->pricing_sha256 = p->sha256;
	ev->has_priced_as = cost->match != TT_PRICE_NONE;
	if (ev->has_priced_as) {
		ev->priced_as_provider = cost->provider;
		ev->priced_as_model = cost->model;
		ev->priced_as_match = tt_price_match_name(cost->match);
		ev->priced_as_effective_from = cost->effective_from;
	}
	ev->cost_reason = cost->reason;
}

void tt_alloc_build(struct tt_alloc *a, const struct tt_xrec *rec,
		    const struct tt_proc_facts *pf, const char *event_id,
		    struct tt_event *ev)
{
	static const struct tt_owner_rules no_rules;
	const struct tt_owner_rules *rules = a->rules ? a->rules : &no_rules;
	struct declared d;
	struct tt_facts f = { 0 };

	/* Only the members the table reads are reset: the storage is
	 * written before it is pointed at. */
	memset(ev, 0, offsetof(struct tt_event, own));
	gather_declared(a, rec->req_hdrs, ev, &d);
	tt_alloc_process_facts(pf, &f);
	f.headers = d.kv;
	f.n_headers = d.n;
	f.key_id = rec->key.id[0] ? rec->key.id : NULL;
	tt_rules_match(rules, &f, &ev->own);
	tt_rules_env_check(rules, &ev->own, &f, &ev->chk);

	ev->event_type = TT_EVENT_TYPE;
	ev->event_version = TT_EVENT_VERSION;
	ev->event_id = event_id;
	ev->start_ns = rec->start_ns;
	ev->duration_ns = rec->end_ns > rec->start_ns
				  ? rec->end_ns - rec->start_ns : 0;
	ev->ttfb_ns = rec->ttfb_ns;
	ev->host = a->host;
	build_process(ev, pf);
	build_owner(ev);
	build_call(ev, rec);
	build_declared(ev);
	build_attempt(a, ev, rec);
	build_cost(a, ev, rec);
}

/* ---- the ledger line: tt_event_json ---- */

static void write_value(struct tt_jsonw *w, const struct tt_event *ev,
			const struct tt_field *f)
{
	const void *p = tt_field_ptr(ev, f);
	const char *s;
	char ts[32];

	switch (f->kind) {
	case TT_FK_STR:
		tt_jsonw_str(w, f->key, *(const char *const *)p);
		break;
	case TT_FK_INT:
		tt_jsonw_int(w, f->key, *(const int64_t *)p);
		break;
	case TT_FK_COUNT:
		tt_jsonw_count(w, f->key, *(const int64_t *)p);
		break;
	case TT_FK_BOOL:
		tt_jsonw_bool(w, f->key, *(const int *)p);
		break;
	case TT_FK_TIME:
		tt_record_time(*(const uint64_t *)p, ts);
		tt_jsonw_str(w, f->key, ts);
		break;
	case TT_FK_MS:
		tt_jsonw_ms(w, f->key, *(const uint64_t *)p);
		break;
	case TT_FK_MS_OPT:
		if (*(const int64_t *)p >= 0)
			tt_jsonw_ms(w, f->key, (uint64_t)*(const int64_t *)p);
		else
			tt_jsonw_null(w, f->key);
		break;
	case TT_FK_AMOUNT: /* NaN: null */
		tt_jsonw_double(w, f->key, *(const double *)p);
		break;
	case TT_FK_RAW:
		s = *(const char *const *)p;
		if (s && s[0])
			tt_jsonw_raw(w, f->key, s);
		else
			tt_jsonw_null(w, f->key);
		break;
	case TT_FK_STRS: {
		const struct tt_strs *l = p;

		tt_jsonw_open_array(w, f->key);
		for (size_t i = 0; i < l->n; i++)
			tt_jsonw_str(w, NULL, l->v[i]);
		tt_jsonw_close_array(w);
		break;
	}
	case TT_FK_KVS: {
		const struct tt_kvs *m = p;

		tt_jsonw_open(w, f->key);
		for (size_t i = 0; i < m->n; i++)
			tt_jsonw_str(w, m->kv[i].key, m->kv[i].value);
		tt_jsonw_close(w);
		break;
	}
	}
}

/* The row of the TT_FK_END that closes the group opened at row i. */
static size_t group_end(size_t i)
{
	unsigned depth = 0;

	for (; i < tt_event_nfields; i++) {
		if (tt_event_fields[i].kind == TT_FK_OBJ)
			depth++;
		else if (tt_event_fields[i].kind == TT_FK_END && !--depth)
			break;
	}
	return i;
}

long tt_event_json(const struct tt_event *ev, char *buf, size_t cap)
{
	const size_t nfields = tt_event_nfields;
	const int any_absent = tt_event_any_absent(ev);
	struct tt_jsonw w;

	tt_jsonw_init(&w, buf, cap);
	tt_jsonw_open(&w, NULL);
	for (size_t i = 0; i < nfields; i++) {
		const struct tt_field *f = &tt_event_fields[i];

		switch (f->kind) {
		case TT_FK_END:
			tt_jsonw_close(&w);
			break;
		case TT_FK_OBJ:
			if (tt_field_group_present(ev, f->off)) {
				tt_jsonw_open(&w, f->key);
			} else { /* "object or null" */
				tt_jsonw_null(&w, f->key);
				i = group_end(i);
			}
			break;
		case TT_FK_OTLP_ERROR_TYPE: /* not a ledger field */
			break;
		default:
			if (any_absent && tt_field_absent(ev, (unsigned)i))
				tt_jsonw_null(&w, f->key);
			else
				write_value(&w, ev, f);
		}
	}
	tt_jsonw_close(&w);
	return tt_jsonw_finish(&w);
}

long tt_alloc_json(struct tt_alloc *a, const struct tt_event *ev, char *buf,
		   size_t cap)
{
	long n = tt_event_json(ev, buf, cap);

	if (n < 0) {
		a->st.too_big++;
		return n;
	}
	a->st.events++;
	if (ev->own.status == TT_OWNER_ALLOCATED)
		a->st.allocated++;
	else
		a->st.unallocated++;
	if (ev->env_mismatch)
		a->st.env_mismatch++;
	return n;
}

long tt_alloc_event(struct tt_alloc *a, const struct tt_xrec *rec,
		    const struct tt_proc_facts *pf, const char *event_id,
		    char *buf, size_t cap)
{
	struct tt_event ev;

	tt_alloc_build(a, rec, pf, event_id, &ev);
	return tt_alloc_json(a, &ev, buf, cap);
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
