/* SPDX-License-Identifier: MIT */
/* Following the ledger for `tokentap smoke` (smoke_tail.c). */
#ifndef TT_SMOKE_TAIL_H
#define TT_SMOKE_TAIL_H

#include <stdint.h>
#include <sys/types.h>
#include "smoke/smoke.h"

struct tt_smoke_tail {
	const char *path;
	ino_t ino;       /* of the file when last read; 0: none yet */
	uint64_t off;    /* bytes of it already read (whole lines) */
	uint64_t events; /* allocation events kept */
};

/* From the ledger's current end (a missing file: from its beginning). */
void tt_smoke_tail_start(struct tt_smoke_tail *t, const char *path);
/* The allocation events written since, appended to w (which owns them
 * then). 0 or a negative errno. */
int tt_smoke_tail_read(struct tt_smoke_tail *t, struct tt_smoke_window *w);
/* Frees the events w holds. */
void tt_smoke_window_free(struct tt_smoke_window *w);

#endif
