// SPDX-License-Identifier: MIT
/*
 * The report aggregator: one ledger line at a time into groups (the
 * caller's keys plus the cost currency) and (group, UTC day) cells.
 * Definitions of every number: docs/report.md.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/report.h"
#include "report/report_impl.h"

/* What one event contributes, its fields checked. */
struct ev {
	const char *val[TT_RKEY__COUNT]; /* by key; NULL for null */
	char pod[2 * TT_REPORT_VALUE_MAX + 2];
	int64_t ts_us;
	int success, allocated, mismatch, priced;
	int no_usage;                    /* usage_status "none" */
	int incomplete;                  /* outcome "incomplete" */
	int64_t attempt;                 /* -1: null */
	int fallback;                    /* fallback_of not null */
	int dark;                        /* a dark connection, not a call */
	uint64_t dark_sent, dark_received;
	uint64_t tok[TT_RTOK__COUNT];
	double amount;
	int new_priced;                  /* with opts.reprice */
	double new_amount;
	enum tt_report_reason reason;
	char currency[4];
	uint16_t version;
};

uint32_t tt_rfnv1a(const void *p, size_t n, uint32_t h)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* ---- set-up ---- */

int tt_report_init(struct tt_report *r, const struct tt_report_opts *opts)
{
	unsigned seen = 0;

	memset(r, 0, sizeof(*r));
	if (!opts->nkeys || opts->nkeys > TT_RKEY__COUNT)
		return -EINVAL;
	for (size_t i = 0; i < opts->nkeys; i++) {
		unsigned k = opts->keys[i];

		if (k >= TT_RKEY__COUNT || (seen & (1u << k)))
			return -EINVAL;
		seen |= 1u << k;
	}
	r->opts = *opts;
	if (!r->opts.max_groups || r->opts.max_groups > TT_REPORT_GROUPS_MAX)
		r->opts.max_groups = TT_REPORT_GROUPS_MAX;
	if (!r->opts.max_cells || r->opts.max_cells > TT_REPORT_CELLS_MAX)
		r->opts.max_cells = TT_REPORT_CELLS_MAX;
	if (!r->opts.max_units || r->opts.max_units > TT_REPORT_UNITS_MAX)
		r->opts.max_units = 0;
	if (!r->opts.has_unknown_mark || !(r->opts.unknown_mark >= 0 &&
					    r->opts.unknown_mark <= 1))
		r->opts.unknown_mark = TT_REPORT_UNKNOWN_MARK;
	return 0;
}

void tt_rresults_free(struct tt_report *r)
{
	for (size_t i = 0; r->totals && i < r->ntotals; i++)
		tt_runits_free(&r->totals[i].units);
	free(r->order);
	free(r->rank);
	free(r->cell_order);
	free(r->totals);
	r->order = r->rank = r->cell_order = NULL;
	r->totals = NULL;
	r->ntotals = 0;
	r->finished = 0;
}

void tt_report_free(struct tt_report *r)
{
	tt_rresults_free(r);
	for (size_t i = 0; i < r->ngroups; i++) {
		free(r->groups[i].blob);
		tt_runits_free(&r->groups[i].units);
	}
	free(r->groups);
	free(r->unit_bytes);
	free(r->cells);
	free(r->gindex.slot);
	free(r->cindex.slot);
	memset(r, 0, sizeof(*r));
}

/* ---- reading one event ---- */

static const cJSON *member(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* A key that must be there, a string or null; "" reads as null (the
 * writer never writes it). */
static int get_str(const cJSON *o, const char *name, const char **out)
{
	const cJSON *v = member(o, name);

	*out = NULL;
	if (cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring)
		return -1;
	if (v->valuestring[0])
		*out = v->valuestring;
	return 0;
}

/* An object, or null when nullable. */
static int get_obj(const cJSON *o, const char *name, int nullable,
		   const cJSON **out)
{
	const cJSON *v = member(o, name);

	*out = NULL;
	if (nullable && cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsObject(v))
		return -1;
	*out = v;
	return 0;
}

/* An integer >= 0 (up to 2^53) or null (-1). */
static int get_count(const cJSON *o, const char *name, int64_t *out)
{
	const cJSON *v = member(o, name);
	double d;

	*out = -1;
	if (cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= 0 && d <= 9007199254740992.0) || d != (double)(int64_t)d)
		return -1;
	*out = (int64_t)d;
	return 0;
}

