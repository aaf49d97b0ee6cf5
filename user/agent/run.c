// SPDX-License-Identifier: MIT
/*
 * `tokentap run`: the agent loop. Loads the capture, attaches to every TLS
 * library in use and feeds the capture records to the pipeline core
 * (pipeline/pipeline.h), which classifies connections, decodes the AI ones
 * and hands each call's allocation event to the sinks: the ledger, the
 * Prometheus endpoint and OTLP.
 */
#include <errno.h>
#include <malloc.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include "tt_abi.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "util/log.h"
#include "alloc/event.h"
#include "agent/attach.h"
#include "agent/cgroups.h"
#include "agent/procinfo.h"
#include "agent/scope.h"
#include "agent/capture.h"
#include "agent/output.h"
#include "agent/otlp_export.h"
#include "agent/prom.h"
#include "agent/budget_recover.h"
#include "agent/stats.h"
#include "agent/run.h"

struct agent {
	const struct tt_run_opts *opts;
	struct tt_config cfg;
	struct tt_pricing prices; /* loaded with the config; used by allocation */
	struct tt_capture cap;
	struct tt_attach *am;
	struct tt_scope *scope;   /* which processes get probes (scoped mode) */
	struct tt_pipeline *pipe; /* connections, decoding, events */
	struct tt_output out;
	struct tt_alloc alloc;  /* owners, environments, prices */
	struct tt_cgroups *cgroups;
	struct tt_procs *procs;
	const char *keep_headers[TT_ALLOC_KEEP_MAX];
	/* The request body hash key: drawn at start, never written. */
	uint8_t body_key[TT_SIPHASH_KEY];
	char hostname[256];
	int64_t mono_to_real_ns; /* add to bpf_ktime_get_ns() for wall time */
	struct tt_loop_stats st;
	struct tt_prom *prom;   /* the metrics endpoint, or NULL (off) */
	struct tt_otlp_export *otlp; /* OTLP export, or NULL (off) */
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

/* ---- what the pipeline asks of the host (struct tt_pipeline_ops) ---- */

static int op_set_verdict(void *ctx, uint32_t pid, uint64_t conn, int verdict)
{
	struct agent *a = ctx;

	return tt_capture_set_verdict(&a->cap, pid, conn, verdict);
}

static int op_conn_offsets(void *ctx, uint32_t pid, uint64_t conn,
			   uint64_t off[2])
{
	struct agent *a = ctx;

	return tt_capture_conn_offsets(&a->cap, pid, conn, off);
}

static void *op_proc_get(void *ctx, uint32_t pid, uint64_t key,
			 uint64_t cgroup_id, const char *comm)
{
	struct agent *a = ctx;

	(void)key;
	return tt_procs_get(a->procs, pid, cgroup_id, comm);
}

static void op_proc_facts(void *ctx, void *handle, uint32_t pid,
			  struct tt_proc_facts *pf)
{
	struct agent *a = ctx;

	(void)pid;
	tt_procs_facts(a->procs, handle, pf);
}

static const char *op_dark_reason(void *ctx, const struct tt_sock_rec *rec)
{
	struct agent *a = ctx;

	return a->scope ? tt_scope_dark_reason(a->scope, rec) : NULL;
}

static void op_proc_put(void *ctx, void *handle)
{
	struct agent *a = ctx;

	tt_procs_put(a->procs, handle);
}

/* A random (version 4) UUID per event; should getrandom() ever fail, a
 * counter and the clock keep ids unique within this run. */
static void op_event_id(void *ctx, char out[37])
{
	struct agent *a = ctx;
	uint8_t b[16];

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		struct timespec ts;
		uint64_t n = ++a->st.id_fallbacks;

		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(b, &n, 8);
		memcpy(b + 8, &ts.tv_nsec, 4);
		memcpy(b + 12, &ts.tv_sec, 4);
	}
	tt_alloc_uuid(b, out);
}

static const struct tt_pipeline_ops pipeline_ops = {
	.set_verdict = op_set_verdict,
	.conn_offsets = op_conn_offsets,
	.proc_get = op_proc_get,
	.proc_facts = op_proc_facts,
	.proc_put = op_proc_put,
	.dark_reason = op_dark_reason,
	.event_id = op_event_id,
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	const struct tt_ev_hdr *h = data;
	uint64_t now;

	/* Process events are the attach manager's: exec, ld.so loads; the
	 * observer's are the pipeline's and the scope's. */
	if (tt_pipeline_event(a->pipe, data, size) != 1) {
		if (size >= sizeof(*h) && h->type == TT_EV_EXIT && a->scope)
			tt_scope_on_exit(a->scope, h->pid);
		return 0;
	}
	now = (uint64_t)clock_ns(CLOCK_MONOTONIC);
	switch (h->type) {
	case TT_EV_SOCK:
		if (a->scope)
			tt_scope_on_sock(a->scope, data, now);
		break;
	case TT_EV_EXEC:
		a->st.proc_events++;
		if (a->scope)
			tt_scope_on_exec(a->scope, h->pid, now);
		tt_attach_scan_pid(a->am, (pid_t)h->pid);
		break;
	case TT_EV_LIBLOAD:
		a->st.proc_events++;
		tt_attach_scan_pid(a->am, (pid_t)h->pid);
		break;
	case TT_EV_FORK:
		a->st.proc_events++;
		if (a->scope)
			tt_scope_on_fork(a->scope, h->pid, (uint32_t)h->conn, now);
		break;
	}
	return 0;
}

