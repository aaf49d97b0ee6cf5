/* SPDX-License-Identifier: MIT */
/*
 * TLS plaintext functions in stripped, statically linked executables,
 * found by anchors that survive library upgrades (docs/sslfind.md):
 *
 *  - OpenSSL 3.x (Codex's 3.6, Debian's 3.0 linked statically, node's
 *    copy): ERR_raise() passes __func__ to ERR_set_debug in rdx, so a
 *    function that can raise an error loads its own name into rdx. Bounds
 *    from .eh_frame. Found: ssl_write_internal, ssl_read_internal (also
 *    where they are inlined), SSL_write, SSL_read, ssl3_ctrl,
 *    SSL_shutdown.
 *  - BoringSSL (Bun, so Claude Code): OPENSSL_PUT_ERROR passes the file
 *    name ssl/ssl_lib.cc and a reason code that is public API; each
 *    function is known by the set of reasons it raises. Bounds from the
 *    frame-pointer prologue (no unwind tables). Found: SSL_write,
 *    SSL_read, SSL_set_tlsext_host_name, SSL_do_handshake, SSL_shutdown.
 *  - rustls 0.23 (Codex): panic Location records name rustls's source
 *    files. Found: CommonState::send_appdata_encrypt and
 *    ChunkVecBuffer::consume_first_chunk. Their Rust ABI has no BPF role;
 *    the connection object, the server name and the close are not
 *    reachable at all (docs/coverage.md).
 *  - aws-lc's AEAD under rustls (aws-lc-rs, Codex): OPENSSL_PUT_ERROR
 *    sites of crypto/fipsmodule/cipher/aead.c, ERR_LIB_CIPHER reasons
 *    per function, checked by shape (stack-argument reads, a call through
 *    the evp_aead_st vtable). Bounds from .eh_frame. Found:
 *    EVP_AEAD_CTX_seal, EVP_AEAD_CTX_seal_scatter, EVP_AEAD_CTX_open.
 *
 * A candidate that fails a structural check is dropped (counted in
 * rejected), never reported: a wrong offset would corrupt a process.
 */
#ifndef TT_SSLFIND_H
#define TT_SSLFIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "binary/elfview.h"

#define TT_SSLFIND_FUNCS_MAX 24
#define TT_SSLFIND_CACHE_MAX 64

enum tt_sslfind_lib {
	TT_SSLFIND_OPENSSL = 1,
	TT_SSLFIND_BORINGSSL,
	TT_SSLFIND_RUSTLS,
	TT_SSLFIND_AWSLC, /* aws-lc's AEAD, under rustls (aws-lc-rs) */
};

/* What a found function is, by its signature. */
enum tt_sslfind_kind {
	TT_SSLFIND_WRITE = 1,    /* int f(ssl, const void *buf, int num): bytes */
	TT_SSLFIND_READ,         /* int f(ssl, void *buf, int num): bytes */
	TT_SSLFIND_WRITE_EX,     /* int f(ssl, buf, size_t num, ..., size_t *done) */
	TT_SSLFIND_READ_EX,      /*   returns 1 and the count in *done */
	TT_SSLFIND_CTRL,         /* long ssl3_ctrl(ssl, int cmd, long larg, void *parg) */
	TT_SSLFIND_SET_HOST,     /* int SSL_set_tlsext_host_name(ssl, const char *) */
	TT_SSLFIND_HANDSHAKE,    /* int SSL_do_handshake(ssl) */
	TT_SSLFIND_SHUTDOWN,     /* int SSL_shutdown(ssl) */
	TT_SSLFIND_RUST_SEND,    /* rustls: every application-data write */
	TT_SSLFIND_RUST_CONSUME, /* rustls: plaintext handed to the reader */
	/* aws-lc (BoringSSL's C ABI): one TLS record each */
	TT_SSLFIND_AEAD_SEAL,         /* EVP_AEAD_CTX_seal: TLS 1.3 records */
	TT_SSLFIND_AEAD_SEAL_SCATTER, /* EVP_AEAD_CTX_seal_scatter: TLS 1.2 */
	TT_SSLFIND_AEAD_OPEN,         /* EVP_AEAD_CTX_open: both versions */
};

#define TT_SSLFIND_F_FDE 0x01     /* bounds from .eh_frame, else prologue */
#define TT_SSLFIND_F_WRAPPER 0x02 /* calls a found worker: its bytes pass there */
#define TT_SSLFIND_F_INLINED 0x04 /* holds an inlined copy of the worker */

