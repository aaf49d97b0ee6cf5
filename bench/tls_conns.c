// SPDX-License-Identifier: MIT
/*
 * tls_conns: many TLS connections to a local HTTP/1.1 server, for the
 * benchmarks of what the agent costs per connection.
 *
 *   tls_conns idle --sni NAME --conns N [--idle SECONDS] [--again]
 *   tls_conns churn --sni NAME --rate PER_S --seconds S
 *
 * Both fork a server first (before any connection, so the agent never
 * arms it) that answers every request with an OpenAI chat completion
 * carrying usage (11 prompt, 7 completion tokens).
 *
 * idle (bench/idle_conns.py: the agent's memory): opens N connections with
 * server name NAME one after the other, one call on each, keeps them all
 * open and prints {"mode":"idle","conns":N,"calls":N,"open_s":X}; sleeps
 * SECONDS (default 10); with --again makes one more call on every
 * connection (they are still tracked) and prints
 * {"mode":"again","calls":N,"s":X}.
 *
 * churn (bench/observer_cost.py: the observer's cost): a new connection,
 * one call, close, PER_S times a second for S seconds, and prints
 * {"mode":"churn","conns":N,"cpu_ns_per_conn":X} (this process's CPU,
 * server excluded).
 *
 * Exits 0 when every call got a 200 and a whole body.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char bench_prog[] = "tls_conns";
#include "bench_tls.h"

#define CONNS_MAX 60000
#define REQ_MAX 4096

static const char REQ_BODY[] =
	"{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
	"\"content\":\"idle connection bench\"}]}";

/* ------------------------------------------------------------- server */

struct sconn {
	SSL *ssl;
	int accepted;      /* handshake done */
	size_t len;        /* request bytes buffered */
	unsigned calls;
	char buf[REQ_MAX];
};

/* Bytes of a whole request at the start of buf, 0 when not whole yet. */
static size_t request_len(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	const char *cl;
	size_t head;

	if (!end)
		return 0;
	head = (size_t)(end - buf) + 4;
	cl = memmem(buf, head, "Content-Length: ", 16);
	if (!cl)
		return head;
	head += strtoul(cl + 16, NULL, 10);
	return head <= len ? head : 0;
}

static int answer(struct sconn *c, int id)
{
	char body[512], resp[1024];
	int bn, rn;

	bn = snprintf(body, sizeof(body),
		      "{\"id\":\"chatcmpl-idle-%d-%u\",\"object\":\"chat.completion\","
		      "\"created\":1733600000,\"model\":\"gpt-4o-mini-2024-07-18\","
		      "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
		      "\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
		      "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,"
		      "\"total_tokens\":18}}", id, c->calls);
	rn = snprintf(resp, sizeof(resp),
		      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		      "x-request-id: req_idle_%d_%u\r\n"
		      "openai-processing-ms: 1\r\nContent-Length: %d\r\n\r\n%s",
		      id, c->calls, bn, body);
	c->calls++;
	/* A 0.5 KiB answer fits the socket buffer: a non-blocking write
	 * does not come back short here, and if it did the call fails. */
	return SSL_write(c->ssl, resp, rn) == rn ? 0 : -1;
}

/* Handles a readable connection; -1 closes it. */
static int server_input(struct sconn *c, int id)
{
	for (;;) {
		int r, err;
		size_t n;

		if (!c->accepted) {
			r = SSL_accept(c->ssl);
			if (r == 1) {
				c->accepted = 1;
				continue;
			}
		} else {
			if (c->len == sizeof(c->buf))
				return -1;
			r = SSL_read(c->ssl, c->buf + c->len, (int)(sizeof(c->buf) - c->len));
			if (r > 0) {
				c->len += (size_t)r;
				while ((n = request_len(c->buf, c->len)) > 0) {
					if (answer(c, id))
						return -1;
					memmove(c->buf, c->buf + n, c->len - n);
					c->len -= n;
				}
				continue;
			}
		}
		err = SSL_get_error(c->ssl, r);
		return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE ? 0 : -1;
	}
}

static void server_close(struct sconn **tab, int fd)
{
	SSL_free(tab[fd]->ssl);
	free(tab[fd]);
	tab[fd] = NULL;
	close(fd);
}

