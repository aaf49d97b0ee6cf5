// SPDX-License-Identifier: MIT
/* Tests for user/provider/keyfp.c: API key ids and hints. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "provider/keyfp.h"
#include "util/sha256.h"
#include "tt_test.h"

/* ids are the first 16 hex digits of `printf %s KEY | sha256sum`. */
struct key_case {
	const char *header;
	const char *id;
	const char *hint;
};

static const struct key_case keys[] = {
	{ "Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
	  "k_a4f3b2153f322f2a", "sk-proj-...ABCD" },
	{ "sk-ant-api03-Zq9xR2mK7vL4pN8sT1wY6bH3jF5dC0gE-wxyz",
	  "k_d67222d258849ffc", "sk-ant-...wxyz" },
	{ "bearer   sk-abcdefghijklmnopqrstabcd",
	  "k_9b7a51531ca56f59", "sk-...abcd" },
	{ " \tAIzaSyA-1234567890abcdefghijklmnowxyz \r\n",
	  "k_803ea128484d4666", "AIza...wxyz" },
	{ "BEARER\t0123456789abcdefwxyz", "k_4a007d3c26f3108a", "...wxyz" },
	{ "gsk_AAAABBBBCCCCDDDDEEEE1234", "k_f80be2ed62455a59", "gsk_...1234" },
	/* Too short to show anything. */
	{ "abc123", "k_6ca13d52ca70c883", "" },
	/* A long prefix and a short secret: the secret part counts. */
	{ "Bearer sk-proj-abcd", "k_0ba660b2349766aa", "" },
};

TT_TEST(key_vectors)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct tt_keyfp fp;

		tt_case("%zu", i);
		TT_CHECK_EQ_INT(tt_keyfp_from_header(keys[i].header,
						     strlen(keys[i].header),
						     &fp), 0);
		TT_CHECK_EQ_STR(fp.id, keys[i].id);
		TT_CHECK_EQ_STR(fp.hint, keys[i].hint);
	}
}

TT_TEST(no_key)
{
	static const char *const empty[] = { "", "   ", "Bearer", "bearer \t ",
					     "\r\n" };

	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		struct tt_keyfp fp;

		tt_case("%zu", i);
		memset(&fp, 'x', sizeof(fp));
		TT_CHECK_EQ_INT(tt_keyfp_from_header(empty[i], strlen(empty[i]),
						     &fp), -ENOENT);
		TT_CHECK_EQ_STR(fp.id, "");
		TT_CHECK_EQ_STR(fp.hint, "");
	}
}

TT_TEST(len_bounds_the_value)
{
	struct tt_keyfp a, b;
	const char *v = "Bearer sk-abcdefghijklmnopqrstabcdEXTRA";

	/* Bytes past len are not part of the key. */
	TT_CHECK_EQ_INT(tt_keyfp_from_header(v, strlen(v) - 5, &a), 0);
	TT_CHECK_EQ_INT(tt_keyfp_from_header("sk-abcdefghijklmnopqrstabcd",
					     27, &b), 0);
	TT_CHECK_EQ_STR(a.id, b.id);
	TT_CHECK_EQ_STR(a.hint, "sk-...abcd");
}

TT_TEST(scheme_needs_a_separator)
{
	struct tt_keyfp a, b;

	/* "Bearerxyz..." is a key that starts with "Bearer", not a scheme. */
	TT_CHECK_EQ_INT(tt_keyfp_from_header("Bearerabcdefghijklmnop", 22,
					     &a), 0);
	TT_CHECK_EQ_INT(tt_keyfp_from_header("abcdefghijklmnop", 16, &b), 0);
	TT_CHECK(strcmp(a.id, b.id) != 0);
	TT_CHECK_EQ_STR(a.hint, "...mnop");
}

