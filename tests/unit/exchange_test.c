/* SPDX-License-Identifier: MIT */
/* The per-connection pipeline: pairing, split points, gaps, multipart. */
#include "tt_test.h"
#include "tt_abi.h"
#include "exchange/exchange.h"

#define MAX_RECS (TT_X_PENDING_MAX + 8)

struct got {
	int n;
	struct tt_call call[MAX_RECS];
	char problem[MAX_RECS][32];
	char key_hint[MAX_RECS][48];
	char key_id[MAX_RECS][20];
	char key_source[MAX_RECS][20];
};

static void emit(void *ctx, const struct tt_xrec *rec)
{
	struct got *g = ctx;

	if (g->n >= MAX_RECS)
		return;
	g->call[g->n] = *rec->call;
	snprintf(g->problem[g->n], 32, "%s", rec->problem ? rec->problem : "");
	snprintf(g->key_hint[g->n], sizeof(g->key_hint[g->n]), "%s", rec->key.hint);
	snprintf(g->key_id[g->n], sizeof(g->key_id[g->n]), "%s", rec->key.id);
	snprintf(g->key_source[g->n], sizeof(g->key_source[g->n]), "%s",
		 rec->key.source);
	g->n++;
}

static const char REQ_BODY[] =
	"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"gpt-x\"}";
static const char RESP_BODY[] =
	"{\"id\":\"chatcmpl-1\",\"model\":\"gpt-x-2024\",\"choices\":[],"
	"\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}";
static char REQ[512], RESP[512];

