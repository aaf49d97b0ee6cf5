/* SPDX-License-Identifier: MIT */
/*
 * Attach manager: finds code that carries TLS functions (libssl and
 * libgnutls copies, executables with OpenSSL built in such as node) and
 * ld.so, in every
 * process and mount namespace, and attaches the capture probes once per
 * file (device + inode). A uprobe on a file covers every process that maps
 * it, now or later, so a file is attached once and never again.
 */
#ifndef TT_ATTACH_H
#define TT_ATTACH_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "util/counters.h"

#define TT_TARGETS_MAX 512   /* files attached */
#define TT_SEEN_MAX 8192     /* files checked and found to need nothing */
#define TT_LINKS_MAX 136 /* Go: 3 entries + up to 2 x 64 return probes */

struct tokentap_bpf;

enum tt_target_kind { TT_TGT_OPENSSL = 1, TT_TGT_LDSO, TT_TGT_GNUTLS,
		      TT_TGT_GO };

/* "openssl", "gnutls", "ld.so". */
const char *tt_target_kind_name(enum tt_target_kind kind);

struct tt_target {
	uint64_t dev, ino;
	enum tt_target_kind kind;
	char path[512];    /* as seen by the process that mapped it */
	char open_path[600]; /* how the agent reached it */
	int nsyms;         /* TLS functions found */
	int nlinks;
	int attach_err;    /* 0 or the first negative errno */
	char detail[160];  /* Go: version, how found, probes */
	struct bpf_link *links[TT_LINKS_MAX];
};

/* util/counters.h */
#define TT_ATTACH_COUNTERS(X)                                                  \
	X(scans, "scans of every process")                                     \
	X(pids_scanned, "processes whose mappings were read")                  \
	X(files_checked, "files read for TLS functions")                       \
	X(attached, "files attached")                                          \
	X(attach_failed, "files whose probes failed to attach")                \
	X(seen_full, "checked files not remembered: table at its cap")         \
	X(targets_full, "files not attached: the target table was full")

struct tt_attach_stats {
	TT_ATTACH_COUNTERS(TT_COUNTER_FIELD)
};

struct tt_attach;

/* skel NULL: discover only (doctor). */
struct tt_attach *tt_attach_new(struct tokentap_bpf *skel);
void tt_attach_free(struct tt_attach *am);

/* Every process in /proc. Returns the number of new targets. */
int tt_attach_scan_all(struct tt_attach *am);
/* One process (after exec, or when ld.so mapped new objects). */
int tt_attach_scan_pid(struct tt_attach *am, pid_t pid);
/* Libraries and binaries on disk that no process maps yet, so that the
 * first process to load them is covered from its first call. */
int tt_attach_scan_system(struct tt_attach *am);

/* One file, as if a process ran it: 1 when it is (or was already) a
 * target, 0 when it carries nothing to trace, or a negative errno. */
int tt_attach_check_file(struct tt_attach *am, const char *path);

size_t tt_attach_count(const struct tt_attach *am);
const struct tt_target *tt_attach_get(const struct tt_attach *am, size_t i);
void tt_attach_get_stats(const struct tt_attach *am, struct tt_attach_stats *out);

#endif
