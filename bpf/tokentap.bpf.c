// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * TLS plaintext capture for OpenSSL-family libraries.
 *
 * Entry probes stash the call's arguments per thread; return probes read
 * what was actually transferred (Node retries SSL_write while the handshake
 * completes, so only the return value says what went out). Each call is
 * sent as chunks of at most TT_CHUNK_MAX bytes, each sized to its payload,
 * and every byte has a stream offset: user space sees any hole, even one
 * caused by a lost event. Connections user space has classified as not AI
 * traffic cost one map lookup per call and emit nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tt_abi.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* OpenSSL: SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name */
#define OSSL_CTRL_SET_HOSTNAME 55
#define OSSL_NAMETYPE_HOST 0
/* GnuTLS: gnutls_server_name_type_t GNUTLS_NAME_DNS */
#define GNUTLS_NAME_DNS 1

/* Sized by user space before load (--ringbuf-size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* Process events (exec, ld.so loads) in their own small ring, so that the
 * agent sees a new process before a backlog of data drains. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} proc_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tt_conn_key);
	__type(value, struct tt_conn_val);
} conns SEC(".maps");

struct call_args {
	__u64 ssl;
	__u64 buf;
	__u64 nbytes_ptr; /* size_t * of the _ex calls, else 0 */
	__u8 dir;
	__u8 pad[7];
};

/* Go: in-flight (*Conn).Write/Read calls, by goroutine. A goroutine may
 * move to another OS thread during a call, so the thread id cannot key it. */
struct go_key {
	__u64 g;   /* the goroutine (R14 under Go's register ABI) */
	__u32 pid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct call_args);
} go_calls SEC(".maps");

/* In-flight calls, one per thread inside an SSL call. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct call_args);
} calls SEC(".maps");

/* Processes with at least one tracked connection: only their exit matters. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} procs SEC(".maps");

/* Server-name rules compiled by user space (core/sni_rules.c). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TT_SNI_RULES_MAX);
	__type(key, __u64);
	__type(value, __u8);
} sni_rules SEC(".maps");

/* Verdict for a server name no rule matches. User space sets FILTER once
 * the rules are loaded and complete; until then everything is captured. */
volatile __u8 sni_unmatched_verdict = TT_VERDICT_PENDING;

/* Data events wake the agent only once this many bytes wait (set before
 * load; 0 = wake on every event). In a VM a wakeup per event costs the
 * agent more than the event itself; the agent polls on a short timer. */
const volatile __u64 data_wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TT_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tt_ev_data);
} scratch SEC(".maps");

static __always_inline void count(__u32 idx, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += n;
}

