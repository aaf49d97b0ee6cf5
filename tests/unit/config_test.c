// SPDX-License-Identifier: MIT
/* Tests for user/core/config.c: the agent's JSON configuration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config.h"
#include "tt_test.h"

/* ~72 KiB each: static, not on the stack. */
static struct tt_config cfg;
static struct tt_hosts builtin;

TT_TEST(defaults)
{
	tt_config_defaults(&cfg);
	tt_hosts_init_builtin(&builtin);
	TT_CHECK_EQ_U64(cfg.capture.ringbuf_bytes, 8u << 20);
	TT_CHECK_EQ_U64(cfg.capture.max_connections, 16384);
	TT_CHECK_EQ_INT(cfg.capture.attach_all_libraries, 1);
	TT_CHECK(cfg.hosts.n > 0);
	TT_CHECK_EQ_U64(cfg.hosts.n, builtin.n);
	TT_CHECK_EQ_STR(tt_hosts_match(&cfg.hosts, "api.openai.com"), "openai");
	/* The defaults satisfy the limits the parser enforces. */
	TT_CHECK_EQ_U64(cfg.capture.ringbuf_bytes & (cfg.capture.ringbuf_bytes - 1), 0);
}

TT_TEST(empty_object_keeps_defaults)
{
	char err[256] = "";

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_parse("{}", &cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_U64(cfg.capture.ringbuf_bytes, 8u << 20);
	TT_CHECK_EQ_U64(cfg.capture.max_connections, 16384);
	TT_CHECK_EQ_INT(cfg.capture.attach_all_libraries, 1);
	TT_CHECK_EQ_U64(cfg.hosts.n, builtin.n);
}

static const char full_config[] =
	"{\n"
	"  \"version\": 1,\n"
	"  \"endpoints\": [\n"
	"    { \"host\": \"LLM.Internal\", \"provider\": \"gateway\" },\n"
	"    { \"host\": \"*.vllm.corp.example\", \"provider\": \"vllm\" }\n"
	"  ],\n"
	"  \"capture\": {\n"
	"    \"ringbuf_bytes\": 1048576,\n"
	"    \"max_connections\": 4096,\n"
	"    \"attach_system_libraries\": false\n"
	"  }\n"
	"}\n";

TT_TEST(full_valid_config)
{
	char err[256] = "";

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_parse(full_config, &cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_U64(cfg.capture.ringbuf_bytes, 1048576);
	TT_CHECK_EQ_U64(cfg.capture.max_connections, 4096);
	TT_CHECK_EQ_INT(cfg.capture.attach_all_libraries, 0);
	/* Endpoints come after the built-ins, lower-cased. */
	TT_CHECK_EQ_U64(cfg.hosts.n, builtin.n + 2);
	TT_CHECK_EQ_STR(cfg.hosts.rules[builtin.n].pattern, "llm.internal");
	TT_CHECK_EQ_STR(cfg.hosts.rules[builtin.n].provider, "gateway");
	TT_CHECK_EQ_STR(cfg.hosts.rules[builtin.n + 1].pattern, "*.vllm.corp.example");
	TT_CHECK_EQ_STR(tt_hosts_match(&cfg.hosts, "llm.internal:8080"), "gateway");
	TT_CHECK_EQ_STR(tt_hosts_match(&cfg.hosts, "gpu1.vllm.corp.example"), "vllm");
	TT_CHECK_EQ_STR(tt_hosts_match(&cfg.hosts, "api.anthropic.com"), "anthropic");
}

TT_TEST(attach_true_and_boundaries)
{
	char err[256] = "";

	tt_config_defaults(&cfg);
	cfg.capture.attach_all_libraries = 0;
	TT_CHECK_EQ_INT(tt_config_parse("{\"capture\":{\"attach_system_libraries\":true,"
					"\"ringbuf_bytes\":4096,\"max_connections\":16}}",
					&cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_INT(cfg.capture.attach_all_libraries, 1);
	TT_CHECK_EQ_U64(cfg.capture.ringbuf_bytes, 4096);
	TT_CHECK_EQ_U64(cfg.capture.max_connections, 16);

	TT_CHECK_EQ_INT(tt_config_parse("{\"capture\":{\"ringbuf_bytes\":1073741824,"
					"\"max_connections\":1048576}}",
					&cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_U64(cfg.capture.ringbuf_bytes, 1u << 30);
	TT_CHECK_EQ_U64(cfg.capture.max_connections, 1u << 20);
	/* An integer written with an exponent is still an integer. */
	TT_CHECK_EQ_INT(tt_config_parse("{\"capture\":{\"ringbuf_bytes\":6.5536e4}}",
					&cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_U64(cfg.capture.ringbuf_bytes, 65536);
}

TT_TEST(capture_modes_hold_and_selectors)
{
	char err[256] = "";
	struct tt_owner_result res;
	struct tt_facts f = { .exe = "/usr/local/bin/claude", .cgroup = "/x" };

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(cfg.capture.mode, TT_CAPTURE_SCOPED);
	TT_CHECK_EQ_INT(cfg.capture.hold_ms, 1000);
	TT_CHECK_EQ_STR(cfg.capture.state_dir, "/sys/fs/bpf/tokentap");
	TT_CHECK_EQ_INT(tt_config_parse(
		"{\"capture\":{\"mode\":\"all\",\"hold_ms\":0,"
		"\"idle_disarm_seconds\":30,\"max_armed_processes\":64,"
		"\"state_dir\":\"\",\"arm\":[{\"name\":\"agents\","
		"\"match\":{\"exe\":\"*/claude\"}}]}}", &cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_INT(cfg.capture.mode, TT_CAPTURE_ALL);
	TT_CHECK_EQ_STR(tt_capture_mode_name(cfg.capture.mode), "all");
	TT_CHECK_EQ_INT(cfg.capture.hold_ms, 0);
	TT_CHECK_EQ_INT(cfg.capture.idle_disarm_s, 30);
	TT_CHECK_EQ_U64(cfg.capture.max_armed, 64);
	TT_CHECK_EQ_STR(cfg.capture.state_dir, "");
	TT_CHECK_EQ_U64(cfg.capture.arm.n, 1);
	TT_CHECK_EQ_INT(tt_rules_match(&cfg.capture.arm, &f, &res), 1);
	TT_CHECK_EQ_STR(res.rule, "agents");
	f.exe = "/usr/bin/nginx";
	TT_CHECK_EQ_INT(tt_rules_match(&cfg.capture.arm, &f, &res), 0);
	tt_config_free(&cfg);
}

struct error_case {
	const char *name;
	const char *text;
	const char *want; /* must appear in the message: the field named */
};

static const struct error_case error_cases[] = {
	/* Allocation sections: the field path reaches the message. */
	{ "owner_unknown_match", "{\"owners\": [{\"name\": \"a\", \"match\": {\"cgroupp\": \"/\"},"
	  " \"set\": {\"owner\": \"o\"}}]}", "owners[0].match.cgroupp" },
	{ "owner_no_set", "{\"owners\": [{\"name\": \"a\", \"match\": {}}]}", "owners[0]" },
	{ "owners_object", "{\"owners\": {}}", "owners" },
	{ "key_env_number", "{\"key_environments\": {\"k_1\": 5}}", "key_environments" },
	{ "env_vars_string", "{\"environment_variables\": \"APP_ENV\"}", "environment_variables" },
	{ "pricing_unknown", "{\"pricing\": {\"tabel\": \"x\"}}", "pricing.tabel: unknown key" },
	{ "pricing_table_number", "{\"pricing\": {\"table\": 1}}", "pricing.table" },
	{ "declared_unknown", "{\"declared_headers\": {\"owner\": \"X-Owner\"}}",
	  "declared_headers.owner: unknown key" },
	{ "declared_space", "{\"declared_headers\": {\"team\": \"X Team\"}}",
	  "declared_headers.team" },
	{ "declared_number", "{\"declared_headers\": {\"team\": 1}}", "declared_headers.team" },
	{ "declared_array", "{\"declared_headers\": []}", "declared_headers" },
	{ "host_relative", "{\"host\": {\"pods_log_dir\": \"var/log/pods\"}}",
	  "host.pods_log_dir" },
	{ "host_unknown", "{\"host\": {\"proc\": \"/proc\"}}", "host.proc: unknown key" },
	/* capture */
	{ "capture_mode", "{\"capture\": {\"mode\": \"some\"}}", "capture.mode" },
	{ "capture_mode_number", "{\"capture\": {\"mode\": 1}}", "capture.mode" },
	{ "capture_hold_big", "{\"capture\": {\"hold_ms\": 10001}}", "capture.hold_ms" },
	{ "capture_hold_neg", "{\"capture\": {\"hold_ms\": -1}}", "capture.hold_ms" },
	{ "capture_idle_frac", "{\"capture\": {\"idle_disarm_seconds\": 1.5}}",
	  "capture.idle_disarm_seconds" },
	{ "capture_armed_zero", "{\"capture\": {\"max_armed_processes\": 0}}",
	  "capture.max_armed_processes" },
	{ "capture_state_relative", "{\"capture\": {\"state_dir\": \"bpf/tt\"}}",
	  "capture.state_dir" },
	{ "capture_state_dotdot", "{\"capture\": {\"state_dir\": \"/sys/fs/bpf/../x\"}}",
	  "capture.state_dir" },
	{ "capture_arm_set", "{\"capture\": {\"arm\": [{\"name\": \"a\", \"match\": {},"
	  " \"set\": {\"owner\": \"o\"}}]}}", "capture.arm[0].set: unknown key" },
	{ "capture_arm_header", "{\"capture\": {\"arm\": [{\"name\": \"a\", \"match\":"
	  " {\"header\": \"X-Team=a\"}}]}}", "capture.arm[0].match.header" },
	{ "capture_arm_key", "{\"capture\": {\"arm\": [{\"name\": \"a\", \"match\":"
	  " {\"key_id\": \"k_1\"}}]}}", "capture.arm[0].match.key_id" },
	{ "capture_arm_no_match", "{\"capture\": {\"arm\": [{\"name\": \"a\"}]}}",
	  "capture.arm[0].match" },
	/* metrics */
	{ "metrics_unknown", "{\"metrics\": {\"port\": 9464}}", "metrics.port: unknown key" },
	{ "metrics_string", "{\"metrics\": \"127.0.0.1:9464\"}", "metrics: must be an object" },
	{ "metrics_listen_number", "{\"metrics\": {\"listen\": 9464}}", "metrics.listen" },
	{ "metrics_listen_no_port", "{\"metrics\": {\"listen\": \"127.0.0.1\"}}",
	  "metrics.listen" },
	{ "metrics_listen_name", "{\"metrics\": {\"listen\": \"localhost:9464\"}}",
	  "metrics.listen" },
	{ "metrics_listen_port0", "{\"metrics\": {\"listen\": \"127.0.0.1:0\"}}",
	  "metrics.listen" },
	{ "metrics_listen_null", "{\"metrics\": {\"listen\": null}}", "metrics.listen" },
	/* Not JSON, or not an object. */
	{ "empty_text", "", "JSON" },
	{ "truncated", "{\"version\": 1", "JSON" },
	{ "trailing_comma", "{\"version\": 1,}", "JSON" },
	{ "bare_word", "version = 1", "JSON" },
	{ "trailing_object", "{\"version\": 1}\n{\"capture\": {\"ringbuf_bytes\": 3}}",
	  "JSON" },
	{ "trailing_garbage", "{} x", "JSON" },
	{ "array_top", "[]", "top level" },
	{ "number_top", "1", "top level" },
	{ "null_top", "null", "top level" },
	/* version */
	{ "version_2", "{\"version\": 2}", "version" },
	{ "version_0", "{\"version\": 0}", "version" },
	{ "version_string", "{\"version\": \"1\"}", "version" },
	{ "version_bool", "{\"version\": true}", "version" },
	{ "version_null", "{\"version\": null}", "version" },
	{ "version_fraction", "{\"version\": 1.5}", "version" },
	{ "version_huge", "{\"version\": 4294967297}", "version" },
	/* Unknown keys, top level and nested; keys are case-sensitive. */
	{ "unknown_top", "{\"version\": 1, \"verison\": 1}", "verison: unknown key" },
	{ "unknown_top_case", "{\"Capture\": {}}", "Capture: unknown key" },
	{ "unknown_capture", "{\"capture\": {\"ringbuf\": 4096}}",
	  "capture.ringbuf: unknown key" },
	{ "unknown_endpoint",
	  "{\"endpoints\": [{\"host\": \"a.example\", \"provider\": \"x\", \"port\": 1}]}",
	  "endpoints[0].port: unknown key" },
	/* endpoints: wrong types */
	{ "endpoints_object", "{\"endpoints\": {}}", "endpoints: must be an array" },
	{ "endpoints_string", "{\"endpoints\": \"a.example\"}", "endpoints: must be an array" },
	{ "endpoint_string", "{\"endpoints\": [\"a.example\"]}", "endpoints[0]: must be an object" },
	{ "endpoint_array", "{\"endpoints\": [[\"a.example\"]]}", "endpoints[0]: must be an object" },
	{ "host_number", "{\"endpoints\": [{\"host\": 5, \"provider\": \"x\"}]}",
	  "endpoints[0].host" },
	{ "host_missing", "{\"endpoints\": [{\"provider\": \"x\"}]}", "endpoints[0].host" },
	{ "provider_number", "{\"endpoints\": [{\"host\": \"a.example\", \"provider\": 5}]}",
	  "endpoints[0].provider" },
	{ "provider_missing", "{\"endpoints\": [{\"host\": \"a.example\"}]}",
	  "endpoints[0].provider" },
	{ "provider_too_long",
	  "{\"endpoints\": [{\"host\": \"a.example\","
	  " \"provider\": \"a-provider-name-of-32-characters\"}]}",
	  "endpoints[0].provider" },
	/* endpoints: bad host patterns */
	{ "host_space", "{\"endpoints\": [{\"host\": \"bad host\", \"provider\": \"x\"}]}",
	  "endpoints[0].host" },
	{ "host_empty", "{\"endpoints\": [{\"host\": \"\", \"provider\": \"x\"}]}",
	  "endpoints[0].host" },
	{ "host_port", "{\"endpoints\": [{\"host\": \"a.example:443\", \"provider\": \"x\"}]}",
	  "endpoints[0].host" },
	{ "host_slash", "{\"endpoints\": [{\"host\": \"a/b\", \"provider\": \"x\"}]}",
	  "endpoints[0].host" },
	{ "host_bracket", "{\"endpoints\": [{\"host\": \"a[b].example\", \"provider\": \"x\"}]}",
	  "endpoints[0].host" },
	{ "second_host_bad",
	  "{\"endpoints\": [{\"host\": \"a.example\", \"provider\": \"x\"},"
	  " {\"host\": \"b example\", \"provider\": \"y\"}]}",
	  "endpoints[1].host" },
	/* capture: wrong types */
	{ "capture_array", "{\"capture\": []}", "capture: must be an object" },
	{ "capture_bool", "{\"capture\": true}", "capture: must be an object" },
	{ "ringbuf_string", "{\"capture\": {\"ringbuf_bytes\": \"4096\"}}",
	  "capture.ringbuf_bytes" },
	{ "ringbuf_bool", "{\"capture\": {\"ringbuf_bytes\": true}}", "capture.ringbuf_bytes" },
	{ "ringbuf_null", "{\"capture\": {\"ringbuf_bytes\": null}}", "capture.ringbuf_bytes" },
	{ "maxconn_string", "{\"capture\": {\"max_connections\": \"16\"}}",
	  "capture.max_connections" },
	{ "attach_number", "{\"capture\": {\"attach_system_libraries\": 1}}",
	  "capture.attach_system_libraries" },
	{ "attach_string", "{\"capture\": {\"attach_system_libraries\": \"true\"}}",
	  "capture.attach_system_libraries" },
	/* capture: out of range */
	{ "ringbuf_small", "{\"capture\": {\"ringbuf_bytes\": 2048}}", "capture.ringbuf_bytes" },
	{ "ringbuf_zero", "{\"capture\": {\"ringbuf_bytes\": 0}}", "capture.ringbuf_bytes" },
	{ "ringbuf_negative", "{\"capture\": {\"ringbuf_bytes\": -4096}}",
	  "capture.ringbuf_bytes" },
	{ "ringbuf_big", "{\"capture\": {\"ringbuf_bytes\": 2147483648}}",
	  "capture.ringbuf_bytes" },
	{ "ringbuf_huge", "{\"capture\": {\"ringbuf_bytes\": 1e300}}", "capture.ringbuf_bytes" },
	{ "ringbuf_infinite", "{\"capture\": {\"ringbuf_bytes\": 1e999}}",
	  "capture.ringbuf_bytes" },
	{ "ringbuf_fraction", "{\"capture\": {\"ringbuf_bytes\": 4096.5}}",
	  "capture.ringbuf_bytes" },
	{ "ringbuf_not_pow2", "{\"capture\": {\"ringbuf_bytes\": 12288}}",
	  "capture.ringbuf_bytes: must be a power of two" },
	{ "ringbuf_not_pow2_top", "{\"capture\": {\"ringbuf_bytes\": 1073741823}}",
	  "capture.ringbuf_bytes" },
	{ "maxconn_small", "{\"capture\": {\"max_connections\": 15}}", "capture.max_connections" },
	{ "maxconn_big", "{\"capture\": {\"max_connections\": 1048577}}",
	  "capture.max_connections" },
	{ "maxconn_negative", "{\"capture\": {\"max_connections\": -1}}",
	  "capture.max_connections" },
	{ "maxconn_fraction", "{\"capture\": {\"max_connections\": 100.5}}",
	  "capture.max_connections" },
};

TT_TEST(every_error_names_the_field)
{
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];
		char err[256] = "";

		tt_case("%s", c->name);
		tt_config_defaults(&cfg);
		TT_CHECK_EQ_INT(tt_config_parse(c->text, &cfg, err, sizeof(err)), -EINVAL);
		if (!strstr(err, c->want))
			tt_fail_(__FILE__, __LINE__, "message \"%s\" does not name \"%s\"",
				 err, c->want);
		tt_config_free(&cfg);
	}
}

TT_TEST(allocation_sections)
{
	static const char text[] =
		"{\"version\": 1,"
		" \"owners\": [{\"name\": \"payments\","
		"   \"match\": {\"cgroup\": \"/kubepods*/pay*\", \"env\": \"APP_ENV=prod*\"},"
		"   \"set\": {\"owner\": \"payments\", \"cost_center\": \"CC-100\","
		"           \"environment\": \"production\"}},"
		"  {\"name\": \"rest\", \"match\": {}, \"set\": {\"owner\": \"platform\"}}],"
		" \"key_environments\": {\"k_0123456789abcdef\": \"staging\"},"
		" \"environment_variables\": [\"APP_ENV\", \"TEAM_ENV\"],"
		" \"pricing\": {\"table\": \"/etc/tokentap/prices.json\"}}";
	char err[256] = "";

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_parse(text, &cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_U64(cfg.owners.n, 2);
	TT_CHECK_EQ_U64(cfg.owners.n_key_envs, 1);
	TT_CHECK_EQ_U64(cfg.env_allow.n, 2);
	TT_CHECK_EQ_STR(cfg.prices_path, "/etc/tokentap/prices.json");
	/* Defaults for the parts not given. */
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_COST_CENTER], "X-Cost-Center");
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_PROJECT], "X-Project-ID");
	TT_CHECK_EQ_STR(cfg.owners.env_header, "X-Environment");
	TT_CHECK_EQ_STR(cfg.pods_log_dir, "/var/log/pods");
	TT_CHECK_EQ_STR(cfg.cgroup_root, "");
	tt_config_free(&cfg);
}

TT_TEST(declared_headers_and_host)
{
	static const char text[] =
		"{\"declared_headers\": {\"environment\": \"X-Deploy-Env\","
		" \"team\": null, \"project_id\": \"\"},"
		" \"host\": {\"cgroup_root\": \"/host/sys/fs/cgroup\","
		"  \"pods_log_dir\": \"/host/var/log/pods\","
		"  \"docker_dir\": \"/host/var/lib/docker\"}}";
	char err[256] = "";

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_parse(text, &cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_ENVIRONMENT], "X-Deploy-Env");
	TT_CHECK_EQ_STR(cfg.owners.env_header, "X-Deploy-Env");
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_TEAM], "");
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_PROJECT], "");
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_COST_CENTER], "X-Cost-Center");
	TT_CHECK_EQ_STR(cfg.cgroup_root, "/host/sys/fs/cgroup");
	TT_CHECK_EQ_STR(cfg.pods_log_dir, "/host/var/log/pods");
	TT_CHECK_EQ_STR(cfg.docker_dir, "/host/var/lib/docker");
	TT_CHECK_EQ_STR(tt_decl_role_name(TT_DECL_PROJECT), "project_id");
	tt_config_free(&cfg);
}

