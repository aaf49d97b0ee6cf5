/* SPDX-License-Identifier: MIT */
/*
 * What the host says about the process behind a connection: exe, the
 * allow-listed environment variables, the cgroup path and the workload
 * (container, pod, unit) it names, and a Docker container's name and
 * labels. Gathered once per process when its first AI connection is seen
 * (the process is alive then; by the time a call ends it may not be), and
 * shared by that process's connections. Single-threaded: event loop only.
 */
#ifndef TT_PROCINFO_H
#define TT_PROCINFO_H

#include <stddef.h>
#include <stdint.h>
#include "alloc/event.h"
#include "agent/cgroups.h"
#include "owner/dockercfg.h"
#include "util/counters.h"

#define TT_PROCINFO_MAX 1024           /* processes with facts at once */
#define TT_PROCINFO_ENVIRON_MAX (256u << 10) /* bytes of /proc/<pid>/environ read */

/* util/counters.h */
#define TT_PROCINFO_COUNTERS(X)                                                \
	X(gathered, "processes whose facts were read")                         \
	X(table_full, "connections without process facts: table at its cap")   \
	X(exe_errors, "/proc/PID/exe unreadable (gone, kernel thread)")        \
	X(environ_errors, "/proc/PID/environ unreadable")                      \
	X(environ_truncated, "environments larger than the read cap")          \
	X(cgroup_from_proc, "cgroup paths read from /proc: id not cached yet") \
	X(cgroup_unknown, "processes without a cgroup path")                   \
	X(pod_pending, "pod name lookups retried later (rate limit)")          \
	X(docker_reads, "Docker container configs read")                       \
	X(docker_errors, "Docker container configs unreadable")

struct tt_procinfo_stats {
	TT_PROCINFO_COUNTERS(TT_COUNTER_FIELD)
};

/* One process's facts. */
struct tt_procinfo {
	uint32_t pid;
	uint64_t cgroup_id;
	unsigned refs;
	char comm[16];
	char exe[512];
	char cgroup_path[TT_WORKLOAD_PATH_MAX + 1];
	int has_workload, has_pod, pod_pending, path_pending;
	struct tt_workload wl;
	struct tt_pod_ref pod;
	struct tt_docker_info *docker;  /* heap, Docker containers only */
	struct tt_kv labels[TT_DOCKER_LABELS_MAX];
	struct tt_environ env;
};

struct tt_procs;

/* cg may be NULL (no cgroup2 mount found): paths then come from /proc.
 * docker_dir: "" or NULL for none. Returns NULL on allocation failure. */
struct tt_procs *tt_procs_new(struct tt_cgroups *cg,
			      const struct tt_environ_allow *allow,
			      const char *docker_dir);
void tt_procs_free(struct tt_procs *ps);

/* The facts of (pid, cgroup id), read now if not held yet; a reference
 * the caller drops with tt_procs_put(). NULL when the table is full. */
struct tt_procinfo *tt_procs_get(struct tt_procs *ps, uint32_t pid,
				 uint64_t cgroup_id, const char *comm);
void tt_procs_put(struct tt_procs *ps, struct tt_procinfo *pi);

/* Fills pf from pi (pointers into pi), first retrying what was pending. */
void tt_procs_facts(struct tt_procs *ps, struct tt_procinfo *pi,
		    struct tt_proc_facts *pf);

const struct tt_procinfo_stats *tt_procs_stats(const struct tt_procs *ps);

#endif
