// SPDX-License-Identifier: MIT
/*
 * Tests for user/binary/sslfind.c and the scanners under it, on real
 * programs: the static OpenSSL client make builds (build/sslstatic, or
 * $TT_SSLSTATIC_DIR) with and without symbols, Debian's node (OpenSSL with
 * exported symbols to compare with, and inlined workers), and the coding
 * agents' executables when installed (tls_bins.h; SKIP without them).
 * Corrupt images are made in memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "binary/ehframe.h"
#include "binary/elfsym.h"
#include "binary/sslfind.h"
#include "tls_bins.h"
#include "tt_test.h"

#define NODE "/usr/bin/node"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Analyses path; a failed check when it cannot be opened or analysed. */
static bool analyse(const char *path, const struct tt_sslfind_opts *o,
		    struct tt_sslfind_result *res)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	memset(res, 0, sizeof(*res));
	if (fd < 0) {
		tt_fail_(__FILE__, __LINE__, "%s: %s (make builds it)", path,
			 strerror(errno));
		return false;
	}
	ret = tt_sslfind_fd(fd, o, res);
	close(fd);
	TT_CHECK_EQ_INT(ret, 0);
	return ret == 0;
}

/* The one result named name, or NULL (a failed check for several). */
static const struct tt_sslfind_func *fn_named(const struct tt_sslfind_result *r,
					      const char *name, uint64_t off)
{
	const struct tt_sslfind_func *found = NULL;

	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->fn[i].name, name) || (off && r->fn[i].off != off))
			continue;
		TT_CHECK(found == NULL);
		found = &r->fn[i];
	}
	return found;
}

struct want {
	const char *name;
	unsigned kind, count_arg, flags;
};

/* r holds exactly the wanted functions, at the offsets given. */
static void check_exact(const struct tt_sslfind_result *r, const struct want *w,
			size_t n, const uint64_t *offs)
{
	TT_CHECK_EQ_INT(r->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct tt_sslfind_func *f = fn_named(r, w[i].name, 0);

		tt_case("%s", w[i].name);
		TT_CHECK(f != NULL);
		if (!f)
			continue;
		if (offs)
			TT_CHECK_EQ_U64(f->off, offs[i]);
		TT_CHECK_EQ_INT(f->kind, w[i].kind);
		TT_CHECK_EQ_INT(f->count_arg, w[i].count_arg);
		TT_CHECK_EQ_INT(f->flags, w[i].flags);
	}
	tt_case("%s", "");
}

#define FDE TT_SSLFIND_F_FDE
#define WRAPPER TT_SSLFIND_F_WRAPPER
#define INLINED TT_SSLFIND_F_INLINED

static const struct want ossl30[] = {
	{ "ssl_write_internal", TT_SSLFIND_WRITE_EX, 3, FDE },
	{ "ssl_read_internal", TT_SSLFIND_READ_EX, 3, FDE },
	{ "SSL_write", TT_SSLFIND_WRITE, 0, FDE | WRAPPER },
	{ "SSL_read", TT_SSLFIND_READ, 0, FDE | WRAPPER },
	{ "ssl3_ctrl", TT_SSLFIND_CTRL, 0, FDE },
	{ "SSL_shutdown", TT_SSLFIND_SHUTDOWN, 0, FDE },
};
#define NOSSL (sizeof(ossl30) / sizeof(ossl30[0]))

TT_TEST(static_openssl_offsets_are_the_symbols)
{
	static const char *const pairs[][2] = {
		{ "tlsclient", "tlsclient-stripped" },
		{ "tlsclient-spie", "tlsclient-spie-stripped" },
	};
	const char *names[NOSSL];
	struct tt_sslfind_result res, with_syms;

	for (size_t i = 0; i < NOSSL; i++)
		names[i] = ossl30[i].name;
	for (size_t p = 0; p < 2; p++) {
		uint64_t offs[NOSSL];
		int fd = open(static_bin(pairs[p][0]), O_RDONLY | O_CLOEXEC);

		TT_CHECK(fd >= 0);
		if (fd < 0)
			continue;
		TT_CHECK_EQ_INT(tt_elf_find_syms(fd, names, NOSSL, offs), NOSSL);
		close(fd);
		if (!analyse(static_bin(pairs[p][1]), NULL, &res) ||
		    !analyse(static_bin(pairs[p][0]), NULL, &with_syms))
			continue;
		tt_case("%s", pairs[p][1]);
		TT_CHECK_EQ_INT(res.libs, 1u << TT_SSLFIND_OPENSSL);
		TT_CHECK_EQ_INT(res.rejected, 0);
		check_exact(&res, ossl30, NOSSL, offs);
		/* Symbols play no part: the same answer with them. */
		check_exact(&with_syms, ossl30, NOSSL, offs);
		TT_NOTE("%s: %zu functions, %llu bytes read, %llu FDEs read",
			pairs[p][1], res.n, (unsigned long long)res.stats.bytes_read,
			(unsigned long long)res.stats.fdes);
	}
}

