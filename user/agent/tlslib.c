// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "tt_abi.h"
#include "binary/elfsym.h"
#include "binary/gobin.h"
#include "binary/sslfind.h"
#include "util/log.h"
#include "agent/tlslib.h"

static void add(struct tt_probe_set *s, enum tt_probe_prog prog, uint64_t off,
		uint64_t cookie)
{
	if (!off || s->n >= TT_PROBES_MAX)
		return;
	s->off[s->n] = off;
	s->cookie[s->n] = cookie;
	s->prog[s->n] = (uint8_t)prog;
	s->n++;
}

/* A function that moves data: an entry probe and a return probe. */
static void add_call(struct tt_probe_set *s, uint64_t off, int lib, int role,
		     int arg)
{
	add(s, TT_PROG_TLS_ENTRY, off, TT_COOKIE(lib, role, arg));
	add(s, TT_PROG_TLS_RETURN, off, TT_COOKIE(lib, role, arg));
}

/* ---- libraries found by their exported symbols ---- */

/* One exported function and what the agent does with it. A data function
 * (write/read roles) gets an entry and a return probe, the others (the
 * server name, the end of the connection) an entry probe. */
struct sym_probe {
	const char *name;
	int role;
	int arg;     /* argument index of the out-count of the _ex variants */
	int needed;  /* 1: a write; 2: a read; the set needs one of each */
};

/* A library described by its symbols: the table is the whole description. */
struct sym_lib {
	int lib_id;
	size_t n;
	const struct sym_probe *syms;
};

#define SYM_LIB_MAX 8

static int is_data_role(int role)
{
	return role == TT_ROLE_WRITE || role == TT_ROLE_WRITE_EX ||
	       role == TT_ROLE_READ || role == TT_ROLE_READ_EX ||
	       role == TT_ROLE_WRITE_SSIZE || role == TT_ROLE_READ_SSIZE;
}

static int find_by_symbols(int fd, const struct sym_lib *L,
			   struct tt_probe_set *s)
{
	const char *names[SYM_LIB_MAX];
	uint64_t offs[SYM_LIB_MAX];
	int n, have = 0;

	for (size_t i = 0; i < L->n; i++)
		names[i] = L->syms[i].name;
	n = tt_elf_find_syms(fd, names, L->n, offs);
	if (n <= 0)
		return n;
	/* Reading and writing are the minimum worth probing. */
	for (size_t i = 0; i < L->n; i++)
		if (offs[i])
			have |= L->syms[i].needed;
	if (have != 3)
		return 0;
	for (size_t i = 0; i < L->n; i++) {
		const struct sym_probe *p = &L->syms[i];
		uint64_t cookie = TT_COOKIE(L->lib_id, p->role, p->arg);

		if (is_data_role(p->role))
			add_call(s, offs[i], L->lib_id, p->role, p->arg);
		else
			add(s, TT_PROG_TLS_ENTRY, offs[i], cookie);
	}
	s->lib_id = L->lib_id;
	s->nfuncs = n;
	snprintf(s->detail, sizeof(s->detail), "%d functions by symbol", n);
	return 1;
}

/* OpenSSL: libssl, and executables that export it (node). */
static const struct sym_probe openssl_syms[] = {
	{ "SSL_write", TT_ROLE_WRITE, 0, 1 },
	{ "SSL_write_ex", TT_ROLE_WRITE_EX, 3, 1 },
	{ "SSL_read", TT_ROLE_READ, 0, 2 },
	{ "SSL_read_ex", TT_ROLE_READ_EX, 3, 2 },
	{ "SSL_ctrl", TT_ROLE_NAME_CTRL, 0, 0 },
	{ "SSL_free", TT_ROLE_FREE, 0, 0 },
};
static const struct sym_lib openssl_lib = {
	TT_LIB_OPENSSL, sizeof(openssl_syms) / sizeof(openssl_syms[0]), openssl_syms,
};

/* GnuTLS: the name is read by length where the client sets it. */
static const struct sym_probe gnutls_syms[] = {
	{ "gnutls_record_send", TT_ROLE_WRITE_SSIZE, 0, 1 },
	{ "gnutls_record_recv", TT_ROLE_READ_SSIZE, 0, 2 },
	{ "gnutls_server_name_set", TT_ROLE_NAME_LEN, 0, 0 },
	{ "gnutls_deinit", TT_ROLE_FREE, 0, 0 },
};
static const struct sym_lib gnutls_lib = {
	TT_LIB_GNUTLS, sizeof(gnutls_syms) / sizeof(gnutls_syms[0]), gnutls_syms,
};

