// SPDX-License-Identifier: MIT
/*
 * `tokentap doctor`: says whether the agent can run on this host and what
 * it would attach to. Loads the real BPF programs (then unloads them): the
 * verifier is the only reliable judge of "can run".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "tokentap.skel.h"
#include "binary/elfsym.h"
#include "util/log.h"
#include "tt_abi.h"
#include "agent/attach.h"
#include "agent/run.h"
#include "agent/tlslib.h"

struct doc {
	int fatal;
};

static void line(struct doc *d, int ok, int fatal, const char *what,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void line(struct doc *d, int ok, int fatal, const char *what,
		 const char *fmt, ...)
{
	va_list ap;

	printf("%-5s %-22s ", ok ? "ok" : fatal ? "FAIL" : "warn", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok && fatal)
		d->fatal++;
}

/* CapEff bit test from /proc/self/status. */
static int has_cap(int bit)
{
	unsigned long long eff = 0;
	char buf[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (int)((eff >> bit) & 1);
}

/* First cgroup2 mount point from mountinfo: unified or hybrid layouts. */
static int cgroup2_mount(char *out, size_t len)
{
	char buf[4096], mnt[2048], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(buf, sizeof(buf), f)) {
		char *sep = strstr(buf, " - ");

		if (!sep || sscanf(buf, "%*s %*s %*s %*s %2047s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		if (!strcmp(fstype, "cgroup2")) {
			snprintf(out, len, "%s", mnt);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static void check_kernel(struct doc *d)
{
	struct utsname u;
	int maj = 0, min = 0;
	char where[2048];

	uname(&u);
	sscanf(u.release, "%d.%d", &maj, &min);
	line(d, maj > 5 || (maj == 5 && min >= 17), 1, "kernel",
	     "%s %s (need >= 5.17: ring buffer, bpf_loop, BTF tracepoints)",
	     u.release, u.machine);
	line(d, !access("/sys/kernel/btf/vmlinux", R_OK), 1, "btf",
	     "/sys/kernel/btf/vmlinux%s", access("/sys/kernel/btf/vmlinux", R_OK)
					     ? " missing: CO-RE cannot relocate" : "");
	line(d, geteuid() == 0 || (has_cap(39) && has_cap(38)), 1, "privileges",
	     "euid %d, CAP_BPF %s, CAP_PERFMON %s, CAP_SYS_ADMIN %s", (int)geteuid(),
	     has_cap(39) ? "yes" : "no", has_cap(38) ? "yes" : "no",
	     has_cap(21) ? "yes" : "no");
	line(d, !access("/sys/bus/event_source/devices/uprobe/type", R_OK), 1,
	     "uprobes", "uprobe PMU %s",
	     access("/sys/bus/event_source/devices/uprobe/type", R_OK) ? "absent"
								       : "present");
	line(d, libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1, 1,
	     "ring buffer", "BPF_MAP_TYPE_RINGBUF %s",
	     libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1
		     ? "supported" : "unsupported");
	if (cgroup2_mount(where, sizeof(where)))
		line(d, 1, 0, "cgroup v2", "mounted at %s", where);
	else
		line(d, 0, 0, "cgroup v2",
		     "not mounted: events carry cgroup ids but no paths");
}

/* Loading programs is not attaching them: a uprobe perf event needs more
 * privilege on some kernels (CAP_SYS_ADMIN on 6.x here). Attach an empty
 * probe to this binary's own main() and detach it at once. */
static void check_uprobe(struct doc *d, struct tokentap_bpf *skel)
{
	static const char *const names[] = { "main" };
	struct bpf_link *link;
	uint64_t off = 0;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), err;

	if (fd < 0 || tt_elf_find_syms(fd, names, 1, &off) <= 0 || !off) {
		if (fd >= 0)
			close(fd);
		line(d, 1, 0, "uprobes", "not checked (no symbol to probe in tokentap itself)");
		return;
	}
	close(fd);
	link = bpf_program__attach_uprobe(skel->progs.bench_empty, false, -1,
					  "/proc/self/exe", off);
	err = (int)libbpf_get_error(link);
	if (!err)
		bpf_link__destroy(link);
	line(d, !err, 1, "uprobes", "%s%s", err ? "cannot be attached: " : "attach",
	     err ? (err == -EACCES || err == -EPERM
			    ? "permission denied (this kernel wants CAP_SYS_ADMIN for uprobe perf events)"
			    : strerror(-err))
		 : "");
}

static struct tokentap_bpf *check_load(struct doc *d)
{
	struct tokentap_bpf *skel = tokentap_bpf__open_and_load();

	line(d, skel != NULL, 1, "bpf programs", "%s",
	     skel ? "load and pass the verifier"
		  : "do not load (run with --log-level debug for the verifier log)");
	if (skel)
		check_uprobe(d, skel);
	return skel;
}

/* What the search for stripped TLS libraries found in an executable that
 * gets no probes (rustls only, or a failed check); 1 with note filled. */
static int static_note(const char *path, char *note, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return 0;
	ret = tt_tlslib_static_note(fd, note, len);
	close(fd);
	return ret;
}

/* Files named on the command line: could the agent trace them? */
static void check_files(struct doc *d, struct tt_attach *am,
			char *const *files, int nfiles)
{
	for (int i = 0; i < nfiles; i++) {
		int ret = tt_attach_check_file(am, files[i]);

		char note[192];

		if (ret < 0)
			line(d, 0, 0, "file", "%s: %s", files[i], strerror(-ret));
		else if (ret == 0 && static_note(files[i], note, sizeof(note)))
			line(d, 0, 0, "file", "%s: found, not traced: %s", files[i],
			     note);
		else if (ret == 0)
			line(d, 0, 0, "file", "%s: no TLS functions tokentap traces "
			     "(not OpenSSL, GnuTLS, Go crypto/tls with the register ABI, "
			     "or OpenSSL 3 / BoringSSL found without symbols)", files[i]);
	}
}

static void list_targets(struct doc *d, struct tt_attach *am, int verbose)
{
	size_t n, ssl = 0, gnutls = 0, go = 0, other = 0;
	char label[32];

	tt_attach_scan_system(am);
	tt_attach_scan_all(am);
	n = tt_attach_count(am);
	for (size_t i = 0; i < n; i++) {
		const struct tt_target *t = tt_attach_get(am, i);
		int is_tls = t->set->lib_id != 0;

		ssl += t->set->lib_id == TT_LIB_OPENSSL;
		gnutls += t->set->lib_id == TT_LIB_GNUTLS;
		go += t->set->lib_id == TT_LIB_GO;
		other += is_tls && t->set->lib_id != TT_LIB_OPENSSL &&
			 t->set->lib_id != TT_LIB_GNUTLS && t->set->lib_id != TT_LIB_GO;
		if (!is_tls && !verbose)
			continue;
		snprintf(label, sizeof(label), "%s%s", is_tls ? "tls " : "",
			 t->set->lib);
		line(d, !t->attach_err, 0, label,
		     "%s (%d functions; %s%s%s)", t->path, t->set->nfuncs,
		     t->set->detail, strcmp(t->path, t->open_path) ? ", via " : "",
		     strcmp(t->path, t->open_path) ? t->open_path : "");
	}
	line(d, ssl + gnutls + go + other > 0, 0, "tls libraries",
	     "%zu OpenSSL-family, %zu GnuTLS, %zu Go and %zu other files found",
	     ssl, gnutls, go, other);
}

struct func_list {
	struct doc *d;
	const char *path;
	int n;
};

static void print_function(void *ctx, const char *text)
{
	struct func_list *fl = ctx;

	if (!fl->n++)
		line(fl->d, 1, 0, "tls functions", "%s, found without symbols:",
		     fl->path);
	line(fl->d, 1, 0, "  function", "%s", text);
}

/* Files named on the command line: each TLS function found in them
 * without symbols, how, and whether it is probed. */
static void list_functions(struct doc *d, char *const *files, int nfiles)
{
	for (int i = 0; i < nfiles; i++) {
		struct func_list fl = { d, files[i], 0 };
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		tt_tlslib_static_funcs(fd, print_function, &fl);
		close(fd);
	}
}

/* What a running agent says about itself (scope.c writes it, whole or
 * not at all): its mode, hold and each armed process with the reason. */
static void show_status(struct doc *d, const char *path)
{
	enum { STATUS_READ_MAX = 256 << 10 }; /* the writer's cap */
	char *buf;
	size_t len;
	FILE *f = fopen(path, "re");

	if (!f) {
		line(d, 1, 0, "agent", "not running (no %s)", path);
		return;
	}
	buf = malloc(STATUS_READ_MAX + 1);
	if (!buf) {
		fclose(f);
		line(d, 0, 0, "agent", "%s: out of memory", path);
		return;
	}
	len = fread(buf, 1, STATUS_READ_MAX, f);
	fclose(f);
	buf[len] = '\0';
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	line(d, 1, 0, "agent", "running; %s:", path);
	printf("%s\n", buf);
	free(buf);
}

int tt_doctor(int verbose, const char *status_file, char *const *files,
	      int nfiles)
{
	struct doc d = { 0 };
	struct tokentap_bpf *skel;
	struct tt_attach *am;

	check_kernel(&d);
	skel = check_load(&d);
	show_status(&d, status_file);
	am = tt_attach_new(NULL, 0, 1);
	if (am) {
		check_files(&d, am, files, nfiles);
		list_targets(&d, am, verbose);
		list_functions(&d, files, nfiles);
	}
	tt_attach_free(am);
	tokentap_bpf__destroy(skel);
	printf("%s\n", d.fatal ? "doctor: the agent cannot run here (see FAIL lines)"
			       : "doctor: the agent can run here");
	return d.fatal ? 1 : 0;
}