static void check_same(const struct tt_sslfind_result *a,
		       const struct tt_sslfind_result *b)
{
	TT_CHECK_EQ_INT(a->n, b->n);
	TT_CHECK_EQ_INT(a->libs, b->libs);
	TT_CHECK_EQ_INT(a->rejected, b->rejected);
	TT_CHECK_EQ_STR(a->openssl_version, b->openssl_version);
	TT_CHECK_EQ_STR(a->rustls_version, b->rustls_version);
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		TT_CHECK_EQ_STR(a->fn[i].name, b->fn[i].name);
		TT_CHECK_EQ_U64(a->fn[i].off, b->fn[i].off);
		TT_CHECK_EQ_INT(a->fn[i].kind, b->fn[i].kind);
		TT_CHECK_EQ_INT(a->fn[i].count_arg, b->fn[i].count_arg);
		TT_CHECK_EQ_INT(a->fn[i].flags, b->fn[i].flags);
	}
}

/* Matches across chunk and window edges must not change the answer; nor
 * reading from memory instead of the file. */
TT_TEST(answers_do_not_depend_on_read_sizes)
{
	static const size_t chunks[] = { 29, 64, 4096, 65537 };
	struct tt_sslfind_result base, other;
	const char *path = static_bin("tlsclient-stripped");
	struct stat st;
	uint8_t *img = NULL;
	int fd;

	if (!analyse(path, NULL, &base))
		return;
	TT_CHECK_EQ_INT(base.n, NOSSL);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct tt_sslfind_opts o = { chunks[i], chunks[i] * 3 };

		tt_case("chunk %zu", chunks[i]);
		if (analyse(path, &o, &other))
			check_same(&base, &other);
	}
	tt_case("memory image");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !fstat(fd, &st) && (img = malloc((size_t)st.st_size)) &&
	    pread(fd, img, (size_t)st.st_size, 0) == st.st_size) {
		TT_CHECK_EQ_INT(tt_sslfind_mem(img, (size_t)st.st_size, NULL, &other), 0);
		check_same(&base, &other);
	} else {
		TT_CHECK(!"image read");
	}
	if (fd >= 0)
		close(fd);
	free(img);
}

/* node exports OpenSSL's symbols: the finder, which ignores them, must
 * land on them; its OpenSSL 3.0 build inlines both workers into their
 * public callers, so each direction has three probe points. */
