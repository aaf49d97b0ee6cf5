// SPDX-License-Identifier: MIT
/* The handoff record of a smoke run, as JSON and as text; see smoke.h. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include "smoke/smoke.h"

/* What the record keeps of an event: identity, booking, call, usage and
 * cost (never a key, prompt or completion: the ledger has none). */
static const char *const evidence_fields[] = {
	"event_id", "timestamp_utc", "process.pid", "cgroup.path", "owner",
	"team", "cost_center", "environment", "allocation.status",
	"allocation.rule", "provider", "request_model", "response_model",
	"status_code", "outcome", "error_type", "attempt", "usage_status",
	"usage.input_tokens", "usage.output_tokens", "cost.amount",
	"cost.currency", "cost.reason", "cost.pricing_version",
	"cost.pricing_snapshot_date", "cost.pricing_sha256", "cost.priced_as",
	NULL,
};

/* Flat: "usage.input_tokens" stays one key, as people search for it. */
static cJSON *evidence_of(const cJSON *ev)
{
	cJSON *o;

	if (!ev)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	for (int i = 0; o && evidence_fields[i]; i++) {
		const cJSON *v = tt_smoke_at(ev, evidence_fields[i]);
		cJSON *copy = v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();

		if (!copy || !cJSON_AddItemToObject(o, evidence_fields[i], copy)) {
			cJSON_Delete(copy);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

static void add_str(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static void add_exit(cJSON *o, int status)
{
	if (status < 0)
		cJSON_AddNullToObject(o, "command_exit");
	else
		cJSON_AddNumberToObject(o, "command_exit", status);
}

static cJSON *evidence(const struct tt_smoke_record *r)
{
	const struct tt_smoke_result *res = r->res;
	cJSON *o = cJSON_CreateObject(), *h, *e;

	if (!o)
		return NULL;
	add_str(o, "ledger", r->ledger);
	h = cJSON_AddObjectToObject(o, "happy_path");
	e = cJSON_AddObjectToObject(o, "error_path");
	if (!h || !e) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(h, "mode", r->happy_watched ? "watched" : "command");
	add_exit(h, r->happy_exit);
	cJSON_AddNumberToObject(h, "events", res->happy_events);
	cJSON_AddItemToObject(h, "event", evidence_of(res->happy));
	cJSON_AddStringToObject(e, "mode", r->error_watched ? "watched" : "command");
	add_exit(e, r->error_exit);
	cJSON_AddNumberToObject(e, "events", res->error_events);
	cJSON_AddNumberToObject(e, "auth_failures", res->auth_failures);
	cJSON_AddNumberToObject(e, "max_error_attempts", r->max_error_attempts);
	cJSON_AddItemToObject(e, "first_event", evidence_of(res->error_first));
	return o;
}

cJSON *tt_smoke_record_json(const struct tt_smoke_record *r)
{
	const struct tt_smoke_result *res = r->res;
	int pass = res->happy_pass && res->error_pass;
	cJSON *o = cJSON_CreateObject(), *urls, *reasons, *ev;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "record_type", "tokentap_smoke_handoff");
	cJSON_AddNumberToObject(o, "record_version", 1);
	cJSON_AddStringToObject(o, "run_id", r->run_id);
	cJSON_AddStringToObject(o, "reviewed_at", r->reviewed_at);
	add_str(o, "operator", r->operator_name);
	urls = cJSON_AddArrayToObject(o, "source_urls_checked");
	for (unsigned i = 0; urls && i < res->nurls; i++)
		cJSON_AddItemToArray(urls, cJSON_CreateString(res->urls[i]));
	add_str(o, "workload_tag", r->workload);
	add_str(o, "owner_tag", res->owner);
	add_str(o, "environment", res->environment);
	cJSON_AddStringToObject(o, "happy_path_result", res->happy_pass ? "pass" : "fail");
	cJSON_AddStringToObject(o, "error_path_result", res->error_pass ? "pass" : "fail");
	ev = evidence(r);
	if (ev)
		cJSON_AddItemToObject(o, "evidence_captured", ev);
	cJSON_AddStringToObject(o, "decision", pass ? "pass" : "fail");
	add_str(o, "follow_up_owner", r->follow_up_owner);
	reasons = cJSON_AddArrayToObject(o, "reasons");
	for (unsigned i = 0; reasons && i < res->nreasons; i++)
		cJSON_AddItemToArray(reasons, cJSON_CreateString(res->reasons[i]));
	if (!urls || !ev || !reasons) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* "-" for a count the event does not have. */
static void text_count(FILE *f, const char *label, const cJSON *v)
{
	if (cJSON_IsNumber(v))
		fprintf(f, " %s %.0f", label, v->valuedouble);
	else
		fprintf(f, " %s -", label);
}

static void text_event(FILE *f, const char *label, const cJSON *ev)
{
	const cJSON *amount = tt_smoke_at(ev, "cost.amount");
	const cJSON *currency = tt_smoke_at(ev, "cost.currency");
	const cJSON *id = tt_smoke_at(ev, "event_id");

	if (!ev)
		return;
	fprintf(f, "  %-22s event %s,", label,
		cJSON_IsString(id) ? id->valuestring : "?");
	text_count(f, "HTTP", tt_smoke_at(ev, "status_code"));
	fprintf(f, ", tokens");
	text_count(f, "in", tt_smoke_at(ev, "usage.input_tokens"));
	text_count(f, "out", tt_smoke_at(ev, "usage.output_tokens"));
	if (cJSON_IsNumber(amount))
		fprintf(f, ", cost %.10g %s", amount->valuedouble,
			cJSON_IsString(currency) ? currency->valuestring : "");
	fprintf(f, "\n");
}

void tt_smoke_record_text(const struct tt_smoke_record *r, FILE *f)
{
	const struct tt_smoke_result *res = r->res;
	int pass = res->happy_pass && res->error_pass;

	fprintf(f, "tokentap smoke: handoff record\n");
	fprintf(f, "%-24s %s\n", "run_id", r->run_id);
	fprintf(f, "%-24s %s\n", "reviewed_at", r->reviewed_at);
	fprintf(f, "%-24s %s\n", "operator", r->operator_name ? r->operator_name : "-");
	fprintf(f, "%-24s %s\n", "workload_tag", r->workload);
	fprintf(f, "%-24s %s\n", "owner_tag", res->owner ? res->owner : "-");
	fprintf(f, "%-24s %s\n", "environment", res->environment ? res->environment : "-");
	fprintf(f, "%-24s", "source_urls_checked");
	for (unsigned i = 0; i < res->nurls; i++)
		fprintf(f, "%s%s", i ? "\n                         " : " ", res->urls[i]);
	fprintf(f, "%s\n", res->nurls ? "" : " -");
	fprintf(f, "%-24s %s (%u event%s of the workload)\n", "happy_path_result",
		res->happy_pass ? "pass" : "fail", res->happy_events,
		res->happy_events == 1 ? "" : "s");
	fprintf(f, "%-24s %s (%u auth failure%s, at most %d allowed)\n",
		"error_path_result", res->error_pass ? "pass" : "fail",
		res->auth_failures, res->auth_failures == 1 ? "" : "s",
		r->max_error_attempts);
	fprintf(f, "evidence_captured        ledger %s (happy path %s, error path %s)\n",
		r->ledger ? r->ledger : "-", r->happy_watched ? "watched" : "run",
		r->error_watched ? "watched" : "run");
	text_event(f, "happy path", res->happy);
	text_event(f, "error path (first)", res->error_first);
	fprintf(f, "%-24s %s\n", "decision", pass ? "pass" : "fail");
	fprintf(f, "%-24s %s\n", "follow_up_owner",
		r->follow_up_owner ? r->follow_up_owner : "-");
	for (unsigned i = 0; i < res->nreasons; i++)
		fprintf(f, "%s %s\n", i ? "                        " : "reasons                 ",
			res->reasons[i]);
}
