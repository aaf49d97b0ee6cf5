/* SPDX-License-Identifier: MIT */
/*
 * Which server names are AI API endpoints. Built-in patterns cover the
 * public providers; the config adds custom endpoints (gateways, vLLM).
 */
#ifndef TT_HOSTS_H
#define TT_HOSTS_H

#include <stddef.h>

#define TT_HOSTS_MAX 256
#define TT_HOST_LEN 256

struct tt_host_rule {
	char pattern[TT_HOST_LEN]; /* exact name or fnmatch glob, lower case */
	char provider[32];
};

struct tt_hosts {
	struct tt_host_rule rules[TT_HOSTS_MAX];
	size_t n;
};

/* Fills *h with the built-in provider hosts. */
void tt_hosts_init_builtin(struct tt_hosts *h);
/* Adds one rule. Returns 0, -E2BIG (table full), -EINVAL (bad pattern). */
int tt_hosts_add(struct tt_hosts *h, const char *pattern, const char *provider);
/* Returns the provider for a server name ("host" or "host:port"), or NULL. */
const char *tt_hosts_match(const struct tt_hosts *h, const char *host);

#endif
