// SPDX-License-Identifier: MIT
/*
 * The metrics endpoint: libmicrohttpd with its own polling thread, and
 * the hand-over of rendered snapshots from the agent loop (prom.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "util/log.h"
#include "config/listen.h"
#include "metrics/callmetrics.h"
#include "metrics/budgetmetrics.h"
#include "agent/counters.h"
#include "agent/prom.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define RENDER_START (64u << 10)

struct tt_prom {
	/* Loop side only. */
	struct tt_metrics *reg;
	struct tt_call_metrics calls;
	struct tt_health_metrics health;
	struct tt_budget_metrics budget_fams;
	struct tt_budgets budgets; /* spend per budget, current period */
	uint64_t start_time_s, render_errors;
	char *buf;        /* rendering buffer, swapped with snap */
	size_t buf_cap;
	/* Shared: under mu (the generations are also read without it). */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *snap;
	size_t snap_len, snap_cap;
	_Atomic uint64_t want_gen; /* scrapes that asked */
	_Atomic uint64_t snap_gen; /* the newest ask the snapshot answers */
	uint64_t scrapes, stale;
	int stopping;
	struct MHD_Daemon *d;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* HTTP thread: ask the loop for a snapshot, wait for it, serve a copy. */
static enum MHD_Result serve_metrics(struct tt_prom *p, struct MHD_Connection *c)
{
	struct MHD_Response *r;
	struct timespec until;
	enum MHD_Result ret;
	uint64_t mine;
	int stale = 0;

	deadline_in(&until, TT_PROM_WAIT_MS);
	pthread_mutex_lock(&p->mu);
	mine = atomic_fetch_add(&p->want_gen, 1) + 1;
	while (atomic_load(&p->snap_gen) < mine && !p->stopping && !stale)
		stale = pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT;
	stale |= atomic_load(&p->snap_gen) < mine;
	if (stale)
		p->stale++;
	else
		p->scrapes++;
	r = MHD_create_response_from_buffer(p->snap_len, p->snap,
					    MHD_RESPMEM_MUST_COPY);
	pthread_mutex_unlock(&p->mu);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct tt_prom *p = cls;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	if (*upload_data_size)
		return reply(c, MHD_HTTP_BAD_REQUEST, "no body expected\n");
	if (!strcmp(url, "/metrics"))
		return serve_metrics(p, c);
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "tokentap: metrics at /metrics\n");
	return reply(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
}

static int start_http(struct tt_prom *p, const struct tt_listen *l)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_POLL_INTERNAL_THREAD;
	sigset_t all, old;

	memset(&ss, 0, sizeof(ss));
	if (l->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(l->port);
		memcpy(&s6->sin6_addr, l->addr, 16);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(l->port);
		memcpy(&s4->sin_addr, l->addr, 4);
	}
	/* The server's thread inherits this mask: SIGINT, SIGTERM and SIGHUP
	 * stay with the agent loop's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	errno = 0;
	p->d = MHD_start_daemon(flags, l->port, NULL, NULL, on_request, p,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32u << 10),
				MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!p->d)
		return errno ? -errno : -EADDRNOTAVAIL;
	return 0;
}

static int init_shared(struct tt_prom *p)
{
	pthread_condattr_t ca;
	int err;

	if (pthread_mutex_init(&p->mu, NULL))
		return -ENOMEM;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	err = pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (err) {
		pthread_mutex_destroy(&p->mu);
		return -ENOMEM;
	}
	return 0;
}

int tt_prom_open(const char *addr, struct tt_prom **out)
{
	struct tt_listen l;
	struct tt_prom *p;
	struct tt_agent_counters zero = { 0 };
	int implicit = !addr, err;

	*out = NULL;
	if (implicit)
		addr = TT_METRICS_LISTEN_DEFAULT;
	if (tt_listen_parse(addr, &l)) {
		tt_err("metrics: bad listen address %s (ADDR:PORT, [ADDR6]:PORT or off)",
		       addr ? addr : "(null)");
		return -EINVAL;
	}
	if (l.off)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->start_time_s = (uint64_t)time(NULL);
	p->reg = tt_metrics_new(TT_METRICS_SERIES_DEFAULT);
	if (!p->reg || tt_call_metrics_init(&p->calls, p->reg) ||
	    tt_counters_health_init(&p->health, p->reg) ||
	    tt_budget_metrics_init(&p->budget_fams, p->reg) || init_shared(p)) {
		tt_metrics_free(p->reg);
		free(p);
		return -ENOMEM;
	}
	/* Something to serve before the loop's first render. */
	tt_prom_publish(p, &zero);
	err = start_http(p, &l);
	if (err) {
		p->d = NULL;
		tt_prom_close(p);
		if (implicit) {
			tt_warn("metrics: cannot listen on %s (the default): %s; "
				"running without the endpoint (set --metrics-listen)",
				addr, strerror(-err));
			return 0;
		}
		tt_err("metrics: cannot listen on %s: %s", addr, strerror(-err));
		return err;
	}
	tt_info("metrics: http://%s/metrics", addr);
	*out = p;
	return 0;
}

