// SPDX-License-Identifier: MIT
/*
 * Tests for user/hosts/sni_rules.c: the host table compiled into the hashed
 * server-name rules the kernel filters with. The one property that matters:
 * the kernel never filters a name user space would call an AI endpoint.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "tt_abi.h"
#include "config/config.h"
#include "hosts/sni_rules.h"
#include "tt_test.h"

/* ~72 KiB and ~4 KiB: static, not on the stack. */
static struct tt_config cfg;
static struct tt_hosts hosts;
static struct tt_sni_table table;

/* A table compiled from the given patterns alone. */
static void compile_only(const char *const *patterns, size_t n)
{
	hosts.n = 0;
	for (size_t i = 0; i < n; i++)
		TT_CHECK_EQ_INT(tt_hosts_add(&hosts, patterns[i], "p"), 0);
	TT_CHECK_EQ_INT(tt_sni_compile(&hosts, &table), 0);
}

#define COMPILE_ONLY(...)                                                    \
	do {                                                                 \
		const char *const pats_[] = { __VA_ARGS__ };                 \
		compile_only(pats_, sizeof(pats_) / sizeof(pats_[0]));       \
	} while (0)

struct lookup_case {
	const char *name;
	int rule; /* 0, TT_SNI_CAPTURE or TT_SNI_MAYBE */
};

/* Checks each name's rule, and that a name hosts_match accepts is never
 * left without a rule (the kernel would filter it). */
static void check_lookups(const struct lookup_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tt_case("\"%s\"", cases[i].name);
		TT_CHECK_EQ_INT(tt_sni_lookup(&table, cases[i].name), cases[i].rule);
		if (tt_hosts_match(&hosts, cases[i].name))
			TT_CHECK(cases[i].rule != 0);
		if (cases[i].rule == TT_SNI_CAPTURE)
			TT_CHECK(tt_hosts_match(&hosts, cases[i].name) != NULL);
	}
}

TT_TEST(hash_is_fnv1a_backwards)
{
	/* Published FNV-1a 64 vectors, fed in reverse. */
	TT_CHECK_EQ_U64(tt_sni_hash("", 0), 0xcbf29ce484222325ULL);
	TT_CHECK_EQ_U64(tt_sni_hash("a", 1), 0xaf63dc4c8601ec8cULL);
	TT_CHECK_EQ_U64(tt_sni_hash("raboof", 6), 0x85944171f73967e8ULL);
	/* Lower-cased, and only the first len bytes count. */
	TT_CHECK_EQ_U64(tt_sni_hash("RaBoOF", 6), 0x85944171f73967e8ULL);
	TT_CHECK_EQ_U64(tt_sni_hash("raboofXYZ", 6), 0x85944171f73967e8ULL);
}

TT_TEST(hash_equals_kernel_fold)
{
	static const char *const names[] = {
		"", "a", ".", "api.openai.com", "API.OpenAI.Com", ".openai.azure.com",
		"bedrock-runtime.us-east-1.amazonaws.com", "x_y-z.0123456789.example",
		"\x80\xff.high-bytes.example", "[@`{", /* neighbours of A-Z, a-z */
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len = strlen(names[i]);
		uint64_t h = TT_SNI_FNV_OFFSET, lower = TT_SNI_FNV_OFFSET;

		tt_case("\"%s\"", names[i]);
		/* sni_step: i-th step reads name[len - 1 - i] */
		for (size_t step = 0; step < len; step++)
			h = tt_sni_hash_step(h, (unsigned char)names[i][len - 1 - step]);
		TT_CHECK_EQ_U64(tt_sni_hash(names[i], len), h);
		/* Only ASCII letters fold: the same as hashing tolower() bytes. */
		for (size_t step = 0; step < len; step++) {
			unsigned char c = (unsigned char)names[i][len - 1 - step];

			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)tolower(c);
			lower = (lower ^ c) * TT_SNI_FNV_PRIME;
		}
		TT_CHECK_EQ_U64(h, lower);
	}
}

