/* SPDX-License-Identifier: MIT */
/*
 * Compiles the host table into the hashed entries the kernel matches server
 * names against (see tt_sni_hash_step in tt_abi.h), so that a connection to
 * a non-AI host is filtered when the client sets its SNI, before any byte
 * of it is copied. Globs the kernel cannot express exactly become MAYBE
 * entries on their literal suffix; user space then decides those.
 */
#ifndef TT_SNI_RULES_H
#define TT_SNI_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "hosts/hosts.h"

struct tt_sni_entry {
	uint64_t key;
	uint8_t rule; /* enum tt_sni_rule */
};

struct tt_sni_table {
	struct tt_sni_entry e[TT_HOSTS_MAX];
	size_t n;
	/* 0: some rule has no label-aligned literal suffix, so the kernel
	 * cannot filter unknown names (they stay pending for user space). */
	int complete;
};

/* Returns 0. Duplicate keys keep the stronger rule (CAPTURE). */
int tt_sni_compile(const struct tt_hosts *hosts, struct tt_sni_table *out);
/* The kernel's algorithm, for tests: the rule a name gets, or 0 (none). */
int tt_sni_lookup(const struct tt_sni_table *t, const char *name);
/* Hash of s[0..len) processed backwards, as BPF does. */
uint64_t tt_sni_hash(const char *s, size_t len);

#endif
