// SPDX-License-Identifier: MIT
/* Tests for user/core/workload.c: workload identity from cgroup paths,
 * /proc/<pid>/cgroup, mountinfo and kubelet log directory names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "owner/workload.h"
#include "tt_test.h"

/* Invented ids in real-world shapes. */
#define ID64 "3f4a9c0b7e1d2a5f6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c"
#define ID64B "aa11bb22cc33dd44ee55ff66007788990011223344556677889900aabbccddee"
#define UID "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
#define UID_ "0d1e2f3a_4b5c_4d6e_8f70_8192a3b4c5d6"

struct path_case {
	const char *name, *path;
	const char *runtime, *id, *pod, *qos, *unit, *slice;
};

static const struct path_case paths[] = {
	{ "root", "/", "none", "", "", "", "", "" },
	{ "systemd_service", "/system.slice/nginx.service", "none", "", "",
	  "", "nginx.service", "system.slice" },
	{ "init_scope", "/init.scope", "none", "", "", "", "init.scope", "" },
	{ "login_session", "/user.slice/user-1000.slice/session-3.scope",
	  "none", "", "", "", "session-3.scope", "user-1000.slice" },
	{ "user_manager", "/user.slice/user-1000.slice/user@1000.service/init.scope",
	  "none", "", "", "", "init.scope", "user-1000.slice" },
	{ "user_app", "/user.slice/user-1000.slice/user@1000.service/app.slice/"
	  "app-org.gnome.Terminal.slice/vte-spawn-1a2b.scope",
	  "none", "", "", "", "vte-spawn-1a2b.scope",
	  "app-org.gnome.Terminal.slice" },
	{ "docker_systemd", "/system.slice/docker-" ID64 ".scope", "docker",
	  ID64, "", "", "docker-" ID64 ".scope", "system.slice" },
	{ "docker_cgroupfs", "/docker/" ID64, "docker", ID64, "", "", "", "" },
	{ "docker_short_id", "/docker/3f4a9c0b7e1d", "docker", "3f4a9c0b7e1d",
	  "", "", "", "" },
	{ "docker_systemd_in_container",
	  "/system.slice/docker-" ID64 ".scope/system.slice/nginx.service",
	  "docker", ID64, "", "", "nginx.service", "system.slice" },
	{ "docker_in_docker_cgroupfs", "/docker/" ID64 "/docker/" ID64B,
	  "docker", ID64B, "", "", "", "" },
	{ "docker_rootless", "/user.slice/user-1000.slice/user@1000.service/"
	  "docker.service/docker-" ID64 ".scope", "docker", ID64, "", "",
	  "docker-" ID64 ".scope", "user-1000.slice" },
	{ "docker_daemon_itself", "/system.slice/docker.service", "none", "",
	  "", "", "docker.service", "system.slice" },
	{ "containerd_systemd_burstable",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" ID64 ".scope", "containerd", ID64, UID,
	  "burstable", "cri-containerd-" ID64 ".scope",
	  "kubepods-burstable-pod" UID_ ".slice" },
	{ "containerd_systemd_besteffort",
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/cri-containerd-" ID64 ".scope", "containerd", ID64, UID,
	  "besteffort", "cri-containerd-" ID64 ".scope",
	  "kubepods-besteffort-pod" UID_ ".slice" },
	{ "containerd_systemd_guaranteed",
	  "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID64
	  ".scope", "containerd", ID64, UID, "guaranteed",
	  "cri-containerd-" ID64 ".scope", "kubepods-pod" UID_ ".slice" },
	{ "pod_slice_only",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice", "none", "", UID, "burstable", "",
	  "kubepods-burstable-pod" UID_ ".slice" },
	{ "qos_slice_only", "/kubepods.slice/kubepods-besteffort.slice", "none",
	  "", "", "besteffort", "", "kubepods-besteffort.slice" },
	{ "kubelet_cgroupfs_burstable",
	  "/kubepods/burstable/pod" UID "/" ID64, "cri", ID64, UID,
	  "burstable", "", "" },
	{ "kubelet_cgroupfs_besteffort",
	  "/kubepods/besteffort/pod" UID "/" ID64, "cri", ID64, UID,
	  "besteffort", "", "" },
	{ "kubelet_cgroupfs_guaranteed", "/kubepods/pod" UID "/" ID64, "cri",
	  ID64, UID, "guaranteed", "", "" },
	{ "crio_systemd",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/crio-" ID64 ".scope", "cri-o", ID64, UID, "burstable",
	  "crio-" ID64 ".scope", "kubepods-burstable-pod" UID_ ".slice" },
	{ "crio_systemd_container_subgroup",
	  "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID64
	  ".scope/container", "cri-o", ID64, UID, "guaranteed",
	  "crio-" ID64 ".scope", "kubepods-pod" UID_ ".slice" },
	{ "crio_conmon",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/crio-conmon-" ID64 ".scope", "none", "", UID, "burstable",
	  "crio-conmon-" ID64 ".scope",
	  "kubepods-burstable-pod" UID_ ".slice" },
	{ "crio_cgroupfs", "/kubepods/burstable/pod" UID "/crio-" ID64, "cri-o",
	  ID64, UID, "burstable", "", "" },
	{ "podman_rootful", "/machine.slice/libpod-" ID64 ".scope", "podman",
	  ID64, "", "", "libpod-" ID64 ".scope", "machine.slice" },
	{ "podman_rootful_conmon", "/machine.slice/libpod-conmon-" ID64 ".scope",
	  "none", "", "", "", "libpod-conmon-" ID64 ".scope", "machine.slice" },
	{ "podman_rootless", "/user.slice/user-1000.slice/user@1000.service/"
	  "user.slice/libpod-" ID64 ".scope", "podman", ID64, "", "",
	  "libpod-" ID64 ".scope", "user.slice" },
	{ "podman_rootless_container_subgroup",
	  "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID64
	  ".scope/container", "podman", ID64, "", "", "libpod-" ID64 ".scope",
	  "user.slice" },
	{ "podman_rootless_conmon", "/user.slice/user-1000.slice/"
	  "user@1000.service/user.slice/libpod-conmon-" ID64 ".scope", "none",
	  "", "", "", "libpod-conmon-" ID64 ".scope", "user.slice" },
	{ "podman_cgroupfs", "/libpod_parent/libpod-" ID64, "podman", ID64, "",
	  "", "", "" },
	{ "nerdctl", "/system.slice/nerdctl-" ID64 ".scope", "containerd", ID64,
	  "", "", "nerdctl-" ID64 ".scope", "system.slice" },
	/* kind: the node is a docker container, pods nested inside it. */
	{ "kind_systemd", "/system.slice/docker-" ID64B ".scope/kubelet.slice/"
	  "kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/"
	  "kubelet-kubepods-burstable-pod" UID_ ".slice/cri-containerd-" ID64
	  ".scope", "containerd", ID64, UID, "burstable",
	  "cri-containerd-" ID64 ".scope",
	  "kubelet-kubepods-burstable-pod" UID_ ".slice" },
	{ "kind_cgroupfs", "/docker/" ID64B "/kubepods/besteffort/pod" UID "/"
	  ID64, "cri", ID64, UID, "besteffort", "", "" },
	{ "kind_pod_level_not_node_container",
	  "/docker/" ID64B "/kubepods/pod" UID, "none", "", UID, "guaranteed",
	  "", "" },
	{ "kind_node_itself", "/docker/" ID64B "/system.slice/containerd.service",
	  "docker", ID64B, "", "", "containerd.service", "system.slice" },
	{ "docker_in_pod", "/kubepods/pod" UID "/" ID64B "/docker/" ID64,
	  "docker", ID64, UID, "guaranteed", "", "" },
	{ "namespaced_relative", "/../../system.slice/docker-" ID64 ".scope",
	  "docker", ID64, "", "", "docker-" ID64 ".scope", "system.slice" },
	{ "trailing_and_double_slash", "//system.slice//nginx.service/",
	  "none", "", "", "", "nginx.service", "system.slice" },
	/* Near misses: names that look like containers but are not. */
	{ "docker_compose_unit", "/system.slice/docker-compose@web.service",
	  "none", "", "", "", "docker-compose@web.service", "system.slice" },
	{ "upper_case_id", "/docker/3F4A9C0B7E1D2A5F", "none", "", "", "", "",
	  "" },
	{ "id_too_short", "/system.slice/docker-3f4a9c0b7e1.scope", "none", "",
	  "", "", "docker-3f4a9c0b7e1.scope", "system.slice" },
	{ "id_too_long", "/docker/" ID64 "0", "none", "", "", "", "", "" },
	{ "bare_hex_not_after_docker", "/system.slice/" ID64, "none", "", "",
	  "", "", "system.slice" },
	{ "pod_bad_uid", "/kubepods/burstable/pod0d1e2f3a-4b5c/" ID64, "none",
	  "", "", "burstable", "", "" },
	{ "pod_slice_dashes_not_underscores",
	  "/kubepods.slice/kubepods-pod" UID ".slice", "none", "", "", "", "",
	  "kubepods-pod" UID ".slice" },
	{ "bare_unit_suffix", "/.service", "none", "", "", "", "", "" },
	{ "high_bytes_ok", "/system.slice/caf\xc3\xa9.service", "none", "", "",
	  "", "caf\xc3\xa9.service", "system.slice" },
};