TT_TEST(node_agrees_with_its_dynsym)
{
	static const char *const names[] = {
		"ssl_write_internal", "SSL_write", "SSL_write_ex",
		"ssl_read_internal", "SSL_read", "SSL_read_ex", "ssl3_ctrl",
		"SSL_shutdown",
	};
	struct tt_sslfind_result res;
	uint64_t offs[8];
	size_t writes = 0, reads = 0;
	int fd = open(NODE, O_RDONLY | O_CLOEXEC);

	TT_CHECK(fd >= 0); /* nodejs: make deps */
	if (fd < 0)
		return;
	TT_CHECK_EQ_INT(tt_elf_find_syms(fd, names, 8, offs), 8);
	close(fd);
	if (!analyse(NODE, NULL, &res))
		return;
	TT_CHECK(!strncmp(res.openssl_version, "3.", 2));
	for (size_t i = 0; i < res.n; i++) {
		const struct tt_sslfind_func *f = &res.fn[i];
		bool w = f->kind == TT_SSLFIND_WRITE || f->kind == TT_SSLFIND_WRITE_EX;
		bool r = f->kind == TT_SSLFIND_READ || f->kind == TT_SSLFIND_READ_EX;

		tt_case("%s at %#llx", f->name, (unsigned long long)f->off);
		TT_CHECK(!(f->flags & WRAPPER));
		if (w)
			TT_CHECK(f->off == offs[0] || f->off == offs[1] || f->off == offs[2]);
		if (r)
			TT_CHECK(f->off == offs[3] || f->off == offs[4] || f->off == offs[5]);
		if (f->kind == TT_SSLFIND_WRITE)
			TT_CHECK_EQ_U64(f->off, offs[1]);
		if (f->kind == TT_SSLFIND_READ)
			TT_CHECK_EQ_U64(f->off, offs[4]);
		if (f->kind == TT_SSLFIND_WRITE_EX || f->kind == TT_SSLFIND_READ_EX)
			TT_CHECK_EQ_INT(f->count_arg, 3); /* 3.0: no flags */
		if (w || r)
			TT_CHECK(f->flags & INLINED);
		if (f->kind == TT_SSLFIND_CTRL)
			TT_CHECK_EQ_U64(f->off, offs[6]);
		if (f->kind == TT_SSLFIND_SHUTDOWN)
			TT_CHECK_EQ_U64(f->off, offs[7]);
		writes += w;
		reads += r;
	}
	tt_case("%s", "");
	TT_CHECK_EQ_INT(writes, 3);
	TT_CHECK_EQ_INT(reads, 3);
	TT_CHECK(fn_named(&res, "ssl3_ctrl", offs[6]) != NULL);
	/* node's OpenSSL has no aws-lc aead.c: nothing of it, not even seen. */
	TT_CHECK(!(res.libs & (1u << TT_SSLFIND_AWSLC)));
	TT_CHECK(res.n == 8);
}

/* A program without TLS costs a look at its read-only data, no more. */
TT_TEST(program_without_tls)
{
	struct tt_sslfind_result res;
	struct stat st;

	if (!analyse("/bin/sh", NULL, &res) || stat("/bin/sh", &st))
		return;
	TT_CHECK_EQ_INT(res.n, 0);
	TT_CHECK_EQ_INT(res.libs, 0);
	TT_CHECK_EQ_INT(res.stats.refs, 0);
	TT_CHECK(res.stats.bytes_read < (uint64_t)st.st_size);
}

/* ---- the coding agents (SKIP when not installed) ---- */

/* Offsets checked at run time with uprobes (the plaintext was seen there)
 * in the prototype (/work/proto/binan/FINDINGS.md). Claude Code by build
 * id; Codex has none: by file size. */
struct known {
	const char *id;   /* hex build id, or the file size in decimal */
	const char *version;
	uint64_t off[11]; /* in the order of the wanted list */
};

static const struct known known_claude[] = {
	{ "f23f6c3eadc87d8ebfeed1e74033bf3a1a55394c", "2.1.337",
	  { 0x338ba00, 0x338bbb0, 0x33c2d00, 0x33c2f70, 0x338e1f0 } },
	{ "e8f68a0473d0cd6287466a52f53c5d64f7cf0a69", "2.1.300",
	  { 0x2410ab0, 0x24106c0, 0x2411d30, 0x2410240, 0x2410c40 } },
};

static const struct known known_codex[] = {
	{ "315109048", "0.171.0",
	  { 0x1222dbc0, 0x1222d5d0, 0x1222df20, 0x1222d7d0, 0x1221f140,
	    0x1222dfe0, 0x11602f70, 0x115e5ba0,
	    /* aws-lc's EVP_AEAD_CTX_{seal,seal_scatter,open}: the plaintext of
	     * every record there (/work/proto/rustls-aead/FINDINGS.md) */
	    0x12628450, 0x12628570, 0x12628690 } },
	{ "309732776", "0.165.0",
	  { 0xe94fb70, 0xe94f580, 0xe94fed0, 0xe94f780, 0xe942100, 0xe94ff90,
	    0xdd0e180, 0xdcedc40, 0xed473c0, 0xed474e0, 0xed47600 } },
};

