/* SPDX-License-Identifier: MIT */
/*
 * uprobe_multi links (kernel 6.6+) without libbpf's help: Debian 12's
 * libbpf 1.1 has neither bpf_program__attach_uprobe_multi nor the
 * link_create.uprobe_multi attr. One link puts one BPF program on many
 * offsets of one file, each with its attach cookie, and with a pid only
 * into that process: the kernel then installs the breakpoints in that
 * process's address space alone, so every other process that maps the
 * same library runs it untrapped.
 */
#ifndef TT_UMULTI_H
#define TT_UMULTI_H

#include <stdint.h>
#include <sys/types.h>

/* enum bpf_attach_type BPF_TRACE_UPROBE_MULTI (uapi, 6.6). */
#define TT_BPF_TRACE_UPROBE_MULTI 48

struct tt_umulti {
	const char *path;        /* the file, as this process reaches it */
	const uint64_t *offsets; /* file offsets */
	const uint64_t *cookies; /* one per offset, or NULL */
	uint32_t cnt;
	int retprobe;            /* return probes on the functions at offsets */
	pid_t pid;               /* the process (tgid) to trap in; 0: every one */
};

/* A link of prog_fd (loaded with expected_attach_type
 * TT_BPF_TRACE_UPROBE_MULTI). Returns the link fd (O_CLOEXEC), or -errno. */
int tt_umulti_attach(int prog_fd, const struct tt_umulti *u);

#endif
