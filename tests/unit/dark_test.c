// SPDX-License-Identifier: MIT
/* Tests for user/pipeline/dark.c through the pipeline: synthetic
 * connection-observer records (TT_EV_SOCK open, link, close) and TLS
 * records (server name, data) in, dark connection events out. An AI
 * connection that ends with no decoded TLS connection is one event with
 * a reason; a decoded one never is; an open one at stop is booked or left
 * to the next agent; the socket table is capped with counted drops. */
#include <string.h>
#include "tt_abi.h"
#include "pipeline/pipeline.h"
#include "tt_test.h"

#define MS 1000000ull
#define GRACE (100 * MS)
#define T0 (1000 * MS)
#define EVENTS_MAX 16

/* ~72 KiB: static, not on the stack. */
static struct tt_hosts hosts;
static struct tt_ev_data data_ev;

/* One event as a sink saw it. */
struct seen {
	uint32_t pid;
	int64_t cgroup_id;
	int dark;
	char problem[32], provider[32], server[64], name_source[16], comm[16];
	char usage_status[16], exe[32];
	int64_t sent, received, peer_port;
	uint64_t start_ns, duration_ns;
	int cost_null;
};

/* The test's side of the pipeline: its sink and its process facts. */
struct fx {
	struct tt_alloc alloc;
	struct tt_pipeline *p;
	struct seen ev[EVENTS_MAX];
	int n, calls;           /* dark events, other events */
	int gets, puts;         /* process facts handles */
	char exe[32];           /* what proc_get finds now ("" once gone) */
	const char *reason;     /* what the dark_reason op says, NULL: no op */
};

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static void on_event(void *ctx, const struct tt_sink_event *se)
{
	struct fx *fx = ctx;
	const struct tt_event *e = se->event;
	struct seen *s;

	TT_CHECK(se->line != NULL);
	if (!e->has_connection) {
		fx->calls++;
		return;
	}
	if (fx->n == EVENTS_MAX)
		return;
	s = &fx->ev[fx->n++];
	s->pid = (uint32_t)e->pid;
	s->cgroup_id = e->cgroup_id;
	s->dark = 1;
	copy(s->problem, sizeof(s->problem), e->problem);
	copy(s->provider, sizeof(s->provider), e->provider);
	copy(s->server, sizeof(s->server), e->conn_server_name);
	copy(s->name_source, sizeof(s->name_source), e->conn_name_source);
	copy(s->comm, sizeof(s->comm), e->comm);
	copy(s->exe, sizeof(s->exe), e->exe);
	copy(s->usage_status, sizeof(s->usage_status), e->usage_status);
	s->sent = e->conn_bytes_sent;
	s->received = e->conn_bytes_received;
	s->peer_port = e->conn_peer_port;
	s->start_ns = e->start_ns;
	s->duration_ns = e->duration_ns;
	s->cost_null = e->cost_amount != e->cost_amount;
}

/* Facts as the agent's procinfo gives them: read when asked (the exe is
 * gone once the process has exited), held by the handle. */
struct facts {
	uint32_t pid;
	char exe[32];
};

static void *op_proc_get(void *ctx, uint32_t pid, uint64_t key,
			 uint64_t cgroup_id, const char *comm)
{
	struct fx *fx = ctx;
	struct facts *f = calloc(1, sizeof(*f));

	(void)key;
	(void)cgroup_id;
	(void)comm;
	if (!f)
		return NULL;
	f->pid = pid;
	copy(f->exe, sizeof(f->exe), fx->exe);
	fx->gets++;
	return f;
}

static void op_proc_facts(void *ctx, void *handle, uint32_t pid,
			  struct tt_proc_facts *pf)
{
	struct facts *f = handle;

	(void)ctx;
	memset(pf, 0, sizeof(*pf));
	pf->pid = pid;
	pf->comm = "facts";
	pf->exe = f->exe[0] ? f->exe : NULL;
	pf->cgroup_id = 77;
}

static void op_proc_put(void *ctx, void *handle)
{
	struct fx *fx = ctx;

	fx->puts++;
	free(handle);
}