static const struct want want_claude[] = {
	{ "SSL_write", TT_SSLFIND_WRITE, 0, 0 },
	{ "SSL_read", TT_SSLFIND_READ, 0, 0 },
	{ "SSL_set_tlsext_host_name", TT_SSLFIND_SET_HOST, 0, 0 },
	{ "SSL_do_handshake", TT_SSLFIND_HANDSHAKE, 0, 0 },
	{ "SSL_shutdown", TT_SSLFIND_SHUTDOWN, 0, 0 },
};

static const struct want want_codex[] = {
	{ "ssl_write_internal", TT_SSLFIND_WRITE_EX, 4, FDE }, /* 3.6: flags */
	{ "ssl_read_internal", TT_SSLFIND_READ_EX, 3, FDE },
	{ "SSL_write", TT_SSLFIND_WRITE, 0, FDE | WRAPPER },
	{ "SSL_read", TT_SSLFIND_READ, 0, FDE | WRAPPER },
	{ "ssl3_ctrl", TT_SSLFIND_CTRL, 0, FDE },
	{ "SSL_shutdown", TT_SSLFIND_SHUTDOWN, 0, FDE },
	{ "CommonState::send_appdata_encrypt", TT_SSLFIND_RUST_SEND, 0, FDE },
	{ "ChunkVecBuffer::consume_first_chunk", TT_SSLFIND_RUST_CONSUME, 0, FDE },
	{ "EVP_AEAD_CTX_seal", TT_SSLFIND_AEAD_SEAL, 0, FDE },
	{ "EVP_AEAD_CTX_seal_scatter", TT_SSLFIND_AEAD_SEAL_SCATTER, 0, FDE },
	{ "EVP_AEAD_CTX_open", TT_SSLFIND_AEAD_OPEN, 0, FDE },
};

/* The known offsets for this file, or NULL. */
static const struct known *known_for(const char *path, const struct known *k,
				     size_t nk, bool by_size)
{
	char id[2 * TT_ELFVIEW_BUILD_ID_MAX + 1] = "";
	struct tt_elfview ev;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (by_size && !fstat(fd, &st))
		snprintf(id, sizeof(id), "%lld", (long long)st.st_size);
	if (!by_size && !tt_elfview_open(&ev, fd, NULL, 0))
		for (size_t i = 0; i < ev.build_id_len; i++)
			snprintf(id + 2 * i, 3, "%02x", ev.build_id[i]);
	close(fd);
	for (size_t i = 0; i < nk; i++)
		if (!strcmp(k[i].id, id))
			return &k[i];
	return NULL;
}

/* Each installed executable of kind: the wanted set exactly; at the
 * verified offsets when it is a known build; memory and CPU noted. */
static size_t check_agents(int kind, const struct want *w, size_t nw,
			   unsigned libs, const struct known *k, size_t nk)
{
	struct agent_bins *bins = agent_bins_find();
	size_t n = 0;

	for (size_t i = 0; i < bins->n[kind]; i++) {
		const char *path = bins->path[kind][i];
		const struct known *kn = known_for(path, k, nk, kind == AGENT_CODEX);
		struct tt_sslfind_result res;
		struct rusage ru0, ru1;
		double t0 = cpu_now(), t1;

		getrusage(RUSAGE_SELF, &ru0);
		if (!analyse(path, NULL, &res))
			continue;
		t1 = cpu_now();
		getrusage(RUSAGE_SELF, &ru1);
		tt_case("%s", path);
		TT_CHECK_EQ_INT(res.libs, libs);
		check_exact(&res, w, nw, kn ? kn->off : NULL);
		/* Read in pieces: the file is never held whole. */
		TT_CHECK(ru1.ru_maxrss - ru0.ru_maxrss < 64 * 1024);
		TT_NOTE("%s%s: %zu functions, %.3f s cpu, %llu MB read, max rss "
			"+%ld kB", path, kn ? " (a verified build)" : "", res.n, t1 - t0,
			(unsigned long long)(res.stats.bytes_read >> 20),
			ru1.ru_maxrss - ru0.ru_maxrss);
		n++;
	}
	free(bins);
	return n;
}

TT_TEST(claude_code_boringssl)
{
	size_t n = check_agents(AGENT_CLAUDE, want_claude, 5,
				1u << TT_SSLFIND_BORINGSSL, known_claude, 2);

	if (!n)
		TT_SKIP("no Claude Code executable under $TT_AGENTS_DIR or %s",
			AGENTS_DEFAULT);
}

