// SPDX-License-Identifier: MIT
/* Tests for user/core/http_peek.c: the first-bytes request classifier. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pipeline/http_peek.h"
#include "tt_test.h"

/*
 * Each request is parsed whole and at every split point. `done` is the text
 * that, once fully present, lets the peek answer (the Host line, or the end
 * of the head when there is no Host): before it the answer must be -EAGAIN,
 * from it on 0 with the same fields.
 */
struct req_case {
	const char *name;
	const char *raw;
	const char *done;
	const char *method, *path, *host;
};

static const struct req_case requests[] = {
	{ "gemini_key_in_query",
	  "GET /v1beta/models/gemini-pro:generateContent?key=SECRET HTTP/1.1\r\n"
	  "Host: generativelanguage.googleapis.com\r\n"
	  "User-Agent: t\r\n\r\n",
	  "googleapis.com\r\n", "GET", "/v1beta/models/gemini-pro:generateContent",
	  "generativelanguage.googleapis.com" },
	{ "host_after_headers_upper_case_padded",
	  "POST /v1/chat/completions HTTP/1.1\r\n"
	  "User-Agent: curl/8.0\r\nAccept: */*\r\n"
	  "HOST:   api.openai.com  \r\n"
	  "Content-Length: 2\r\n\r\n{}",
	  "api.openai.com  \r\n", "POST", "/v1/chat/completions",
	  "api.openai.com" },
	{ "no_space_tab_and_port",
	  "POST /v1/messages?beta=true&key=SECRET HTTP/1.1\r\n"
	  "host:\tapi.anthropic.com:443\t\r\n\r\n",
	  ":443\t\r\n", "POST", "/v1/messages", "api.anthropic.com:443" },
	{ "no_host_header",
	  "GET /health HTTP/1.0\r\nAccept: */*\r\n\r\n",
	  "*/*\r\n\r\n", "GET", "/health", "" },
	{ "hostname_is_not_host",
	  "PUT /x HTTP/1.1\r\nHostname: evil.test\r\nHost: api.x.ai\r\n\r\n",
	  "api.x.ai\r\n", "PUT", "/x", "api.x.ai" },
	{ "query_only_target",
	  "GET ?key=SECRET HTTP/1.1\r\nHost: h.example\r\n\r\n",
	  "h.example\r\n", "GET", "", "h.example" },
};

/* Copies a prefix into its own allocation so an over-read past len is
 * caught by valgrind instead of reading the rest of the literal. */
static int peek_prefix(const char *raw, size_t len, struct tt_http_peek *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	if (!copy)
		abort();
	memcpy(copy, raw, len);
	ret = tt_http_peek_request(copy, len, out);
	free(copy);
	return ret;
}

static int has_secret(const struct tt_http_peek *p)
{
	return strstr(p->method, "SECRET") || strstr(p->path, "SECRET") ||
	       strstr(p->host, "SECRET") || strstr(p->path, "key=");
}

TT_TEST(full_requests)
{
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		const struct req_case *c = &requests[i];
		struct tt_http_peek p;

		tt_case("%s", c->name);
		TT_CHECK_EQ_INT(peek_prefix(c->raw, strlen(c->raw), &p), 0);
		TT_CHECK_EQ_INT(p.is_h2, 0);
		TT_CHECK_EQ_STR(p.method, c->method);
		TT_CHECK_EQ_STR(p.path, c->path);
		TT_CHECK_EQ_STR(p.host, c->host);
		TT_CHECK(!has_secret(&p));
	}
}

static void check_splits(const struct req_case *c)
{
	size_t len = strlen(c->raw);
	size_t done = (size_t)(strstr(c->raw, c->done) - c->raw) + strlen(c->done);

	for (size_t n = 0; n < len; n++) {
		struct tt_http_peek p;
		int ret = peek_prefix(c->raw, n, &p);

		tt_case("%s prefix %zu/%zu", c->name, n, len);
		TT_CHECK_EQ_INT(ret, n < done ? -EAGAIN : 0);
		TT_CHECK(!has_secret(&p));
		TT_CHECK_EQ_INT(p.is_h2, 0);
		if (ret == 0) {
			TT_CHECK_EQ_STR(p.method, c->method);
			TT_CHECK_EQ_STR(p.path, c->path);
			TT_CHECK_EQ_STR(p.host, c->host);
		} else {
			/* Undecided: no Host yet, and the request line either
			 * not parsed at all or parsed exactly. */
			TT_CHECK_EQ_STR(p.host, "");
			TT_CHECK(!p.method[0] || !strcmp(p.method, c->method));
			TT_CHECK(!p.method[0] || !strcmp(p.path, c->path));
		}
	}
}

TT_TEST(every_split_point)
{
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		check_splits(&requests[i]);
}