/* Messages built with their true Content-Length. */
__attribute__((constructor)) static void build_messages(void)
{
	snprintf(REQ, sizeof(REQ),
		 "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
		 "Authorization: Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123\r\n"
		 "X-Stainless-Retry-Count: 1\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(REQ_BODY), REQ_BODY);
	snprintf(RESP, sizeof(RESP),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "x-request-id: req_1\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(RESP_BODY), RESP_BODY);
}

static struct tt_xconn *conn(struct got *g)
{
	struct tt_xconn_info info = { .provider_hint = "openai",
				      .server_name = "api.openai.com" };

	memset(g, 0, sizeof(*g));
	return tt_xconn_new(&info, emit, g);
}

static void feed(struct tt_xconn *x, int dir, const char *s, size_t n)
{
	tt_xconn_data(x, dir, 1000, (const uint8_t *)s, n);
}

static void check_ok(const struct got *g, int i)
{
	TT_CHECK_EQ_STR(g->call[i].request_model, "gpt-x");
	TT_CHECK_EQ_STR(g->call[i].response_model, "gpt-x-2024");
	TT_CHECK_EQ_INT(g->call[i].status, 200);
	TT_CHECK_EQ_STR(tt_outcome_name(g->call[i].outcome), "success");
	TT_CHECK_EQ_U64(g->call[i].usage.input_tokens, 11);
	TT_CHECK_EQ_U64(g->call[i].usage.output_tokens, 7);
	TT_CHECK_EQ_INT(g->call[i].attempt, 1);
	TT_CHECK_EQ_STR(g->key_hint[i], "sk-proj-...0123");
}

TT_TEST(every_split_point_gives_the_same_record)
{
	size_t rl = strlen(REQ), sl = strlen(RESP);

	for (size_t cut = 0; cut <= sl; cut++) {
		struct got g;
		struct tt_xconn *x = conn(&g);

		tt_case("response cut at %zu", cut);
		feed(x, TT_DIR_EGRESS, REQ, cut % rl);
		feed(x, TT_DIR_EGRESS, REQ + cut % rl, rl - cut % rl);
		feed(x, TT_DIR_INGRESS, RESP, cut);
		feed(x, TT_DIR_INGRESS, RESP + cut, sl - cut);
		TT_CHECK_EQ_INT(g.n, 1);
		if (g.n == 1)
			check_ok(&g, 0);
		tt_xconn_free(x);
	}
}

TT_TEST(pipelined_requests_pair_in_order_and_interim_is_skipped)
{
	struct got g;
	struct tt_xconn *x = conn(&g);
	char two[1024];

	snprintf(two, sizeof(two), "%s%s", REQ, REQ);
	feed(x, TT_DIR_EGRESS, two, strlen(two));
	feed(x, TT_DIR_INGRESS, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	feed(x, TT_DIR_INGRESS, RESP, strlen(RESP));
	feed(x, TT_DIR_INGRESS, RESP, strlen(RESP));
	TT_CHECK_EQ_INT(g.n, 2);
	check_ok(&g, 0);
	check_ok(&g, 1);
	TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->interim_responses, 1);
	tt_xconn_free(x);
}

TT_TEST(request_without_response_is_reported_at_close)
{
	struct got g;
	struct tt_xconn *x = conn(&g);

	feed(x, TT_DIR_EGRESS, REQ, strlen(REQ));
	TT_CHECK_EQ_INT(g.n, 0);
	tt_xconn_close(x, 2000);
	TT_CHECK_EQ_INT(g.n, 1);
	TT_CHECK_EQ_STR(g.call[0].request_model, "gpt-x");
	TT_CHECK_EQ_INT(g.call[0].status, 0);
	TT_CHECK_EQ_STR(tt_outcome_name(g.call[0].outcome), "incomplete");
	TT_CHECK_EQ_STR(g.problem[0], "no_response");
	tt_xconn_free(x);
}

TT_TEST(response_without_request_is_counted_not_guessed)
{
	struct got g;
	struct tt_xconn *x = conn(&g);

	feed(x, TT_DIR_INGRESS, RESP, strlen(RESP));
	TT_CHECK_EQ_INT(g.n, 0);
	TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->orphan_responses, 1);
	tt_xconn_free(x);
}

TT_TEST(gap_over_the_usage_is_lost_not_zero)
{
	struct got g;
	struct tt_xconn *x = conn(&g);
	const char *usage = strstr(RESP, "\"usage\"");
	size_t before = (size_t)(usage - RESP);

	feed(x, TT_DIR_EGRESS, REQ, strlen(REQ));
	feed(x, TT_DIR_INGRESS, RESP, before);
	tt_xconn_gap(x, TT_DIR_INGRESS, 1000, 20);
	feed(x, TT_DIR_INGRESS, RESP + before + 20, strlen(RESP) - before - 20);
	TT_CHECK_EQ_INT(g.n, 1);
	TT_CHECK_EQ_STR(g.problem[0], "gap");
	TT_CHECK_EQ_STR(tt_usage_status_name(g.call[0].usage_status), "lost");
	TT_CHECK_EQ_U64(g.call[0].usage.input_tokens, (uint64_t)-1);
	/* The model before the hole is salvaged. */
	TT_CHECK_EQ_STR(g.call[0].response_model, "gpt-x-2024");
	tt_xconn_free(x);
}

TT_TEST(gap_before_the_usage_salvages_it_as_partial)
{
	struct got g;
	struct tt_xconn *x = conn(&g);
	size_t at = (size_t)(strstr(RESP, "\"choices\"") - RESP);

	feed(x, TT_DIR_EGRESS, REQ, strlen(REQ));
	feed(x, TT_DIR_INGRESS, RESP, at);
	tt_xconn_gap(x, TT_DIR_INGRESS, 1000, 5);
	feed(x, TT_DIR_INGRESS, RESP + at + 5, strlen(RESP) - at - 5);
	TT_CHECK_EQ_INT(g.n, 1);
	TT_CHECK_EQ_U64(g.call[0].usage.input_tokens, 11);
	TT_CHECK_EQ_U64(g.call[0].usage.output_tokens, 7);
	TT_CHECK_EQ_STR(tt_usage_status_name(g.call[0].usage_status), "partial");
	tt_xconn_free(x);
}

TT_TEST(multipart_model_after_a_large_file_part)
{
	static char body[300 * 1024], req[310 * 1024];
	struct got g;
	struct tt_xconn *x = conn(&g);
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			   "Content-Length: 2\r\n\r\n{}";
	size_t n = 0, file = 256 * 1024;
	int hl;

	n += (size_t)snprintf(body + n, sizeof(body) - n,
		"--BOUND\r\nContent-Disposition: form-data; name=\"file\"; "
		"filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n");
	memset(body + n, 'R', file); /* the audio */
	n += file;
	n += (size_t)snprintf(body + n, sizeof(body) - n,
		"\r\n--BOUND\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
		"gpt-4o-transcribe\r\n--BOUND--\r\n");
	hl = snprintf(req, sizeof(req),
		"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: api.openai.com\r\n"
		"Content-Type: multipart/form-data; boundary=BOUND\r\n"
		"Content-Length: %zu\r\n\r\n", n);
	memcpy(req + hl, body, n);
	/* In TLS-record-sized pieces, as the capture delivers them. */
	for (size_t off = 0; off < (size_t)hl + n; off += 16384)
		feed(x, TT_DIR_EGRESS, req + off,
		     (size_t)hl + n - off < 16384 ? (size_t)hl + n - off : 16384);
	feed(x, TT_DIR_INGRESS, resp, strlen(resp));
	TT_CHECK_EQ_INT(g.n, 1);
	TT_CHECK_EQ_STR(g.call[0].request_model, "gpt-4o-transcribe");
	TT_CHECK_EQ_STR(g.call[0].operation, "audio");
	tt_xconn_free(x);
}

TT_TEST(too_many_pending_requests_give_up_the_oldest)
{
	struct got g;
	struct tt_xconn *x = conn(&g);

	for (int i = 0; i < TT_X_PENDING_MAX + 3; i++)
		feed(x, TT_DIR_EGRESS, REQ, strlen(REQ));
	TT_CHECK_EQ_INT(g.n, 3);
	TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->pending_overflow, 3);
	tt_xconn_close(x, 3000);
	TT_CHECK_EQ_INT(g.n, TT_X_PENDING_MAX + 3);
	tt_xconn_free(x);
}