TT_TEST(codex_openssl_rustls_and_awslc)
{
	size_t n = check_agents(AGENT_CODEX, want_codex, 11,
				1u << TT_SSLFIND_OPENSSL | 1u << TT_SSLFIND_RUSTLS |
				1u << TT_SSLFIND_AWSLC, known_codex, 2);

	if (!n)
		TT_SKIP("no Codex executable under $TT_AGENTS_DIR or %s",
			AGENTS_DEFAULT);
}

/* Two versions of one agent: the same functions, each found by the same
 * anchors (check_agents holds each to the full list; here they are also
 * held to each other, names and kinds, at different offsets). */
static void two_versions(int kind)
{
	struct agent_bins *bins = agent_bins_find();
	struct tt_sslfind_result a, b;
	size_t n;

	n = bins->n[kind];
	if (n >= 2 && analyse(bins->path[kind][0], NULL, &a) &&
	    analyse(bins->path[kind][1], NULL, &b)) {
		TT_CHECK(a.n > 0);
		TT_CHECK_EQ_INT(a.n, b.n);
		TT_CHECK_EQ_INT(a.libs, b.libs);
		for (size_t i = 0; i < a.n && i < b.n; i++) {
			const struct tt_sslfind_func *f = fn_named(&b, a.fn[i].name, 0);

			tt_case("%s", a.fn[i].name);
			TT_CHECK(f != NULL);
			if (f) {
				TT_CHECK_EQ_INT(f->kind, a.fn[i].kind);
				TT_CHECK_EQ_INT(f->count_arg, a.fn[i].count_arg);
			}
		}
	}
	free(bins);
	if (n < 2)
		TT_SKIP("%zu %s executable(s) installed: two versions needed", n,
			kind == AGENT_CLAUDE ? "Claude Code" : "Codex");
}

TT_TEST(claude_code_two_versions)
{
	two_versions(AGENT_CLAUDE);
}

TT_TEST(codex_two_versions)
{
	two_versions(AGENT_CODEX);
}

/* ---- aws-lc's AEAD, synthetic ---- */

/* Small images with aws-lc's aead.c error sites, made by the fuzz seed
 * writer (tests/fuzz/mk_sslfind_seeds.py, awslc_seed): seal,
 * seal_scatter, open (open_gather inlined) and open_gather, each with its
 * reason set, stack-argument reads and vtable call; and two broken ones. */
static bool awslc_image(const char *dir, const char *name,
			struct tt_sslfind_result *res)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/img/%s.elf", dir, name);
	tt_case("%s", name);
	return analyse(path, NULL, res);
}

