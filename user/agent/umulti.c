// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/types.h>
#include "agent/umulti.h"

#define TT_BPF_LINK_CREATE 28         /* enum bpf_cmd */
#define TT_BPF_F_UPROBE_MULTI_RETURN 1u

/* The BPF_LINK_CREATE prefix of union bpf_attr with its uprobe_multi arm
 * (include/uapi/linux/bpf.h, 6.6+). The kernel takes an attr shorter than
 * its own union and treats the rest as zero. */
struct link_create_umulti {
	__u32 prog_fd;
	__u32 target_fd;       /* 0 */
	__u32 attach_type;     /* TT_BPF_TRACE_UPROBE_MULTI */
	__u32 flags;           /* 0 */
	__u64 path;            /* const char * */
	__u64 offsets;         /* const __u64 * */
	__u64 ref_ctr_offsets; /* 0: no USDT semaphores */
	__u64 cookies;         /* const __u64 * or 0 */
	__u32 cnt;
	__u32 um_flags;        /* TT_BPF_F_UPROBE_MULTI_RETURN */
	__u32 pid;             /* 0: every process */
	__u32 pad;
};

_Static_assert(offsetof(struct link_create_umulti, path) == 16, "path");
_Static_assert(offsetof(struct link_create_umulti, cookies) == 40, "cookies");
_Static_assert(offsetof(struct link_create_umulti, cnt) == 48, "cnt");
_Static_assert(offsetof(struct link_create_umulti, pid) == 56, "pid");
_Static_assert(sizeof(struct link_create_umulti) == 64, "size");

int tt_umulti_attach(int prog_fd, const struct tt_umulti *u)
{
	struct link_create_umulti a;
	long fd;

	if (prog_fd < 0 || !u->path || !u->offsets || !u->cnt || u->pid < 0)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	a.prog_fd = (__u32)prog_fd;
	a.attach_type = TT_BPF_TRACE_UPROBE_MULTI;
	a.path = (__u64)(uintptr_t)u->path;
	a.offsets = (__u64)(uintptr_t)u->offsets;
	a.cookies = (__u64)(uintptr_t)u->cookies;
	a.cnt = u->cnt;
	a.um_flags = u->retprobe ? TT_BPF_F_UPROBE_MULTI_RETURN : 0;
	a.pid = (__u32)u->pid;
	fd = syscall(__NR_bpf, TT_BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : (int)fd;
}
