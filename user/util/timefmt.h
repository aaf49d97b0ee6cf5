/* SPDX-License-Identifier: MIT */
/*
 * Time formatting (and reading back) shared by every record the agent writes. The per-call
 * record itself is the allocation event (alloc/event.h).
 */
#ifndef TT_RECORD_H
#define TT_RECORD_H

#include <stdint.h>

/* "2026-11-23T09:48:01.123456Z" for a CLOCK_REALTIME ns value. */
void tt_record_time(uint64_t ns, char out[32]);

/* The reverse, for lines read back: "YYYY-MM-DDThh:mm:ss[.f{1,9}]Z" to
 * Unix ns (years 1970 to 2500). 0 or -EINVAL. */
int tt_record_time_parse(const char *s, uint64_t *ns);

#endif