static const char *op_reason(void *ctx, const struct tt_sock_rec *rec)
{
	(void)rec;
	return ((struct fx *)ctx)->reason;
}

static void setup(struct fx *fx, size_t max_socks, int leave_open, int facts)
{
	struct tt_pipeline_config pc = {
		.hosts = &hosts, .alloc = &fx->alloc, .max_connections = 64,
		.max_socks = max_socks, .leave_open_socks = leave_open,
		.dark_grace_ns = GRACE,
	};
	struct tt_pipeline_ops ops = {
		.dark_reason = op_reason,
		.proc_get = facts ? op_proc_get : NULL,
		.proc_facts = facts ? op_proc_facts : NULL,
		.proc_put = facts ? op_proc_put : NULL,
	};
	struct tt_sink sink = { .name = "test", .ctx = fx, .event = on_event };

	memset(fx, 0, sizeof(*fx));
	tt_hosts_init_builtin(&hosts);
	fx->p = tt_pipeline_new(&pc, &ops, fx);
	TT_CHECK(fx->p != NULL);
	TT_CHECK_EQ_INT(tt_pipeline_add_sink(fx->p, &sink), 0);
}

/* A record of the connection observer. */
struct sk {
	int what;
	uint64_t cookie, ts, tls_conn, sent, received;
	uint32_t pid;
	const char *name;  /* NULL: none (a socket older than the agent) */
	uint8_t flags;
	uint64_t t_connect;
};

static void sock(struct fx *fx, const struct sk *k)
{
	struct tt_ev_sock ev;
	size_t n = k->name ? strlen(k->name) : 0;

	memset(&ev, 0, sizeof(ev));
	ev.hdr.type = TT_EV_SOCK;
	ev.hdr.lib = TT_LIB_SOCKET;
	ev.hdr.pid = k->pid;
	ev.hdr.ts_ns = k->ts;
	ev.hdr.cgroup_id = 1000 + k->pid;
	ev.hdr.conn = k->cookie;
	ev.what = (uint8_t)k->what;
	ev.bytes_sent = k->sent;
	ev.bytes_received = k->received;
	ev.sock.cookie = k->cookie;
	ev.sock.cgroup_id = 1000 + k->pid;
	ev.sock.t_connect = k->t_connect ? k->t_connect : T0;
	ev.sock.tgid = k->pid;
	ev.sock.daddr[0] = 0x0100007f; /* 127.0.0.1, network order */
	ev.sock.dport = 443;
	ev.sock.family = 2;
	ev.sock.state = n ? TT_SOCK_AI : TT_SOCK_MAYBE;
	ev.sock.flags = k->flags | (k->tls_conn ? TT_SOCKF_LINKED : 0);
	ev.sock.tls_conn = k->tls_conn;
	ev.sock.name_len = (uint8_t)n;
	memcpy(ev.sock.name, k->name ? k->name : "", n);
	TT_CHECK_EQ_INT(tt_pipeline_event(fx->p, &ev, sizeof(ev)), 1);
}

/* The TLS library's side: a server name, or bytes, of connection ptr. */
static void tls_sni(struct fx *fx, uint32_t pid, uint64_t ptr, const char *name,
		    uint64_t ts)
{
	struct tt_ev_sni ev;

	memset(&ev, 0, sizeof(ev));
	ev.hdr.type = TT_EV_SNI;
	ev.hdr.pid = ev.hdr.tid = pid;
	ev.hdr.ts_ns = ts;
	ev.hdr.conn = ptr;
	ev.name_len = (uint32_t)strlen(name);
	memcpy(ev.name, name, ev.name_len);
	TT_CHECK_EQ_INT(tt_pipeline_event(fx->p, &ev, sizeof(ev)), 0);
}

static void tls_data(struct fx *fx, uint32_t pid, uint64_t ptr, int dir,
		     uint64_t off, const void *bytes, size_t len, uint64_t ts)
{
	memset(&data_ev.hdr, 0, sizeof(data_ev.hdr));
	data_ev.hdr.type = TT_EV_DATA;
	data_ev.hdr.dir = (uint8_t)dir;
	data_ev.hdr.pid = data_ev.hdr.tid = pid;
	data_ev.hdr.ts_ns = ts;
	data_ev.hdr.conn = ptr;
	data_ev.stream_off = off;
	data_ev.len = data_ev.cap_len = data_ev.call_len = (uint32_t)len;
	memcpy(data_ev.data, bytes, len);
	TT_CHECK_EQ_INT(tt_pipeline_event(fx->p, &data_ev, TT_EV_DATA_SIZE(len)), 0);
}

