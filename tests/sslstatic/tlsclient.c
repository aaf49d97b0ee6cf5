// SPDX-License-Identifier: MIT
/*
 * A TLS client linked statically with Debian's libssl.a and libcrypto.a.
 * make builds it with symbols and stripped, as an executable and as a
 * static PIE (build/sslstatic/): sslfind_test finds the stripped copies'
 * OpenSSL functions where the unstripped copies' symbols are, and the e2e
 * test traces the stripped ones.
 *
 * Usage: tlsclient HOST IP PORT CA-FILE REQUEST-FILE
 * Connects to IP:PORT with server name HOST, checks the certificate
 * against CA-FILE and HOST, sends the file (its first half with SSL_write,
 * the rest with SSL_write_ex) and copies the response to stdout (SSL_read
 * and SSL_read_ex in turn) until the server closes. Exit 0 on a clean end.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_MAX (4u << 20)

static int connect_to(const char *ip, const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd;

	sa.sin_port = htons((unsigned short)atoi(port));
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(REQUEST_MAX);

	*len = 0;
	if (f && buf)
		*len = fread(buf, 1, REQUEST_MAX, f);
	if (f)
		fclose(f);
	if (!*len) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Sends req: SSL_write for the first half, SSL_write_ex for the rest. */
static int send_all(SSL *ssl, const char *req, size_t len)
{
	size_t done = 0, half = len / 2;

	while (done < half) {
		int n = SSL_write(ssl, req + done, (int)(half - done));

		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	while (done < len) {
		size_t n = 0;

		if (SSL_write_ex(ssl, req + done, len - done, &n) != 1)
			return -1;
		done += n;
	}
	return 0;
}

/* Copies the response to stdout until the server closes. */
static int copy_response(SSL *ssl)
{
	char buf[16384];

	for (int i = 0;; i++) {
		size_t n = 0;
		int ok;

		if (i % 2) {
			ok = SSL_read_ex(ssl, buf, sizeof(buf), &n);
		} else {
			int r = SSL_read(ssl, buf, (int)sizeof(buf));

			ok = r > 0;
			n = ok ? (size_t)r : 0;
		}
		if (!ok) {
			int err = SSL_get_error(ssl, 0);

			return err == SSL_ERROR_ZERO_RETURN ||
			       err == SSL_ERROR_SYSCALL ? 0 : -1;
		}
		if (fwrite(buf, 1, n, stdout) != n)
			return -1;
	}
}

int main(int argc, char **argv)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	size_t len = 0;
	char *req = NULL;
	int fd = -1, rc = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: %s HOST IP PORT CA-FILE REQUEST-FILE\n", argv[0]);
		return 2;
	}
	req = read_file(argv[5], &len);
	fd = connect_to(argv[2], argv[3]);
	if (!req || fd < 0) {
		perror(!req ? argv[5] : "connect");
		goto out;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || SSL_CTX_load_verify_locations(ctx, argv[4], NULL) != 1)
		goto out_err;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_tlsext_host_name(ssl, argv[1]) ||
	    !SSL_set1_host(ssl, argv[1]) || !SSL_set_fd(ssl, fd) ||
	    SSL_connect(ssl) != 1)
		goto out_err;
	if (send_all(ssl, req, len) || copy_response(ssl))
		goto out_err;
	SSL_shutdown(ssl);
	rc = 0;
	goto out;
out_err:
	ERR_print_errors_fp(stderr);
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	free(req);
	return rc;
}
