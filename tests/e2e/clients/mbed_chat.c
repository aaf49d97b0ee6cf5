// SPDX-License-Identifier: MIT
/*
 * mbed_chat: an HTTP/1.1 client over mbedTLS, linked statically, for the
 * dark-connection e2e test (tests/e2e/test_dark.py). tokentap probes
 * OpenSSL, GnuTLS, Go and node; mbedTLS is none of those, and a static
 * copy has no library file to find: the agent sees this client's
 * connections at the socket layer only and must book each one as dark.
 *
 *   mbed_chat --ca FILE --host NAME [--port N] [--path P] [--body FILE]
 *             [--conns C] [--calls N]
 *
 * C connections one after another, each with N POST requests (keep-alive)
 * of the body file, every response read whole (Content-Length or chunked).
 * The server certificate is verified against FILE for NAME, which is also
 * the SNI. The API key comes from the environment (MBED_CHAT_KEY), never
 * from argv. Each connection ends the way that leaves every byte counted
 * on both ends: close_notify, shutdown(SHUT_WR), read to EOF, close.
 *
 * One JSON line per connection on stdout: the local port, the HTTP
 * statuses, plaintext bytes each way and the bytes written to and read
 * from the socket (TLS records, handshake included). Exit 0 when every
 * call got a 200.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#define CALLS_MAX 64
#define HEAD_MAX 16384
#define BODY_MAX (8u << 20)

struct opts {
	const char *ca, *host, *port, *path, *body_file, *key;
	int conns, calls;
};

/* The socket under the TLS session, counting what crosses it. */
struct counted_net {
	mbedtls_net_context net;
	unsigned long long sent, received;
};

struct tls {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt ca;
	mbedtls_ssl_config conf;
};

/* Per connection: the plaintext each way and the statuses. */
struct conn_result {
	unsigned long long plain_sent, plain_received;
	int status[CALLS_MAX];
	int ncalls;
};

static int net_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct counted_net *cn = ctx;
	int n = mbedtls_net_send(&cn->net, buf, len);

	if (n > 0)
		cn->sent += (unsigned long long)n;
	return n;
}

static int net_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct counted_net *cn = ctx;
	int n = mbedtls_net_recv(&cn->net, buf, len);

	if (n > 0)
		cn->received += (unsigned long long)n;
	return n;
}

static void tls_error(const char *what, int ret)
{
	char msg[160];

	mbedtls_strerror(ret, msg, sizeof(msg));
	fprintf(stderr, "mbed_chat: %s: -0x%04x %s\n", what, (unsigned)-ret, msg);
}

static int tls_init(struct tls *t, const struct opts *o)
{
	static const char *alpn[] = { "http/1.1", NULL };
	int ret;

	mbedtls_entropy_init(&t->entropy);
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_x509_crt_init(&t->ca);
	mbedtls_ssl_config_init(&t->conf);
	ret = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
				    (const unsigned char *)"mbed_chat", 9);
	if (ret) {
		tls_error("drbg seed", ret);
		goto out;
	}
	ret = mbedtls_x509_crt_parse_file(&t->ca, o->ca);
	if (ret) {
		tls_error(o->ca, ret);
		goto out;
	}
	ret = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
					  MBEDTLS_SSL_TRANSPORT_STREAM,
					  MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret) {
		tls_error("ssl config", ret);
		goto out;
	}
	mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	ret = mbedtls_ssl_conf_alpn_protocols(&t->conf, alpn);
	if (ret)
		tls_error("alpn", ret);
out:
	return ret;
}

static void tls_free(struct tls *t)
{
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_entropy_free(&t->entropy);
}