TT_TEST(exact_host_is_capture)
{
	static const struct lookup_case cases[] = {
		{ "api.openai.com", TT_SNI_CAPTURE },
		{ "API.OpenAI.COM", TT_SNI_CAPTURE },
		{ "api.openai.com.", TT_SNI_CAPTURE }, /* the root label */
		{ "llm.internal", TT_SNI_CAPTURE },
		{ "LLM.INTERNAL.", TT_SNI_CAPTURE },
		{ "xapi.openai.com", 0 },
		{ "eu.api.openai.com", 0 }, /* no suffix rule in this table */
		{ "openai.com", 0 },
		{ "api.openai.co", 0 },
		{ "api.openai.com.evil.test", 0 },
		{ "api.openai.com..", 0 },
		{ "", 0 },
		{ ".", 0 },
	};

	COMPILE_ONLY("api.openai.com", "LLM.Internal");
	TT_CHECK_EQ_INT(table.complete, 1);
	TT_CHECK_EQ_U64(table.n, 2);
	TT_CHECK_EQ_U64(table.e[0].key, tt_sni_hash("api.openai.com", 14));
	TT_CHECK_EQ_INT(table.e[0].val.rule, TT_SNI_CAPTURE);
	/* Stored under the lower-cased pattern's hash. */
	TT_CHECK_EQ_U64(table.e[1].key, tt_sni_hash("llm.internal", 12));
	check_lookups(cases, sizeof(cases) / sizeof(cases[0]));
}

TT_TEST(star_dot_suffix_is_capture_at_label_boundaries)
{
	static const struct lookup_case cases[] = {
		{ "x.openai.azure.com", TT_SNI_CAPTURE },
		{ "a.b.openai.azure.com", TT_SNI_CAPTURE },
		{ "MyRes.OpenAI.Azure.Com", TT_SNI_CAPTURE },
		{ "x.openai.azure.com.", TT_SNI_CAPTURE },
		/* fnmatch's '*' matches the empty string too: the same here. */
		{ ".openai.azure.com", TT_SNI_CAPTURE },
		{ "openai.azure.com", 0 },
		{ "evilopenai.azure.com", 0 },
		{ "x.evilopenai.azure.com", 0 },
		{ "x.openai.azure.com.evil", 0 },
		{ "x.openai.azure.co", 0 },
		{ "azure.com", 0 },
	};

	COMPILE_ONLY("*.openai.azure.com");
	TT_CHECK_EQ_INT(table.complete, 1);
	TT_CHECK_EQ_U64(table.n, 1);
	TT_CHECK_EQ_U64(table.e[0].key,
			tt_sni_hash(".openai.azure.com", 17) ^ TT_SNI_SUFFIX);
	/* The hosts table agrees on every one of these. */
	TT_CHECK(tt_hosts_match(&hosts, "a.b.openai.azure.com") != NULL);
	TT_CHECK(tt_hosts_match(&hosts, "openai.azure.com") == NULL);
	TT_CHECK(tt_hosts_match(&hosts, "evilopenai.azure.com") == NULL);
	check_lookups(cases, sizeof(cases) / sizeof(cases[0]));
}

