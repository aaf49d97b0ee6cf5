// SPDX-License-Identifier: MIT
/* Tests for user/pipeline/classify.c: capture or filter a new connection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tt_abi.h"
#include "pipeline/classify.h"
#include "tt_test.h"

static struct tt_hosts hosts; /* large: static */

#define REQ_OPENAI                                                           \
	"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"     \
	"Content-Type: application/json\r\n\r\n{}"
#define H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define TLS_HELLO "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"

struct cls_case {
	const char *name;
	const char *sni;     /* NULL allowed */
	int first_dir;
	const char *egress;  /* NULL: no bytes */
	size_t len;          /* 0 with egress: strlen(egress) */
	int ret;
	int verdict;
	const char *reason;
	const char *provider;
	const char *method;  /* request line expected in out->req */
	const char *ingress; /* NULL: no bytes read */
	size_t ilen;         /* 0 with ingress: strlen(ingress) */
};

static const struct cls_case cases[] = {
	{ "sni_ai", "api.openai.com", TT_DIR_EGRESS, NULL, 0, 0,
	  TT_VERDICT_CAPTURE, "sni", "openai", "", NULL, 0 },
	{ "sni_ai_with_request", "API.ANTHROPIC.COM", TT_DIR_EGRESS,
	  "POST /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n", 0, 0,
	  TT_VERDICT_CAPTURE, "sni", "anthropic", "POST", NULL, 0 },
	/* The name the client asked for wins over what the bytes claim. */
	{ "sni_other_host_ai", "example.com", TT_DIR_EGRESS, REQ_OPENAI, 0, 0,
	  TT_VERDICT_FILTER, "sni_not_ai", NULL, "POST", NULL, 0 },
	{ "sni_other", "www.example.com", TT_DIR_INGRESS, NULL, 0, 0,
	  TT_VERDICT_FILTER, "sni_not_ai", NULL, "", NULL, 0 },
	{ "sni_ai_h2", "generativelanguage.googleapis.com", TT_DIR_EGRESS,
	  H2_PREFACE, 0, 0, TT_VERDICT_CAPTURE, "sni", "gcp.gemini", "", NULL, 0 },
	/* Named by the ClientHello an earlier agent saw (a restart): a
	 * client joined while it waited for a response is judged at its next
	 * request, and HTTP/2 frames instead of the preface are a connection
	 * joined mid-way (undecodable: booked dark, with its provider). */
	{ "sni_midway_reads_response", "api.openai.com", TT_DIR_INGRESS, NULL,
	  0, -EAGAIN, 0, NULL, NULL, NULL, "HTTP/1.1 200 OK\r\n", 0 },
	{ "sni_midway_then_request", "api.openai.com", TT_DIR_INGRESS,
	  REQ_OPENAI, 0, 0, TT_VERDICT_CAPTURE, "sni", "openai", "POST",
	  "HTTP/1.1 200 OK\r\n", 0 },
	{ "sni_midway_ingress_only", "api.openai.com", TT_DIR_INGRESS, NULL, 0,
	  0, TT_VERDICT_CAPTURE, "sni", "openai", "", "\x17",
	  TT_PEEK_INGRESS_MAX },
	{ "sni_h2_midway", "api.openai.com", TT_DIR_EGRESS,
	  "\x00\x00\x04\x08\x00\x00\x00\x00\x00\x00\x00\xff\xff", 13, 0,
	  TT_VERDICT_FILTER, "h2_joined_midway", "openai", NULL, NULL, 0 },
	{ "sni_h2_midway_after_ingress", "api.openai.com", TT_DIR_INGRESS,
	  "\x00\x00\x04\x08\x00\x00\x00\x00\x00\x00\x00\xff\xff", 13, 0,
	  TT_VERDICT_FILTER, "h2_joined_midway", "openai", NULL,
	  "\x00\x00\x08\x06\x01\x00\x00\x00\x00", 9 },
	/* A TLS server reads a request (or the HTTP/2 preface) first. */
	{ "server_role", "", TT_DIR_INGRESS, NULL, 0, 0,
	  TT_VERDICT_FILTER, "server_role", NULL, "", "POST /upload HTTP/1.1\r\n", 0 },
	{ "server_role_null_sni", NULL, TT_DIR_INGRESS, NULL, 0, 0,
	  TT_VERDICT_FILTER, "server_role", NULL, "", "GET / HTTP/1.1\r\n", 0 },
	{ "server_role_h2", "", TT_DIR_INGRESS, NULL, 0, 0,
	  TT_VERDICT_FILTER, "server_role", NULL, "", H2_PREFACE, 0 },
	/* A client the agent joined while it waited for a response reads
	 * first too: wait for its next request rather than call it a server
	 * (a permanent verdict would lose every later call). */
	{ "midway_client_reads_response", "", TT_DIR_INGRESS, NULL, 0, -EAGAIN,
	  0, NULL, NULL, NULL, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", 0 },
	{ "midway_client_reads_body", "", TT_DIR_INGRESS, NULL, 0, -EAGAIN,
	  0, NULL, NULL, NULL, "\x1f\x8b\x08\x00", 4 },
	{ "midway_client_then_request", "", TT_DIR_INGRESS, REQ_OPENAI, 0, 0,
	  TT_VERDICT_CAPTURE, "host", "openai", "POST", "keep-alive\r\n\r\n{}", 0 },
	{ "nothing_read_yet", "", TT_DIR_INGRESS, NULL, 0, -EAGAIN,
	  0, NULL, NULL, NULL, NULL, 0 },
	/* A peer that only talks is not waited for beyond the cap. */
	{ "ingress_only", "", TT_DIR_INGRESS, NULL, 0, 0, TT_VERDICT_FILTER,
	  "ingress_only", NULL, "", "\x17", TT_PEEK_INGRESS_MAX },
	{ "host_ai", "", TT_DIR_EGRESS, REQ_OPENAI, 0, 0,
	  TT_VERDICT_CAPTURE, "host", "openai", "POST", NULL, 0 },
	{ "host_ai_null_sni", NULL, TT_DIR_EGRESS, REQ_OPENAI, 0, 0,
	  TT_VERDICT_CAPTURE, "host", "openai", "POST", NULL, 0 },
	/* Peer spoke first but we then sent a request: judge the request. */
	{ "ingress_first_then_request", "", TT_DIR_INGRESS, REQ_OPENAI, 0, 0,
	  TT_VERDICT_CAPTURE, "host", "openai", "POST", NULL, 0 },
	{ "host_not_ai", "", TT_DIR_EGRESS,
	  "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", 0, 0,
	  TT_VERDICT_FILTER, "host_not_ai", NULL, "GET", NULL, 0 },
	{ "no_host", "", TT_DIR_EGRESS, "GET / HTTP/1.0\r\n\r\n", 0, 0,
	  TT_VERDICT_FILTER, "no_host", NULL, "GET", NULL, 0 },
	{ "partial_request", "", TT_DIR_EGRESS,
	  "POST /v1/chat/completions HTTP/1.1\r\nHo", 0, -EAGAIN, 0, NULL, NULL,
	  NULL, NULL, 0 },
	{ "no_bytes_yet", "", TT_DIR_EGRESS, NULL, 0, -EAGAIN, 0, NULL, NULL,
	  NULL, NULL, 0 },
	{ "partial_h2", "", TT_DIR_EGRESS, "PRI * HTTP/2.0\r\n", 0, -EAGAIN, 0,
	  NULL, NULL, NULL, NULL, 0 },
	{ "not_http_tls", "", TT_DIR_EGRESS, TLS_HELLO, 11, 0,
	  TT_VERDICT_FILTER, "not_http", NULL, "", NULL, 0 },
	{ "not_http_lf_only", "", TT_DIR_EGRESS,
	  "GET / HTTP/1.1\nHost: api.openai.com\n\n", 0, 0,
	  TT_VERDICT_FILTER, "not_http", NULL, NULL, NULL, 0 },
	/* The preface alone: the first request's :authority is still to
	 * come (http2_without_sni below covers the rest). */
	{ "h2_preface_only", "", TT_DIR_EGRESS, H2_PREFACE, 0, -EAGAIN,
	  0, NULL, NULL, "", NULL, 0 },
};

static void check_case(const struct cls_case *c)
{
	size_t len = c->egress ? (c->len ? c->len : strlen(c->egress)) : 0;
	size_t ikept = c->ingress ? (c->ilen && c->ilen <= 16 ? c->ilen
						     : strlen(c->ingress)) : 0;
	/* ilen above the kept bytes: the total seen, most of it not kept. */
	uint64_t iseen = c->ilen > 16 ? c->ilen : ikept;
	/* Own allocation: an over-read past len shows under valgrind. */
	uint8_t *buf = malloc(len ? len : 1);
	struct tt_class out;
	int ret;

	if (!buf)
		abort();
	if (len)
		memcpy(buf, c->egress, len);
	memset(&out, 0xa5, sizeof(out)); /* stale fields must not leak */
	ret = tt_classify(&hosts, c->sni, c->first_dir, buf, len,
			  (const uint8_t *)c->ingress, ikept, iseen, &out);
	free(buf);
	tt_case("%s", c->name);
	TT_CHECK_EQ_INT(ret, c->ret);
	if (c->ret)
		return;
	TT_CHECK_EQ_INT(out.verdict, c->verdict);
	TT_CHECK_EQ_STR(out.reason, c->reason);
	TT_CHECK_EQ_STR(out.provider, c->provider);
	if (c->method)
		TT_CHECK_EQ_STR(out.req.method, c->method);
}

TT_TEST(classify_table)
{
	tt_hosts_init_builtin(&hosts);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

TT_TEST(host_request_fields_recorded)
{
	static const char req[] =
		"GET /v1beta/models?key=SECRET HTTP/1.1\r\n"
		"Host: generativelanguage.googleapis.com:443\r\n\r\n";
	struct tt_class out;

	tt_hosts_init_builtin(&hosts);
	TT_CHECK_EQ_INT(tt_classify(&hosts, "", TT_DIR_EGRESS,
				    (const uint8_t *)req, sizeof(req) - 1, NULL, 0, 0, &out), 0);
	TT_CHECK_EQ_INT(out.verdict, TT_VERDICT_CAPTURE);
	TT_CHECK_EQ_STR(out.reason, "host");
	TT_CHECK_EQ_STR(out.provider, "gcp.gemini");
	TT_CHECK_EQ_STR(out.req.path, "/v1beta/models");
	TT_CHECK_EQ_STR(out.req.host, "generativelanguage.googleapis.com:443");
}

TT_TEST(custom_endpoint_by_host)
{
	static const char req[] =
		"POST /v1/completions HTTP/1.1\r\nHost: vllm.lab.example:8000\r\n\r\n";
	struct tt_class out;

	tt_hosts_init_builtin(&hosts);
	TT_CHECK_EQ_INT(tt_classify(&hosts, "", TT_DIR_EGRESS,
				    (const uint8_t *)req, sizeof(req) - 1, NULL, 0, 0, &out), 0);
	TT_CHECK_EQ_STR(out.reason, "host_not_ai");
	TT_CHECK_EQ_INT(tt_hosts_add(&hosts, "*.lab.example", "vllm"), 0);
	TT_CHECK_EQ_INT(tt_classify(&hosts, "", TT_DIR_EGRESS,
				    (const uint8_t *)req, sizeof(req) - 1, NULL, 0, 0, &out), 0);
	TT_CHECK_EQ_INT(out.verdict, TT_VERDICT_CAPTURE);
	TT_CHECK_EQ_STR(out.reason, "host");
	TT_CHECK_EQ_STR(out.provider, "vllm");
}

TT_TEST(oversized_head_is_not_http)
{
	/* A peek buffer that filled up without a Host is decided, not left
	 * pending forever. */
	size_t len = TT_PEEK_MAX;
	uint8_t *buf = malloc(len);
	static const char head[] = "POST /v1 HTTP/1.1\r\nX-Pad: ";
	struct tt_class out;

	if (!buf)
		abort();
	memset(buf, 'a', len);
	memcpy(buf, head, sizeof(head) - 1);
	tt_hosts_init_builtin(&hosts);
	TT_CHECK_EQ_INT(tt_classify(&hosts, "", TT_DIR_EGRESS, buf, len, NULL, 0, 0, &out), 0);
	TT_CHECK_EQ_INT(out.verdict, TT_VERDICT_FILTER);
	TT_CHECK_EQ_STR(out.reason, "not_http");
	free(buf);
}

#include "h2_build.h"

/* HTTP/2 without a server name (Go's crypto/tls): the first request's
 * :authority decides; an h2 frame where a preface should be is a
 * connection joined mid-way (counted, filtered); a server's SETTINGS
 * preface is the server role. */
TT_TEST(http2_without_sni)
{
	static const char *const req[] = {
		":method", "POST", ":scheme", "https",
		":authority", "api.openai.com:8443", ":path", "/v1/chat/completions",
	};
	static const char *const other[] = {
		":method", "GET", ":scheme", "https",
		":authority", "www.example.com", ":path", "/",
	};
	struct h2b b = { 0 }, o = { 0 }, mid = { 0 }, srv = { 0 };
	nghttp2_hd_deflater *d, *d2;
	struct tt_class c;

	tt_hosts_init_builtin(&hosts);
	if (nghttp2_hd_deflate_new(&d, 4096) || nghttp2_hd_deflate_new(&d2, 4096))
		abort();
	h2b_put(&b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	h2b_settings(&b);
	/* Only the preface and SETTINGS so far: more bytes needed. */
	TT_CHECK_EQ_INT(tt_classify(&hosts, "", TT_DIR_EGRESS, b.p, b.n, NULL, 0, 0, &c), -EAGAIN);
	h2b_headers(&b, d, 1, 0, req, 4);
	TT_CHECK_EQ_INT(tt_classify(&hosts, "", TT_DIR_EGRESS, b.p, b.n, NULL, 0, 0, &c), 0);
	TT_CHECK_EQ_INT(c.verdict, TT_VERDICT_CAPTURE);
	TT_CHECK_EQ_STR(c.reason, "h2_authority");
	TT_CHECK_EQ_STR(c.provider, "openai");
	TT_CHECK_EQ_STR(c.req.host, "api.openai.com");

	h2b_put(&o, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	h2b_settings(&o);
	h2b_headers(&o, d2, 1, 1, other, 4);
	TT_CHECK_EQ_INT(tt_classify(&hosts, "", TT_DIR_EGRESS, o.p, o.n, NULL, 0, 0, &c), 0);
	TT_CHECK_EQ_INT(c.verdict, TT_VERDICT_FILTER);
	TT_CHECK_EQ_STR(c.reason, "host_not_ai");

	h2b_headers(&mid, d, 3, 0, req, 4); /* stream 3 of a running conn */
	TT_CHECK_EQ_INT(tt_classify(&hosts, "", TT_DIR_EGRESS, mid.p, mid.n, NULL, 0, 0, &c), 0);
	TT_CHECK_EQ_STR(c.reason, "h2_joined_midway");
	TT_CHECK_EQ_INT(c.verdict, TT_VERDICT_FILTER);

	h2b_frame(&srv, 4, 0, 0, "\0\3\0\0\0\144", 6);
	TT_CHECK_EQ_INT(tt_classify(&hosts, "", TT_DIR_EGRESS, srv.p, srv.n, NULL, 0, 0, &c), 0);
	TT_CHECK_EQ_STR(c.reason, "server_role");
	nghttp2_hd_deflate_del(d);
	nghttp2_hd_deflate_del(d2);
	free(b.p);
	free(o.p);
	free(mid.p);
	free(srv.p);
}
