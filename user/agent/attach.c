// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tokentap.skel.h"
#include "tt_abi.h"
#include "binary/procmaps.h"
#include "util/log.h"
#include "agent/attach.h"
#include "agent/kick.h"
#include "agent/links.h"

/* A file probed for every process ("all" mode, ld.so in both). */
struct global {
	struct tt_target *t;
	struct tt_links links;
};

struct armed {
	struct tt_armed_info info;
	struct tt_links links[TT_ARM_FILES_MAX];
	int used;
};

/* Processes disarmed lately: their connections are judged after they end. */
#define PAST_MAX 1024

struct tt_attach {
	struct tt_armed_info past[PAST_MAX];
	size_t npast;
	struct tokentap_bpf *skel;
	int scoped;
	struct tt_target *files[TT_FILES_MAX];
	size_t nfiles;
	struct global *globals;   /* TT_FILES_MAX */
	size_t nglobals;
	struct armed *armed;      /* max_armed slots */
	size_t max_armed, narmed;
	struct tt_kick *kick;     /* NULL without a skeleton */
	struct tt_attach_stats st;
};

struct tt_attach *tt_attach_new(struct tokentap_bpf *skel, int scoped,
				size_t max_armed)
{
	struct tt_attach *am = calloc(1, sizeof(*am));

	if (!am)
		return NULL;
	am->skel = skel;
	am->scoped = scoped;
	am->max_armed = max_armed ? max_armed : 1;
	am->globals = calloc(TT_FILES_MAX, sizeof(*am->globals));
	am->armed = calloc(am->max_armed, sizeof(*am->armed));
	if (skel)
		am->kick = tt_kick_new(skel->progs.sock_kick);
	if (!am->globals || !am->armed || (skel && !am->kick)) {
		tt_attach_free(am);
		return NULL;
	}
	return am;
}

void tt_attach_free(struct tt_attach *am)
{
	if (!am)
		return;
	if (am->armed)
		for (size_t i = 0; i < am->max_armed; i++)
			if (am->armed[i].used)
				tt_attach_disarm(am, (pid_t)am->armed[i].info.pid,
						 "agent_stop");
	for (size_t i = 0; am->globals && i < am->nglobals; i++)
		tt_links_detach(&am->globals[i].links);
	tt_links_drain();
	for (size_t i = 0; i < am->nfiles; i++) {
		free(am->files[i]->set);
		free(am->files[i]);
	}
	tt_kick_free(am->kick);
	free(am->globals);
	free(am->armed);
	free(am);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- files ---- */

static struct tt_target *find_file(const struct tt_attach *am, uint64_t dev,
				   uint64_t ino)
{
	for (size_t i = 0; i < am->nfiles; i++)
		if (am->files[i]->dev == dev && am->files[i]->ino == ino)
			return am->files[i];
	return NULL;
}

/*
 * The target for a file, checked once. path: the name inside the mapping
 * process; open_path: how the agent reaches it (through /proc/<pid>/root
 * for other mount namespaces). is_exe: the process's main executable.
 * NULL when it is no candidate or cannot be checked now.
 */
static struct tt_target *lookup(struct tt_attach *am, uint64_t dev,
				uint64_t ino, const char *path,
				const char *open_path, int is_exe)
{
	struct tt_target *t = find_file(am, dev, ino);
	struct tt_probe_set *set;
	struct stat stt;
	int fd, ret;

	if (t || !tt_tlslib_candidate(path, is_exe))
		return t;
	if (am->nfiles >= TT_FILES_MAX) {
		am->st.files_full++; /* checked again next time: slower, correct */
		return NULL;
	}
	am->st.files_checked++;
	fd = open(open_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tt_dbg("attach: %s: %s", open_path, strerror(errno));
		return NULL; /* process may be gone; another will show the file */
	}
	/* The name may point elsewhere now (replaced on disk): trust inodes. */
	if (fstat(fd, &stt) || stt.st_ino != ino) {
		close(fd);
		return NULL;
	}
	set = calloc(1, sizeof(*set));
	t = calloc(1, sizeof(*t));
	if (!set || !t) {
		close(fd);
		free(set);
		free(t);
		return NULL;
	}
	ret = tt_tlslib_find(fd, path, is_exe, set);
	close(fd);
	t->dev = dev;
	t->ino = ino;
	snprintf(t->path, sizeof(t->path), "%s", path);
	snprintf(t->open_path, sizeof(t->open_path), "%s", open_path);
	if (ret > 0) {
		t->set = set;
	} else {
		free(set);
		t->attach_err = ret;
	}
	am->files[am->nfiles++] = t;
	return t;
}

/* Probes a file for every process. */
static void attach_global(struct tt_attach *am, struct tt_target *t)
{
	struct global *g;
	int err;

	if (!am->skel || t->global || !t->set)
		return;
	t->global = 1; /* reported once: the file is never tried again */
	g = &am->globals[am->nglobals];
	err = tt_links_attach(am->skel, t->set, t->open_path, 0, &g->links);
	if (err) {
		t->attach_err = err;
		am->st.attach_failed++;
		tt_warn("attach: %s (dev %u:%u ino %llu): %s", t->path,
			major(t->dev), minor(t->dev), (unsigned long long)t->ino,
			strerror(-err));
		return;
	}
	g->t = t;
	am->nglobals++;
	am->st.attached++;
	tt_info("attach: %s (%s, %s; every process)", t->path, t->set->lib,
		t->set->detail);
}

/* ---- scanning processes ---- */

struct scan_ctx {
	struct tt_attach *am;
	pid_t pid;
	char exe[PATH_MAX];
	/* Files of the process with TLS probes (not ld.so). */
	struct tt_target *tls[TT_ARM_FILES_MAX];
	size_t ntls;
	int found;
};

static int on_mapping(const struct tt_map_entry *e, void *arg)
{
	struct scan_ctx *sc = arg;
	char open_path[600];
	struct tt_target *t;
	int is_ldso;

	if (e->deleted)
		return 0;
	snprintf(open_path, sizeof(open_path), "/proc/%d/root%s", sc->pid, e->path);
	t = lookup(sc->am, makedev(e->dev_major, e->dev_minor), e->inode,
		   e->path, open_path, !strcmp(e->path, sc->exe));
	if (!t || !t->set)
		return 0;
	is_ldso = !t->set->lib_id;
	/* ld.so and, in "all" mode, everything: for every process. */
	if (is_ldso || !sc->am->scoped) {
		if (!t->global) {
			attach_global(sc->am, t);
			sc->found++;
		}
		return 0;
	}
	for (size_t i = 0; i < sc->ntls; i++)
		if (sc->tls[i] == t)
			return 0;
	if (sc->ntls < TT_ARM_FILES_MAX)
		sc->tls[sc->ntls++] = t;
	return 0;
}

static int scan(struct tt_attach *am, pid_t pid, struct scan_ctx *sc)
{
	char path[64];
	ssize_t n;
	FILE *f;

	memset(sc, 0, sizeof(*sc));
	sc->am = am;
	sc->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, sc->exe, sizeof(sc->exe) - 1);
	sc->exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH; /* exited, or a kernel thread */
	am->st.pids_scanned++;
	tt_maps_each_exec(f, on_mapping, sc, NULL);
	fclose(f);
	return 0;
}