TT_TEST(conditional_globs_are_exact)
{
	static const struct lookup_case cases[] = {
		{ "bedrock-runtime.us-east-1.amazonaws.com", TT_SNI_CAPTURE },
		{ "BEDROCK-RUNTIME.eu-west-3.amazonaws.com.", TT_SNI_CAPTURE },
		/* fnmatch's '*' crosses dots: more middle labels match too. */
		{ "bedrock-runtime.a.b.amazonaws.com", TT_SNI_CAPTURE },
		{ "bedrock-runtime..amazonaws.com", TT_SNI_CAPTURE },
		/* Decided in the kernel now: no user-space round trip. */
		{ "s3.us-east-1.amazonaws.com", 0 },
		{ "bedrock-runtimex.us-east-1.amazonaws.com", 0 },
		{ "xbedrock-runtime.us-east-1.amazonaws.com", 0 },
		{ "a.bedrock-runtime.us-east-1.amazonaws.com", 0 },
		{ "bedrock-runtime.amazonaws.com", 0 },
		{ "us-central1-aiplatform.googleapis.com", TT_SNI_CAPTURE },
		{ "x.us-central1-aiplatform.googleapis.com", TT_SNI_CAPTURE },
		{ "-aiplatform.googleapis.com", TT_SNI_CAPTURE },
		{ "aiplatform.googleapis.com", 0 },
		{ "us-central1-aiplatformx.googleapis.com", 0 },
		{ "storage.googleapis.com", 0 },
		{ "amazonaws.com", 0 },
		{ "xamazonaws.com", 0 },
		{ "bedrock-runtime.amazonaws.com.evil", 0 },
		{ "googleapis.com", 0 },
	};

	COMPILE_ONLY("bedrock-runtime.*.amazonaws.com", "*-aiplatform.googleapis.com");
	TT_CHECK_EQ_INT(table.complete, 1);
	TT_CHECK_EQ_U64(table.n, 2);
	TT_CHECK_EQ_U64(table.e[0].key,
			tt_sni_hash(".amazonaws.com", 14) ^ TT_SNI_SUFFIX);
	TT_CHECK_EQ_INT(table.e[0].val.rule, TT_SNI_CAPTURE);
	TT_CHECK_EQ_INT(table.e[0].val.cond, TT_SNI_COND_FIRST_LABEL);
	TT_CHECK_EQ_U64(table.e[0].val.hash, tt_sni_hash("bedrock-runtime", 15));
	TT_CHECK_EQ_INT(table.e[1].val.cond, TT_SNI_COND_TAIL);
	TT_CHECK_EQ_INT(table.e[1].val.tail_len, 11);
	check_lookups(cases, sizeof(cases) / sizeof(cases[0]));
}

TT_TEST(other_globs_are_maybe_on_literal_suffix)
{
	static const struct lookup_case cases[] = {
		/* The kernel cannot tell these apart: user space decides. */
		{ "node-7.gpu.example", TT_SNI_MAYBE },
		{ "node-17.gpu.example", TT_SNI_MAYBE },
		{ "a.b.llm.example", TT_SNI_MAYBE },
		{ "gpu.example", 0 },
		{ "llm.example", 0 },
	};

	COMPILE_ONLY("node-?.gpu.example", "a*b.*.llm.example");
	TT_CHECK_EQ_INT(table.complete, 1);
	TT_CHECK_EQ_U64(table.e[0].key,
			tt_sni_hash(".gpu.example", 12) ^ TT_SNI_SUFFIX);
	TT_CHECK_EQ_INT(table.e[0].val.rule, TT_SNI_MAYBE);
	check_lookups(cases, sizeof(cases) / sizeof(cases[0]));
	/* Two different conditions on one suffix: user space decides. */
	COMPILE_ONLY("bedrock-runtime.*.amazonaws.com", "sagemaker.*.amazonaws.com");
	TT_CHECK_EQ_U64(table.n, 1);
	TT_CHECK_EQ_INT(table.e[0].val.rule, TT_SNI_MAYBE);
	TT_CHECK_EQ_INT(tt_sni_lookup(&table, "sagemaker.x.amazonaws.com"), TT_SNI_MAYBE);
}

