// SPDX-License-Identifier: MIT
/*
 * Token buckets per cgroup and class, and the summaries of what they held
 * back (flood.h). The buckets live in an open-addressed table of
 * TT_FLOOD_CGROUPS entries; when it is full, an idle entry (nothing
 * pending, every bucket full again) is taken over, else the cgroup shares
 * one overflow entry (counted): a host with more cgroups than that, all
 * flooding at once, is limited as if they were one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pipeline/flood.h"
#include "pipeline/pipeline_impl.h"
#include "util/jsonw.h"
#include "util/timefmt.h"

/* What one cgroup's events of one class that were not written add up to. */
struct flood_sum {
	uint64_t count;
	uint64_t from_ns, to_ns;
	uint32_t pid;      /* the first one's process, host and provider */
	char comm[16];
	char host[96];
	char provider[32];
};

struct bucket {
	double tokens;
	uint64_t at_ns; /* when tokens was last topped up */
};

struct flood_entry {
	uint64_t cgroup_id;
	int used;
	int shared; /* the overflow entry: cgroup_id means nothing */
	struct bucket b[TT_FLOOD_CLASSES];
	struct flood_sum sum[TT_FLOOD_CLASSES];
};

struct tt_flood {
	const struct tt_rate_limits *lim;
	struct flood_entry tab[TT_FLOOD_CGROUPS];
	struct flood_entry shared;          /* when the table has no room */
	struct bucket global[TT_FLOOD_CLASSES];
	int global_set;
	struct tt_flood_stats st;
};

static const char *const class_names[TT_FLOOD_CLASSES] = {
	"unanswered", "unrecognised", "dark",
};

const char *tt_flood_class_name(int cls)
{
	return cls >= 0 && cls < TT_FLOOD_CLASSES ? class_names[cls] : "";
}

int tt_flood_class_of(const struct tt_xrec *rec)
{
	const struct tt_call *c = rec->call;

	if (rec->dark)
		return TT_FLOOD_DARK;
	if (rec->problem && !strcmp(rec->problem, "no_response"))
		return TT_FLOOD_UNANSWERED;
	/* No decoder, or one that knows the host but not this request
	 * ("other": a model list, a file, any unknown path), and no usage
	 * came back: nothing billed that the ledger could lose. */
	if (c && (!c->operation[0] || !strcmp(c->operation, "other")) &&
	    c->usage_status != TT_USAGE_REPORTED &&
	    c->usage_status != TT_USAGE_PARTIAL)
		return TT_FLOOD_UNRECOGNISED;
	return -1;
}

struct tt_flood *tt_flood_new(const struct tt_rate_limits *lim)
{
	struct tt_flood *f = calloc(1, sizeof(*f));

	if (f)
		f->lim = lim;
	return f;
}

void tt_flood_free(struct tt_flood *f)
{
	free(f);
}

/* Tops a bucket up for the time since it was last, up to burst. A clock
 * that goes back (replayed events out of order) adds nothing. */
static void refill(struct bucket *b, uint32_t burst, uint32_t per_minute,
		   uint64_t now)
{
	if (now > b->at_ns) {
		b->tokens += (double)(now - b->at_ns) * per_minute / 60e9;
		b->at_ns = now;
	}
	if (b->tokens > burst)
		b->tokens = burst;
}

static void entry_init(struct flood_entry *e, uint64_t cgroup_id,
		       uint32_t burst, uint64_t now)
{
	memset(e, 0, sizeof(*e));
	e->used = 1;
	e->cgroup_id = cgroup_id;
	for (int c = 0; c < TT_FLOOD_CLASSES; c++)
		e->b[c] = (struct bucket){ burst, now };
}

/* Nothing pending and every bucket full again: as good as new. */
static int entry_idle(struct flood_entry *e, const struct tt_rate_limits *lim,
		      uint64_t now)
{
	for (int c = 0; c < TT_FLOOD_CLASSES; c++) {
		refill(&e->b[c], lim->burst, lim->per_minute, now);
		if (e->sum[c].count || e->b[c].tokens < lim->burst)
			return 0;
	}
	return 1;
}

static struct flood_entry *entry_for(struct tt_flood *f, uint64_t cgroup_id,
				     uint64_t now)
{
	size_t mask = TT_FLOOD_CGROUPS - 1;
	size_t h = (size_t)((cgroup_id * 0x9e3779b97f4a7c15ull) >> 32) & mask;
	struct flood_entry *idle = NULL;

	_Static_assert(!(TT_FLOOD_CGROUPS & (TT_FLOOD_CGROUPS - 1)),
		       "TT_FLOOD_CGROUPS: a power of two");
	for (size_t i = 0; i < TT_FLOOD_CGROUPS; i++) {
		struct flood_entry *e = &f->tab[(h + i) & mask];

		if (!e->used) {
			entry_init(e, cgroup_id, f->lim->burst, now);
			return e;
		}
		if (e->cgroup_id == cgroup_id)
			return e;
		if (!idle && entry_idle(e, f->lim, now))
			idle = e;
	}
	/* Full: the cgroup takes an idle entry's place (the chains stay
	 * whole: no entry is ever emptied), else shares the overflow. */
	if (idle) {
		entry_init(idle, cgroup_id, f->lim->burst, now);
		return idle;
	}
	if (!f->shared.used) {
		entry_init(&f->shared, 0, f->lim->burst, now);
		f->shared.shared = 1;
	}
	f->st.shared_bucket++;
	return &f->shared;
}

