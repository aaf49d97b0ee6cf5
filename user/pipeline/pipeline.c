// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tt_abi.h"
#include "pipeline/pipeline_impl.h"
#include "util/jsonw.h"
#include "util/timefmt.h"

struct tt_pipeline *tt_pipeline_new(const struct tt_pipeline_config *cfg,
				    const struct tt_pipeline_ops *ops,
				    void *ops_ctx)
{
	struct tt_pipeline *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cfg = *cfg;
	if (ops)
		p->ops = *ops;
	p->ops_ctx = ops_ctx;
	p->conns = tt_conntab_new(cfg->max_connections, cfg->digests);
	p->socks = tt_socks_new(cfg->max_socks ? cfg->max_socks
					       : TT_SOCKS_MAX_DEFAULT);
	p->flood = tt_flood_new(cfg->limits);
	if (!p->conns || !p->socks || !p->flood) {
		tt_conntab_free(p->conns);
		tt_socks_free(p->socks);
		tt_flood_free(p->flood);
		free(p);
		return NULL;
	}
	if (!p->cfg.dark_grace_ns)
		p->cfg.dark_grace_ns = 2000000000ull;
	return p;
}

int tt_pipeline_add_sink(struct tt_pipeline *p, const struct tt_sink *sink)
{
	if (p->nsinks == TT_PIPELINE_SINKS_MAX)
		return -E2BIG;
	p->sinks[p->nsinks++] = *sink;
	return 0;
}

uint64_t tt_pipeline_real_ns(const struct tt_pipeline *p, uint64_t mono)
{
	return (uint64_t)((int64_t)mono + p->cfg.mono_to_real_ns);
}

#define real_ns tt_pipeline_real_ns

static void set_verdict(struct tt_pipeline *p, uint32_t pid, uint64_t conn,
			int verdict)
{
	if (p->ops.set_verdict &&
	    p->ops.set_verdict(p->ops_ctx, pid, conn, verdict))
		p->st.verdict_errors++;
}

/* ---- decoding of AI connections ---- */

void tt_pipeline_emit(struct tt_pipeline *p, const struct tt_xrec *rec,
		      void *handle, uint32_t pid, const char *comm,
		      uint64_t cgroup_id)
{
	struct tt_proc_facts pf;
	struct tt_event event;
	struct tt_sink_event ev;
	char id[37] = "00000000-0000-4000-8000-000000000000";
	char line[TT_EVENT_MAX];
	long n;

	/* A flood any process can make at will is counted, not written. */
	if (!tt_flood_admit(p->flood, rec, pid, comm, cgroup_id, rec->end_ns))
		return;
	memset(&pf, 0, sizeof(pf));
	if (handle && p->ops.proc_facts) {
		p->ops.proc_facts(p->ops_ctx, handle, pid, &pf);
	} else { /* no facts: what the capture itself says */
		pf.pid = pid;
		pf.comm = comm;
		pf.cgroup_id = cgroup_id;
	}
	if (p->ops.event_id)
		p->ops.event_id(p->ops_ctx, id);
	tt_alloc_build(p->cfg.alloc, rec, &pf, id, &event);
	n = tt_alloc_json(p->cfg.alloc, &event, line, sizeof(line));
	ev.event = &event;
	ev.line = n >= 0 ? line : NULL;
	ev.len = n >= 0 ? (size_t)n : 0;
	if (n < 0)
		p->st.call_errors++;
	else
		p->st.calls++;
	/* Every decoded call reaches every sink, even one whose line was too
	 * big to write: the metrics still count it. */
	for (size_t i = 0; i < p->nsinks; i++)
		if (p->sinks[i].event)
			p->sinks[i].event(p->sinks[i].ctx, &ev);
}

static void emit_call(void *ctx, const struct tt_xrec *rec)
{
	struct dconn *d = ctx;

	tt_pipeline_emit(d->p, rec, d->proc, d->conn->pid, d->conn->comm,
			 d->conn->cgroup_id);
}

/* The connection was classified as AI traffic: start decoding. The bytes
 * seen while it was pending (peek buffers, from offset 0) are fed first;
 * anything else already accounted becomes a gap. */