static const char *basename_of(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? (slash[1] ? slash + 1 : NULL) : path;
}

/* container.name, else pod namespace/name, else unit, else the exe's
 * base name, else comm. */
static int get_workload(const cJSON *o, struct ev *e)
{
	const cJSON *container, *pod, *process;
	const char *cname = NULL, *ns = NULL, *pname = NULL, *unit, *exe, *comm;

	if (get_obj(o, "container", 1, &container) ||
	    (container && get_str(container, "name", &cname)) ||
	    get_obj(o, "pod", 1, &pod) ||
	    (pod && (get_str(pod, "namespace", &ns) ||
		     get_str(pod, "name", &pname))) ||
	    get_str(o, "unit", &unit) || get_obj(o, "process", 0, &process) ||
	    get_str(process, "exe", &exe) || get_str(process, "comm", &comm))
		return -1;
	if (cname) {
		e->val[TT_RKEY_WORKLOAD] = cname;
	} else if (ns || pname) {
		size_t a = strnlen(ns ? ns : "-", TT_REPORT_VALUE_MAX);
		size_t b = strnlen(pname ? pname : "-", TT_REPORT_VALUE_MAX);

		memcpy(e->pod, ns ? ns : "-", a);
		e->pod[a] = '/';
		memcpy(e->pod + a + 1, pname ? pname : "-", b);
		e->pod[a + 1 + b] = '\0';
		e->val[TT_RKEY_WORKLOAD] = e->pod;
	} else if (unit) {
		e->val[TT_RKEY_WORKLOAD] = unit;
	} else if (basename_of(exe)) {
		e->val[TT_RKEY_WORKLOAD] = basename_of(exe);
	} else {
		e->val[TT_RKEY_WORKLOAD] = comm;
	}
	return 0;
}

static enum tt_report_reason reason_of(const char *s)
{
	for (int i = 0; s && i < TT_RREASON_OTHER; i++)
		if (!strcmp(s, tt_report_reason_name((enum tt_report_reason)i)))
			return (enum tt_report_reason)i;
	return TT_RREASON_OTHER;
}

static uint16_t version_id(struct tt_report *r, const char *v)
{
	size_t n;

	if (!v)
		return TT_REPORT_NO_VERSION;
	n = strlen(v);
	for (size_t i = 0; i < r->nversions; i++)
		if (!strcmp(r->versions[i], v))
			return (uint16_t)i;
	if (n >= sizeof(r->versions[0]) ||
	    r->nversions >= TT_REPORT_VERSIONS_MAX) {
		/* Cannot name it: the group's version reads "mixed". */
		r->versions_overflow++;
		return TT_REPORT_MIXED_VERSION;
	}
	memcpy(r->versions[r->nversions], v, n + 1);
	return (uint16_t)r->nversions++;
}

static int get_cost(struct tt_report *r, const cJSON *o, struct ev *e)
{
	const cJSON *cost, *amount;
	const char *currency, *reason, *version;

	if (get_obj(o, "cost", 0, &cost) ||
	    get_str(cost, "currency", &currency) ||
	    get_str(cost, "reason", &reason) ||
	    get_str(cost, "pricing_version", &version))
		return -1;
	amount = member(cost, "amount");
	if (cJSON_IsNumber(amount)) {
		e->amount = amount->valuedouble;
		/* Also refuses NaN; the cap keeps every sum finite. */
		if (!(e->amount >= 0 && e->amount <= TT_REPORT_COST_MAX))
			return -1;
		e->priced = 1;
	} else if (cJSON_IsNull(amount)) {
		e->reason = reason_of(reason);
	} else {
		return -1;
	}
	if (currency) {
		if (strlen(currency) != 3)
			return -1;
		for (int i = 0; i < 3; i++)
			if (currency[i] < 'A' || currency[i] > 'Z')
				return -1;
		memcpy(e->currency, currency, 4);
	}
	e->version = version_id(r, version);
	return 0;
}