static int write_all(mbedtls_ssl_context *ssl, const char *buf, size_t len,
		     struct conn_result *res)
{
	while (len) {
		int n = mbedtls_ssl_write(ssl, (const unsigned char *)buf, len);

		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (n <= 0) {
			tls_error("write", n);
			return -EIO;
		}
		res->plain_sent += (unsigned long long)n;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A response is read into this buffer; what lies past it stays for the
 * next one (none: the server answers one request at a time). */
struct rbuf {
	char *data;
	size_t len, cap;
};

/* At least one more byte into rb. 0, or -EIO (error or EOF). */
static int fill(mbedtls_ssl_context *ssl, struct rbuf *rb,
		struct conn_result *res)
{
	int n;

	if (rb->len == rb->cap)
		return -E2BIG;
	do {
		n = mbedtls_ssl_read(ssl, (unsigned char *)rb->data + rb->len,
				     rb->cap - rb->len);
	} while (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (n <= 0) {
		tls_error("read", n);
		return -EIO;
	}
	res->plain_received += (unsigned long long)n;
	rb->len += (size_t)n;
	return 0;
}

/* Offset just past "\r\n" at or after from, reading more as needed. */
static int line_end(mbedtls_ssl_context *ssl, struct rbuf *rb, size_t from,
		    size_t *end, struct conn_result *res)
{
	char *p;
	int ret;

	for (;;) {
		p = rb->len > from ? memmem(rb->data + from, rb->len - from, "\r\n", 2)
				   : NULL;
		if (p) {
			*end = (size_t)(p - rb->data) + 2;
			return 0;
		}
		ret = fill(ssl, rb, res);
		if (ret)
			return ret;
	}
}

/* The first upto bytes of the response present in rb. */
static int need(mbedtls_ssl_context *ssl, struct rbuf *rb, size_t upto,
		struct conn_result *res)
{
	int ret = 0;

	while (!ret && rb->len < upto)
		ret = fill(ssl, rb, res);
	return ret;
}

/* The body of a chunked response, starting at off; *end past it. */
static int read_chunked(mbedtls_ssl_context *ssl, struct rbuf *rb, size_t off,
			size_t *end, struct conn_result *res)
{
	size_t eol, size;
	int ret;

	for (;;) {
		ret = line_end(ssl, rb, off, &eol, res);
		if (ret)
			return ret;
		size = strtoul(rb->data + off, NULL, 16);
		off = eol;
		if (!size)
			break;
		ret = need(ssl, rb, off + size + 2, res);
		if (ret)
			return ret;
		off += size + 2;
	}
	/* Trailers (none expected) up to the empty line. */
	do {
		ret = line_end(ssl, rb, off, &eol, res);
		if (ret)
			return ret;
		size = eol - off;
		off = eol;
	} while (size > 2);
	*end = off;
	return 0;
}

/* One response, whole; its status into *status. */
static int read_response(mbedtls_ssl_context *ssl, struct rbuf *rb,
			 int *status, struct conn_result *res)
{
	size_t off = 0, eol, clen = 0, end = 0;
	int chunked = 0, ret;

	ret = line_end(ssl, rb, 0, &eol, res);
	if (ret)
		return ret;
	if (sscanf(rb->data, "HTTP/1.1 %d", status) != 1)
		return -EPROTO;
	for (off = eol;; off = eol) {
		ret = line_end(ssl, rb, off, &eol, res);
		if (ret)
			return ret;
		if (eol - off == 2)
			break;
		if (!strncasecmp(rb->data + off, "content-length:", 15))
			clen = strtoul(rb->data + off + 15, NULL, 10);
		else if (!strncasecmp(rb->data + off, "transfer-encoding:", 18) &&
			 memmem(rb->data + off, eol - off, "chunked", 7))
			chunked = 1;
	}
	if (chunked) {
		ret = read_chunked(ssl, rb, eol, &end, res);
	} else {
		end = eol + clen;
		ret = need(ssl, rb, end, res);
	}
	if (ret)
		return ret;
	memmove(rb->data, rb->data + end, rb->len - end);
	rb->len -= end;
	return 0;
}

/* The end that leaves every byte acknowledged: our close_notify and FIN,
 * then the server's close_notify and FIN read (and counted) to EOF. */
static void finish(mbedtls_ssl_context *ssl, struct counted_net *cn)
{
	unsigned char buf[4096];
	int n;

	while ((n = mbedtls_ssl_close_notify(ssl)) == MBEDTLS_ERR_SSL_WANT_WRITE)
		;
	shutdown(cn->net.fd, SHUT_WR);
	while ((n = mbedtls_net_recv(&cn->net, buf, sizeof(buf))) > 0)
		cn->received += (unsigned long long)n;
}

static unsigned local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ?
		     ((struct sockaddr_in6 *)&ss)->sin6_port :
		     ((struct sockaddr_in *)&ss)->sin_port);
}

static void print_result(int i, unsigned port, const struct counted_net *cn,
			 const struct conn_result *res)
{
	printf("{\"conn\":%d,\"local_port\":%u,\"tcp_sent\":%llu,"
	       "\"tcp_received\":%llu,\"plain_sent\":%llu,\"plain_received\":%llu,"
	       "\"status\":[", i, port, cn->sent, cn->received, res->plain_sent,
	       res->plain_received);
	for (int k = 0; k < res->ncalls; k++)
		printf("%s%d", k ? "," : "", res->status[k]);
	printf("]}\n");
	fflush(stdout);
}

static int request(mbedtls_ssl_context *ssl, const struct opts *o,
		   const char *body, size_t body_len, struct rbuf *rb,
		   struct conn_result *res)
{
	char head[1024];
	int n, ret;

