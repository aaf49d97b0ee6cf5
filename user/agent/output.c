// SPDX-License-Identifier: MIT
/*
 * The ledger: JSON Lines appended to a file (or stdout), whole lines only,
 * rotated by size (output.h). Lines are collected in a buffer and written
 * each flush. The space a flush needs is reserved first (fallocate with
 * FALLOC_FL_KEEP_SIZE): on a full disk or quota nothing is written at all,
 * not even for a moment. Where that cannot be done (a file system without
 * fallocate, RLIMIT_FSIZE), a short or failed write is undone to the last
 * whole line (ftruncate: the file is ours, opened O_APPEND). Either way the
 * rest of the buffer waits for the next flush, so the file never keeps
 * half a line and a disk that fills and frees costs only the lines that
 * found the buffer full.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "util/log.h"
#include "agent/output.h"
#include "agent/safefile.h"

/* How an allocation event's line begins (alloc/fields.c writes
 * event_type first): lines are told apart without parsing them. */
#define EVENT_PREFIX "{\"event_type\":\"ai_api_cost_allocation\""

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int is_event(const char *line, size_t n)
{
	return n >= sizeof(EVENT_PREFIX) - 1 &&
	       !memcmp(line, EVENT_PREFIX, sizeof(EVENT_PREFIX) - 1);
}

/* Opens (or reopens) the current file in the checked directory. */
static int open_file(struct tt_output *out, char *why, size_t whylen)
{
	struct stat st;
	int fd;

	/* Records name processes and hosts: not for every local user. */
	fd = tt_safe_openat(out->dir_fd, out->dir, out->name, O_APPEND, 0640,
			    why, whylen);
	if (fd < 0)
		return fd;
	out->fd = fd;
	out->size = fstat(fd, &st) ? 0 : (uint64_t)st.st_size;
	out->seekable = 1;
	return 0;
}

int tt_output_open(struct tt_output *out, const char *path,
		   uint64_t max_bytes, unsigned keep, size_t buf_bytes,
		   char *why, size_t whylen)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->fd = out->dir_fd = -1;
	out->cap = buf_bytes ? buf_bytes : TT_OUTPUT_BUF;
	out->buf = malloc(out->cap);
	snprintf(why, whylen, "%s: out of memory", path);
	if (!out->buf)
		return -ENOMEM;
	if (!strcmp(path, "-")) {
		out->fd = STDOUT_FILENO;
		out->is_stdout = 1;
		return 0;
	}
	snprintf(why, whylen, "%s: path too long", path);
	if (strlen(path) >= sizeof(out->path) - 8) {
		err = -ENAMETOOLONG;
		goto fail;
	}
	snprintf(out->path, sizeof(out->path), "%s", path);
	err = tt_safe_split(path, out->dir, sizeof(out->dir), out->name,
			    sizeof(out->name) - 8);
	if (err) {
		snprintf(why, whylen, "%s: not a file name", path);
		goto fail;
	}
	out->max_bytes = max_bytes;
	out->keep = keep ? keep : 1;
	/* The default /var/lib/tokentap may not exist on a fresh host. */
	out->dir_fd = tt_safe_opendir(out->dir, 1, why, whylen);
	if (out->dir_fd < 0) {
		err = out->dir_fd;
		goto fail;
	}
	err = open_file(out, why, whylen);
	if (err)
		goto fail;
	return 0;
fail:
	if (out->dir_fd >= 0)
		close(out->dir_fd);
	out->dir_fd = -1;
	free(out->buf);
	out->buf = NULL;
	return err;
}

/* A rotated file's name that holds something the agent did not write (a
 * link, a directory, another user's file) is removed, never carried along
 * the chain for a reader of events.jsonl.* to follow. 1 when it was. */
