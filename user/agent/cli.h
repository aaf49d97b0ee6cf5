/* SPDX-License-Identifier: MIT */
/*
 * What the offline commands (report, reconcile, prices) share at their
 * edges: how a usage error is said, and a writer callback onto a FILE.
 */
#ifndef TT_CLI_H
#define TT_CLI_H

#include <stddef.h>

/* "tokentap CMD: MSG[ARG]" and the usage text on stderr; returns 2, the
 * usage exit status. arg may be NULL. */
int tt_cli_usage_error(const char *cmd, const char *usage, const char *msg,
		       const char *arg);

/* A writer callback (ctx: a FILE *): 0, or -EIO on a short write. */
int tt_cli_to_file(void *ctx, const char *buf, size_t len);

#endif
