// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "binary/procmaps.h"

int tt_maps_parse_line(char *line, struct tt_map_entry *out)
{
	static const char deleted[] = " (deleted)";
	unsigned int maj, min;
	int pos = 0;
	size_t len;
	char *p;

	memset(out, 0, sizeof(*out));
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 "%n",
		   &out->start, &out->end, out->perms, &out->offset, &maj, &min,
		   &out->inode, &pos) != 7 || !pos)
		return -EINVAL;
	if (out->end < out->start || strlen(out->perms) != 4)
		return -EINVAL;
	out->dev_major = maj;
	out->dev_minor = min;
	p = line + pos;
	while (*p == ' ' || *p == '\t')
		p++;
	len = strlen(p);
	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		p[--len] = '\0';
	if (len > sizeof(deleted) - 1 &&
	    !strcmp(p + len - (sizeof(deleted) - 1), deleted)) {
		out->deleted = 1;
		p[len - (sizeof(deleted) - 1)] = '\0';
	}
	out->path = p;
	return 0;
}

int tt_maps_each_exec(FILE *f, tt_maps_cb cb, void *ctx, unsigned *bad)
{
	char line[4096 + 256];
	struct tt_map_entry e;
	int ret;

	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n') && !feof(f)) {
			/* Longer than PATH_MAX + fields: skip the rest. */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			if (bad)
				(*bad)++;
			continue;
		}
		if (tt_maps_parse_line(line, &e)) {
			if (bad)
				(*bad)++;
			continue;
		}
		if (e.perms[2] != 'x' || e.path[0] != '/' || !e.inode)
			continue;
		ret = cb(&e, ctx);
		if (ret)
			return ret;
	}
	return 0;
}