TT_TEST(cgroup_layouts)
{
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct path_case *c = &paths[i];
		struct tt_workload w;

		tt_case("%s", c->name);
		TT_CHECK_EQ_INT(tt_workload_from_cgroup(c->path, strlen(c->path),
							&w), 0);
		TT_CHECK_EQ_STR(w.runtime, c->runtime);
		TT_CHECK_EQ_STR(w.container_id, c->id);
		TT_CHECK_EQ_STR(w.pod_uid, c->pod);
		TT_CHECK_EQ_STR(w.qos, c->qos);
		TT_CHECK_EQ_STR(w.unit, c->unit);
		TT_CHECK_EQ_STR(w.slice, c->slice);
		TT_CHECK_EQ_INT(w.too_long, 0);
	}
}

/* len is honoured: bytes past it are never read into the result. */
TT_TEST(cgroup_len_bounds)
{
	const char *p = "/docker/" ID64 "/docker/" ID64B;
	struct tt_workload w;

	TT_CHECK_EQ_INT(tt_workload_from_cgroup(p, 8 + 64, &w), 0);
	TT_CHECK_EQ_STR(w.container_id, ID64);
	TT_CHECK_EQ_INT(tt_workload_from_cgroup(p, 8 + 63, &w), 0);
	TT_CHECK_EQ_STR(w.container_id, "3f4a9c0b7e1d2a5f6b8c9d0e1f2a3b4c"
					"5d6e7f8091a2b3c4d5e6f708192a3b4");
}

