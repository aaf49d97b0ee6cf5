/* SPDX-License-Identifier: MIT */
/* Parses /proc/<pid>/maps text (the text is the input: tests use fixtures). */
#ifndef TT_PROCMAPS_H
#define TT_PROCMAPS_H

#include <stdint.h>
#include <stdio.h>

struct tt_map_entry {
	uint64_t start, end, offset;
	uint32_t dev_major, dev_minor;
	uint64_t inode;
	char perms[5];
	const char *path; /* points into the parsed line; "" for anonymous */
	int deleted;      /* path ends in " (deleted)" (stripped from path) */
};

/* Parses one line in place (the line is modified). 0 or -EINVAL. */
int tt_maps_parse_line(char *line, struct tt_map_entry *out);

/* Calls cb for each executable file mapping; stops when cb returns
 * non-zero and returns that value. Malformed lines are skipped and counted
 * in *bad when bad is not NULL. */
typedef int (*tt_maps_cb)(const struct tt_map_entry *e, void *ctx);
int tt_maps_each_exec(FILE *f, tt_maps_cb cb, void *ctx, unsigned *bad);

#endif