static void decode_start(struct tt_pipeline *p, struct tt_conn *conn,
			 uint64_t ts)
{
	struct tt_xconn_info info = {
		.provider_hint = conn->provider,
		.server_name = conn->sni,
		.keep_headers = p->cfg.keep_headers,
		.body_key = p->cfg.body_key,
	};
	uint64_t t = real_ns(p, ts);
	struct dconn *d;

	if (conn->decoder)
		return;
	d = calloc(1, sizeof(*d));
	if (d)
		d->x = tt_xconn_new(&info, emit_call, d);
	if (!d || !d->x) {
		free(d);
		p->st.decoder_alloc_failures++;
		return;
	}
	d->p = p;
	d->conn = conn;
	if (p->ops.proc_get)
		d->proc = p->ops.proc_get(p->ops_ctx, conn->pid, conn->ptr,
					  conn->cgroup_id, conn->comm);
	conn->decoder = d;
	p->st.decoders++;
	/* Kept bytes in the order they came: a client joined while it waited
	 * for a response read that response before its next request, and
	 * the decoder must see it as one (unanswered), not as the answer to
	 * that request. */
	for (int i = 0; i < 2; i++) {
		int dir = conn->first_dir == TT_DIR_INGRESS ? 1 - i : i;
		const uint8_t *kept = dir == TT_DIR_EGRESS ? conn->peek : conn->ipeek;
		size_t n = dir == TT_DIR_EGRESS ? conn->peek_len : conn->ipeek_len;

		if (n)
			tt_xconn_data(d->x, dir, t, kept, n);
		if (conn->dir[dir].next_off > n)
			tt_xconn_gap(d->x, dir, t, conn->dir[dir].next_off - n);
	}
}

/* One data event of a decoded connection. next_off: the direction's next
 * offset before this event was accounted. */
static void decode_data(struct tt_pipeline *p, struct tt_conn *conn, int dir,
			uint64_t ts, uint64_t next_off,
			const struct tt_ev_data *ev)
{
	struct dconn *d = conn->decoder;
	uint64_t t = real_ns(p, ts), off = ev->stream_off, skip;

	if (!d)
		return;
	if (off > next_off) { /* events lost before this one */
		tt_xconn_gap(d->x, dir, t, off - next_off);
		next_off = off;
	}
	if (off + ev->len <= next_off)
		return; /* seen already */
	skip = next_off - off;
	if (ev->cap_len)
		tt_xconn_data(d->x, dir, t, ev->data + skip, ev->cap_len - skip);
	else
		tt_xconn_gap(d->x, dir, t, ev->len - skip);
}

static void decode_end(struct tt_pipeline *p, struct tt_conn *conn,
		       uint64_t ts)
{
	struct dconn *d = conn->decoder;

	if (!d)
		return;
	tt_xconn_close(d->x, real_ns(p, ts));
	tt_xconn_stats_add(&p->st.x, tt_xconn_get_stats(d->x));
	tt_xconn_free(d->x);
	if (d->proc && p->ops.proc_put)
		p->ops.proc_put(p->ops_ctx, d->proc);
	free(d);
	conn->decoder = NULL;
}

/* ---- connection records (--connection-records) ---- */

static void record_dir(struct tt_jsonw *w, const char *key,
		       const struct tt_conn *conn, int dir)
{
	const struct tt_dirstat *ds = &conn->dir[dir];
	char hex[65];

	tt_jsonw_open(w, key);
	tt_jsonw_int(w, "bytes", (int64_t)ds->bytes);
	tt_jsonw_int(w, "captured_bytes", (int64_t)ds->cap_bytes);
	tt_jsonw_int(w, "gap_bytes", (int64_t)ds->gap_bytes);
	tt_jsonw_int(w, "events", (int64_t)ds->calls);
	tt_conn_digest_hex(conn, dir, hex);
	if (hex[0])
		tt_jsonw_str(w, "sha256", hex);
	tt_jsonw_close(w);
}

/* The TLS library of a connection record, as the probes named it. */
static const char *lib_name(unsigned lib)
{
	switch (lib) {
	case TT_LIB_OPENSSL:
		return "openssl";
	case TT_LIB_GNUTLS:
		return "gnutls";
	case TT_LIB_GO:
		return "go";
	case TT_LIB_BORINGSSL:
		return "boringssl";
	case TT_LIB_RUSTLS:
		return "rustls";
	default:
		return "unknown";
	}
}

/* One record per captured connection. Names and counts only: never a
 * header value other than Host, never a body byte. */
