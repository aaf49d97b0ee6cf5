// SPDX-License-Identifier: MIT
/*
 * Dark connections: AI connections the connection observer saw (the
 * ClientHello named an AI host) that no decoded TLS connection carried.
 * Each becomes one allocation event, with the owner of its process, its
 * server name and provider, bytes each way and duration, usage
 * "unobserved", and a problem naming why (the same word is the cost's
 * reason: no estimate is possible). A connection whose calls were decoded
 * never gets one.
 *
 * The kernel ties an AI socket to the TLS connection that writes through
 * it ("linked"); the ClientHello, the tie, the TLS library's events and the
 * socket's end arrive on two rings in any order, so a connection is judged
 * only dark_grace_ns after its end.
 */
#include <string.h>
#include "tt_abi.h"
#include "pipeline/pipeline_impl.h"

/* The name and provider of a record, from its ClientHello name. */
static void name_rec(struct tt_pipeline *p, struct tt_sock_rec *rec)
{
	char name[TT_SOCK_NAME_MAX + 1];
	size_t n = rec->s.name_len < TT_SOCK_NAME_MAX ? rec->s.name_len
						      : TT_SOCK_NAME_MAX;

	memcpy(name, rec->s.name, n);
	name[n] = '\0';
	rec->provider = n && !(rec->s.flags & TT_SOCKF_NAME_TRUNC)
				? tt_hosts_match(p->cfg.hosts, name) : NULL;
}

/* Forgets rec, giving back its process facts. */
static void drop_rec(struct tt_pipeline *p, struct tt_sock_rec *rec)
{
	if (rec->proc && p->ops.proc_put)
		p->ops.proc_put(p->ops_ctx, rec->proc);
	tt_socks_remove(p->socks, rec);
}

/* The address and port of an AI connection with a name. */
static void remember_peer(struct tt_pipeline *p, const struct tt_sock_rec *rec)
{
	struct tt_peer *slot = NULL, *oldest = &p->peers[0];

	for (size_t i = 0; i < TT_PEERS_MAX; i++) {
		struct tt_peer *e = &p->peers[i];

		if (e->family == rec->s.family && e->port == rec->s.dport &&
		    !memcmp(e->addr, rec->s.daddr, sizeof(e->addr))) {
			slot = e;
			break;
		}
		if (e->seen < oldest->seen)
			oldest = e;
	}
	if (!slot)
		slot = oldest;
	slot->family = rec->s.family;
	slot->port = rec->s.dport;
	memcpy(slot->addr, rec->s.daddr, sizeof(slot->addr));
	memcpy(slot->name, rec->s.name, sizeof(slot->name));
	slot->name_len = rec->s.name_len;
	slot->provider = rec->provider;
	slot->seen = ++p->peer_clock;
}

/* A connection older than the agent has no ClientHello to name it. When it
 * could not be decoded either (HTTP/2 joined mid-way), the only clue left
 * is where it goes: the address and port of a connection that did name an
 * AI host. Marked as such on the event ("address"), never taken for more. */
static void name_by_peer(struct tt_pipeline *p, struct tt_sock_rec *rec)
{
	for (size_t i = 0; i < TT_PEERS_MAX; i++) {
		const struct tt_peer *e = &p->peers[i];

		if (!e->seen || !e->provider || e->family != rec->s.family ||
		    e->port != rec->s.dport ||
		    memcmp(e->addr, rec->s.daddr, sizeof(e->addr)))
			continue;
		rec->provider = e->provider;
		memcpy(rec->s.name, e->name, sizeof(rec->s.name));
		rec->s.name_len = e->name_len;
		rec->name_by_address = 1;
		return;
	}
}

/* A TLS connection and the socket carrying it meet: each learns from the
 * other (the name, that it was decoded). */