TT_TEST(capture_beats_maybe)
{
	/* One key from both kinds of rule, in either order: CAPTURE. */
	COMPILE_ONLY("bedrock-runtime.*.amazonaws.com", "*.amazonaws.com");
	TT_CHECK_EQ_U64(table.n, 1);
	TT_CHECK_EQ_INT(table.e[0].val.rule, TT_SNI_CAPTURE);
	TT_CHECK_EQ_INT(table.e[0].val.cond, TT_SNI_COND_NONE);
	COMPILE_ONLY("*.amazonaws.com", "bedrock-runtime.*.amazonaws.com");
	TT_CHECK_EQ_U64(table.n, 1);
	TT_CHECK_EQ_INT(table.e[0].val.rule, TT_SNI_CAPTURE);
	TT_CHECK_EQ_INT(table.e[0].val.cond, TT_SNI_COND_NONE);
	/* Two keys a name hits: the exact CAPTURE wins over a suffix MAYBE,
	 * and a suffix CAPTURE over a longer suffix MAYBE. */
	COMPILE_ONLY("node-?.amazonaws.com", "s3.amazonaws.com");
	TT_CHECK_EQ_INT(tt_sni_lookup(&table, "s3.amazonaws.com"), TT_SNI_CAPTURE);
	TT_CHECK_EQ_INT(tt_sni_lookup(&table, "s4.amazonaws.com"), TT_SNI_MAYBE);
	COMPILE_ONLY("*.corp.example", "gw-*.llm.corp.example");
	TT_CHECK_EQ_INT(tt_sni_lookup(&table, "gw-1.llm.corp.example"), TT_SNI_CAPTURE);
	/* Duplicate patterns make one entry. */
	COMPILE_ONLY("api.openai.com", "API.OPENAI.COM");
	TT_CHECK_EQ_U64(table.n, 1);
}

TT_TEST(no_literal_suffix_is_incomplete)
{
	static const char *const incomplete[] = {
		"*", "api.*", "llm-?", "gpu*", "api.openai.co?", "a.b*c",
	};
	static const struct lookup_case star_dot[] = {
		/* "*." is a suffix rule on "." and agrees with hosts_match:
		 * one root dot is dropped, the other is the suffix. */
		{ "x..", TT_SNI_CAPTURE },
		{ "x.", 0 },
		{ "x", 0 },
	};

	for (size_t i = 0; i < sizeof(incomplete) / sizeof(incomplete[0]); i++) {
		tt_case("\"%s\"", incomplete[i]);
		compile_only(&incomplete[i], 1);
		TT_CHECK_EQ_INT(table.complete, 0);
		TT_CHECK_EQ_U64(table.n, 0);
	}
	tt_case("*.");
	COMPILE_ONLY("*.");
	TT_CHECK_EQ_INT(table.complete, 1);
	check_lookups(star_dot, sizeof(star_dot) / sizeof(star_dot[0]));
	tt_case("mixed with the built-ins");
	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_sni_compile(&cfg.hosts, &table), 0);
	TT_CHECK_EQ_INT(table.complete, 1);
	size_t n = table.n;
	TT_CHECK_EQ_INT(tt_hosts_add(&cfg.hosts, "gpu-*", "vllm"), 0);
	TT_CHECK_EQ_INT(tt_sni_compile(&cfg.hosts, &table), 0);
	TT_CHECK_EQ_INT(table.complete, 0);
	/* The other rules are all still there. */
	TT_CHECK_EQ_U64(table.n, n);
	TT_CHECK_EQ_INT(tt_sni_lookup(&table, "api.openai.com"), TT_SNI_CAPTURE);
}

TT_TEST(builtin_table_fits_the_kernel_map)
{
	tt_config_defaults(&cfg);
	TT_CHECK_EQ_INT(tt_sni_compile(&cfg.hosts, &table), 0);
	TT_CHECK_EQ_INT(table.complete, 1);
	TT_CHECK(table.n > 0);
	TT_CHECK(table.n <= cfg.hosts.n);
	TT_CHECK(table.n <= TT_SNI_RULES_MAX);
	for (size_t i = 0; i < table.n; i++) {
		tt_case("entry %zu", i);
		TT_CHECK(table.e[i].val.rule == TT_SNI_CAPTURE || table.e[i].val.rule == TT_SNI_MAYBE);
		for (size_t k = 0; k < i; k++)
			TT_CHECK(table.e[k].key != table.e[i].key);
	}
}

