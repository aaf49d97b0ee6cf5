/* SPDX-License-Identifier: MIT */
/*
 * Scoped capture (docs/capture.md): which processes get TLS probes. A
 * process is armed when the connection observer reports its connection to
 * an AI host (the connection may be held meanwhile: once armed, its held
 * segment is pushed out), when a capture.arm selector matches it (at start
 * and at exec), or, after a restart, when the pinned state says it had AI
 * connections. It is disarmed when it exits, execs, or has no AI
 * connection for capture.idle_disarm_seconds. The state is written to a
 * status file that `tokentap doctor` shows.
 */
#ifndef TT_SCOPE_H
#define TT_SCOPE_H

#include <stdint.h>
#include "tt_abi.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "agent/attach.h"
#include "agent/capture.h"
#include "agent/procinfo.h"

struct tt_scope_stats {
	uint64_t arm_requests, armed_by_name, armed_by_selector,
		armed_at_start, kicks, status_writes, status_errors;
};

struct tt_scope;

/* cfg: the live config (reloads swap it in place). status_path: NULL for
 * none. */
struct tt_scope *tt_scope_new(const struct tt_config *cfg, struct tt_attach *am,
			      struct tt_capture *cap, struct tt_procs *procs,
			      const char *status_path);
void tt_scope_free(struct tt_scope *s);

/* At start: processes with AI connections an earlier agent saw (pinned
 * state), then the capture.arm selectors over every process. */
void tt_scope_start(struct tt_scope *s, uint64_t now_ns);
/* An observer event (the pipeline has seen it too). */
void tt_scope_on_sock(struct tt_scope *s, const struct tt_ev_sock *ev,
		      uint64_t now_ns);
void tt_scope_on_exec(struct tt_scope *s, uint32_t pid, uint64_t now_ns);
void tt_scope_on_exit(struct tt_scope *s, uint32_t pid);
/* An armed process forked: the child gets probes of its own. */
void tt_scope_on_fork(struct tt_scope *s, uint32_t child, uint32_t parent,
		      uint64_t now_ns);
/* Idle disarming and the status file; call about once a second. */
void tt_scope_tick(struct tt_scope *s, struct tt_pipeline *pipe,
		   uint64_t now_ns);
/* Why an AI connection of a process was not decrypted (pipeline op). */
const char *tt_scope_dark_reason(struct tt_scope *s,
				 const struct tt_sock_rec *rec);
const struct tt_scope_stats *tt_scope_stats(const struct tt_scope *s);

#endif