static int not_ours_removed(struct tt_output *out, const char *name)
{
	struct stat st;

	if (fstatat(out->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) ||
	    (S_ISREG(st.st_mode) && (st.st_uid == 0 || st.st_uid == geteuid())))
		return 0;
	tt_warn("events: %s/%s is not a ledger file of this agent: removed",
		out->dir, name);
	unlinkat(out->dir_fd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
	return 1;
}

/* events.jsonl -> .1 -> .2 ... -> .keep (dropped beyond), inside the
 * checked directory: rename never follows a link. */
static void rotate(struct tt_output *out)
{
	char from[sizeof(out->name) + 12], to[sizeof(out->name) + 12];
	char why[512];

	close(out->fd);
	out->fd = -1;
	for (unsigned i = out->keep; i > 0; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", out->name);
		else
			snprintf(from, sizeof(from), "%s.%u", out->name, i - 1);
		snprintf(to, sizeof(to), "%s.%u", out->name, i);
		if (not_ours_removed(out, from))
			continue;
		if (renameat(out->dir_fd, from, out->dir_fd, to) &&
		    errno != ENOENT && !out->st.write_errors++)
			tt_err("events: rotate %s/%s: %s", out->dir, from,
			       strerror(errno));
	}
	out->st.rotations++;
	out->size = 0;
	if (open_file(out, why, sizeof(why)) && !out->st.write_errors++)
		tt_err("events: reopen: %s", why);
}

/* Writes are failing: once per episode, with the reason. */
static void episode_begin(struct tt_output *out, int err)
{
	out->st.write_errors++;
	if (out->failing)
		return;
	out->failing = 1;
	out->fail_err = err;
	out->fail_since_ns = mono_ns();
	out->fail_lines_before = out->st.lines_dropped;
	out->fail_events_before = out->st.events_dropped;
	out->st.write_episodes++;
	tt_err("events: cannot write %s: %s; holding up to %zu bytes of lines "
	       "in memory, then dropping them (counted in agent_stats.ledger)",
	       out->is_stdout ? "stdout" : out->path, strerror(err), out->cap);
}

static void episode_end(struct tt_output *out)
{
	if (!out->failing)
		return;
	out->failing = 0;
	tt_warn("events: writes resumed after %.1f s (%s): %" PRIu64 " lines "
		"dropped (%" PRIu64 " allocation events)",
		(double)(mono_ns() - out->fail_since_ns) / 1e9,
		strerror(out->fail_err),
		out->st.lines_dropped - out->fail_lines_before,
		out->st.events_dropped - out->fail_events_before);
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t lines = 0;
	const char *nl;

	while (n && (nl = memchr(p, '\n', n))) {
		lines++;
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	return lines;
}

/* done bytes of the buffer reached the file: keep what did not, and take
 * a cut line back out of the file (or, where that cannot be done, keep
 * its rest so the next write completes it). */
static void settle(struct tt_output *out, size_t done)
{
	size_t whole = done, cut;
	struct stat st;

	while (whole && out->buf[whole - 1] != '\n')
		whole--;
	cut = done - whole;
	if (cut && out->seekable && !fstat(out->fd, &st) &&
	    (uint64_t)st.st_size >= cut &&
	    !ftruncate(out->fd, st.st_size - (off_t)cut)) {
		out->st.rollbacks++;
		done = whole;
	}
	out->st.lines += count_lines(out->buf, done);
	out->st.bytes += done;
	out->size += done;
	memmove(out->buf, out->buf + done, out->len - done);
	out->len -= done;
}

/* Reserves the space the buffer needs at the end of the file: 0, or
 * the errno of a full disk or quota (nothing is written then). A file
 * system that cannot reserve is written to unreserved (settle() then
 * undoes a cut line). */
static int reserve(struct tt_output *out)
{
	struct stat st;

	if (!out->seekable || out->reserve_unsupported || fstat(out->fd, &st))
		return 0;
	if (!fallocate(out->fd, FALLOC_FL_KEEP_SIZE, st.st_size, (off_t)out->len))
		return 0;
	if (errno == ENOSPC || errno == EDQUOT || errno == EFBIG)
		return errno;
	if (errno == EOPNOTSUPP || errno == ENOSYS)
		out->reserve_unsupported = 1;
	return 0;
}

int tt_output_flush(struct tt_output *out)
{
	char why[512];
	size_t done = 0;
	int err;

	if (!out->len)
		return 0;
	if (out->fd < 0 && !out->is_stdout && out->dir_fd >= 0 &&
	    open_file(out, why, sizeof(why))) {
		if (!out->failing)
			tt_err("events: %s", why);
		episode_begin(out, EIO);
		return -EIO;
	}
	err = reserve(out);
	while (!err && done < out->len) {
		ssize_t w = write(out->fd, out->buf + done, out->len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : EIO;
			break;
		}
		done += (size_t)w;
	}
	settle(out, done);
	if (err) {
		episode_begin(out, err);
		return -err;
	}
	episode_end(out);
	return 0;
}

/* A line that cannot be kept: counted, never half-written. */
static void drop_line(struct tt_output *out, const char *line, size_t n)
{
	out->st.lines_dropped++;
	if (is_event(line, n))
		out->st.events_dropped++;
}

void tt_output_line(struct tt_output *out, const char *line, size_t n)
{
	if (!out->buf)
		return;
	/* Rotate before the line that would cross the limit: whole lines. */
	if (out->max_bytes && !out->is_stdout &&
	    out->size + out->len + n + 1 > out->max_bytes &&
	    out->size + out->len > 0) {
		tt_output_flush(out);
		if (!out->len) /* never rotate lines away unwritten */
			rotate(out);
	}
	if (out->len + n + 1 > out->cap)
		tt_output_flush(out);
	if (out->len + n + 1 > out->cap) {
		drop_line(out, line, n);
		return;
	}
	memcpy(out->buf + out->len, line, n);
	out->buf[out->len + n] = '\n';
	out->len += n + 1;
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
	uint64_t lines = 0, events = 0;

	if (!out->buf)
		return;
	tt_output_flush(out);
	/* What is left can no longer be written: counted line by line (a
	 * line's rest kept after a cut that could not be undone counts as
	 * its line). */
	for (size_t i = 0; i < out->len;) {
		const char *nl = memchr(out->buf + i, '\n', out->len - i);
		size_t n = nl ? (size_t)(nl - (out->buf + i)) : out->len - i;

		lines++;
		events += is_event(out->buf + i, n);
		i += n + 1;
	}
	out->st.lines_dropped += lines;
	out->st.events_dropped += events;
	if (out->st.lines_dropped)
		tt_err("events: %" PRIu64 " lines (%" PRIu64 " allocation events) "
		       "could not be written to %s in this run%s%s",
		       out->st.lines_dropped, out->st.events_dropped,
		       out->is_stdout ? "stdout" : out->path,
		       out->failing ? ": " : "",
		       out->failing ? strerror(out->fail_err) : "");
	if (out->fd >= 0 && !out->is_stdout)
		close(out->fd);
	if (out->dir_fd >= 0)
		close(out->dir_fd);
	out->fd = out->dir_fd = -1;
	free(out->buf);
	out->buf = NULL;
	out->len = 0;
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
