/* SPDX-License-Identifier: MIT */
/* Internals shared by pipeline.c (TLS connections) and dark.c (the
 * observer's AI connections). */
#ifndef TT_PIPELINE_IMPL_H
#define TT_PIPELINE_IMPL_H

#include "pipeline/pipeline.h"

/* The decoding state of one AI connection (conn->decoder). */
struct dconn {
	struct tt_pipeline *p;
	struct tt_conn *conn;
	struct tt_xconn *x;
	void *proc; /* the caller's process facts handle, or NULL */
};

/* Where AI connections with a name went (dark.c, name_by_peer). */
#define TT_PEERS_MAX 256

struct tt_peer {
	uint32_t addr[4];
	uint16_t port, family;
	uint8_t name_len;
	char name[TT_SOCK_NAME_MAX];
	const char *provider;
	uint64_t seen; /* 0: empty */
};

/* Decoded TLS connections that ended with no socket tied to them (dark.c,
 * claim_orphan): a power of two, the oldest overwritten. */
#define TT_ORPHANS_MAX 256

struct tt_orphan {
	uint32_t pid; /* 0: empty or claimed */
	uint64_t t_first_ns;
};

struct tt_pipeline {
	struct tt_pipeline_config cfg;
	struct tt_pipeline_ops ops;
	void *ops_ctx;
	struct tt_conntab *conns;
	struct tt_socks *socks;
	struct tt_sink sinks[TT_PIPELINE_SINKS_MAX];
	size_t nsinks;
	struct tt_pipeline_stats st;
	uint64_t last_now; /* the last tick's time */
	struct tt_peer peers[TT_PEERS_MAX];
	uint64_t peer_clock;
	struct tt_orphan orphans[TT_ORPHANS_MAX];
	size_t norphans; /* orphans added so far */
};

/* One allocation event for rec, with the process facts of handle (NULL:
 * pid, comm and cgroup only), to every sink. */
void tt_pipeline_emit(struct tt_pipeline *p, const struct tt_xrec *rec,
		      void *handle, uint32_t pid, const char *comm,
		      uint64_t cgroup_id);
uint64_t tt_pipeline_real_ns(const struct tt_pipeline *p, uint64_t mono);

/* dark.c */
void tt_dark_on_sock(struct tt_pipeline *p, const struct tt_ev_sock *ev);
/* A TLS connection was classified, or appeared: tie it to its socket. */
void tt_dark_on_conn(struct tt_pipeline *p, struct tt_conn *conn);
/* A TLS connection ends: a decoded one no socket carried is kept for a
 * while, for a socket the kernel could not tie (claim_orphan). */
void tt_dark_on_conn_end(struct tt_pipeline *p, const struct tt_conn *conn);
/* Books or forgets every closed connection (all: open ones too). */
void tt_dark_flush(struct tt_pipeline *p, uint64_t now_ns, int all);
/* Forgets every connection left (for a successor), giving back their
 * process facts. */
void tt_dark_free(struct tt_pipeline *p);

#endif
