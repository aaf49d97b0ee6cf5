/* SPDX-License-Identifier: MIT */
/* JSON-lines sink: whole lines only, created 0640, flushed per record. */
#ifndef TT_OUTPUT_H
#define TT_OUTPUT_H

#include <stdio.h>

struct cJSON;

struct tt_output {
	FILE *f;
	int is_stdout;
	unsigned long long records, write_errors;
};

/* path "-" is stdout. Returns 0 or a negative errno. */
int tt_output_open(struct tt_output *out, const char *path);
/* Writes one object as one line and frees nothing. */
void tt_output_write(struct tt_output *out, const struct cJSON *obj);
/* One line of n bytes (no newline in it), buffered until tt_output_flush. */
void tt_output_line(struct tt_output *out, const char *line, size_t n);
void tt_output_flush(struct tt_output *out);
void tt_output_close(struct tt_output *out);

#endif
