/* SPDX-License-Identifier: MIT */
/* Loads the BPF capture programs and reads their maps and rings. */
#ifndef TT_CAPTURE_H
#define TT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include "tt_abi.h"

struct tokentap_bpf;
struct ring_buffer;

typedef int (*tt_event_cb)(void *ctx, void *data, size_t size);

struct tt_capture {
	struct tokentap_bpf *skel;
	struct ring_buffer *rb;
	int ncpu;
	int umulti;          /* probes attach as uprobe_multi links */
	int observer;        /* the connection observer is attached */
	int pinned;          /* connection state lives in state_dir */
	int cgroup_fd;
	struct bpf_link *obs_links[6];
};

struct tt_capture_opts {
	size_t ringbuf_bytes;
	int scoped;            /* probes only in armed processes */
	unsigned hold_ms;      /* hold a not-yet-armed process's AI connection */
	int exec_all;          /* report every exec (capture.arm selectors) */
	const char *cgroup_root; /* cgroup2 mount for the observer; NULL: none */
	const char *state_dir;   /* bpffs directory for state; NULL/"": none */
	uint64_t late_start_ns;  /* records for connections older than the
				  * agent, this long after start (0: off) */
};

/* Opens, sizes and loads the programs, attaches the tracepoints and the
 * connection observer (cgroup hooks on the cgroup2 root) and sets up both
 * rings with cb. Returns 0 or a negative errno (logged). */
int tt_capture_open(struct tt_capture *cap, const struct tt_capture_opts *o,
		    tt_event_cb cb, void *ctx);
void tt_capture_close(struct tt_capture *cap);

/* The AI connections the kernel lists (ai_socks): after a restart, those a
 * previous agent saw. cb gets each; returns how many, or -errno. */
int tt_capture_each_ai_sock(struct tt_capture *cap,
			    void (*cb)(void *ctx, const struct tt_ai_sock *s),
			    void *ctx);
/* Deletes the listed AI connections of processes that no longer exist: an
 * earlier agent's entries whose sockets closed while no agent ran. Returns
 * how many. */
int tt_capture_prune_ai_socks(struct tt_capture *cap);
/* Changes the hold deadline (reload); 0 turns holding off. */
void tt_capture_set_hold(struct tt_capture *cap, unsigned hold_ms);

/* Waits up to timeout_ms for a wakeup, then hands every event waiting in
 * either ring to the callback. Returns the events consumed or -errno. */
int tt_capture_poll(struct tt_capture *cap, int timeout_ms);
int tt_capture_set_verdict(struct tt_capture *cap, uint32_t pid, uint64_t ptr,
			   int verdict);
/* The kernel's next stream offset per direction of a live connection;
 * -ENOENT once it is closed or swept. */
int tt_capture_conn_offsets(struct tt_capture *cap, uint32_t pid, uint64_t ptr,
			    uint64_t off[2]);
struct tt_hosts;
/* Loads the host table's server-name rules into the kernel and, when they
 * are complete, lets it filter unmatched names itself. */
int tt_capture_load_sni_rules(struct tt_capture *cap, const struct tt_hosts *hosts);
/* Sums the per-CPU counters into out[TT_C_MAX]. */
int tt_capture_counters(struct tt_capture *cap, uint64_t *out);
/* Deletes conn map entries of processes that no longer exist (their exit
 * can race the first event). Returns how many were removed. */
int tt_capture_sweep(struct tt_capture *cap);

/* Routes libbpf's messages through the agent's logger. */
void tt_capture_setup_libbpf_log(void);

#endif
