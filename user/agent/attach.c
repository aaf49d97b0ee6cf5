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
#include <unistd.h>
#include <bpf/libbpf.h>
#include "tokentap.skel.h"
#include "binary/elfsym.h"
#include "binary/gobin.h"
#include "util/log.h"
#include "binary/procmaps.h"
#include "agent/attach.h"

/* The probe set for OpenSSL-family code. Order matches ssl_syms. */
enum { S_WRITE, S_WRITE_EX, S_READ, S_READ_EX, S_CTRL, S_FREE, S_NSYMS };
static const char *const ssl_syms[S_NSYMS] = {
	"SSL_write", "SSL_write_ex", "SSL_read", "SSL_read_ex", "SSL_ctrl",
	"SSL_free",
};
static const char *const ldso_syms[] = { "_dl_debug_state" };
/* GnuTLS: the same event path, on the session pointer. */
enum { G_SEND, G_RECV, G_SNI, G_DEINIT, G_NSYMS };
static const char *const gnutls_syms[G_NSYMS] = {
	"gnutls_record_send", "gnutls_record_recv", "gnutls_server_name_set",
	"gnutls_deinit",
};

/* Go crypto/tls: entry probes, and a probe on every RET of Write/Read. */
enum { GO_WRITE, GO_READ, GO_CLOSE, GO_NFUNCS };
static const char *const go_funcs[GO_NFUNCS] = {
	"crypto/tls.(*Conn).Write", "crypto/tls.(*Conn).Read",
	"crypto/tls.(*Conn).Close",
};

struct go_offs {
	uint64_t entry[GO_NFUNCS];
	uint64_t rets[2][TT_GOBIN_RETS_MAX];
	size_t nrets[2];
	char version[TT_GOBIN_VERSION_MAX];
	int stripped;
};

struct seen {
	uint64_t dev, ino;
};

struct tt_attach {
	struct tokentap_bpf *skel;
	struct tt_target *targets[TT_TARGETS_MAX];
	size_t ntargets;
	struct seen *seen; /* files that need no probe (or failed once) */
	size_t nseen;
	struct tt_attach_stats st;
};

struct tt_attach *tt_attach_new(struct tokentap_bpf *skel)
{
	struct tt_attach *am = calloc(1, sizeof(*am));

	if (!am)
		return NULL;
	am->seen = calloc(TT_SEEN_MAX, sizeof(*am->seen));
	if (!am->seen) {
		free(am);
		return NULL;
	}
	am->skel = skel;
	return am;
}

void tt_attach_free(struct tt_attach *am)
{
	if (!am)
		return;
	for (size_t i = 0; i < am->ntargets; i++) {
		for (int k = 0; k < am->targets[i]->nlinks; k++)
			bpf_link__destroy(am->targets[i]->links[k]);
		free(am->targets[i]);
	}
	free(am->seen);
	free(am);
}

static int known(const struct tt_attach *am, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < am->ntargets; i++)
		if (am->targets[i]->dev == dev && am->targets[i]->ino == ino)
			return 1;
	for (size_t i = 0; i < am->nseen; i++)
		if (am->seen[i].dev == dev && am->seen[i].ino == ino)
			return 1;
	return 0;
}

static void remember(struct tt_attach *am, uint64_t dev, uint64_t ino)
{
	if (am->nseen >= TT_SEEN_MAX) {
		am->st.seen_full++; /* checked again next time: slower, correct */
		return;
	}
	am->seen[am->nseen++] = (struct seen){ dev, ino };
}

/* Returns 1 when the probe failed to attach, else 0. */
static int add_link(struct tt_target *t, struct bpf_program *prog, int ret,
		    uint64_t off)
{
	struct bpf_link *link;
	int err;

	if (!off || t->nlinks >= TT_LINKS_MAX)
		return 0;
	link = bpf_program__attach_uprobe(prog, ret, -1, t->open_path, off);
	err = libbpf_get_error(link);
	if (err) {
		if (!t->attach_err)
			t->attach_err = err;
		return 1;
	}
	t->links[t->nlinks++] = link;
	return 0;
}