TT_TEST(declared_business_roles_baggage_retries)
{
	static const char text[] =
		"{\"declared_headers\": {\"tenant\": \"X-Tenant-ID\","
		" \"unit_id\": \"X-Unit-ID\", \"traceparent\": null,"
		" \"baggage\": [\"tier\", \"ticket\"]},"
		" \"retries\": {\"window_seconds\": 5, \"max_tracked\": 100}}";
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "{\"declared_headers\": {\"user\": \"Authorization\"}}",
		  "declared_headers.user: Authorization cannot be recorded" },
		{ "{\"declared_headers\": {\"tenant\": \"baggage\"}}",
		  "declared_headers.tenant: baggage cannot be recorded" },
		{ "{\"declared_headers\": {\"baggage\": [\"a\", \"a\"]}}",
		  "declared_headers.baggage[1]: \"a\" twice" },
		{ "{\"declared_headers\": {\"baggage\": \"a\"}}",
		  "declared_headers.baggage: must be an array of keys" },
		{ "{\"declared_headers\": {\"customer\": \"X-C\"}}", "customer" },
		{ "{\"retries\": {\"window_seconds\": -1}}",
		  "retries.window_seconds: must be an integer 0..3600 (0: off)" },
		{ "{\"retries\": {\"max_tracked\": 0}}",
		  "retries.max_tracked: must be an integer 1..1048576" },
		{ "{\"retries\": {\"window\": 1}}", "window" },
	};
	char err[256] = "";

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_TENANT], ""); /* off by default */
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_USER], "");
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_TRACEPARENT], "traceparent");
	TT_CHECK_EQ_INT((int)cfg.retry_window_s, 60);
	TT_CHECK_EQ_INT(tt_config_parse(text, &cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_TENANT], "X-Tenant-ID");
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_UNIT_ID], "X-Unit-ID");
	TT_CHECK_EQ_STR(cfg.declared[TT_DECL_TRACEPARENT], "");
	TT_CHECK_EQ_U64(cfg.n_baggage, 2);
	TT_CHECK_EQ_STR(cfg.baggage[1], "ticket");
	TT_CHECK_EQ_INT((int)cfg.retry_window_s, 5);
	TT_CHECK_EQ_INT((int)cfg.retry_max_tracked, 100);
	tt_config_free(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tt_case("%s", bad[i].text);
		tt_config_defaults(&cfg);
		TT_CHECK_EQ_INT(tt_config_parse(bad[i].text, &cfg, err, sizeof(err)),
				-EINVAL);
		TT_CHECK(strstr(err, bad[i].err) != NULL);
		tt_config_free(&cfg);
	}
}

