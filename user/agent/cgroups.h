/* SPDX-License-Identifier: MIT */
/*
 * Resolves what the BPF side records (bpf_get_current_cgroup_id(): the
 * inode number of the cgroup v2 directory) to the cgroup path, by walking
 * the cgroup2 mount, and a pod uid to its namespace and name, from the
 * kubelet's /var/log/pods directory names. Both are cached with caps; a
 * miss triggers one bounded rescan, at most one per rescan interval.
 * Single-threaded: call from the event loop only.
 */
#ifndef TT_CGROUPS_H
#define TT_CGROUPS_H

#include <stddef.h>
#include <stdint.h>
#include "owner/workload.h"
#include "util/counters.h"

#define TT_CGROUPS_CACHE_CAP 4096   /* cgroup id -> path entries */
#define TT_CGROUPS_POD_CAP 4096     /* pod uid -> namespace/name entries */
#define TT_CGROUPS_WALK_DIRS 65536  /* directories visited per rescan */
#define TT_CGROUPS_WALK_DEPTH 32
#define TT_CGROUPS_RESCAN_NS 1000000000ull /* default: one rescan a second */

/* util/counters.h */
#define TT_CGROUPS_COUNTERS(X)                                                 \
	X(hits, "cgroup id lookups answered from the cache")                   \
	X(misses, "cgroup id lookups not in the cache")                        \
	X(rescans, "cgroup tree walks")                                        \
	X(rescans_limited, "misses answered later: walks rate-limited")        \
	X(not_found, "cgroup ids absent even after a walk")                    \
	X(cache_full, "cgroups left out: the cache was at its cap")            \
	X(walk_capped, "directories skipped: the walk was at its cap")         \
	X(walk_errors, "directories that could not be read")                   \
	X(path_too_long, "cgroups skipped: path over the maximum")             \
	X(pod_hits, "pod uid lookups answered from the cache")                 \
	X(pod_misses, "pod uid lookups not in the cache")                      \
	X(pod_rescans, "pod log directory reads")                              \
	X(pod_rescans_limited, "pod misses answered later: reads rate-limited") \
	X(pod_cache_full, "pods left out: the cache was at its cap")           \
	X(pod_not_found, "pod uids absent even after a read")

struct tt_cgroups_stats {
	TT_CGROUPS_COUNTERS(TT_COUNTER_FIELD)
};

struct tt_cgroups;

/*
 * mount_root: the cgroup2 mount (NULL: found in /proc/self/mountinfo);
 * pods_dir: the kubelet's pod log directory (NULL: /var/log/pods; a
 * missing directory just means no pod names). Returns 0, -ENOENT (no
 * cgroup2 mount), -ENOMEM.
 */
int tt_cgroups_new(const char *mount_root, const char *pods_dir,
		   struct tt_cgroups **out);
void tt_cgroups_free(struct tt_cgroups *cg);
/* This process's cgroup2 mount point (from /proc/self/mountinfo) into
 * out: 0, -ENOENT (none) or -ENOMEM. */
int tt_cgroups_find_mount(char *out, size_t outlen);

/* Minimum time between two rescans of each kind; 0 disables the limit. */
void tt_cgroups_set_rescan_interval(struct tt_cgroups *cg, uint64_t ns);

/*
 * The path of cgroup `id` relative to the mount ("/" for the root,
 * "/system.slice/nginx.service"), NUL-terminated. Returns 0, -ENOENT (no
 * such cgroup after a rescan; it may have gone), -EAGAIN (a miss while
 * rescans are rate-limited: ask again later), -E2BIG (outlen too small).
 */
int tt_cgroups_path(struct tt_cgroups *cg, uint64_t id, char *out,
		    size_t outlen);

/* Namespace and name of pod `uid` (canonical: lower case, dashes).
 * Returns 0, -ENOENT, or -EAGAIN (a miss while rescans are limited). */
int tt_cgroups_pod(struct tt_cgroups *cg, const char *uid,
		   struct tt_pod_ref *out);

const struct tt_cgroups_stats *tt_cgroups_stats(const struct tt_cgroups *cg);
/* The cgroup2 mount point in use ("/sys/fs/cgroup", ".../unified"). */
const char *tt_cgroups_root(const struct tt_cgroups *cg);

#endif
