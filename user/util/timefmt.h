/* SPDX-License-Identifier: MIT */
/*
 * Time formatting shared by every record the agent writes. The per-call
 * record itself is the allocation event (alloc/event.h).
 */
#ifndef TT_RECORD_H
#define TT_RECORD_H

#include <stdint.h>

/* "2026-11-23T09:48:01.123456Z" for a CLOCK_REALTIME ns value. */
void tt_record_time(uint64_t ns, char out[32]);

#endif
