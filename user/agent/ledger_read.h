/* SPDX-License-Identifier: MIT */
/*
 * Ledger files read line by line for the commands that work on them
 * (report, prices check): whole lines to a callback, a line longer than
 * the cap counted without being kept, "-" for standard input.
 */
#ifndef TT_LEDGER_READ_H
#define TT_LEDGER_READ_H

#include <stddef.h>

struct tt_ledger_reader {
	/* One line (without its "\n"); 0, or a negative errno that stops
	 * the reading (-ENOMEM is reported as such). */
	int (*line)(void *ctx, const char *line, size_t len);
	void (*too_long)(void *ctx);
	void *ctx;
	size_t max_line;   /* longer lines go to too_long */
	const char *cmd;   /* for messages: "report" */
};

/* Reads files[0..n) in order. Returns 0, or 1 after printing why (a
 * file could not be opened or read, or the callback failed). */
int tt_ledger_read_files(const struct tt_ledger_reader *rd, char **files,
			 int n);

/* Ledger files into a report (user/report): every line fed, a too long
 * one counted. 0, or 1 after printing why. */
struct tt_report;
int tt_ledger_read_report(struct tt_report *r, char **files, int n,
			  const char *cmd);

#endif