TT_TEST(awslc_aead_synthetic)
{
	char dir[] = "/tmp/tt_sslfind_awslc.XXXXXX", cmd[512], how[256];
	struct tt_sslfind_result res;

	if (!mkdtemp(dir)) {
		TT_CHECK(!"mkdtemp");
		return;
	}
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/img && python3 "
		 "tests/fuzz/mk_sslfind_seeds.py %s/seeds %s/img", dir, dir, dir);
	if (system(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		TT_CHECK(system(cmd) == 0);
		TT_SKIP("python3 tests/fuzz/mk_sslfind_seeds.py did not run");
	}
	if (awslc_image(dir, "awslc-pie", &res)) {
		/* The offsets the seed writer's layout gives (PIE at 0). */
		static const struct want w[] = {
			{ "EVP_AEAD_CTX_seal", TT_SSLFIND_AEAD_SEAL, 0, FDE },
			{ "EVP_AEAD_CTX_seal_scatter", TT_SSLFIND_AEAD_SEAL_SCATTER, 0, FDE },
			{ "EVP_AEAD_CTX_open", TT_SSLFIND_AEAD_OPEN, 0, FDE },
		};
		static const uint64_t offs[] = { 0x2e0, 0x350, 0x3b0 };

		check_exact(&res, w, 3, offs);
		TT_CHECK_EQ_INT(res.libs, 1u << TT_SSLFIND_AWSLC);
		TT_CHECK_EQ_INT(res.rejected, 0);
		TT_CHECK(tt_sslfind_describe(&res, TT_SSLFIND_AWSLC, how, sizeof(how)) > 0);
		TT_CHECK(strstr(how, "aws-lc AEAD") && strstr(how, ".eh_frame"));
		if (res.n == 3) {
			/* doctor prints it into 192 bytes */
			TT_CHECK(tt_sslfind_func_how(&res.fn[2], how, sizeof(how)) < 192);
			TT_CHECK(strstr(how, "aead.c") && strstr(how, "ctx->aead->open"));
		}
	}
	/* seal reads no stack argument: dropped, and open and seal_scatter
	 * with it (both directions or nothing), each counted. */
	if (awslc_image(dir, "awslc-noshape-pie", &res)) {
		TT_CHECK_EQ_INT(res.n, 0);
		TT_CHECK_EQ_INT(res.libs, 1u << TT_SSLFIND_AWSLC);
		TT_CHECK_EQ_INT(res.rejected, 3);
	}
	/* open lacks BAD_DECRYPT: open_gather's {115, 104} is never OPEN. */
	if (awslc_image(dir, "awslc-reason-pie", &res)) {
		TT_CHECK_EQ_INT(res.n, 0);
		TT_CHECK_EQ_INT(res.rejected, 2);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	TT_CHECK(system(cmd) == 0);
}

/* ---- damaged files ---- */

TT_TEST(damaged_images_are_refused_or_searched_safely)
{
	static const size_t cuts[] = { 0, 4, 63, 64, 100, 4096, 1u << 20 };
	const char *path = static_bin("tlsclient-stripped");
	struct tt_sslfind_result res;
	struct stat st;
	uint8_t *img = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0 || fstat(fd, &st) || !(img = malloc((size_t)st.st_size)) ||
	    pread(fd, img, (size_t)st.st_size, 0) != st.st_size) {
		TT_CHECK(!"image read");
		goto out;
	}
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		tt_case("cut at %zu", cuts[i]);
		ret = tt_sslfind_mem(img, cuts[i], NULL, &res);
		/* Headers past the end, or not ELF at all. */
		TT_CHECK(ret == -ENOEXEC || ret == -EINVAL);
		TT_CHECK_EQ_INT(res.n, 0);
	}
	tt_case("cut before the section headers");
	ret = tt_sslfind_mem(img, (size_t)st.st_size - 1, NULL, &res);
	TT_CHECK_EQ_INT(ret, -EINVAL);
	tt_case("another machine");
	img[18] = 0xB7; /* e_machine EM_AARCH64 */
	TT_CHECK_EQ_INT(tt_sslfind_mem(img, (size_t)st.st_size, NULL, &res), -ENOEXEC);
	img[18] = 62;
	tt_case("wrecked .text: nothing found, nothing broken");
	for (size_t i = 0x1000; i < 0x1000 + (1u << 20) && i < (size_t)st.st_size; i++)
		img[i] = (uint8_t)(i * 2654435761u >> 13);
	ret = tt_sslfind_mem(img, (size_t)st.st_size, NULL, &res);
	TT_CHECK_EQ_INT(ret, 0);
	TT_CHECK(res.n <= TT_SSLFIND_FUNCS_MAX);
out:
	if (fd >= 0)
		close(fd);
	free(img);
}

