/* SPDX-License-Identifier: MIT */
/*
 * The pipeline core: capture records (the tt_ev_* ABI of tt_abi.h) in,
 * allocation events out. It owns the connection lifecycle (the table,
 * byte accounting by stream offset, gaps), classification (server name or
 * first request: AI traffic or not, and the verdict for the kernel), the
 * decoding of AI connections (exchange/) and the allocation event of each
 * call (alloc/), handed to every sink of its table.
 *
 * The live agent feeds it from the ring buffer; `tokentap replay` turns
 * capture files into the same records. Pure apart from what the caller
 * hands in through struct tt_pipeline_ops: no syscalls of its own, so
 * golden replay runs the live path without root.
 */
#ifndef TT_PIPELINE_H
#define TT_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "alloc/event.h"
#include "exchange/exchange.h"
#include "hosts/hosts.h"
#include "pipeline/conntab.h"
#include "pipeline/sink.h"
#include "pipeline/socks.h"
#include "util/counters.h"

#define TT_PIPELINE_SINKS_MAX 8

/* What the pipeline asks of its caller. Any member may be NULL. */
struct tt_pipeline_ops {
	/* Tell the kernel a connection's verdict (only FILTER is written:
	 * pending connections are captured already). 0 or -errno. */
	int (*set_verdict)(void *ctx, uint32_t pid, uint64_t conn, int verdict);
	/* The kernel's final stream offsets of a live connection (when its
	 * process exits or the agent stops): 0, or -ENOENT. */
	int (*conn_offsets)(void *ctx, uint32_t pid, uint64_t conn,
			    uint64_t off[2]);
	/* Facts about a process, held while one of its connections is
	 * decoded: get returns a handle (NULL: none), facts fills pf from it
	 * (pointers valid until the next call), put drops it. key: the TLS
	 * connection's library pointer, or a socket's cookie. */
	void *(*proc_get)(void *ctx, uint32_t pid, uint64_t key,
			  uint64_t cgroup_id, const char *comm);
	void (*proc_facts)(void *ctx, void *handle, uint32_t pid,
			   struct tt_proc_facts *pf);
	void (*proc_put)(void *ctx, void *handle);
	/* Why an AI connection of pid was not decrypted, when the pipeline
	 * cannot tell ("tls_not_traced", "attach_failed", ...). NULL:
	 * "tls_not_traced". */
	const char *(*dark_reason)(void *ctx, const struct tt_sock_rec *rec);
	/* A new event id (UUID text). */
	void (*event_id)(void *ctx, char out[37]);
};

struct tt_pipeline_config {
	const struct tt_hosts *hosts;    /* the host table: which names are AI */
	struct tt_alloc *alloc;          /* owners, prices (its stats count) */
	const char *const *keep_headers; /* allocation headers the decoders keep */
	const uint8_t *body_key;         /* request body hash key (exchange.h) */
	size_t max_connections;          /* the connection table's cap */
	int digests;                     /* SHA-256 per direction (tests) */
	int connection_records;          /* a "connection" record per AI connection */
	uint32_t self_pid;               /* events of this process are filtered */
	int64_t mono_to_real_ns;         /* added to event timestamps */
	size_t max_socks;                /* AI connections tracked (observer) */
	/* An AI connection still open when the agent stops is left to the
	 * next agent (its state is pinned) instead of booked now. */
	int leave_open_socks;
	/* How long after its end a connection waits for its TLS side before
	 * it is booked as dark (ns). */
	uint64_t dark_grace_ns;
};

/* Every counter of the pipeline (util/counters.h); all running totals. */
#define TT_PIPELINE_COUNTERS(X)                                                \
	X(events, "capture events read")                                       \
	X(bad_events, "capture events malformed")                              \
	X(untracked_events, "events of connections the table had no room for") \
	X(after_filter_events, "events sent before the filter verdict landed") \
	X(conns_captured, "connections classified as AI traffic")              \
	X(conns_filtered, "connections classified as not AI traffic")          \
	X(conns_unclassified, "connections that ended unclassified")           \
	X(h2_midway, "HTTP/2 connections joined mid-way: not decodable")       \
	X(verdict_errors, "filter verdicts the kernel did not take")           \
	X(records, "connection records written")                               \
	X(calls, "allocation events handed to the outputs")                    \
	X(call_errors, "allocation events that could not be built")            \
	X(decoders, "AI connections decoded")                                  \
	X(decoder_alloc_failures, "AI connections not decoded: out of memory")    \
	/* The connection observer's AI connections (pipeline/socks.h). */       \
	X(socks_opened, "AI connections the observer reported")                \
	X(socks_not_ai, "names the kernel could not decide that were not AI")  \
	X(socks_table_full, "AI connections not tracked: table at its cap")    \
	X(socks_linked, "AI connections tied to a TLS connection")             \
	X(socks_decoded, "AI connections whose TLS connection was decoded")    \
	X(socks_tied_late, "AI connections tied by time, not by the kernel")   \
	X(dark_connections, "AI connections booked dark: nothing decoded")     \
	X(sock_named_conns, "TLS connections named by their ClientHello")

struct tt_pipeline_stats {
	TT_PIPELINE_COUNTERS(TT_COUNTER_FIELD)
	struct tt_xconn_stats x; /* of finished connections */
};

struct tt_pipeline;

/* Returns NULL when out of memory. The config's pointers must outlive the
 * pipeline (they may be swapped in place on reload). */
struct tt_pipeline *tt_pipeline_new(const struct tt_pipeline_config *cfg,
				    const struct tt_pipeline_ops *ops,
				    void *ops_ctx);
void tt_pipeline_free(struct tt_pipeline *p);

/* Adds an output. Returns 0, or -E2BIG when the table is full. */
int tt_pipeline_add_sink(struct tt_pipeline *p, const struct tt_sink *sink);

/* One capture record of size bytes (struct tt_ev_hdr first). Process
 * events (exec, library loads) are not the pipeline's: it returns 1 for
 * them so the caller can handle them, else 0. */
int tt_pipeline_event(struct tt_pipeline *p, const void *data, size_t size);

/* Finishes every connection (end "agent_stop"): events of calls in
 * flight are written, and AI connections nobody decoded are booked (those
 * still open only when config.leave_open_socks is 0). The pipeline stays
 * usable. */
void tt_pipeline_finish_all(struct tt_pipeline *p);

/* Timers: AI connections that ended dark_grace_ns before now_ns
 * (CLOCK_MONOTONIC, the capture's clock) without a decoded TLS connection
 * become dark connection events. */
void tt_pipeline_tick(struct tt_pipeline *p, uint64_t now_ns);

/* Calls cb with the pid of every open AI connection (observer) and every
 * live decoded TLS connection: processes that still talk to AI hosts
 * (idle disarming). A pid may come more than once. */
void tt_pipeline_active_pids(struct tt_pipeline *p,
			     void (*cb)(void *ctx, uint32_t pid), void *ctx);

void tt_pipeline_get_stats(const struct tt_pipeline *p,
			   struct tt_pipeline_stats *out);
void tt_pipeline_conn_stats(const struct tt_pipeline *p,
			    struct tt_conntab_stats *out);

#endif
