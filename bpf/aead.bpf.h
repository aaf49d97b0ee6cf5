/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * rustls, read at aws-lc's AEAD (Codex). rustls with aws-lc-rs seals every
 * outgoing TLS record with EVP_AEAD_CTX_seal (TLS 1.3) or _seal_scatter
 * (TLS 1.2) and opens every incoming one with EVP_AEAD_CTX_open: C ABI,
 * found without symbols by their error sites (sslfind_awslc.c), whereas
 * rustls's own functions take Rust-ABI structures no program can read.
 * One call is one record: its plaintext, and its type (TLS 1.3: the
 * plaintext's last non-zero byte, tt_tls13.h; TLS 1.2: byte 8 of the
 * 13-byte additional data). Only application data goes on; the
 * handshake's records and the session tickets are dropped here.
 *
 * The connection key is the write key's EVP_AEAD_CTX, the object every
 * seal of the connection passes. A seal notes it as its thread's last TLS
 * write, and the send that follows on that thread ties the socket to it
 * (sock_send_length; the observer's segment tie, try_link, also works but
 * comes too late when Nagle holds the segment). An open passes the read
 * key, another object: its first record goes under the write key of the
 * AI socket its thread last received from (sock_recv_length), and the
 * read key keeps that tie (aead_rkeys) while the connection lives. The
 * key ends with the socket (sock_state_change): aws-lc frees these
 * objects with no call to probe, and its allocator reuses them.
 */
#ifndef TT_AEAD_BPF_H
#define TT_AEAD_BPF_H

#include "tt_tls13.h"

#define TLS_CT_APPDATA 23
#define AEAD_AD_TLS13 5   /* the record header */
#define AEAD_AD_TLS12 13  /* sequence number, type, version, length */
/* An open decrypts what its thread has just read from the socket (rustls
 * reads, then processes the records, in one poll). */
#define RECV_TIE_NS 20000000ULL

/* An open in flight: what its return needs. */
struct aead_open {
	__u64 key;     /* the read key's EVP_AEAD_CTX */
	__u64 out;
	__u64 out_len; /* size_t * */
	__u64 ad;
	__u64 ad_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct aead_open);
} aead_opens SEC(".maps");

/* The AI socket (by its write key) a thread last received from. */
struct last_recv {
	__u64 conn;
	__u64 ts;
	__u32 tgid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct last_recv);
} last_recv SEC(".maps");

/* A read key's connection (its write key), once a read tied it. */
struct aead_rkey {
	__u64 rkey;
	__u32 tgid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct aead_rkey);
	__type(value, __u64); /* the write key */
} aead_rkeys SEC(".maps");

/* Argument n (1-based, n >= 7) of a C-ABI call at its entry: on the
 * stack, above the return address. */
static __always_inline __u64 stack_arg(struct pt_regs *ctx, int n)
{
	__u64 v = 0;

	bpf_probe_read_user(&v, sizeof(v),
			    (void *)(PT_REGS_SP(ctx) + 8 * (n - 6)));
	return v;
}

/* The type of the record whose plaintext is [buf, buf + len), sealed or
 * opened with additional data ad of ad_len bytes; *n its content bytes.
 * -1: not a TLS record layout this knows (aws-lc sealing something else);
 * -2: a TLS record whose type could not be read (counted by the caller). */
static __always_inline int record_type(__u64 buf, __u64 len, __u64 ad,
				       __u64 ad_len, __u64 *n)
{
	unsigned char tail[TT_TLS13_TAIL] = {};
	__u32 tl;
	__u8 t = 0;

	if (ad_len != AEAD_AD_TLS12 && ad_len != AEAD_AD_TLS13)
		return -1;
	if (!len || len > 0x7fffffff)
		return -2;
	if (ad_len == AEAD_AD_TLS12) {
		if (bpf_probe_read_user(&t, 1, (void *)(ad + 8)))
			return -2;
		*n = len;
		return t;
	}
	if (len >= TT_TLS13_TAIL) {
		tl = TT_TLS13_TAIL;
		if (bpf_probe_read_user(tail, TT_TLS13_TAIL,
					(void *)(buf + len - TT_TLS13_TAIL)))
			return -2;
	} else {
		tl = (__u32)len & (TT_TLS13_TAIL - 1);
		if (!tl || bpf_probe_read_user(tail, tl, (void *)(buf + len - tl)))
			return -2;
	}
	return tt_tls13_inner_type(tail, tl, len, n);
}

static __always_inline int aead_seal(struct pt_regs *ctx, __u64 in,
				     __u64 in_len, __u64 ad, __u64 ad_len)
{
	__u64 key = PT_REGS_PARM1(ctx), n = 0;
	int t = record_type(in, in_len, ad, ad_len, &n);

	if (t == -2)
		count(TT_C_AEAD_UNPARSED, 1);
	if (t != TLS_CT_APPDATA || !n)
		return 0;
	note_write(key, TT_LIB_RUSTLS);
	return call_done(bpf_get_current_pid_tgid() >> 32, key, in,
			 TT_DIR_EGRESS, n, TT_LIB_RUSTLS);
}

