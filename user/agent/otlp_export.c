// SPDX-License-Identifier: MIT
/*
 * The exporter thread. Threading: the queue, `stopping` and the event
 * loop's drop counters are under mu; everything else belongs to the
 * exporter thread until it is joined (stats are read after that).
 *
 * Delivery: a batch is POSTed when it is full or a second old. A
 * retryable failure (429, 502, 503, 504, connection trouble) puts it in
 * the spool and starts the backoff; while the spool holds anything, new
 * batches join it at the end, and the oldest spooled batch is retried
 * when the backoff expires, so batches arrive in order. Anything else
 * drops the batch, counted by reason. docs/otlp.md.
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "util/log.h"
#include "otlp/delivery.h"
#include "otlp/otlp.h"
#include "agent/otlp_spool.h"
#include "agent/otlp_export.h"

#define QUEUE_BYTES (8u << 20) /* ~2000 events while a POST is slow */
#define BATCH_BYTES (1u << 20)
#define BATCH_RECORDS 512
#define FLUSH_NS 1000000000ull /* a batch waits at most this long */
#define METRICS_SERIES 128
#define STOP_TIMEOUT_MS 2000   /* a POST at exit: then it is spooled */
#define RESP_MAX 4096          /* of an answer's body: partialSuccess */
#define SPOOL_BURST 16         /* spooled batches per turn, queue between */

struct tt_otlp_export {
	struct tt_otlp_config cfg;
	char logs_url[TT_OTLP_ENDPOINT_MAX + 16];
	char metrics_url[TT_OTLP_ENDPOINT_MAX + 16];
	char host[256];
	struct tt_otlp_resource res;
	tt_otlp_lost_fn lost;
	void *lost_ctx;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tt_otlp_queue q; /* under mu */
	int stopping;           /* under mu */
	uint64_t queued, queue_full, entry_too_long; /* under mu */
	uint64_t record_too_big;                     /* under mu */
	/* The event loop's: the entry of the event it is handing over. */
	char *enq_rec, *enq_entry;

	pthread_t thread;
	int started;
	CURL *curl;
	struct curl_slist *hdrs;
	char resp[RESP_MAX];
	size_t resp_len;
	struct tt_otlp_batch batch;
	uint64_t batch_t0;
	struct tt_otlp_metrics *metrics;
	char *mbuf, *entry, *sbuf;
	size_t mcap, scap;
	struct tt_otlp_spool spool;
	int have_spool;
	uint32_t backoff_ms; /* 0: healthy */
	uint64_t retry_at;   /* monotonic ns */
	uint64_t next_metrics;
	unsigned seed;
	/* The thread's counters; tt_otlp_export_get_stats() adds the
	 * queue's and the spool's. */
	struct tt_otlp_export_stats st;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t mono(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct tt_otlp_export *x = ctx;
	size_t len = size * n, room = RESP_MAX - 1 - x->resp_len;

	memcpy(x->resp + x->resp_len, p, len < room ? len : room);
	x->resp_len += len < room ? len : room;
	return len;
}

/* Unknown failures retry: a batch kept in the spool until an operator
 * fixes a certificate beats one thrown away. */
static enum tt_otlp_transport net_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return TT_OTLP_NET_OK;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return TT_OTLP_NET_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return TT_OTLP_NET_TIMEOUT;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_NOT_BUILT_IN:
	case CURLE_FAILED_INIT:
		return TT_OTLP_NET_FATAL;
	default:
		return TT_OTLP_NET_BROKEN;
	}
}

struct attempt {
	enum tt_otlp_verdict verdict;
	enum tt_otlp_drop drop;
	uint64_t partial;        /* records the server rejected in a 2xx */
	uint32_t retry_after_ms; /* Retry-After, 0 when absent */
	char why[96];
};

static void post(struct tt_otlp_export *x, const char *url, const char *body,
		 size_t len, int stopping, struct attempt *a)
{
	long status = 0, timeout = (long)x->cfg.timeout_ms;
	curl_off_t ra = 0;
	CURLcode rc;

	if (stopping && timeout > STOP_TIMEOUT_MS)
		timeout = STOP_TIMEOUT_MS;
	x->resp_len = 0;
	curl_easy_setopt(x->curl, CURLOPT_URL, url);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(x->curl, CURLOPT_TIMEOUT_MS, timeout);
	rc = curl_easy_perform(x->curl);
	x->st.attempts++;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(x->curl, CURLINFO_RETRY_AFTER, &ra);
		snprintf(a->why, sizeof(a->why), "HTTP %ld", status);
	} else {
		snprintf(a->why, sizeof(a->why), "%s", curl_easy_strerror(rc));
	}
	a->drop = TT_OTLP_DROP_HTTP_OTHER;
	a->verdict = tt_otlp_classify(net_of(rc), status, &a->drop);
	a->partial = a->verdict == TT_OTLP_SENT
			     ? tt_otlp_partial_rejected(x->resp, x->resp_len) : 0;
	a->retry_after_ms = ra > 0 && ra < 86400 ? (uint32_t)ra * 1000u : 0;
	if (a->verdict == TT_OTLP_RETRY)
		x->st.failed_attempts++;
}