static __always_inline void fill_hdr(struct tt_ev_hdr *h, __u16 type,
				     __u64 conn)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->type = type;
	h->dir = 0;
	h->flags = 0;
	h->lib = TT_LIB_OPENSSL;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->conn = conn;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline __u64 data_rb_flags(void)
{
	if (!data_wakeup_bytes)
		return 0;
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= data_wakeup_bytes
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

/* Emits a small fixed-size event; counts it if the ring is full. */
static __always_inline void emit_small(void *ring, __u16 type, __u64 conn)
{
	struct tt_ev_hdr h = {};

	fill_hdr(&h, type, conn);
	if (bpf_ringbuf_output(ring, &h, sizeof(h), 0))
		count(TT_C_RB_LOST_EVENTS, 1);
}

/* Looks up a connection; with init_verdict >= 0, creates it with that
 * verdict when absent. */
static __always_inline struct tt_conn_val *conn_get(__u32 pid, __u64 ssl,
						    int init_verdict)
{
	struct tt_conn_key key = { .pid = pid, .ptr = ssl };
	struct tt_conn_val *val, zero = {};
	__u8 one = 1;

	val = bpf_map_lookup_elem(&conns, &key);
	if (val || init_verdict < 0)
		return val;
	zero.lib = TT_LIB_OPENSSL;
	zero.verdict = init_verdict;
	if (bpf_map_update_elem(&conns, &key, &zero, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&conns, &key)) {
		count(TT_C_CONN_MAP_FULL, 1);
		return NULL;
	}
	if (init_verdict == TT_VERDICT_FILTER)
		count(TT_C_SERVER_CONNS, 1);
	bpf_map_update_elem(&procs, &pid, &one, BPF_ANY);
	return bpf_map_lookup_elem(&conns, &key);
}

static __always_inline int call_enter(__u64 ssl, __u64 buf, __u64 nptr,
				      __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tt_conn_val *conn = conn_get(id >> 32, ssl, -1);
	struct call_args args = {
		.ssl = ssl, .buf = buf, .nbytes_ptr = nptr, .dir = dir,
	};

	if (conn && conn->verdict == TT_VERDICT_FILTER) {
		count(TT_C_FILTERED_CALLS, 1);
		return 0;
	}
	if (bpf_map_update_elem(&calls, &id, &args, BPF_ANY))
		count(TT_C_STASH_FULL, 1);
	return 0;
}

struct chunk_ctx {
	__u64 buf;
	__u64 stream_off;
	__u64 conn;
	__u32 total;
	__u8 dir;
};

/* bpf_loop callback: emits chunk i of one call. */
static long emit_chunk(__u32 i, void *data)
{
	struct chunk_ctx *cc = data;
	struct tt_ev_data *ev;
	__u64 off, len;
	__u32 zero = 0;

	off = (__u64)i * TT_CHUNK_MAX;
	if (off >= cc->total)
		return 1;
	len = cc->total - off;
	if (len > TT_CHUNK_MAX)
		len = TT_CHUNK_MAX;
	/* Hide len from clang, then bound it to [1, TT_CHUNK_MAX] in a way
	 * the verifier can follow: clang would drop a check it can prove. */
	len -= 1;
	asm volatile("" : "+r"(len));
	len &= TT_CHUNK_MAX - 1;
	len += 1;
	ev = bpf_map_lookup_elem(&scratch, &zero);
	if (!ev)
		return 1;
	fill_hdr(&ev->hdr, TT_EV_DATA, cc->conn);
	ev->hdr.dir = cc->dir;
	ev->stream_off = cc->stream_off + off;
	ev->call_len = cc->total;
	ev->len = len;
	ev->cap_len = len;
	ev->pad = 0;
	if (bpf_probe_read_user(ev->data, len, (void *)(cc->buf + off))) {
		ev->hdr.flags = TT_F_GAP | TT_F_READ_FAULT;
		ev->cap_len = 0;
		count(TT_C_FAULT_BYTES, len);
		if (bpf_ringbuf_output(&events, ev, TT_EV_DATA_SIZE(0),
				       data_rb_flags()))
			count(TT_C_RB_LOST_EVENTS, 1);
		return 0;
	}
	if (bpf_ringbuf_output(&events, ev, TT_EV_DATA_SIZE(len),
			       data_rb_flags())) {
		count(TT_C_RB_LOST_EVENTS, 1);
		count(TT_C_RB_LOST_BYTES, len);
	}
	return 0;
}

/* The first bytes a TLS server reads from its client: a request method and
 * a space ("GET /", "POST /", the HTTP/2 preface "PRI *"). */
static __always_inline int looks_like_request(__u64 buf, __u64 n)
{
	unsigned char b[8] = {};
	int i;

	if (n < 4 || bpf_probe_read_user(b, n < 8 ? 4 : 8, (void *)buf))
		return 0;
	for (i = 0; i < 8; i++) {
		if (b[i] == ' ')
			return i >= 3;
		if (b[i] < 'A' || b[i] > 'Z')
			return 0;
	}
	return 0;
}

/* A call of conn moved n bytes in direction dir from buf: account and copy
 * them (n == 0: nothing moved). */
static __always_inline int call_done(__u32 pid, __u64 ssl, __u64 buf, __u8 dir,
				     __u64 n)
{
	struct tt_conn_val *conn;
	struct chunk_ctx cc = {};
	__u64 done;
	__u32 nchunks;

	cc.buf = buf;
	cc.dir = dir & 1;
	cc.conn = ssl;
	if (!n || n > 0x7fffffff)
		return 0;

	/* Unknown so far means no SNI was set. If its first transfer reads a
	 * request, this process is the TLS server (tokentap traces outbound
	 * calls): decided here, not in user space, so that not even the first
	 * reads of an inbound upload are copied. A first read of anything else
	 * may be a client the agent joined while it waited for a response:
	 * user space waits for its next request. */
	conn = conn_get(pid, cc.conn,
			cc.dir == TT_DIR_INGRESS && looks_like_request(buf, n)
				? TT_VERDICT_FILTER : TT_VERDICT_PENDING);
	if (!conn)
		return 0;
	if (conn->verdict == TT_VERDICT_FILTER) {
		count(TT_C_FILTERED_CALLS, 1);
		return 0;
	}
	cc.stream_off = conn->off[cc.dir];
	conn->off[cc.dir] += n;
	cc.total = n;
	count(TT_C_CAPTURED_CALLS, 1);

	nchunks = (n + TT_CHUNK_MAX - 1) / TT_CHUNK_MAX;
	if (nchunks > TT_CHUNKS_PER_CALL_MAX) {
		nchunks = TT_CHUNKS_PER_CALL_MAX;
		cc.total = TT_CHUNKS_PER_CALL_MAX * TT_CHUNK_MAX;
	}
	bpf_loop(nchunks, emit_chunk, &cc, 0);
	done = cc.total;
	count(TT_C_CAPTURED_BYTES, done);
	if (done < n) {
		/* The tail of a huge call: say exactly which bytes are missing. */
		struct tt_ev_data *ev;
		__u32 zero = 0;

		count(TT_C_TRUNC_BYTES, n - done);
		ev = bpf_map_lookup_elem(&scratch, &zero);
		if (!ev)
			return 0;
		fill_hdr(&ev->hdr, TT_EV_DATA, cc.conn);
		ev->hdr.dir = cc.dir;
		ev->hdr.flags = TT_F_GAP | TT_F_TRUNCATED;
		ev->stream_off = cc.stream_off + done;
		ev->call_len = n;
		ev->len = n - done;
		ev->cap_len = 0;
		if (bpf_ringbuf_output(&events, ev, TT_EV_DATA_SIZE(0),
				       data_rb_flags()))
			count(TT_C_RB_LOST_EVENTS, 1);
	}
	return 0;
}

static __always_inline int call_exit(long ret, bool ex)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call_args *args = bpf_map_lookup_elem(&calls, &id);
	__u64 n = 0, ssl, buf;
	__u8 dir;

	if (!args)
		return 0;
	if (ex) {
		if (ret == 1 && args->nbytes_ptr)
			bpf_probe_read_user(&n, sizeof(n),
					    (void *)args->nbytes_ptr);
	} else if (ret > 0) {
		n = ret;
	}
	ssl = args->ssl;
	buf = args->buf;
	dir = args->dir;
	bpf_map_delete_elem(&calls, &id);
	return call_done(id >> 32, ssl, buf, dir, n);
}

