// SPDX-License-Identifier: MIT
/*
 * Late ties (pipeline/dark.c): the capture records of one process are fed
 * to the pipeline as the kernel would send them: the observer's AI socket
 * (open, maybe a link, close) and the TLS connection's bytes (a chat
 * completion over HTTP/1.1). A socket whose TLS connection was decoded is
 * never booked dark, even when the kernel could not tie the two (its thread
 * sent the bytes too long after the TLS write); one that carried nothing
 * decoded is booked once. dark_test.c covers the dark events themselves.
 */
#include "tt_test.h"
#include "tt_abi.h"
#include "alloc/event.h"
#include "config/config.h"
#include "pipeline/pipeline.h"

#define PID 4242u
#define SSL_PTR 0x5000ull
#define COOKIE 77ull
#define MS 1000000ull
#define GRACE (2000 * MS)

static const char REQ[] =
	"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
	"Content-Type: application/json\r\nContent-Length: 55\r\n\r\n"
	"{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\"}]}   ";
static const char RESP[] =
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	"x-request-id: req_dark_test\r\nContent-Length: 113\r\n\r\n"
	"{\"id\":\"c1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"usage\":"
	"{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}";

struct got {
	int calls, dark;
	char problem[32];
	int64_t input_tokens;
};

static void on_event(void *ctx, const struct tt_sink_event *ev)
{
	struct got *g = ctx;

	if (ev->event->problem && ev->event->usage_status &&
	    !strcmp(ev->event->usage_status, "unobserved")) {
		g->dark++;
		snprintf(g->problem, sizeof(g->problem), "%s", ev->event->problem);
		return;
	}
	g->calls++;
}

struct fixture {
	struct tt_config cfg;
	struct tt_alloc alloc;
	struct tt_pipeline *p;
	struct got got;
	uint64_t off[2];
};

static void setup(struct fixture *f)
{
	struct tt_pipeline_config pc = { 0 };
	struct tt_sink sink = { .name = "test", .event = on_event };

	memset(f, 0, sizeof(*f));
	tt_config_defaults(&f->cfg);
	f->alloc.rules = &f->cfg.owners;
	f->alloc.declared = (const char (*)[TT_RULE_KEY_MAX])f->cfg.declared;
	pc.hosts = &f->cfg.hosts;
	pc.alloc = &f->alloc;
	pc.max_connections = 64;
	pc.max_socks = 64;
	pc.dark_grace_ns = GRACE;
	f->p = tt_pipeline_new(&pc, NULL, NULL);
	TT_CHECK(f->p != NULL);
	sink.ctx = &f->got;
	TT_CHECK_EQ_INT(tt_pipeline_add_sink(f->p, &sink), 0);
}

static void teardown(struct fixture *f)
{
	tt_pipeline_free(f->p);
	tt_config_free(&f->cfg);
}

/* The header every record of the process starts with. */
static void fill_hdr(struct tt_ev_hdr *h, uint16_t type, uint8_t lib,
		     uint64_t conn, uint64_t ts)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->lib = lib;
	h->pid = h->tid = PID;
	h->ts_ns = ts;
	h->conn = conn;
}

static void sock_event_of(struct fixture *f, uint64_t cookie, uint8_t what,
			  uint64_t ts)
{
	struct tt_ev_sock ev;

	memset(&ev, 0, sizeof(ev));
	fill_hdr(&ev.hdr, TT_EV_SOCK, TT_LIB_SOCKET, cookie, ts);
	ev.what = what;
	ev.sock.cookie = cookie;
	ev.sock.tgid = PID;
	ev.sock.t_connect = 100 * MS;
	ev.sock.state = TT_SOCK_AI;
	ev.sock.family = 2;
	ev.sock.dport = 443;
	ev.sock.name_len = (uint8_t)strlen("api.openai.com");
	memcpy(ev.sock.name, "api.openai.com", ev.sock.name_len);
	if (what == TT_SOCK_EV_LINK) {
		ev.sock.tls_conn = SSL_PTR;
		ev.sock.flags = TT_SOCKF_LINKED;
	}
	if (what == TT_SOCK_EV_CLOSE) {
		ev.bytes_sent = 1200;
		ev.bytes_received = 2300;
	}
	tt_pipeline_event(f->p, &ev, sizeof(ev));
}

static void sock_event(struct fixture *f, uint8_t what, uint64_t ts)
{
	sock_event_of(f, COOKIE, what, ts);
}

static void data_event(struct fixture *f, int dir, const char *bytes,
		       uint64_t ts)
{
	static struct tt_ev_data ev;
	size_t n = strlen(bytes);

	memset(&ev, 0, TT_EV_DATA_HDR_SIZE);
	fill_hdr(&ev.hdr, TT_EV_DATA, TT_LIB_OPENSSL, SSL_PTR, ts);
	ev.hdr.dir = (uint8_t)dir;
	ev.stream_off = f->off[dir];
	ev.call_len = ev.len = ev.cap_len = (uint32_t)n;
	memcpy(ev.data, bytes, n);
	f->off[dir] += n;
	tt_pipeline_event(f->p, &ev, TT_EV_DATA_SIZE(n));
}

static void close_event(struct fixture *f, uint64_t ts)
{
	struct tt_ev_close ev;

	fill_hdr(&ev.hdr, TT_EV_CLOSE, TT_LIB_OPENSSL, SSL_PTR, ts);
	ev.off[0] = f->off[0];
	ev.off[1] = f->off[1];
	tt_pipeline_event(f->p, &ev, sizeof(ev));
}