static const char REQUEST[] = "POST /v1/chat/completions HTTP/1.1\r\n"
			      "Host: api.openai.com\r\nContent-Length: 2\r\n\r\n{}";

/* A TLS connection of pid to an AI host, decoded. */
static void decoded_tls(struct fx *fx, uint32_t pid, uint64_t ptr, uint64_t ts)
{
	tls_sni(fx, pid, ptr, "api.openai.com", ts);
	tls_data(fx, pid, ptr, TT_DIR_EGRESS, 0, REQUEST, sizeof(REQUEST) - 1, ts);
}

static struct tt_pipeline_stats stats(struct fx *fx)
{
	struct tt_pipeline_stats st;

	tt_pipeline_get_stats(fx->p, &st);
	return st;
}

static void done(struct fx *fx)
{
	tt_pipeline_free(fx->p);
	fx->p = NULL;
	/* Every process facts handle taken was given back. */
	TT_CHECK_EQ_INT(fx->gets, fx->puts);
}

enum { A_LINK, A_TLS, A_CLOSE };

/* The observer's open comes first; the tie, the TLS library's records and
 * the socket's end come on two rings in any order. Whatever the order, a
 * connection whose TLS side was decoded is never booked dark. */
TT_TEST(decoded_is_never_dark_in_any_order)
{
	static const int orders[6][3] = {
		{ A_LINK, A_TLS, A_CLOSE }, { A_LINK, A_CLOSE, A_TLS },
		{ A_TLS, A_LINK, A_CLOSE }, { A_TLS, A_CLOSE, A_LINK },
		{ A_CLOSE, A_LINK, A_TLS }, { A_CLOSE, A_TLS, A_LINK },
	};

	for (int o = 0; o < 6; o++) {
		struct fx fx;
		uint64_t t = T0 + MS;

		tt_case("order %d", o);
		setup(&fx, 0, 0, 1);
		sock(&fx, &(struct sk){ .what = TT_SOCK_EV_OPEN, .cookie = 1,
					.pid = 10, .name = "api.openai.com", .ts = T0 });
		for (int i = 0; i < 3; i++, t += MS) {
			if (orders[o][i] == A_LINK)
				sock(&fx, &(struct sk){ .what = TT_SOCK_EV_LINK, .cookie = 1,
							.pid = 10, .name = "api.openai.com",
							.tls_conn = 0xa0, .ts = t });
			else if (orders[o][i] == A_TLS)
				decoded_tls(&fx, 10, 0xa0, t);
			else
				sock(&fx, &(struct sk){ .what = TT_SOCK_EV_CLOSE, .cookie = 1,
							.pid = 10, .name = "api.openai.com",
							.tls_conn = 0, .sent = 900, .received = 700,
							.ts = t });
		}
		tt_pipeline_tick(fx.p, t + GRACE);
		TT_CHECK_EQ_INT(fx.n, 0);
		TT_CHECK_EQ_U64(stats(&fx).socks_decoded, 1);
		TT_CHECK_EQ_U64(stats(&fx).socks_linked, 1);
		done(&fx);
		TT_CHECK_EQ_INT(fx.n, 0);
	}
}

/* An AI connection that ended with nothing linked: one event, a grace
 * period after its end (its TLS side may still be on its way), never
 * twice. */