/* ---- armed processes (scoped mode) ---- */

static struct armed *armed_of(const struct tt_attach *am, pid_t pid)
{
	for (size_t i = 0; i < am->max_armed; i++)
		if (am->armed[i].used && am->armed[i].info.pid == (uint32_t)pid)
			return &am->armed[i];
	return NULL;
}

static void set_kernel_state(struct tt_attach *am, pid_t pid, int state)
{
	uint32_t key = (uint32_t)pid;
	uint8_t val = (uint8_t)state;

	if (!am->skel)
		return;
	if (state)
		bpf_map_update_elem(bpf_map__fd(am->skel->maps.armed), &key, &val,
				    BPF_ANY);
	else
		bpf_map_delete_elem(bpf_map__fd(am->skel->maps.armed), &key);
}

/* Probes the process's TLS files that are not probed for it yet. */
static int arm_files(struct tt_attach *am, struct armed *a,
		     struct scan_ctx *sc)
{
	int added = 0;

	for (size_t i = 0; i < sc->ntls; i++) {
		struct tt_target *t = sc->tls[i];
		char path[600];
		size_t k;
		int err;

		for (k = 0; k < a->info.nfiles; k++)
			if (a->info.files[k] == t)
				break;
		if (k < a->info.nfiles || a->info.nfiles >= TT_ARM_FILES_MAX)
			continue;
		/* Through this process's root: the file may be in its mount
		 * namespace only, and whoever showed it first may be gone. */
		snprintf(path, sizeof(path), "/proc/%u/root%s", a->info.pid, t->path);
		err = tt_links_attach(am->skel, t->set, path, (pid_t)a->info.pid,
				      &a->links[a->info.nfiles]);
		if (err) {
			a->info.attach_failed = 1;
			am->st.attach_failed++;
			tt_warn("attach: %s for pid %u: %s", t->path, a->info.pid,
				strerror(-err));
			continue;
		}
		a->info.files[a->info.nfiles++] = t;
		added++;
	}
	return added;
}