_Static_assert(sizeof(openssl_syms) / sizeof(openssl_syms[0]) <= SYM_LIB_MAX &&
	       sizeof(gnutls_syms) / sizeof(gnutls_syms[0]) <= SYM_LIB_MAX,
	       "SYM_LIB_MAX too small");

static int find_openssl(int fd, const char *path, struct tt_probe_set *s)
{
	(void)path;
	return find_by_symbols(fd, &openssl_lib, s);
}

static int find_gnutls(int fd, const char *path, struct tt_probe_set *s)
{
	(void)path;
	return find_by_symbols(fd, &gnutls_lib, s);
}

/* ---- ld.so: library loads, not TLS ---- */

static int find_ldso(int fd, const char *path, struct tt_probe_set *s)
{
	static const char *const names[] = { "_dl_debug_state" };
	uint64_t off = 0;

	(void)path;
	if (tt_elf_find_syms(fd, names, 1, &off) <= 0 || !off)
		return 0;
	add(s, TT_PROG_LDSO, off, 0);
	s->nfuncs = 1;
	snprintf(s->detail, sizeof(s->detail), "library-load notice");
	return 1;
}

/* ---- Go crypto/tls: entries, and a probe on every RET ---- */

enum { GO_WRITE, GO_READ, GO_CLOSE, GO_NFUNCS };

static int find_go(int fd, const char *path, struct tt_probe_set *s)
{
	static const char *const names[GO_NFUNCS] = {
		"crypto/tls.(*Conn).Write", "crypto/tls.(*Conn).Read",
		"crypto/tls.(*Conn).Close",
	};
	static const int roles[GO_NFUNCS] = {
		TT_ROLE_GO_WRITE, TT_ROLE_GO_READ, TT_ROLE_GO_CLOSE,
	};
	struct tt_gobin gb;
	struct tt_gobin_func fn[GO_NFUNCS];
	uint64_t rets[2][TT_GOBIN_RETS_MAX];
	size_t nrets[2] = { 0, 0 };
	int found = 0;

	if (tt_gobin_open_fd(&gb, fd))
		return 0;
	if (!gb.info.is_go)
		goto out;
	if (gb.info.abi != TT_GOBIN_ABI_REG || gb.info.machine != 62 /* x86-64 */) {
		tt_dbg("attach: %s: Go %s without the amd64 register ABI: not traced",
		       path, gb.info.version);
		goto out;
	}
	if (tt_gobin_find_funcs(&gb, names, GO_NFUNCS, fn, 0) <= 0 ||
	    !fn[GO_WRITE].entry || !fn[GO_READ].entry)
		goto out; /* no crypto/tls in this program */
	for (int f = 0; f < 2; f++) {
		int err = tt_gobin_ret_offsets(&gb, &fn[f], rets[f],
					       TT_GOBIN_RETS_MAX, &nrets[f]);

		if (err || !nrets[f]) {
			tt_warn("attach: %s: return instructions of %s not found (%s): "
				"not traced", path, names[f],
				err ? strerror(-err) : "none");
			goto out;
		}
	}
	/* Returns first: a process running while the probes go in then loses
	 * whole calls (a clean mid-way join), never half of one. */
	for (int f = 0; f < 2; f++)
		for (size_t i = 0; i < nrets[f]; i++)
			add(s, TT_PROG_GO_RET, rets[f][i], TT_COOKIE(TT_LIB_GO, roles[f], 0));
	for (int f = 0; f < GO_NFUNCS; f++)
		add(s, TT_PROG_GO_ENTRY, fn[f].entry_off,
		    TT_COOKIE(TT_LIB_GO, roles[f], 0));
	s->lib_id = TT_LIB_GO;
	s->nfuncs = GO_NFUNCS;
	snprintf(s->detail, sizeof(s->detail), "%s, %s, %zu+%zu return probes",
		 gb.info.version, gb.info.has_symtab ? "symbols"
						     : "stripped, found via pclntab",
		 nrets[0], nrets[1]);
	found = 1;
out:
	tt_gobin_close(&gb);
	return found;
}

/* ---- stripped, statically linked OpenSSL 3 and BoringSSL ---- */