SEC("uprobe")
int BPF_KPROBE(ossl_write_enter, void *ssl, const void *buf, int num)
{
	return call_enter((__u64)ssl, (__u64)buf, 0, TT_DIR_EGRESS);
}

SEC("uretprobe")
int BPF_KRETPROBE(ossl_write_exit, int ret)
{
	return call_exit(ret, false);
}

SEC("uprobe")
int BPF_KPROBE(ossl_write_ex_enter, void *ssl, const void *buf, size_t num,
	       size_t *written)
{
	return call_enter((__u64)ssl, (__u64)buf, (__u64)written,
			  TT_DIR_EGRESS);
}

SEC("uretprobe")
int BPF_KRETPROBE(ossl_write_ex_exit, int ret)
{
	return call_exit(ret, true);
}

SEC("uprobe")
int BPF_KPROBE(ossl_read_enter, void *ssl, void *buf, int num)
{
	return call_enter((__u64)ssl, (__u64)buf, 0, TT_DIR_INGRESS);
}

SEC("uretprobe")
int BPF_KRETPROBE(ossl_read_exit, int ret)
{
	return call_exit(ret, false);
}

SEC("uprobe")
int BPF_KPROBE(ossl_read_ex_enter, void *ssl, void *buf, size_t num,
	       size_t *readbytes)
{
	return call_enter((__u64)ssl, (__u64)buf, (__u64)readbytes,
			  TT_DIR_INGRESS);
}

SEC("uretprobe")
int BPF_KRETPROBE(ossl_read_ex_exit, int ret)
{
	return call_exit(ret, true);
}

/* Go crypto/tls under the register ABI (amd64): (*Conn).Write(b) and
 * Read(b) get the receiver in RAX and b's pointer and length in RBX and
 * RCX; they return n in RAX. Return probes are unsafe on Go's movable
 * stacks, so go_ret sits on each RET instruction of both functions. */