static int get_usage(const cJSON *o, struct ev *e)
{
	static const char *const names[TT_RTOK__COUNT] = {
		[TT_RTOK_INPUT] = "input_tokens",
		[TT_RTOK_OUTPUT] = "output_tokens",
		[TT_RTOK_CACHE_READ] = "cache_read_input_tokens",
		[TT_RTOK_CACHE_WRITE] = "cache_creation_input_tokens",
		[TT_RTOK_REASONING] = "reasoning_tokens",
	};
	const cJSON *usage;

	if (get_obj(o, "usage", 0, &usage))
		return -1;
	for (int i = 0; i < TT_RTOK__COUNT; i++) {
		int64_t n;

		if (get_count(usage, names[i], &n))
			return -1;
		e->tok[i] = n < 0 ? 0 : (uint64_t)n;
	}
	return 0;
}

/* "connection": a dark connection's, an object; null or (in ledgers
 * written before it existed) absent for a call. */
static int get_connection(const cJSON *o, struct ev *e)
{
	const cJSON *conn = member(o, "connection");
	int64_t sent, received;

	if (!conn || cJSON_IsNull(conn))
		return 0;
	if (!cJSON_IsObject(conn) || get_count(conn, "bytes_sent", &sent) ||
	    get_count(conn, "bytes_received", &received) || sent < 0 ||
	    received < 0)
		return -1;
	e->dark = 1;
	e->dark_sent = (uint64_t)sent;
	e->dark_received = (uint64_t)received;
	return 0;
}

/* Keys absent in ledgers older than them (null then), strings or null:
 * allocation.environment_source; declared.provider_project (the
 * OpenAI-Project header: what the provider's exports call project_id);
 * the business facts and the trace id the call declared; fallback_of. */
static int get_optional(const cJSON *o, struct ev *e)
{
	static const struct {
		int key;
		const char *obj, *name;
	} opt[] = {
		{ TT_RKEY_ENVIRONMENT_SOURCE, "allocation", "environment_source" },
		{ TT_RKEY_PROVIDER_PROJECT, "declared", "provider_project" },
		{ TT_RKEY_TENANT, "declared", "tenant" },
		{ TT_RKEY_WORKFLOW, "declared", "workflow" },
		{ TT_RKEY_UNIT_TYPE, "declared", "unit_type" },
		{ TT_RKEY_UNIT_ID, "declared", "unit_id" },
		{ TT_RKEY_UNIT_OUTCOME, "declared", "unit_outcome" },
		{ TT_RKEY_USER, "declared", "user" },
		{ TT_RKEY_TRACE_ID, "declared", "trace_id" },
	};

	const char *fallback_of = NULL;

	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		const cJSON *parent = member(o, opt[i].obj);

		if (cJSON_IsObject(parent) && member(parent, opt[i].name) &&
		    get_str(parent, opt[i].name, &e->val[opt[i].key]))
			return -1;
	}
	/* The failed call this one fell back from (another model). */
	if (member(o, "fallback_of") && get_str(o, "fallback_of", &fallback_of))
		return -1;
	e->fallback = fallback_of != NULL;
	return 0;
}

/* Every field the report reads, whatever the keys: the line counts do
 * not depend on --by. */
static enum tt_report_line read_event(struct tt_report *r, const cJSON *o,
				      struct ev *e)
{
	const cJSON *alloc, *check, *key, *mismatch, *ts, *ustatus;
	const char *status, *outcome, *resp_model, *req_model;