static void emit_record(struct tt_pipeline *p, const struct tt_conn *conn,
			const char *end)
{
	char line[2048], when[32];
	struct tt_jsonw w;
	long n;

	tt_jsonw_init(&w, line, sizeof(line));
	tt_jsonw_open(&w, NULL);
	tt_jsonw_str(&w, "type", "connection");
	tt_jsonw_int(&w, "version", 1);
	tt_record_time(real_ns(p, conn->t_first_ns), when);
	tt_jsonw_str(&w, "start", when);
	tt_jsonw_ms(&w, "duration_ms", conn->t_last_ns - conn->t_first_ns);
	tt_jsonw_int(&w, "pid", conn->pid);
	tt_jsonw_int(&w, "tid", conn->tid);
	tt_jsonw_str(&w, "comm", conn->comm);
	tt_jsonw_int(&w, "cgroup_id", (int64_t)conn->cgroup_id);
	tt_jsonw_str(&w, "library", lib_name(conn->lib));
	tt_jsonw_str(&w, "server_name", conn->sni);
	tt_jsonw_str(&w, "provider", conn->provider ? conn->provider : "");
	tt_jsonw_str(&w, "classified_by", conn->reason);
	if (conn->req && conn->req->method[0]) {
		tt_jsonw_open(&w, "first_request");
		tt_jsonw_str(&w, "method", conn->req->method);
		tt_jsonw_str(&w, "path", conn->req->path);
		tt_jsonw_str(&w, "host", conn->req->host);
		tt_jsonw_close(&w);
	}
	record_dir(&w, "egress", conn, TT_DIR_EGRESS);
	record_dir(&w, "ingress", conn, TT_DIR_INGRESS);
	tt_jsonw_str(&w, "end", end);
	tt_jsonw_close(&w);
	n = tt_jsonw_finish(&w);
	if (n < 0)
		return;
	for (size_t i = 0; i < p->nsinks; i++)
		if (p->sinks[i].record)
			p->sinks[i].record(p->sinks[i].ctx, line, (size_t)n);
	p->st.records++;
}

/* ---- the connection lifecycle ---- */

/* final_off: the kernel's stream offsets at the end, or NULL to ask for
 * them (exit, agent stop: the kernel's entry is still there). */
static void finish_conn(struct tt_pipeline *p, struct tt_conn *conn,
			const char *end, const uint64_t *final_off)
{
	uint64_t off[2];

	if (!final_off && p->ops.conn_offsets &&
	    !p->ops.conn_offsets(p->ops_ctx, conn->pid, conn->ptr, off))
		final_off = off;
	if (conn->verdict == TT_VERDICT_CAPTURE) {
		/* Events lost at the very end leave no offset jump behind:
		 * the final offsets say how many bytes never came, and the
		 * decoder hears of them as a gap (a response that lost its
		 * tail), not as one the server cut short. */
		for (int dir = 0; final_off && dir < 2; dir++) {
			uint64_t lost = tt_conn_account_end(p->conns, conn, dir,
							    final_off[dir]);
			struct dconn *d = conn->decoder;

			if (lost && d)
				tt_xconn_gap(d->x, dir,
					     real_ns(p, conn->t_last_ns), lost);
		}
		decode_end(p, conn, conn->t_last_ns);
		if (p->cfg.connection_records)
			emit_record(p, conn, end);
	} else if (conn->verdict == TT_VERDICT_PENDING) {
		p->st.conns_unclassified++;
	}
	tt_dark_on_conn_end(p, conn);
	tt_conntab_remove(p->conns, conn);
}

static void classify(struct tt_pipeline *p, struct tt_conn *conn)
{
	struct tt_class cls;
	int ret = tt_classify(p->cfg.hosts, conn->sni, conn->first_dir,
			      conn->peek, conn->peek_len, conn->ipeek,
			      conn->ipeek_len, conn->dir[TT_DIR_INGRESS].bytes,
			      &cls);

	if (ret == -EAGAIN)
		return;
	conn->verdict = cls.verdict;
	conn->reason = cls.reason;
	conn->provider = cls.provider;
	/* The request line only for the connection records that show it:
	 * 0.5 KiB that every idle connection would keep otherwise. */
	if (p->cfg.connection_records && cls.req.method[0] && !conn->req &&
	    (conn->req = malloc(sizeof(*conn->req))))
		*conn->req = cls.req;
	if (conn->verdict == TT_VERDICT_CAPTURE) {
		decode_start(p, conn, conn->t_last_ns);
		p->st.conns_captured++;
	} else {
		p->st.conns_filtered++;
	}
	tt_conn_peek_drop(conn);
	if (!strcmp(conn->reason, "h2_joined_midway"))
		p->st.h2_midway++;
	tt_dark_on_conn(p, conn);
	/* PENDING already captures: only a filter verdict changes the kernel. */
	if (conn->verdict == TT_VERDICT_FILTER)
		set_verdict(p, conn->pid, conn->ptr, conn->verdict);
}