/* Returns how many probes failed to attach. */
static int attach_target(struct tt_attach *am, struct tt_target *t,
			 const uint64_t *offs)
{
	struct tokentap_bpf *s = am->skel;
	int failed = 0;

	if (!s)
		return 0;
	if (t->kind == TT_TGT_LDSO)
		return add_link(t, s->progs.ldso_debug_state_enter, 0, offs[0]);
	if (t->kind == TT_TGT_GNUTLS) {
		/* (session, buf, size) sits where OpenSSL's (ssl, buf, num) does. */
		failed += add_link(t, s->progs.ossl_write_enter, 0, offs[G_SEND]);
		failed += add_link(t, s->progs.gnutls_record_exit, 1, offs[G_SEND]);
		failed += add_link(t, s->progs.ossl_read_enter, 0, offs[G_RECV]);
		failed += add_link(t, s->progs.gnutls_record_exit, 1, offs[G_RECV]);
		failed += add_link(t, s->progs.gnutls_sni_enter, 0, offs[G_SNI]);
		failed += add_link(t, s->progs.ossl_free_enter, 0, offs[G_DEINIT]);
		return failed;
	}
	failed += add_link(t, s->progs.ossl_write_enter, 0, offs[S_WRITE]);
	failed += add_link(t, s->progs.ossl_write_exit, 1, offs[S_WRITE]);
	failed += add_link(t, s->progs.ossl_write_ex_enter, 0, offs[S_WRITE_EX]);
	failed += add_link(t, s->progs.ossl_write_ex_exit, 1, offs[S_WRITE_EX]);
	failed += add_link(t, s->progs.ossl_read_enter, 0, offs[S_READ]);
	failed += add_link(t, s->progs.ossl_read_exit, 1, offs[S_READ]);
	failed += add_link(t, s->progs.ossl_read_ex_enter, 0, offs[S_READ_EX]);
	failed += add_link(t, s->progs.ossl_read_ex_exit, 1, offs[S_READ_EX]);
	failed += add_link(t, s->progs.ossl_ctrl_enter, 0, offs[S_CTRL]);
	failed += add_link(t, s->progs.ossl_free_enter, 0, offs[S_FREE]);
	return failed;
}

/* Returns how many probes failed to attach. */
static int attach_go(struct tt_attach *am, struct tt_target *t,
		     const struct go_offs *g)
{
	struct tokentap_bpf *s = am->skel;
	int failed = 0;

	if (!s)
		return 0;
	/* Returns first: a call whose entry was seen always has its return
	 * seen too, so a process that runs while the probes go in loses
	 * whole calls (a clean mid-way join), never half of one. */
	for (int f = 0; f < 2; f++)
		for (size_t i = 0; i < g->nrets[f]; i++)
			failed += add_link(t, s->progs.go_ret, 0, g->rets[f][i]);
	failed += add_link(t, s->progs.go_write_enter, 0, g->entry[GO_WRITE]);
	failed += add_link(t, s->progs.go_read_enter, 0, g->entry[GO_READ]);
	failed += add_link(t, s->progs.go_close_enter, 0, g->entry[GO_CLOSE]);
	return failed;
}

/* A Go executable with crypto/tls under the register ABI: fills g.
 * Returns 1 (probe it), 0 (not Go, or nothing to probe; why at debug). */