TT_TEST(cgroup_malformed)
{
	static const struct {
		const char *name, *path;
		size_t len;
	} bad[] = {
		{ "empty", "", 0 },
		{ "relative", "system.slice/nginx.service", 26 },
		{ "newline", "/system.slice/a\n.service", 24 },
		{ "nul_inside", "/docker/\0abc", 12 },
		{ "del", "/a\x7f", 3 },
		{ "tab", "/a\tb", 4 },
	};
	struct tt_workload w;
	char *huge;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tt_case("%s", bad[i].name);
		TT_CHECK_EQ_INT(tt_workload_from_cgroup(bad[i].path,
							bad[i].len, &w),
				-EINVAL);
		TT_CHECK_EQ_STR(w.runtime, "none");
		TT_CHECK_EQ_STR(w.container_id, "");
		TT_CHECK_EQ_STR(w.unit, "");
	}
	tt_case("null");
	TT_CHECK_EQ_INT(tt_workload_from_cgroup(NULL, 3, &w), -EINVAL);
	TT_CHECK_EQ_INT(tt_workload_from_cgroup("/", 1, NULL), -EINVAL);

	tt_case("too_long");
	huge = malloc(TT_WORKLOAD_PATH_MAX + 1);
	if (!huge)
		abort();
	memset(huge, 'a', TT_WORKLOAD_PATH_MAX + 1);
	huge[0] = '/';
	TT_CHECK_EQ_INT(tt_workload_from_cgroup(huge, TT_WORKLOAD_PATH_MAX + 1,
						&w), -EINVAL);
	TT_CHECK_EQ_INT(tt_workload_from_cgroup(huge, TT_WORKLOAD_PATH_MAX, &w),
			0);
	free(huge);
}

