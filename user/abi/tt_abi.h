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

/* Bumped when a struct shared with the kernel changes layout: state pinned
 * by an older agent (capture.state_dir) is then not reused. */
#define TT_ABI_VERSION 2

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
	TT_EV_SOCK = 7,    /* an AI connection at the socket layer (tt_ev_sock) */
	TT_EV_FORK = 8,    /* an armed process forked: hdr.pid the child,
			    * hdr.conn the parent */
};

enum tt_dir {
	TT_DIR_EGRESS = 0,  /* SSL_write*: plaintext the process sends */
	TT_DIR_INGRESS = 1, /* SSL_read*: plaintext the process receives */
};

/* The TLS implementation behind a connection (tt_ev_hdr.lib). */
enum tt_lib {
	TT_LIB_OPENSSL = 1,   /* libssl, node's copy, static OpenSSL 3 */
	TT_LIB_GNUTLS = 2,
	TT_LIB_GO = 3,        /* Go crypto/tls */
	TT_LIB_BORINGSSL = 4, /* Bun and other BoringSSL users */
	TT_LIB_SOCKET = 5,    /* not a TLS library: the connection observer */
	TT_LIB_RUSTLS = 6,    /* rustls, read at aws-lc's AEAD (Codex) */
	TT_LIB_MAX,
};

/*
 * What a probed TLS function is, in the attach cookie of its probes
 * (TT_COOKIE): one entry program and one return program serve every
 * library, told apart by the cookie. arg: for the _EX roles, the index
 * (0-based) of the size_t * argument that receives the byte count.
 */
enum tt_probe_role {
	TT_ROLE_WRITE = 1,   /* int f(conn, const void *buf, int n): ret bytes or <= 0 */
	TT_ROLE_READ,        /* int f(conn, void *buf, int n) */
	TT_ROLE_WRITE_EX,    /* int f(conn, buf, n, ..., size_t *done): 1 -> *done */
	TT_ROLE_READ_EX,
	TT_ROLE_WRITE_SSIZE, /* ssize_t f(conn, buf, n): gnutls_record_send */
	TT_ROLE_READ_SSIZE,
	TT_ROLE_NAME_CTRL,   /* long f(conn, int cmd, long larg, void *parg): SSL_ctrl 55 */
	TT_ROLE_NAME_LEN,    /* int f(conn, int type, const void *name, size_t len) */
	TT_ROLE_NAME_CSTR,   /* int f(conn, const char *name): SSL_set_tlsext_host_name */
	TT_ROLE_FREE,        /* void f(conn): the connection object is gone */
	TT_ROLE_GO_WRITE,    /* Go (*Conn).Write: RAX conn, RBX buf, RCX len */
	TT_ROLE_GO_READ,
	TT_ROLE_GO_CLOSE,
	/* aws-lc's AEAD under rustls: one TLS record per call, keyed by the
	 * write key's EVP_AEAD_CTX (bpf/aead.bpf.h). Stack arguments. */
	TT_ROLE_AEAD_SEAL,         /* EVP_AEAD_CTX_seal: in, in_len, ad, ad_len at arg 7-10 */
	TT_ROLE_AEAD_SEAL_SCATTER, /* ..._seal_scatter: in, in_len at arg 8-9, ad at 12-13 */
	TT_ROLE_AEAD_OPEN,         /* EVP_AEAD_CTX_open: out, *out_len; ad at arg 9-10 */
};

#define TT_COOKIE(lib, role, arg) \
	(((__u64)(lib) << 16) | ((__u64)(arg) << 8) | (__u64)(role))
#define TT_COOKIE_ROLE(c) ((__u32)((c) & 0xff))
#define TT_COOKIE_ARG(c) ((__u32)(((c) >> 8) & 0xff))
#define TT_COOKIE_LIB(c) ((__u32)(((c) >> 16) & 0xff))

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
	X(SNI_FILTERED, "connections filtered: server name not an AI host")    \
	/* The connection observer: per TCP connection, any TLS stack. */      \
	X(SOCK_CONNECTS, "outbound TCP connects seen by the observer")         \
	X(SOCK_AI, "ClientHellos naming an AI host")                           \
	X(SOCK_MAYBE, "ClientHellos naming a host only user space can decide") \
	X(SOCK_NOT_TLS, "connections whose first bytes name no AI host")       \
	X(SOCK_PARSE_GAVEUP, "ClientHellos the kernel could not parse")        \
	X(SOCK_HELD, "AI connections held for their process's probes")         \
	X(SOCK_HOLD_DROPS, "segments dropped while a connection was held")     \
	X(SOCK_FAILOPEN, "holds ended by their deadline, not by the agent")    \
	X(SOCK_LINKED, "AI connections tied to their TLS connection")          \
	X(SOCK_TABLE_FULL, "AI connections not listed: ai_socks full")         \
	X(SOCK_KICKED, "held segments pushed out once the process was armed") \
	X(SOCK_EV_LOST, "observer events dropped: process ring buffer full")   \
	X(AEAD_UNTIED, "rustls records read with no AI socket to tie them to") \
	X(AEAD_UNPARSED, "rustls records whose type could not be read")

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
 * The connection observer. Every outbound TCP connection gets a record in
 * the socket's local storage at connect(); its first bytes are parsed as a
 * TLS ClientHello in the kernel and the server name matched against the
 * same hashed host rules. An AI connection is also listed in the ai_socks
 * hash (by socket cookie, so that user space can enumerate them after a
 * restart) and reported to user space: opened, tied to a TLS connection
 * of the TLS probes ("linked"), closed with its byte counts.
 */
