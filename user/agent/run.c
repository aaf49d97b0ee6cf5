// SPDX-License-Identifier: MIT
/*
 * `tokentap run`: the agent loop. Loads the capture, attaches to every TLS
 * library in use, classifies each connection from its server name or first
 * request and tells the kernel to stop capturing non-AI connections, and
 * writes one record per captured connection.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tt_abi.h"
#include "pipeline/classify.h"
#include "config/config.h"
#include "pipeline/conntab.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "alloc/event.h"
#include "agent/attach.h"
#include "agent/cgroups.h"
#include "agent/procinfo.h"
#include "agent/calls.h"
#include "agent/capture.h"
#include "agent/output.h"
#include "agent/otlp_export.h"
#include "agent/prom.h"
#include "agent/run.h"

struct agent_stats {
	uint64_t events, bad_events, untracked_events, after_filter_events;
	uint64_t conns_captured, conns_filtered, conns_unclassified;
	uint64_t records, verdict_errors, proc_events, swept;
	uint64_t h2_midway; /* HTTP/2 connections joined mid-way: undecodable */
	uint64_t reloads_ok, reloads_failed;
};

struct agent {
	const struct tt_run_opts *opts;
	struct tt_config cfg;
	struct tt_pricing prices; /* loaded with the config; used by allocation */
	struct tt_capture cap;
	struct tt_attach *am;
	struct tt_conntab *conns;
	struct tt_output out;
	struct tt_calls calls;  /* decoding of captured connections */
	struct tt_alloc alloc;  /* owners, environments, prices */
	struct tt_cgroups *cgroups;
	struct tt_procs *procs;
	const char *keep_headers[TT_DECL_ROLES + 1];
	char hostname[256];
	int64_t mono_to_real_ns; /* add to bpf_ktime_get_ns() for wall time */
	struct agent_stats st;
	struct tt_prom *prom;   /* the metrics endpoint, or NULL (off) */
	struct tt_otlp_export *otlp; /* OTLP export, or NULL (off) */
	uint32_t self_pid;
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static cJSON *dir_json(const struct tt_conn *conn, int dir)
{
	const struct tt_dirstat *ds = &conn->dir[dir];
	cJSON *o = cJSON_CreateObject();
	char hex[65];

	cJSON_AddNumberToObject(o, "bytes", (double)ds->bytes);
	cJSON_AddNumberToObject(o, "captured_bytes", (double)ds->cap_bytes);
	cJSON_AddNumberToObject(o, "gap_bytes", (double)ds->gap_bytes);
	cJSON_AddNumberToObject(o, "events", (double)ds->calls);
	tt_conn_digest_hex(conn, dir, hex);
	if (hex[0])
		cJSON_AddStringToObject(o, "sha256", hex);
	return o;
}

/* One record per captured connection. Names and counts only: never a
 * header value other than Host, never a body byte. */
static void emit_record(struct agent *a, const struct tt_conn *conn,
			const char *end)
{
	cJSON *o = cJSON_CreateObject();
	char when[40];

	cJSON_AddStringToObject(o, "type", "connection");
	cJSON_AddNumberToObject(o, "version", 1);
	tt_record_time((uint64_t)((int64_t)conn->t_first_ns + a->mono_to_real_ns),
		       when);
	cJSON_AddStringToObject(o, "start", when);
	cJSON_AddNumberToObject(o, "duration_ms",
				(double)(conn->t_last_ns - conn->t_first_ns) / 1e6);
	cJSON_AddNumberToObject(o, "pid", conn->pid);
	cJSON_AddNumberToObject(o, "tid", conn->tid);
	cJSON_AddStringToObject(o, "comm", conn->comm);
	cJSON_AddNumberToObject(o, "cgroup_id", (double)conn->cgroup_id);
	cJSON_AddStringToObject(o, "library", "openssl");
	cJSON_AddStringToObject(o, "server_name", conn->sni);
	cJSON_AddStringToObject(o, "provider",
				conn->cls.provider ? conn->cls.provider : "");
	cJSON_AddStringToObject(o, "classified_by", conn->cls.reason);
	if (conn->cls.req.method[0]) {
		cJSON *req = cJSON_AddObjectToObject(o, "first_request");

		cJSON_AddStringToObject(req, "method", conn->cls.req.method);
		cJSON_AddStringToObject(req, "path", conn->cls.req.path);
		cJSON_AddStringToObject(req, "host", conn->cls.req.host);
	}
	cJSON_AddItemToObject(o, "egress", dir_json(conn, TT_DIR_EGRESS));
	cJSON_AddItemToObject(o, "ingress", dir_json(conn, TT_DIR_INGRESS));
	cJSON_AddStringToObject(o, "end", end);
	tt_output_write(&a->out, o);
	cJSON_Delete(o);
	a->st.records++;
}

/* final_off: the kernel's stream offsets at the end, or NULL to read them
 * from the conns map (exit, agent stop: the entry is still there). */
static void finish_conn(struct agent *a, struct tt_conn *conn, const char *end,
			const uint64_t *final_off)
{
	uint64_t off[2];

	if (!final_off && !tt_capture_conn_offsets(&a->cap, conn->pid,
						   conn->ptr, off))
		final_off = off;
	if (final_off && conn->verdict == TT_VERDICT_CAPTURE) {
		/* Events lost at the very end leave no offset jump behind. */
		tt_conn_account_end(a->conns, conn, TT_DIR_EGRESS,
				    final_off[TT_DIR_EGRESS]);
		tt_conn_account_end(a->conns, conn, TT_DIR_INGRESS,
				    final_off[TT_DIR_INGRESS]);
	}
	if (conn->verdict == TT_VERDICT_CAPTURE) {
		tt_calls_end(&a->calls, conn, conn->t_last_ns);
		if (a->opts->connection_records)
			emit_record(a, conn, end);
	} else if (conn->verdict == TT_VERDICT_PENDING)
		a->st.conns_unclassified++;
	tt_conntab_remove(a->conns, conn);
}

static void classify(struct agent *a, struct tt_conn *conn)
{
	int ret = tt_classify(&a->cfg.hosts, conn->sni, conn->first_dir,
			      conn->peek, conn->peek_len, &conn->cls);

	if (ret == -EAGAIN)
		return;
	conn->verdict = conn->cls.verdict;
	if (conn->verdict == TT_VERDICT_CAPTURE)
		tt_calls_start(&a->calls, conn, conn->t_last_ns);
	tt_conn_peek_drop(conn);
	if (conn->verdict == TT_VERDICT_CAPTURE)
		a->st.conns_captured++;
	else
		a->st.conns_filtered++;
	if (!strcmp(conn->cls.reason, "h2_joined_midway"))
		a->st.h2_midway++;
	tt_dbg("conn pid %u %s: %s (%s), %.3f ms after its first event",
	       conn->pid, conn->sni[0] ? conn->sni : "-",
	       conn->verdict == TT_VERDICT_CAPTURE ? "capture" : "filter",
	       conn->cls.reason,
	       (double)(clock_ns(CLOCK_MONOTONIC) - (int64_t)conn->t_first_ns) / 1e6);
	/* PENDING already captures: only a filter verdict changes the kernel. */
	if (conn->verdict == TT_VERDICT_FILTER &&
	    tt_capture_set_verdict(&a->cap, conn->pid, conn->ptr, conn->verdict))
		a->st.verdict_errors++;
}

static struct tt_conn *conn_for(struct agent *a, const struct tt_ev_hdr *h)
{
	struct tt_conn *conn = tt_conntab_get(a->conns, h->pid, h->conn, 1);