/* Where agent/stats.c reads the counters. */
static struct tt_stats_sources stats_sources(struct agent *a)
{
	return (struct tt_stats_sources){
		.cap = &a->cap, .am = a->am,
		.pipe = a->pipe, .alloc = &a->alloc.st, .procs = a->procs,
		.cgroups = a->cgroups, .out = &a->out, .otlp = a->otlp,
		.loop = &a->st,
	};
}

static void emit_stats(struct agent *a)
{
	struct tt_stats_sources src = stats_sources(a);

	tt_stats_emit(&src, &a->out);
}

/* A scrape waits: the counters behind the health metrics. */
static void publish_metrics(struct agent *a)
{
	struct tt_stats_sources src = stats_sources(a);

	tt_stats_publish(&src, a->prom);
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
		a->cfg.capture.ringbuf_bytes = o->ringbuf_bytes;
	return 0;
}

/* The price table's snapshot for the staleness alert, and a warning in
 * the log when it is older than pricing.max_snapshot_age_days. */
static void publish_prices(struct agent *a)
{
	int age = 0;
	int32_t day;
	int have = a->cfg.prices_path[0] &&
		   !tt_price_parse_day(a->prices.snapshot_date, &day);

	if (have && !tt_settings_snapshot_age(&a->prices, (int64_t)time(NULL), &age) &&
	    age > a->cfg.price_max_age_days)
		tt_warn("prices: snapshot %s is %d days old, more than "
			"pricing.max_snapshot_age_days (%d): refresh the table",
			a->prices.snapshot_date, age, a->cfg.price_max_age_days);
	if (a->prom)
		tt_prom_set_prices(a->prom, have ? (double)day * 86400 : 0,
				   (double)a->cfg.price_max_age_days * 86400);
}

/* Budgets start from the spend the ledger already holds for their
 * current period (budget_recover.h), then count every call. */
static void setup_budgets(struct agent *a)
{
	struct tt_budgets *b;
	struct tt_budget_recover_stats st;
	int err;

	publish_prices(a);
	if (!a->cfg.budgets.n)
		return;
	if (!a->prom) {
		tt_warn("budgets: %zu configured, but the metrics endpoint is off: "
			"nothing shows them", a->cfg.budgets.n);
		return;
	}
	b = malloc(sizeof(*b));
	if (!b) {
		tt_warn("budgets: out of memory; budgets off");
		return;
	}
	tt_budgets_init(b, &a->cfg.budgets, (int64_t)time(NULL));
	err = tt_budget_recover(b, a->opts->events_path, a->opts->events_keep, 0, &st);
	if (err)
		tt_warn("budgets: reading the ledger back failed (%s): spend "
			"starts at 0, marked incomplete", strerror(-err));
	tt_info("budgets: %zu, spend read back from %llu ledger files "
		"(%llu bytes, %llu events, %llu counted; %u older files skipped, "
		"%u over the read cap), %d incomplete", b->defs.n,
		(unsigned long long)st.files, (unsigned long long)st.bytes,
		(unsigned long long)st.events, (unsigned long long)st.counted,
		st.skipped_old, st.skipped_cap, st.incomplete);
	tt_prom_set_budgets(a->prom, b);
	free(b);
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
	err = tt_alloc_retry_setup(&a->alloc, c, a->body_key);
	if (err) {
		tt_err("retry table: %s", strerror(-err));
		return err;
	}
	tt_alloc_keep_headers(&a->alloc, a->keep_headers);
	err = tt_cgroups_new(c->cgroup_root[0] ? c->cgroup_root : NULL,
			     c->pods_log_dir, &a->cgroups);
	if (err)
		tt_warn("cgroup paths: %s (reading /proc/<pid>/cgroup instead)",
			strerror(-err));
	a->procs = tt_procs_new(a->cgroups, &a->cfg.env_allow, c->docker_dir);
	if (!a->procs)
		return -ENOMEM;
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
	struct tt_sink sink;
	char err[512];

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
	sink = tt_otlp_export_sink(a->otlp);
	if (tt_pipeline_add_sink(a->pipe, &sink))
		return -E2BIG;
	tt_info("otlp: exporting to %s (spool %s)", c.endpoint,
		c.spool_max_bytes ? c.spool_dir : "off");
	return 0;
}