#define TT_SOCK_NAME_MAX 128u /* server name bytes kept: the tail */

enum tt_sock_state {
	TT_SOCK_PARSING = 0, /* connected; waiting for or inside the ClientHello */
	TT_SOCK_AI = 1,      /* an AI host */
	TT_SOCK_MAYBE = 2,   /* a name only user space can decide */
	TT_SOCK_OTHER = 3,   /* not TLS, no name, or not an AI host */
};

/* tt_sock_val.flags / tt_ev_sock.flags */
#define TT_SOCKF_HELD 0x1        /* its first packet was held */
#define TT_SOCKF_FAILOPEN 0x2    /* the hold ended by its deadline */
#define TT_SOCKF_LINKED 0x4      /* tied to a TLS connection */
#define TT_SOCKF_NAME_TRUNC 0x8  /* only the tail of the name was kept */
#define TT_SOCKF_PREEXISTING 0x10 /* seen by an earlier agent (restart) */
#define TT_SOCKF_KICKED 0x20     /* its held segment was pushed out */

/* The user-space view of an AI socket (the ai_socks hash, by cookie). */
struct tt_ai_sock {
	__u64 cookie;
	__u64 cgroup_id;
	__u64 t_connect;   /* bpf_ktime_get_ns() at connect() */
	__u64 t_hold;      /* when its first packet was held, 0: never */
	__u64 tls_conn;    /* the linked TLS connection, 0 until linked */
	__u32 tgid;
	__u32 daddr[4];    /* IPv4: daddr[0], network order */
	__u16 dport;       /* host order */
	__u16 family;      /* AF_INET / AF_INET6 */
	__u8 state;        /* enum tt_sock_state */
	__u8 flags;        /* TT_SOCKF_* */
	__u8 name_len;
	__u8 lib;          /* library of the linked connection */
	__u32 pad;
	char name[TT_SOCK_NAME_MAX];
};

enum tt_sock_what {
	TT_SOCK_EV_OPEN = 1,  /* the ClientHello named an AI host (or maybe one) */
	TT_SOCK_EV_LINK = 2,  /* tls_conn now carries the socket's bytes */
	TT_SOCK_EV_CLOSE = 3, /* the connection ended */
	TT_SOCK_EV_RELEASE = 4, /* a hold ended (armed, or its deadline) */
};

/* hdr.pid: the process that connected; hdr.conn: the socket cookie. */
struct tt_ev_sock {
	struct tt_ev_hdr hdr;
	__u8 what;         /* enum tt_sock_what */
	__u8 pad[7];
	__u64 bytes_sent;  /* CLOSE: bytes acked by the peer */
	__u64 bytes_received; /* CLOSE */
	struct tt_ai_sock sock;
};