/* Runs until quit_fd reads EOF (the client exited). */
static void server_main(int lfd, int quit_fd, SSL_CTX *ctx, int max_fd)
{
	struct sconn **tab = calloc((size_t)max_fd, sizeof(*tab));
	struct epoll_event ev, evs[256];
	int ep = epoll_create1(EPOLL_CLOEXEC), one = 1;

	if (!tab || ep < 0)
		die_errno("server setup");
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		die_errno("epoll_ctl(listen)");
	ev.data.fd = quit_fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, quit_fd, &ev))
		die_errno("epoll_ctl(quit)");
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == quit_fd)
				_exit(0);
			if (fd == lfd) {
				int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

				if (cfd < 0)
					continue;
				if (cfd >= max_fd || !(tab[cfd] = calloc(1, sizeof(**tab))) ||
				    !(tab[cfd]->ssl = SSL_new(ctx)) ||
				    SSL_set_fd(tab[cfd]->ssl, cfd) != 1)
					die("server accept");
				/* Without it Nagle holds the session tickets
				 * behind the client's delayed ACK: 40 ms each. */
				setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				ev.events = EPOLLIN;
				ev.data.fd = cfd;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev))
					die_errno("epoll_ctl(conn)");
				fd = cfd; /* the ClientHello may be there already */
			}
			if (tab[fd] && server_input(tab[fd], fd))
				server_close(tab, fd);
		}
	}
}

/* ------------------------------------------------------------- client */

static int client_call(SSL *ssl, const char *sni)
{
	char req[1024], resp[REQ_MAX];
	size_t got = 0, need = 0;
	int n;

	n = snprintf(req, sizeof(req),
		     "POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\n"
		     "Authorization: Bearer sk-idle-bench-not-a-key\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		     sni, sizeof(REQ_BODY) - 1, REQ_BODY);
	if (SSL_write(ssl, req, n) != n)
		return -1;
	while (!need || got < need) {
		int r = SSL_read(ssl, resp + got, (int)(sizeof(resp) - got));

		if (r <= 0)
			return -1;
		got += (size_t)r;
		if (!need)
			need = request_len(resp, got);
		if (!need && got == sizeof(resp))
			return -1;
	}
	return strncmp(resp, "HTTP/1.1 200 ", 13) ? -1 : 0;
}

static SSL *client_open(SSL_CTX *ctx, const struct sockaddr_in *addr,
			const char *sni)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	SSL *ssl;

	if (fd < 0)
		die_errno("socket");
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)))
		die_errno("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ssl = SSL_new(ctx);
	if (!ssl || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_set_tlsext_host_name(ssl, sni) != 1)
		die("client SSL_new");
	if (SSL_connect(ssl) != 1)
		die("SSL_connect");
	return ssl;
}

static double since_s(int64_t t0)
{
	return (double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
}

struct bench {
	struct sockaddr_in addr;
	SSL_CTX *sctx, *cctx;
	EVP_PKEY *pkey;
	X509 *cert;
	int quit;       /* write end: closing it stops the server */
	pid_t srv;
};

/* Raises the fd limit to fds, starts the server child. */
static void bench_start(struct bench *b, long fds)
{
	socklen_t alen = sizeof(b->addr);
	struct rlimit rl;
	int lfd, quit[2];

	b->pkey = make_key();
	b->cert = make_cert(b->pkey);
	b->sctx = make_server_ctx(b->pkey, b->cert);
	b->cctx = make_client_ctx();
	/* Each side (this process, the server child) holds N sockets. */
	if (getrlimit(RLIMIT_NOFILE, &rl))
		die_errno("getrlimit(RLIMIT_NOFILE)");
	if (rl.rlim_cur < (rlim_t)fds + 64) {
		rl.rlim_cur = (rlim_t)fds + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			die_errno("setrlimit(RLIMIT_NOFILE)");
	}
	memset(&b->addr, 0, sizeof(b->addr));
	b->addr.sin_family = AF_INET;
	b->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&b->addr, sizeof(b->addr)) ||
	    listen(lfd, 4096) || getsockname(lfd, (struct sockaddr *)&b->addr, &alen))
		die_errno("listen on 127.0.0.1");
	if (pipe2(quit, O_CLOEXEC))
		die_errno("pipe2");
	b->srv = fork();
	if (b->srv < 0)
		die_errno("fork");
	if (b->srv == 0) {
		close(quit[1]);
		server_main(lfd, quit[0], b->sctx, (int)rl.rlim_cur);
		_exit(1);
	}
	close(quit[0]);
	close(lfd);
	b->quit = quit[1];
}