TT_TEST(cie_encodings)
{
	static const struct {
		const char *what;
		uint8_t body[24];
		size_t len;
		int ret;
		uint8_t enc;
	} cases[] = {
		/* version, "zR", code align 1, data align -8, ra 16, aug len 1, enc */
		{ "zR pcrel sdata4", { 1, 'z', 'R', 0, 1, 0x78, 16, 1, 0x1b }, 9, 0, 0x1b },
		{ "zPLR", { 1, 'z', 'P', 'L', 'R', 0, 1, 0x78, 16, 7, 0x9b, 1, 2, 3, 4,
			    0x1b, 0x1b }, 17, 0, 0x1b },
		{ "no augmentation: absolute", { 1, 0, 1, 0x78, 16 }, 5, 0, 0 },
		{ "version 3", { 3, 'z', 'R', 0, 1, 0x78, 16, 1, 0x03 }, 9, 0, 0x03 },
		{ "unknown augmentation", { 1, 'z', 'X', 0, 1, 0x78, 16, 1, 0 }, 9,
		  -EINVAL, 0 },
		{ "cut in the string", { 1, 'z', 'R' }, 3, -EINVAL, 0 },
		{ "cut before R", { 1, 'z', 'R', 0, 1, 0x78, 16, 1 }, 8, -EINVAL, 0 },
		{ "indirect", { 1, 'z', 'R', 0, 1, 0x78, 16, 1, 0x9b }, 9, -ENOTSUP, 0 },
		{ "version 2", { 2, 0, 1, 0x78, 16 }, 5, -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t enc = 0xee;

		tt_case("%s", cases[i].what);
		TT_CHECK_EQ_INT(tt_ehframe_cie_encoding(cases[i].body, cases[i].len,
							&enc), cases[i].ret);
		if (!cases[i].ret)
			TT_CHECK_EQ_INT(enc, cases[i].enc);
	}
}

/* ---- results by build ---- */

TT_TEST(cache_by_build)
{
	struct tt_sslfind_cache *c = calloc(1, sizeof(*c));
	struct tt_sslfind_result res = { .n = 0, .libs = 1u << TT_SSLFIND_OPENSSL };
	struct tt_sslfind_key k = { .len = 20, .by_build_id = 1 };
	const struct tt_sslfind_result *got;

	TT_CHECK(c != NULL);
	if (!c)
		return;
	TT_CHECK(tt_sslfind_cache_get(c, &k) == NULL);
	tt_sslfind_cache_put(c, &k, &res);
	got = tt_sslfind_cache_get(c, &k);
	TT_CHECK(got != NULL && got->libs == res.libs);
	k.by_build_id = 0; /* the same bytes as a stat key: another file */
	TT_CHECK(tt_sslfind_cache_get(c, &k) == NULL);
	k.by_build_id = 1;
	for (int i = 1; i <= TT_SSLFIND_CACHE_MAX; i++) {
		k.id[0] = (uint8_t)i;
		tt_sslfind_cache_put(c, &k, &res);
	}
	TT_CHECK_EQ_INT(c->n, TT_SSLFIND_CACHE_MAX);
	TT_CHECK_EQ_INT(c->evictions, 1);
	k.id[0] = 0; /* the first one went */
	TT_CHECK(tt_sslfind_cache_get(c, &k) == NULL);
	k.id[0] = TT_SSLFIND_CACHE_MAX;
	TT_CHECK(tt_sslfind_cache_get(c, &k) != NULL);
	TT_CHECK_EQ_INT(c->hits, 2);
	free(c);
}

TT_TEST(key_is_the_build_id_else_the_file)
{
	char path[] = "/tmp/tt_sslfind_test.XXXXXX";
	struct tt_sslfind_key a, b;
	struct tt_elfview ev;
	struct timespec ts[2] = { { 1000, 0 }, { 1000, 0 } };
	int fd = open(static_bin("tlsclient-stripped"), O_RDONLY | O_CLOEXEC);
	int tmp = mkstemp(path);

	TT_CHECK(fd >= 0 && tmp >= 0);
	if (fd < 0 || tmp < 0)
		goto out;
	unlink(path);
	TT_CHECK_EQ_INT(tt_elfview_open(&ev, fd, NULL, 0), 0);
	TT_CHECK_EQ_INT(tt_sslfind_key(fd, &ev, &a), 0);
	TT_CHECK_EQ_INT(a.by_build_id, 1);
	TT_CHECK_EQ_INT(a.len, 20); /* gcc's --build-id: sha1 */
	/* No build id: device, inode, size and mtime. */
	TT_CHECK_EQ_INT(tt_sslfind_key(tmp, NULL, &a), 0);
	TT_CHECK_EQ_INT(a.by_build_id, 0);
	TT_CHECK(futimens(tmp, ts) == 0);
	TT_CHECK_EQ_INT(tt_sslfind_key(tmp, NULL, &a), 0);
	ts[1].tv_sec = 2000;
	TT_CHECK(futimens(tmp, ts) == 0);
	TT_CHECK_EQ_INT(tt_sslfind_key(tmp, NULL, &b), 0);
	TT_CHECK(memcmp(a.id, b.id, a.len) != 0);
out:
	if (fd >= 0)
		close(fd);
	if (tmp >= 0)
		close(tmp);
}
