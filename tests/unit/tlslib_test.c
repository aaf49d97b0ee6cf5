// SPDX-License-Identifier: MIT
/*
 * Tests for the probe sets of user/agent/tlslib.c (linked with the cores:
 * it reads files, loads nothing): which functions of a TLS library found
 * without symbols get which probes and cookies, that an executable with
 * symbols keeps its finder, and that a second copy of a build is answered
 * from the results by build. The static OpenSSL client comes from make
 * (build/sslstatic); the coding agents are SKIP when not installed
 * (tls_bins.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tt_abi.h"
#include "agent/tlslib.h"
#include "binary/elfsym.h"
#include "binary/sslfind.h"
#include "tls_bins.h"
#include "tt_test.h"

/* The probe set of path as a main executable; the return of the finder. */
static int probes_of(const char *path, struct tt_probe_set *set)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	memset(set, 0, sizeof(*set));
	if (fd < 0) {
		tt_fail_(__FILE__, __LINE__, "%s: %s", path, strerror(errno));
		return -errno;
	}
	ret = tt_tlslib_find(fd, path, 1, set);
	close(fd);
	return ret;
}

struct probe {
	uint64_t off;
	uint64_t cookie;
	uint8_t prog;
};

/* set holds exactly the probes want[0, n), in any order. */
static void check_probes(const struct tt_probe_set *set, const struct probe *want,
			 size_t n)
{
	TT_CHECK_EQ_INT(set->n, n);
	for (size_t i = 0; i < n; i++) {
		size_t hits = 0;

		for (size_t k = 0; k < set->n; k++)
			hits += set->off[k] == want[i].off &&
				set->cookie[k] == want[i].cookie &&
				set->prog[k] == want[i].prog;
		tt_case("probe %zu at %#llx cookie %#llx", i,
			(unsigned long long)want[i].off,
			(unsigned long long)want[i].cookie);
		TT_CHECK_EQ_INT(hits, 1);
	}
	tt_case("%s", "");
}

#define ENTRY TT_PROG_TLS_ENTRY
#define RET TT_PROG_TLS_RETURN

/*
 * Static OpenSSL 3.0 without symbols: the workers' entries and returns
 * with *done in rcx (argument 3), ssl3_ctrl's entry for the server name;
 * no probe on SSL_write / SSL_read (they call the workers) nor on
 * SSL_shutdown.
 */
TT_TEST(static_openssl_probes)
{
	static const char *const names[] = {
		"ssl_write_internal", "ssl_read_internal", "ssl3_ctrl",
	};
	static const char *const bins[][2] = {
		{ "tlsclient", "tlsclient-stripped" },
		{ "tlsclient-spie", "tlsclient-spie-stripped" },
	};

	for (size_t b = 0; b < 2; b++) {
		struct tt_probe_set set;
		uint64_t offs[3];
		int fd = open(static_bin(bins[b][0]), O_RDONLY | O_CLOEXEC);

		TT_CHECK(fd >= 0);
		if (fd < 0)
			continue;
		TT_CHECK_EQ_INT(tt_elf_find_syms(fd, names, 3, offs), 3);
		close(fd);
		TT_CHECK_EQ_INT(probes_of(static_bin(bins[b][1]), &set), 1);
		{
			const struct probe want[] = {
				{ offs[0], TT_COOKIE(TT_LIB_OPENSSL, TT_ROLE_WRITE_EX, 3), ENTRY },
				{ offs[0], TT_COOKIE(TT_LIB_OPENSSL, TT_ROLE_WRITE_EX, 3), RET },
				{ offs[1], TT_COOKIE(TT_LIB_OPENSSL, TT_ROLE_READ_EX, 3), ENTRY },
				{ offs[1], TT_COOKIE(TT_LIB_OPENSSL, TT_ROLE_READ_EX, 3), RET },
				{ offs[2], TT_COOKIE(TT_LIB_OPENSSL, TT_ROLE_NAME_CTRL, 0), ENTRY },
			};

			check_probes(&set, want, 5);
		}
		TT_CHECK_EQ_STR(set.lib, "openssl");
		TT_CHECK_EQ_INT(set.lib_id, TT_LIB_OPENSSL);
		TT_CHECK_EQ_INT(set.nfuncs, 3);
		TT_CHECK(strstr(set.detail, "stripped, found via ERR __func__") != NULL);
		TT_NOTE("%s: %s", bins[b][1], set.detail);
	}
}

/* With symbols the symbol finder claims it (and node): the search for
 * stripped libraries is for what has none. */