static void meet(struct tt_pipeline *p, struct tt_sock_rec *rec,
		 struct tt_conn *conn)
{
	conn->sock_cookie = rec->s.cookie;
	/* Probes armed after the library's name call: the ClientHello's. */
	if (!conn->sni[0] && rec->s.name_len && rec->provider &&
	    !tt_conn_set_sni(conn, rec->s.name, rec->s.name_len))
		p->st.sock_named_conns++;
	if (conn->verdict == TT_VERDICT_CAPTURE && !rec->decoded) {
		rec->decoded = 1;
		tt_socks_stats(p->socks)->decoded++;
		/* A connection with no name that carries AI traffic (a
		 * record made for a connection older than the agent). */
		if (!rec->provider)
			rec->provider = conn->provider;
	} else if (conn->verdict == TT_VERDICT_FILTER && conn->reason &&
		   !strcmp(conn->reason, "h2_joined_midway")) {
		rec->undecodable = "joined_midway";
	}
}

void tt_dark_on_conn(struct tt_pipeline *p, struct tt_conn *conn)
{
	struct tt_sock_rec *rec = tt_socks_by_link(p->socks, conn->pid, conn->ptr);

	if (rec)
		meet(p, rec, conn);
}

/* The kernel tied rec to the TLS connection ptr of its process. */
static void link(struct tt_pipeline *p, struct tt_sock_rec *rec, uint64_t ptr)
{
	struct tt_sock_rec *held = tt_socks_by_link(p->socks, rec->s.tgid, ptr);
	struct tt_conn *conn;

	/* A connection seen from its ClientHello keeps its TLS connection
	 * against a record made later for one the agent did not see start:
	 * that one is not ours to book. */
	if (held && held != rec && !held->t_close && held->s.name_len &&
	    !rec->s.name_len) {
		drop_rec(p, rec);
		return;
	}
	tt_socks_link(p->socks, rec, rec->s.tgid, ptr);
	conn = tt_conntab_get(p->conns, rec->s.tgid, ptr, 0);
	if (conn)
		meet(p, rec, conn);
}

static struct tt_sock_rec *open_rec(struct tt_pipeline *p,
				    const struct tt_ev_sock *ev)
{
	struct tt_sock_rec *rec = tt_socks_add(p->socks, &ev->sock);

	if (!rec)
		return NULL;
	name_rec(p, rec);
	if (rec->provider)
		remember_peer(p, rec);
	/* A name the kernel could not decide that is no AI host after all:
	 * forgotten. Records without a name wait for their TLS side. */
	if (!rec->provider && rec->s.name_len) {
		tt_socks_stats(p->socks)->not_ai++;
		tt_socks_remove(p->socks, rec);
		return NULL;
	}
	/* Its process's facts (exe, environment, cgroup path: what owner
	 * rules match on) now, while it lives: a dark connection is booked
	 * after its end, often after the process has exited. */
	memcpy(rec->comm, ev->hdr.comm, sizeof(rec->comm));
	rec->comm[sizeof(rec->comm) - 1] = '\0';
	if (p->ops.proc_get)
		rec->proc = p->ops.proc_get(p->ops_ctx, rec->s.tgid, rec->s.cookie,
					    rec->s.cgroup_id, rec->comm);
	return rec;
}