/* ---- Property: the kernel never filters a name hosts_match accepts. ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL; /* fixed seed */

static uint32_t rng(uint32_t bound)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % bound;
}

/* Characters a client could put in a server name. No ':' — SNI carries no
 * port; hosts_match strips one, the kernel never sees one. */
static const char name_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789-._";

static void append(char *buf, size_t cap, const char *s)
{
	size_t len = strlen(buf);

	snprintf(buf + len, cap - len, "%s", s);
}

static void random_label(char *buf, size_t cap)
{
	static const char *const words[] = {
		"api", "openai", "azure", "com", "amazonaws", "googleapis", "ai",
		"bedrock-runtime", "us-east-1", "eu", "x", "aiplatform", "rep",
		"cognitiveservices", "services", "llm", "corp", "example", "gpu",
		"node-1", "internal", "gw", "cn", "aws", "evil", "",
	};
	char one[2] = { 0, 0 };

	if (rng(3)) {
		append(buf, cap, words[rng(sizeof(words) / sizeof(words[0]))]);
		return;
	}
	for (uint32_t n = 1 + rng(8); n; n--) {
		one[0] = name_chars[rng(sizeof(name_chars) - 1)];
		append(buf, cap, one);
	}
}

/* A name the pattern may match: '*' becomes 0..3 labels (or bits of one),
 * '?' one character, anything else itself. */
static void instantiate(const char *pattern, char *buf, size_t cap)
{
	char one[2] = { 0, 0 };

	buf[0] = '\0';
	for (const char *p = pattern; *p; p++) {
		if (*p == '*') {
			for (uint32_t n = rng(4); n; n--) {
				random_label(buf, cap);
				if (rng(2))
					append(buf, cap, ".");
			}
		} else if (*p == '?') {
			one[0] = name_chars[rng(sizeof(name_chars) - 1)];
			append(buf, cap, one);
		} else {
			one[0] = *p;
			append(buf, cap, one);
		}
	}
}

/* Case flips, and near misses around the name. */
static void mutate(const char *in, char *out, size_t cap)
{
	size_t len = strlen(in);
	char label[64] = "";

	snprintf(out, cap, "%s", in);
	switch (rng(10)) {
	case 0: /* case */
		for (char *c = out; *c; c++)
			if (rng(2))
				*c = (char)(isupper((unsigned char)*c) ? tolower((unsigned char)*c)
								       : toupper((unsigned char)*c));
		break;
	case 1: /* prefix without a dot: "xapi.openai.com" */
		random_label(label, sizeof(label));
		snprintf(out, cap, "%s%s", label, in);
		break;
	case 2: /* a new leftmost label */
		random_label(label, sizeof(label));
		snprintf(out, cap, "%s.%s", label, in);
		break;
	case 3: /* suffix: "api.openai.com.evil" or "api.openai.comx" */
		random_label(label, sizeof(label));
		snprintf(out, cap, "%s%s%s", in, rng(2) ? "." : "", label);
		break;
	case 4: /* the root label, once or twice */
		snprintf(out, cap, "%s%s", in, rng(4) ? "." : "..");
		break;
	case 5: /* drop the first or the last character */
		if (len) {
			if (rng(2))
				memmove(out, out + 1, len);
			else
				out[len - 1] = '\0';
		}
		break;
	case 6: /* drop the leftmost label */
		if (strchr(in, '.'))
			snprintf(out, cap, "%s", strchr(in, '.') + 1);
		break;
	case 7: /* replace one character */
		if (len)
			out[rng((uint32_t)len)] = name_chars[rng(sizeof(name_chars) - 1)];
		break;
	default: /* unchanged */
		break;
	}
}

struct property_stats {
	unsigned names, matched, capture, maybe_only, unmatched_maybe, none;
};