/* The state of a process for the TLS probes (the armed map, by tgid). */
enum tt_arm_state {
	TT_ARM_ARMED = 1,       /* its TLS probes are in: holds end */
	TT_ARM_UNTRACEABLE = 2, /* nothing to probe: never hold it */
	TT_ARM_PENDING = 3,     /* user space is attaching: keep holding */
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

/* A condition on the rest of the name, for globs with a wildcard left of a
 * literal suffix ("bedrock-runtime.*.amazonaws.com"): checked while the
 * name is hashed on towards its start. */
enum tt_sni_cond {
	TT_SNI_COND_NONE = 0,
	/* The tail_len bytes left of the suffix complete the hash so far to
	 * hash ("*-aiplatform.googleapis.com": "-aiplatform"). */
	TT_SNI_COND_TAIL = 1,
	/* The first label alone hashes to hash, and at least one more label
	 * lies between it and the suffix ("bedrock-runtime.*.amazonaws.com"). */
	TT_SNI_COND_FIRST_LABEL = 2,
};

/* Value of a server-name rule (the sni_rules map). */
struct tt_sni_val {
	__u8 rule;      /* enum tt_sni_rule */
	__u8 cond;      /* enum tt_sni_cond */
	__u16 tail_len; /* TT_SNI_COND_TAIL */
	__u32 pad;
	__u64 hash;     /* what the condition's bytes must hash to */
};

static inline __u64 tt_sni_hash_step(__u64 h, unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (unsigned char)(c - 'A' + 'a');
	return (h ^ c) * TT_SNI_FNV_PRIME;
}

/*
 * Matching a name against the rules, one byte at a time from its end; the
 * kernel (bpf/sni.bpf.h) and user space (hosts/sni_rules.c, for tests and
 * for names the kernel sends up) run this same code:
 *
 *	tt_sni_match_init(&m);
 *	for each byte c from the last to the first:
 *		tt_sni_match_char(&m, c);
 *		if (c == '.') tt_sni_match_rule(&m, lookup(m.h ^ TT_SNI_SUFFIX));
 *	tt_sni_match_end(&m, lookup(m.h));   -> m.best: 0, CAPTURE or MAYBE
 *
 * lookup() returns the rule value for a key, or NULL.
 */
#define TT_SNI_PENDING_LABELS 2

struct tt_sni_match {
	__u64 h;       /* hash of the bytes seen so far (the name's tail) */
	__u64 label_h; /* hash of the current label alone */
	__u64 tail_hash;
	__u32 tail_left;  /* TT_SNI_COND_TAIL pending: bytes still to see */
	__u8 tail_rule;
	__u8 best;        /* strongest rule so far: CAPTURE (1) beats MAYBE (2) */
	__u8 nlabel;      /* pending TT_SNI_COND_FIRST_LABEL conditions */
	__u8 pad;
	struct {
		__u64 hash;
		__u8 rule;
		__u8 dots;    /* dots seen since the suffix matched */
		__u8 pad[6];
	} label[TT_SNI_PENDING_LABELS];
};

static inline void tt_sni_match_init(struct tt_sni_match *m)
{
	__builtin_memset(m, 0, sizeof(*m));
	m->h = TT_SNI_FNV_OFFSET;
	m->label_h = TT_SNI_FNV_OFFSET;
}

static inline void tt_sni_match_consider(struct tt_sni_match *m, __u8 rule)
{
	if (rule && (!m->best || rule < m->best))
		m->best = rule;
}

static inline void tt_sni_match_char(struct tt_sni_match *m, unsigned char c)
{
	m->h = tt_sni_hash_step(m->h, c);
	if (c == '.') {
		m->label_h = TT_SNI_FNV_OFFSET;
		if (m->label[0].dots < 255)
			m->label[0].dots++;
		if (m->label[1].dots < 255)
			m->label[1].dots++;
	} else {
		m->label_h = tt_sni_hash_step(m->label_h, c);
	}
	if (m->tail_left && --m->tail_left == 0) {
		if (m->h == m->tail_hash)
			tt_sni_match_consider(m, m->tail_rule);
	}
}

/* A suffix rule matched at the '.' just processed (v may be NULL). */
static inline void tt_sni_match_rule(struct tt_sni_match *m,
				     const struct tt_sni_val *v)
{
	__u8 i;

	if (!v)
		return;
	if (v->cond == TT_SNI_COND_NONE) {
		tt_sni_match_consider(m, v->rule);
	} else if (v->cond == TT_SNI_COND_TAIL && v->tail_len) {
		m->tail_left = v->tail_len;
		m->tail_hash = v->hash;
		m->tail_rule = v->rule;
	} else if (v->cond == TT_SNI_COND_FIRST_LABEL &&
		   m->nlabel < TT_SNI_PENDING_LABELS) {
		i = m->nlabel & (TT_SNI_PENDING_LABELS - 1);
		m->label[i].hash = v->hash;
		m->label[i].rule = v->rule;
		m->label[i].dots = 0;
		m->nlabel++;
	}
}

/* The whole name was seen; v: the rule of the exact name, or NULL. */
static inline void tt_sni_match_end(struct tt_sni_match *m,
				    const struct tt_sni_val *v)
{
	if (v && v->cond == TT_SNI_COND_NONE)
		tt_sni_match_consider(m, v->rule);
	/* The first label is complete only now; a middle label must exist. */
	for (__u8 i = 0; i < TT_SNI_PENDING_LABELS; i++)
		if (i < m->nlabel && m->label[i].dots >= 1 &&
		    m->label[i].hash == m->label_h)
			tt_sni_match_consider(m, m->label[i].rule);
}

#define TT_EV_DATA_HDR_SIZE __builtin_offsetof(struct tt_ev_data, data)
#define TT_EV_DATA_SIZE(cap) (TT_EV_DATA_HDR_SIZE + (cap))

_Static_assert(sizeof(struct tt_ev_hdr) == 56, "tt_ev_hdr layout");
_Static_assert(TT_EV_DATA_HDR_SIZE == 80, "tt_ev_data header layout");
_Static_assert(sizeof(struct tt_ev_sni) == 64 + TT_SNI_MAX, "tt_ev_sni");
_Static_assert(sizeof(struct tt_conn_val) == 24, "tt_conn_val layout");
_Static_assert(sizeof(struct tt_sni_val) == 16, "tt_sni_val layout");
_Static_assert((TT_SNI_PENDING_LABELS & (TT_SNI_PENDING_LABELS - 1)) == 0,
	       "pending labels pow2");
_Static_assert(sizeof(struct tt_ev_close) == 72, "tt_ev_close layout");
_Static_assert(sizeof(struct tt_ai_sock) == 200, "tt_ai_sock layout");
_Static_assert(sizeof(struct tt_ev_sock) == 56 + 24 + 200, "tt_ev_sock layout");
_Static_assert((TT_CHUNK_MAX & (TT_CHUNK_MAX - 1)) == 0, "chunk pow2");

#endif
