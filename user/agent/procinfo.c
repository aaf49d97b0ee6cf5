// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/log.h"
#include "agent/procinfo.h"

struct tt_procs {
	struct tt_cgroups *cg;
	const struct tt_environ_allow *allow;
	char docker_dir[4096];
	struct tt_procinfo *slot[TT_PROCINFO_MAX];
	char *buf; /* TT_PROCINFO_ENVIRON_MAX, and the Docker file */
	size_t bufcap;
	struct tt_procinfo_stats st;
};

struct tt_procs *tt_procs_new(struct tt_cgroups *cg,
			      const struct tt_environ_allow *allow,
			      const char *docker_dir)
{
	struct tt_procs *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return NULL;
	ps->bufcap = TT_DOCKER_CFG_MAX > TT_PROCINFO_ENVIRON_MAX
			     ? TT_DOCKER_CFG_MAX : TT_PROCINFO_ENVIRON_MAX;
	ps->buf = malloc(ps->bufcap + 1);
	if (!ps->buf) {
		free(ps);
		return NULL;
	}
	ps->cg = cg;
	ps->allow = allow;
	snprintf(ps->docker_dir, sizeof(ps->docker_dir), "%s",
		 docker_dir ? docker_dir : "");
	return ps;
}

static void pi_free(struct tt_procinfo *pi)
{
	if (!pi)
		return;
	free(pi->docker);
	free(pi);
}

void tt_procs_free(struct tt_procs *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < TT_PROCINFO_MAX; i++)
		pi_free(ps->slot[i]);
	free(ps->buf);
	free(ps);
}

/* Reads up to max bytes of a file into ps->buf. Returns the length, or
 * -errno; *more is set when the file had more. */
static long read_file(struct tt_procs *ps, const char *path, size_t max,
		      int *more)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	*more = 0;
	if (fd < 0)
		return -errno;
	while (len <= max) {
		ssize_t n = read(fd, ps->buf + len, max + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > max) {
		*more = 1;
		len = max;
	}
	ps->buf[len] = '\0';
	return (long)len;
}

/* read_file of /proc/<pid>/<name>. */
static long read_proc(struct tt_procs *ps, uint32_t pid, const char *name,
		      size_t max, int *more)
{
	char path[48];

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, name);
	return read_file(ps, path, max, more);
}

static void read_exe(struct tt_procs *ps, struct tt_procinfo *pi)
{
	char path[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/exe", pi->pid);
	n = readlink(path, pi->exe, sizeof(pi->exe) - 1);
	if (n < 0) {
		ps->st.exe_errors++;
		n = 0;
	}
	pi->exe[n] = '\0';
}

/* A caller that knows no comm (the connection observer's records carry
 * none): the process's own, from /proc. */
static void read_comm(struct tt_procs *ps, struct tt_procinfo *pi)
{
	int more;
	long n = read_proc(ps, pi->pid, "comm", sizeof(pi->comm) - 1, &more);

	if (n <= 0)
		return;
	if (ps->buf[n - 1] == '\n')
		n--;
	memcpy(pi->comm, ps->buf, (size_t)n);
	pi->comm[n] = '\0';
}

static void read_environ(struct tt_procs *ps, struct tt_procinfo *pi)
{
	int more;
	long n = read_proc(ps, pi->pid, "environ", TT_PROCINFO_ENVIRON_MAX,
			   &more);

	if (n < 0) {
		ps->st.environ_errors++;
		n = 0;
	}
	if (more)
		ps->st.environ_truncated++;
	/* Only allow-listed names are copied out of the buffer; the rest of
	 * it is overwritten by the next read and never leaves this file. */
	tt_environ_parse(ps->buf, (size_t)n, ps->allow, &pi->env);
	memset(ps->buf, 0, (size_t)n);
}

/* The cgroup path of the id the kernel reported; /proc/<pid>/cgroup when
 * the cache cannot say yet (a cgroup made a moment ago, rescans limited). */
static void read_cgroup(struct tt_procs *ps, struct tt_procinfo *pi)
{
	long n;
	int more, ret = -ENOENT;

	if (ps->cg)
		ret = tt_cgroups_path(ps->cg, pi->cgroup_id, pi->cgroup_path,
				      sizeof(pi->cgroup_path));
	if (ret) {
		n = read_proc(ps, pi->pid, "cgroup", 64 << 10, &more);
		if (n >= 0 && !tt_workload_proc_cgroup(ps->buf, (size_t)n,
						       pi->cgroup_path,
						       sizeof(pi->cgroup_path))) {
			ps->st.cgroup_from_proc++;
			ret = 0;
		}
	}
	pi->path_pending = ret != 0;
	if (ret) {
		pi->cgroup_path[0] = '\0';
		ps->st.cgroup_unknown++;
		return;
	}
	pi->has_workload = !tt_workload_from_cgroup(pi->cgroup_path,
						    strlen(pi->cgroup_path),
						    &pi->wl);
}

static void read_pod(struct tt_procs *ps, struct tt_procinfo *pi)
{
	int ret;

	pi->pod_pending = 0;
	if (!ps->cg || !pi->has_workload || !pi->wl.pod_uid[0])
		return;
	ret = tt_cgroups_pod(ps->cg, pi->wl.pod_uid, &pi->pod);
	pi->has_pod = ret == 0;
	if (ret == -EAGAIN) {
		pi->pod_pending = 1;
		ps->st.pod_pending++;
	}
}

static void read_docker(struct tt_procs *ps, struct tt_procinfo *pi)
{
	char path[4096 + 128];
	const char *id = pi->wl.container_id;
	long n;
	int more;

	if (!ps->docker_dir[0] || !pi->has_workload ||
	    strcmp(pi->wl.runtime, TT_RUNTIME_DOCKER) ||
	    !tt_docker_is_id(id, strlen(id)))
		return;
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json",
		 ps->docker_dir, id);
	ps->st.docker_reads++;
	n = read_file(ps, path, TT_DOCKER_CFG_MAX, &more);
	if (n < 0 || more) {
		ps->st.docker_errors++;
		return;
	}
	pi->docker = calloc(1, sizeof(*pi->docker));
	if (!pi->docker || tt_docker_parse_config(ps->buf, (size_t)n, pi->docker)) {
		ps->st.docker_errors++;
		free(pi->docker);
		pi->docker = NULL;
		return;
	}
	for (size_t i = 0; i < pi->docker->n_labels; i++)
		pi->labels[i] = (struct tt_kv){ pi->docker->labels[i].key,
						pi->docker->labels[i].value };
}

