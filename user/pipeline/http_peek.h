/* SPDX-License-Identifier: MIT */
/*
 * Reads just enough of a connection's first egress bytes to classify it:
 * the request line and the Host header of HTTP/1.x, or the HTTP/2 client
 * preface. Not the HTTP parser (that is the decode stage): nothing here
 * keeps header values other than Host.
 */
#ifndef TT_HTTP_PEEK_H
#define TT_HTTP_PEEK_H

#include <stddef.h>
#include <stdint.h>

#define TT_PEEK_MAX 16384 /* a request head longer than this is not ours */

struct tt_http_peek {
	int is_h2;         /* the HTTP/2 client connection preface */
	char method[16];
	char path[256];    /* target without query string, may be truncated */
	char host[256];    /* Host header, empty when absent */
};

/*
 * Returns 0 with *out filled (at the Host header or the end of the head),
 * -EAGAIN when more bytes are needed, -E2BIG when the head exceeds TT_PEEK_MAX, or
 * -EINVAL when the bytes are not an HTTP request.
 */
int tt_http_peek_request(const uint8_t *buf, size_t len,
			 struct tt_http_peek *out);

#endif