/* Results by build (GNU build id, else device, inode, size and mtime): a
 * second process of the same program, or another copy of the file, is
 * answered without reading it again. Attach calls in from one thread;
 * doctor too. The lock only keeps that an assumption nobody relies on. */
static struct tt_sslfind_cache static_cache;
static struct tt_tlslib_stats static_stats;
static pthread_mutex_t static_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The analysis of the executable on fd, cached; 0 or -errno. */
static int static_result(int fd, const char *path,
			 struct tt_sslfind_result *res)
{
	const struct tt_sslfind_result *hit;
	struct tt_sslfind_key key;
	struct tt_elfview ev;
	uint64_t cpu0;
	int ret = tt_elfview_open(&ev, fd, NULL, 0);

	if (!ret)
		ret = tt_sslfind_key(fd, &ev, &key);
	if (ret)
		return ret;
	pthread_mutex_lock(&static_lock);
	hit = tt_sslfind_cache_get(&static_cache, &key);
	if (hit) {
		*res = *hit;
		static_stats.static_cache_hits++;
	}
	pthread_mutex_unlock(&static_lock);
	if (hit)
		return 0;
	cpu0 = thread_cpu_us();
	ret = tt_sslfind_view(&ev, NULL, res);
	pthread_mutex_lock(&static_lock);
	static_stats.static_searched++;
	static_stats.static_cpu_us += thread_cpu_us() - cpu0;
	static_stats.static_rejected += res->rejected;
	static_stats.static_over_cap += res->stats.dropped;
	static_stats.static_found += !ret && res->libs;
	if (!ret)
		tt_sslfind_cache_put(&static_cache, &key, res);
	static_stats.static_evicted = static_cache.evictions;
	pthread_mutex_unlock(&static_lock);
	if (ret)
		tt_dbg("attach: %s: static TLS search: %s", path, strerror(-ret));
	return ret;
}

/*
 * The probes of one library's found functions, chosen so that each byte
 * is captured once:
 *  - OpenSSL 3: the workers ssl_write_internal / ssl_read_internal, where
 *    SSL_write, SSL_write_ex(2), SSL_read and SSL_read_ex all arrive once
 *    (the _EX roles, *done found by its argument index: rcx in 3.0, r8
 *    for ssl_write_internal since 3.3). SSL_write / SSL_read are probed
 *    only where the worker is inlined into them (node), never where they
 *    call it (F_WRAPPER): the worker sees those bytes already, and a
 *    nested pair would share one in-flight slot per thread.
 *  - BoringSSL: SSL_write / SSL_read (SSL_write_ex and friends call them).
 *  - The server name: entry only, ssl3_ctrl (cmd 55 filtered in BPF) and
 *    BoringSSL's SSL_set_tlsext_host_name.
 *  - Not probed: SSL_shutdown (Bun calls it for about one connection in
 *    six: no close signal), SSL_do_handshake (no role), SSL_free (no
 *    anchor), rustls (Rust ABI: no BPF program reads it).
 * Returns the functions probed: 0 unless both directions have one.
 */
/* The probe role of a found function (0: not probed); *arg the count
 * argument of the _EX roles, *dir 1 write, 2 read, 0 neither. */
static int role_of(const struct tt_sslfind_func *f, int *arg, int *dir)
{
	*arg = 0;
	*dir = 0;
	if (f->flags & TT_SSLFIND_F_WRAPPER)
		return 0;
	switch (f->kind) {
	case TT_SSLFIND_WRITE: *dir = 1; return TT_ROLE_WRITE;
	case TT_SSLFIND_READ: *dir = 2; return TT_ROLE_READ;
	case TT_SSLFIND_WRITE_EX: *arg = f->count_arg, *dir = 1; return TT_ROLE_WRITE_EX;
	case TT_SSLFIND_READ_EX: *arg = f->count_arg, *dir = 2; return TT_ROLE_READ_EX;
	case TT_SSLFIND_CTRL: return TT_ROLE_NAME_CTRL;
	case TT_SSLFIND_SET_HOST: return TT_ROLE_NAME_CSTR;
	case TT_SSLFIND_AEAD_SEAL: *dir = 1; return TT_ROLE_AEAD_SEAL;
	case TT_SSLFIND_AEAD_SEAL_SCATTER: *dir = 1; return TT_ROLE_AEAD_SEAL_SCATTER;
	case TT_SSLFIND_AEAD_OPEN: *dir = 2; return TT_ROLE_AEAD_OPEN;
	default: return 0;
	}
}