static void enter_backoff(struct tt_otlp_export *x, const struct attempt *a)
{
	double jitter = (double)rand_r(&x->seed) / ((double)RAND_MAX + 1.0);
	uint32_t wait;

	if (!x->backoff_ms)
		tt_warn("otlp: %s: %s; %s, retrying with backoff", x->logs_url,
			a->why, x->have_spool ? "spooling" : "no spool: dropping");
	x->backoff_ms = tt_otlp_backoff_next(x->backoff_ms, x->cfg.retry_max_ms);
	wait = tt_otlp_backoff_wait(x->backoff_ms, jitter);
	if (a->retry_after_ms > wait)
		wait = a->retry_after_ms < x->cfg.retry_max_ms
			       ? a->retry_after_ms : x->cfg.retry_max_ms;
	x->retry_at = mono() + (uint64_t)wait * 1000000ull;
}

static void healthy(struct tt_otlp_export *x)
{
	if (x->backoff_ms)
		tt_info("otlp: %s: delivering again", x->logs_url);
	x->backoff_ms = 0;
	x->retry_at = 0;
}

static void count_drop(struct tt_otlp_export *x, enum tt_otlp_drop why,
		       uint64_t records, const char *detail)
{
	if (!x->st.dropped[why] && records)
		tt_warn("otlp: dropping %" PRIu64 " records (%s: %s); further "
			"drops are counted in agent_stats", records,
			tt_otlp_drop_name(why), detail);
	x->st.dropped[why] += records;
}

static void count_sent(struct tt_otlp_export *x, unsigned records,
		       const struct attempt *a)
{
	uint64_t rejected = a->partial < records ? a->partial : records;

	x->st.sent += records - rejected;
	x->st.sent_batches++;
	if (rejected)
		count_drop(x, TT_OTLP_DROP_PARTIAL, rejected, "partialSuccess");
	healthy(x);
}

static void spool_put(struct tt_otlp_export *x, const char *payload,
		      size_t len, unsigned records)
{
	if (!x->have_spool) {
		count_drop(x, TT_OTLP_DROP_NO_SPOOL, records, "endpoint down");
		return;
	}
	if (!tt_otlp_spool_put(&x->spool, payload, len, records)) {
		x->st.spooled += records;
		x->st.spooled_batches++;
	}
}

/* The batch goes out now, or to the end of the spool (which keeps order:
 * nothing overtakes a spooled batch). */
static void deliver_batch(struct tt_otlp_export *x, int stopping)
{
	unsigned records = x->batch.records;
	struct attempt a;
	size_t len;

	if (!records)
		return;
	len = tt_otlp_batch_finish(&x->batch);
	if (x->have_spool && (x->backoff_ms || x->spool.ix.n)) {
		spool_put(x, x->batch.buf, len, records);
	} else {
		post(x, x->logs_url, x->batch.buf, len, stopping, &a);
		if (a.verdict == TT_OTLP_SENT) {
			count_sent(x, records, &a);
		} else if (a.verdict == TT_OTLP_RETRY) {
			enter_backoff(x, &a);
			spool_put(x, x->batch.buf, len, records);
		} else {
			count_drop(x, a.drop, records, a.why);
		}
	}
	tt_otlp_batch_begin(&x->batch, &x->res);
}

static void drain_spool(struct tt_otlp_export *x)
{
	for (int i = 0; i < SPOOL_BURST && x->spool.ix.n; i++) {
		struct attempt a;
		unsigned records;
		long len;

		if (x->backoff_ms && mono() < x->retry_at)
			return;
		len = tt_otlp_spool_peek(&x->spool, x->sbuf, x->scap, &records);
		if (len < 0)
			continue; /* dropped and counted by the spool */
		if (x->backoff_ms)
			x->st.retried++;
		post(x, x->logs_url, x->sbuf, (size_t)len, 0, &a);
		if (a.verdict == TT_OTLP_RETRY) {
			enter_backoff(x, &a);
			return;
		}
		if (a.verdict == TT_OTLP_SENT)
			count_sent(x, records, &a);
		else
			count_drop(x, a.drop, records, a.why);
		tt_otlp_spool_pop(&x->spool);
	}
}