static int go_find(int fd, const char *path, struct go_offs *g)
{
	struct tt_gobin gb;
	struct tt_gobin_func fn[GO_NFUNCS];
	int ok = 0;

	memset(g, 0, sizeof(*g));
	if (tt_gobin_open_fd(&gb, fd))
		return 0;
	if (!gb.info.is_go)
		goto out;
	if (gb.info.abi != TT_GOBIN_ABI_REG || gb.info.machine != 62 /* EM_X86_64 */) {
		tt_dbg("attach: %s: Go %s without the amd64 register ABI: not traced",
		       path, gb.info.version);
		goto out;
	}
	if (tt_gobin_find_funcs(&gb, go_funcs, GO_NFUNCS, fn, 0) <= 0 ||
	    !fn[GO_WRITE].entry || !fn[GO_READ].entry)
		goto out; /* no crypto/tls in this program */
	for (int f = 0; f < 2; f++) {
		int err = tt_gobin_ret_offsets(&gb, &fn[f], g->rets[f],
					       TT_GOBIN_RETS_MAX, &g->nrets[f]);

		if (err || !g->nrets[f]) {
			tt_warn("attach: %s: return instructions of %s not found (%s; "
				"entry %#llx size %llu from %s): not traced", path,
				go_funcs[f], err ? strerror(-err) : "none",
				(unsigned long long)fn[f].entry,
				(unsigned long long)fn[f].size,
				fn[f].source == 1 ? "symtab" : "pclntab");
			goto out;
		}
	}
	for (int f = 0; f < GO_NFUNCS; f++)
		g->entry[f] = fn[f].entry_off;
	snprintf(g->version, sizeof(g->version), "%s", gb.info.version);
	g->stripped = !gb.info.has_symtab;
	ok = 1;
out:
	tt_gobin_close(&gb);
	return ok;
}

static int base_is(const char *path, const char *prefix)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, prefix, strlen(prefix));
}

/*
 * Checks one file once. path: the name inside the mapping process;
 * open_path: how the agent reaches it (through /proc/<pid>/root for other
 * mount namespaces). is_exe: the process's main executable.
 */
static int consider(struct tt_attach *am, uint64_t dev, uint64_t ino,
		    const char *path, const char *open_path, int is_exe)
{
	uint64_t offs[S_NSYMS];
	struct go_offs go;
	enum tt_target_kind kind;
	struct tt_target *t;
	struct stat stt;
	int fd, n, failed;

	if (known(am, dev, ino))
		return 0;
	if (base_is(path, "libssl"))
		kind = TT_TGT_OPENSSL;
	else if (base_is(path, "libgnutls.so"))
		kind = TT_TGT_GNUTLS;
	else if (base_is(path, "ld-linux") || base_is(path, "ld-musl"))
		kind = TT_TGT_LDSO;
	else if (is_exe)
		kind = TT_TGT_OPENSSL; /* node and friends carry OpenSSL */
	else
		return 0; /* not a candidate: cheap to ask again */
	am->st.files_checked++;
	fd = open(open_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tt_dbg("attach: %s: %s", open_path, strerror(errno));
		return 0; /* process may be gone; another will show the file */
	}
	/* The name may point elsewhere now (replaced on disk): trust inodes. */
	if (fstat(fd, &stt) || stt.st_ino != ino) {
		close(fd);
		return 0;
	}
	if (is_exe && kind == TT_TGT_OPENSSL && go_find(fd, path, &go)) {
		kind = TT_TGT_GO;
		n = GO_NFUNCS;
	} else if (kind == TT_TGT_LDSO)
		n = tt_elf_find_syms(fd, ldso_syms, 1, offs);
	else if (kind == TT_TGT_GNUTLS)
		n = tt_elf_find_syms(fd, gnutls_syms, G_NSYMS, offs);
	else
		n = tt_elf_find_syms(fd, ssl_syms, S_NSYMS, offs);
	close(fd);
	/* Reading and writing are the minimum worth probing. */
	if (n <= 0 || (kind == TT_TGT_OPENSSL &&
		       (!offs[S_WRITE] && !offs[S_WRITE_EX])) ||
	    (kind == TT_TGT_GNUTLS && (!offs[G_SEND] || !offs[G_RECV]))) {
		remember(am, dev, ino);
		return 0;
	}
	if (am->ntargets >= TT_TARGETS_MAX) {
		am->st.targets_full++;
		return 0;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->dev = dev;
	t->ino = ino;
	t->kind = kind;
	t->nsyms = n;
	snprintf(t->path, sizeof(t->path), "%s", path);
	snprintf(t->open_path, sizeof(t->open_path), "%s", open_path);
	if (kind == TT_TGT_GO)
		snprintf(t->detail, sizeof(t->detail), "%s, %s, %zu+%zu return probes",
			 go.version, go.stripped ? "stripped, found via pclntab"
						 : "symbols",
			 go.nrets[0], go.nrets[1]);
	am->targets[am->ntargets++] = t;
	failed = kind == TT_TGT_GO ? attach_go(am, t, &go)
				   : attach_target(am, t, offs);
	if (am->skel) {
		/* Reported once: the file is never tried again. */
		if (failed) {
			am->st.attach_failed++;
			tt_warn("attach: %s (dev %u:%u ino %llu): %d of %d probes failed: %s",
				path, major(dev), minor(dev), (unsigned long long)ino,
				failed, failed + t->nlinks, strerror(-t->attach_err));
		} else {
			am->st.attached++;
			tt_info("attach: %s (%s, %d functions, %d probes%s%s)", path,
				tt_target_kind_name(kind), n, t->nlinks,
				t->detail[0] ? "; " : "", t->detail);
		}
	}
	return 1;
}

struct scan_ctx {
	struct tt_attach *am;
	pid_t pid;
	char exe[PATH_MAX];
	int found;
};

static int on_mapping(const struct tt_map_entry *e, void *arg)
{
	struct scan_ctx *sc = arg;
	char open_path[600];
	uint64_t dev = makedev(e->dev_major, e->dev_minor);
	int ret;

	if (e->deleted)
		return 0;
	snprintf(open_path, sizeof(open_path), "/proc/%d/root%s", sc->pid, e->path);
	ret = consider(sc->am, dev, e->inode, e->path, open_path,
		       !strcmp(e->path, sc->exe));
	if (ret > 0)
		sc->found += ret;
	return 0;
}

int tt_attach_scan_pid(struct tt_attach *am, pid_t pid)
{
	struct scan_ctx sc = { .am = am, .pid = pid };
	char path[64];
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, sc.exe, sizeof(sc.exe) - 1);
	sc.exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return 0; /* exited, or a kernel thread */
	am->st.pids_scanned++;
	tt_maps_each_exec(f, on_mapping, &sc, NULL);
	fclose(f);
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
		snprintf(path, sizeof(path), "%s", real);
		found += consider(am, stt.st_dev, stt.st_ino, path, path, as_exe) > 0;
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

	for (size_t i = 0; i < sizeof(libdirs) / sizeof(libdirs[0]); i++) {
		found += scan_dir(am, libdirs[i], "libssl.so", 0);
		found += scan_dir(am, libdirs[i], "libgnutls.so", 0);
		found += scan_dir(am, libdirs[i], "ld-linux", 0);
	}
	/* Runtimes known to carry OpenSSL in the executable. */
	for (size_t i = 0; i < sizeof(bindirs) / sizeof(bindirs[0]); i++)
		found += scan_dir(am, bindirs[i], "node", 1);
	return found;
}