/* 1 when lib has a probed function in both directions: half a library
 * would mislead, so then none of it is probed. */
static int lib_probed(const struct tt_sslfind_result *res, unsigned lib)
{
	int dirs = 0, arg, dir;

	if (lib == TT_SSLFIND_RUSTLS)
		return 0; /* Rust ABI: read at aws-lc's AEAD instead */
	/* aws-lc's AEAD is TLS records only under rustls: another user of
	 * it (file encryption, say) is not probed. */
	if (lib == TT_SSLFIND_AWSLC && !(res->libs & (1u << TT_SSLFIND_RUSTLS)))
		return 0;
	for (size_t i = 0; i < res->n; i++)
		if (res->fn[i].lib == lib && role_of(&res->fn[i], &arg, &dir))
			dirs |= dir;
	return dirs == 3;
}

static int add_static(struct tt_probe_set *s, const struct tt_sslfind_result *res,
		      unsigned lib, int lib_id)
{
	int nfuncs = 0;

	if (!lib_probed(res, lib))
		return 0;
	for (size_t i = 0; i < res->n; i++) {
		const struct tt_sslfind_func *f = &res->fn[i];
		int arg, dir, role = f->lib == lib ? role_of(f, &arg, &dir) : 0;

		if (!role)
			continue;
		if (role == TT_ROLE_NAME_CTRL || role == TT_ROLE_NAME_CSTR) {
			add(s, TT_PROG_TLS_ENTRY, f->off, TT_COOKIE(lib_id, role, 0));
		} else if (lib == TT_SSLFIND_AWSLC) {
			/* A seal is read at its entry; an open at its return. */
			add(s, TT_PROG_AEAD_ENTRY, f->off, TT_COOKIE(lib_id, role, 0));
			if (role == TT_ROLE_AEAD_OPEN)
				add(s, TT_PROG_AEAD_RETURN, f->off,
				    TT_COOKIE(lib_id, role, 0));
		} else
			add_call(s, f->off, lib_id, role, arg);
		nfuncs++;
	}
	return nfuncs;
}

static int find_static(int fd, const char *path, struct tt_probe_set *s)
{
	struct tt_sslfind_result res;
	char ossl[96] = "", bssl[96] = "", rust[64] = "";
	int n_ossl, n_bssl, n_rust;

	if (static_result(fd, path, &res))
		return 0;
	n_ossl = add_static(s, &res, TT_SSLFIND_OPENSSL, TT_LIB_OPENSSL);
	n_bssl = add_static(s, &res, TT_SSLFIND_BORINGSSL, TT_LIB_BORINGSSL);
	n_rust = add_static(s, &res, TT_SSLFIND_AWSLC, TT_LIB_RUSTLS);
	if (!n_ossl && !n_bssl && !n_rust)
		return 0;
	s->lib_id = n_ossl ? TT_LIB_OPENSSL : n_bssl ? TT_LIB_BORINGSSL : TT_LIB_RUSTLS;
	s->lib = n_ossl ? "openssl" : n_bssl ? "boringssl" : "rustls";
	s->nfuncs = n_ossl + n_bssl + n_rust;
	if (n_ossl)
		tt_sslfind_describe(&res, TT_SSLFIND_OPENSSL, ossl, sizeof(ossl));
	if (n_bssl)
		tt_sslfind_describe(&res, TT_SSLFIND_BORINGSSL, bssl, sizeof(bssl));
	if (n_rust)
		snprintf(rust, sizeof(rust), "rustls %s read at aws-lc's AEAD",
			 res.rustls_version);
	else if (res.libs & (1u << TT_SSLFIND_RUSTLS))
		snprintf(rust, sizeof(rust), "rustls %s inside, not traced (Rust ABI)",
			 res.rustls_version);
	snprintf(s->detail, sizeof(s->detail), "%s%s%s%s%s", ossl,
		 ossl[0] && bssl[0] ? "; " : "", bssl, rust[0] ? "; " : "", rust);
	return 1;
}

void tt_tlslib_get_stats(struct tt_tlslib_stats *st)
{
	pthread_mutex_lock(&static_lock);
	*st = static_stats;
	pthread_mutex_unlock(&static_lock);
}