int tt_attach_arm(struct tt_attach *am, pid_t pid, const char *reason,
		  uint64_t now_ns)
{
	struct armed *a = armed_of(am, pid);
	struct scan_ctx sc;
	uint64_t t0 = mono_ns(), took;
	size_t slot;

	if (a) {
		a->info.last_ai_ns = now_ns;
		return a->info.state == TT_ARM_ARMED;
	}
	for (slot = 0; slot < am->max_armed && am->armed[slot].used; slot++)
		;
	if (slot == am->max_armed) {
		am->st.armed_full++;
		/* Not held for nothing: the connection goes on unprobed. */
		set_kernel_state(am, pid, TT_ARM_UNTRACEABLE);
		return -ENOSPC;
	}
	if (scan(am, pid, &sc))
		return -ESRCH;
	a = &am->armed[slot];
	memset(a, 0, sizeof(*a));
	for (int f = 0; f < TT_ARM_FILES_MAX; f++)
		for (int p = 0; p < TT_PROGS; p++)
			a->links[f].fd[p] = -1;
	a->used = 1;
	a->info.pid = (uint32_t)pid;
	a->info.since_ns = a->info.last_ai_ns = now_ns;
	snprintf(a->info.reason, sizeof(a->info.reason), "%s", reason);
	am->narmed++;
	arm_files(am, a, &sc);
	a->info.state = a->info.nfiles ? TT_ARM_ARMED : TT_ARM_UNTRACEABLE;
	set_kernel_state(am, pid, a->info.state);
	took = mono_ns() - t0;
	am->st.attach_ns_total += took;
	if (took > am->st.attach_ns_max)
		am->st.attach_ns_max = took;
	if (a->info.nfiles) {
		am->st.armed++;
		tt_info("armed pid %d (%s): %zu TLS files in %.1f ms", pid, reason,
			a->info.nfiles, (double)took / 1e6);
	} else {
		am->st.untraceable++;
		tt_info("pid %d (%s): no TLS library tokentap traces: its AI "
			"connections are booked as dark", pid, reason);
	}
	return a->info.nfiles ? 1 : 0;
}

void tt_attach_touch(struct tt_attach *am, pid_t pid, uint64_t now_ns)
{
	struct armed *a = armed_of(am, pid);

	if (a)
		a->info.last_ai_ns = now_ns;
}

void tt_attach_disarm(struct tt_attach *am, pid_t pid, const char *why)
{
	struct armed *a = armed_of(am, pid);

	if (!a)
		return;
	for (size_t f = 0; f < a->info.nfiles; f++)
		if (tt_links_detach(&a->links[f]))
			am->st.detach_sync++;
	set_kernel_state(am, pid, 0);
	if (!strcmp(why, "exit"))
		am->st.disarmed_exit++;
	else if (!strcmp(why, "idle"))
		am->st.disarmed_idle++;
	else if (!strcmp(why, "exec"))
		am->st.disarmed_exec++;
	tt_dbg("disarmed pid %d (%s)", pid, why);
	am->past[am->npast++ % PAST_MAX] = a->info;
	a->used = 0;
	am->narmed--;
}

int tt_attach_expire(struct tt_attach *am, uint64_t now_ns, uint64_t idle_ns)
{
	int n = 0;

	if (!idle_ns)
		return 0;
	for (size_t i = 0; i < am->max_armed; i++) {
		struct armed *a = &am->armed[i];

		if (a->used && now_ns - a->info.last_ai_ns > idle_ns) {
			tt_attach_disarm(am, (pid_t)a->info.pid, "idle");
			n++;
		}
	}
	return n;
}

const struct tt_armed_info *tt_attach_armed(const struct tt_attach *am,
					    pid_t pid)
{
	const struct armed *a = armed_of(am, pid);

	return a ? &a->info : NULL;
}

const struct tt_armed_info *tt_attach_past(const struct tt_attach *am,
					   pid_t pid)
{
	const struct tt_armed_info *a = tt_attach_armed(am, pid);
	size_t n = am->npast < PAST_MAX ? am->npast : PAST_MAX;

	for (size_t i = 0; !a && i < n; i++) {
		const struct tt_armed_info *p =
			&am->past[(am->npast - 1 - i) % PAST_MAX];

		if (p->pid == (uint32_t)pid)
			a = p;
	}
	return a;
}

size_t tt_attach_armed_count(const struct tt_attach *am)
{
	return am->narmed;
}

