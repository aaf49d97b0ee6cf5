/* SPDX-License-Identifier: MIT */
/*
 * Every counter of the agent in one table (counters.c): each counter of
 * each module's list (util/counters.h) with its agent_stats key and its
 * Prometheus health series, and the health families with their help text.
 * The agent_stats record, the health metrics and the lists in
 * docs/metrics.md are all made by walking that table.
 *
 * Pure: no module is called here (agent/stats.c gathers the counters into
 * a struct tt_agent_counters), so unit tests and tools link it alone.
 */
#ifndef TT_AGENT_COUNTERS_H
#define TT_AGENT_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "tt_abi.h"
#include "util/counters.h"
#include "pipeline/pipeline.h"
#include "alloc/event.h"
#include "metrics/metrics.h"
#include "agent/attach.h"
#include "agent/cgroups.h"
#include "agent/procinfo.h"
#include "agent/output.h"
#include "agent/otlp_export.h"
#include "agent/prom.h"
#include "agent/tlslib.h"

struct cJSON;

/* The agent loop's own counters. */
#define TT_LOOP_COUNTERS(X)                                                    \
	X(proc_events, "exec and library-load events seen")                    \
	X(swept, "kernel connection entries of exited processes removed")      \
	X(reloads_ok, "configuration reloads (SIGHUP) applied")                \
	X(reloads_failed, "configuration reloads refused: the old one kept")   \
	X(id_fallbacks, "event ids made without getrandom()")

struct tt_loop_stats {
	TT_LOOP_COUNTERS(TT_COUNTER_FIELD)
};

/* Which parts of a snapshot were read; agent_stats leaves the others
 * out (the health metrics read them as 0). */
enum {
	TT_HAVE_BPF = 1 << 0,
	TT_HAVE_ATTACH = 1 << 1,
	TT_HAVE_FACTS = 1 << 2,
	TT_HAVE_CGROUPS = 1 << 3,
	TT_HAVE_OTLP = 1 << 4,
};

/* Every counter at one moment: each module's stats struct, whole. */
struct tt_agent_counters {
	unsigned have;                  /* TT_HAVE_* */
	uint64_t bpf[TT_C_MAX];         /* the kernel's (TT_BPF_COUNTERS) */
	uint64_t targets;               /* a level: files with probes */
	struct tt_pipeline_stats pipe;
	struct tt_conntab_stats conns;
	struct tt_attach_stats attach;
	struct tt_tlslib_stats tlslib;
	struct tt_alloc_stats alloc;
	struct tt_procinfo_stats facts;
	struct tt_cgroups_stats cgroups;
	struct tt_output_stats ledger;
	struct tt_otlp_export_stats otlp;
	struct tt_loop_stats loop;
	struct tt_prom_stats prom;
};

/* One counter: where it goes. */
struct tt_counter_row {
	const char *section; /* agent_stats object ("allocation.pricing");
			      * NULL: not in agent_stats */
	const char *key;
	int family;          /* index into tt_families; -1: no health series */
	const char *label;   /* the family's label value; NULL: it has none */
	size_t off;          /* of the uint64_t in struct tt_agent_counters */
};

/* A health family: a counter or a gauge, with at most one label. */
struct tt_family {
	const char *name, *help;
	int type;              /* TT_METRIC_COUNTER or TT_METRIC_GAUGE */
	const char *label[2];  /* the label's name, NULL; or NULL: none */
};

/* A counter as its module lists it: the text docs show for it. */
struct tt_counter_field {
	size_t off;
	const char *name;    /* "pipe.events": the member in the snapshot */
	const char *doc;
};

extern const struct tt_counter_row tt_counter_rows[];
extern const size_t tt_counter_nrows;
extern const struct tt_family tt_families[];
extern const size_t tt_nfamilies;
extern const struct tt_counter_field tt_counter_fields[];
extern const size_t tt_counter_nfields;

/* Bumped when a key is renamed or removed (2: the decode reason keys
 * took their Prometheus label's spelling). */
#define TT_AGENT_STATS_VERSION 2

/* The agent_stats record: type, version and one object per section.
 * NULL when out of memory. */
struct cJSON *tt_counters_json(const struct tt_agent_counters *c);

/* The value of the counter at off. */
uint64_t tt_counters_value(const struct tt_agent_counters *c, size_t off);
/* What a counter is (its module's text), or NULL if no list has it. */
const struct tt_counter_field *tt_counters_field(size_t off);

#define TT_HEALTH_FAMILIES_MAX 40

struct tt_health_metrics {
	struct tt_mfam *fam[TT_HEALTH_FAMILIES_MAX];
};

/* Creates every health family in m, each series at 0 (a reason reads 0,
 * not absent, until it happens). 0, or -EINVAL (registry full, a bug). */
int tt_counters_health_init(struct tt_health_metrics *hm, struct tt_metrics *m);
/* Mirrors c into the families. */
void tt_counters_health_set(struct tt_health_metrics *hm,
			    const struct tt_agent_counters *c);

/* The markdown docs/metrics.md holds between its markers (counters_doc.c):
 * which is "health" (the health families) or "agent_stats" (every key).
 * 0, or -EINVAL for another name. */
int tt_counters_doc(const char *which, FILE *f);

#endif
