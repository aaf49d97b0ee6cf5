// SPDX-License-Identifier: MIT
/*
 * cgroup id -> path and pod uid -> namespace/name, cached. A cgroup id is
 * the kernfs inode number of its directory, so a walk of the cgroup2 mount
 * with fstatat() finds every id. Ids are never reused, so a cached entry
 * cannot turn wrong; a rescan rebuilds the cache from scratch so entries
 * of removed cgroups do not pile up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "agent/cgroups.h"

struct cg_entry {
	uint64_t id; /* 0: empty slot (no cgroup has id 0) */
	char *path;
};

struct tt_cgroups {
	char mount_root[TT_WORKLOAD_PATH_MAX + 1];
	char pods_dir[TT_WORKLOAD_PATH_MAX + 1];
	uint64_t rescan_ns;
	/* Open addressing, linear probing; room for the cap plus the one
	 * entry a rescan always keeps: the id it was looking for. */
	struct cg_entry *slots;
	size_t nslots, count;
	uint64_t last_scan_ns;
	int scanned;
	struct tt_pod_ref *pods;
	size_t npods;
	uint64_t last_pod_scan_ns;
	int pods_scanned;
	struct tt_cgroups_stats st;
};

/* State of one walk of the cgroup2 tree. */
struct walk {
	struct tt_cgroups *cg;
	uint64_t target;
	char *target_path; /* the target's path once seen, if not cached */
	size_t dirs;
	char path[TT_WORKLOAD_PATH_MAX + 1];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static size_t slot_of(const struct tt_cgroups *cg, uint64_t id)
{
	/* Fibonacci hashing: ids are sequential, spread them out. */
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 20) &
	       (cg->nslots - 1);
}

static struct cg_entry *find(struct tt_cgroups *cg, uint64_t id)
{
	for (size_t i = slot_of(cg, id);; i = (i + 1) & (cg->nslots - 1)) {
		if (cg->slots[i].id == id)
			return &cg->slots[i];
		if (cg->slots[i].id == 0)
			return NULL;
	}
}

/* The table always has free slots: nslots > 2 * (cap + 1). */
static int insert(struct tt_cgroups *cg, uint64_t id, const char *path)
{
	size_t i = slot_of(cg, id);
	char *copy;

	while (cg->slots[i].id != 0) {
		if (cg->slots[i].id == id)
			return 0;
		i = (i + 1) & (cg->nslots - 1);
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	cg->slots[i].id = id;
	cg->slots[i].path = copy;
	cg->count++;
	return 0;
}

static void clear(struct tt_cgroups *cg)
{
	for (size_t i = 0; i < cg->nslots; i++) {
		free(cg->slots[i].path);
		cg->slots[i].path = NULL;
		cg->slots[i].id = 0;
	}
	cg->count = 0;
}

static void visit(struct walk *w, uint64_t id)
{
	struct tt_cgroups *cg = w->cg;
	const char *path = w->path[0] ? w->path : "/";

	if (cg->count < TT_CGROUPS_CACHE_CAP) {
		if (insert(cg, id, path))
			cg->st.cache_full++; /* out of memory: same effect */
		return;
	}
	cg->st.cache_full++;
	if (id == w->target && !w->target_path)
		w->target_path = strdup(path);
}

/* Walks the directory open as fd whose path is w->path (len bytes). */
static void walk_dir(struct walk *w, int fd, size_t len, int depth)
{
	DIR *dir = fdopendir(fd);
	struct dirent *de;

	if (!dir) {
		close(fd);
		w->cg->st.walk_errors++;
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		size_t nl = strlen(de->d_name);
		struct stat sb;
		int child;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(sb.st_mode))
			continue;
		if (len + 1 + nl > TT_WORKLOAD_PATH_MAX) {
			w->cg->st.path_too_long++;
			continue;
		}
		if (depth >= TT_CGROUPS_WALK_DEPTH ||
		    w->dirs >= TT_CGROUPS_WALK_DIRS) {
			w->cg->st.walk_capped++;
			continue;
		}
		w->dirs++;
		w->path[len] = '/';
		memcpy(w->path + len + 1, de->d_name, nl + 1);
		visit(w, (uint64_t)sb.st_ino);
		child = openat(dirfd(dir), de->d_name,
			       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (child < 0)
			w->cg->st.walk_errors++;
		else
			walk_dir(w, child, len + 1 + nl, depth + 1);
		w->path[len] = '\0';
	}
	closedir(dir);
}

static int rescan(struct tt_cgroups *cg, uint64_t target)
{
	struct walk *w = calloc(1, sizeof(*w));
	struct stat sb;
	int fd, ret = 0;

	if (!w)
		return -ENOMEM;
	w->cg = cg;
	w->target = target;
	clear(cg);
	cg->st.rescans++;
	fd = open(cg->mount_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb)) {
		if (fd >= 0)
			close(fd);
		cg->st.walk_errors++;
		goto out;
	}
	visit(w, (uint64_t)sb.st_ino);
	walk_dir(w, fd, 0, 0);
	if (w->target_path)
		ret = insert(cg, target, w->target_path);
out:
	free(w->target_path);
	free(w);
	return ret;
}

/* 1 when a rescan may run now (and records it), 0 when rate-limited. */
static int may_scan(const struct tt_cgroups *cg, int scanned, uint64_t *last)
{
	uint64_t now = now_ns();

	if (scanned && cg->rescan_ns && now - *last < cg->rescan_ns)
		return 0;
	*last = now;
	return 1;
}