void tt_prom_close(struct tt_prom *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->d)
		MHD_stop_daemon(p->d);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	tt_metrics_free(p->reg);
	free(p->buf);
	free(p->snap);
	free(p);
}

/* What a budget counts of an event: tokentap_cost_usd_total's amount. */
static void budget_fact(const struct tt_event *ev, struct tt_budget_fact *f)
{
	f->owner = ev->owner;
	f->team = ev->team;
	f->cost_center = ev->cost_center;
	f->environment = ev->environment;
	f->time_s = (int64_t)(ev->start_ns / 1000000000ull);
	f->cost_usd = ev->currency && !strcmp(ev->currency, "USD")
			      ? ev->cost_amount : NAN;
}

static void sink_event(void *ctx, const struct tt_sink_event *ev)
{
	struct tt_prom *p = ctx;
	struct tt_budget_fact f;

	tt_call_metrics_observe(&p->calls, ev->event);
	if (p->budgets.defs.n) {
		budget_fact(ev->event, &f);
		tt_budgets_add(&p->budgets, &f);
	}
}

void tt_prom_set_budgets(struct tt_prom *p, const struct tt_budgets *b)
{
	p->budgets = *b;
}

int tt_prom_update_budget_limits(struct tt_prom *p,
				 const struct tt_budget_defs *next)
{
	return tt_budgets_update_limits(&p->budgets, next);
}

void tt_prom_set_prices(struct tt_prom *p, double snapshot_s, double max_age_s)
{
	tt_budget_metrics_prices(&p->budget_fams, snapshot_s, max_age_s);
}

struct tt_sink tt_prom_sink(struct tt_prom *p)
{
	return (struct tt_sink){ .name = "prometheus", .ctx = p,
				 .event = sink_event };
}

int tt_prom_wanted(const struct tt_prom *p)
{
	return atomic_load(&p->want_gen) != atomic_load(&p->snap_gen);
}

/* Renders into p->buf, growing it up to TT_PROM_TEXT_MAX. */
static long render(struct tt_prom *p)
{
	for (;;) {
		long n = p->buf ? tt_metrics_write(p->reg, p->buf, p->buf_cap)
				: -E2BIG;
		size_t cap = p->buf_cap ? p->buf_cap * 2 : RENDER_START;
		char *nb;

		if (n != -E2BIG)
			return n;
		if (cap > TT_PROM_TEXT_MAX)
			return -E2BIG;
		nb = realloc(p->buf, cap);
		if (!nb)
			return -ENOMEM;
		p->buf = nb;
		p->buf_cap = cap;
	}
}

void tt_prom_publish(struct tt_prom *p, struct tt_agent_counters *c)
{
	uint64_t gen = atomic_load(&p->want_gen);
	struct tt_metrics_stats ms;
	char *tmp;
	size_t cap;
	long n;

	pthread_mutex_lock(&p->mu);
	c->prom.scrapes = p->scrapes;
	c->prom.scrapes_stale = p->stale;
	pthread_mutex_unlock(&p->mu);
	c->prom.start_time_s = p->start_time_s;
	c->prom.render_errors = p->render_errors;
	/* The registry's failures so far (this update's show next time). */
	tt_metrics_get_stats(p->reg, &ms);
	c->prom.alloc_failures = ms.alloc_failures;
	c->prom.bad_updates = ms.bad_updates;
	tt_counters_health_set(&p->health, c);
	tt_budgets_roll(&p->budgets, (int64_t)time(NULL));
	tt_budget_metrics_set(&p->budget_fams, &p->budgets);
	n = render(p);
	pthread_mutex_lock(&p->mu);
	if (n >= 0) {
		tmp = p->snap;
		cap = p->snap_cap;
		p->snap = p->buf;
		p->snap_cap = p->buf_cap;
		p->snap_len = (size_t)n;
		p->buf = tmp;
		p->buf_cap = cap;
	} else {
		p->render_errors++; /* waiters get the previous snapshot */
	}
	atomic_store(&p->snap_gen, gen);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}
