/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Plaintext capture at the TLS libraries. One entry program and one return
 * program serve every C-ABI library (OpenSSL, its static and node copies,
 * GnuTLS, BoringSSL): the probe's attach cookie (TT_COOKIE, tt_abi.h) says
 * which function it sits on. Entries stash the call's arguments per
 * thread; returns read what was actually transferred (node retries
 * SSL_write while the handshake completes, so only the return value says
 * what went out). Each call is sent as chunks of at most TT_CHUNK_MAX
 * bytes, each sized to its payload, and every byte has a stream offset:
 * user space sees any hole, even one caused by a lost event. Connections
 * user space has classified as not AI traffic cost one map lookup per call
 * and emit nothing.
 */
#ifndef TT_TLS_BPF_H
#define TT_TLS_BPF_H

/* OpenSSL: SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name */
#define OSSL_CTRL_SET_HOSTNAME 55
#define OSSL_NAMETYPE_HOST 0
/* GnuTLS: gnutls_server_name_type_t GNUTLS_NAME_DNS */
#define GNUTLS_NAME_DNS 1

/* Looks up a connection; with init_verdict >= 0, creates it with that
 * verdict when absent. */
static __always_inline struct tt_conn_val *conn_get(__u32 pid, __u64 ssl,
						    int init_verdict, __u8 lib)
{
	struct tt_conn_key key = { .pid = pid, .ptr = ssl };
	struct tt_conn_val *val, zero = {};
	__u8 one = 1;

	val = bpf_map_lookup_elem(&conns, &key);
	if (val || init_verdict < 0)
		return val;
	zero.lib = lib;
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

/* The observer ties a socket to the TLS connection its thread wrote to. */
static __always_inline void note_write(__u64 ssl, __u8 lib)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct last_tls lt = { .conn = ssl, .ts = bpf_ktime_get_ns(), .lib = lib };

	bpf_map_update_elem(&last_tls, &tid, &lt, BPF_ANY);
}

static __always_inline int call_enter(__u64 ssl, __u64 buf, __u64 nptr,
				      __u8 dir, __u8 ret_ssize, __u8 lib)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tt_conn_val *conn = conn_get(id >> 32, ssl, -1, lib);
	struct call_args args = {
		.ssl = ssl, .buf = buf, .nbytes_ptr = nptr, .dir = dir,
		.ret_ssize = ret_ssize, .lib = lib,
	};

	if (conn && conn->verdict == TT_VERDICT_FILTER) {
		count(TT_C_FILTERED_CALLS, 1);
		return 0;
	}
	if (dir == TT_DIR_EGRESS)
		note_write(ssl, lib);
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
	__u8 lib;
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
	fill_hdr(&ev->hdr, TT_EV_DATA, cc->conn, cc->lib);
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
				     __u64 n, __u8 lib)
{
	struct tt_conn_val *conn;
	struct chunk_ctx cc = {};
	__u64 done;
	__u32 nchunks;

	cc.buf = buf;
	cc.dir = dir & 1;
	cc.conn = ssl;
	cc.lib = lib;
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
				? TT_VERDICT_FILTER : TT_VERDICT_PENDING, lib);
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
		fill_hdr(&ev->hdr, TT_EV_DATA, cc.conn, lib);
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

/* The server name decides the connection here, before the handshake: a
 * non-AI connection is never copied, not even its first bytes. ev holds
 * the name (name_len bytes, without a NUL). */
static __always_inline int sni_decide(__u64 ssl, struct tt_ev_sni *ev,
				      struct tt_conn_val *conn, __u8 lib)
{
	fill_hdr(&ev->hdr, TT_EV_SNI, ssl, lib);
	if (!sni_match_tls(ev->name, ev->name_len) &&
	    sni_unmatched_verdict == TT_VERDICT_FILTER) {
		conn->verdict = TT_VERDICT_FILTER;
		count(TT_C_SNI_FILTERED, 1);
		return 0;
	}
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), 0))
		count(TT_C_RB_LOST_EVENTS, 1);
	return 0;
}

/* A library's server-name call: the name at name (len bytes, or a C
 * string when len < 0). */
static __always_inline int name_set(__u64 ssl, const void *name, long len,
				    __u8 lib)
{
	struct tt_conn_val *conn;
	struct tt_ev_sni *ev;
	__u32 zero = 0;
	__u64 n;
	long r;

	if (!name)
		return 0;
	conn = conn_get(bpf_get_current_pid_tgid() >> 32, ssl,
			TT_VERDICT_PENDING, lib);
	if (!conn)
		return 0;
	/* The scratch slot is large enough for an SNI event as well. */
	ev = bpf_map_lookup_elem(&scratch, &zero);
	if (!ev)
		return 0;
	if (len < 0) {
		r = bpf_probe_read_user_str(ev->name, sizeof(ev->name), name);
		if (r <= 0)
			return 0;
		ev->name_len = r - 1;
		return sni_decide(ssl, ev, conn, lib);
	}
	n = len;
	if (!n)
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
	return sni_decide(ssl, ev, conn, lib);
}

