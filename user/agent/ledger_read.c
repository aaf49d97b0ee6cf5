// SPDX-License-Identifier: MIT
/* Ledger files to whole lines; see ledger_read.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/report.h"
#include "agent/ledger_read.h"

/* Whole lines to the callback; a line longer than the cap is counted
 * without being kept. */
static int feed_file(const struct tt_ledger_reader *rd, FILE *f, char *line)
{
	static char chunk[1 << 16];
	size_t n, len = 0;
	int skip = 0, ret = 0;

	while (!ret && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		const char *p = chunk, *end = chunk + n;

		while (!ret && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t piece = (size_t)((nl ? nl : end) - p);

			/* + 1: a "\r" before the "\n" is not content. */
			if (!skip && len + piece > rd->max_line + 1)
				skip = 1;
			if (!skip) {
				memcpy(line + len, p, piece);
				len += piece;
			}
			p += piece;
			if (!nl)
				break;
			p++;
			if (skip)
				rd->too_long(rd->ctx);
			else
				ret = rd->line(rd->ctx, line, len);
			len = 0;
			skip = 0;
		}
	}
	if (!ret && skip)
		rd->too_long(rd->ctx);
	else if (!ret && len) /* the last line had no "\n" */
		ret = rd->line(rd->ctx, line, len);
	if (!ret && ferror(f))
		ret = -EIO;
	return ret;
}

int tt_ledger_read_files(const struct tt_ledger_reader *rd, char **files,
			 int n)
{
	char *line = malloc(rd->max_line + 2);
	int ret = 0;

	if (!line) {
		fprintf(stderr, "tokentap %s: out of memory\n", rd->cmd);
		return 1;
	}
	for (int i = 0; i < n && !ret; i++) {
		int is_stdin = !strcmp(files[i], "-");
		FILE *f = is_stdin ? stdin : fopen(files[i], "re");

		if (!f) {
			fprintf(stderr, "tokentap %s: %s: %s\n", rd->cmd, files[i],
				strerror(errno));
			ret = 1;
			break;
		}
		ret = feed_file(rd, f, line);
		if (ret)
			fprintf(stderr, "tokentap %s: %s: %s\n", rd->cmd, files[i],
				ret == -ENOMEM ? "out of memory" : "read error");
		ret = ret ? 1 : 0;
		if (!is_stdin)
			fclose(f);
	}
	free(line);
	return ret;
}

static int report_line(void *ctx, const char *line, size_t len)
{
	return tt_report_feed(ctx, line, len, NULL);
}

static void report_too_long(void *ctx)
{
	tt_report_too_long(ctx);
}

int tt_ledger_read_report(struct tt_report *r, char **files, int n,
			  const char *cmd)
{
	const struct tt_ledger_reader rd = {
		.line = report_line, .too_long = report_too_long, .ctx = r,
		.max_line = TT_REPORT_LINE_MAX, .cmd = cmd,
	};

	return tt_ledger_read_files(&rd, files, n);
}