static void sum_add(struct flood_sum *s, const struct tt_xrec *rec,
		    uint32_t pid, const char *comm, uint64_t now)
{
	if (!s->count++) {
		s->from_ns = now;
		s->pid = pid;
		snprintf(s->comm, sizeof(s->comm), "%s", comm ? comm : "");
		snprintf(s->host, sizeof(s->host), "%s", rec->host ? rec->host : "");
		snprintf(s->provider, sizeof(s->provider), "%s",
			 rec->call ? rec->call->provider : "");
	}
	if (now > s->to_ns)
		s->to_ns = now;
}

int tt_flood_admit(struct tt_flood *f, const struct tt_xrec *rec, uint32_t pid,
		   const char *comm, uint64_t cgroup_id, uint64_t now_ns)
{
	const struct tt_rate_limits *lim = f ? f->lim : NULL;
	int c = tt_flood_class_of(rec);
	struct flood_entry *e;
	struct bucket *g;

	if (c < 0 || !lim || !lim->burst)
		return 1;
	if (!f->global_set) {
		for (int k = 0; k < TT_FLOOD_CLASSES; k++)
			f->global[k] = (struct bucket){ lim->global_burst, now_ns };
		f->global_set = 1;
	}
	e = entry_for(f, cgroup_id, now_ns);
	g = &f->global[c];
	refill(&e->b[c], lim->burst, lim->per_minute, now_ns);
	refill(g, lim->global_burst, lim->global_per_minute, now_ns);
	if (e->b[c].tokens >= 1 && g->tokens >= 1) {
		e->b[c].tokens -= 1;
		g->tokens -= 1;
		return 1;
	}
	sum_add(&e->sum[c], rec, pid, comm, now_ns);
	if (c == TT_FLOOD_UNANSWERED)
		f->st.limited_unanswered++;
	else if (c == TT_FLOOD_UNRECOGNISED)
		f->st.limited_unrecognised++;
	else
		f->st.limited_dark++;
	return 0;
}

/* One event_summary line (docs/events.md). */
static long summary_line(const struct flood_entry *e, int c,
			 const struct tt_rate_limits *lim, char *buf, size_t cap)
{
	const struct flood_sum *s = &e->sum[c];
	char when[32];
	struct tt_jsonw w;

	tt_jsonw_init(&w, buf, cap);
	tt_jsonw_open(&w, NULL);
	tt_jsonw_str(&w, "type", "event_summary");
	tt_jsonw_int(&w, "version", 1);
	tt_jsonw_str(&w, "class", class_names[c]);
	tt_record_time(s->from_ns, when);
	tt_jsonw_str(&w, "first", when);
	tt_record_time(s->to_ns, when);
	tt_jsonw_str(&w, "last", when);
	tt_jsonw_int(&w, "events_not_written", (int64_t)s->count);
	tt_jsonw_int(&w, "cgroup_id", (int64_t)e->cgroup_id);
	tt_jsonw_bool(&w, "shared_bucket", e->shared);
	tt_jsonw_open(&w, "sample");
	tt_jsonw_int(&w, "pid", s->pid);
	tt_jsonw_str(&w, "comm", s->comm);
	tt_jsonw_str(&w, "server_address", s->host);
	tt_jsonw_str(&w, "provider", s->provider);
	tt_jsonw_close(&w);
	tt_jsonw_open(&w, "limit");
	tt_jsonw_int(&w, "burst", lim->burst);
	tt_jsonw_int(&w, "per_minute", lim->per_minute);
	tt_jsonw_close(&w);
	tt_jsonw_close(&w);
	return tt_jsonw_finish(&w);
}

static void flush_entry(struct tt_flood *f, struct flood_entry *e,
			uint64_t now, int all,
			void (*line)(void *ctx, const char *s, size_t n),
			void *ctx)
{
	uint64_t every = (uint64_t)(f->lim->summary_interval_s
					    ? f->lim->summary_interval_s : 60) *
			 1000000000ull;
	char buf[1024];

	for (int c = 0; c < TT_FLOOD_CLASSES; c++) {
		struct flood_sum *s = &e->sum[c];
		long n;

		if (!s->count || (!all && (now < s->from_ns ||
					   now - s->from_ns < every)))
			continue;
		n = summary_line(e, c, f->lim, buf, sizeof(buf));
		if (n > 0 && line)
			line(ctx, buf, (size_t)n);
		f->st.summaries++;
		memset(s, 0, sizeof(*s));
	}
}

void tt_flood_flush(struct tt_flood *f, uint64_t now_ns, int all,
		    void (*line)(void *ctx, const char *s, size_t n), void *ctx)
{
	if (!f || !f->lim)
		return;
	for (size_t i = 0; i < TT_FLOOD_CGROUPS; i++)
		if (f->tab[i].used)
			flush_entry(f, &f->tab[i], now_ns, all, line, ctx);
	if (f->shared.used)
		flush_entry(f, &f->shared, now_ns, all, line, ctx);
}

const struct tt_flood_stats *tt_flood_get_stats(const struct tt_flood *f)
{
	return &f->st;
}

/* ---- the pipeline's side (pipeline_impl.h) ---- */

static void to_sinks(void *ctx, const char *s, size_t n)
{
	struct tt_pipeline *p = ctx;

	for (size_t i = 0; i < p->nsinks; i++)
		if (p->sinks[i].record)
			p->sinks[i].record(p->sinks[i].ctx, s, n);
}

void tt_pipeline_flood_flush(struct tt_pipeline *p, uint64_t now_ns, int all)
{
	tt_flood_flush(p->flood, all ? 0 : tt_pipeline_real_ns(p, now_ns), all,
		       to_sinks, p);
}
