/* SPDX-License-Identifier: MIT */
/*
 * The ledger: JSON Lines, whole lines only, created 0640 in a directory
 * only its owner can write (agent/safefile.h), rotated by size, written on
 * flush (the agent's poll timer) and at close.
 *
 * A write that fails or falls short (disk full, quota, I/O error) never
 * leaves part of a line in the file: what was written of the cut line is
 * truncated away and the unwritten lines wait in memory for the next
 * flush, up to the buffer's size; lines that find the buffer full are
 * dropped and counted. One message when such an episode begins (with the
 * reason), one when writes resume (with what it cost).
 */
#ifndef TT_OUTPUT_H
#define TT_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include "pipeline/sink.h"
#include "util/counters.h"

struct cJSON;

/* util/counters.h */
#define TT_OUTPUT_COUNTERS(X)                                                  \
	X(lines, "lines written to the ledger")                                \
	X(bytes, "bytes written to the ledger, rotated files included")        \
	X(write_errors, "ledger writes, rotations or reopens that failed")     \
	X(rotations, "ledger files rotated")                                   \
	X(lines_dropped, "lines never written: the buffer was full while "     \
	  "writes failed, or at exit")                                         \
	X(events_dropped, "allocation events among lines_dropped")             \
	X(rollbacks, "cut lines removed from the file after a short write")    \
	X(write_episodes, "times ledger writes began to fail")

struct tt_output_stats {
	TT_OUTPUT_COUNTERS(TT_COUNTER_FIELD)
};

struct tt_output {
	int fd;             /* -1: not open (tried again at each flush) */
	int dir_fd;         /* the ledger's directory; -1 for stdout */
	int is_stdout;
	int seekable;       /* a regular file: cut lines can be truncated */
	int reserve_unsupported; /* its file system has no fallocate */
	char path[4096];
	char dir[4096];     /* for messages */
	char name[256];     /* the file's name in dir_fd */
	uint64_t max_bytes; /* rotate before a line would cross it; 0: never */
	unsigned keep;      /* rotated files kept: path.1 .. path.keep */
	uint64_t size;      /* bytes in the current file */
	char *buf;          /* lines not yet written */
	size_t len;
	size_t cap;         /* the buffer's size */
	/* The failure episode in progress (failing), for its two messages. */
	int failing;
	int fail_err;       /* the first error of the episode */
	uint64_t fail_since_ns;
	uint64_t fail_lines_before; /* lines_dropped when it began */
	uint64_t fail_events_before;
	struct tt_output_stats st;
};

#define TT_OUTPUT_BUF (256u << 10)

/* path "-" is stdout (never rotated). Refuses (-EPERM, a message naming
 * the path and the rule) a directory others can write, a symbolic link, a
 * file of another user (agent/safefile.h). buf_bytes: the buffer (0:
 * TT_OUTPUT_BUF). Returns 0 or a negative errno, with why filled. */
int tt_output_open(struct tt_output *out, const char *path,
		   uint64_t max_bytes, unsigned keep, size_t buf_bytes,
		   char *why, size_t whylen);
/* Writes one object as one line, at once (rare records). */
void tt_output_write(struct tt_output *out, const struct cJSON *obj);
/* One line of n bytes (no newline in it), buffered until tt_output_flush. */
void tt_output_line(struct tt_output *out, const char *line, size_t n);
/* Writes what is buffered. 0, or the negative errno of a failed write
 * (the lines wait for the next flush). */
int tt_output_flush(struct tt_output *out);
/* Flushes, then counts and logs what could still not be written. */
void tt_output_close(struct tt_output *out);

/* The ledger as a pipeline sink: events and connection records. */
struct tt_sink tt_output_sink(struct tt_output *out);

#endif
