// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include "agent/cli.h"

int tt_cli_usage_error(const char *cmd, const char *usage, const char *msg,
		       const char *arg)
{
	fprintf(stderr, "tokentap %s: %s%s\n%s", cmd, msg, arg ? arg : "", usage);
	return 2;
}

int tt_cli_to_file(void *ctx, const char *buf, size_t len)
{
	return fwrite(buf, 1, len, ctx) == len ? 0 : -EIO;
}