static void reject_too_big(struct tt_otlp_export *x)
{
	x->st.rejected[TT_OTLP_REJ_TOO_BIG]++;
	x->st.dropped[TT_OTLP_DROP_REJECTED_LINE]++;
}

/* One queue entry: its observation to the metrics, its record to the
 * batch. */
static void export_one(struct tt_otlp_export *x, size_t n, int stopping)
{
	struct tt_otlp_obs obs;
	const char *rec;
	size_t len;
	int ret;

	if (tt_otlp_entry_unpack(x->entry, n, &obs, &rec, &len)) {
		reject_too_big(x); /* cannot happen: the loop packed it */
		return;
	}
	tt_otlp_metrics_record(x->metrics, &obs);
	ret = tt_otlp_batch_add(&x->batch, rec, len);
	if (ret == -ENOSPC) {
		deliver_batch(x, stopping);
		ret = tt_otlp_batch_add(&x->batch, rec, len);
	}
	if (ret) {
		reject_too_big(x);
		return;
	}
	if (x->batch.records == 1)
		x->batch_t0 = mono();
}

static void drain_queue(struct tt_otlp_export *x, int stopping)
{
	for (;;) {
		long n;

		pthread_mutex_lock(&x->mu);
		n = tt_otlp_queue_pop(&x->q, x->entry, TT_OTLP_ENTRY_MAX);
		pthread_mutex_unlock(&x->mu);
		if (n == -EAGAIN)
			return;
		if (n < 0)
			reject_too_big(x);
		else
			export_one(x, (size_t)n, stopping);
	}
}

static uint64_t dropped_total(struct tt_otlp_export *x)
{
	uint64_t n = x->spool.dropped_full + x->spool.dropped_error;

	for (int i = 0; i < TT_OTLP_DROP_MAX; i++)
		n += x->st.dropped[i];
	pthread_mutex_lock(&x->mu);
	n += x->queue_full + x->entry_too_long + x->record_too_big;
	pthread_mutex_unlock(&x->mu);
	return n;
}

/* Cumulative: an export that fails is made good by the next one, so
 * metrics are neither retried nor spooled. */
static void send_metrics(struct tt_otlp_export *x, int stopping)
{
	uint64_t lost;
	struct attempt a;
	long n;

	x->next_metrics = mono() + (uint64_t)x->cfg.metrics_interval_ms * 1000000ull;
	if (x->backoff_ms)
		return; /* the endpoint is down: no need to wait for it again */
	if (x->lost && !x->lost(x->lost_ctx, &lost))
		tt_otlp_metrics_set(x->metrics, TT_OTLP_C_CAPTURE_LOST, lost);
	tt_otlp_metrics_set(x->metrics, TT_OTLP_C_EXPORT_DROPPED,
			    dropped_total(x));
	n = tt_otlp_metrics_payload(x->metrics, &x->res, clock_ns(CLOCK_REALTIME),
				    x->mbuf, x->mcap);
	if (n < 0) {
		x->st.metrics_failed++;
		return;
	}
	post(x, x->metrics_url, x->mbuf, (size_t)n, stopping, &a);
	if (a.verdict == TT_OTLP_SENT)
		x->st.metrics_sent++;
	else
		x->st.metrics_failed++;
}

/* When the thread must wake next without a new entry. */
static uint64_t next_due(const struct tt_otlp_export *x, uint64_t now)
{
	uint64_t due = x->next_metrics;

	if (x->batch.records && x->batch_t0 + FLUSH_NS < due)
		due = x->batch_t0 + FLUSH_NS;
	if (x->spool.ix.n) {
		uint64_t t = x->backoff_ms ? x->retry_at : now;

		if (t < due)
			due = t;
	}
	return due;
}

static void *thread_main(void *arg)
{
	struct tt_otlp_export *x = arg;
	int stopping;

	do {
		pthread_mutex_lock(&x->mu);
		while (!x->stopping && !x->q.lines) {
			uint64_t now = mono(), due = next_due(x, now);
			struct timespec ts = {
				.tv_sec = (time_t)(due / 1000000000ull),
				.tv_nsec = (long)(due % 1000000000ull),
			};

			if (due <= now)
				break;
			pthread_cond_timedwait(&x->cv, &x->mu, &ts);
		}
		stopping = x->stopping;
		pthread_mutex_unlock(&x->mu);
		drain_queue(x, stopping);
		if (x->batch.records &&
		    (stopping || mono() - x->batch_t0 >= FLUSH_NS))
			deliver_batch(x, stopping);
		if (!stopping && x->have_spool)
			drain_spool(x);
		if (stopping || mono() >= x->next_metrics)
			send_metrics(x, stopping);
	} while (!stopping);
	return NULL;
}

