/* SPDX-License-Identifier: MIT */
/*
 * The OTLP exporter's on-disk spool: one file per undelivered batch,
 * named by a sequence number, a header line (records, payload bytes) and
 * the OTLP JSON. Files 0640 in a 0750 directory locked by one agent, and
 * refused when others could write it (agent/safefile.h); a batch is
 * written under a temporary name and renamed, so a full disk never leaves
 * half a batch;
 * bounded by bytes, oldest dropped first (otlp/delivery.h keeps the index).
 * Used by the exporter thread only.
 */
#ifndef TT_OTLP_SPOOL_H
#define TT_OTLP_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include "otlp/delivery.h"

#define TT_OTLP_SPOOL_FILES_MAX 65536

struct tt_otlp_spool {
	int dir_fd, lock_fd;
	struct tt_otlp_spool_index ix;
	struct tt_otlp_spool_entry *evicted; /* scratch, ix.cap entries */
	/* records dropped, by reason: TT_OTLP_DROP_SPOOL_FULL, _ERROR */
	uint64_t dropped_full, dropped_error;
	uint64_t loaded_records, loaded_files, bad_files, write_errors;
	/* Files of another spool format version, removed at open (their
	 * record counts cannot be trusted: not in dropped_*). */
	uint64_t other_version_files;
	/* Writes failing since (the first error, negative), for one message
	 * when it begins and one when it ends. */
	int failing;
	uint64_t fail_dropped_before;
};

/* Creates dir (and missing parents, 0750), locks it, and reads back what
 * an earlier run left (oldest first; over max_bytes, the oldest go; files
 * of another format version are removed, counted and logged). 0, or
 * a negative errno with a message in err (-EBUSY: another agent has it). */
int tt_otlp_spool_open(struct tt_otlp_spool *sp, const char *dir,
		       uint64_t max_bytes, char *err, size_t errlen);
void tt_otlp_spool_close(struct tt_otlp_spool *sp);

/* Adds a batch as the newest file. 0, or a negative errno: the records
 * were dropped and counted (dropped_full: it does not fit at all;
 * dropped_error: the write failed). Evicted files are counted too. */
int tt_otlp_spool_put(struct tt_otlp_spool *sp, const char *payload,
		      size_t len, unsigned records);

/* Reads the oldest batch's payload into buf (NUL-terminated). Its length
 * and *records, -ENOENT when the spool is empty, or another negative errno
 * (the file was dropped and its records counted: read on). */
long tt_otlp_spool_peek(struct tt_otlp_spool *sp, char *buf, size_t cap,
			unsigned *records);
/* Removes the oldest batch (delivered, or dropped by the caller). */
void tt_otlp_spool_pop(struct tt_otlp_spool *sp);

#endif
