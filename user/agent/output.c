// SPDX-License-Identifier: MIT
/*
 * The ledger: JSON Lines appended to a file (or stdout), whole lines only,
 * rotated by size. Lines are collected in a buffer and written with one
 * write() each flush, never split: a crash loses at most the last flush
 * interval, and a reader never sees half a line.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/log.h"
#include "agent/output.h"

#define OUT_BUF (256u << 10)

/* The default /var/lib/tokentap may not exist on a fresh host: create the
 * last directory (only that one) as 0750, like a package would. */
static int mkdir_parent(const char *path)
{
	char dir[4096];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return -ENOENT;
	*slash = '\0';
	if (mkdir(dir, 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

static int open_file(struct tt_output *out)
{
	struct stat st;
	int fd;

	/* Records name processes and hosts: not for every local user. */
	fd = open(out->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0 && errno == ENOENT && mkdir_parent(out->path) == 0)
		fd = open(out->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0640);
	if (fd < 0)
		return -errno;
	out->fd = fd;
	out->size = fstat(fd, &st) ? 0 : (uint64_t)st.st_size;
	return 0;
}

int tt_output_open(struct tt_output *out, const char *path,
		   uint64_t max_bytes, unsigned keep)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->buf = malloc(OUT_BUF);
	if (!out->buf)
		return -ENOMEM;
	if (!strcmp(path, "-")) {
		out->fd = STDOUT_FILENO;
		out->is_stdout = 1;
		return 0;
	}
	snprintf(out->path, sizeof(out->path), "%s", path);
	if (strlen(path) >= sizeof(out->path) - 8) {
		err = -ENAMETOOLONG;
		goto fail;
	}
	out->max_bytes = max_bytes;
	out->keep = keep ? keep : 1;
	err = open_file(out);
	if (err)
		goto fail;
	return 0;
fail:
	free(out->buf);
	out->buf = NULL;
	return err;
}

/* events.jsonl -> .1 -> .2 ... -> .keep (dropped beyond). */
static void rotate(struct tt_output *out)
{
	char from[sizeof(out->path) + 12], to[sizeof(out->path) + 12];

	close(out->fd);
	out->fd = -1;
	for (unsigned i = out->keep; i > 0; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", out->path);
		else
			snprintf(from, sizeof(from), "%s.%u", out->path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", out->path, i);
		if (rename(from, to) && errno != ENOENT && !out->st.write_errors++)
			tt_err("events: rotate %s: %s", from, strerror(errno));
	}
	out->st.rotations++;
	if (open_file(out) && !out->st.write_errors++)
		tt_err("events: reopen %s: %s", out->path, strerror(errno));
}

static void write_all(struct tt_output *out, const char *p, size_t n)
{
	if (out->fd < 0)
		return;
	while (n) {
		ssize_t w = write(out->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!out->st.write_errors++)
				tt_err("events: write failed: %s", strerror(errno));
			return;
		}
		p += w;
		n -= (size_t)w;
		out->size += (uint64_t)w;
	}
}

void tt_output_flush(struct tt_output *out)
{
	if (!out->len)
		return;
	write_all(out, out->buf, out->len);
	out->len = 0;
}

void tt_output_line(struct tt_output *out, const char *line, size_t n)
{
	if (!out->buf)
		return;
	/* Rotate before the line that would cross the limit: whole lines. */
	if (out->max_bytes && out->size + out->len + n + 1 > out->max_bytes &&
	    out->size + out->len > 0) {
		tt_output_flush(out);
		rotate(out);
	}
	if (out->len + n + 1 > OUT_BUF)
		tt_output_flush(out);
	if (n + 1 > OUT_BUF) { /* a record this large is written alone */
		char nl = '\n';

		write_all(out, line, n);
		write_all(out, &nl, 1);
	} else {
		memcpy(out->buf + out->len, line, n);
		out->buf[out->len + n] = '\n';
		out->len += n + 1;
	}
	out->st.lines++;
}

void tt_output_write(struct tt_output *out, const struct cJSON *obj)
{
	char *line = cJSON_PrintUnformatted(obj);

	if (!line) {
		out->st.write_errors++;
		return;
	}
	tt_output_line(out, line, strlen(line));
	tt_output_flush(out); /* rare records (connections, stats): at once */
	free(line);
}

void tt_output_close(struct tt_output *out)
{
	tt_output_flush(out);
	if (out->fd >= 0 && !out->is_stdout)
		close(out->fd);
	out->fd = -1;
	free(out->buf);
	out->buf = NULL;
}

static void sink_event(void *ctx, const struct tt_sink_event *ev)
{
	if (ev->line)
		tt_output_line(ctx, ev->line, ev->len);
}

static void sink_record(void *ctx, const char *line, size_t len)
{
	tt_output_line(ctx, line, len);
}

struct tt_sink tt_output_sink(struct tt_output *out)
{
	return (struct tt_sink){ .name = "ledger", .ctx = out,
				 .event = sink_event, .record = sink_record };
}