	if (get_str(o, "owner", &e->val[TT_RKEY_OWNER]) ||
	    get_str(o, "team", &e->val[TT_RKEY_TEAM]) ||
	    get_str(o, "cost_center", &e->val[TT_RKEY_COST_CENTER]) ||
	    get_str(o, "application", &e->val[TT_RKEY_APPLICATION]) ||
	    get_str(o, "environment", &e->val[TT_RKEY_ENVIRONMENT]) ||
	    get_str(o, "provider", &e->val[TT_RKEY_PROVIDER]) ||
	    get_str(o, "operation", &e->val[TT_RKEY_OPERATION]) ||
	    get_str(o, "response_model", &resp_model) ||
	    get_str(o, "request_model", &req_model) ||
	    get_str(o, "outcome", &outcome) || !outcome ||
	    get_count(o, "attempt", &e->attempt) ||
	    get_obj(o, "allocation", 0, &alloc) ||
	    get_str(alloc, "status", &status) || !status ||
	    get_optional(o, e) ||
	    get_obj(o, "environment_check", 0, &check) ||
	    get_obj(o, "api_key", 1, &key) ||
	    (key && get_str(key, "fingerprint", &e->val[TT_RKEY_API_KEY])) ||
	    get_workload(o, e) || get_usage(o, e) || get_cost(r, o, e) ||
	    get_connection(o, e))
		return TT_RLINE_BAD_FIELD;
	if (strcmp(status, "allocated") && strcmp(status, "unallocated"))
		return TT_RLINE_BAD_FIELD;
	mismatch = member(check, "mismatch");
	if (!cJSON_IsBool(mismatch))
		return TT_RLINE_BAD_FIELD;
	ts = member(o, "timestamp_utc");
	if (!cJSON_IsString(ts) || !ts->valuestring ||
	    tt_report_parse_time(ts->valuestring, strlen(ts->valuestring),
				 &e->ts_us))
		return TT_RLINE_BAD_FIELD;
	e->val[TT_RKEY_MODEL] = resp_model ? resp_model : req_model;
	e->val[TT_RKEY_ALLOCATION_STATUS] = status;
	e->allocated = !strcmp(status, "allocated");
	e->success = !strcmp(outcome, "success");
	e->incomplete = !strcmp(outcome, "incomplete");
	e->mismatch = cJSON_IsTrue(mismatch);
	/* Read when there, not required: a ledger without it only loses
	 * the unbilled-error rule of the ratios. */
	ustatus = member(o, "usage_status");
	e->no_usage = cJSON_IsString(ustatus) && ustatus->valuestring &&
		      !strcmp(ustatus->valuestring, "none");
	if (r->opts.reprice)
		tt_rreprice(r->opts.reprice, o, &e->new_priced, &e->new_amount);
	if ((r->opts.has_since && e->ts_us < r->opts.since_us) ||
	    (r->opts.has_until && e->ts_us >= r->opts.until_us))
		return TT_RLINE_OUT_OF_RANGE;
	return TT_RLINE_EVENT;
}

/* ---- groups and cells ---- */

/* The key blob: per key a presence byte, the value and a NUL; then the
 * "(other)" flag; then the currency and its NUL (always 4 bytes last, so
 * a prefix comparison finds the same key in another currency). */
static size_t build_key(struct tt_report *r, const struct ev *e, int other)
{
	char *p = r->scratch;

	for (size_t i = 0; i < r->opts.nkeys; i++) {
		const char *v = other ? "(other)" : e->val[r->opts.keys[i]];
		size_t n = v ? strlen(v) : 0;

		*p++ = v ? 1 : 0;
		if (n > TT_REPORT_VALUE_MAX) {
			/* Cut on a UTF-8 character boundary. */
			n = TT_REPORT_VALUE_MAX;
			while (n && ((unsigned char)v[n] & 0xc0) == 0x80)
				n--;
			r->values_truncated++;
		}
		memcpy(p, v ? v : "", n);
		p += n;
		*p++ = '\0';
	}
	*p++ = other ? 1 : 0;
	memcpy(p, e->currency, 4);
	p += 4;
	return (size_t)(p - r->scratch);
}

