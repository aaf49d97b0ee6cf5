/* SPDX-License-Identifier: MIT */
/*
 * Event ABI shared by bpf/ and user/: fixed-width types only, no pointers,
 * explicit padding. Both sides _Static_assert the sizes so a change on one
 * side cannot silently misparse on the other.
 */
#ifndef TT_ABI_H
#define TT_ABI_H

#if defined(__bpf__)
/* vmlinux.h already provides __u8.. in BPF builds. */
#else
#include <linux/types.h>
#endif

#define TT_ABI_VERSION 1

/* Payload bytes carried by one data event. A per-CPU scratch value holds one
 * event, and per-CPU values are capped at 32 KiB by the kernel. */
#define TT_CHUNK_MAX 16384u
/* Chunks emitted for one SSL call; the rest of a larger call is a gap. */
#define TT_CHUNKS_PER_CALL_MAX 256u
#define TT_SNI_MAX 256u

enum tt_ev_type {
	TT_EV_DATA = 1,    /* bytes of one call (or a gap: cap_len == 0) */
	TT_EV_SNI = 2,     /* client set the TLS server name */
	TT_EV_CLOSE = 3,   /* SSL object freed */
	TT_EV_EXEC = 4,    /* a process exec'd: look for new TLS code */
	TT_EV_EXIT = 5,    /* last thread of a traced process exited */
	TT_EV_LIBLOAD = 6, /* ld.so mapped new objects into a process */
};

enum tt_dir {
	TT_DIR_EGRESS = 0,  /* SSL_write*: plaintext the process sends */
	TT_DIR_INGRESS = 1, /* SSL_read*: plaintext the process receives */
};

enum tt_lib {
	TT_LIB_OPENSSL = 1,
};

/* Flags on data events. */
#define TT_F_GAP 0x1        /* bytes [stream_off, +len) were not captured */
#define TT_F_READ_FAULT 0x2 /* the gap is from a failed user-memory read */
#define TT_F_TRUNCATED 0x4  /* the gap is from the per-call chunk cap */

/* Verdicts written by user space into the conn map. */
enum tt_verdict {
	TT_VERDICT_PENDING = 0, /* not classified yet: capture */
	TT_VERDICT_CAPTURE = 1,
	TT_VERDICT_FILTER = 2, /* not AI traffic: count, emit nothing */
};

/* Per-CPU counters, summed by user space: TT_C_<ID> and what it counts,
 * listed once (user/util/counters.h). */
#define TT_BPF_COUNTERS(X)                                                     \
	X(RB_LOST_EVENTS, "capture events dropped: ring buffer full")          \
	X(RB_LOST_BYTES, "payload bytes of events the ring buffer dropped")    \
	X(FILTERED_CALLS, "TLS calls on filtered connections, skipped")        \
	X(CAPTURED_CALLS, "TLS calls captured")                                \
	X(CAPTURED_BYTES, "plaintext bytes captured")                          \
	X(TRUNC_BYTES, "bytes past the per-call chunk cap, not copied")        \
	X(FAULT_BYTES, "bytes whose user-memory read failed")                  \
	X(CONN_MAP_FULL, "connections not tracked: kernel map full")           \
	X(STASH_FULL, "calls not tracked: too many in flight")                 \
	X(SERVER_CONNS, "connections filtered: first transfer was a read")     \
	X(SNI_FILTERED, "connections filtered: server name not an AI host")

enum tt_counter {
#define TT_C_ENUM(id, doc) TT_C_##id,
	TT_BPF_COUNTERS(TT_C_ENUM)
#undef TT_C_ENUM
	TT_C_MAX,
};

struct tt_conn_key {
	__u32 pid; /* tgid */
	__u32 pad;
	__u64 ptr; /* the library's connection object (SSL *) */
};

struct tt_conn_val {
	__u8 verdict;
	__u8 lib;
	__u8 pad[6];
	__u64 off[2]; /* next stream offset per direction */
};

struct tt_ev_hdr {
	__u16 type;
	__u8 dir;
	__u8 flags;
	__u8 lib;
	__u8 pad[3];
	__u32 pid; /* tgid */
	__u32 tid;
	__u64 ts_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 cgroup_id;
	__u64 conn; /* ptr of the connection key; 0 for process events */
	char comm[16];
};

struct tt_ev_data {
	struct tt_ev_hdr hdr;
	__u64 stream_off; /* offset of this chunk in the direction's stream */
	__u32 call_len;   /* bytes the whole call transferred */
	__u32 len;        /* bytes this event covers */
	__u32 cap_len;    /* bytes present in data[] (0 for a gap) */
	__u32 pad;
	__u8 data[TT_CHUNK_MAX];
};

/* SSL_free of a tracked connection: the kernel's final stream offsets, so
 * that bytes whose events were lost at the very end still show as a gap. */
struct tt_ev_close {
	struct tt_ev_hdr hdr;
	__u64 off[2];
};

struct tt_ev_sni {
	struct tt_ev_hdr hdr;
	__u32 name_len;
	__u32 pad;
	char name[TT_SNI_MAX];
};

/*
 * In-kernel server-name matching. The name is hashed from its last byte to
 * its first (lower-cased); at each '.' the hash so far names the suffix
 * starting there, so one pass checks the exact name and every suffix.
 * User space stores exact names under their hash and suffix rules
 * ("*.openai.azure.com" -> ".openai.azure.com") under hash ^ TT_SNI_SUFFIX.
 */
#define TT_SNI_FNV_OFFSET 0xcbf29ce484222325ULL
#define TT_SNI_FNV_PRIME 0x100000001b3ULL
#define TT_SNI_SUFFIX 0x5bd1e9955bd1e995ULL
#define TT_SNI_RULES_MAX 1024

enum tt_sni_rule {
	TT_SNI_CAPTURE = 1, /* an AI endpoint: capture */
	TT_SNI_MAYBE = 2,   /* may be one: capture until user space decides */
};

static inline __u64 tt_sni_hash_step(__u64 h, unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (unsigned char)(c - 'A' + 'a');
	return (h ^ c) * TT_SNI_FNV_PRIME;
}

#define TT_EV_DATA_HDR_SIZE __builtin_offsetof(struct tt_ev_data, data)
#define TT_EV_DATA_SIZE(cap) (TT_EV_DATA_HDR_SIZE + (cap))

_Static_assert(sizeof(struct tt_ev_hdr) == 56, "tt_ev_hdr layout");
_Static_assert(TT_EV_DATA_HDR_SIZE == 80, "tt_ev_data header layout");
_Static_assert(sizeof(struct tt_ev_sni) == 64 + TT_SNI_MAX, "tt_ev_sni");
_Static_assert(sizeof(struct tt_conn_val) == 24, "tt_conn_val layout");
_Static_assert(sizeof(struct tt_ev_close) == 72, "tt_ev_close layout");
_Static_assert((TT_CHUNK_MAX & (TT_CHUNK_MAX - 1)) == 0, "chunk pow2");

#endif
