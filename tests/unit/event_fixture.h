/* SPDX-License-Identifier: MIT */
/*
 * One allocation event with every group filled (a container with labels,
 * a pod, tags, matched sources, declared headers, an API key, a priced
 * cost with priced_as, usage_raw, ttfb, a problem) or, with rich = 0,
 * every optional group null: built by the real tt_alloc_build() for the
 * tests of the field table and of OTLP. Static storage: one at a time.
 */
#ifndef TT_EVENT_FIXTURE_H
#define TT_EVENT_FIXTURE_H

#include <cjson/cJSON.h>
#include <string.h>
#include "alloc/event.h"
#include "tt_test.h"

static const char efx_prices[] =
	"{\"version\":\"t1\",\"currency\":\"USD\",\"source\":\"https://x\","
	"\"snapshot_date\":\"2025-11-01\",\"note\":\"test\",\"models\":["
	"{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\","
	" \"aliases\":[\"gpt-4o-mini-2024-07-18\"],"
	" \"per_million\":{\"input\":0.15,\"cached_input\":0.075,\"output\":0.6}}]}";

static const char efx_owners[] =
	"[{\"name\":\"pods\",\"match\":{\"cgroup\":\"/kubepods*/*pod1234*\","
	"  \"container_label\":\"app=checkout\"},"
	"  \"set\":{\"owner\":\"payments\",\"team\":\"pay-core\","
	"   \"cost_center\":\"CC-100\",\"application\":\"checkout\","
	"   \"environment\":\"stg\",\"tags\":{\"tier\":\"gold\",\"q\":\"a\\\"b\"}}}]";

static const char efx_cgroup[] =
	"/kubepods.slice/kubepods-burstable.slice/"
	"kubepods-burstable-pod12345678_1234_1234_1234_123456789abc.slice/"
	"cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope";

static struct {
	struct tt_owner_rules rules;
	struct tt_pricing prices;
	struct tt_config cfg;
	struct tt_alloc a;
	struct tt_call call;
	struct tt_hdrs hdrs;
	struct tt_xrec rec;
	struct tt_workload wl;
	struct tt_pod_ref pod;
	struct tt_kv labels[2];
	struct tt_proc_facts pf;
} efx __attribute__((unused));

/* Adds a request header (the alloc tests use it too). */
__attribute__((unused)) static void tt_test_hdr_add(struct tt_hdrs *hs,
						    const char *name,
						    const char *value)
{
	struct tt_hdr *h = &hs->h[hs->n++];

	h->name = name;
	h->name_len = strlen(name);
	h->value = value;
	h->value_len = strlen(value);
}

__attribute__((unused)) static void efx_hdr(const char *name, const char *value)
{
	tt_test_hdr_add(&efx.hdrs, name, value);
}

__attribute__((unused)) static void efx_call(void)
{
	struct tt_call *c = &efx.call;

	snprintf(c->provider, sizeof(c->provider), "openai");
	snprintf(c->operation, sizeof(c->operation), "chat");
	snprintf(c->endpoint, sizeof(c->endpoint), "/v1/chat/completions");
	snprintf(c->request_model, sizeof(c->request_model), "gpt-4o-mini");
	snprintf(c->response_model, sizeof(c->response_model),
		 "gpt-4o-mini-2024-07-18");
	snprintf(c->request_id, sizeof(c->request_id), "req_1");
	snprintf(c->response_id, sizeof(c->response_id), "chatcmpl-1");
	snprintf(c->finish_reason, sizeof(c->finish_reason), "stop");
	snprintf(c->user_agent, sizeof(c->user_agent), "OpenAI/Python 1.50.0");
	snprintf(c->sdk_lang, sizeof(c->sdk_lang), "python");
	snprintf(c->usage_raw, sizeof(c->usage_raw),
		 "{\"prompt_tokens\":1000,\"completion_tokens\":200}");
	c->stream = 1;
	c->status = 200;
	c->attempt = 1;
	tt_usage_reset(&c->usage);
	c->usage.input_tokens = 1000;
	c->usage.output_tokens = 200;
	c->usage.cache_read_input_tokens = 400;
	c->usage.cache_creation_input_tokens = 0;
	c->usage.total_tokens = 1200;
	c->usage_status = TT_USAGE_REPORTED;
}

/* Builds the event into *ev (event id "e-1"). */
__attribute__((unused)) static void efx_build(int rich, struct tt_event *ev)
{
	char err[256];
	cJSON *o = cJSON_Parse(efx_owners);

	memset(&efx, 0, sizeof(efx));
	tt_config_defaults(&efx.cfg);
	TT_CHECK_EQ_INT(tt_rules_parse_owners(o, "owners", &efx.rules, err,
					      sizeof(err)), 0);
	cJSON_Delete(o);
	TT_CHECK_EQ_INT(tt_pricing_parse(efx_prices, strlen(efx_prices),
					 &efx.prices, err, sizeof(err)), 0);
	efx.a.host = "node-1";
	efx.a.rules = &efx.rules;
	efx.a.prices = rich ? &efx.prices : NULL;
	efx.a.prices_path = "/etc/tokentap/prices.json";
	efx.a.declared = (const char (*)[TT_RULE_KEY_MAX])efx.cfg.declared;
	efx_call();
	efx.rec.call = &efx.call;
	efx.rec.host = "api.openai.com";
	efx.rec.req_hdrs = &efx.hdrs;
	efx.rec.start_ns = 1763000000123456789ull;
	efx.rec.end_ns = efx.rec.start_ns + 250000000ull;
	efx.rec.ttfb_ns = rich ? 120500000 : -1;
	efx.rec.request_bytes = 137;
	efx.rec.response_bytes = 2000;
	efx.rec.response_encoding = "identity";
	efx.rec.problem = rich ? "truncated" : NULL;
	efx.pf.pid = 4242;
	efx.pf.comm = "python3";
	efx.pf.exe = "/usr/bin/python3.11";
	efx.pf.cgroup_id = 777;
	if (rich) {
		snprintf(efx.rec.key.id, sizeof(efx.rec.key.id), "k_0123456789abcdef");
		snprintf(efx.rec.key.hint, sizeof(efx.rec.key.hint), "sk-...abcd");
		TT_CHECK_EQ_INT(tt_workload_from_cgroup(efx_cgroup, strlen(efx_cgroup),
							&efx.wl), 0);
		snprintf(efx.pod.ns, sizeof(efx.pod.ns), "shop");
		snprintf(efx.pod.name, sizeof(efx.pod.name), "checkout-7d9f");
		efx.labels[0] = (struct tt_kv){ "app", "checkout" };
		efx.labels[1] = (struct tt_kv){ "empty", "" };
		efx.pf.cgroup_path = efx_cgroup;
		efx.pf.workload = &efx.wl;
		efx.pf.pod = &efx.pod;
		efx.pf.container_name = "web";
		efx.pf.container_labels = efx.labels;
		efx.pf.n_container_labels = 2;
		efx_hdr("x-environment", "production");
		efx_hdr("x-cost-center", "CC-claimed");
		efx_hdr("openai-organization", "org-1");
		efx_hdr("x-goog-user-project", "proj_g");
	}
	tt_alloc_build(&efx.a, &efx.rec, &efx.pf, "e-1", ev);
}

__attribute__((unused)) static void efx_free(void)
{
	tt_rules_free(&efx.rules);
	tt_pricing_free(&efx.prices);
	tt_config_free(&efx.cfg);
}

#endif