/* An AI connection an earlier agent listed (pinned ai_socks) that is still
 * open: the pipeline learns it now, as if it had just opened. Its socket is
 * then tied to its TLS connection before that connection's next bytes
 * arrive, so at its close the pipeline knows whether its calls were
 * decoded (no dark event) or why not (an HTTP/2 connection joined
 * mid-way). Learnt only at its close, the TLS side may be gone already. */
static void adopt_sock(void *ctx, const struct tt_ai_sock *s)
{
	struct agent *a = ctx;
	struct tt_ev_sock ev;

	memset(&ev, 0, sizeof(ev));
	ev.hdr.type = TT_EV_SOCK;
	ev.hdr.lib = TT_LIB_SOCKET;
	ev.hdr.pid = s->tgid;
	ev.hdr.cgroup_id = s->cgroup_id;
	ev.hdr.conn = s->cookie;
	ev.hdr.ts_ns = (uint64_t)clock_ns(CLOCK_MONOTONIC);
	ev.what = TT_SOCK_EV_OPEN;
	ev.sock = *s;
	tt_pipeline_event(a->pipe, &ev, sizeof(ev));
}

/* The BPF programs, the connection observer, the probes. */
/* Each armed process holds a link (two fds with perf uprobes) per TLS
 * library: the default soft limit of 1024 would stop arming at a few
 * hundred processes. Raised to the hard limit; what that allows is said
 * at start, since running out shows later as attach failures (and dark
 * connections, attach_failed). */
#define TT_FDS_PER_ARMED 8
#define TT_FDS_BASE 256

static void raise_nofile(const struct tt_capture_config *cc)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cc->max_armed * TT_FDS_PER_ARMED + TT_FDS_BASE;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (cc->mode == TT_CAPTURE_SCOPED && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < want)
		tt_warn("open files limited to %llu: about %llu processes can be "
			"armed, not capture.max_armed_processes %zu (raise "
			"LimitNOFILE)", (unsigned long long)rl.rlim_cur,
			(unsigned long long)((rl.rlim_cur > TT_FDS_BASE
					      ? rl.rlim_cur - TT_FDS_BASE : 0) /
					     TT_FDS_PER_ARMED),
			cc->max_armed);
}

static int setup_capture(struct agent *a)
{
	const struct tt_capture_config *cc = &a->cfg.capture;
	int scoped = cc->mode == TT_CAPTURE_SCOPED;
	struct tt_capture_opts co = {
		.ringbuf_bytes = cc->ringbuf_bytes,
		.scoped = scoped,
		.hold_ms = cc->hold_ms,
		/* Scoped: execs matter only to selectors (and armed ones). */
		.exec_all = !scoped || cc->arm.n > 0,
		.cgroup_root = a->cgroups ? tt_cgroups_root(a->cgroups) : NULL,
		.state_dir = cc->state_dir,
		.late_start_ns = scoped ? (uint64_t)cc->late_start_s * 1000000000ull : 0,
	};
	int err;

	tt_capture_setup_libbpf_log();
	err = tt_capture_open(&a->cap, &co, on_event, a);
	if (err)
		return err;
	err = tt_capture_load_sni_rules(&a->cap, &a->cfg.hosts);
	if (err) {
		tt_err("cannot load server-name rules: %s", strerror(-err));
		return err;
	}
	a->am = tt_attach_new(a->cap.skel, scoped, cc->max_armed);
	a->scope = a->am ? tt_scope_new(&a->cfg, a->am, &a->cap, a->procs,
					a->opts->status_file)
			 : NULL;
	if (!a->am || !a->scope)
		return -ENOMEM;
	/* On-disk libraries first, so the scan below only adds copies. In
	 * scoped mode only ld.so is probed for every process. */
	if (scoped || cc->attach_all_libraries)
		tt_attach_scan_system(a->am);
	if (!scoped)
		tt_attach_scan_all(a->am);
	if (a->cap.pinned) {
		int n = tt_capture_prune_ai_socks(&a->cap);

		if (n > 0)
			tt_info("state: %d pinned connections of ended processes "
				"dropped", n);
		tt_capture_each_ai_sock(&a->cap, adopt_sock, a);
	}
	tt_scope_start(a->scope, (uint64_t)clock_ns(CLOCK_MONOTONIC));
	tt_info("ready: capture %s%s, %zu TLS files known, %zu processes armed, "
		"ring buffer %zu bytes", tt_capture_mode_name(cc->mode),
		a->cap.observer ? " with the connection observer" : "",
		tt_attach_count(a->am), tt_attach_armed_count(a->am),
		cc->ringbuf_bytes);
	return 0;
}