TT_TEST(closed_without_link_is_one_dark_event)
{
	struct fx fx;
	const uint64_t t_close = T0 + 5 * MS;
	struct seen *e = &fx.ev[0];

	setup(&fx, 0, 0, 1);
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_OPEN, .cookie = 2, .pid = 20,
				.name = "api.openai.com", .ts = T0 });
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_CLOSE, .cookie = 2, .pid = 20,
				.name = "api.openai.com", .sent = 1234,
				.received = 5678, .ts = t_close });
	tt_pipeline_tick(fx.p, t_close + GRACE - 1);
	TT_CHECK_EQ_INT(fx.n, 0);
	tt_pipeline_tick(fx.p, t_close + GRACE);
	TT_CHECK_EQ_INT(fx.n, 1);
	TT_CHECK_EQ_U64(e->pid, 20);
	TT_CHECK_EQ_STR(e->problem, "tls_not_traced");
	TT_CHECK_EQ_STR(e->usage_status, "unobserved");
	TT_CHECK_EQ_STR(e->provider, "openai");
	TT_CHECK_EQ_STR(e->server, "api.openai.com");
	TT_CHECK_EQ_STR(e->name_source, "client_hello");
	TT_CHECK_EQ_U64(e->sent, 1234);
	TT_CHECK_EQ_U64(e->received, 5678);
	TT_CHECK_EQ_U64(e->peer_port, 443);
	TT_CHECK_EQ_U64(e->start_ns, T0);
	TT_CHECK_EQ_U64(e->duration_ns, 5 * MS);
	TT_CHECK(e->cost_null);
	TT_CHECK_EQ_U64(stats(&fx).dark_connections, 1);
	tt_pipeline_tick(fx.p, t_close + 10 * GRACE);
	tt_pipeline_finish_all(fx.p);
	TT_CHECK_EQ_INT(fx.n, 1);
	done(&fx);
	TT_CHECK_EQ_INT(fx.n, 1);
}

/* The TLS side seen within the grace period after the end: decoded, so
 * not dark. */
TT_TEST(tls_side_late_within_grace)
{
	struct fx fx;

	setup(&fx, 0, 0, 1);
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_OPEN, .cookie = 3, .pid = 30,
				.name = "api.openai.com", .ts = T0 });
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_CLOSE, .cookie = 3, .pid = 30,
				.name = "api.openai.com", .ts = T0 + MS });
	tt_pipeline_tick(fx.p, T0 + MS + GRACE / 2);
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_LINK, .cookie = 3, .pid = 30,
				.name = "api.openai.com", .tls_conn = 0xb0,
				.ts = T0 + MS });
	decoded_tls(&fx, 30, 0xb0, T0 + MS);
	tt_pipeline_tick(fx.p, T0 + MS + GRACE);
	TT_CHECK_EQ_INT(fx.n, 0);
	done(&fx);
	TT_CHECK_EQ_INT(fx.n, 0);
}

/* Why: the agent's word (probes failed, a hold that expired), else
 * tls_not_traced; a socket older than the agent joined mid-way. */
