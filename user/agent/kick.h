/* SPDX-License-Identifier: MIT */
/*
 * Releasing held ClientHellos at once. The observer drops an AI
 * connection's ClientHello until its process is armed; TCP then re-sends
 * it at its next probe, at least 200 ms later. The sock_kick iterator
 * switches TCP_NODELAY on and back off on every held socket whose process
 * is armed, which pushes the segment out now. TCP's iterator only walks
 * the network namespace of the task that opens it, so for a process in
 * another namespace (a container) the kick enters that namespace for the
 * run and comes back.
 */
#ifndef TT_AGENT_KICK_H
#define TT_AGENT_KICK_H

#include <sys/types.h>

struct bpf_program;

/* Reported through attach.h's counters. */
struct tt_kick_stats {
	unsigned long long runs, runs_netns, errors, netns_errors;
};

struct tt_kick;

/* prog: the skeleton's sock_kick program (owned by the skeleton). */
struct tt_kick *tt_kick_new(struct bpf_program *prog);
void tt_kick_free(struct tt_kick *k);
/* Runs the iterator in pid's network namespace. 0 or -errno. */
int tt_kick_run(struct tt_kick *k, pid_t pid);
const struct tt_kick_stats *tt_kick_stats(const struct tt_kick *k);

#endif