TT_TEST(non_printable_key_gets_no_hint)
{
	struct tt_keyfp fp;
	const char v[] = "sk-abc\x01" "defghijklmnopqrstu\xc3\xa9";

	TT_CHECK_EQ_INT(tt_keyfp_from_header(v, sizeof(v) - 1, &fp), 0);
	TT_CHECK_EQ_INT(strlen(fp.id), 18);
	TT_CHECK_EQ_STR(fp.hint, "");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Does any 5-byte substring of key[from..len) appear in s? Substrings
 * lying wholly inside the known prefix key[0..from) are allowed. */
static int leaks(const char *key, size_t len, size_t plen, const char *s)
{
	for (size_t i = 0; i + 5 <= len; i++) {
		if (i + 5 <= plen)
			continue;
		if (memmem(s, strlen(s), key + i, 5))
			return 1;
	}
	return 0;
}

TT_TEST(random_keys_leak_only_the_last_four)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789-_";
	static const char *const prefixes[] = { "", "sk-", "sk-proj-",
						"sk-ant-", "AIza", "xai-" };
	int bad = 0;

	for (int n = 0; n < 5000 && bad < 5; n++) {
		char key[160], hdr[200], want[40];
		const char *prefix = prefixes[rnd() % 6];
		size_t plen = strlen(prefix), slen = rnd() % 100, len;
		struct tt_keyfp fp;

		memcpy(key, prefix, plen);
		for (size_t i = 0; i < slen; i++)
			key[plen + i] = alphabet[rnd() % (sizeof(alphabet) - 1)];
		len = plen + slen;
		key[len] = '\0';
		snprintf(hdr, sizeof(hdr), "%sBearer %s", n % 2 ? " " : "",
			 key);
		tt_case("key %s", key);
		if (!len) {
			TT_CHECK_EQ_INT(tt_keyfp_from_header(hdr, strlen(hdr),
							     &fp), -ENOENT);
			continue;
		}
		TT_CHECK_EQ_INT(tt_keyfp_from_header(hdr, strlen(hdr), &fp),
				0);
		TT_CHECK_EQ_INT(strlen(fp.id), 18);
		TT_CHECK(strspn(fp.id + 2, "0123456789abcdef") == 16);
		/* A key that merely starts like a prefix ("sk-" + "proj-..")
		 * may be shown with the longer prefix: that is still text
		 * every such key has. */
		if (slen >= 12 && !strchr(key + plen, '-')) {
			snprintf(want, sizeof(want), "%s...%s", prefix,
				 key + len - 4);
			TT_CHECK_EQ_STR(fp.hint, want);
		}
		if (len < 12)
			TT_CHECK_EQ_STR(fp.hint, "");
		if (leaks(key, len, plen, fp.hint) ||
		    leaks(key, len, plen, fp.id)) {
			tt_fail_(__FILE__, __LINE__, "leak: id %s hint %s",
				 fp.id, fp.hint);
			bad++;
		}
	}
}