const struct tt_armed_info *tt_attach_armed_at(const struct tt_attach *am,
					       size_t i)
{
	for (size_t k = 0; k < am->max_armed; k++)
		if (am->armed[k].used && !i--)
			return &am->armed[k].info;
	return NULL;
}

int tt_attach_kick(struct tt_attach *am, pid_t pid)
{
	return am->kick ? tt_kick_run(am->kick, pid) : 0;
}

/* ---- scans ---- */

int tt_attach_scan_pid(struct tt_attach *am, pid_t pid)
{
	struct scan_ctx sc;
	struct armed *a;

	if (scan(am, pid, &sc))
		return 0;
	/* Scoped: only an armed process gets the new files' probes. */
	a = am->scoped ? armed_of(am, pid) : NULL;
	if (a && arm_files(am, a, &sc) && a->info.state != TT_ARM_ARMED) {
		a->info.state = TT_ARM_ARMED;
		set_kernel_state(am, pid, TT_ARM_ARMED);
	}
	return sc.found;
}

int tt_attach_scan_all(struct tt_attach *am)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int found = 0;

	if (!d)
		return -errno;
	am->st.scans++;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		found += tt_attach_scan_pid(am, (pid_t)atoi(de->d_name));
	}
	closedir(d);
	return found;
}

static int scan_dir(struct tt_attach *am, const char *dir, const char *prefix,
		    int as_exe)
{
	char path[PATH_MAX], real[PATH_MAX];
	struct tt_target *t;
	struct dirent *de;
	struct stat stt;
	int found = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		/* Report the file itself, not the symlink that led to it. */
		if (!realpath(path, real) || stat(real, &stt) || !S_ISREG(stt.st_mode))
			continue;
		t = lookup(am, stt.st_dev, stt.st_ino, real, real, as_exe);
		if (t && t->set && !t->global &&
		    (!am->scoped || !t->set->lib_id)) {
			attach_global(am, t);
			found++;
		}
	}
	closedir(d);
	return found;
}

int tt_attach_scan_system(struct tt_attach *am)
{
	static const char *const libdirs[] = {
		"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib",
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
		"/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
	};
	static const char *const bindirs[] = { "/usr/bin", "/usr/local/bin", "/bin" };
	int found = 0;

	/* The shared objects tlslib.c describes by file name: ld.so's
	 * library-load notice in every mode, the TLS libraries themselves
	 * only in mode all (scoped mode probes them per process). */
	for (size_t i = 0; i < sizeof(libdirs) / sizeof(libdirs[0]); i++) {
		for (const struct tt_tlslib *const *l = tt_tlslibs; *l; l++) {
			if (!(*l)->file_prefix ||
			    (am->scoped && strcmp((*l)->name, "ld.so")))
				continue;
			found += scan_dir(am, libdirs[i], (*l)->file_prefix, 0);
		}
	}
	/* Runtimes known to carry OpenSSL in the executable. */
	for (size_t i = 0; !am->scoped && i < sizeof(bindirs) / sizeof(bindirs[0]); i++)
		found += scan_dir(am, bindirs[i], "node", 1);
	return found;
}

int tt_attach_check_file(struct tt_attach *am, const char *path)
{
	char real[PATH_MAX];
	struct tt_target *t;
	struct stat stt;

	if (!realpath(path, real) || stat(real, &stt))
		return -errno;
	if (!S_ISREG(stt.st_mode))
		return -EINVAL;
	/* As a main executable: OpenSSL built in, or Go; libraries by name. */
	t = lookup(am, stt.st_dev, stt.st_ino, real, real, 1);
	if (!t)
		return -EIO;
	if (t->set)
		return 1;
	return t->attach_err < 0 ? t->attach_err : 0;
}

size_t tt_attach_count(const struct tt_attach *am)
{
	size_t n = 0;

	for (size_t i = 0; i < am->nfiles; i++)
		n += am->files[i]->set != NULL;
	return n;
}

const struct tt_target *tt_attach_get(const struct tt_attach *am, size_t i)
{
	for (size_t k = 0; k < am->nfiles; k++)
		if (am->files[k]->set && !i--)
			return am->files[k];
	return NULL;
}

void tt_attach_get_stats(const struct tt_attach *am, struct tt_attach_stats *out)
{
	*out = am->st;
	out->armed_now = am->narmed;
	if (am->kick) {
		const struct tt_kick_stats *k = tt_kick_stats(am->kick);

		out->kicks = k->runs;
		out->kicks_netns = k->runs_netns;
		out->kick_errors = k->errors;
		out->kick_netns_errors = k->netns_errors;
	}
}
