/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Process life: exec, exit and library loads, for the attach manager. */
#ifndef TT_PROC_BPF_H
#define TT_PROC_BPF_H

/* Every exec is reported (1), or only those of armed processes (0: the
 * scoped mode without capture.arm selectors has nothing to do with the
 * others). */
volatile __u8 exec_all = 1;

static __always_inline int is_armed(__u32 tgid)
{
	return bpf_map_lookup_elem(&armed, &tgid) != NULL;
}

/* ld.so calls _dl_debug_state() after it maps or unmaps objects: the moment
 * a process may have gained a TLS library, before it can use it. */
SEC("uprobe")
int ldso_load_notify(struct pt_regs *ctx)
{
	if (scoped_mode && !is_armed(bpf_get_current_pid_tgid() >> 32))
		return 0;
	emit_small(&proc_events, TT_EV_LIBLOAD, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_exec, struct task_struct *p)
{
	if (!exec_all && !is_armed(bpf_get_current_pid_tgid() >> 32))
		return 0;
	emit_small(&proc_events, TT_EV_EXEC, 0);
	return 0;
}

/* A child of an armed process inherits its probes' breakpoints, and with
 * uprobe_multi links they keep trapping there without the program running:
 * the agent arms the child too (prefork servers, worker pools). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	struct tt_ev_hdr h = {};

	if (!scoped_mode || BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid) ||
	    !is_armed(ptgid))
		return 0;
	fill_hdr(&h, TT_EV_FORK, ptgid, 0);
	h.pid = BPF_CORE_READ(child, tgid);
	h.tid = h.pid;
	if (bpf_ringbuf_output(&proc_events, &h, sizeof(h), 0))
		count(TT_C_RB_LOST_EVENTS, 1);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	int tracked;

	/* Only the last thread's exit ends the process's connections. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	tracked = bpf_map_lookup_elem(&procs, &tgid) != NULL;
	if (!tracked && !is_armed(tgid))
		return 0;
	if (tracked)
		bpf_map_delete_elem(&procs, &tgid);
	emit_small(&events, TT_EV_EXIT, 0);
	return 0;
}

/* Benchmark floor: empty programs, attached by `tokentap probe-floor` at
 * the entry and return of one function, as the capture probes each call. */
SEC("uprobe")
int bench_empty(struct pt_regs *ctx)
{
	return 0;
}

SEC("uretprobe")
int bench_empty_ret(struct pt_regs *ctx)
{
	return 0;
}

#endif