/* The connection object ssl of process pid is gone (a free call, or for
 * rustls the end of its socket: then in any task's context, so the
 * header names pid, not the current task). */
static __always_inline int conn_end(__u32 pid, __u64 ssl, __u8 lib)
{
	struct tt_conn_key key = { .pid = pid, .ptr = ssl };
	struct tt_conn_val *conn = bpf_map_lookup_elem(&conns, &key);
	struct tt_ev_close ev = {};

	if (!conn)
		return 0; /* never tracked */
	fill_hdr(&ev.hdr, TT_EV_CLOSE, ssl, lib);
	ev.hdr.pid = pid;
	ev.off[0] = conn->off[0];
	ev.off[1] = conn->off[1];
	bpf_map_delete_elem(&conns, &key);
	if (bpf_ringbuf_output(&events, &ev, sizeof(ev), 0))
		count(TT_C_RB_LOST_EVENTS, 1);
	return 0;
}

/* The size_t * argument an _EX role's cookie names. All three are read
 * first: a switch over context offsets compiles to a computed context
 * pointer, which the verifier refuses. */
static __always_inline __u64 ex_arg(struct pt_regs *ctx, __u32 idx)
{
	__u64 a2 = PT_REGS_PARM3(ctx), a3 = PT_REGS_PARM4(ctx),
	      a4 = PT_REGS_PARM5(ctx);

	asm volatile("" : "+r"(a2), "+r"(a3), "+r"(a4));
	return idx == 2 ? a2 : idx == 3 ? a3 : idx == 4 ? a4 : 0;
}

/* Every entry probe of a C-ABI TLS library. */
SEC("uprobe")
int tls_entry(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u64 conn = PT_REGS_PARM1(ctx);
	__u8 lib = TT_COOKIE_LIB(cookie);

	switch (TT_COOKIE_ROLE(cookie)) {
	case TT_ROLE_WRITE:
		return call_enter(conn, PT_REGS_PARM2(ctx), 0, TT_DIR_EGRESS, 0, lib);
	case TT_ROLE_READ:
		return call_enter(conn, PT_REGS_PARM2(ctx), 0, TT_DIR_INGRESS, 0, lib);
	case TT_ROLE_WRITE_EX:
		return call_enter(conn, PT_REGS_PARM2(ctx),
				  ex_arg(ctx, TT_COOKIE_ARG(cookie)),
				  TT_DIR_EGRESS, 0, lib);
	case TT_ROLE_READ_EX:
		return call_enter(conn, PT_REGS_PARM2(ctx),
				  ex_arg(ctx, TT_COOKIE_ARG(cookie)),
				  TT_DIR_INGRESS, 0, lib);
	case TT_ROLE_WRITE_SSIZE:
		return call_enter(conn, PT_REGS_PARM2(ctx), 0, TT_DIR_EGRESS, 1, lib);
	case TT_ROLE_READ_SSIZE:
		return call_enter(conn, PT_REGS_PARM2(ctx), 0, TT_DIR_INGRESS, 1, lib);
	case TT_ROLE_NAME_CTRL:
		if ((int)PT_REGS_PARM2(ctx) != OSSL_CTRL_SET_HOSTNAME ||
		    (long)PT_REGS_PARM3(ctx) != OSSL_NAMETYPE_HOST)
			return 0;
		return name_set(conn, (const void *)PT_REGS_PARM4(ctx), -1, lib);
	case TT_ROLE_NAME_LEN:
		if ((int)PT_REGS_PARM2(ctx) != GNUTLS_NAME_DNS)
			return 0;
		return name_set(conn, (const void *)PT_REGS_PARM3(ctx),
				(long)PT_REGS_PARM4(ctx), lib);
	case TT_ROLE_NAME_CSTR:
		return name_set(conn, (const void *)PT_REGS_PARM2(ctx), -1, lib);
	case TT_ROLE_FREE:
		return conn_end(bpf_get_current_pid_tgid() >> 32, conn, lib);
	}
	return 0;
}

/* Every return probe: what the stashed call transferred. */
SEC("uretprobe")
int tls_return(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call_args *args = bpf_map_lookup_elem(&calls, &id);
	long ret = PT_REGS_RC(ctx);
	__u64 n = 0, ssl, buf;
	__u8 dir, lib;

	if (!args)
		return 0;
	if (args->nbytes_ptr) {
		/* _ex style: 1 and the count through the pointer. */
		if ((int)ret == 1)
			bpf_probe_read_user(&n, sizeof(n),
					    (void *)args->nbytes_ptr);
	} else if (args->ret_ssize) {
		if (ret > 0)
			n = ret;
	} else if ((int)ret > 0) {
		n = (int)ret;
	}
	ssl = args->ssl;
	buf = args->buf;
	dir = args->dir;
	lib = args->lib;
	bpf_map_delete_elem(&calls, &id);
	return call_done(id >> 32, ssl, buf, dir, n, lib);
}

#endif
