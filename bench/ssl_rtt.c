// SPDX-License-Identifier: MIT
/*
 * ssl_rtt: micro-benchmark driver for bench/run_bench.py.
 *
 *   ssl_rtt rtt --sni NAME --iters N --size BYTES
 *       In-process TLS over a loopback TCP connection. The client sets SNI
 *       NAME (which is what lets tokentap classify the connection), then
 *       for each iteration: client SSL_write(size) -> server SSL_read(size)
 *       -> server SSL_write(size) -> client SSL_read(size). That is 2
 *       SSL_write and 2 SSL_read calls per round trip as long as SIZE fits
 *       in one TLS record (16 KiB); larger sizes take several SSL_read
 *       calls. 1000 warm-up iterations are not timed.
 *       Prints {"mode":"rtt","sni":..,"size":..,"iters":N,"ns_per_rtt":X,
 *       "cpu_ns_per_rtt":Y}: X is wall-clock time per round trip, Y the CPU
 *       time of the process (both threads, user + kernel) per round trip.
 *
 *   ssl_rtt floor --iters N
 *       Calls tt_bench_noop() N times. With `tokentap probe-floor` attached
 *       to that symbol this measures the cost of an empty uprobe.
 *       Prints {"mode":"floor","iters":N,"ns_per_call":X,
 *       "cpu_ns_per_call":Y}.
 *
 * The certificate and key are generated in memory at start; no files.
 */
#define _GNU_SOURCE /* accept4; the bench rule passes no CPPFLAGS */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define WARMUP_ITERS 1000L

static const char bench_prog[] = "ssl_rtt";
#include "bench_tls.h"

/* ---------------------------------------------------------------- floor */

/* Probed by `tokentap probe-floor BINARY tt_bench_noop`: must stay a real,
 * out-of-line, named function. */
__attribute__((noinline, used)) int tt_bench_noop(int x)
{
	asm volatile("" : "+r"(x) : : "memory");
	return x + 1;
}

static int mode_floor(long iters)
{
	volatile int sink = 0;
	int acc = 0;
	int64_t t0, t1, c0, c1;
	long i;

	for (i = 0; i < iters / 10 + 1; i++) /* warm up (not timed) */
		acc += tt_bench_noop((int)i);
	c0 = cpu_ns();
	t0 = now_ns();
	for (i = 0; i < iters; i++)
		acc += tt_bench_noop((int)i);
	t1 = now_ns();
	c1 = cpu_ns();
	sink = acc;
	(void)sink;
	printf("{\"mode\":\"floor\",\"iters\":%ld,\"ns_per_call\":%.3f,"
	       "\"cpu_ns_per_call\":%.3f}\n",
	       iters, (double)(t1 - t0) / (double)iters,
	       (double)(c1 - c0) / (double)iters);
	return 0;
}

/* ------------------------------------------------------------ TLS setup */

static void set_nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die_errno("setsockopt(TCP_NODELAY)");
}

/* Loopback pair: listen on 127.0.0.1 port 0, connect, accept. */
static void tcp_pair(int *client_fd, int *server_fd)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	int lfd, cfd, sfd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die_errno("socket(listen)");
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)))
		die_errno("bind(127.0.0.1:0)");
	if (listen(lfd, 1))
		die_errno("listen");
	if (getsockname(lfd, (struct sockaddr *)&addr, &len))
		die_errno("getsockname");
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0)
		die_errno("socket(client)");
	if (connect(cfd, (struct sockaddr *)&addr, sizeof(addr)))
		die_errno("connect");
	sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (sfd < 0)
		die_errno("accept");
	close(lfd);
	set_nodelay(cfd);
	set_nodelay(sfd);
	*client_fd = cfd;
	*server_fd = sfd;
}

/* ------------------------------------------------------------ transfers */

static void write_all(const char *who, SSL *ssl, const unsigned char *buf,
		      int size)
{
	/* SSL_write without partial writes returns all or an error. */
	int ret = SSL_write(ssl, buf, size);

	if (ret != size)
		die_ssl(who, "SSL_write", ssl, ret);
}

static void read_all(const char *who, SSL *ssl, unsigned char *buf, int size)
{
	int got = 0;

	while (got < size) {
		int ret = SSL_read(ssl, buf + got, size - got);

		if (ret <= 0)
			die_ssl(who, "SSL_read", ssl, ret);
		got += ret;
	}
}

struct server_arg {
	SSL *ssl;
	long rounds;
	int size;
};

