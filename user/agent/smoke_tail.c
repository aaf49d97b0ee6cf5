// SPDX-License-Identifier: MIT
/*
 * The ledger read as it grows, for `tokentap smoke`: whole new lines
 * since a starting point, across one rotation (the agent renames the file
 * to .1 and starts a new one). Allocation events are parsed and kept.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "alloc/event.h"
#include "agent/smoke_tail.h"

void tt_smoke_tail_start(struct tt_smoke_tail *t, const char *path)
{
	struct stat sb;

	memset(t, 0, sizeof(*t));
	t->path = path;
	if (!stat(path, &sb)) {
		t->ino = sb.st_ino;
		t->off = (uint64_t)sb.st_size;
	}
}

static void keep_line(struct tt_smoke_tail *t, const char *line, size_t len,
		      struct tt_smoke_window *w)
{
	cJSON *ev;

	if (!memmem(line, len, "\"ai_api_cost_allocation\"", 24))
		return;
	ev = cJSON_ParseWithLength(line, len);
	if (!ev)
		return;
	if (w->n == TT_SMOKE_EVENTS_MAX) {
		w->over++;
		cJSON_Delete(ev);
		return;
	}
	w->ev[w->n++] = ev;
	t->events++;
}

/* Whole lines of one file from *off on; *off moves past them only. */
static int read_from(struct tt_smoke_tail *t, const char *path, uint64_t *off,
		     struct tt_smoke_window *w)
{
	static char buf[TT_EVENT_MAX * 4];
	FILE *f = fopen(path, "re");
	size_t n, start;
	int ret = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if (fseeko(f, (off_t)*off, SEEK_SET)) {
		ret = -errno;
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		char *nl;

		start = 0;
		while ((nl = memchr(buf + start, '\n', n - start))) {
			keep_line(t, buf + start, (size_t)(nl - (buf + start)), w);
			start = (size_t)(nl - buf) + 1;
		}
		*off += start;
		if (!start && n == sizeof(buf)) {
			*off += n; /* a line longer than any event: skipped */
			continue;
		}
		if (fseeko(f, (off_t)*off, SEEK_SET)) {
			ret = -errno;
			break;
		}
		if (n < sizeof(buf))
			break;
	}
out:
	fclose(f);
	return ret;
}

int tt_smoke_tail_read(struct tt_smoke_tail *t, struct tt_smoke_window *w)
{
	char rotated[4096 + 4];
	struct stat sb;
	int ret;

	if (stat(t->path, &sb))
		return errno == ENOENT ? 0 : -errno;
	if (t->ino && sb.st_ino != t->ino) {
		/* Rotated: the rest of the old file is now .1. */
		snprintf(rotated, sizeof(rotated), "%s.1", t->path);
		ret = read_from(t, rotated, &t->off, w);
		if (ret)
			return ret;
		t->off = 0;
	} else if ((uint64_t)sb.st_size < t->off) {
		t->off = 0; /* truncated by someone: start again */
	}
	t->ino = sb.st_ino;
	return read_from(t, t->path, &t->off, w);
}

void tt_smoke_window_free(struct tt_smoke_window *w)
{
	for (size_t i = 0; i < w->n; i++)
		cJSON_Delete((cJSON *)w->ev[i]);
	w->n = 0;
	w->over = 0;
}