struct tt_procinfo *tt_procs_get(struct tt_procs *ps, uint32_t pid,
				 uint64_t cgroup_id, const char *comm)
{
	struct tt_procinfo *pi;
	size_t free_slot = TT_PROCINFO_MAX;

	for (size_t i = 0; i < TT_PROCINFO_MAX; i++) {
		pi = ps->slot[i];
		if (!pi) {
			if (free_slot == TT_PROCINFO_MAX)
				free_slot = i;
			continue;
		}
		if (pi->pid == pid && pi->cgroup_id == cgroup_id) {
			pi->refs++;
			return pi;
		}
	}
	if (free_slot == TT_PROCINFO_MAX) {
		ps->st.table_full++;
		return NULL;
	}
	pi = calloc(1, sizeof(*pi));
	if (!pi) {
		ps->st.table_full++;
		return NULL;
	}
	pi->pid = pid;
	pi->cgroup_id = cgroup_id;
	pi->refs = 1;
	snprintf(pi->comm, sizeof(pi->comm), "%s", comm ? comm : "");
	if (!pi->comm[0])
		read_comm(ps, pi);
	read_exe(ps, pi);
	read_environ(ps, pi);
	read_cgroup(ps, pi);
	read_pod(ps, pi);
	read_docker(ps, pi);
	ps->st.gathered++;
	ps->slot[free_slot] = pi;
	return pi;
}

void tt_procs_put(struct tt_procs *ps, struct tt_procinfo *pi)
{
	if (!pi || --pi->refs)
		return;
	for (size_t i = 0; i < TT_PROCINFO_MAX; i++)
		if (ps->slot[i] == pi)
			ps->slot[i] = NULL;
	pi_free(pi);
}

void tt_procs_facts(struct tt_procs *ps, struct tt_procinfo *pi,
		    struct tt_proc_facts *pf)
{
	if (pi->path_pending && ps->cg &&
	    !tt_cgroups_path(ps->cg, pi->cgroup_id, pi->cgroup_path,
			     sizeof(pi->cgroup_path))) {
		pi->path_pending = 0;
		pi->has_workload = !tt_workload_from_cgroup(
			pi->cgroup_path, strlen(pi->cgroup_path), &pi->wl);
		read_pod(ps, pi);
	} else if (pi->pod_pending) {
		read_pod(ps, pi);
	}
	memset(pf, 0, sizeof(*pf));
	pf->pid = pi->pid;
	pf->comm = pi->comm;
	pf->exe = pi->exe;
	pf->cgroup_id = pi->cgroup_id;
	pf->cgroup_path = pi->cgroup_path;
	pf->workload = pi->has_workload ? &pi->wl : NULL;
	pf->pod = pi->has_pod ? &pi->pod : NULL;
	if (pi->docker) {
		pf->container_name = pi->docker->name[0] ? pi->docker->name : NULL;
		pf->container_labels = pi->labels;
		pf->n_container_labels = pi->docker->n_labels;
	}
	pf->env = &pi->env;
}

const struct tt_procinfo_stats *tt_procs_stats(const struct tt_procs *ps)
{
	return &ps->st;
}