TT_TEST(metrics_listen)
{
	char err[256] = "";

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_STR(cfg.metrics_listen, ""); /* the default, not asked for */
	TT_CHECK_EQ_INT(tt_config_parse("{\"metrics\": {}}", &cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(cfg.metrics_listen, "");
	TT_CHECK_EQ_INT(tt_config_parse("{\"metrics\": {\"listen\": \"127.0.0.1:9464\"}}",
					&cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(cfg.metrics_listen, "127.0.0.1:9464");
	TT_CHECK_EQ_INT(tt_config_parse("{\"metrics\": {\"listen\": \"[::1]:9100\"}}",
					&cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_STR(cfg.metrics_listen, "[::1]:9100");
	TT_CHECK_EQ_INT(tt_config_parse("{\"metrics\": {\"listen\": \"off\"}}",
					&cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(cfg.metrics_listen, "off");
}

TT_TEST(bad_host_message_quotes_pattern)
{
	char err[256] = "";

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_parse("{\"endpoints\": [{\"host\": \"x y.example\","
					" \"provider\": \"p\"}]}", &cfg, err, sizeof(err)),
			-EINVAL);
	TT_CHECK(strstr(err, "\"x y.example\"") != NULL);
}

TT_TEST(too_many_endpoints_is_an_error)
{
	/* Enough endpoints to overflow the table after the built-ins. */
	size_t cap = 64 * TT_HOSTS_MAX + 64, len = 0;
	char *text = malloc(cap);
	char err[256] = "", want[64];
	size_t first_refused = TT_HOSTS_MAX - builtin.n;

	TT_CHECK(text != NULL);
	if (!text)
		return;
	len += (size_t)snprintf(text + len, cap - len, "{\"endpoints\": [");
	for (size_t i = 0; i <= first_refused; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"%s{\"host\": \"h%zu.example\", \"provider\": \"p\"}",
					i ? "," : "", i);
	snprintf(text + len, cap - len, "]}");
	TT_CHECK(len < cap - 8);

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_parse(text, &cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "endpoints[%zu]", first_refused);
	if (!strstr(err, want))
		tt_fail_(__FILE__, __LINE__, "message \"%s\" does not name \"%s\"", err, want);
	TT_CHECK(strstr(err, "more than") != NULL);
	TT_CHECK_EQ_U64(cfg.hosts.n, TT_HOSTS_MAX);
	free(text);
}

TT_TEST(small_error_buffer_is_terminated)
{
	char err[8];

	memset(err, 'x', sizeof(err));
	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_parse("{\"version\": 2}", &cfg, err, sizeof(err)),
			-EINVAL);
	TT_CHECK_EQ_STR(err, "version");
	/* No buffer at all is allowed too. */
	TT_CHECK_EQ_INT(tt_config_parse("{\"version\": 2}", &cfg, NULL, 0), -EINVAL);
}

/* Writes text to a new file under /tmp; path receives its name. */
static int write_temp(char path[64], const char *text, size_t len)
{
	int fd;

	snprintf(path, 64, "/tmp/tt_config_test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	return 0;
}

TT_TEST(load_missing_file)
{
	const char *path = "/tmp/tt_config_test.does-not-exist/config.json";
	char err[256] = "";

	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	TT_CHECK(strstr(err, path) != NULL);
	TT_CHECK(strstr(err, strerror(ENOENT)) != NULL);
	/* Nothing was changed. */
	TT_CHECK_EQ_U64(cfg.capture.ringbuf_bytes, 8u << 20);
}

TT_TEST(load_temp_file)
{
	char path[64], err[256] = "";

	TT_CHECK_EQ_INT(write_temp(path, full_config, strlen(full_config)), 0);
	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_load(path, &cfg, err, sizeof(err)), 0);
	TT_CHECK_EQ_STR(err, "");
	TT_CHECK_EQ_U64(cfg.capture.ringbuf_bytes, 1048576);
	TT_CHECK_EQ_U64(cfg.capture.max_connections, 4096);
	TT_CHECK_EQ_INT(cfg.capture.attach_all_libraries, 0);
	TT_CHECK_EQ_STR(tt_hosts_match(&cfg.hosts, "llm.internal"), "gateway");
	unlink(path);
}

TT_TEST(load_temp_file_with_errors)
{
	static const char bad[] = "{\"capture\": {\"max_connections\": 8}}";
	char path[64], err[256] = "";

	TT_CHECK_EQ_INT(write_temp(path, bad, strlen(bad)), 0);
	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	TT_CHECK(strstr(err, "capture.max_connections") != NULL);
	unlink(path);

	/* An empty file is not a configuration. */
	TT_CHECK_EQ_INT(write_temp(path, "", 0), 0);
	TT_CHECK_EQ_INT(tt_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	TT_CHECK(strstr(err, "JSON") != NULL);
	unlink(path);
}

TT_TEST(load_oversized_file)
{
	/* 4 MiB is the cap; one more byte is refused, not truncated. */
	size_t len = (4u << 20) + 1;
	char *text = malloc(len);
	char path[64], err[256] = "";

	TT_CHECK(text != NULL);
	if (!text)
		return;
	memset(text, ' ', len);
	text[0] = '{';
	text[len - 1] = '}';
	TT_CHECK_EQ_INT(write_temp(path, text, len), 0);
	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	TT_CHECK(strstr(err, "larger than") != NULL);
	unlink(path);

	/* At the cap exactly it is read and parsed. */
	text[len - 2] = '}';
	TT_CHECK_EQ_INT(write_temp(path, text, len - 1), 0);
	TT_CHECK_EQ_INT(tt_config_load(path, &cfg, err, sizeof(err)), 0);
	unlink(path);
	free(text);
}
