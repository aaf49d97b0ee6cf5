// SPDX-License-Identifier: MIT
/*
 * user/abi/tt_tls13.h: the content type of a TLS 1.3 inner plaintext, as
 * bpf/aead.bpf.h reads it from rustls's records (the last TT_TLS13_TAIL
 * bytes of the record). Unpadded records are what rustls and the tested
 * servers send; padded ones (RFC 8446 5.4) are what other servers may.
 */
#include <string.h>
#include "tt_test.h"
#include "tt_tls13.h"

/* The type of a record of len bytes whose plaintext is content_len bytes
 * of 'x', the type, then zeros; read as the BPF side does. */
static int type_of(unsigned long long content_len, unsigned char type,
		   unsigned long long len, unsigned long long *n)
{
	static unsigned char rec[4096];
	unsigned tl = len < TT_TLS13_TAIL ? (unsigned)len : TT_TLS13_TAIL;

	memset(rec, 0, sizeof(rec));
	memset(rec, 'x', content_len);
	rec[content_len] = type;
	*n = 9999;
	return tt_tls13_inner_type(rec + len - tl, tl, len, n);
}

TT_TEST(unpadded_application_data)
{
	unsigned long long n;

	/* A 1,200-byte request and a 1-byte one. */
	TT_CHECK_EQ_INT(type_of(1200, 23, 1201, &n), 23);
	TT_CHECK_EQ_INT((int)n, 1200);
	TT_CHECK_EQ_INT(type_of(1, 23, 2, &n), 23);
	TT_CHECK_EQ_INT((int)n, 1);
	/* A handshake message (a session ticket under the application key). */
	TT_CHECK_EQ_INT(type_of(200, 22, 201, &n), 22);
	/* An empty application-data record: the type alone. */
	TT_CHECK_EQ_INT(type_of(0, 23, 1, &n), 23);
	TT_CHECK_EQ_INT((int)n, 0);
}

TT_TEST(padded_records)
{
	unsigned long long n;

	/* Padding to a 16-byte block, inside the window. */
	TT_CHECK_EQ_INT(type_of(1000, 23, 1008, &n), 23);
	TT_CHECK_EQ_INT((int)n, 1000);
	/* The type at the window's first byte: 31 bytes of padding. */
	TT_CHECK_EQ_INT(type_of(500, 23, 532, &n), 23);
	TT_CHECK_EQ_INT((int)n, 500);
	/* Short records padded, shorter than the window. */
	TT_CHECK_EQ_INT(type_of(3, 23, 20, &n), 23);
	TT_CHECK_EQ_INT((int)n, 3);
	TT_CHECK_EQ_INT(type_of(0, 23, 5, &n), 23);
	TT_CHECK_EQ_INT((int)n, 0);
}

TT_TEST(type_out_of_reach_is_not_guessed)
{
	unsigned long long n = 7;
	unsigned char zeros[TT_TLS13_TAIL] = { 0 };

	/* 32 bytes of padding: the type is beyond the window. */
	TT_CHECK_EQ_INT(type_of(500, 23, 533, &n), -2);
	TT_CHECK_EQ_INT((int)n, 9999); /* untouched */
	n = 7;
	/* All zeros (not a valid record), and bad tails. */
	TT_CHECK_EQ_INT(tt_tls13_inner_type(zeros, 8, 8, &n), -2);
	TT_CHECK_EQ_INT(tt_tls13_inner_type(zeros, 0, 8, &n), -2);
	TT_CHECK_EQ_INT(tt_tls13_inner_type(zeros, TT_TLS13_TAIL + 1, 100, &n), -2);
	TT_CHECK_EQ_INT(tt_tls13_inner_type(zeros, 8, 4, &n), -2);
	TT_CHECK_EQ_INT((int)n, 7);
}