static void check_name(const char *name, struct property_stats *st)
{
	const char *provider;
	int rule;

	if (strlen(name) > TT_SNI_MAX - 1)
		return; /* longer than the kernel reads, or any DNS name */
	provider = tt_hosts_match(&cfg.hosts, name);
	rule = tt_sni_lookup(&table, name);
	st->names++;
	st->matched += provider != NULL;
	st->capture += rule == TT_SNI_CAPTURE;
	st->maybe_only += rule == TT_SNI_MAYBE && provider;
	st->unmatched_maybe += rule == TT_SNI_MAYBE && !provider;
	st->none += rule == 0;
	if (provider && !rule)
		tt_fail_(__FILE__, __LINE__,
			 "\"%s\" is %s to user space but has no kernel rule", name,
			 provider);
	/* CAPTURE is a promise that user space agrees. */
	if (rule == TT_SNI_CAPTURE && !provider)
		tt_fail_(__FILE__, __LINE__, "\"%s\" is CAPTURE but not an AI host",
			 name);
}

TT_TEST(kernel_never_filters_an_ai_host)
{
	static const char *const extra[] = {
		"*.llm.corp.example", "llm.internal", "node-?.gpu.example",
		"gw*.corp.example", "*-inference.example.net", "a*b*c.mid.example",
		"x.*.y.example", "*.*.deep.example", "rooted.example.", "My-GW.Example",
		"edge_1.example", "*?.qm.example",
	};
	static const char *const tlds[] = {
		"com", "ai", "azure.com", "openai.com", "amazonaws.com", "googleapis.com",
		"api.aws", "amazonaws.com.cn", "amazonaws.eu", "example", "corp.example",
		"gpu.example", "example.net", "rep.googleapis.com", "cloudflare.com",
	};
	struct property_stats st = { 0 };
	char base[512], name[512];

	tt_config_defaults(&cfg);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		tt_case("extra \"%s\"", extra[i]);
		TT_CHECK_EQ_INT(tt_hosts_add(&cfg.hosts, extra[i], "extra"), 0);
	}
	tt_case("%s", "");
	TT_CHECK_EQ_INT(tt_sni_compile(&cfg.hosts, &table), 0);
	TT_CHECK_EQ_INT(table.complete, 1);

	/* Every pattern: instances, each with 20 variants. */
	for (size_t r = 0; r < cfg.hosts.n; r++) {
		for (int k = 0; k < 50; k++) {
			instantiate(cfg.hosts.rules[r].pattern, base, sizeof(base));
			check_name(base, &st);
			for (int m = 0; m < 20; m++) {
				mutate(base, name, sizeof(name));
				check_name(name, &st);
			}
		}
	}
	/* Random names under suffixes near the real ones. */
	for (int k = 0; k < 50000; k++) {
		base[0] = '\0';
		for (uint32_t n = 1 + rng(4); n; n--) {
			random_label(base, sizeof(base));
			append(base, sizeof(base), ".");
		}
		append(base, sizeof(base), tlds[rng(sizeof(tlds) / sizeof(tlds[0]))]);
		mutate(base, name, sizeof(name));
		check_name(name, &st);
	}
	/* Long names around the 255-byte limit. */
	for (int k = 0; k < 2000; k++) {
		size_t want = 230 + rng(26);

		instantiate(cfg.hosts.rules[rng((uint32_t)cfg.hosts.n)].pattern, name,
			    sizeof(name));
		while (strlen(name) < want) {
			memmove(name + 2, name, strlen(name) + 1);
			name[0] = name_chars[rng(26)];
			name[1] = '.';
		}
		check_name(name, &st);
	}
	/* Not vacuous: plenty of each outcome was seen. */
	tt_case("stats");
	TT_NOTE("%u names: %u AI hosts (%u by MAYBE), %u CAPTURE, %u MAYBE not AI, "
		"%u no rule", st.names, st.matched, st.maybe_only, st.capture,
		st.unmatched_maybe, st.none);
	TT_CHECK(st.matched > 10000);
	TT_CHECK(st.maybe_only > 1000);
	TT_CHECK(st.unmatched_maybe > 1000);
	TT_CHECK(st.none > 10000);
}