static __always_inline int go_enter(struct pt_regs *ctx, __u8 dir)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct go_key key = { .g = ctx->r14, .pid = pid };
	struct call_args args = { .ssl = ctx->ax, .buf = ctx->bx, .dir = dir };
	struct tt_conn_val *conn = conn_get(pid, args.ssl, -1);

	if (conn && conn->verdict == TT_VERDICT_FILTER) {
		count(TT_C_FILTERED_CALLS, 1);
		return 0;
	}
	if (bpf_map_update_elem(&go_calls, &key, &args, BPF_ANY))
		count(TT_C_STASH_FULL, 1);
	return 0;
}

SEC("uprobe")
int go_write_enter(struct pt_regs *ctx)
{
	return go_enter(ctx, TT_DIR_EGRESS);
}

SEC("uprobe")
int go_read_enter(struct pt_regs *ctx)
{
	return go_enter(ctx, TT_DIR_INGRESS);
}

SEC("uprobe")
int go_ret(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct go_key key = { .g = ctx->r14, .pid = pid };
	struct call_args *args = bpf_map_lookup_elem(&go_calls, &key);
	long ret = (long)ctx->ax;
	__u64 ssl, buf;
	__u8 dir;

	if (!args)
		return 0;
	ssl = args->ssl;
	buf = args->buf;
	dir = args->dir;
	bpf_map_delete_elem(&go_calls, &key);
	return call_done(pid, ssl, buf, dir, ret > 0 ? (__u64)ret : 0);
}

struct sni_ctx {
	__u64 h;
	__u32 len;
	__u8 best; /* strongest rule seen: CAPTURE (1) beats MAYBE (2) */
};

static __always_inline void sni_consider(struct sni_ctx *sc, __u64 key)
{
	__u8 *rule = bpf_map_lookup_elem(&sni_rules, &key);

	if (rule && (!sc->best || *rule < sc->best))
		sc->best = *rule;
}

/* bpf_loop callback: one byte of the name, from the end. */
static long sni_step(__u32 i, void *data)
{
	struct sni_ctx *sc = data;
	struct tt_ev_sni *ev;
	__u32 zero = 0, pos;
	unsigned char c;

	if (i >= sc->len)
		return 1;
	ev = bpf_map_lookup_elem(&scratch, &zero);
	if (!ev)
		return 1;
	pos = (sc->len - 1 - i) & (TT_SNI_MAX - 1);
	c = ev->name[pos];
	sc->h = tt_sni_hash_step(sc->h, c);
	if (c == '.')
		sni_consider(sc, sc->h ^ TT_SNI_SUFFIX);
	return 0;
}

/* The server name decides the connection here, before the handshake: a
 * non-AI connection is never copied, not even its first bytes. ev holds
 * the name (name_len bytes, without a NUL). */
static __always_inline int sni_decide(__u64 ssl, struct tt_ev_sni *ev,
				      struct tt_conn_val *conn)
{
	struct sni_ctx sc = { .h = TT_SNI_FNV_OFFSET };

	fill_hdr(&ev->hdr, TT_EV_SNI, ssl);
	sc.len = ev->name_len;
	if (sc.len && ev->name[(sc.len - 1) & (TT_SNI_MAX - 1)] == '.')
		sc.len--; /* the root label */
	bpf_loop(TT_SNI_MAX, sni_step, &sc, 0);
	sni_consider(&sc, sc.h);
	if (!sc.best && sni_unmatched_verdict == TT_VERDICT_FILTER) {
		conn->verdict = TT_VERDICT_FILTER;
		count(TT_C_SNI_FILTERED, 1);
		return 0;
	}
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), 0))
		count(TT_C_RB_LOST_EVENTS, 1);
	return 0;
}