	n = snprintf(head, sizeof(head),
		     "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
		     "Content-Type: application/json\r\nUser-Agent: mbed_chat/1\r\n"
		     "Content-Length: %zu\r\n\r\n", o->path, o->host, o->key,
		     body_len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -E2BIG;
	ret = write_all(ssl, head, (size_t)n, res);
	if (!ret)
		ret = write_all(ssl, body, body_len, res);
	if (!ret)
		ret = read_response(ssl, rb, &res->status[res->ncalls], res);
	if (!ret && res->status[res->ncalls++] != 200)
		ret = -EPROTO;
	return ret;
}

static int one_conn(int i, struct tls *t, const struct opts *o,
		    const char *body, size_t body_len, struct rbuf *rb)
{
	struct counted_net cn = { .sent = 0 };
	struct conn_result res = { .plain_sent = 0 };
	mbedtls_ssl_context ssl;
	int ret;

	mbedtls_net_init(&cn.net);
	mbedtls_ssl_init(&ssl);
	rb->len = 0;
	ret = mbedtls_net_connect(&cn.net, o->host, o->port, MBEDTLS_NET_PROTO_TCP);
	if (ret) {
		tls_error("connect", ret);
		goto out;
	}
	ret = mbedtls_ssl_setup(&ssl, &t->conf);
	if (!ret)
		ret = mbedtls_ssl_set_hostname(&ssl, o->host); /* SNI, and checked */
	if (ret) {
		tls_error("ssl setup", ret);
		goto out;
	}
	mbedtls_ssl_set_bio(&ssl, &cn, net_send, net_recv, NULL);
	while ((ret = mbedtls_ssl_handshake(&ssl)) == MBEDTLS_ERR_SSL_WANT_READ ||
	       ret == MBEDTLS_ERR_SSL_WANT_WRITE)
		;
	if (ret) {
		tls_error("handshake", ret);
		goto out;
	}
	for (int k = 0; k < o->calls && !ret; k++)
		ret = request(&ssl, o, body, body_len, rb, &res);
	if (ret)
		goto out;
	finish(&ssl, &cn);
	print_result(i, local_port(cn.net.fd), &cn, &res);
out:
	mbedtls_ssl_free(&ssl);
	mbedtls_net_free(&cn.net);
	return ret;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(BODY_MAX);

	*len = 0;
	if (f && buf)
		*len = fread(buf, 1, BODY_MAX, f);
	if (!f || !buf || ferror(f) || !*len || *len == BODY_MAX) {
		fprintf(stderr, "mbed_chat: cannot read %s\n", path);
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	return buf;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .port = "443", .path = "/v1/chat/completions",
			    .conns = 1, .calls = 1 };
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--ca"))
			o->ca = v;
		else if (!strcmp(k, "--host"))
			o->host = v;
		else if (!strcmp(k, "--port"))
			o->port = v;
		else if (!strcmp(k, "--path"))
			o->path = v;
		else if (!strcmp(k, "--body"))
			o->body_file = v;
		else if (!strcmp(k, "--conns"))
			o->conns = atoi(v);
		else if (!strcmp(k, "--calls"))
			o->calls = atoi(v);
		else
			return -EINVAL;
	}
	o->key = getenv("MBED_CHAT_KEY");
	if (!o->ca || !o->host || !o->body_file || !o->key || argc % 2 == 0 ||
	    o->conns < 1 || o->calls < 1 || o->calls > CALLS_MAX)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct rbuf rb = { .cap = HEAD_MAX + BODY_MAX };
	struct tls t;
	struct opts o;
	char *body = NULL;
	size_t body_len;
	int ret;

	if (parse_opts(argc, argv, &o)) {
		fprintf(stderr, "usage: MBED_CHAT_KEY=... mbed_chat --ca FILE --host NAME "
			"--body FILE [--port N] [--path P] [--conns C] [--calls N]\n");
		return 2;
	}
	ret = tls_init(&t, &o);
	body = read_file(o.body_file, &body_len);
	rb.data = malloc(rb.cap);
	if (!ret && (!body || !rb.data))
		ret = -ENOMEM;
	for (int i = 0; i < o.conns && !ret; i++)
		ret = one_conn(i, &t, &o, body, body_len, &rb);
	free(rb.data);
	free(body);
	tls_free(&t);
	return ret ? 1 : 0;
}
