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
};

/* Opens, sizes and loads the programs, attaches the exec/exit tracepoints
 * and sets up both rings with cb. Returns 0 or a negative errno (logged). */
int tt_capture_open(struct tt_capture *cap, size_t ringbuf_bytes,
		    tt_event_cb cb, void *ctx);
void tt_capture_close(struct tt_capture *cap);

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
