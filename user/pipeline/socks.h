/* SPDX-License-Identifier: MIT */
/*
 * The AI connections the connection observer reports (tt_ev_sock), for the
 * pipeline: which TLS connection of the probes carries each one (the
 * kernel ties them, "linked"), and whether that connection was decoded.
 * An AI connection that ends without a decoded TLS connection is booked as
 * a dark connection: spend we know happened and could not measure. Pure
 * and bounded: a full table refuses new connections and counts them.
 */
#ifndef TT_SOCKS_H
#define TT_SOCKS_H

#include <stddef.h>
#include <stdint.h>
#include "tt_abi.h"

#define TT_SOCKS_MAX_DEFAULT 65536

struct tt_sock_rec {
	struct tt_sock_rec *next_cookie, *next_link; /* hash chains */
	struct tt_ai_sock s;     /* as the kernel last reported it */
	const char *provider;    /* the host table's, NULL: not (yet) known AI */
	char comm[16];
	uint64_t t_close;        /* CLOCK_MONOTONIC of the end, 0: open */
	uint64_t bytes_sent, bytes_received;
	uint32_t link_pid;       /* the TLS connection carrying it, when linked */
	uint64_t link_ptr;
	int linked;
	int decoded;             /* that TLS connection is captured and decoded */
	const char *undecodable; /* ... or why it could not be (a reason) */
	int name_by_address;     /* name and provider from another connection
				  * to the same address and port */
	int in_link_index;
	void *proc;              /* the process facts handle (dark.c), or NULL */
};

struct tt_socks_stats {
	uint64_t opened, closed, table_full, not_ai, linked, decoded, dark;
	uint64_t tied_late; /* tied in user space (dark.c, claim_orphan) */
};

struct tt_socks;

struct tt_socks *tt_socks_new(size_t cap);
void tt_socks_free(struct tt_socks *t);

/* The record of a socket cookie, or NULL. */
struct tt_sock_rec *tt_socks_get(struct tt_socks *t, uint64_t cookie);
/* A new record (s copied): NULL when full (counted) or out of memory. */
struct tt_sock_rec *tt_socks_add(struct tt_socks *t, const struct tt_ai_sock *s);
/* The record linked to (pid, TLS connection), or NULL. */
struct tt_sock_rec *tt_socks_by_link(struct tt_socks *t, uint32_t pid,
				     uint64_t ptr);
/* Ties rec to (pid, ptr) in the link index (replacing an older tie). */
void tt_socks_link(struct tt_socks *t, struct tt_sock_rec *rec, uint32_t pid,
		   uint64_t ptr);
/* Unlinks and frees. */
void tt_socks_remove(struct tt_socks *t, struct tt_sock_rec *rec);

/* Calls cb for each record; cb may remove the one it is given. */
void tt_socks_each(struct tt_socks *t,
		   void (*cb)(struct tt_sock_rec *rec, void *ctx), void *ctx);

size_t tt_socks_count(const struct tt_socks *t);
struct tt_socks_stats *tt_socks_stats(struct tt_socks *t);

#endif