TT_TEST(reasons)
{
	static const struct {
		const char *op;   /* the agent's reason */
		uint8_t flags;
		const char *want;
	} cases[] = {
		{ NULL, 0, "tls_not_traced" },
		{ "attach_failed", 0, "attach_failed" },
		{ "hold_expired", TT_SOCKF_HELD | TT_SOCKF_FAILOPEN, "hold_expired" },
		{ NULL, TT_SOCKF_PREEXISTING, "joined_midway" },
		{ "attach_failed", TT_SOCKF_PREEXISTING, "joined_midway" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx fx;

		tt_case("%s flags 0x%x", cases[i].want, cases[i].flags);
		setup(&fx, 0, 0, 0);
		fx.reason = cases[i].op;
		sock(&fx, &(struct sk){ .what = TT_SOCK_EV_OPEN, .cookie = 4,
					.pid = 40, .name = "api.anthropic.com",
					.flags = cases[i].flags, .ts = T0 });
		sock(&fx, &(struct sk){ .what = TT_SOCK_EV_CLOSE, .cookie = 4,
					.pid = 40, .name = "api.anthropic.com",
					.flags = cases[i].flags, .ts = T0 + MS });
		tt_pipeline_tick(fx.p, T0 + MS + GRACE);
		TT_CHECK_EQ_INT(fx.n, 1);
		TT_CHECK_EQ_STR(fx.ev[0].problem, cases[i].want);
		TT_CHECK_EQ_STR(fx.ev[0].provider, "anthropic");
		done(&fx);
	}
}

/* At stop an open AI connection is booked (its end: the last tick), or,
 * when the agent pins its state for a successor, left to that one. */
TT_TEST(open_at_stop)
{
	for (int leave = 0; leave < 2; leave++) {
		struct fx fx;

		tt_case("leave_open_socks %d", leave);
		setup(&fx, 0, leave, 1);
		sock(&fx, &(struct sk){ .what = TT_SOCK_EV_OPEN, .cookie = 5,
					.pid = 50, .name = "api.openai.com", .ts = T0 });
		tt_pipeline_tick(fx.p, T0 + 10 * GRACE);
		TT_CHECK_EQ_INT(fx.n, 0); /* open: never judged on a tick */
		tt_pipeline_finish_all(fx.p);
		TT_CHECK_EQ_INT(fx.n, leave ? 0 : 1);
		if (!leave) {
			TT_CHECK_EQ_STR(fx.ev[0].problem, "tls_not_traced");
			TT_CHECK_EQ_U64(fx.ev[0].duration_ns, 10 * GRACE);
		}
		done(&fx);
		TT_CHECK_EQ_INT(fx.n, leave ? 0 : 1);
	}
}

/* The table's cap: past it connections are refused and counted; those
 * it holds are still booked. */
TT_TEST(table_cap_counts_drops)
{
	struct fx fx;

	setup(&fx, 2, 0, 1);
	for (uint64_t c = 1; c <= 3; c++)
		sock(&fx, &(struct sk){ .what = TT_SOCK_EV_OPEN, .cookie = c,
					.pid = 60, .name = "api.openai.com", .ts = T0 });
	TT_CHECK_EQ_U64(stats(&fx).socks_opened, 2);
	TT_CHECK_EQ_U64(stats(&fx).socks_table_full, 1);
	for (uint64_t c = 1; c <= 3; c++)
		sock(&fx, &(struct sk){ .what = TT_SOCK_EV_CLOSE, .cookie = c,
					.pid = 60, .name = "api.openai.com",
					.ts = T0 + MS });
	/* The third one's end finds no room either. */
	TT_CHECK_EQ_U64(stats(&fx).socks_table_full, 2);
	tt_pipeline_tick(fx.p, T0 + MS + GRACE);
	TT_CHECK_EQ_INT(fx.n, 2);
	TT_CHECK_EQ_U64(stats(&fx).dark_connections, 2);
	/* Room again once booked. */
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_OPEN, .cookie = 4, .pid = 60,
				.name = "api.openai.com", .ts = T0 + 2 * GRACE });
	TT_CHECK_EQ_U64(stats(&fx).socks_opened, 3);
	done(&fx);
	TT_CHECK_EQ_INT(fx.n, 3);
}

/* A name the kernel could not decide that user space finds is no AI
 * host: forgotten, counted. */
TT_TEST(maybe_name_not_ai_is_forgotten)
{
	struct fx fx;

	setup(&fx, 0, 0, 1);
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_OPEN, .cookie = 7, .pid = 70,
				.name = "www.example.com", .ts = T0 });
	TT_CHECK_EQ_U64(stats(&fx).socks_not_ai, 1);
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_CLOSE, .cookie = 7, .pid = 70,
				.name = "www.example.com", .ts = T0 + MS });
	done(&fx);
	TT_CHECK_EQ_INT(fx.n, 0);
}

/* After a restart the first record of a connection may be its end: with
 * a name it is booked; without a name or a tie it is none of ours. */
TT_TEST(close_first_seen)
{
	struct fx fx;

	setup(&fx, 0, 0, 1);
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_CLOSE, .cookie = 8, .pid = 80,
				.name = "api.openai.com", .sent = 10, .received = 20,
				.ts = T0 + MS });
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_CLOSE, .cookie = 9, .pid = 80,
				.ts = T0 + MS });
	tt_pipeline_tick(fx.p, T0 + MS + GRACE);
	TT_CHECK_EQ_INT(fx.n, 1);
	TT_CHECK_EQ_U64(fx.ev[0].sent, 10);
	done(&fx);
	TT_CHECK_EQ_INT(fx.n, 1);
}