/* The entry of ev into x->enq_entry: its length, or -E2BIG. */
static long make_entry(struct tt_otlp_export *x, const struct tt_event *ev)
{
	struct tt_otlp_obs obs;
	long n = tt_otlp_log_record(ev, clock_ns(CLOCK_REALTIME), x->enq_rec,
				    TT_OTLP_RECORD_MAX);

	if (n < 0)
		return n;
	tt_otlp_obs_of(ev, &obs);
	return tt_otlp_entry_pack(&obs, x->enq_rec, (size_t)n, x->enq_entry,
				  TT_OTLP_ENTRY_MAX);
}

void tt_otlp_export_event(struct tt_otlp_export *x, const struct tt_event *ev)
{
	long n = make_entry(x, ev);
	int ret;

	pthread_mutex_lock(&x->mu);
	x->queued++; /* handed over: each ends sent, dropped or spooled */
	if (n < 0) {
		x->record_too_big++;
		goto out;
	}
	ret = tt_otlp_queue_push(&x->q, x->enq_entry, (size_t)n);
	if (ret == -ENOSPC) {
		if (!x->queue_full++)
			tt_warn("otlp: export queue full: dropping events; "
				"further drops are counted in agent_stats");
	} else if (ret) {
		x->entry_too_long++;
	} else if (x->q.lines == 1) {
		pthread_cond_signal(&x->cv);
	}
out:
	pthread_mutex_unlock(&x->mu);
}

/* Only events the ledger has: the export is a copy of the ledger. */
static void sink_event(void *ctx, const struct tt_sink_event *ev)
{
	if (ev->line)
		tt_otlp_export_event(ctx, ev->event);
}

struct tt_sink tt_otlp_export_sink(struct tt_otlp_export *x)
{
	return (struct tt_sink){ .name = "otlp", .ctx = x, .event = sink_event };
}

/* Before the thread exists: curl_global_init is not thread-safe. */
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int setup_curl(struct tt_otlp_export *x)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, curl_init_once);
	x->curl = curl_easy_init();
	x->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	/* No "Expect: 100-continue" round trip before each batch. */
	if (x->hdrs)
		x->hdrs = curl_slist_append(x->hdrs, "Expect:");
	if (!x->curl || !x->hdrs)
		return -ENOMEM;
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(x->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->curl, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->curl, CURLOPT_USERAGENT, "tokentap-otlp");
	curl_easy_setopt(x->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(x->cfg.timeout_ms < 5000 ? x->cfg.timeout_ms : 5000));
	curl_easy_setopt(x->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	if (x->cfg.ca_file[0]) /* a private CA for an internal collector */
		curl_easy_setopt(x->curl, CURLOPT_CAINFO, x->cfg.ca_file);
	return 0;
}

static int setup_buffers(struct tt_otlp_export *x)
{
	uint64_t now = clock_ns(CLOCK_REALTIME);

	x->mcap = tt_otlp_metrics_payload_max(METRICS_SERIES);
	x->scap = BATCH_BYTES + TT_OTLP_SPOOL_HDR_MAX + 1;
	x->metrics = tt_otlp_metrics_new(METRICS_SERIES, now);
	x->mbuf = malloc(x->mcap);
	x->entry = malloc(TT_OTLP_ENTRY_MAX);
	x->enq_rec = malloc(TT_OTLP_RECORD_MAX);
	x->enq_entry = malloc(TT_OTLP_ENTRY_MAX);
	x->sbuf = malloc(x->scap);
	if (!x->metrics || !x->mbuf || !x->entry || !x->enq_rec ||
	    !x->enq_entry || !x->sbuf ||
	    tt_otlp_queue_init(&x->q, QUEUE_BYTES) ||
	    tt_otlp_batch_init(&x->batch, BATCH_BYTES, BATCH_RECORDS))
		return -ENOMEM;
	tt_otlp_batch_begin(&x->batch, &x->res);
	return 0;
}

static int setup_sync(struct tt_otlp_export *x)
{
	pthread_condattr_t ca;
	int ret;

	ret = pthread_mutex_init(&x->mu, NULL);
	if (ret)
		return -ret;
	/* Deadlines are monotonic: a clock step must not stall a flush. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	ret = pthread_cond_init(&x->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (ret) {
		pthread_mutex_destroy(&x->mu);
		return -ret;
	}
	return 0;
}

/* The thread takes no signals: SIGINT and SIGTERM stay the loop's. */
static int start_thread(struct tt_otlp_export *x)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&x->thread, NULL, thread_main, x);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return -ret;
	x->started = 1;
	return 0;
}