struct tt_sslfind_func {
	uint64_t va, off;  /* entry: address, and file offset (uprobe) */
	const char *name;  /* static: "ssl_write_internal", "SSL_write", ... */
	uint8_t lib;       /* enum tt_sslfind_lib */
	uint8_t kind;      /* enum tt_sslfind_kind */
	uint8_t count_arg; /* _EX kinds: 0-based index of the size_t * */
	uint8_t flags;     /* TT_SSLFIND_F_* */
};

struct tt_sslfind_stats {
	uint64_t bytes_read;     /* from the file, all passes */
	uint64_t bytes_scanned;  /* positions examined by the linear scans */
	uint64_t refs;           /* anchor loads found in the code */
	uint64_t funcs_swept;    /* functions disassembled */
	uint64_t fdes;           /* FDE records read */
	uint64_t dropped;        /* hits or refs over a cap */
	uint64_t eh_errors;      /* .eh_frame records unreadable */
};

struct tt_sslfind_result {
	size_t n;
	struct tt_sslfind_func fn[TT_SSLFIND_FUNCS_MAX];
	unsigned libs;            /* 1 << lib: recognised, found or not */
	unsigned rejected;        /* candidates dropped by a check */
	char openssl_version[16]; /* "3.6.4"; "" when not in the file */
	char rustls_version[16];  /* "0.23.46" */
	struct tt_sslfind_stats stats;
};

/* Sizes for tests and the fuzz target; zeros are the defaults. Results
 * never depend on them. */
struct tt_sslfind_opts {
	size_t chunk;     /* bytes per read of the linear scans */
	size_t eh_window; /* bytes per read of .eh_frame */
};

/*
 * Analyses the executable open on fd, or the image mem[0, size). res is
 * always filled (n 0: nothing found). Returns 0; -ENOEXEC not an x86-64
 * ELF; -EINVAL corrupt headers; -E2BIG a header cap; -ENOMEM; -ENOTSUP no
 * x86-64 disassembler; -errno reading.
 */
int tt_sslfind_fd(int fd, const struct tt_sslfind_opts *opts,
		  struct tt_sslfind_result *res);
int tt_sslfind_mem(const void *mem, size_t size,
		   const struct tt_sslfind_opts *opts,
		   struct tt_sslfind_result *res);
int tt_sslfind_view(struct tt_elfview *ev, const struct tt_sslfind_opts *opts,
		    struct tt_sslfind_result *res);

/* One line on how lib's functions were found ("OpenSSL 3.6.4 stripped,
 * found via ERR __func__ names in rdx, .eh_frame bounds"), "" when lib is
 * not in res. Returns the length snprintf would have written. */
int tt_sslfind_describe(const struct tt_sslfind_result *res, unsigned lib,
			char *buf, size_t len);

/* How one found function was found, for doctor ("loads
 * \"ssl_write_internal\" (ERR __func__) into rdx; ... .eh_frame bounds").
 * Returns the length snprintf would have written. */
int tt_sslfind_func_how(const struct tt_sslfind_func *f, char *buf, size_t len);

/* ---- results by build ---- */

/* The GNU build id when the file has one, else device, inode, size and
 * modification time: a new build or an upgrade gets a new key. */
struct tt_sslfind_key {
	uint8_t len;
	uint8_t by_build_id;
	uint8_t id[TT_ELFVIEW_BUILD_ID_MAX];
};

/* Key of the file open on fd, whose headers ev holds. 0 or -errno. */
int tt_sslfind_key(int fd, const struct tt_elfview *ev,
		   struct tt_sslfind_key *key);

struct tt_sslfind_cache {
	size_t n, next;
	uint64_t hits, misses, evictions;
	struct {
		struct tt_sslfind_key key;
		struct tt_sslfind_result res;
	} e[TT_SSLFIND_CACHE_MAX];
};

/* The result stored for key, or NULL (counted as a hit or a miss). */
const struct tt_sslfind_result *
tt_sslfind_cache_get(struct tt_sslfind_cache *c, const struct tt_sslfind_key *key);

/* Stores a copy; when full, the oldest entry goes (counted). */
void tt_sslfind_cache_put(struct tt_sslfind_cache *c,
			  const struct tt_sslfind_key *key,
			  const struct tt_sslfind_result *res);

#endif