/* The pipeline and its sinks: the ledger, then the metrics. OTLP is added
 * once its exporter runs. */
static int setup_pipeline(struct agent *a)
{
	const struct tt_pipeline_config pc = {
		.hosts = &a->cfg.hosts,
		.alloc = &a->alloc,
		.keep_headers = a->keep_headers,
		.body_key = a->body_key,
		.max_connections = a->cfg.capture.max_connections,
		.digests = a->opts->stream_digest,
		.connection_records = a->opts->connection_records,
		.self_pid = (uint32_t)getpid(),
		.mono_to_real_ns = a->mono_to_real_ns,
		/* With the state pinned the next agent books what is open. */
		.leave_open_socks = a->cfg.capture.state_dir[0] != 0,
	};
	struct tt_sink ledger, metrics;
	int err;

	a->pipe = tt_pipeline_new(&pc, &pipeline_ops, a);
	if (!a->pipe)
		return -ENOMEM;
	err = tt_output_open(&a->out, a->opts->events_path,
			     a->opts->events_max_bytes, a->opts->events_keep);
	if (err) {
		tt_err("events %s: %s", a->opts->events_path, strerror(-err));
		return err;
	}
	ledger = tt_output_sink(&a->out);
	err = tt_pipeline_add_sink(a->pipe, &ledger);
	if (!err && a->prom) {
		metrics = tt_prom_sink(a->prom);
		err = tt_pipeline_add_sink(a->pipe, &metrics);
	}
	return err;
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
	a->mono_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	setup_budgets(a);
	err = setup_pipeline(a);
	if (err)
		return err;
	raise_nofile(&a->cfg.capture);
	err = setup_capture(a);
	if (err)
		return err;
	err = setup_otlp(a);
	if (err)
		return err;
	/* Loading parsed the kernel's BTF and the object (megabytes, freed
	 * now): give that heap back rather than carry it for the agent's
	 * life. */
	malloc_trim(0);
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
	if (next->capture.ringbuf_bytes != a->cfg.capture.ringbuf_bytes ||
	    next->capture.max_connections != a->cfg.capture.max_connections ||
	    next->capture.attach_all_libraries != a->cfg.capture.attach_all_libraries ||
	    strcmp(next->cgroup_root, a->cfg.cgroup_root) ||
	    strcmp(next->pods_log_dir, a->cfg.pods_log_dir) ||
	    strcmp(next->docker_dir, a->cfg.docker_dir) ||
	    strcmp(next->metrics_listen, a->cfg.metrics_listen) ||
	    memcmp(&next->otlp, &a->cfg.otlp, sizeof(next->otlp)))
		tt_warn("reload: capture, host and metrics settings apply at the next start");
	next->capture.ringbuf_bytes = a->cfg.capture.ringbuf_bytes;
	next->capture.max_connections = a->cfg.capture.max_connections;
	next->capture.attach_all_libraries = a->cfg.capture.attach_all_libraries;
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
	tt_alloc_use_config(&a->alloc, &a->cfg);
	tt_alloc_keep_headers(&a->alloc, a->keep_headers);
	if (tt_capture_load_sni_rules(&a->cap, &a->cfg.hosts))
		tt_warn("reload: server-name rules not reloaded in the kernel");
	publish_prices(a);
	if (a->prom && tt_prom_update_budget_limits(a->prom, &a->cfg.budgets))
		tt_warn("reload: budgets added, removed or redefined apply at the "
			"next start (changed limits apply now)");
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
	int64_t last_tick = start;
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
		if (now - last_tick >= 200000000LL) {
			tt_pipeline_tick(a->pipe, (uint64_t)now);
			tt_scope_tick(a->scope, a->pipe, (uint64_t)now);
			last_tick = now;
		}
		if (now - last_sweep > 10000000000LL) {
			a->st.swept += (uint64_t)tt_capture_sweep(&a->cap);
			/* Connections come and go in bursts: return the
			 * freed heap now and then (a few ms at most). */
			malloc_trim(0);
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
	int err;

	if (!a)
		return -ENOMEM;
	a->opts = opts;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = setup(a);
	if (!err) {
		loop(a);
		tt_pipeline_finish_all(a->pipe);
		tt_otlp_export_stop(a->otlp); /* its counters are final */
		emit_stats(a);
	}
	tt_prom_close(a->prom);
	tt_otlp_export_free(a->otlp);
	tt_scope_free(a->scope);
	tt_attach_free(a->am);
	if (a->cap.skel)
		tt_capture_close(&a->cap);
	tt_output_close(&a->out);
	tt_pipeline_free(a->pipe);
	tt_procs_free(a->procs);
	tt_retry_free(a->alloc.retry);
	tt_cgroups_free(a->cgroups);
	tt_config_free(&a->cfg);
	tt_pricing_free(&a->prices);
	free(a);
	return err;
}
