/* SPDX-License-Identifier: MIT */
/*
 * Programs with TLS libraries inside and no symbols, for the tests that
 * read them (sslfind_test, tlslib_test).
 *
 * The static OpenSSL client make builds: build/sslstatic, or
 * $TT_SSLSTATIC_DIR; missing ones fail the tests (make unit builds them).
 *
 * The coding agents' executables: Claude Code
 * (Bun, BoringSSL inside) and Codex (Rust: rustls, and OpenSSL 3.6 through
 * native-tls). They are npm packages, not Debian ones: the e2e set-up
 * installs pinned versions under tests/e2e/agents/node_modules;
 * $TT_AGENTS_DIR (directories separated by ':') names other trees, such as
 * a developer's installs of two versions. A test without them says SKIP.
 *
 * The executables are found by where npm puts them, at any depth (npm
 * aliases nest packages): .../claude-code-linux-x64/claude and
 * .../codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex.
 */
#ifndef TT_TLS_BINS_H
#define TT_TLS_BINS_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* build/sslstatic/name (four names can be in use at once). */
static const char *static_bin(const char *name)
{
	static char path[4][512];
	static int next;
	const char *dir = getenv("TT_SSLSTATIC_DIR");
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir && *dir ? dir : "build/sslstatic",
		 name);
	return p;
}

#define AGENT_BINS_MAX 8
#define AGENTS_DEFAULT "tests/e2e/agents/node_modules"

enum agent_kind { AGENT_CLAUDE, AGENT_CODEX, AGENT_KINDS };

static const char *const agent_suffix[AGENT_KINDS] = {
	"/claude-code-linux-x64/claude",
	"/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex",
};

struct agent_bins {
	char path[AGENT_KINDS][AGENT_BINS_MAX][1024];
	size_t n[AGENT_KINDS];
};

static struct agent_bins *agent_bins_walking;

static int agent_bins_visit(const char *path, const struct stat *st, int type,
			    struct FTW *ftw)
{
	size_t len = strlen(path);

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	for (int k = 0; k < AGENT_KINDS; k++) {
		struct agent_bins *b = agent_bins_walking;
		size_t sl = strlen(agent_suffix[k]);

		if (len < sl || strcmp(path + len - sl, agent_suffix[k]) ||
		    b->n[k] == AGENT_BINS_MAX)
			continue;
		/* One file per inode: npm hard-links claude.exe to it. */
		for (size_t i = 0; i < b->n[k]; i++) {
			struct stat other;

			if (!stat(b->path[k][i], &other) && other.st_ino == st->st_ino &&
			    other.st_dev == st->st_dev)
				return 0;
		}
		snprintf(b->path[k][b->n[k]++], sizeof(b->path[k][0]), "%s", path);
	}
	return 0;
}

/* Every agent executable under the configured trees; free() it. */
static struct agent_bins *agent_bins_find(void)
{
	const char *env = getenv("TT_AGENTS_DIR");
	struct agent_bins *b = calloc(1, sizeof(*b));
	char dirs[4096], *save = NULL;

	if (!b)
		abort(); /* a test binary out of memory */
	snprintf(dirs, sizeof(dirs), "%s", env && *env ? env : AGENTS_DEFAULT);
	agent_bins_walking = b;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save))
		nftw(d, agent_bins_visit, 16, FTW_PHYS);
	agent_bins_walking = NULL;
	return b;
}

#endif