/* A unit or slice name longer than its field is left out and counted. */
TT_TEST(cgroup_long_names_counted)
{
	char path[600];
	struct tt_workload w;
	int n;

	n = snprintf(path, sizeof(path), "/%0200d.slice/%0200d.service/"
		     "docker-" ID64 ".scope", 0, 0);
	TT_CHECK_EQ_INT(tt_workload_from_cgroup(path, (size_t)n, &w), 0);
	TT_CHECK_EQ_INT(w.too_long, 2);
	TT_CHECK_EQ_STR(w.slice, "");
	TT_CHECK_EQ_STR(w.unit, "docker-" ID64 ".scope");
	TT_CHECK_EQ_STR(w.container_id, ID64);
}

TT_TEST(proc_cgroup)
{
	static const struct {
		const char *name, *text;
		int ret;
		const char *path;
	} cases[] = {
		{ "v2_only", "0::/system.slice/nginx.service\n", 0,
		  "/system.slice/nginx.service" },
		{ "no_trailing_newline", "0::/init.scope", 0, "/init.scope" },
		{ "hybrid",
		  "12:pids:/system.slice/x.service\n"
		  "11:memory:/system.slice/x.service\n"
		  "1:name=systemd:/system.slice/x.service\n"
		  "0::/system.slice/x.service\n", 0, "/system.slice/x.service" },
		{ "deleted", "0::/system.slice/docker-" ID64 ".scope (deleted)\n",
		  0, "/system.slice/docker-" ID64 ".scope" },
		{ "root", "0::/\n", 0, "/" },
		{ "v1_only", "4:cpu,cpuacct:/docker/abc\n1:name=systemd:/\n",
		  -ENOENT, "" },
		{ "empty", "", -ENOENT, "" },
		{ "controller_in_zero_line", "0:cpu:/a\n", -ENOENT, "" },
		{ "empty_path", "0::\n", -EINVAL, "" },
		{ "relative_path", "0::a/b\n", -EINVAL, "" },
	};
	char out[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("%s", cases[i].name);
		TT_CHECK_EQ_INT(tt_workload_proc_cgroup(cases[i].text,
							strlen(cases[i].text),
							out, sizeof(out)),
				cases[i].ret);
		TT_CHECK_EQ_STR(out, cases[i].path);
	}
	tt_case("too_small");
	TT_CHECK_EQ_INT(tt_workload_proc_cgroup("0::/init.scope\n", 15, out, 11),
			-E2BIG);
	TT_CHECK_EQ_STR(out, "");
	TT_CHECK_EQ_INT(tt_workload_proc_cgroup("0::/init.scope\n", 15, out, 12),
			0);
	TT_CHECK_EQ_INT(tt_workload_proc_cgroup("0::/", 4, out, 0), -EINVAL);
}

