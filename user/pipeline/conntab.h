/* SPDX-License-Identifier: MIT */
/*
 * Connection table: one entry per (tgid, SSL *) the capture has reported.
 * Accounts each direction's byte stream by offset, so every hole (a lost
 * event, a truncated call, a failed read) is measured exactly, and can keep
 * a SHA-256 of the bytes delivered in order (--stream-digest) to prove the
 * capture is byte-exact. Bounded: a full table refuses new entries and
 * counts the refusal.
 */
#ifndef TT_CONNTAB_H
#define TT_CONNTAB_H

#include <stdint.h>
#include <stddef.h>
#include <openssl/evp.h>
#include "pipeline/classify.h"
#include "util/counters.h"

struct tt_dirstat {
	uint64_t next_off;  /* first stream offset not yet accounted */
	uint64_t bytes;     /* bytes transferred (captured + gaps) */
	uint64_t cap_bytes; /* bytes delivered in order */
	uint64_t gap_bytes; /* bytes known to be missing */
	uint64_t dup_bytes; /* bytes seen twice (offset went back) */
	uint64_t calls;     /* data events */
	EVP_MD_CTX *digest; /* NULL unless digests are on */
};

struct tt_conn {
	struct tt_conn *next; /* hash chain */
	uint32_t pid, tid;
	uint64_t ptr;
	uint64_t cgroup_id;
	uint64_t t_first_ns, t_last_ns;
	int first_dir;     /* -1 until the first data event */
	int verdict;       /* TT_VERDICT_* as user space decided */
	const char *reason;   /* how it was classified (static string) */
	const char *provider; /* the host table's, NULL when filtered */
	struct tt_http_peek *req; /* first request line: connection records only */
	char *sni;         /* the server name, "" (static) until one is set */
	char comm[16];
	uint8_t lib;       /* enum tt_lib of the first event */
	uint8_t *peek;     /* first egress bytes while undecided */
	size_t peek_len;
	/* First ingress bytes while undecided (an HTTP/2 server's SETTINGS
	 * arrive before the request that decides): kept so the decoder sees
	 * the stream from its start. */
	uint8_t *ipeek;
	size_t ipeek_len;
	struct tt_dirstat dir[2];
	void *decoder;     /* the pipeline's decoding state */
	uint64_t sock_cookie; /* the socket carrying it (observer), 0: unknown */
};

/* The table's counters (util/counters.h). */
#define TT_CONNTAB_COUNTERS(X)                                                 \
	X(live, "a level: connections tracked now")                            \
	X(created, "connections tracked")                                      \
	X(removed, "connections no longer tracked")                            \
	X(table_full, "connections not tracked: the table was at its cap")     \
	X(gap_bytes, "stream bytes never seen (lost or not captured)")         \
	X(dup_bytes, "stream bytes seen twice, dropped")

struct tt_conntab_stats {
	TT_CONNTAB_COUNTERS(TT_COUNTER_FIELD)
};

struct tt_conntab;

/* cap: most live connections. digests: keep SHA-256 per direction. */
struct tt_conntab *tt_conntab_new(size_t cap, int digests);
void tt_conntab_free(struct tt_conntab *tab);

/* Sets conn's server name (len bytes, no NUL needed; at most 255 kept):
 * 0 or -ENOMEM (the name stays as it was). */
int tt_conn_set_sni(struct tt_conn *conn, const char *name, size_t len);

/* Returns the entry, creating it if asked; NULL when absent or full. */
struct tt_conn *tt_conntab_get(struct tt_conntab *tab, uint32_t pid,
			       uint64_t ptr, int create);
/* Unlinks and frees an entry. */
void tt_conntab_remove(struct tt_conntab *tab, struct tt_conn *conn);

/*
 * Accounts [off, off+len) of one direction. data holds cap_len bytes
 * (cap_len == len for captured bytes, 0 for a gap). Returns 0.
 */
int tt_conn_account(struct tt_conntab *tab, struct tt_conn *conn, int dir,
		    uint64_t off, uint32_t len, const uint8_t *data,
		    uint32_t cap_len);

/*
 * The stream of one direction is known to end at final_off (the kernel's
 * count): bytes past what was accounted are a trailing gap, events lost at
 * the very end. Returns the bytes added as a gap.
 */
uint64_t tt_conn_account_end(struct tt_conntab *tab, struct tt_conn *conn,
			     int dir, uint64_t final_off);

/* Hex SHA-256 of a direction so far (65 bytes); "" when digests are off. */
void tt_conn_digest_hex(const struct tt_conn *conn, int dir, char out[65]);

/* Appends egress bytes to the classification buffer (capped at
 * TT_PEEK_MAX). Returns 0 or -ENOMEM. */
int tt_conn_peek_append(struct tt_conn *conn, const uint8_t *data, size_t n);
/* Ingress bytes at stream offset off while undecided: kept when they
 * continue what is kept (up to TT_PEEK_MAX). Returns 0 or -ENOMEM. */
int tt_conn_ipeek_append(struct tt_conn *conn, uint64_t off,
			 const uint8_t *data, size_t n);
void tt_conn_peek_drop(struct tt_conn *conn);

/* Calls cb for each entry (of pid, or all when pid == 0). cb may remove the
 * entry it is given. */
typedef void (*tt_conn_cb)(struct tt_conn *conn, void *ctx);
void tt_conntab_each(struct tt_conntab *tab, uint32_t pid, tt_conn_cb cb,
		     void *ctx);

void tt_conntab_get_stats(const struct tt_conntab *tab,
			  struct tt_conntab_stats *out);

#endif