static struct tt_conn *conn_for(struct tt_pipeline *p,
				const struct tt_ev_hdr *h)
{
	struct tt_conn *conn = tt_conntab_get(p->conns, h->pid, h->conn, 1);

	if (!conn) {
		/* Table full: nothing would read this connection's bytes, so
		 * stop the kernel copying them. Counted, never silent. */
		p->st.untracked_events++;
		set_verdict(p, h->pid, h->conn, TT_VERDICT_FILTER);
		return NULL;
	}
	if (!conn->t_first_ns) {
		conn->t_first_ns = h->ts_ns;
		conn->tid = h->tid;
		conn->cgroup_id = h->cgroup_id;
		conn->lib = h->lib;
		memcpy(conn->comm, h->comm, sizeof(conn->comm));
		conn->comm[sizeof(conn->comm) - 1] = '\0';
		/* The observer may have tied a socket to it already. */
		tt_dark_on_conn(p, conn);
	}
	conn->t_last_ns = h->ts_ns;
	return conn;
}

static void on_data(struct tt_pipeline *p, const struct tt_ev_data *ev,
		    size_t size)
{
	int dir = ev->hdr.dir & 1;
	struct tt_conn *conn;
	uint64_t next_off;

	if (size < TT_EV_DATA_HDR_SIZE || ev->cap_len > ev->len ||
	    size < TT_EV_DATA_SIZE(ev->cap_len)) {
		p->st.bad_events++;
		return;
	}
	conn = conn_for(p, &ev->hdr);
	if (!conn)
		return;
	if (conn->verdict == TT_VERDICT_FILTER) {
		p->st.after_filter_events++; /* sent before the verdict landed */
		return;
	}
	if (conn->first_dir < 0)
		conn->first_dir = dir;
	next_off = conn->dir[dir].next_off;
	tt_conn_account(p->conns, conn, dir, ev->stream_off, ev->len, ev->data,
			ev->cap_len);
	if (conn->verdict == TT_VERDICT_CAPTURE)
		decode_data(p, conn, dir, ev->hdr.ts_ns, next_off, ev);
	if (conn->verdict != TT_VERDICT_PENDING) {
		/* Classified by name before any data: note the request line. */
		if (p->cfg.connection_records && dir == TT_DIR_EGRESS &&
		    ev->stream_off == 0 && ev->cap_len && !conn->req &&
		    (conn->req = calloc(1, sizeof(*conn->req))))
			tt_http_peek_request(ev->data, ev->cap_len, conn->req);
		return;
	}
	if (dir == TT_DIR_EGRESS && ev->cap_len &&
	    tt_conn_peek_append(conn, ev->data, ev->cap_len))
		return;
	if (dir == TT_DIR_INGRESS && ev->cap_len == ev->len &&
	    tt_conn_ipeek_append(conn, ev->stream_off, ev->data, ev->cap_len))
		return;
	classify(p, conn);
}

static void on_sni(struct tt_pipeline *p, const struct tt_ev_sni *ev,
		   size_t size)
{
	struct tt_conn *conn;

	if (size < sizeof(*ev)) {
		p->st.bad_events++;
		return;
	}
	conn = conn_for(p, &ev->hdr);
	if (!conn)
		return;
	/* Out of memory: classified without its name (by the request). */
	tt_conn_set_sni(conn, ev->name, ev->name_len);
	if (conn->verdict == TT_VERDICT_PENDING)
		classify(p, conn);
}

static void on_close(struct tt_pipeline *p, const struct tt_ev_close *ev,
		     size_t size)
{
	struct tt_conn *conn;
	uint64_t off[2];

	if (size < sizeof(*ev)) {
		p->st.bad_events++;
		return;
	}
	conn = tt_conntab_get(p->conns, ev->hdr.pid, ev->hdr.conn, 0);
	if (!conn)
		return;
	off[0] = ev->off[0];
	off[1] = ev->off[1];
	conn->t_last_ns = ev->hdr.ts_ns;
	finish_conn(p, conn, "close", off);
}