TT_TEST(symbols_win)
{
	struct tt_probe_set set;

	TT_CHECK_EQ_INT(probes_of(static_bin("tlsclient"), &set), 1);
	TT_CHECK_EQ_STR(set.detail, "6 functions by symbol");
	TT_CHECK_EQ_INT(probes_of("/usr/bin/node", &set), 1);
	TT_CHECK_EQ_STR(set.detail, "6 functions by symbol");
	TT_CHECK_EQ_INT(probes_of("/bin/sh", &set), 0);
}

/* Another file of the same build (a copy, another inode) is answered from
 * the results by build id, not read again. */
TT_TEST(second_copy_from_the_cache)
{
	char path[] = "/tmp/tt_tlslib_test.XXXXXX";
	struct tt_probe_set a, b;
	struct tt_tlslib_stats st0, st1;
	int src = open(static_bin("tlsclient-stripped"), O_RDONLY | O_CLOEXEC);
	int dst = mkstemp(path);
	char buf[65536];
	ssize_t n;

	TT_CHECK(src >= 0 && dst >= 0);
	if (src < 0 || dst < 0)
		goto out;
	while ((n = read(src, buf, sizeof(buf))) > 0)
		TT_CHECK(write(dst, buf, (size_t)n) == n);
	TT_CHECK_EQ_INT(probes_of(static_bin("tlsclient-stripped"), &a), 1);
	tt_tlslib_get_stats(&st0);
	TT_CHECK_EQ_INT(probes_of(path, &b), 1);
	tt_tlslib_get_stats(&st1);
	TT_CHECK_EQ_INT(st1.static_cache_hits - st0.static_cache_hits, 1);
	TT_CHECK_EQ_INT(st1.static_searched - st0.static_searched, 0);
	TT_CHECK(st0.static_found >= 1 && st0.static_cpu_us > 0);
	TT_CHECK_EQ_INT(a.n, b.n);
	for (size_t i = 0; i < a.n && i < b.n; i++)
		TT_CHECK(a.off[i] == b.off[i] && a.cookie[i] == b.cookie[i]);
out:
	unlink(path);
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
}

/* Runs check on the probe set of each installed executable of kind;
 * returns how many there were. */
static size_t each_agent(int kind, void (*check)(const struct tt_probe_set *))
{
	struct agent_bins *bins = agent_bins_find();
	size_t n = 0;

	for (size_t i = 0; i < bins->n[kind]; i++) {
		struct tt_probe_set set;

		tt_case("%s", bins->path[kind][i]);
		TT_CHECK_EQ_INT(probes_of(bins->path[kind][i], &set), 1);
		check(&set);
		TT_NOTE("%s: %s", bins->path[kind][i], set.detail);
		n++;
	}
	free(bins);
	return n;
}

/* Claude Code: BoringSSL's SSL_write / SSL_read (int num, bytes returned)
 * and SSL_set_tlsext_host_name (a C string). */
static void check_claude(const struct tt_probe_set *set)
{
	size_t roles[16] = { 0 };

	TT_CHECK_EQ_STR(set->lib, "boringssl");
	TT_CHECK_EQ_INT(set->lib_id, TT_LIB_BORINGSSL);
	TT_CHECK_EQ_INT(set->n, 5);
	for (size_t k = 0; k < set->n; k++) {
		TT_CHECK_EQ_INT(TT_COOKIE_LIB(set->cookie[k]), TT_LIB_BORINGSSL);
		TT_CHECK_EQ_INT(TT_COOKIE_ARG(set->cookie[k]), 0);
		roles[TT_COOKIE_ROLE(set->cookie[k]) & 15]++;
	}
	TT_CHECK_EQ_INT(roles[TT_ROLE_WRITE], 2);
	TT_CHECK_EQ_INT(roles[TT_ROLE_READ], 2);
	TT_CHECK_EQ_INT(roles[TT_ROLE_NAME_CSTR], 1);
}

TT_TEST(claude_code_probes)
{
	if (!each_agent(AGENT_CLAUDE, check_claude))
		TT_SKIP("no Claude Code executable installed");
}

/* Codex: its OpenSSL 3.6 (ssl_write_internal's *written is argument 4),
 * and its rustls read at aws-lc's AEAD: seal and seal_scatter at entry,
 * open at entry and return (TT_PROG_AEAD_*), under TT_LIB_RUSTLS. */