struct blob_key {
	const char *p;
	size_t n;
};

static int group_eq(const struct tt_report *r, uint32_t idx, const void *key)
{
	const struct blob_key *k = key;
	const struct tt_report_group *g = &r->groups[idx];

	return g->blob_len == k->n && !memcmp(g->blob, k->p, k->n);
}

static int new_group(struct tt_report *r, const struct blob_key *k,
		     uint32_t hash, int other, struct tt_rslot *slot)
{
	struct tt_report_group *g;
	const char *p;

	if (r->ngroups == r->groups_cap) {
		size_t cap = r->groups_cap ? r->groups_cap * 2 : 64;
		void *n = realloc(r->groups, cap * sizeof(*r->groups));

		if (!n)
			return -ENOMEM;
		r->groups = n;
		r->groups_cap = cap;
	}
	g = &r->groups[r->ngroups];
	memset(g, 0, sizeof(*g));
	g->blob = malloc(k->n);
	if (!g->blob)
		return -ENOMEM;
	memcpy(g->blob, k->p, k->n);
	g->blob_len = k->n;
	g->hash = hash;
	g->other = other;
	for (size_t i = 0, off = 0; i < r->opts.nkeys; i++) {
		p = g->blob + off;
		g->val[i] = p[0] ? p + 1 : NULL;
		off += 1 + strlen(p + 1) + 1;
	}
	memcpy(g->currency, g->blob + k->n - 4, 4);
	g->st.first_us = INT64_MAX;
	g->st.last_us = INT64_MIN;
	g->st.version = TT_REPORT_NO_VERSION;
	slot->ref = (uint32_t)r->ngroups + 1;
	slot->hash = hash;
	r->ngroups++;
	if (!other)
		r->nregular++;
	return 0;
}

struct cell_key {
	uint32_t group;
	int32_t day;
};

static int cell_eq(const struct tt_report *r, uint32_t idx, const void *key)
{
	const struct cell_key *k = key;

	return r->cells[idx].group == k->group && r->cells[idx].day == k->day;
}

static uint32_t cell_hash(const struct cell_key *k)
{
	uint64_t x = ((uint64_t)k->group << 32 | (uint32_t)k->day) *
		     0x9e3779b97f4a7c15ull;

	return (uint32_t)(x >> 32);
}

static int new_cell(struct tt_report *r, const struct cell_key *k,
		    uint32_t hash, struct tt_rslot *slot, int other)
{
	struct tt_report_cell *c;

	if (r->ncells == r->cells_cap) {
		size_t cap = r->cells_cap ? r->cells_cap * 2 : 64;
		void *n = realloc(r->cells, cap * sizeof(*r->cells));

		if (!n)
			return -ENOMEM;
		r->cells = n;
		r->cells_cap = cap;
	}
	c = &r->cells[r->ncells];
	memset(c, 0, sizeof(*c));
	c->group = k->group;
	c->day = k->day;
	c->hash = hash;
	c->version = TT_REPORT_NO_VERSION;
	slot->ref = (uint32_t)r->ncells + 1;
	slot->hash = hash;
	r->ncells++;
	if (!other)
		r->nregular_cells++;
	return 0;
}

/* Finds the group and the day cell an event goes to, creating them within
 * the caps; an event whose group or cell does not fit goes to the
 * "(other)" group of its currency, whose reserve holds
 * TT_REPORT_OTHER_GROUPS groups and TT_REPORT_OTHER_CELLS cells. 0,
 * -E2BIG (no room even there) or -ENOMEM. */