int tt_cgroups_path(struct tt_cgroups *cg, uint64_t id, char *out,
		    size_t outlen)
{
	struct cg_entry *e = id ? find(cg, id) : NULL;
	int ret;

	if (outlen)
		out[0] = '\0';
	if (e) {
		cg->st.hits++;
		goto found;
	}
	cg->st.misses++;
	if (id == 0)
		return -ENOENT;
	if (!may_scan(cg, cg->scanned, &cg->last_scan_ns)) {
		cg->st.rescans_limited++;
		return -EAGAIN;
	}
	cg->scanned = 1;
	ret = rescan(cg, id);
	if (ret)
		return ret;
	e = find(cg, id);
	if (!e) {
		cg->st.not_found++;
		return -ENOENT;
	}
found:
	if (strlen(e->path) >= outlen)
		return -E2BIG;
	strcpy(out, e->path);
	return 0;
}

static void rescan_pods(struct tt_cgroups *cg)
{
	DIR *dir = opendir(cg->pods_dir);
	struct dirent *de;

	cg->npods = 0;
	cg->st.pod_rescans++;
	if (!dir)
		return; /* not a Kubernetes node, or not one with log dirs */
	while ((de = readdir(dir)) != NULL) {
		struct tt_pod_ref ref;

		if (tt_workload_pod_logdir(de->d_name, strlen(de->d_name),
					   &ref))
			continue;
		if (cg->npods >= TT_CGROUPS_POD_CAP) {
			cg->st.pod_cache_full++;
			continue;
		}
		cg->pods[cg->npods++] = ref;
	}
	closedir(dir);
}

static const struct tt_pod_ref *find_pod(const struct tt_cgroups *cg,
					 const char *uid)
{
	for (size_t i = 0; i < cg->npods; i++)
		if (!strcmp(cg->pods[i].uid, uid))
			return &cg->pods[i];
	return NULL;
}

int tt_cgroups_pod(struct tt_cgroups *cg, const char *uid,
		   struct tt_pod_ref *out)
{
	const struct tt_pod_ref *ref = find_pod(cg, uid);

	memset(out, 0, sizeof(*out));
	if (ref) {
		cg->st.pod_hits++;
		*out = *ref;
		return 0;
	}
	cg->st.pod_misses++;
	if (!tt_workload_is_uid(uid, strlen(uid)))
		return -ENOENT;
	if (!may_scan(cg, cg->pods_scanned, &cg->last_pod_scan_ns)) {
		cg->st.pod_rescans_limited++;
		return -EAGAIN;
	}
	cg->pods_scanned = 1;
	rescan_pods(cg);
	ref = find_pod(cg, uid);
	if (!ref) {
		cg->st.pod_not_found++;
		return -ENOENT;
	}
	*out = *ref;
	return 0;
}

static int read_text(const char *path, char *buf, size_t size, size_t *len)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	*len = fread(buf, 1, size, f);
	fclose(f);
	return 0;
}

int tt_cgroups_find_mount(char *out, size_t outlen)
{
	/* mountinfo past 1 MiB is a host with absurd mount counts: the
	 * cgroup2 mount comes early (systemd mounts it at boot). */
	size_t size = 1 << 20, len = 0;
	char *buf = malloc(size);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = read_text("/proc/self/mountinfo", buf, size, &len);
	if (!ret)
		ret = tt_workload_cgroup2_mount(buf, len, out, outlen);
	free(buf);
	return ret;
}

int tt_cgroups_new(const char *mount_root, const char *pods_dir,
		   struct tt_cgroups **out)
{
	struct tt_cgroups *cg = calloc(1, sizeof(*cg));
	int ret = -ENOMEM;

	*out = NULL;
	if (!cg)
		return -ENOMEM;
	cg->rescan_ns = TT_CGROUPS_RESCAN_NS;
	cg->nslots = 1;
	while (cg->nslots <= 2 * (TT_CGROUPS_CACHE_CAP + 1))
		cg->nslots <<= 1;
	cg->slots = calloc(cg->nslots, sizeof(*cg->slots));
	cg->pods = calloc(TT_CGROUPS_POD_CAP, sizeof(*cg->pods));
	if (!cg->slots || !cg->pods)
		goto fail;
	if (mount_root) {
		ret = -E2BIG;
		if (strlen(mount_root) >= sizeof(cg->mount_root))
			goto fail;
		strcpy(cg->mount_root, mount_root);
	} else {
		ret = tt_cgroups_find_mount(cg->mount_root, sizeof(cg->mount_root));
		if (ret)
			goto fail;
	}
	if (!pods_dir)
		pods_dir = "/var/log/pods";
	ret = -E2BIG;
	if (strlen(pods_dir) >= sizeof(cg->pods_dir))
		goto fail;
	strcpy(cg->pods_dir, pods_dir);
	*out = cg;
	return 0;
fail:
	tt_cgroups_free(cg);
	return ret;
}

void tt_cgroups_free(struct tt_cgroups *cg)
{
	if (!cg)
		return;
	if (cg->slots)
		clear(cg);
	free(cg->slots);
	free(cg->pods);
	free(cg);
}

void tt_cgroups_set_rescan_interval(struct tt_cgroups *cg, uint64_t ns)
{
	cg->rescan_ns = ns;
}

const char *tt_cgroups_root(const struct tt_cgroups *cg)
{
	return cg->mount_root;
}

const struct tt_cgroups_stats *tt_cgroups_stats(const struct tt_cgroups *cg)
{
	return &cg->st;
}
