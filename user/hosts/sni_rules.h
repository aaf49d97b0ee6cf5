/* SPDX-License-Identifier: MIT */
/*
 * Compiles the host table into the hashed rules the kernel matches server
 * names against (struct tt_sni_match in tt_abi.h), so that a connection to
 * a non-AI host is recognised before any byte of it is copied. Exact names
 * and "*.suffix" globs become plain rules; "*tail.suffix" and
 * "label.*.suffix" globs become suffix rules with a condition the kernel
 * checks on the rest of the name, so they are exact too. Any other glob
 * becomes a MAYBE rule on its literal suffix: user space decides those.
 */
#ifndef TT_SNI_RULES_H
#define TT_SNI_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "tt_abi.h"
#include "hosts/hosts.h"

struct tt_sni_entry {
	uint64_t key;
	struct tt_sni_val val;
};

struct tt_sni_table {
	struct tt_sni_entry e[TT_HOSTS_MAX];
	size_t n;
	/* 0: some rule has no label-aligned literal suffix, so the kernel
	 * cannot filter unknown names (they stay pending for user space). */
	int complete;
};

/* Returns 0. Two rules on one key merge: a plain CAPTURE covers the other;
 * two different conditions degrade to a plain MAYBE (user space decides). */
int tt_sni_compile(const struct tt_hosts *hosts, struct tt_sni_table *out);
/* The kernel's algorithm over the table: the rule a name gets, or 0. */
int tt_sni_lookup(const struct tt_sni_table *t, const char *name);
/* Hash of s[0..len) processed backwards, as BPF does. */
uint64_t tt_sni_hash(const char *s, size_t len);

#endif