void tt_dark_on_sock(struct tt_pipeline *p, const struct tt_ev_sock *ev)
{
	struct tt_sock_rec *rec = tt_socks_get(p->socks, ev->hdr.conn);

	if (!rec) {
		/* Any event may be the first the agent sees of a connection
		 * (a restart, a lost OPEN). */
		if (ev->what == TT_SOCK_EV_CLOSE && !ev->sock.name_len &&
		    !(ev->sock.flags & TT_SOCKF_LINKED))
			return;
		rec = open_rec(p, ev);
		if (!rec)
			return;
	}
	/* The kernel's view is the newer one, but a name it no longer holds
	 * stays. */
	if (ev->sock.name_len || !rec->s.name_len)
		rec->s = ev->sock;
	else
		rec->s.flags |= ev->sock.flags;
	switch (ev->what) {
	case TT_SOCK_EV_LINK:
		link(p, rec, ev->sock.tls_conn); /* may drop rec */
		return;
	case TT_SOCK_EV_CLOSE:
		rec->t_close = ev->hdr.ts_ns ? ev->hdr.ts_ns : 1;
		rec->bytes_sent = ev->bytes_sent;
		rec->bytes_received = ev->bytes_received;
		tt_socks_stats(p->socks)->closed++;
		break;
	default:
		break;
	}
	/* Linked before this agent saw it (a restart): tie it now. */
	if ((ev->sock.flags & TT_SOCKF_LINKED) && !rec->linked &&
	    ev->sock.tls_conn)
		link(p, rec, ev->sock.tls_conn);
}

/* Why a connection nobody decoded stayed dark. */
static const char *reason_of(struct tt_pipeline *p, const struct tt_sock_rec *rec)
{
	const char *r;

	if (rec->undecodable)
		return rec->undecodable;
	if (rec->s.flags & TT_SOCKF_PREEXISTING)
		return "joined_midway";
	r = p->ops.dark_reason ? p->ops.dark_reason(p->ops_ctx, rec) : NULL;
	return r ? r : "tls_not_traced";
}

static void emit_dark(struct tt_pipeline *p, struct tt_sock_rec *rec,
		      uint64_t end_ns)
{
	char name[TT_SOCK_NAME_MAX + 1];
	size_t n = rec->s.name_len < TT_SOCK_NAME_MAX ? rec->s.name_len
						      : TT_SOCK_NAME_MAX;
	struct tt_call call;
	struct tt_xrec xr;
	void *handle = rec->proc;

	memcpy(name, rec->s.name, n);
	name[n] = '\0';
	memset(&call, 0, sizeof(call));
	memset(&xr, 0, sizeof(xr));
	snprintf(call.provider, sizeof(call.provider), "%s",
		 rec->provider ? rec->provider : "");
	call.outcome = TT_OUT_UNKNOWN;
	call.attempt = -1;
	call.usage.input_tokens = call.usage.output_tokens = -1;
	call.usage.cache_read_input_tokens = -1;
	call.usage.cache_creation_input_tokens = -1;
	call.usage.reasoning_tokens = call.usage.total_tokens = -1;
	call.usage_status = TT_USAGE_UNOBSERVED;
	xr.call = &call;
	xr.host = name;
	xr.start_ns = tt_pipeline_real_ns(p, rec->s.t_connect);
	xr.end_ns = tt_pipeline_real_ns(p, end_ns > rec->s.t_connect
					       ? end_ns : rec->s.t_connect);
	xr.ttfb_ns = -1;
	xr.problem = reason_of(p, rec);
	xr.dark = 1;
	xr.bytes_sent = rec->bytes_sent;
	xr.bytes_received = rec->bytes_received;
	xr.name_source = rec->name_by_address ? "address" : "client_hello";
	xr.peer_family = rec->s.family == 10 ? 10 : rec->s.family == 2 ? 2 : 0;
	memcpy(xr.peer_addr, rec->s.daddr, rec->s.family == 10 ? 16 : 4);
	xr.peer_port = rec->s.dport;
	/* No facts taken at the start (their table was full): what the host
	 * still says now. */
	if (!handle && p->ops.proc_get)
		handle = p->ops.proc_get(p->ops_ctx, rec->s.tgid, rec->s.cookie,
					 rec->s.cgroup_id, rec->comm);
	tt_pipeline_emit(p, &xr, handle, rec->s.tgid, rec->comm,
			 rec->s.cgroup_id);
	if (handle && handle != rec->proc && p->ops.proc_put)
		p->ops.proc_put(p->ops_ctx, handle);
	tt_socks_stats(p->socks)->dark++;
}

