/* SPDX-License-Identifier: MIT */
/*
 * The "ai_call" record of one decoded exchange, as one line of JSON: the
 * same for the live agent and `tokentap replay`. Names, numbers and ids
 * only: nothing of a prompt, a completion or a key. Schema: docs/decode.md.
 */
#ifndef TT_RECORD_H
#define TT_RECORD_H

#include <stdint.h>
#include "decode/exchange.h"

#define TT_RECORD_VERSION 1

/* Who made the call: from the capture, not from the bytes. */
struct tt_rec_origin {
	uint32_t pid;
	const char *comm;
	uint64_t cgroup_id;
	const char *server_name; /* SNI */
};

#define TT_RECORD_MAX 8192 /* bytes of one record line */

/* Writes the record as one line of JSON (no newline) into buf. Returns
 * its length, or -E2BIG when cap is too small. Timestamps in rec are
 * CLOCK_REALTIME ns. */
long tt_record_write(const struct tt_xrec *rec,
		     const struct tt_rec_origin *origin, char *buf, size_t cap);

/* "2026-11-23T09:48:01.123456Z" for a CLOCK_REALTIME ns value. */
void tt_record_time(uint64_t ns, char out[32]);

#endif