static void *server_main(void *p)
{
	struct server_arg *a = p;
	unsigned char *buf = malloc((size_t)a->size);
	long i;
	int ret;

	if (!buf) {
		fprintf(stderr, "ssl_rtt: server: out of memory\n");
		exit(1);
	}
	ret = SSL_accept(a->ssl);
	if (ret != 1)
		die_ssl("server", "SSL_accept", a->ssl, ret);
	for (i = 0; i < a->rounds; i++) {
		read_all("server", a->ssl, buf, a->size);
		write_all("server", a->ssl, buf, a->size);
	}
	free(buf);
	return NULL;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int mode_rtt(const char *sni, long iters, int size)
{
	struct server_arg sa;
	pthread_t th;
	EVP_PKEY *pkey;
	X509 *cert;
	SSL_CTX *sctx, *cctx;
	SSL *cssl, *sssl;
	unsigned char *out, *in;
	int cfd, sfd, ret, err;
	int64_t t0, t1, c0, c1;
	long i;

	out = malloc((size_t)size);
	in = malloc((size_t)size);
	if (!out || !in) {
		fprintf(stderr, "ssl_rtt: out of memory\n");
		return 1;
	}
	for (i = 0; i < size; i++)
		out[i] = (unsigned char)('a' + i % 26);

	pkey = make_key();
	cert = make_cert(pkey);
	sctx = make_server_ctx(pkey, cert);
	cctx = make_client_ctx();
	tcp_pair(&cfd, &sfd);

	sssl = SSL_new(sctx);
	if (!sssl)
		die("SSL_new(server)");
	if (SSL_set_fd(sssl, sfd) != 1)
		die("SSL_set_fd(server)");
	cssl = SSL_new(cctx);
	if (!cssl)
		die("SSL_new(client)");
	if (SSL_set_fd(cssl, cfd) != 1)
		die("SSL_set_fd(client)");
	/* SSL_ctrl(SSL_CTRL_SET_TLSEXT_HOSTNAME): what tokentap classifies. */
	if (SSL_set_tlsext_host_name(cssl, sni) != 1)
		die("SSL_set_tlsext_host_name");

	sa.ssl = sssl;
	sa.rounds = WARMUP_ITERS + iters;
	sa.size = size;
	err = pthread_create(&th, NULL, server_main, &sa);
	if (err) {
		errno = err;
		die_errno("pthread_create");
	}
	ret = SSL_connect(cssl);
	if (ret != 1)
		die_ssl("client", "SSL_connect", cssl, ret);

	for (i = 0; i < WARMUP_ITERS; i++) {
		write_all("client", cssl, out, size);
		read_all("client", cssl, in, size);
	}
	c0 = cpu_ns();
	t0 = now_ns();
	for (i = 0; i < iters; i++) {
		write_all("client", cssl, out, size);
		read_all("client", cssl, in, size);
	}
	t1 = now_ns();
	c1 = cpu_ns();

	err = pthread_join(th, NULL);
	if (err) {
		errno = err;
		die_errno("pthread_join");
	}
	if (memcmp(in, out, (size_t)size)) {
		fprintf(stderr, "ssl_rtt: echoed data differs\n");
		return 1;
	}

	printf("{\"mode\":\"rtt\",\"sni\":");
	json_string(sni);
	printf(",\"size\":%d,\"iters\":%ld,\"ns_per_rtt\":%.1f,"
	       "\"cpu_ns_per_rtt\":%.1f}\n", size, iters,
	       (double)(t1 - t0) / (double)iters,
	       (double)(c1 - c0) / (double)iters);

	SSL_free(cssl);
	SSL_free(sssl);
	close(cfd);
	close(sfd);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	X509_free(cert);
	EVP_PKEY_free(pkey);
	free(out);
	free(in);
	return 0;
}

/* ----------------------------------------------------------------- main */

static void usage(void)
{
	fprintf(stderr,
		"usage: ssl_rtt rtt --sni NAME --iters N --size BYTES\n"
		"       ssl_rtt floor --iters N\n");
	exit(2);
}

static long parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "ssl_rtt: %s: bad value '%s' (%ld..%ld)\n", opt,
			s, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *sni = NULL;
	long iters = -1, size = -1;
	int i;

	if (argc < 2)
		usage();
	for (i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--sni"))
			sni = argv[++i];
		else if (!strcmp(argv[i], "--iters"))
			iters = parse_long("--iters", argv[++i], 1, 1000000000L);
		else if (!strcmp(argv[i], "--size"))
			size = parse_long("--size", argv[++i], 1, 16 * 1024 * 1024);
		else
			usage();
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "floor")) {
		if (iters < 0 || sni || size >= 0)
			usage();
		return mode_floor(iters);
	}
	if (!strcmp(argv[1], "rtt")) {
		if (iters < 0 || !sni || size < 0 || !*sni)
			usage();
		return mode_rtt(sni, iters, (int)size);
	}
	usage();
	return 2;
}