struct finish_ctx {
	struct tt_pipeline *p;
	const char *end;
};

static void finish_each(struct tt_conn *conn, void *arg)
{
	struct finish_ctx *fc = arg;

	finish_conn(fc->p, conn, fc->end, NULL);
}

int tt_pipeline_event(struct tt_pipeline *p, const void *data, size_t size)
{
	const struct tt_ev_hdr *h = data;
	struct finish_ctx fc = { p, "exit" };

	p->st.events++;
	if (size < sizeof(*h)) {
		p->st.bad_events++;
		return 0;
	}
	if (p->cfg.self_pid && h->pid == p->cfg.self_pid &&
	    (h->type == TT_EV_DATA || h->type == TT_EV_SNI)) {
		/* The agent's own TLS (OTLP to an https collector): never
		 * decoded, so an export can never export itself. */
		set_verdict(p, h->pid, h->conn, TT_VERDICT_FILTER);
		return 0;
	}
	switch (h->type) {
	case TT_EV_DATA:
		on_data(p, data, size);
		break;
	case TT_EV_SNI:
		on_sni(p, data, size);
		break;
	case TT_EV_CLOSE:
		on_close(p, data, size);
		break;
	case TT_EV_EXIT:
		tt_conntab_each(p->conns, h->pid, finish_each, &fc);
		break;
	case TT_EV_SOCK:
		if (size < sizeof(struct tt_ev_sock)) {
			p->st.bad_events++;
			break;
		}
		tt_dark_on_sock(p, data);
		return 1; /* the agent arms processes on these too */
	case TT_EV_EXEC:
	case TT_EV_LIBLOAD:
	case TT_EV_FORK:
		return 1;
	default:
		p->st.bad_events++;
	}
	return 0;
}

void tt_pipeline_finish_all(struct tt_pipeline *p)
{
	struct finish_ctx fc = { p, "agent_stop" };

	tt_conntab_each(p->conns, 0, finish_each, &fc);
	tt_dark_flush(p, UINT64_MAX, !p->cfg.leave_open_socks);
	tt_pipeline_flood_flush(p, 0, 1);
}

void tt_pipeline_tick(struct tt_pipeline *p, uint64_t now_ns)
{
	tt_dark_flush(p, now_ns, 0);
	tt_pipeline_flood_flush(p, now_ns, 0);
}

struct active_ctx {
	void (*cb)(void *ctx, uint32_t pid);
	void *ctx;
};

static void active_conn(struct tt_conn *conn, void *arg)
{
	struct active_ctx *ac = arg;

	if (conn->verdict == TT_VERDICT_CAPTURE)
		ac->cb(ac->ctx, conn->pid);
}

static void active_sock(struct tt_sock_rec *rec, void *arg)
{
	struct active_ctx *ac = arg;

	if (!rec->t_close && rec->provider)
		ac->cb(ac->ctx, rec->s.tgid);
}

void tt_pipeline_active_pids(struct tt_pipeline *p,
			     void (*cb)(void *ctx, uint32_t pid), void *ctx)
{
	struct active_ctx ac = { cb, ctx };

	tt_conntab_each(p->conns, 0, active_conn, &ac);
	tt_socks_each(p->socks, active_sock, &ac);
}

void tt_pipeline_free(struct tt_pipeline *p)
{
	if (!p)
		return;
	tt_pipeline_finish_all(p);
	tt_dark_free(p);
	tt_conntab_free(p->conns);
	tt_socks_free(p->socks);
	tt_flood_free(p->flood);
	free(p);
}

void tt_pipeline_get_stats(const struct tt_pipeline *p,
			   struct tt_pipeline_stats *out)
{
	const struct tt_socks_stats *ss = tt_socks_stats(p->socks);

	*out = p->st;
	out->flood = *tt_flood_get_stats(p->flood);
	out->socks_opened = ss->opened;
	out->socks_table_full = ss->table_full;
	out->socks_linked = ss->linked;
	out->socks_decoded = ss->decoded;
	out->socks_tied_late = ss->tied_late;
	out->dark_connections = ss->dark;
	out->socks_not_ai = ss->not_ai;
}

void tt_pipeline_conn_stats(const struct tt_pipeline *p,
			    struct tt_conntab_stats *out)
{
	tt_conntab_get_stats(p->conns, out);
}
