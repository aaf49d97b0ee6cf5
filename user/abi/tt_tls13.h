/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The content type of a TLS 1.3 record's inner plaintext, shared by the
 * BPF side (bpf/aead.bpf.h, which reads rustls's records at aws-lc's AEAD)
 * and its unit test: pure, no helpers, bounded loop.
 *
 * TLSInnerPlaintext is content, then the type byte, then zero padding
 * (RFC 8446 5.2): the type is the last non-zero byte. rustls and the usual
 * servers send no padding; a padded record is looked at TT_TLS13_TAIL
 * bytes back, which covers block-style padding.
 */
#ifndef TT_TLS13_H
#define TT_TLS13_H

#define TT_TLS13_TAIL 32

/* tail: the last tail_len bytes (tail_len = min(len, TT_TLS13_TAIL)) of a
 * record plaintext of len bytes. Returns its type and sets *n to the
 * content bytes before it; -2 when no non-zero byte is in the tail. */
static inline int tt_tls13_inner_type(const unsigned char *tail,
				      unsigned tail_len,
				      unsigned long long len,
				      unsigned long long *n)
{
	int i;

	if (!tail_len || tail_len > TT_TLS13_TAIL || tail_len > len)
		return -2;
	for (i = TT_TLS13_TAIL - 1; i >= 0; i--) {
		if ((unsigned)i >= tail_len)
			continue;
		if (tail[i]) {
			*n = len - tail_len + (unsigned)i;
			return tail[i];
		}
	}
	return -2;
}

#endif