/*
 * The kernel ties a socket to its TLS connection at the segment that
 * carries its thread's last TLS write, if that write is at most
 * LINK_WINDOW_NS old (bpf/observer.bpf.h): a thread preempted between the
 * two (a loaded host, a CPU-throttled container) leaves a socket whose
 * calls were decoded untied, and it would be booked dark as well. Before
 * a socket is booked, it takes a decoded TLS connection of its process
 * that no socket carried and whose first byte moved while it was open:
 * one each, so the counts stay right when several are untied.
 */
void tt_dark_on_conn_end(struct tt_pipeline *p, const struct tt_conn *conn)
{
	struct tt_orphan *o;

	if (conn->verdict != TT_VERDICT_CAPTURE || conn->sock_cookie ||
	    !conn->t_first_ns)
		return;
	o = &p->orphans[p->norphans++ & (TT_ORPHANS_MAX - 1)];
	o->pid = conn->pid;
	o->t_first_ns = conn->t_first_ns;
}

struct claim_ctx {
	struct tt_pipeline *p;
	struct tt_sock_rec *rec;
	uint64_t end;
};

static int within(const struct claim_ctx *cc, uint64_t t)
{
	return t >= cc->rec->s.t_connect && t <= cc->end;
}

static void claim_live(struct tt_conn *conn, void *arg)
{
	struct claim_ctx *cc = arg;

	if (!cc->rec->decoded && conn->verdict == TT_VERDICT_CAPTURE &&
	    !conn->sock_cookie && within(cc, conn->t_first_ns))
		meet(cc->p, cc->rec, conn);
}

/* Returns 1 when rec took a decoded TLS connection (see above). */
static int claim_orphan(struct tt_pipeline *p, struct tt_sock_rec *rec,
			uint64_t end)
{
	struct claim_ctx cc = { p, rec, end };

	tt_conntab_each(p->conns, rec->s.tgid, claim_live, &cc);
	for (size_t i = 0; !rec->decoded && i < TT_ORPHANS_MAX; i++) {
		struct tt_orphan *o = &p->orphans[i];

		if (o->pid == rec->s.tgid && within(&cc, o->t_first_ns)) {
			o->pid = 0;
			rec->decoded = 1;
			tt_socks_stats(p->socks)->decoded++;
		}
	}
	if (rec->decoded)
		tt_socks_stats(p->socks)->tied_late++;
	return rec->decoded;
}

struct flush_ctx {
	struct tt_pipeline *p;
	uint64_t now;
	int all;
};

static void flush_one(struct tt_sock_rec *rec, void *arg)
{
	struct flush_ctx *fc = arg;
	struct tt_pipeline *p = fc->p;
	uint64_t end = rec->t_close;

	if (!end) {
		if (!fc->all)
			return; /* still open */
		end = p->last_now > rec->s.t_connect ? p->last_now : rec->s.t_connect;
	} else if (fc->now != UINT64_MAX &&
		   fc->now - end < p->cfg.dark_grace_ns) {
		return; /* its TLS side may still be on its way */
	}
	if (!rec->provider && rec->undecodable && !rec->decoded)
		name_by_peer(p, rec);
	if (rec->provider && !rec->decoded && (rec->linked ||
					       !claim_orphan(p, rec, end)))
		emit_dark(p, rec, end);
	drop_rec(p, rec);
}

void tt_dark_flush(struct tt_pipeline *p, uint64_t now_ns, int all)
{
	struct flush_ctx fc = { p, now_ns, all };

	if (now_ns != UINT64_MAX)
		p->last_now = now_ns;
	tt_socks_each(p->socks, flush_one, &fc);
}

static void drop_each(struct tt_sock_rec *rec, void *arg)
{
	drop_rec(arg, rec);
}

void tt_dark_free(struct tt_pipeline *p)
{
	tt_socks_each(p->socks, drop_each, p);
}
