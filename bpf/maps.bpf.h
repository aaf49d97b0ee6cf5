/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The maps every part of the capture shares, and small helpers. */
#ifndef TT_MAPS_BPF_H
#define TT_MAPS_BPF_H

/* Sized by user space before load (--ringbuf-size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* Process and socket events in their own ring, read first: a new process,
 * or a connection waiting for its probes, is seen before a backlog of data
 * drains. 1 MiB: a burst of 3,500 socket events (a pool of connections
 * closing at once) between two reads of the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} proc_events SEC(".maps");

/* Wake the agent for a socket event only when it matters: a hold waits
 * for it (force), or the ring is a quarter full (a burst); else the
 * agent's 20 ms poll reads it, which saves a wake-up (20-25 us) per
 * connection. */
#define TT_PROC_RB_WAKE_BYTES (256 << 10)

static __always_inline __u64 proc_rb_flags(int force)
{
	if (force || bpf_ringbuf_query(&proc_events, BPF_RB_AVAIL_DATA) >=
			     TT_PROC_RB_WAKE_BYTES)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* TLS connections the probes have seen, by (tgid, library object). */
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
	__u8 ret_ssize;   /* the return value is a ssize_t */
	__u8 lib;
	__u8 pad[5];
};

/* In-flight calls, one per thread inside a TLS call. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct call_args);
} calls SEC(".maps");

/* The TLS connection a thread last wrote to: the connection observer ties
 * the socket the bytes then leave through to it (libraries with memory
 * BIOs, such as node's, send after the call returns). */
struct last_tls {
	__u64 conn;
	__u64 ts;
	__u8 lib;
	__u8 pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct last_tls);
} last_tls SEC(".maps");

/* Processes with at least one tracked connection: only their exit matters. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} procs SEC(".maps");

/* Processes and their TLS probes (enum tt_arm_state), written by user
 * space: a held connection goes on once its process is armed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} armed SEC(".maps");

/* Server-name rules compiled by user space (hosts/sni_rules.c). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TT_SNI_RULES_MAX);
	__type(key, __u64);
	__type(value, struct tt_sni_val);
} sni_rules SEC(".maps");

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

/* Verdict for a server name no rule matches. User space sets FILTER once
 * the rules are loaded and complete; until then everything is captured. */
volatile __u8 sni_unmatched_verdict = TT_VERDICT_PENDING;

/* Data events wake the agent only once this many bytes wait (set before
 * load; 0 = wake on every event). In a VM a wakeup per event costs the
 * agent more than the event itself; the agent polls on a short timer. */
const volatile __u64 data_wakeup_bytes = 0;

/* The capture's settings, written by user space (they may change on a
 * reload: a global, not a read-only one). */
volatile __u8 scoped_mode = 0;  /* probes only in armed processes */
volatile __u64 hold_ns = 0;     /* 0: never hold a connection */
volatile __u32 agent_tgid = 0;  /* the agent's own connections are not held */

static __always_inline void count(__u32 idx, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += n;
}

static __always_inline void fill_hdr(struct tt_ev_hdr *h, __u16 type,
				     __u64 conn, __u8 lib)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->type = type;
	h->dir = 0;
	h->flags = 0;
	h->lib = lib;
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

	fill_hdr(&h, type, conn, 0);
	if (bpf_ringbuf_output(ring, &h, sizeof(h), 0))
		count(TT_C_RB_LOST_EVENTS, 1);
}

#endif