static const char h2[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
			 "\x00\x00\x00\x04\x00\x00\x00\x00\x00"; /* SETTINGS */
#define H2_PREFACE_LEN 24

TT_TEST(h2_preface_full_and_partial)
{
	struct tt_http_peek p;

	TT_CHECK_EQ_INT(peek_prefix(h2, H2_PREFACE_LEN, &p), 0);
	TT_CHECK_EQ_INT(p.is_h2, 1);
	TT_CHECK_EQ_INT(peek_prefix(h2, sizeof(h2) - 1, &p), 0);
	TT_CHECK_EQ_INT(p.is_h2, 1);
	TT_CHECK_EQ_STR(p.host, "");
	for (size_t n = 0; n < H2_PREFACE_LEN; n++) {
		tt_case("h2 prefix %zu", n);
		TT_CHECK_EQ_INT(peek_prefix(h2, n, &p), -EAGAIN);
		TT_CHECK_EQ_INT(p.is_h2, 0);
	}
}

struct bad_case {
	const char *name;
	const char *raw;
	size_t len; /* 0: strlen(raw) */
};

static const struct bad_case not_http[] = {
	{ "tls_client_hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11 },
	{ "binary", "\x00\x01\x02\xff\xfe\n", 6 },
	{ "no_version", "GET /\r\nHost: api.openai.com\r\n\r\n", 0 },
	{ "http2_version", "GET / HTTP/2.0\r\nHost: api.openai.com\r\n\r\n", 0 },
	{ "lf_only", "GET / HTTP/1.1\nHost: api.openai.com\n\n", 0 },
	{ "lf_only_header", "GET / HTTP/1.1\r\nHost: api.openai.com\n\n", 0 },
	{ "header_without_colon", "GET / HTTP/1.1\r\nnonsense\r\n\r\n", 0 },
	{ "json", "{\"model\":\"gpt-4o\"}\n", 0 },
	{ "method_too_long", "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n", 0 },
	{ "ssh_banner", "SSH-2.0-OpenSSH_9.2\r\n", 0 },
	{ "empty_target", "GET  HTTP/1.1\r\n\r\n", 0 },
	{ "leading_space", " GET / HTTP/1.1\r\n\r\n", 0 },
};

TT_TEST(non_http_is_einval)
{
	for (size_t i = 0; i < sizeof(not_http) / sizeof(not_http[0]); i++) {
		const struct bad_case *c = &not_http[i];
		size_t len = c->len ? c->len : strlen(c->raw);
		struct tt_http_peek p;

		tt_case("%s", c->name);
		TT_CHECK_EQ_INT(peek_prefix(c->raw, len, &p), -EINVAL);
		TT_CHECK_EQ_STR(p.host, "");
		TT_CHECK_EQ_INT(p.is_h2, 0);
	}
}

TT_TEST(tls_rejected_from_first_byte)
{
	/* A TLS record can never become a request: no waiting for more. */
	const struct bad_case *c = &not_http[0];

	for (size_t n = 1; n <= c->len; n++) {
		struct tt_http_peek p;

		tt_case("tls prefix %zu", n);
		TT_CHECK_EQ_INT(peek_prefix(c->raw, n, &p), -EINVAL);
	}
}

/* Builds `prefix` followed by `fill` repeated to total bytes (no NUL). */
static char *build(const char *prefix, const char *fill, size_t total)
{
	size_t pl = strlen(prefix), fl = strlen(fill);
	char *buf = malloc(total);

	if (!buf)
		abort();
	memcpy(buf, prefix, pl);
	for (size_t i = pl; i < total; i++)
		buf[i] = fill[(i - pl) % fl];
	return buf;
}

TT_TEST(oversized_head_is_e2big)
{
	const size_t big = 20 * 1024;
	struct {
		const char *name, *prefix, *fill;
	} cases[] = {
		{ "one_long_header", "POST /v1/chat HTTP/1.1\r\nX-Pad: ", "a" },
		{ "many_headers", "POST /v1/chat HTTP/1.1\r\n", "X-Pad: aaaaaaa\r\n" },
		{ "long_request_line", "GET /", "a" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = build(cases[i].prefix, cases[i].fill, big);
		struct tt_http_peek p;

		tt_case("%s", cases[i].name);
		TT_CHECK_EQ_INT(peek_prefix(buf, big, &p), -E2BIG);
		TT_CHECK_EQ_STR(p.host, "");
		/* Just under the limit the same bytes are still undecided. */
		TT_CHECK_EQ_INT(peek_prefix(buf, TT_PEEK_MAX - 1, &p), -EAGAIN);
		free(buf);
	}
}

TT_TEST(long_path_truncated_and_terminated)
{
	char raw[1024], target[600];
	struct tt_http_peek p;

	memset(target, 'p', sizeof(target));
	target[0] = '/';
	target[sizeof(target) - 1] = '\0';
	snprintf(raw, sizeof(raw), "GET %s?key=SECRET HTTP/1.1\r\nHost: a.b\r\n\r\n",
		 target);
	TT_CHECK_EQ_INT(peek_prefix(raw, strlen(raw), &p), 0);
	TT_CHECK_EQ_INT(strlen(p.path), sizeof(p.path) - 1);
	TT_CHECK(!strncmp(p.path, target, sizeof(p.path) - 1));
	TT_CHECK_EQ_STR(p.host, "a.b");
	TT_CHECK(!has_secret(&p));
}

TT_TEST(host_value_edge_cases)
{
	struct {
		const char *raw, *host;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost:\r\n\r\n", "" },
		{ "GET / HTTP/1.1\r\nHost:   \r\n\r\n", "" },
		{ "GET / HTTP/1.1\r\nhOsT: A.Example\r\n\r\n", "A.Example" },
		{ "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", "[::1]:8080" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tt_http_peek p;

		tt_case("%s", cases[i].raw);
		TT_CHECK_EQ_INT(peek_prefix(cases[i].raw, strlen(cases[i].raw), &p), 0);
		TT_CHECK_EQ_STR(p.host, cases[i].host);
		TT_CHECK_EQ_STR(p.method, "GET");
		TT_CHECK_EQ_STR(p.path, "/");
	}
}
