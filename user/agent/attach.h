/* SPDX-License-Identifier: MIT */
/*
 * Attach manager: finds the files that carry TLS functions (tlslib.h: libssl
 * and libgnutls copies, executables with OpenSSL built in such as node, Go
 * programs) and ld.so, in every process and mount namespace, and puts the
 * capture probes on them.
 *
 * Two modes (docs/capture.md):
 *   all     probes on every such file for every process, once per file
 *           (device + inode): every process that maps it traps on every
 *           TLS call, AI or not. The first design.
 *   scoped  probes only in the processes that are armed: one uprobe_multi
 *           link per program and file, for that process alone (the kernel
 *           installs the breakpoints in its address space only). A process
 *           is armed when the connection observer sees it reach an AI host,
 *           or when a capture.arm selector names it; it is disarmed when it
 *           exits, execs, or stays away from AI hosts for a while.
 * ld.so gets a system-wide probe in both modes (library loads are rare).
 * Detaching a uprobe waits for the kernel's RCU grace periods (tens of ms to
 * seconds): links are closed on a thread of their own.
 */
#ifndef TT_ATTACH_H
#define TT_ATTACH_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "util/counters.h"
#include "agent/tlslib.h"

#define TT_FILES_MAX 8192    /* files checked, with or without probes */
#define TT_ARM_FILES_MAX 8   /* TLS files probed in one process */
#define TT_ARM_REASON_MAX 192

struct tokentap_bpf;

/* A file checked once. */
struct tt_target {
	uint64_t dev, ino;
	struct tt_probe_set *set; /* NULL: nothing to probe here */
	char path[512];      /* as seen by the process that mapped it */
	char open_path[600]; /* how the agent reached it */
	int attach_err;      /* 0 or the first negative errno */
	int global;          /* probed for every process ("all", ld.so) */
};

/* A process with its own probes (scoped mode). */
struct tt_armed_info {
	uint32_t pid;
	int state;             /* enum tt_arm_state (tt_abi.h) */
	uint64_t since_ns;     /* CLOCK_MONOTONIC */
	uint64_t last_ai_ns;   /* last sign of AI traffic */
	char reason[TT_ARM_REASON_MAX];
	int attach_failed;     /* a TLS file of it could not be probed */
	size_t nfiles;
	const struct tt_target *files[TT_ARM_FILES_MAX];
};

/* util/counters.h */
#define TT_ATTACH_COUNTERS(X)                                                  \
	X(scans, "scans of every process")                                     \
	X(pids_scanned, "processes whose mappings were read")                  \
	X(files_checked, "files read for TLS functions")                       \
	X(attached, "files attached")                                          \
	X(attach_failed, "files whose probes failed to attach")                \
	X(files_full, "files not remembered: the file table at its cap")       \
	/* Scoped mode: processes armed with their own probes. */              \
	X(armed, "processes armed with TLS probes")                            \
	X(armed_now, "a level: processes armed now")                           \
	X(untraceable, "processes reaching AI hosts with no TLS library traced") \
	X(armed_full, "processes not armed: capture.max_armed_processes")      \
	X(disarmed_exit, "processes disarmed when they exited")                \
	X(disarmed_exec, "processes disarmed when they ran a new program")     \
	X(disarmed_idle, "processes disarmed after capture.idle_disarm_seconds") \
	X(kicks, "held connections pushed out after arming (iterator runs)")   \
	X(kicks_netns, "of those, runs in another network namespace")          \
	X(kick_errors, "iterator runs that failed")                            \
	X(kick_netns_errors, "namespaces the kick could not enter")            \
	X(detach_sync, "links closed on the loop: the detach queue was full") \
	X(attach_ns_total, "ns spent arming processes")                        \
	X(attach_ns_max, "a level: the longest arming, ns")

struct tt_attach_stats {
	TT_ATTACH_COUNTERS(TT_COUNTER_FIELD)
};

struct tt_attach;

/* skel NULL: discover only (doctor). scoped: the mode. max_armed: the cap
 * on armed processes. */
struct tt_attach *tt_attach_new(struct tokentap_bpf *skel, int scoped,
				size_t max_armed);
void tt_attach_free(struct tt_attach *am);

/* "all": every process in /proc, then one process (after exec, or when
 * ld.so mapped new objects). In scoped mode, scan_pid re-arms an armed
 * process's new libraries and does nothing for others. Return the number
 * of new targets. */
int tt_attach_scan_all(struct tt_attach *am);
int tt_attach_scan_pid(struct tt_attach *am, pid_t pid);
/* Libraries and binaries on disk that no process maps yet ("all"), and
 * ld.so (both modes). */
int tt_attach_scan_system(struct tt_attach *am);

/* One file, as if a process ran it: 1 when it is (or was already) a
 * target, 0 when it carries nothing to trace, or a negative errno. */
int tt_attach_check_file(struct tt_attach *am, const char *path);

/* Scoped mode. arm: the process's TLS files get probes for it alone, and
 * the kernel is told (armed map). 1 armed (or already), 0 nothing to
 * probe (marked untraceable: never held), -errno. reason: why, for
 * doctor and logs. now_ns: CLOCK_MONOTONIC. */
int tt_attach_arm(struct tt_attach *am, pid_t pid, const char *reason,
		  uint64_t now_ns);
/* The process showed AI traffic now: keeps it from idling out. */
void tt_attach_touch(struct tt_attach *am, pid_t pid, uint64_t now_ns);
/* why: "exit", "exec", "idle". */
void tt_attach_disarm(struct tt_attach *am, pid_t pid, const char *why);
/* Disarms processes idle longer than idle_ns (0: never). Returns how many. */
int tt_attach_expire(struct tt_attach *am, uint64_t now_ns, uint64_t idle_ns);
/* The armed process's state, or NULL. */
const struct tt_armed_info *tt_attach_armed(const struct tt_attach *am,
					    pid_t pid);
/* The same, or what it was when last disarmed (recent ones only). */
const struct tt_armed_info *tt_attach_past(const struct tt_attach *am,
					   pid_t pid);
size_t tt_attach_armed_count(const struct tt_attach *am);
const struct tt_armed_info *tt_attach_armed_at(const struct tt_attach *am,
					       size_t i);
/* Pushes held segments of connections whose process is now armed (the
 * sock_kick iterator). Returns 0 or -errno. */
int tt_attach_kick(struct tt_attach *am, pid_t pid);

size_t tt_attach_count(const struct tt_attach *am);
const struct tt_target *tt_attach_get(const struct tt_attach *am, size_t i);
void tt_attach_get_stats(const struct tt_attach *am, struct tt_attach_stats *out);

#endif