SEC("uprobe")
int aead_entry(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct aead_open o;

	switch (TT_COOKIE_ROLE(bpf_get_attach_cookie(ctx))) {
	case TT_ROLE_AEAD_SEAL:
		/* (ctx, out, out_len, max_out_len, nonce, nonce_len, in,
		 * in_len, ad, ad_len) */
		return aead_seal(ctx, stack_arg(ctx, 7), stack_arg(ctx, 8),
				 stack_arg(ctx, 9), stack_arg(ctx, 10));
	case TT_ROLE_AEAD_SEAL_SCATTER:
		/* (ctx, out, out_tag, out_tag_len, max_out_tag_len, nonce,
		 * nonce_len, in, in_len, extra_in, extra_in_len, ad, ad_len) */
		return aead_seal(ctx, stack_arg(ctx, 8), stack_arg(ctx, 9),
				 stack_arg(ctx, 12), stack_arg(ctx, 13));
	case TT_ROLE_AEAD_OPEN:
		/* (ctx, out, out_len, max_out_len, nonce, nonce_len, in,
		 * in_len, ad, ad_len) */
		o.key = PT_REGS_PARM1(ctx);
		o.out = PT_REGS_PARM2(ctx);
		o.out_len = PT_REGS_PARM3(ctx);
		o.ad = stack_arg(ctx, 9);
		o.ad_len = stack_arg(ctx, 10);
		if (bpf_map_update_elem(&aead_opens, &id, &o, BPF_ANY))
			count(TT_C_STASH_FULL, 1);
		return 0;
	}
	return 0;
}

SEC("uretprobe")
int aead_return(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), len = 0, n = 0;
	struct aead_open *o = bpf_map_lookup_elem(&aead_opens, &id);
	struct aead_rkey rk = {};
	struct tt_conn_key ck = { .pid = id >> 32 };
	struct aead_open a;
	__u64 *w;
	struct last_recv *lr;
	__u32 tid = (__u32)id;
	__u64 conn;
	int t;

	if (!o)
		return 0;
	a = *o;
	bpf_map_delete_elem(&aead_opens, &id);
	if ((int)PT_REGS_RC(ctx) != 1)
		return 0; /* not authentic: the connection fails */
	t = bpf_probe_read_user(&len, sizeof(len), (void *)a.out_len) ? -2 :
		record_type(a.out, len, a.ad, a.ad_len, &n);
	if (t == -2)
		count(TT_C_AEAD_UNPARSED, 1);
	if (t != TLS_CT_APPDATA || !n)
		return 0;
	rk.rkey = a.key;
	rk.tgid = id >> 32;
	/* The read key's connection as its first record's read tied it,
	 * while that connection lives (its kernel entry goes with its
	 * socket): a thread may decrypt what another one read, since tokio
	 * moves a connection between workers. */
	w = bpf_map_lookup_elem(&aead_rkeys, &rk);
	if (w) {
		ck.ptr = *w;
		if (bpf_map_lookup_elem(&conns, &ck))
			return call_done(rk.tgid, ck.ptr, a.out, TT_DIR_INGRESS,
					 n, TT_LIB_RUSTLS);
	}
	/* A new read key: the AI socket this thread just received from. */
	lr = bpf_map_lookup_elem(&last_recv, &tid);
	if (!lr || lr->tgid != rk.tgid ||
	    bpf_ktime_get_ns() - lr->ts > RECV_TIE_NS) {
		/* No AI socket to put it under: counted, never guessed. */
		count(TT_C_AEAD_UNTIED, 1);
		return 0;
	}
	conn = lr->conn;
	bpf_map_update_elem(&aead_rkeys, &rk, &conn, BPF_ANY);
	return call_done(rk.tgid, conn, a.out, TT_DIR_INGRESS, n, TT_LIB_RUSTLS);
}

/* A thread of an armed process sends on an AI socket right after sealing
 * application data: that socket carries the rustls connection. Tied here,
 * at the send, not at the segment (try_link): with Nagle on, the request
 * that follows the handshake's Finished leaves later, from a softirq, and
 * the response would be read before the tie. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send, struct sock *sk, int ret, int flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct sock_state *st;
	struct last_tls *lt;

	if (scoped_mode && !bpf_map_lookup_elem(&armed, &tgid))
		return 0;
	st = bpf_sk_storage_get(&socks, sk, 0, 0);
	if (!st || st->s.tgid != tgid || (st->s.flags & TT_SOCKF_LINKED) ||
	    st->s.state == TT_SOCK_PARSING || st->s.state == TT_SOCK_OTHER)
		return 0;
	lt = bpf_map_lookup_elem(&last_tls, &tid);
	if (lt && lt->lib == TT_LIB_RUSTLS)
		link_sock(st, lt, bpf_ktime_get_ns());
	return 0;
}

/* A thread of an armed process receives from a socket tied to a rustls
 * connection: the records it opens next are that connection's. */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv, struct sock *sk, int ret, int flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct last_recv lr = {};
	struct sock_state *st;

	/* Scoped: only armed processes have rustls probes (one lookup). */
	if (scoped_mode && !bpf_map_lookup_elem(&armed, &tgid))
		return 0;
	st = bpf_sk_storage_get(&socks, sk, 0, 0);
	if (!st || st->s.tgid != tgid || !(st->s.flags & TT_SOCKF_LINKED) ||
	    st->s.lib != TT_LIB_RUSTLS)
		return 0;
	lr.conn = st->s.tls_conn;
	lr.ts = bpf_ktime_get_ns();
	lr.tgid = tgid;
	bpf_map_update_elem(&last_recv, &tid, &lr, BPF_ANY);
	return 0;
}

#endif
