/* SPDX-License-Identifier: MIT */
/*
 * The "ai_call" record of one decoded exchange, as a cJSON object: the
 * same for the live agent and `tokentap replay`. Names, numbers and ids
 * only: nothing of a prompt, a completion or a key. Schema: docs/decode.md.
 */
#ifndef TT_RECORD_H
#define TT_RECORD_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "decode/exchange.h"

#define TT_RECORD_VERSION 1

/* Who made the call: from the capture, not from the bytes. */
struct tt_rec_origin {
	uint32_t pid;
	const char *comm;
	uint64_t cgroup_id;
	const char *server_name; /* SNI */
};

/* Returns a new object (caller frees), or NULL on ENOMEM. Timestamps in
 * rec are CLOCK_REALTIME ns. */
cJSON *tt_record_build(const struct tt_xrec *rec,
		       const struct tt_rec_origin *origin);

/* "2026-11-23T09:48:01.123456Z" for a CLOCK_REALTIME ns value. */
void tt_record_time(uint64_t ns, char out[32]);

#endif
