/* SPDX-License-Identifier: MIT */
/*
 * What the TLS benchmark drivers share: fatal-error helpers, clocks, and an
 * in-memory P-256 certificate with server and client contexts (no files).
 * Header-only on purpose: each driver is one C file and one binary; the
 * including file defines `static const char bench_prog[]` (its name in
 * error messages) before including it.
 */
#ifndef TT_BENCH_TLS_H
#define TT_BENCH_TLS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static inline void die(const char *what)
{
	fprintf(stderr, "%s: %s failed\n", bench_prog, what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static inline void die_errno(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", bench_prog, what, strerror(errno));
	exit(1);
}

static inline void die_ssl(const char *who, const char *what, SSL *ssl, int ret)
{
	fprintf(stderr, "%s: %s %s failed: ret %d, SSL_get_error %d\n",
		bench_prog, who, what, ret, SSL_get_error(ssl, ret));
	ERR_print_errors_fp(stderr);
	exit(1);
}

static inline int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		die_errno("clock_gettime");
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Wall clock: what the round trip costs in latency. */
static inline int64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* CPU time of the whole process (all threads, user + kernel, so uprobe
 * handling is included): what the round trip costs in CPU, which does not
 * hide work that overlaps with the other thread's wake-up. */
static inline int64_t cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

static inline EVP_PKEY *make_key(void)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");

	if (!pkey)
		die("EVP_EC_gen(P-256)");
	return pkey;
}

static inline X509 *make_cert(EVP_PKEY *pkey)
{
	X509 *x = X509_new();
	X509_NAME *name;

	if (!x)
		die("X509_new");
	if (!X509_set_version(x, X509_VERSION_3))
		die("X509_set_version");
	if (!ASN1_INTEGER_set(X509_get_serialNumber(x), 1))
		die("ASN1_INTEGER_set");
	if (!X509_gmtime_adj(X509_getm_notBefore(x), -3600))
		die("X509_gmtime_adj(notBefore)");
	if (!X509_gmtime_adj(X509_getm_notAfter(x), 24L * 3600))
		die("X509_gmtime_adj(notAfter)");
	if (!X509_set_pubkey(x, pkey))
		die("X509_set_pubkey");
	name = X509_get_subject_name(x);
	if (!name)
		die("X509_get_subject_name");
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"tokentap-bench",
					-1, -1, 0))
		die("X509_NAME_add_entry_by_txt");
	if (!X509_set_issuer_name(x, name))
		die("X509_set_issuer_name");
	if (X509_sign(x, pkey, EVP_sha256()) <= 0)
		die("X509_sign");
	return x;
}

static inline SSL_CTX *make_server_ctx(EVP_PKEY *pkey, X509 *cert)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx)
		die("SSL_CTX_new(server)");
	if (SSL_CTX_use_certificate(ctx, cert) != 1)
		die("SSL_CTX_use_certificate");
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
		die("SSL_CTX_use_PrivateKey");
	if (SSL_CTX_check_private_key(ctx) != 1)
		die("SSL_CTX_check_private_key");
	return ctx;
}

static inline SSL_CTX *make_client_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		die("SSL_CTX_new(client)");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

#endif