static void check_codex(const struct tt_probe_set *set)
{
	size_t write_ex = 0, read_ex = 0, ctrl = 0, seal = 0, scatter = 0;
	size_t open_in = 0, open_out = 0;

	TT_CHECK_EQ_STR(set->lib, "openssl");
	TT_CHECK_EQ_INT(set->n, 9);
	for (size_t k = 0; k < set->n; k++) {
		uint64_t c = set->cookie[k];
		bool entry = set->prog[k] == TT_PROG_AEAD_ENTRY;

		write_ex += c == TT_COOKIE(TT_LIB_OPENSSL, TT_ROLE_WRITE_EX, 4);
		read_ex += c == TT_COOKIE(TT_LIB_OPENSSL, TT_ROLE_READ_EX, 3);
		ctrl += c == TT_COOKIE(TT_LIB_OPENSSL, TT_ROLE_NAME_CTRL, 0);
		seal += entry && c == TT_COOKIE(TT_LIB_RUSTLS, TT_ROLE_AEAD_SEAL, 0);
		scatter += entry &&
			   c == TT_COOKIE(TT_LIB_RUSTLS, TT_ROLE_AEAD_SEAL_SCATTER, 0);
		open_in += entry && c == TT_COOKIE(TT_LIB_RUSTLS, TT_ROLE_AEAD_OPEN, 0);
		open_out += set->prog[k] == TT_PROG_AEAD_RETURN &&
			    c == TT_COOKIE(TT_LIB_RUSTLS, TT_ROLE_AEAD_OPEN, 0);
	}
	TT_CHECK(write_ex == 2 && read_ex == 2 && ctrl == 1);
	TT_CHECK(seal == 1 && scatter == 1 && open_in == 1 && open_out == 1);
	TT_CHECK(strstr(set->detail, "rustls 0.23.46 read at aws-lc's AEAD") != NULL);
}

TT_TEST(codex_probes)
{
	if (!each_agent(AGENT_CODEX, check_codex))
		TT_SKIP("no Codex executable installed");
}

struct listed {
	size_t n;
	char text[TT_SSLFIND_FUNCS_MAX][320];
};

static void collect(void *ctx, const char *text)
{
	struct listed *l = ctx;

	if (l->n < TT_SSLFIND_FUNCS_MAX)
		snprintf(l->text[l->n++], sizeof(l->text[0]), "%s", text);
}

/* The line of l that starts with name and says probed (or not). */
static const char *listed_line(const struct listed *l, const char *start)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strncmp(l->text[i], start, strlen(start)))
			return l->text[i];
	return NULL;
}

/*
 * doctor's list of the functions found without symbols: each with the
 * offset its probe has, whether it is probed and how it was found; the
 * wrappers and SSL_shutdown listed as found, not probed. A file with
 * symbols lists nothing (its finder is not this search).
 */
TT_TEST(static_functions_listed)
{
	static const char *const names[] = {
		"ssl_write_internal", "ssl_read_internal", "ssl3_ctrl", "SSL_write",
	};
	static const char *const how[] = {
		"probed: bytes written; loads \"ssl_write_internal\" (ERR __func__) into rdx",
		"probed: bytes read; loads \"ssl_read_internal\" (ERR __func__) into rdx",
		"probed: server name; loads \"ssl3_ctrl\" (ERR __func__) into rdx",
		"not probed; loads \"SSL_write\" (ERR __func__) into rdx and calls "
		"ssl_write_internal",
	};
	struct listed l = { 0 };
	uint64_t offs[4];
	int fd = open(static_bin("tlsclient"), O_RDONLY | O_CLOEXEC);

	TT_CHECK(fd >= 0);
	if (fd < 0)
		return;
	TT_CHECK_EQ_INT(tt_elf_find_syms(fd, names, 4, offs), 4);
	TT_CHECK_EQ_INT(tt_tlslib_static_funcs(fd, collect, &l), 0);
	close(fd);
	fd = open(static_bin("tlsclient-stripped"), O_RDONLY | O_CLOEXEC);
	TT_CHECK(fd >= 0);
	if (fd < 0)
		return;
	TT_CHECK_EQ_INT(tt_tlslib_static_funcs(fd, collect, &l), 6);
	close(fd);
	TT_CHECK_EQ_INT(l.n, 6);
	for (size_t i = 0; i < 4; i++) {
		char start[96];
		const char *text;

		snprintf(start, sizeof(start), "%s at file offset %#llx, ", names[i],
			 (unsigned long long)offs[i]);
		text = listed_line(&l, start);
		tt_case("%s", names[i]);
		TT_CHECK(text && strstr(text, how[i]));
		TT_CHECK(text && strstr(text, ".eh_frame bounds"));
		TT_NOTE("%s", text ? text : "(missing)");
	}
	tt_case("%s", "");
	TT_CHECK(listed_line(&l, "SSL_shutdown at file offset 0x") != NULL);
}