static int place(struct tt_report *r, const struct ev *e, uint32_t *gi,
		 uint32_t *ci)
{
	for (int other = 0; other < 2; other++) {
		struct blob_key bk = { r->scratch, build_key(r, e, other) };
		uint32_t gh = tt_rfnv1a(bk.p, bk.n, 2166136261u);
		struct cell_key ck = { 0, tt_report_day(e->ts_us) };
		struct tt_rslot *gs, *cs = NULL;
		int ret, cells_full;

		if (tt_rindex_reserve(&r->gindex, r->ngroups) ||
		    tt_rindex_reserve(&r->cindex, r->ncells))
			return -ENOMEM;
		cells_full = other ?
			r->ncells - r->nregular_cells >= TT_REPORT_OTHER_CELLS :
			r->nregular_cells >= r->opts.max_cells;
		gs = tt_rindex_find(&r->gindex, gh, group_eq, r, &bk);
		if (gs->ref) {
			ck.group = gs->ref - 1;
			cs = tt_rindex_find(&r->cindex, cell_hash(&ck), cell_eq,
					 r, &ck);
			if (cs->ref)
				goto found;
		} else if (other ?
			   r->ngroups - r->nregular >= TT_REPORT_OTHER_GROUPS :
			   r->nregular >= r->opts.max_groups) {
			if (!other)
				r->other_group_cap++;
			continue;
		}
		/* A new cell is needed: check before making a group that
		 * would then stay empty. */
		if (cells_full) {
			if (!other)
				r->other_cell_cap++;
			continue;
		}
		if (!gs->ref) {
			ret = new_group(r, &bk, gh, other, gs);
			if (ret)
				return ret;
			ck.group = gs->ref - 1;
			cs = tt_rindex_find(&r->cindex, cell_hash(&ck), cell_eq,
					 r, &ck);
		}
		ret = new_cell(r, &ck, cell_hash(&ck), cs, other);
		if (ret)
			return ret;
found:
		*gi = ck.group;
		*ci = cs->ref - 1;
		return 0;
	}
	return -E2BIG;
}

/* When and at which prices: of every event, dark ones included. */
static void stats_when(struct tt_report_stats *s, const struct ev *e)
{
	if (e->ts_us < s->first_us)
		s->first_us = e->ts_us;
	if (e->ts_us > s->last_us)
		s->last_us = e->ts_us;
	s->version = tt_rversion_merge(s->version, e->version);
}

static void stats_add(struct tt_report_stats *s, const struct ev *e)
{
	if (e->dark) {
		s->dark++;
		tt_rsat_add(&s->dark_sent, e->dark_sent);
		tt_rsat_add(&s->dark_received, e->dark_received);
		stats_when(s, e);
		return;
	}
	s->calls++;
	if (e->success) {
		s->successes++;
		if (e->priced)
			s->priced_successes++;
	} else {
		s->failures++;
		if (e->priced)
			tt_rsum_add(&s->failed_cost, e->amount);
	}
	if (e->attempt >= 0)
		s->attempt_known++;
	if (e->attempt >= 1)
		s->retries++;
	if (e->fallback)
		s->fallbacks++;
	for (int i = 0; i < TT_RTOK__COUNT; i++)
		tt_rsat_add(&s->tokens[i], e->tok[i]);
	if (e->priced) {
		s->priced++;
		tt_rsum_add(&s->cost, e->amount);
		if (e->allocated)
			tt_rsum_add(&s->allocated_cost, e->amount);
	} else {
		s->unpriced++;
		s->unpriced_by[e->reason]++;
		/* An error answer without usage: the provider did not bill
		 * it. Its cost is known, 0; other unpriced calls' is not. */
		if (!e->success && !e->incomplete && e->no_usage)
			s->unbilled_errors++;
	}
	if (e->new_priced) {
		s->new_priced++;
		tt_rsum_add(&s->new_cost, e->new_amount);
	} else {
		s->new_unpriced++; /* meaningful with opts.reprice only */
	}
	if (e->allocated)
		s->allocated++;
	if (e->mismatch)
		s->mismatches++;
	stats_when(s, e);
}

