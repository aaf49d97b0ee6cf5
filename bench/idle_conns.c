// SPDX-License-Identifier: MIT
/*
 * idle_conns: many keep-alive AI connections, one call each, then idle.
 * The driver for bench/idle_conns.py, which reads the agent's memory while
 * this holds the connections open.
 *
 *   idle_conns --sni NAME --conns N [--idle SECONDS] [--again]
 *
 * Forks a server (before any connection, so the agent never arms it) that
 * answers every HTTP/1.1 request with an OpenAI chat completion carrying
 * usage (11 prompt, 7 completion tokens). The client (this process) opens
 * N TLS connections with server name NAME one after the other, makes one
 * call on each and keeps them all open. Then it prints
 *   {"mode":"idle","conns":N,"calls":N,"open_s":X}
 * sleeps SECONDS (default 10), and with --again makes one more call on
 * every connection (proof that they are still tracked), printing
 *   {"mode":"again","calls":N,"s":X}
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

static const char bench_prog[] = "idle_conns";
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
	int ep = epoll_create1(EPOLL_CLOEXEC);

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

static int run(const char *sni, long conns, long idle_s, int again)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t alen = sizeof(addr);
	struct rlimit rl = { .rlim_cur = (rlim_t)conns * 2 + 64,
			     .rlim_max = (rlim_t)conns * 2 + 64 };
	EVP_PKEY *pkey = make_key();
	X509 *cert = make_cert(pkey);
	SSL_CTX *sctx = make_server_ctx(pkey, cert), *cctx = make_client_ctx();
	SSL **ssl = calloc((size_t)conns, sizeof(*ssl));
	int lfd, quit[2], status;
	int64_t t0;
	pid_t srv;

	if (!ssl)
		die_errno("calloc");
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die_errno("setrlimit(RLIMIT_NOFILE)");
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, 4096) || getsockname(lfd, (struct sockaddr *)&addr, &alen))
		die_errno("listen on 127.0.0.1");
	if (pipe2(quit, O_CLOEXEC))
		die_errno("pipe2");
	srv = fork();
	if (srv < 0)
		die_errno("fork");
	if (srv == 0) {
		close(quit[1]);
		server_main(lfd, quit[0], sctx, (int)rl.rlim_cur);
		_exit(1);
	}
	close(quit[0]);
	close(lfd);

	t0 = clock_ns(CLOCK_MONOTONIC);
	for (long i = 0; i < conns; i++) {
		ssl[i] = client_open(cctx, &addr, sni);
		if (client_call(ssl[i], sni)) {
			fprintf(stderr, "idle_conns: call on connection %ld failed\n", i);
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
				fprintf(stderr, "idle_conns: second call on %ld failed\n", i);
				return 1;
			}
		printf("{\"mode\":\"again\",\"calls\":%ld,\"s\":%.2f}\n", conns, since_s(t0));
	}
	for (long i = 0; i < conns; i++) {
		int fd = SSL_get_fd(ssl[i]);

		SSL_free(ssl[i]);
		close(fd);
	}
	close(quit[1]);
	if (waitpid(srv, &status, 0) < 0)
		die_errno("waitpid");
	free(ssl);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	X509_free(cert);
	EVP_PKEY_free(pkey);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: idle_conns --sni NAME --conns N [--idle SECONDS] [--again]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *sni = NULL;
	long conns = 0, idle_s = 10;
	int again = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--again"))
			again = 1;
		else if (i + 1 >= argc)
			usage();
		else if (!strcmp(argv[i], "--sni"))
			sni = argv[++i];
		else if (!strcmp(argv[i], "--conns"))
			conns = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--idle"))
			idle_s = strtol(argv[++i], NULL, 10);
		else
			usage();
	}
	if (!sni || !*sni || conns < 1 || conns > CONNS_MAX || idle_s < 0 || idle_s > 86400)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	return run(sni, conns, idle_s, again);
}