/* One call on one connection: link says whether the kernel tied the
 * socket to the TLS connection, tls_end when the TLS connection ends
 * (0: still live when the socket is judged). */
static void one_call(struct fixture *f, int link, uint64_t tls_end)
{
	sock_event(f, TT_SOCK_EV_OPEN, 101 * MS);
	data_event(f, TT_DIR_EGRESS, REQ, 130 * MS);
	if (link)
		sock_event(f, TT_SOCK_EV_LINK, 131 * MS);
	data_event(f, TT_DIR_INGRESS, RESP, 180 * MS);
	if (tls_end)
		close_event(f, tls_end);
	sock_event(f, TT_SOCK_EV_CLOSE, 900 * MS);
	tt_pipeline_tick(f->p, 900 * MS + GRACE + 1);
}

/* One call, judged after its socket's grace: one event, no dark one.
 * tied_late: 1 when the kernel did not tie the two (the segment left more
 * than its window after the TLS write), so user space had to. */
static void check_one_call(int link, uint64_t tls_end, int tied_late)
{
	struct fixture f;
	struct tt_pipeline_stats st;

	setup(&f);
	one_call(&f, link, tls_end);
	tt_pipeline_get_stats(f.p, &st);
	TT_CHECK_EQ_INT(f.got.calls, 1);
	TT_CHECK_EQ_INT(f.got.dark, 0);
	TT_CHECK_EQ_INT(st.socks_decoded, 1);
	TT_CHECK_EQ_INT(st.socks_tied_late, tied_late);
	TT_CHECK_EQ_INT(st.dark_connections, 0);
	teardown(&f);
}

TT_TEST(linked_by_kernel_not_dark)
{
	check_one_call(1, 890 * MS, 0);
}

/* The TLS connection ended before the socket is judged. */
TT_TEST(untied_after_tls_end_not_dark)
{
	check_one_call(0, 890 * MS, 1);
}

/* The same with the TLS connection still live when the socket is judged. */
TT_TEST(untied_tls_live_not_dark)
{
	struct fixture f;
	struct tt_pipeline_stats st;

	setup(&f);
	one_call(&f, 0, 0);
	tt_pipeline_get_stats(f.p, &st);
	TT_CHECK_EQ_INT(f.got.dark, 0);
	TT_CHECK_EQ_INT(st.socks_tied_late, 1);
	tt_pipeline_finish_all(f.p);
	TT_CHECK_EQ_INT(f.got.calls, 1);
	TT_CHECK_EQ_INT(f.got.dark, 0);
	teardown(&f);
}

/* A socket that carried nothing decoded is dark, once. */
TT_TEST(nothing_decoded_is_dark)
{
	struct fixture f;
	struct tt_pipeline_stats st;

	setup(&f);
	sock_event(&f, TT_SOCK_EV_OPEN, 101 * MS);
	sock_event(&f, TT_SOCK_EV_CLOSE, 900 * MS);
	tt_pipeline_tick(f.p, 900 * MS + GRACE / 2);
	TT_CHECK_EQ_INT(f.got.dark, 0); /* its TLS side may be on its way */
	tt_pipeline_tick(f.p, 900 * MS + GRACE + 1);
	tt_pipeline_finish_all(f.p);
	tt_pipeline_get_stats(f.p, &st);
	TT_CHECK_EQ_INT(f.got.calls, 0);
	TT_CHECK_EQ_INT(f.got.dark, 1);
	TT_CHECK_EQ_STR(f.got.problem, "tls_not_traced");
	TT_CHECK_EQ_INT(st.socks_tied_late, 0);
	teardown(&f);
}

/* A decoded TLS connection is taken by one socket only: of two untied
 * sockets of the process open at the time, the second is still dark. */
TT_TEST(one_tls_connection_one_socket)
{
	struct fixture f;

	setup(&f);
	one_call(&f, 0, 890 * MS);
	sock_event_of(&f, COOKIE + 1, TT_SOCK_EV_OPEN, 101 * MS);
	sock_event_of(&f, COOKIE + 1, TT_SOCK_EV_CLOSE, 950 * MS);
	tt_pipeline_tick(f.p, 950 * MS + GRACE + 1);
	TT_CHECK_EQ_INT(f.got.calls, 1);
	TT_CHECK_EQ_INT(f.got.dark, 1);
	teardown(&f);
}

/* A decoded TLS connection that began before the socket opened is not
 * the socket's (another connection of the process, or a reused pid). */
TT_TEST(tls_connection_before_socket_not_taken)
{
	struct fixture f;

	setup(&f);
	data_event(&f, TT_DIR_EGRESS, REQ, 50 * MS);
	data_event(&f, TT_DIR_INGRESS, RESP, 60 * MS);
	close_event(&f, 70 * MS);
	sock_event(&f, TT_SOCK_EV_OPEN, 101 * MS);
	sock_event(&f, TT_SOCK_EV_CLOSE, 900 * MS);
	tt_pipeline_tick(f.p, 900 * MS + GRACE + 1);
	TT_CHECK_EQ_INT(f.got.calls, 1);
	TT_CHECK_EQ_INT(f.got.dark, 1);
	teardown(&f);
}