const char *tt_target_kind_name(enum tt_target_kind kind)
{
	switch (kind) {
	case TT_TGT_OPENSSL: return "openssl";
	case TT_TGT_GNUTLS: return "gnutls";
	case TT_TGT_GO: return "go";
	case TT_TGT_LDSO: return "ld.so";
	}
	return "?";
}

int tt_attach_check_file(struct tt_attach *am, const char *path)
{
	char real[PATH_MAX];
	struct stat stt;
	size_t before = am->ntargets;
	int ret;

	if (!realpath(path, real) || stat(real, &stt))
		return -errno;
	if (!S_ISREG(stt.st_mode))
		return -EINVAL;
	/* As a main executable: OpenSSL built in, or Go; libraries by name. */
	ret = consider(am, stt.st_dev, stt.st_ino, real, real, 1);
	if (ret < 0)
		return ret;
	if (am->ntargets > before)
		return 1;
	for (size_t i = 0; i < am->ntargets; i++)
		if (am->targets[i]->dev == stt.st_dev &&
		    am->targets[i]->ino == stt.st_ino)
			return 1; /* found already */
	return 0;
}

size_t tt_attach_count(const struct tt_attach *am) { return am->ntargets; }

const struct tt_target *tt_attach_get(const struct tt_attach *am, size_t i)
{
	return i < am->ntargets ? am->targets[i] : NULL;
}

void tt_attach_get_stats(const struct tt_attach *am, struct tt_attach_stats *out)
{
	*out = am->st;
}