TT_TEST(cgroup2_mount)
{
	static const char unified[] =
		"22 28 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
		"25 22 0:23 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs "
		"ro,mode=755\n"
		"26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid shared:10 - "
		"cgroup2 cgroup2 rw,nsdelegate\n"
		"27 25 0:25 / /sys/fs/cgroup/systemd rw shared:11 - cgroup "
		"cgroup rw,name=systemd\n";
	static const char pure[] =
		"30 1 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime "
		"shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
		"900 30 0:26 / /mnt/other\\040cg rw - cgroup2 cgroup2 rw\n";
	static const char escaped[] =
		"900 30 0:26 / /mnt/my\\040cg rw master:1 - cgroup2 none rw\n";
	static const char none[] = "22 28 0:21 / /sys rw - sysfs sysfs rw\n"
				   "garbage line\n- cgroup2\n";
	char out[64];

	TT_CHECK_EQ_INT(tt_workload_cgroup2_mount(unified, strlen(unified), out,
						  sizeof(out)), 0);
	TT_CHECK_EQ_STR(out, "/sys/fs/cgroup/unified");
	TT_CHECK_EQ_INT(tt_workload_cgroup2_mount(pure, strlen(pure), out,
						  sizeof(out)), 0);
	TT_CHECK_EQ_STR(out, "/sys/fs/cgroup");
	TT_CHECK_EQ_INT(tt_workload_cgroup2_mount(escaped, strlen(escaped), out,
						  sizeof(out)), 0);
	TT_CHECK_EQ_STR(out, "/mnt/my cg");
	TT_CHECK_EQ_INT(tt_workload_cgroup2_mount(none, strlen(none), out,
						  sizeof(out)), -ENOENT);
	TT_CHECK_EQ_STR(out, "");
	TT_CHECK_EQ_INT(tt_workload_cgroup2_mount(pure, strlen(pure), out, 8),
			-E2BIG);
	TT_CHECK_EQ_STR(out, "");
}

TT_TEST(pod_logdir)
{
	static const struct {
		const char *dir;
		int ret;
		const char *ns, *name;
	} cases[] = {
		{ "kube-system_coredns-5d78c9869d-x7k2p_" UID, 0, "kube-system",
		  "coredns-5d78c9869d-x7k2p" },
		{ "default_web-0_" UID, 0, "default", "web-0" },
		{ "ml_inference.v2-7f_" UID, 0, "ml", "inference.v2-7f" },
		{ "default_web_0_" UID, -EINVAL, "", "" },
		{ "_web_" UID, -EINVAL, "", "" },
		{ "default__" UID, -EINVAL, "", "" },
		{ "default_web-" UID, -EINVAL, "", "" },
		{ "default_web_0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d", -EINVAL, "",
		  "" },
		{ "default_web_" UID_, -EINVAL, "", "" },
		{ "Default_web_" UID, -EINVAL, "", "" },
		{ ".", -EINVAL, "", "" },
		{ "", -EINVAL, "", "" },
	};
	struct tt_pod_ref ref;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("%s", cases[i].dir);
		TT_CHECK_EQ_INT(tt_workload_pod_logdir(cases[i].dir,
						       strlen(cases[i].dir),
						       &ref),
				cases[i].ret);
		TT_CHECK_EQ_STR(ref.ns, cases[i].ns);
		TT_CHECK_EQ_STR(ref.name, cases[i].name);
		TT_CHECK_EQ_STR(ref.uid, cases[i].ret ? "" : UID);
	}
	tt_case("upper_case_uid_lowered");
	TT_CHECK_EQ_INT(tt_workload_pod_logdir(
				"a_b_0D1E2F3A-4B5C-4D6E-8F70-8192A3B4C5D6", 40,
				&ref), 0);
	TT_CHECK_EQ_STR(ref.uid, UID);
	tt_case("namespace_too_long");
	{
		char dir[200];
		int n = snprintf(dir, sizeof(dir), "%064d_b_%s", 0, UID);

		TT_CHECK_EQ_INT(tt_workload_pod_logdir(dir, (size_t)n, &ref),
				-EINVAL);
		n = snprintf(dir, sizeof(dir), "%063d_b_%s", 0, UID);
		TT_CHECK_EQ_INT(tt_workload_pod_logdir(dir, (size_t)n, &ref), 0);
	}
}

TT_TEST(is_uid)
{
	TT_CHECK(tt_workload_is_uid(UID, 36));
	TT_CHECK(!tt_workload_is_uid(UID, 35));
	TT_CHECK(!tt_workload_is_uid(UID_, 36));
	TT_CHECK(!tt_workload_is_uid(NULL, 36));
	TT_CHECK(!tt_workload_is_uid("0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5dg",
				     36));
}
