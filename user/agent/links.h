/* SPDX-License-Identifier: MIT */
/*
 * The probes of one file for one process (or every process), as links:
 * one uprobe_multi link per BPF program where the kernel has them, else
 * one perf-event uprobe per probe. Detaching waits for the kernel's RCU
 * grace periods (measured: 50 ms to 2 s per link), so links are closed by
 * a thread of their own; the agent loop never waits for it.
 */
#ifndef TT_LINKS_H
#define TT_LINKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "agent/tlslib.h"

struct tokentap_bpf;
struct bpf_link;

struct tt_links {
	int fd[TT_PROGS];        /* uprobe_multi links, -1 when none */
	struct bpf_link **perf;  /* perf-event links (no uprobe_multi) */
	size_t nperf;
};

/* Sets which attach the programs were loaded for (1: uprobe_multi). */
void tt_links_set_umulti(int on);
int tt_links_umulti(void);

/* Attaches set's probes in path for pid (0: every process). Return probes
 * go in before entries, so a call whose entry is seen has its return seen.
 * Returns 0, or -errno with nothing left attached. */
int tt_links_attach(struct tokentap_bpf *skel, const struct tt_probe_set *set,
		    const char *path, pid_t pid, struct tt_links *out);
/* Queues the links for closing (or closes them at once when the queue is
 * full: returns 1 then, else 0). out is emptied either way. */
int tt_links_detach(struct tt_links *l);
/* Waits until every queued link is closed (agent stop, tests). */
void tt_links_drain(void);

#endif
