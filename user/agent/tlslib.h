/* SPDX-License-Identifier: MIT */
/*
 * One description per TLS library: which files carry it, how its functions
 * are found in a file, and the probes they get (program, offset, attach
 * cookie: tt_abi.h's TT_COOKIE). Adding a library is one entry here and,
 * when its functions have a new shape, one role in the BPF programs.
 */
#ifndef TT_TLSLIB_H
#define TT_TLSLIB_H

#include <stddef.h>
#include <stdint.h>
#include "binary/gobin.h"
#include "util/counters.h"

/* The BPF program a probe runs. */
enum tt_probe_prog {
	TT_PROG_TLS_ENTRY = 0, /* entry of any C-ABI TLS function */
	TT_PROG_TLS_RETURN,    /* return of a data call (uretprobe) */
	TT_PROG_GO_ENTRY,      /* Go (*Conn).Write/Read/Close entry */
	TT_PROG_GO_RET,        /* a RET instruction of Go Write/Read */
	TT_PROG_LDSO,          /* ld.so's _dl_debug_state */
	TT_PROG_AEAD_ENTRY,    /* aws-lc AEAD seal/open entry (rustls) */
	TT_PROG_AEAD_RETURN,   /* aws-lc AEAD open return */
	TT_PROGS,
};

#define TT_PROBES_MAX (8 + 2 * TT_GOBIN_RETS_MAX)

/* The probes of one file. */
struct tt_probe_set {
	const char *lib;     /* the description's name: "openssl", "go", ... */
	int lib_id;          /* TT_LIB_*, 0 for ld.so */
	size_t n;
	uint64_t off[TT_PROBES_MAX];
	uint64_t cookie[TT_PROBES_MAX];
	uint8_t prog[TT_PROBES_MAX]; /* enum tt_probe_prog */
	int nfuncs;          /* functions found */
	char detail[192];    /* how they were found, for logs and doctor */
};

struct tt_tlslib {
	const char *name;
	/* Shared objects by file name ("libssl"); NULL: main executables. */
	const char *file_prefix;
	/* Fills out from the file. 1: this library's probes are in out;
	 * 0: not this library (or nothing worth probing); -errno. */
	int (*find)(int fd, const char *path, struct tt_probe_set *out);
};

/* The descriptions, NULL-terminated, in the order files are tried. */
extern const struct tt_tlslib *const tt_tlslibs[];

/* The description that claims a file: by its name for shared objects,
 * or, for a process's main executable (is_exe), each executable kind in
 * turn until one finds something. Returns 1 with out filled, 0 when the
 * file carries nothing to probe, or -errno. */
int tt_tlslib_find(int fd, const char *path, int is_exe,
		   struct tt_probe_set *out);

/* For an executable no description claims: the TLS libraries found in it
 * without symbols that get no probes (rustls only, a check failed), in
 * buf. 1 when there is such a line, 0 when not. */
int tt_tlslib_static_note(int fd, char *buf, size_t len);

/* Each function the search without symbols found in the executable on
 * fd, one text per function for doctor: its name, file offset, whether
 * and for what it is probed, and how it was found. Returns how many. */
int tt_tlslib_static_funcs(int fd, void (*emit)(void *ctx, const char *text),
			   void *ctx);

/* The search for TLS libraries without symbols (static-tls). */
#define TT_TLSLIB_COUNTERS(X)                                                 \
	X(static_searched, "executables searched for TLS libraries without "  \
	  "symbols (the file read)")                                          \
	X(static_cache_hits, "executables answered from the results of an "   \
	  "earlier search of the same build")                                 \
	X(static_found, "searched executables with a TLS library inside")     \
	X(static_rejected, "functions found but dropped by a structural check") \
	X(static_over_cap, "string hits, code references or results dropped " \
	  "at a cap of the search")                                           \
	X(static_evicted, "results by build evicted from the full table")     \
	X(static_cpu_us, "CPU time spent searching, in microseconds")

struct tt_tlslib_stats {
	TT_TLSLIB_COUNTERS(TT_COUNTER_FIELD)
};

/* The counters above, whole. */
void tt_tlslib_get_stats(struct tt_tlslib_stats *st);

/* 1 when a file by this name could carry a library (cheap: name only). */
int tt_tlslib_candidate(const char *path, int is_exe);

#endif