static const uint8_t H2_HEADERS[] = { 0, 0, 4, 1, 4, 0, 0, 0, 5, 0x82, 0x87, 0x84, 0xbe };

/* An HTTP/2 connection older than the agent: no ClientHello named it and
 * its stream cannot be decoded. It is booked joined_midway under the name
 * of another AI connection to the same address and port (marked as named
 * by "address"); with no such connection it is not known to be AI. */
TT_TEST(h2_joined_midway_named_by_address)
{
	for (int named = 0; named < 2; named++) {
		struct fx fx;

		tt_case("a named connection to the address: %d", named);
		setup(&fx, 0, 0, 1);
		if (named) { /* a fresh connection, decoded */
			sock(&fx, &(struct sk){ .what = TT_SOCK_EV_OPEN, .cookie = 11,
						.pid = 91, .name = "api.openai.com", .ts = T0 });
			sock(&fx, &(struct sk){ .what = TT_SOCK_EV_LINK, .cookie = 11,
						.pid = 91, .name = "api.openai.com",
						.tls_conn = 0xc0, .ts = T0 });
			decoded_tls(&fx, 91, 0xc0, T0);
		}
		sock(&fx, &(struct sk){ .what = TT_SOCK_EV_OPEN, .cookie = 12, .pid = 90,
					.flags = TT_SOCKF_PREEXISTING, .ts = T0 + MS });
		sock(&fx, &(struct sk){ .what = TT_SOCK_EV_LINK, .cookie = 12, .pid = 90,
					.flags = TT_SOCKF_PREEXISTING, .tls_conn = 0xd0,
					.ts = T0 + MS });
		tls_data(&fx, 90, 0xd0, TT_DIR_EGRESS, 0, H2_HEADERS, sizeof(H2_HEADERS),
			 T0 + MS);
		sock(&fx, &(struct sk){ .what = TT_SOCK_EV_CLOSE, .cookie = 12, .pid = 90,
					.flags = TT_SOCKF_PREEXISTING, .tls_conn = 0xd0,
					.sent = 5000, .received = 9000, .ts = T0 + 2 * MS });
		tt_pipeline_tick(fx.p, T0 + 2 * MS + GRACE);
		TT_CHECK_EQ_INT(fx.n, named);
		if (named) {
			TT_CHECK_EQ_U64(fx.ev[0].pid, 90);
			TT_CHECK_EQ_STR(fx.ev[0].problem, "joined_midway");
			TT_CHECK_EQ_STR(fx.ev[0].provider, "openai");
			TT_CHECK_EQ_STR(fx.ev[0].server, "api.openai.com");
			TT_CHECK_EQ_STR(fx.ev[0].name_source, "address");
			TT_CHECK_EQ_U64(fx.ev[0].sent, 5000);
		}
		TT_CHECK_EQ_U64(stats(&fx).h2_midway, 1);
		done(&fx);
		TT_CHECK_EQ_INT(fx.n, named);
	}
}
/* The process behind a dark connection has often exited by the time the
 * connection is booked: its facts (exe, environment, cgroup path, the
 * owner rules' inputs) are taken while it lives, when the connection
 * opens, and held until the event is written. */
TT_TEST(process_facts_taken_at_open)
{
	struct fx fx;

	setup(&fx, 0, 0, 1);
	snprintf(fx.exe, sizeof(fx.exe), "/usr/bin/mbed_chat");
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_OPEN, .cookie = 13, .pid = 100,
				.name = "api.openai.com", .ts = T0 });
	fx.exe[0] = '\0'; /* the process exits */
	sock(&fx, &(struct sk){ .what = TT_SOCK_EV_CLOSE, .cookie = 13, .pid = 100,
				.name = "api.openai.com", .ts = T0 + MS });
	tt_pipeline_tick(fx.p, T0 + MS + GRACE);
	TT_CHECK_EQ_INT(fx.n, 1);
	TT_CHECK_EQ_STR(fx.ev[0].exe, "/usr/bin/mbed_chat");
	TT_CHECK_EQ_INT(fx.gets, 1);
	TT_CHECK_EQ_INT(fx.puts, 1);
	done(&fx);
}