	if (!conn) {
		/* Table full: nothing would read this connection's bytes, so
		 * stop the kernel copying them. Counted, never silent. */
		a->st.untracked_events++;
		if (tt_capture_set_verdict(&a->cap, h->pid, h->conn,
					   TT_VERDICT_FILTER))
			a->st.verdict_errors++;
		return NULL;
	}
	if (!conn->t_first_ns) {
		conn->t_first_ns = h->ts_ns;
		conn->tid = h->tid;
		conn->cgroup_id = h->cgroup_id;
		memcpy(conn->comm, h->comm, sizeof(conn->comm));
		conn->comm[sizeof(conn->comm) - 1] = '\0';
	}
	conn->t_last_ns = h->ts_ns;
	return conn;
}

static void on_data(struct agent *a, const struct tt_ev_data *ev, size_t size)
{
	struct tt_conn *conn;
	int dir = ev->hdr.dir & 1;
	uint64_t next_off;

	if (size < TT_EV_DATA_HDR_SIZE || ev->cap_len > ev->len ||
	    size < TT_EV_DATA_SIZE(ev->cap_len)) {
		a->st.bad_events++;
		return;
	}
	conn = conn_for(a, &ev->hdr);
	if (!conn)
		return;
	if (conn->verdict == TT_VERDICT_FILTER) {
		a->st.after_filter_events++; /* sent before the verdict landed */
		return;
	}
	if (conn->first_dir < 0)
		conn->first_dir = dir;
	next_off = conn->dir[dir].next_off;
	tt_conn_account(a->conns, conn, dir, ev->stream_off, ev->len, ev->data,
			ev->cap_len);
	if (conn->verdict == TT_VERDICT_CAPTURE)
		tt_calls_data(&a->calls, conn, dir, ev->hdr.ts_ns, next_off,
			      ev->stream_off, ev->len, ev->data, ev->cap_len);
	if (conn->verdict != TT_VERDICT_PENDING) {
		/* Classified by SNI before any data: note the request line. */
		if (dir == TT_DIR_EGRESS && ev->stream_off == 0 && ev->cap_len &&
		    !conn->cls.req.method[0])
			tt_http_peek_request(ev->data, ev->cap_len, &conn->cls.req);
		return;
	}
	if (dir == TT_DIR_EGRESS && ev->cap_len &&
	    tt_conn_peek_append(conn, ev->data, ev->cap_len))
		return;
	if (dir == TT_DIR_INGRESS && ev->cap_len == ev->len &&
	    tt_conn_ipeek_append(conn, ev->stream_off, ev->data, ev->cap_len))
		return;
	classify(a, conn);
}

static void on_sni(struct agent *a, const struct tt_ev_sni *ev, size_t size)
{
	struct tt_conn *conn;
	size_t n;

	if (size < sizeof(*ev)) {
		a->st.bad_events++;
		return;
	}
	conn = conn_for(a, &ev->hdr);
	if (!conn)
		return;
	n = ev->name_len < sizeof(conn->sni) - 1 ? ev->name_len : sizeof(conn->sni) - 1;
	memcpy(conn->sni, ev->name, n);
	conn->sni[n] = '\0';
	if (conn->verdict == TT_VERDICT_PENDING)
		classify(a, conn);
}

struct exit_ctx {
	struct agent *a;
};

static void finish_exited(struct tt_conn *conn, void *arg)
{
	struct exit_ctx *ec = arg;

	finish_conn(ec->a, conn, "exit", NULL);
}

static void finish_stopped(struct tt_conn *conn, void *arg)
{
	struct exit_ctx *ec = arg;

	finish_conn(ec->a, conn, "agent_stop", NULL);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	const struct tt_ev_hdr *h = data;
	struct exit_ctx ec = { a };
	struct tt_conn *conn;

	a->st.events++;
	if (size < sizeof(*h)) {
		a->st.bad_events++;
		return 0;
	}
	if (h->pid == a->self_pid &&
	    (h->type == TT_EV_DATA || h->type == TT_EV_SNI)) {
		/* The agent's own TLS (OTLP to an https collector): never
		 * decoded, so an export can never export itself. */
		tt_capture_set_verdict(&a->cap, h->pid, h->conn,
				       TT_VERDICT_FILTER);
		return 0;
	}
	switch (h->type) {
	case TT_EV_DATA:
		on_data(a, data, size);
		break;
	case TT_EV_SNI:
		on_sni(a, data, size);
		break;
	case TT_EV_CLOSE:
		if (size < sizeof(struct tt_ev_close)) {
			a->st.bad_events++;
			break;
		}
		conn = tt_conntab_get(a->conns, h->pid, h->conn, 0);
		if (conn) {
			const struct tt_ev_close *ce = data;
			uint64_t off[2] = { ce->off[0], ce->off[1] };

			conn->t_last_ns = h->ts_ns;
			finish_conn(a, conn, "close", off);
		}
		break;
	case TT_EV_EXIT:
		tt_conntab_each(a->conns, h->pid, finish_exited, &ec);
		break;
	case TT_EV_EXEC:
	case TT_EV_LIBLOAD:
		a->st.proc_events++;
		tt_attach_scan_pid(a->am, (pid_t)h->pid);
		break;
	default:
		a->st.bad_events++;
	}
	return 0;
}

#define ADD(o, name, v) cJSON_AddNumberToObject(o, name, (double)(v))

static void alloc_stats_json(const struct agent *a, cJSON *o)
{
	const struct tt_alloc_stats *s = &a->alloc.st;
	cJSON *p = cJSON_AddObjectToObject(o, "pricing");
	cJSON *f = cJSON_AddObjectToObject(o, "process_facts");

	ADD(o, "events", s->events);
	ADD(o, "events_too_big", s->too_big);
	ADD(o, "allocated", s->allocated);
	ADD(o, "unallocated", s->unallocated);
	ADD(o, "environment_mismatch", s->env_mismatch);
	ADD(o, "declared_truncated", s->declared_truncated);
	ADD(p, "priced", s->pricing.priced);
	ADD(p, "unknown_model", s->pricing.unknown_model);
	ADD(p, "no_usage", s->pricing.no_usage);
	ADD(p, "missing_rate", s->pricing.missing_rate);
	ADD(p, "fallback", s->pricing.fallback);
	ADD(p, "inconsistent_usage", s->pricing.inconsistent);
	ADD(p, "no_price_table", s->no_price_table);
	if (a->procs) {
		const struct tt_procinfo_stats *ps = tt_procs_stats(a->procs);

		ADD(f, "gathered", ps->gathered);
		ADD(f, "table_full", ps->table_full);
		ADD(f, "exe_errors", ps->exe_errors);
		ADD(f, "environ_errors", ps->environ_errors);
		ADD(f, "environ_truncated", ps->environ_truncated);
		ADD(f, "cgroup_from_proc", ps->cgroup_from_proc);
		ADD(f, "cgroup_unknown", ps->cgroup_unknown);
		ADD(f, "pod_pending", ps->pod_pending);
		ADD(f, "docker_reads", ps->docker_reads);
		ADD(f, "docker_errors", ps->docker_errors);
	}
	if (a->cgroups) {
		const struct tt_cgroups_stats *cs = tt_cgroups_stats(a->cgroups);
		cJSON *c = cJSON_AddObjectToObject(o, "cgroups");

		ADD(c, "hits", cs->hits);
		ADD(c, "misses", cs->misses);
		ADD(c, "rescans", cs->rescans);
		ADD(c, "rescans_limited", cs->rescans_limited);
		ADD(c, "not_found", cs->not_found);
		ADD(c, "cache_full", cs->cache_full);
		ADD(c, "walk_capped", cs->walk_capped);
		ADD(c, "walk_errors", cs->walk_errors);
		ADD(c, "path_too_long", cs->path_too_long);
		ADD(c, "pod_hits", cs->pod_hits);
		ADD(c, "pod_misses", cs->pod_misses);
		ADD(c, "pod_cache_full", cs->pod_cache_full);
		ADD(c, "pod_not_found", cs->pod_not_found);
	}
}

static void emit_stats(struct agent *a)
{
	uint64_t bpf[TT_C_MAX] = { 0 };
	struct tt_conntab_stats cs;
	struct tt_attach_stats as;
	cJSON *o = cJSON_CreateObject(), *c, *at;

	tt_conntab_get_stats(a->conns, &cs);
	tt_attach_get_stats(a->am, &as);
	cJSON_AddStringToObject(o, "type", "agent_stats");
	cJSON_AddNumberToObject(o, "version", 1);
	c = cJSON_AddObjectToObject(o, "capture");
	if (!tt_capture_counters(&a->cap, bpf))
		for (int i = 0; i < TT_C_MAX; i++)
			ADD(c, tt_counter_names[i], bpf[i]);
	ADD(c, "events", a->st.events);
	ADD(c, "bad_events", a->st.bad_events);
	ADD(c, "untracked_events", a->st.untracked_events);
	ADD(c, "events_after_filter", a->st.after_filter_events);
	ADD(c, "connections_captured", a->st.conns_captured);
	ADD(c, "connections_filtered", a->st.conns_filtered);
	ADD(c, "connections_unclassified", a->st.conns_unclassified);
	ADD(c, "h2_connections_joined_midway", a->st.h2_midway);
	ADD(c, "config_reloads", a->st.reloads_ok);
	ADD(c, "config_reloads_failed", a->st.reloads_failed);
	ADD(c, "connections_live", cs.live);
	ADD(c, "connection_table_full", cs.table_full);
	ADD(c, "stream_gap_bytes", cs.gap_bytes);
	ADD(c, "stream_duplicate_bytes", cs.dup_bytes);
	ADD(c, "verdict_errors", a->st.verdict_errors);
	ADD(c, "conn_map_swept", a->st.swept);
	ADD(c, "records", a->st.records);
	at = cJSON_AddObjectToObject(o, "attach");
	ADD(at, "targets", tt_attach_count(a->am));
	ADD(at, "attached", as.attached);
	ADD(at, "attach_failed", as.attach_failed);
	ADD(at, "files_checked", as.files_checked);
	ADD(at, "pids_scanned", as.pids_scanned);
	ADD(at, "process_events", a->st.proc_events);
	ADD(at, "seen_table_full", as.seen_full);
	ADD(at, "targets_table_full", as.targets_full);
	tt_calls_stats_json(&a->calls, cJSON_AddObjectToObject(o, "decode"));
	alloc_stats_json(a, cJSON_AddObjectToObject(o, "allocation"));
	if (a->otlp)
		tt_otlp_export_stats_json(a->otlp, cJSON_AddObjectToObject(o, "otlp"));
	tt_output_write(&a->out, o);
	if (bpf[TT_C_RB_LOST_EVENTS])
		tt_warn("ring buffer full: %llu events lost (raise capture.ringbuf_bytes)",
			(unsigned long long)bpf[TT_C_RB_LOST_EVENTS]);
	tt_info("stopped: %llu connections captured, %llu filtered, %llu events",
		(unsigned long long)a->st.conns_captured,
		(unsigned long long)a->st.conns_filtered,
		(unsigned long long)a->calls.records);
	cJSON_Delete(o);
}

/* A scrape waits: the counters behind the health metrics (prom.h). */
static void publish_metrics(struct agent *a)
{
	struct tt_health h = { 0 };

	tt_capture_counters(&a->cap, h.bpf);
	h.events = a->st.events;
	h.bad_events = a->st.bad_events;
	h.untracked_events = a->st.untracked_events;
	h.after_filter_events = a->st.after_filter_events;
	h.conns_captured = a->st.conns_captured;
	h.conns_filtered = a->st.conns_filtered;
	h.conns_unclassified = a->st.conns_unclassified;
	h.h2_midway = a->st.h2_midway;
	h.verdict_errors = a->st.verdict_errors;
	h.reloads_ok = a->st.reloads_ok;
	h.reloads_failed = a->st.reloads_failed;
	tt_conntab_get_stats(a->conns, &h.conns);
	tt_prom_fill(&h, &a->calls, a->am, a->procs, a->cgroups);
	tt_prom_publish(a->prom, &h);
}

static int write_ready(const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

static int load_config(struct agent *a)
{
	const struct tt_run_opts *o = a->opts;
	char err[512];

	const char *path = NULL;

	tt_config_defaults(&a->cfg);
	if (o->config_path || !access(TT_DEFAULT_CONFIG, F_OK))
		path = o->config_path ? o->config_path : TT_DEFAULT_CONFIG;
	if (tt_settings_load(path, &a->cfg, &a->prices, err, sizeof(err))) {
		tt_err("config %s: %s", path ? path : "(defaults)", err);
		return -EINVAL;
	}
	if (path)
		tt_info("config: %s (%zu host rules, %zu owner rules)", path,
			a->cfg.hosts.n, a->cfg.owners.n);
	if (a->cfg.prices_path[0])
		tt_info("prices: %s version %s (%s list prices, snapshot %s)",
			a->cfg.prices_path, a->prices.version,
			a->prices.currency, a->prices.snapshot_date);
	else
		tt_warn("no price table: events will carry no cost "
			"(set pricing.table in the config)");
	if (o->ringbuf_bytes)
		a->cfg.ringbuf_bytes = o->ringbuf_bytes;
	return 0;
}

/* Owners, prices and the process facts behind them. No cgroup2 mount is
 * not fatal here (capture needs none): paths then come from /proc. */
static int setup_alloc(struct agent *a)
{
	const struct tt_config *c = &a->cfg;
	int err;

	if (gethostname(a->hostname, sizeof(a->hostname) - 1))
		snprintf(a->hostname, sizeof(a->hostname), "unknown");
	a->alloc.host = a->hostname;
	a->alloc.rules = &a->cfg.owners;
	a->alloc.prices = c->prices_path[0] ? &a->prices : NULL;
	a->alloc.prices_path = c->prices_path;
	a->alloc.declared = (const char (*)[TT_RULE_KEY_MAX])a->cfg.declared;
	tt_alloc_keep_headers(a->alloc.declared, a->keep_headers);
	err = tt_cgroups_new(c->cgroup_root[0] ? c->cgroup_root : NULL,
			     c->pods_log_dir, &a->cgroups);
	if (err)
		tt_warn("cgroup paths: %s (reading /proc/<pid>/cgroup instead)",
			strerror(-err));
	a->procs = tt_procs_new(a->cgroups, &a->cfg.env_allow, c->docker_dir);
	if (!a->procs)
		return -ENOMEM;
	a->calls.alloc = &a->alloc;
	a->calls.procs = a->procs;
	a->calls.keep_headers = a->keep_headers;
	return 0;
}

/* tokentap.capture.lost for the exporter thread (a map read). */
static int lost_events(void *ctx, uint64_t *lost)
{
	struct agent *a = ctx;
	uint64_t bpf[TT_C_MAX] = { 0 };
	int err = a->cap.skel ? tt_capture_counters(&a->cap, bpf) : -ENODEV;

	*lost = bpf[TT_C_RB_LOST_EVENTS];
	return err;
}

/* OTLP export (docs/otlp.md): --otlp-endpoint, else otlp.endpoint. */
static int setup_otlp(struct agent *a)
{
	struct tt_otlp_config c = a->cfg.otlp;
	char err[512];

	a->self_pid = (uint32_t)getpid();
	if (a->opts->otlp_endpoint)
		snprintf(c.endpoint, sizeof(c.endpoint), "%s",
			 a->opts->otlp_endpoint);
	if (!c.endpoint[0])
		return 0;
	a->otlp = tt_otlp_export_start(&c, a->hostname, lost_events, a, err,
				       sizeof(err));
	if (!a->otlp) {
		tt_err("otlp: %s", err);
		return -EINVAL;
	}
	a->calls.otlp = a->otlp;
	tt_info("otlp: exporting to %s (spool %s)", c.endpoint,
		c.spool_max_bytes ? c.spool_dir : "off");
	return 0;
}

static int setup(struct agent *a)
{
	int err;

	err = load_config(a);
	if (!err)
		err = setup_alloc(a);
	if (err)
		return err;
	/* Bound early: a busy port stops the start before any probe. */
	err = tt_prom_open(a->opts->metrics_listen ? a->opts->metrics_listen
			   : a->cfg.metrics_listen[0] ? a->cfg.metrics_listen : NULL,
			   &a->prom);
	if (err)
		return err;
	a->calls.metrics = tt_prom_calls(a->prom);
	a->mono_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	a->calls.mono_to_real_ns = a->mono_to_real_ns;
	a->calls.out = &a->out;
	a->conns = tt_conntab_new(a->cfg.max_connections, a->opts->stream_digest);
	if (!a->conns)
		return -ENOMEM;
	err = tt_output_open(&a->out, a->opts->events_path,
			     a->opts->events_max_bytes, a->opts->events_keep);
	if (err) {
		tt_err("events %s: %s", a->opts->events_path, strerror(-err));
		return err;
	}
	tt_capture_setup_libbpf_log();
	err = tt_capture_open(&a->cap, a->cfg.ringbuf_bytes, on_event, a);
	if (err)
		return err;
	err = tt_capture_load_sni_rules(&a->cap, &a->cfg.hosts);
	if (err) {
		tt_err("cannot load server-name rules: %s", strerror(-err));
		return err;
	}
	a->am = tt_attach_new(a->cap.skel);
	if (!a->am)
		return -ENOMEM;
	/* On-disk libraries first, so the scan below only adds copies. */
	if (a->cfg.attach_all_libraries)
		tt_attach_scan_system(a->am);
	tt_attach_scan_all(a->am);
	tt_info("ready: %zu TLS files attached, ring buffer %zu bytes",
		tt_attach_count(a->am), a->cfg.ringbuf_bytes);
	err = setup_otlp(a);
	if (err)
		return err;
	if (a->opts->ready_file && (err = write_ready(a->opts->ready_file))) {
		tt_err("ready file %s: %s", a->opts->ready_file, strerror(-err));
		return err;
	}
	return 0;
}

/*
 * SIGHUP: the config file (and the price table it names) read again, all
 * or nothing. A bad one is reported and the running one kept. Owners,
 * key environments, environment variables, declared headers, prices and
 * endpoints apply to the next call (facts already read for a running
 * process keep the old variable list); what is sized or opened at start
 * (capture, host paths) needs a restart and keeps its running value.
 */
static void reload(struct agent *a)
{
	const char *path = a->opts->config_path ? a->opts->config_path
						: TT_DEFAULT_CONFIG;
	struct tt_config *next = malloc(sizeof(*next));
	struct tt_pricing prices;
	char err[512];

	if (!next) {
		a->st.reloads_failed++;
		return;
	}
	tt_config_defaults(next);
	if (tt_settings_load(access(path, F_OK) && !a->opts->config_path ? NULL : path,
			     next, &prices, err, sizeof(err))) {
		tt_err("reload: %s: %s; keeping the running configuration", path, err);
		a->st.reloads_failed++;
		tt_config_free(next);
		free(next);
		return;
	}
	if (next->ringbuf_bytes != a->cfg.ringbuf_bytes ||
	    next->max_connections != a->cfg.max_connections ||
	    next->attach_all_libraries != a->cfg.attach_all_libraries ||
	    strcmp(next->cgroup_root, a->cfg.cgroup_root) ||
	    strcmp(next->pods_log_dir, a->cfg.pods_log_dir) ||
	    strcmp(next->docker_dir, a->cfg.docker_dir) ||
	    strcmp(next->metrics_listen, a->cfg.metrics_listen) ||
	    memcmp(&next->otlp, &a->cfg.otlp, sizeof(next->otlp)))
		tt_warn("reload: capture, host and metrics settings apply at the next start");
	next->ringbuf_bytes = a->cfg.ringbuf_bytes;
	next->max_connections = a->cfg.max_connections;
	next->attach_all_libraries = a->cfg.attach_all_libraries;
	memcpy(next->cgroup_root, a->cfg.cgroup_root, sizeof(next->cgroup_root));
	memcpy(next->pods_log_dir, a->cfg.pods_log_dir, sizeof(next->pods_log_dir));
	memcpy(next->docker_dir, a->cfg.docker_dir, sizeof(next->docker_dir));
	memcpy(next->metrics_listen, a->cfg.metrics_listen,
	       sizeof(next->metrics_listen));
	next->otlp = a->cfg.otlp;
	/* Swapped in place: the allocation context, the process facts and
	 * every decoder point into a->cfg and a->prices. */
	tt_config_free(&a->cfg);
	a->cfg = *next;
	free(next);
	tt_pricing_free(&a->prices);
	a->prices = prices;
	a->alloc.prices = a->cfg.prices_path[0] ? &a->prices : NULL;
	tt_alloc_keep_headers(a->alloc.declared, a->keep_headers);
	if (tt_capture_load_sni_rules(&a->cap, &a->cfg.hosts))
		tt_warn("reload: server-name rules not reloaded in the kernel");
	a->st.reloads_ok++;
	tt_info("reload: %s (%zu host rules, %zu owner rules, prices %s)", path,
		a->cfg.hosts.n, a->cfg.owners.n,
		a->cfg.prices_path[0] ? a->prices.version : "none");
}

/* Data events do not wake the agent one by one (see data_wakeup_bytes):
 * this bounds how long they wait, and so how soon a connection without a
 * server name is classified. */
#define TT_POLL_MS 20

static void loop(struct agent *a)
{
	int64_t start = clock_ns(CLOCK_MONOTONIC), last_sweep = start;
	int64_t limit = a->opts->duration > 0
				? start + (int64_t)(a->opts->duration * 1e9) : 0;

	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			reload(a);
		}
		int64_t now;
		int ret = tt_capture_poll(&a->cap, TT_POLL_MS);

		tt_output_flush(&a->out); /* records are never older than this */
		if (a->prom && tt_prom_wanted(a->prom))
			publish_metrics(a);

		if (ret < 0 && ret != -EINTR) {
			tt_err("ring buffer poll: %s", strerror(-ret));
			break;
		}
		now = clock_ns(CLOCK_MONOTONIC);
		if (limit && now >= limit)
			break;
		if (now - last_sweep > 10000000000LL) {
			a->st.swept += (uint64_t)tt_capture_sweep(&a->cap);
			last_sweep = now;
		}
	}
	/* Drain what the kernel already wrote before reporting. */
	tt_capture_poll(&a->cap, 0);
}

int tt_run(const struct tt_run_opts *opts)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct sigaction sa = { .sa_handler = on_signal };
	struct exit_ctx ec;
	int err;

	if (!a)
		return -ENOMEM;
	a->opts = opts;
	ec.a = a;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = setup(a);
	if (!err) {
		loop(a);
		tt_conntab_each(a->conns, 0, finish_stopped, &ec);
		tt_otlp_export_stop(a->otlp); /* its counters are final */
		emit_stats(a);
	}
	tt_prom_close(a->prom);
	tt_otlp_export_free(a->otlp);
	tt_attach_free(a->am);
	if (a->cap.skel)
		tt_capture_close(&a->cap);
	tt_output_close(&a->out);
	tt_conntab_free(a->conns);
	tt_procs_free(a->procs);
	tt_cgroups_free(a->cgroups);
	tt_config_free(&a->cfg);
	tt_pricing_free(&a->prices);
	free(a);
	return err;
}
