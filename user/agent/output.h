/* SPDX-License-Identifier: MIT */
/* The ledger: JSON Lines, whole lines only, created 0640, rotated by size,
 * written on flush (the agent's poll timer) and at close. */
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
	X(write_errors, "ledger writes, rotations or reopens that failed")     \
	X(rotations, "ledger files rotated")

struct tt_output_stats {
	TT_OUTPUT_COUNTERS(TT_COUNTER_FIELD)
};

struct tt_output {
	int fd;
	int is_stdout;
	char path[4096];
	uint64_t max_bytes; /* rotate before a line would cross it; 0: never */
	unsigned keep;      /* rotated files kept: path.1 .. path.keep */
	uint64_t size;      /* bytes in the current file */
	char *buf;          /* whole lines not yet written */
	size_t len;
	struct tt_output_stats st;
};

/* path "-" is stdout (never rotated). Returns 0 or a negative errno. */
int tt_output_open(struct tt_output *out, const char *path,
		   uint64_t max_bytes, unsigned keep);
/* Writes one object as one line, at once (rare records). */
void tt_output_write(struct tt_output *out, const struct cJSON *obj);
/* One line of n bytes (no newline in it), buffered until tt_output_flush. */
void tt_output_line(struct tt_output *out, const char *line, size_t n);
void tt_output_flush(struct tt_output *out);
void tt_output_close(struct tt_output *out);

/* The ledger as a pipeline sink: events and connection records. */
struct tt_sink tt_output_sink(struct tt_output *out);

#endif