struct tt_otlp_export *tt_otlp_export_start(const struct tt_otlp_config *cfg,
					    const char *host_name,
					    tt_otlp_lost_fn lost, void *ctx,
					    char *err, size_t errlen)
{
	struct tt_otlp_export *x = calloc(1, sizeof(*x));
	int ret;

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->cfg = *cfg;
	x->lost = lost;
	x->lost_ctx = ctx;
	x->seed = (unsigned)(mono() ^ (uint64_t)getpid());
	snprintf(x->host, sizeof(x->host), "%s", host_name ? host_name : "");
	x->res.host_name = x->host;
	snprintf(x->logs_url, sizeof(x->logs_url), "%s/v1/logs", cfg->endpoint);
	snprintf(x->metrics_url, sizeof(x->metrics_url), "%s/v1/metrics",
		 cfg->endpoint);
	x->next_metrics = mono() + (uint64_t)cfg->metrics_interval_ms * 1000000ull;
	x->spool.dir_fd = x->spool.lock_fd = -1;
	if (setup_sync(x)) {
		free(x);
		snprintf(err, errlen, "cannot create a lock");
		return NULL;
	}
	ret = setup_curl(x);
	if (!ret)
		ret = setup_buffers(x);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cfg->spool_max_bytes) {
		ret = tt_otlp_spool_open(&x->spool, cfg->spool_dir,
					 cfg->spool_max_bytes, err, errlen);
		if (ret)
			goto fail;
		x->have_spool = 1;
		if (x->spool.loaded_records)
			tt_info("otlp: %" PRIu64 " records in %" PRIu64
				" spooled batches from an earlier run",
				x->spool.loaded_records, x->spool.loaded_files);
	}
	ret = start_thread(x);
	if (ret) {
		snprintf(err, errlen, "cannot start the exporter thread: %s",
			 strerror(-ret));
		goto fail;
	}
	return x;
fail:
	tt_otlp_export_free(x);
	return NULL;
}

void tt_otlp_export_stop(struct tt_otlp_export *x)
{
	if (!x || !x->started)
		return;
	pthread_mutex_lock(&x->mu);
	x->stopping = 1;
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
	pthread_join(x->thread, NULL);
	x->started = 0;
}

void tt_otlp_export_get_stats(const struct tt_otlp_export *x,
			      struct tt_otlp_export_stats *out)
{
	const struct tt_otlp_metrics_stats *ms = tt_otlp_metrics_stats(x->metrics);

	*out = x->st;
	out->queued = x->queued;
	out->too_long_for_queue = x->entry_too_long;
	out->rejected[TT_OTLP_REJ_TOO_BIG] += x->record_too_big;
	out->dropped[TT_OTLP_DROP_QUEUE_FULL] += x->queue_full;
	out->dropped[TT_OTLP_DROP_REJECTED_LINE] += x->entry_too_long + x->record_too_big;
	out->dropped[TT_OTLP_DROP_SPOOL_FULL] += x->spool.dropped_full;
	out->dropped[TT_OTLP_DROP_SPOOL_ERROR] += x->spool.dropped_error;
	out->dropped_total = 0;
	for (int i = 0; i < TT_OTLP_DROP_MAX; i++)
		out->dropped_total += out->dropped[i];
	out->spool_loaded = x->spool.loaded_records;
	out->spool_records = x->spool.ix.records;
	out->spool_bytes = x->spool.ix.bytes;
	out->spool_files = x->spool.ix.n;
	out->spool_bad_files = x->spool.bad_files;
	out->spool_other_version_files = x->spool.other_version_files;
	out->metric_series_overflow = ms->series_overflow;
	out->queue_high_water_bytes = x->q.high_water;
}

const char *tt_otlp_export_endpoint(const struct tt_otlp_export *x)
{
	return x->cfg.endpoint;
}

void tt_otlp_export_free(struct tt_otlp_export *x)
{
	if (!x)
		return;
	tt_otlp_export_stop(x);
	if (x->curl)
		curl_easy_cleanup(x->curl);
	curl_slist_free_all(x->hdrs);
	tt_otlp_spool_close(&x->spool);
	tt_otlp_queue_free(&x->q);
	tt_otlp_batch_free(&x->batch);
	tt_otlp_metrics_free(x->metrics);
	free(x->mbuf);
	free(x->entry);
	free(x->enq_rec);
	free(x->enq_entry);
	free(x->sbuf);
	pthread_cond_destroy(&x->cv);
	pthread_mutex_destroy(&x->mu);
	free(x);
}