static void cell_add(struct tt_report_cell *c, const struct ev *e)
{
	if (e->dark)
		return; /* no cost: no FOCUS row */
	c->calls++;
	if (e->success)
		c->successes++;
	else
		c->failures++;
	if (e->priced)
		tt_rsum_add(&c->cost, e->amount);
	else
		c->unpriced++;
	for (int i = 0; i < TT_RTOK__COUNT; i++)
		tt_rsat_add(&c->tokens[i], e->tok[i]);
	c->version = tt_rversion_merge(c->version, e->version);
}

/* The call's business unit into its group's set: counted once however
 * many calls it made (docs/report.md#cost-per-unit). */
static void unit_add(struct tt_report *r, struct tt_report_group *g,
		     const struct ev *e)
{
	const char *id = e->val[TT_RKEY_UNIT_ID];
	const char *outcome = e->val[TT_RKEY_UNIT_OUTCOME];
	uint8_t flags = 0;

	if (e->dark || !id)
		return;
	r->unit_calls++;
	if (!r->opts.unit_outcome ||
	    (outcome && !strcmp(outcome, r->opts.unit_outcome)))
		flags |= TT_RUNIT_COUNTED;
	/* Of unknown cost: unpriced and not an unbilled error (stats_add). */
	if (!e->priced && (e->success || e->incomplete || !e->no_usage))
		flags |= TT_RUNIT_UNKNOWN;
	tt_runits_add(r, &g->units, &g->st, id, flags);
}

static int only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return 0;
	return 1;
}

static enum tt_report_line classify(struct tt_report *r, const char *line,
				    size_t len, struct ev *e)
{
	const char *end = NULL;
	const cJSON *type, *version;
	enum tt_report_line cls;
	cJSON *root;

	if (only_space(line, line + len))
		return TT_RLINE_BLANK;
	if (len > TT_REPORT_LINE_MAX)
		return TT_RLINE_TOO_LONG;
	root = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (!root || !end || !only_space(end, line + len)) {
		cJSON_Delete(root);
		return TT_RLINE_NOT_JSON;
	}
	type = cJSON_IsObject(root) ? member(root, "event_type") : NULL;
	version = member(root, "event_version");
	if (!cJSON_IsString(type) || !type->valuestring ||
	    strcmp(type->valuestring, "ai_api_cost_allocation"))
		cls = TT_RLINE_NOT_EVENT;
	else if (!cJSON_IsNumber(version) || version->valuedouble != 1)
		cls = TT_RLINE_BAD_VERSION;
	else
		cls = read_event(r, root, e);
	/* Strings in e point into the tree: aggregate before freeing. */
	if (cls == TT_RLINE_EVENT) {
		uint32_t gi, ci;
		int ret = place(r, e, &gi, &ci);

		if (ret) {
			if (ret == -ENOMEM)
				r->nomem++;
			cls = TT_RLINE_DROPPED;
		} else {
			stats_add(&r->groups[gi].st, e);
			cell_add(&r->cells[ci], e);
			unit_add(r, &r->groups[gi], e);
		}
	}
	cJSON_Delete(root);
	return cls;
}

int tt_report_feed(struct tt_report *r, const char *line, size_t len,
		   enum tt_report_line *cls)
{
	struct ev e;
	enum tt_report_line c;
	uint64_t nomem = r->nomem;

	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	memset(&e, 0, sizeof(e));
	tt_rresults_free(r);
	c = classify(r, line, len, &e);
	r->lines[c]++;
	r->lines_total++;
	if (cls)
		*cls = c;
	return r->nomem != nomem ? -ENOMEM : 0;
}

void tt_report_too_long(struct tt_report *r)
{
	tt_rresults_free(r);
	r->lines[TT_RLINE_TOO_LONG]++;
	r->lines_total++;
}

