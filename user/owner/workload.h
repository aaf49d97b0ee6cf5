/* SPDX-License-Identifier: MIT */
/*
 * Who a process is, from what the host already says: its cgroup v2 path
 * (container runtime and id, Kubernetes pod uid and QoS class, systemd unit
 * and slice) and the kubelet's /var/log/pods directory names (pod namespace
 * and name). Pure: the caller reads /proc and the file system and hands the
 * text in, so tests use fixtures.
 */
#ifndef TT_WORKLOAD_H
#define TT_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Longest cgroup path accepted (PATH_MAX); longer is -EINVAL. */
#define TT_WORKLOAD_PATH_MAX 4096

/* Values of tt_workload.runtime. */
#define TT_RUNTIME_NONE "none"
#define TT_RUNTIME_DOCKER "docker"
#define TT_RUNTIME_CONTAINERD "containerd"
#define TT_RUNTIME_CRIO "cri-o"
#define TT_RUNTIME_PODMAN "podman"
/* A kubelet cgroupfs-driver container: the path gives a bare id under the
 * pod and does not name the runtime (containerd or dockershim). */
#define TT_RUNTIME_CRI "cri"

/* Values of tt_workload.qos ("" when the path has no pod). */
#define TT_QOS_GUARANTEED "guaranteed"
#define TT_QOS_BURSTABLE "burstable"
#define TT_QOS_BESTEFFORT "besteffort"

/*
 * Every string is NUL-terminated and "" when the path does not say.
 * Nested layouts (docker-in-docker, kind) report the innermost container
 * and pod; unit and slice are the innermost ones in the path (the unit the
 * process runs in, the slice that holds it).
 */
struct tt_workload {
	char runtime[16];      /* TT_RUNTIME_*; never "" after success */
	char container_id[72]; /* lower-case hex, 12..64 chars */
	char pod_uid[40];      /* 8-4-4-4-12 lower-case hex, dashes */
	char qos[16];          /* TT_QOS_* */
	char unit[128];        /* "nginx.service", "docker-<id>.scope" */
	char slice[128];       /* "system.slice", "kubepods-burstable.slice" */
	/* Units or slices left out because the name did not fit: a count so
	 * a caller can export it, never a silent truncation. */
	uint32_t too_long;
};

/*
 * Classifies a cgroup v2 path as /proc/<pid>/cgroup shows it after "0::"
 * or relative to the cgroup2 mount ("/system.slice/docker-<id>.scope").
 * "/" is the root cgroup: runtime "none", everything else "".
 * Returns 0, or -EINVAL when path is not an absolute path of at most
 * TT_WORKLOAD_PATH_MAX bytes free of control characters (out is then
 * zeroed with runtime "none").
 */
int tt_workload_from_cgroup(const char *path, size_t len,
			    struct tt_workload *out);

/*
 * Finds the cgroup v2 line ("0::/path") in /proc/<pid>/cgroup text and
 * copies its path to out (NUL-terminated), dropping the " (deleted)" the
 * kernel appends for a removed cgroup. Returns 0, -ENOENT when there is no
 * v2 line (a v1-only host), -E2BIG when the path does not fit outlen,
 * -EINVAL when outlen is 0 or the v2 path is not absolute.
 */
int tt_workload_proc_cgroup(const char *text, size_t len, char *out,
			    size_t outlen);

/*
 * Finds the cgroup2 mount point in /proc/self/mountinfo text, decoding
 * the kernel's octal escapes ("\040" for a space). When several exist,
 * /sys/fs/cgroup wins, then /sys/fs/cgroup/unified (hybrid hosts), then
 * the first one. Returns 0, -ENOENT, or -E2BIG when it does not fit.
 */
int tt_workload_cgroup2_mount(const char *text, size_t len, char *out,
			      size_t outlen);

/* A pod named by a kubelet log directory. */
struct tt_pod_ref {
	char ns[64];    /* a DNS label: at most 63 chars */
	char name[254]; /* a DNS subdomain: at most 253 chars */
	char uid[40];   /* 36 chars, lower-case */
};

/*
 * Parses one directory name under /var/log/pods,
 * "<namespace>_<pod-name>_<pod-uid>" (neither name holds '_'; the uid is a
 * 36-char UUID). Returns 0, or -EINVAL for anything else ("." entries,
 * stray files, names too long for a pod).
 */
int tt_workload_pod_logdir(const char *name, size_t len,
			   struct tt_pod_ref *out);

/* 1 when s is a 36-char 8-4-4-4-12 hex UUID (either case), else 0. */
int tt_workload_is_uid(const char *s, size_t len);

#endif