int tt_tlslib_static_note(int fd, char *buf, size_t len)
{
	struct tt_sslfind_result res;
	size_t o = 0;

	if (len)
		buf[0] = '\0';
	if (static_result(fd, "", &res))
		return 0;
	for (unsigned lib = TT_SSLFIND_OPENSSL; lib <= TT_SSLFIND_AWSLC; lib++) {
		char one[128];

		if (!tt_sslfind_describe(&res, lib, one, sizeof(one)) || o >= len)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "; " : "", one);
	}
	return o > 0;
}

static const struct tt_tlslib lib_openssl = { "openssl", "libssl", find_openssl };
static const struct tt_tlslib lib_gnutls = { "gnutls", "libgnutls.so", find_gnutls };
static const struct tt_tlslib lib_ldso_gnu = { "ld.so", "ld-linux", find_ldso };
static const struct tt_tlslib lib_ldso_musl = { "ld.so", "ld-musl", find_ldso };
static const struct tt_tlslib exe_go = { "go", NULL, find_go };
/* node and friends export OpenSSL from the executable itself. */
static const struct tt_tlslib exe_openssl = { "openssl", NULL, find_openssl };
/* Without symbols: Bun (Claude Code), Codex, static OpenSSL programs. */
static const struct tt_tlslib exe_static = { "static-tls", NULL, find_static };

const struct tt_tlslib *const tt_tlslibs[] = {
	&lib_openssl, &lib_gnutls, &lib_ldso_gnu, &lib_ldso_musl,
	&exe_go, &exe_openssl, &exe_static, NULL,
};

static const char *probe_what(int role)
{
	switch (role) {
	case TT_ROLE_WRITE: case TT_ROLE_WRITE_EX: return "probed: bytes written";
	case TT_ROLE_READ: case TT_ROLE_READ_EX: return "probed: bytes read";
	case TT_ROLE_NAME_CTRL: case TT_ROLE_NAME_CSTR: return "probed: server name";
	case TT_ROLE_AEAD_SEAL: case TT_ROLE_AEAD_SEAL_SCATTER:
		return "probed: rustls records written";
	case TT_ROLE_AEAD_OPEN: return "probed: rustls records read";
	default: return "probed";
	}
}

int tt_tlslib_static_funcs(int fd, void (*emit)(void *ctx, const char *text),
			   void *ctx)
{
	struct tt_sslfind_result res;
	char text[320], how[192];

	/* Found by symbols or as Go: not this search's. */
	for (size_t i = 0; tt_tlslibs[i]; i++) {
		const struct tt_tlslib *l = tt_tlslibs[i];
		struct tt_probe_set other;

		memset(&other, 0, sizeof(other));
		if (!l->file_prefix && l != &exe_static && l->find(fd, "", &other) == 1)
			return 0;
	}
	if (static_result(fd, "", &res))
		return 0;
	for (size_t i = 0; i < res.n; i++) {
		const struct tt_sslfind_func *f = &res.fn[i];
		int arg, dir, role = lib_probed(&res, f->lib) ? role_of(f, &arg, &dir) : 0;

		tt_sslfind_func_how(f, how, sizeof(how));
		snprintf(text, sizeof(text), "%s at file offset 0x%llx, %s; %s",
			 f->name, (unsigned long long)f->off, role ? probe_what(role) :
			 f->lib == TT_SSLFIND_RUSTLS ?
			 "not probed (Rust ABI: read at aws-lc's AEAD when it is there)" :
			 "not probed", how);
		emit(ctx, text);
	}
	return (int)res.n;
}

static int base_is(const char *path, const char *prefix)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, prefix, strlen(prefix));
}

int tt_tlslib_candidate(const char *path, int is_exe)
{
	if (is_exe)
		return 1;
	for (size_t i = 0; tt_tlslibs[i]; i++)
		if (tt_tlslibs[i]->file_prefix &&
		    base_is(path, tt_tlslibs[i]->file_prefix))
			return 1;
	return 0;
}

int tt_tlslib_find(int fd, const char *path, int is_exe,
		   struct tt_probe_set *out)
{
	for (size_t i = 0; tt_tlslibs[i]; i++) {
		const struct tt_tlslib *l = tt_tlslibs[i];
		int ret;

		if (l->file_prefix ? !base_is(path, l->file_prefix) : !is_exe)
			continue;
		memset(out, 0, sizeof(*out));
		out->lib = l->name;
		ret = l->find(fd, path, out);
		if (ret)
			return ret;
		/* A shared object is claimed by its name alone. */
		if (l->file_prefix)
			return 0;
	}
	return 0;
}