/* Every SigV4 signature differs; the IAM key behind them does not. */
TT_TEST(sigv4_fingerprints_the_access_key_id)
{
	static const char *const sigs[] = {
		"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261123/us-east-1/"
		"bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature="
		"fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
		"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261124/us-west-2/"
		"bedrock/aws4_request,SignedHeaders=content-type;host;x-amz-date,"
		"Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	};
	static const char sts[] = "AWS4-HMAC-SHA256 Credential=ASIAQWERTYUIOPASDFGH/"
				  "20261123/eu-west-1/bedrock/aws4_request";
	struct tt_keyfp a, b, other;
	char hex[TT_SHA256_HEX], want[20];

	TT_CHECK_EQ_INT(tt_keyfp_from_header(sigs[0], strlen(sigs[0]), &a), 0);
	TT_CHECK_EQ_INT(tt_keyfp_from_header(sigs[1], strlen(sigs[1]), &b), 0);
	TT_CHECK_EQ_STR(a.id, b.id);
	/* The id is that of the access key id (domain-separated), never of
	 * the signature. */
	TT_CHECK_EQ_INT(tt_sha256_hex("aws:", "AKIAIOSFODNN7EXAMPLE", 20, hex), 0);
	snprintf(want, sizeof(want), "k_%.16s", hex);
	TT_CHECK_EQ_STR(a.id, want);
	TT_CHECK_EQ_STR(a.hint, "AKIA...MPLE");
	TT_CHECK_EQ_STR(a.source, "aws_access_key_id");
	TT_CHECK(!strstr(a.hint, "fe5f80"));
	TT_CHECK_EQ_INT(tt_keyfp_from_header(
		sts, strlen(sts), &other), 0);
	TT_CHECK(strcmp(other.id, a.id) != 0);
	TT_CHECK_EQ_STR(other.hint, "ASIA...DFGH");
}

TT_TEST(sources_of_other_credentials)
{
	static const char *const q[] = {
		"/v1beta/models/gemini-2.5-flash:generateContent?key=AIzaSyA-1234567890abcdefghijklmnowxyz",
		"/v1beta/models/x:streamGenerateContent?alt=sse&key=AIzaSyA-1234567890abcdefghijklmnowxyz&y=1",
	};
	struct tt_keyfp h, fp;

	/* ?key= is the same key as x-goog-api-key. */
	static const char key[] = "AIzaSyA-1234567890abcdefghijklmnowxyz";
	static const char ya29[] = "Bearer ya29.a0AfB_byC-abcdefghijklmnop";
	static const char jwt[] = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJhIjoxfQ.c2ln";

	TT_CHECK_EQ_INT(tt_keyfp_from_header(key, strlen(key), &h), 0);
	TT_CHECK_EQ_STR(h.source, "api_key");
	for (size_t i = 0; i < 2; i++) {
		tt_case("%zu", i);
		TT_CHECK_EQ_INT(tt_keyfp_from_query(q[i], strlen(q[i]), &fp), 0);
		TT_CHECK_EQ_STR(fp.id, h.id);
		TT_CHECK_EQ_STR(fp.hint, "AIza...wxyz");
	}
	TT_CHECK_EQ_INT(tt_keyfp_from_query("/v1/x?monkey=1&alt=sse", 22, &fp),
			-ENOENT);
	TT_CHECK_EQ_INT(tt_keyfp_from_query("/v1/x", 5, &fp), -ENOENT);
	/* OAuth access tokens and JWTs rotate: said so, and no hint. */
	TT_CHECK_EQ_INT(tt_keyfp_from_header(ya29, strlen(ya29), &fp), 0);
	TT_CHECK_EQ_STR(fp.source, "bearer_token");
	TT_CHECK_EQ_STR(fp.hint, "");
	TT_CHECK_EQ_INT(tt_keyfp_from_header(jwt, strlen(jwt), &fp), 0);
	TT_CHECK_EQ_STR(fp.source, "bearer_token");
}

TT_TEST(vertex_project_is_the_stable_fact)
{
	static const char path[] =
		"/v1/projects/acme-ml-prod/locations/us-central1/publishers/google/"
		"models/gemini-2.5-pro:generateContent";
	struct tt_keyfp a, b;

	TT_CHECK_EQ_INT(tt_keyfp_gcp_project("us-central1-aiplatform.googleapis.com",
					     path, strlen(path), &a), 0);
	TT_CHECK_EQ_INT(tt_keyfp_gcp_project("aiplatform.googleapis.com", path,
					     strlen(path), &b), 0);
	TT_CHECK_EQ_STR(a.id, b.id);
	TT_CHECK_EQ_STR(a.source, "gcp_project");
	TT_CHECK_EQ_STR(a.hint, "project acme-ml-prod");
	TT_CHECK_EQ_INT(tt_keyfp_gcp_project("aiplatform.eu.rep.googleapis.com",
					     path, strlen(path), &b), 0);
	TT_CHECK_EQ_STR(a.id, b.id);
	/* Not Vertex, or no project (express mode with a key). */
	TT_CHECK_EQ_INT(tt_keyfp_gcp_project("generativelanguage.googleapis.com",
					     path, strlen(path), &b), -ENOENT);
	TT_CHECK_EQ_INT(tt_keyfp_gcp_project("evil-aiplatform.googleapis.com.x",
					     path, strlen(path), &b), -ENOENT);
	TT_CHECK_EQ_INT(tt_keyfp_gcp_project("aiplatform.googleapis.com",
					     "/v1/publishers/google/models/x:generateContent",
					     46, &b), -ENOENT);
}