/* OpenSSL: SSL_set_tlsext_host_name() is a macro over SSL_ctrl(). */
SEC("uprobe")
int BPF_KPROBE(ossl_ctrl_enter, void *ssl, int cmd, long larg, void *parg)
{
	struct tt_conn_val *conn;
	struct tt_ev_sni *ev;
	__u32 zero = 0;
	long n;

	if (cmd != OSSL_CTRL_SET_HOSTNAME || larg != OSSL_NAMETYPE_HOST ||
	    !parg)
		return 0;
	conn = conn_get(bpf_get_current_pid_tgid() >> 32, (__u64)ssl,
			TT_VERDICT_PENDING);
	if (!conn)
		return 0;
	/* The scratch slot is large enough for an SNI event as well. */
	ev = bpf_map_lookup_elem(&scratch, &zero);
	if (!ev)
		return 0;
	n = bpf_probe_read_user_str(ev->name, sizeof(ev->name), parg);
	if (n <= 0)
		return 0;
	ev->name_len = n - 1;
	return sni_decide((__u64)ssl, ev, conn);
}

/* GnuTLS: gnutls_server_name_set(session, GNUTLS_NAME_DNS, name, len);
 * the name is not NUL-terminated. */
SEC("uprobe")
int BPF_KPROBE(gnutls_sni_enter, void *session, int type, const void *name,
	       size_t len)
{
	struct tt_conn_val *conn;
	struct tt_ev_sni *ev;
	__u32 zero = 0;
	__u64 n = len;

	if (type != GNUTLS_NAME_DNS || !name || !n)
		return 0;
	conn = conn_get(bpf_get_current_pid_tgid() >> 32, (__u64)session,
			TT_VERDICT_PENDING);
	if (!conn)
		return 0;
	ev = bpf_map_lookup_elem(&scratch, &zero);
	if (!ev)
		return 0;
	if (n > TT_SNI_MAX - 1)
		n = TT_SNI_MAX - 1; /* longer than any DNS name: cut, unmatched */
	/* Bound for the verifier: n - 1 in [0, TT_SNI_MAX - 1). */
	n -= 1;
	asm volatile("" : "+r"(n));
	n &= TT_SNI_MAX - 1;
	if (n > TT_SNI_MAX - 2)
		return 0;
	if (bpf_probe_read_user(ev->name, n + 1, name))
		return 0;
	ev->name[(n + 1) & (TT_SNI_MAX - 1)] = '\0';
	ev->name_len = n + 1;
	return sni_decide((__u64)session, ev, conn);
}

/* gnutls_record_send/recv return ssize_t: a byte count or a negative
 * error. Entry probes are OpenSSL's (same argument places). */
SEC("uretprobe")
int BPF_KRETPROBE(gnutls_record_exit, long ret)
{
	return call_exit(ret, false);
}

static __always_inline int conn_close(__u64 ssl)
{
	struct tt_conn_key key = {
		.pid = bpf_get_current_pid_tgid() >> 32, .ptr = ssl,
	};
	struct tt_conn_val *conn = bpf_map_lookup_elem(&conns, &key);
	struct tt_ev_close ev = {};

	if (!conn)
		return 0; /* never tracked */
	fill_hdr(&ev.hdr, TT_EV_CLOSE, ssl);
	ev.off[0] = conn->off[0];
	ev.off[1] = conn->off[1];
	bpf_map_delete_elem(&conns, &key);
	if (bpf_ringbuf_output(&events, &ev, sizeof(ev), 0))
		count(TT_C_RB_LOST_EVENTS, 1);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ossl_free_enter, void *ssl)
{
	return conn_close((__u64)ssl);
}

/* Go: (*Conn).Close, receiver in RAX. */
SEC("uprobe")
int go_close_enter(struct pt_regs *ctx)
{
	return conn_close(ctx->ax);
}

/* ld.so calls _dl_debug_state() after it maps or unmaps objects: the moment
 * a process may have gained a TLS library, before it can use it. */
SEC("uprobe")
int BPF_KPROBE(ldso_debug_state_enter)
{
	emit_small(&proc_events, TT_EV_LIBLOAD, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_exec, struct task_struct *p)
{
	emit_small(&proc_events, TT_EV_EXEC, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	/* Only the last thread's exit ends the process's connections. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	if (!bpf_map_lookup_elem(&procs, &tgid))
		return 0;
	bpf_map_delete_elem(&procs, &tgid);
	emit_small(&events, TT_EV_EXIT, 0);
	return 0;
}

/* Benchmark floor: empty programs, attached by `tokentap probe-floor` at
 * the entry and return of one function, as the capture probes each SSL call. */
SEC("uprobe")
int BPF_KPROBE(bench_empty)
{
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(bench_empty_ret)
{
	return 0;
}
