/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Go crypto/tls under the register ABI (amd64): (*Conn).Write(b) and
 * Read(b) get the receiver in RAX and b's pointer and length in RBX and
 * RCX; they return n in RAX. Return probes are unsafe on Go's movable
 * stacks, so go_tls_ret sits on each RET instruction of both functions.
 * In-flight calls are keyed by goroutine (R14): a goroutine may move to
 * another OS thread during a call.
 */
#ifndef TT_GO_BPF_H
#define TT_GO_BPF_H

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

static __always_inline int go_enter(struct pt_regs *ctx, __u8 dir)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct go_key key = { .g = ctx->r14, .pid = pid };
	struct call_args args = {
		.ssl = ctx->ax, .buf = ctx->bx, .dir = dir, .lib = TT_LIB_GO,
	};
	struct tt_conn_val *conn = conn_get(pid, args.ssl, -1, TT_LIB_GO);

	if (conn && conn->verdict == TT_VERDICT_FILTER) {
		count(TT_C_FILTERED_CALLS, 1);
		return 0;
	}
	if (dir == TT_DIR_EGRESS)
		note_write(args.ssl, TT_LIB_GO);
	if (bpf_map_update_elem(&go_calls, &key, &args, BPF_ANY))
		count(TT_C_STASH_FULL, 1);
	return 0;
}

/* Entries of (*Conn).Write, Read and Close, told apart by the cookie. */
SEC("uprobe")
int go_tls_entry(struct pt_regs *ctx)
{
	switch (TT_COOKIE_ROLE(bpf_get_attach_cookie(ctx))) {
	case TT_ROLE_GO_WRITE:
		return go_enter(ctx, TT_DIR_EGRESS);
	case TT_ROLE_GO_READ:
		return go_enter(ctx, TT_DIR_INGRESS);
	case TT_ROLE_GO_CLOSE:
		return conn_end(bpf_get_current_pid_tgid() >> 32, ctx->ax, TT_LIB_GO);
	}
	return 0;
}

/* Every RET instruction of Write and Read. */
SEC("uprobe")
int go_tls_ret(struct pt_regs *ctx)
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
	return call_done(pid, ssl, buf, dir, ret > 0 ? (__u64)ret : 0, TT_LIB_GO);
}

#endif
