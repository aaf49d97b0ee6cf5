// SPDX-License-Identifier: MIT
/*
 * gnutls_rtt: bench/ssl_rtt.c's measurement through GnuTLS, for
 * bench/run_bench.py.
 *
 *   gnutls_rtt rtt --sni NAME --iters N --size BYTES
 *       A client and a server thread in one process talk TLS over a
 *       loopback TCP connection. The client sets the server name NAME with
 *       gnutls_server_name_set() (what lets tokentap filter or capture the
 *       connection in the kernel), then for each iteration:
 *       gnutls_record_send(size) -> server gnutls_record_recv(size) ->
 *       server gnutls_record_send(size) -> client gnutls_record_recv(size):
 *       4 probed calls per round trip while SIZE fits in one TLS record.
 *       The bytes are ssl_rtt's; 1000 warm-up iterations are not timed.
 *       Prints {"mode":"rtt","sni":..,"size":..,"iters":N,"ns_per_rtt":X,
 *       "cpu_ns_per_rtt":Y} as ssl_rtt does.
 *
 *   gnutls_rtt floor --iters N
 *       Calls tt_bench_noop() N times (the floor, as in ssl_rtt).
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
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define WARMUP_ITERS 1000L

static void die_errno(const char *what)
{
	fprintf(stderr, "gnutls_rtt: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* GnuTLS calls return 0 or more on success, a negative code on error. */
static int check(const char *what, int ret)
{
	if (ret < 0) {
		fprintf(stderr, "gnutls_rtt: %s failed: %s\n", what,
			gnutls_strerror(ret));
		exit(1);
	}
	return ret;
}

static int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		die_errno("clock_gettime");
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Both threads, user + kernel: the probes' cost included (see ssl_rtt). */
static int64_t cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/* ---------------------------------------------------------------- floor */

/* Probed by `tokentap probe-floor BINARY tt_bench_noop`. */
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

/* A self-signed P-256 certificate, as ssl_rtt makes. */
static gnutls_certificate_credentials_t make_server_cred(void)
{
	static const char cn[] = "tokentap-bench";
	gnutls_certificate_credentials_t cred;
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	unsigned char serial = 1;
	time_t now = time(NULL);

	check("gnutls_x509_privkey_init", gnutls_x509_privkey_init(&key));
	check("gnutls_x509_privkey_generate",
	      gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
		      GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0));
	check("gnutls_x509_crt_init", gnutls_x509_crt_init(&crt));
	check("gnutls_x509_crt_set_version", gnutls_x509_crt_set_version(crt, 3));
	check("gnutls_x509_crt_set_serial",
	      gnutls_x509_crt_set_serial(crt, &serial, sizeof(serial)));
	check("gnutls_x509_crt_set_activation_time",
	      gnutls_x509_crt_set_activation_time(crt, now - 3600));
	check("gnutls_x509_crt_set_expiration_time",
	      gnutls_x509_crt_set_expiration_time(crt, now + 24 * 3600));
	check("gnutls_x509_crt_set_dn_by_oid",
	      gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
					    0, cn, sizeof(cn) - 1));
	check("gnutls_x509_crt_set_key", gnutls_x509_crt_set_key(crt, key));
	check("gnutls_x509_crt_sign2",
	      gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0));
	check("gnutls_certificate_allocate_credentials",
	      gnutls_certificate_allocate_credentials(&cred));
	check("gnutls_certificate_set_x509_key",
	      gnutls_certificate_set_x509_key(cred, &crt, 1, key));
	gnutls_x509_crt_deinit(crt); /* the credentials hold copies */
	gnutls_x509_privkey_deinit(key);
	return cred;
}

/* Client or server session on fd; the client verifies nothing. */
static gnutls_session_t make_session(unsigned flags, int fd,
				     gnutls_certificate_credentials_t cred)
{
	gnutls_session_t s;

	check("gnutls_init", gnutls_init(&s, flags));
	check("gnutls_set_default_priority", gnutls_set_default_priority(s));
	check("gnutls_credentials_set",
	      gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred));
	gnutls_transport_set_int(s, fd);
	return s;
}

static void handshake(const char *who, gnutls_session_t s)
{
	int ret;

	do
		ret = gnutls_handshake(s);
	while (ret < 0 && !gnutls_error_is_fatal(ret));
	if (ret < 0) {
		fprintf(stderr, "gnutls_rtt: %s handshake failed: %s\n", who,
			gnutls_strerror(ret));
		exit(1);
	}
}

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

