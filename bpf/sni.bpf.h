/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Server-name matching in the kernel: the name hashed from its last byte
 * to its first against the rules of the sni_rules map, with the matcher
 * user space shares (struct tt_sni_match, tt_abi.h). Used by the TLS
 * probes (a library's server-name call) and by the connection observer
 * (the ClientHello).
 */
#ifndef TT_SNI_BPF_H
#define TT_SNI_BPF_H

struct sni_ctx {
	const char *name; /* a map value: bounds are the caller's MAX */
	__u32 len;
	struct tt_sni_match m;
};

static __always_inline void sni_byte(struct sni_ctx *sc, unsigned char c)
{
	tt_sni_match_char(&sc->m, c);
	if (c == '.') {
		__u64 key = sc->m.h ^ TT_SNI_SUFFIX;

		tt_sni_match_rule(&sc->m, bpf_map_lookup_elem(&sni_rules, &key));
	}
}

/*
 * The rule of a name: 0 (none), TT_SNI_CAPTURE or TT_SNI_MAYBE; one
 * matcher per buffer size (max: TT_SNI_MAX or TT_SOCK_NAME_MAX), so that
 * every index is masked by a constant the verifier can follow. A trailing
 * root dot is not part of the name.
 */
#define SNI_MATCHER(step_, match_, max_)                                    \
	static long step_(__u32 i, void *data)                              \
	{                                                                   \
		struct sni_ctx *sc = data;                                  \
		const char *p = sc->name;                                   \
		__u32 k;                                                    \
                                                                            \
		if (i >= sc->len || !p)                                     \
			return 1;                                           \
		k = sc->len - 1 - i;                                        \
		asm volatile("%[k] &= %[m]" : [k] "+r"(k) : [m] "i"((max_) - 1)); \
		sni_byte(sc, (unsigned char)p[k]);                          \
		return 0;                                                   \
	}                                                                   \
                                                                            \
	static __always_inline __u8 match_(const char *name, __u32 len)     \
	{                                                                   \
		struct sni_ctx sc = { .name = name };                       \
		__u32 k;                                                    \
                                                                            \
		if (len > (max_))                                           \
			len = (max_);                                       \
		if (len) {                                                  \
			k = len - 1;                                        \
			asm volatile("%[k] &= %[m]" : [k] "+r"(k)           \
				     : [m] "i"((max_) - 1));                \
			if (name[k] == '.')                                 \
				len--;                                      \
		}                                                           \
		sc.len = len;                                               \
		tt_sni_match_init(&sc.m);                                   \
		bpf_loop((max_), step_, &sc, 0);                            \
		tt_sni_match_end(&sc.m,                                     \
				 bpf_map_lookup_elem(&sni_rules, &sc.m.h)); \
		return sc.m.best;                                           \
	}

SNI_MATCHER(sni_step_tls, sni_match_tls, TT_SNI_MAX)
SNI_MATCHER(sni_step_sock, sni_match_sock, TT_SOCK_NAME_MAX)

#endif