/* One request with the given head lines and a Gemini answer. */
static void gemini_call(struct got *g, const char *host, const char *target,
			const char *auth)
{
	static const char body[] = "{\"contents\":[]}";
	static const char answer[] =
		"{\"candidates\":[],\"usageMetadata\":{\"promptTokenCount\":5,"
		"\"candidatesTokenCount\":2,\"totalTokenCount\":7},"
		"\"modelVersion\":\"gemini-2.5-flash\"}";
	struct tt_xconn_info info = { .server_name = host };
	char req[1024], resp[512];
	struct tt_xconn *x;

	memset(g, 0, sizeof(*g));
	x = tt_xconn_new(&info, emit, g);
	snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: %s\r\n%s"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 target, host, auth, strlen(body), body);
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Type: "
		 "application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(answer), answer);
	feed(x, TT_DIR_EGRESS, req, strlen(req));
	feed(x, TT_DIR_INGRESS, resp, strlen(resp));
	tt_xconn_free(x);
}

/* Gemini's legacy ?key= is a key like x-goog-api-key, and never part of
 * the record; Vertex's rotating OAuth token gives way to the project. */
TT_TEST(keys_in_the_url_and_vertex_projects)
{
	static const char key[] = "AIzaSyA-1234567890abcdefghijklmnowxyz";
	char target[256], hdr[128];
	struct got a, b;

	snprintf(target, sizeof(target),
		 "/v1beta/models/gemini-2.5-flash:generateContent?key=%s", key);
	gemini_call(&a, "generativelanguage.googleapis.com", target, "");
	snprintf(hdr, sizeof(hdr), "x-goog-api-key: %s\r\n", key);
	gemini_call(&b, "generativelanguage.googleapis.com",
		    "/v1beta/models/gemini-2.5-flash:generateContent", hdr);
	TT_CHECK_EQ_INT(a.n, 1);
	TT_CHECK_EQ_INT(b.n, 1);
	TT_CHECK_EQ_STR(a.key_id[0], b.key_id[0]);
	TT_CHECK_EQ_STR(a.key_source[0], "api_key");
	TT_CHECK_EQ_STR(a.key_hint[0], "AIza...wxyz");
	TT_CHECK(!strstr(a.call[0].endpoint, "key="));
	TT_CHECK_EQ_U64(a.call[0].usage.input_tokens, 5);

	/* Two hourly tokens, one project. */
	gemini_call(&a, "us-central1-aiplatform.googleapis.com",
		    "/v1/projects/acme-ml/locations/us-central1/publishers/google/"
		    "models/gemini-2.5-flash:generateContent",
		    "Authorization: Bearer ya29.first-token-aaaaaaaaaaaaaaaa\r\n");
	gemini_call(&b, "us-central1-aiplatform.googleapis.com",
		    "/v1/projects/acme-ml/locations/us-central1/publishers/google/"
		    "models/gemini-2.5-flash:generateContent",
		    "Authorization: Bearer ya29.second-token-bbbbbbbbbbbbbbb\r\n");
	TT_CHECK_EQ_INT(a.n, 1);
	TT_CHECK_EQ_STR(a.key_id[0], b.key_id[0]);
	TT_CHECK_EQ_STR(a.key_source[0], "gcp_project");
	TT_CHECK_EQ_STR(a.key_hint[0], "project acme-ml");
}