static void write_all(const char *who, gnutls_session_t s,
		      const unsigned char *buf, size_t size)
{
	ssize_t ret;

	do
		ret = gnutls_record_send(s, buf, size);
	while (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED);
	if (ret != (ssize_t)size) {
		fprintf(stderr, "gnutls_rtt: %s gnutls_record_send: %zd of %zu: "
			"%s\n", who, ret, size,
			ret < 0 ? gnutls_strerror((int)ret) : "short");
		exit(1);
	}
}

static void read_all(const char *who, gnutls_session_t s, unsigned char *buf,
		     size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t ret = gnutls_record_recv(s, buf + got, size - got);

		if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
			continue;
		if (ret <= 0) {
			fprintf(stderr, "gnutls_rtt: %s gnutls_record_recv: %s\n",
				who, ret ? gnutls_strerror((int)ret) : "EOF");
			exit(1);
		}
		got += (size_t)ret;
	}
}

struct server_arg {
	gnutls_session_t s;
	long rounds;
	size_t size;
};

static void *server_main(void *p)
{
	struct server_arg *a = p;
	unsigned char *buf = malloc(a->size);
	long i;

	if (!buf) {
		fprintf(stderr, "gnutls_rtt: server: out of memory\n");
		exit(1);
	}
	handshake("server", a->s);
	for (i = 0; i < a->rounds; i++) {
		read_all("server", a->s, buf, a->size);
		write_all("server", a->s, buf, a->size);
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

static int mode_rtt(const char *sni, long iters, size_t size)
{
	gnutls_certificate_credentials_t scred, ccred;
	gnutls_session_t cs, ss;
	struct server_arg sa;
	pthread_t th;
	unsigned char *out, *in;
	int cfd, sfd, err;
	int64_t t0, t1, c0, c1;
	long i;

	out = malloc(size);
	in = malloc(size);
	if (!out || !in) {
		fprintf(stderr, "gnutls_rtt: out of memory\n");
		return 1;
	}
	for (i = 0; i < (long)size; i++)
		out[i] = (unsigned char)('a' + i % 26);

	check("gnutls_global_init", gnutls_global_init());
	scred = make_server_cred();
	check("gnutls_certificate_allocate_credentials",
	      gnutls_certificate_allocate_credentials(&ccred));
	tcp_pair(&cfd, &sfd);
	ss = make_session(GNUTLS_SERVER, sfd, scred);
	cs = make_session(GNUTLS_CLIENT, cfd, ccred);
	/* What tokentap classifies (its gnutls_server_name_set probe). */
	check("gnutls_server_name_set",
	      gnutls_server_name_set(cs, GNUTLS_NAME_DNS, sni, strlen(sni)));

	sa.s = ss;
	sa.rounds = WARMUP_ITERS + iters;
	sa.size = size;
	err = pthread_create(&th, NULL, server_main, &sa);
	if (err) {
		errno = err;
		die_errno("pthread_create");
	}
	handshake("client", cs);

	for (i = 0; i < WARMUP_ITERS; i++) {
		write_all("client", cs, out, size);
		read_all("client", cs, in, size);
	}
	c0 = cpu_ns();
	t0 = now_ns();
	for (i = 0; i < iters; i++) {
		write_all("client", cs, out, size);
		read_all("client", cs, in, size);
	}
	t1 = now_ns();
	c1 = cpu_ns();

	err = pthread_join(th, NULL);
	if (err) {
		errno = err;
		die_errno("pthread_join");
	}
	if (memcmp(in, out, size)) {
		fprintf(stderr, "gnutls_rtt: echoed data differs\n");
		return 1;
	}

	printf("{\"mode\":\"rtt\",\"sni\":");
	json_string(sni);
	printf(",\"size\":%zu,\"iters\":%ld,\"ns_per_rtt\":%.1f,"
	       "\"cpu_ns_per_rtt\":%.1f}\n", size, iters,
	       (double)(t1 - t0) / (double)iters,
	       (double)(c1 - c0) / (double)iters);

	gnutls_deinit(cs);
	gnutls_deinit(ss);
	close(cfd);
	close(sfd);
	gnutls_certificate_free_credentials(ccred);
	gnutls_certificate_free_credentials(scred);
	gnutls_global_deinit();
	free(out);
	free(in);
	return 0;
}

/* ----------------------------------------------------------------- main */

static void usage(void)
{
	fprintf(stderr,
		"usage: gnutls_rtt rtt --sni NAME --iters N --size BYTES\n"
		"       gnutls_rtt floor --iters N\n");
	exit(2);
}

static long parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "gnutls_rtt: %s: bad value '%s' (%ld..%ld)\n",
			opt, s, min, max);
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
		return mode_rtt(sni, iters, (size_t)size);
	}
	usage();
	return 2;
}
