// SPDX-License-Identifier: MIT
/* The smoke check and the handoff record; see smoke.h. */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "smoke/smoke.h"

const cJSON *tt_smoke_at(const cJSON *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = cJSON_GetObjectItemCaseSensitive(o, key);
		path += n + (path[n] == '.');
	}
	return o;
}

static const char *str_at(const cJSON *o, const char *path)
{
	const cJSON *v = tt_smoke_at(o, path);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int int_at(const cJSON *o, const char *path)
{
	const cJSON *v = tt_smoke_at(o, path);

	return cJSON_IsNumber(v) ? v->valueint : -1;
}

static const char *or_null(const char *s)
{
	return s ? s : "null";
}

static int is_outcome(const cJSON *ev, const char *outcome)
{
	const char *o = str_at(ev, "outcome");

	return o && !strcmp(o, outcome);
}

int tt_smoke_is_workload(const cJSON *ev, const char *workload)
{
	const char *v;
	size_t n = strlen(workload);

	if (workload[0] != '/') {
		v = str_at(ev, "allocation.rule");
		return v && !strcmp(v, workload);
	}
	while (n > 1 && workload[n - 1] == '/')
		n--;
	v = str_at(ev, "cgroup.path");
	return v && !strncmp(v, workload, n) && (v[n] == '\0' || v[n] == '/' ||
						 n == 1);
}

void tt_smoke_fail(struct tt_smoke_result *res, int which, const char *fmt, ...)
{
	va_list ap;

	if (which)
		res->error_pass = 0;
	else
		res->happy_pass = 0;
	if (res->nreasons == TT_SMOKE_REASONS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(res->reasons[res->nreasons++], TT_SMOKE_REASON_LEN, fmt, ap);
	va_end(ap);
}

/* A call's booking in a few words: "owner x (rule r)" or "unallocated". */
static void booking(const cJSON *ev, char *out, size_t cap)
{
	const char *rule = str_at(ev, "allocation.rule");

	if (rule)
		snprintf(out, cap, "owner %s (rule %s)", or_null(str_at(ev, "owner")),
			 rule);
	else
		snprintf(out, cap, "\"unallocated\" (no owner rule matched cgroup %s)",
			 or_null(str_at(ev, "cgroup.path")));
}

static void check_happy_event(const struct tt_smoke_spec *spec,
			      const cJSON *ev, struct tt_smoke_result *res)
{
	const char *status = str_at(ev, "allocation.status");
	const char *model = str_at(ev, "response_model");
	char where[256];

	if (!model)
		model = str_at(ev, "request_model");
	if (!status || strcmp(status, "allocated")) {
		booking(ev, where, sizeof(where));
		tt_smoke_fail(res, 0, "happy path: unmapped workload: the call (pid %d) "
			      "was booked to %s: add an owner rule for %s",
			      int_at(ev, "process.pid"), where, spec->workload);
	}
	if (!str_at(ev, "environment"))
		tt_smoke_fail(res, 0, "happy path: no environment: neither the owner "
			      "rule, the workload's variables nor a header named one");
	if (!is_outcome(ev, "success"))
		tt_smoke_fail(res, 0, "happy path: status category %s (HTTP %d), want "
			      "success", or_null(str_at(ev, "outcome")),
			      int_at(ev, "status_code"));
	if (!str_at(ev, "usage_status") || strcmp(str_at(ev, "usage_status"), "reported"))
		tt_smoke_fail(res, 0, "happy path: usage not reported (usage_status %s)",
			      or_null(str_at(ev, "usage_status")));
	if (!cJSON_IsNumber(tt_smoke_at(ev, "cost.amount")))
		tt_smoke_fail(res, 0, "happy path: unpriced (cost.reason %s): model %s "
			      "of %s has no price in %s: add it to the price table",
			      or_null(str_at(ev, "cost.reason")), or_null(model),
			      or_null(str_at(ev, "provider")),
			      or_null(str_at(ev, "cost.pricing_table")));
}

/* The pid whose events are the path's: the command's, when the workload
 * has any of it in the window (its other traffic then is left out: a
 * live service keeps calling); 0: all the workload's events. */
static int path_pid(const struct tt_smoke_window *w, const char *workload,
		    int pid)
{
	for (size_t i = 0; pid > 0 && i < w->n; i++)
		if (tt_smoke_is_workload(w->ev[i], workload) &&
		    int_at(w->ev[i], "process.pid") == pid)
			return pid;
	return 0;
}

static void check_happy(const struct tt_smoke_spec *spec,
			const struct tt_smoke_window *w,
			struct tt_smoke_result *res)
{
	int pid = path_pid(w, spec->workload, spec->happy_pid);
	const cJSON *other = NULL;
	char where[256];

	for (size_t i = 0; i < w->n; i++) {
		const cJSON *ev = w->ev[i];

		if (pid && int_at(ev, "process.pid") != pid)
			continue;
		if (!tt_smoke_is_workload(ev, spec->workload)) {
			if (!other && spec->happy_pid &&
			    int_at(ev, "process.pid") == spec->happy_pid)
				other = ev;
			continue;
		}
		/* Watching, the error path's calls come in the same window. */
		if (spec->happy_watched && is_outcome(ev, "auth_error"))
			continue;
		res->happy_events++;
		if (!res->happy)
			res->happy = ev;
		if (spec->happy_watched)
			break; /* the first call watched is the one checked */
	}
	if (!res->happy) {
		if (other) {
			booking(other, where, sizeof(where));
			tt_smoke_fail(res, 0, "happy path: the call (pid %d) was booked to "
				      "%s, not to workload %s", int_at(other, "process.pid"),
				      where, spec->workload);
		} else {
			tt_smoke_fail(res, 0, "happy path: no event of workload %s in the "
				      "ledger%s", spec->workload,
				      spec->happy_watched ? " before the time ran out"
						    : " after the command");
		}
		return;
	}
	if (!spec->happy_watched && (res->happy_events != 1 || w->over))
		tt_smoke_fail(res, 0, "happy path: %u events of workload %s, want "
			      "exactly the call's one", res->happy_events + w->over,
			      spec->workload);
	check_happy_event(spec, res->happy, res);
}

static void check_error(const struct tt_smoke_spec *spec,
			const struct tt_smoke_window *w,
			struct tt_smoke_result *res)
{
	int pid = path_pid(w, spec->workload, spec->error_pid);
	const cJSON *first = NULL;

	for (size_t i = 0; i < w->n; i++) {
		const cJSON *ev = w->ev[i];

		if (!tt_smoke_is_workload(ev, spec->workload) ||
		    (pid && int_at(ev, "process.pid") != pid))
			continue;
		if (spec->error_watched && !is_outcome(ev, "auth_error"))
			continue;
		res->error_events++;
		res->auth_failures += is_outcome(ev, "auth_error");
		if (!first)
			first = ev;
	}
	res->error_events += w->over;
	res->error_first = first;
	if (!first) {
		tt_smoke_fail(res, 1, "error path: no event of workload %s in the ledger%s "
			      "(an invalid key should get an auth failure)", spec->workload,
			      spec->error_watched ? " before the time ran out" : " after the command");
		return;
	}
	if (!is_outcome(first, "auth_error"))
		tt_smoke_fail(res, 1, "error path: the call ended %s (HTTP %d), want an "
			      "auth failure (401): did it send an invalid key?",
			      or_null(str_at(first, "outcome")), int_at(first, "status_code"));
	if (res->auth_failures > (unsigned)spec->max_error_attempts)
		tt_smoke_fail(res, 1, "error path: the auth failure was retried: %u "
			      "attempts, more than --max-error-attempts %d (a retry storm)",
			      res->auth_failures, spec->max_error_attempts);
	if (res->error_events > res->auth_failures && is_outcome(first, "auth_error"))
		tt_smoke_fail(res, 1, "error path: %u of its %u calls were not auth "
			      "failures", res->error_events - res->auth_failures,
			      res->error_events);
}

void tt_smoke_check(const struct tt_smoke_spec *spec,
		    const struct tt_smoke_window *happy,
		    const struct tt_smoke_window *error,
		    struct tt_smoke_result *res)
{
	const cJSON *who;

	memset(res, 0, sizeof(*res));
	res->happy_pass = res->error_pass = 1;
	check_happy(spec, happy, res);
	check_error(spec, error, res);
	who = res->happy ? res->happy : res->error_first;
	if (who) {
		res->owner = str_at(who, "owner");
		res->environment = str_at(who, "environment");
	}
}

static void add_url(struct tt_smoke_result *res, const char *url)
{
	if (!url || !url[0] || res->nurls == TT_SMOKE_URLS_MAX)
		return;
	for (unsigned i = 0; i < res->nurls; i++)
		if (!strcmp(res->urls[i], url))
			return;
	snprintf(res->urls[res->nurls++], TT_SMOKE_URL_LEN, "%s", url);
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

void tt_smoke_check_prices(struct tt_smoke_result *res, const cJSON *table,
			   const char *table_sha256, const char *why_no_table)
{
	const cJSON *ev = res->happy, *m, *entry = NULL;
	const char *prov, *model, *from, *sha;

	if (!ev || !cJSON_IsNumber(tt_smoke_at(ev, "cost.amount")))
		return; /* unpriced: already a reason */
	prov = str_at(ev, "cost.priced_as.provider");
	model = str_at(ev, "cost.priced_as.model");
	from = str_at(ev, "cost.priced_as.effective_from");
	sha = str_at(ev, "cost.pricing_sha256");
	if (!table) {
		tt_smoke_fail(res, 0, "happy path: price sources not checked: %s",
			      why_no_table ? why_no_table : "no price table");
		return;
	}
	if (!sha || !table_sha256 || strcmp(sha, table_sha256)) {
		tt_smoke_fail(res, 0, "happy path: the price table %s is not the one "
			      "that priced the call (sha256 %.12s, the call's %.12s)",
			      or_null(str_at(ev, "cost.pricing_table")),
			      or_null(table_sha256), or_null(sha));
		return;
	}
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(table, "models")) {
		if (same(str_at(m, "provider"), prov) && same(str_at(m, "model"), model) &&
		    same(str_at(m, "effective_from"), from)) {
			entry = m;
			break;
		}
	}
	if (!entry) {
		tt_smoke_fail(res, 0, "happy path: the entry %s/%s is not in the price "
			      "table", or_null(prov), or_null(model));
		return;
	}
	add_url(res, str_at(entry, "source"));
	add_url(res, str_at(table, "source"));
	if (!res->nurls)
		tt_smoke_fail(res, 0, "happy path: the price entry %s/%s names no "
			      "source URL", or_null(prov), or_null(model));
}
