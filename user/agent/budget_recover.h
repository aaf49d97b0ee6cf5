/* SPDX-License-Identifier: MIT */
/*
 * Budget state across restarts (docs/finops.md, "Budgets and alerts"):
 * at start the agent recomputes each budget's spend in its current period
 * from the ledger it writes to, the live file and its rotated copies,
 * read oldest first. The read is bounded: files last modified before
 * the earliest current period are skipped (they hold nothing of it), and
 * at most TT_BUDGET_RECOVER_MAX_BYTES are read, newest files first. A
 * budget whose period may reach back past what was read (the byte cap,
 * or copies rotation already removed, or a ledger on stdout) is marked
 * incomplete: its spend is a lower bound (tokentap_budget_complete 0).
 */
#ifndef TT_BUDGET_RECOVER_H
#define TT_BUDGET_RECOVER_H

#include <stdint.h>
#include "budget/budget.h"

#define TT_BUDGET_RECOVER_MAX_BYTES (1ull << 30)

struct tt_budget_recover_stats {
	uint64_t files, bytes, events, counted;
	unsigned skipped_old;   /* files older than every current period */
	unsigned skipped_cap;   /* files past the byte cap */
	int incomplete;         /* budgets marked incomplete */
};

/* b: initialized (tt_budgets_init) at now. events_path: the ledger
 * ("-": nothing to read, every budget incomplete); keep: the rotated
 * copies the agent keeps (.1 newest to .keep oldest); max_bytes: the
 * read cap (0: TT_BUDGET_RECOVER_MAX_BYTES). Returns 0, or -ENOMEM /
 * -EIO (the budgets are then all marked incomplete). */
int tt_budget_recover(struct tt_budgets *b, const char *events_path,
		      unsigned keep, uint64_t max_bytes,
		      struct tt_budget_recover_stats *st);

#endif