static void bench_stop(struct bench *b)
{
	int status;

	close(b->quit);
	if (waitpid(b->srv, &status, 0) < 0)
		die_errno("waitpid");
	SSL_CTX_free(b->cctx);
	SSL_CTX_free(b->sctx);
	X509_free(b->cert);
	EVP_PKEY_free(b->pkey);
}

static void client_close(SSL *ssl)
{
	int fd = SSL_get_fd(ssl);

	SSL_free(ssl);
	close(fd);
}

static int mode_idle(const char *sni, long conns, long idle_s, int again)
{
	SSL **ssl = calloc((size_t)conns, sizeof(*ssl));
	struct bench b;
	int64_t t0;

	if (!ssl)
		die_errno("calloc");
	bench_start(&b, conns);
	t0 = clock_ns(CLOCK_MONOTONIC);
	for (long i = 0; i < conns; i++) {
		ssl[i] = client_open(b.cctx, &b.addr, sni);
		if (client_call(ssl[i], sni)) {
			fprintf(stderr, "tls_conns: call on connection %ld failed\n", i);
			return 1;
		}
	}
	printf("{\"mode\":\"idle\",\"conns\":%ld,\"calls\":%ld,\"open_s\":%.2f}\n",
	       conns, conns, since_s(t0));
	sleep((unsigned)idle_s);
	if (again) {
		t0 = clock_ns(CLOCK_MONOTONIC);
		for (long i = 0; i < conns; i++)
			if (client_call(ssl[i], sni)) {
				fprintf(stderr, "tls_conns: second call on %ld failed\n", i);
				return 1;
			}
		printf("{\"mode\":\"again\",\"calls\":%ld,\"s\":%.2f}\n", conns, since_s(t0));
	}
	for (long i = 0; i < conns; i++)
		client_close(ssl[i]);
	free(ssl);
	bench_stop(&b);
	return 0;
}

static int mode_churn(const char *sni, long rate, long seconds)
{
	int64_t t0, next, step = 1000000000LL / rate, c0, c1;
	long n = rate * seconds;
	struct bench b;

	bench_start(&b, 64);
	c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = next = clock_ns(CLOCK_MONOTONIC);
	for (long i = 0; i < n; i++) {
		SSL *ssl = client_open(b.cctx, &b.addr, sni);

		if (client_call(ssl, sni)) {
			fprintf(stderr, "tls_conns: call on connection %ld failed\n", i);
			return 1;
		}
		client_close(ssl);
		/* Paced, not flat out: a steady rate, as a busy host sees. */
		next += step;
		for (int64_t now = clock_ns(CLOCK_MONOTONIC); now < next;
		     now = clock_ns(CLOCK_MONOTONIC)) {
			struct timespec ts = { 0, next - now };

			nanosleep(&ts, NULL);
		}
	}
	c1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	printf("{\"mode\":\"churn\",\"conns\":%ld,\"s\":%.2f,\"cpu_ns_per_conn\":%.0f}\n",
	       n, since_s(t0), (double)(c1 - c0) / (double)n);
	bench_stop(&b);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: tls_conns idle --sni NAME --conns N [--idle SECONDS] [--again]\n"
		"       tls_conns churn --sni NAME --rate PER_S --seconds S\n");
	exit(2);
}

static long num(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < min || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	const char *sni = NULL;
	long conns = 0, idle_s = 10, rate = 0, seconds = 0;
	int again = 0;

	if (argc < 2)
		usage();
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--again"))
			again = 1;
		else if (i + 1 >= argc)
			usage();
		else if (!strcmp(argv[i], "--sni"))
			sni = argv[++i];
		else if (!strcmp(argv[i], "--conns"))
			conns = num(argv[++i], 1, CONNS_MAX);
		else if (!strcmp(argv[i], "--idle"))
			idle_s = num(argv[++i], 0, 86400);
		else if (!strcmp(argv[i], "--rate"))
			rate = num(argv[++i], 1, 100000);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = num(argv[++i], 1, 86400);
		else
			usage();
	}
	if (!sni || !*sni)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "idle") && conns)
		return mode_idle(sni, conns, idle_s, again);
	if (!strcmp(argv[1], "churn") && rate && seconds)
		return mode_churn(sni, rate, seconds);
	usage();
	return 2;
}
