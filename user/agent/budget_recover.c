// SPDX-License-Identifier: MIT
/* Budget spend read back from the ledger at start; see budget_recover.h. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "alloc/event.h"
#include "agent/ledger_read.h"
#include "agent/budget_recover.h"

#define KEEP_MAX 1000 /* as --events-keep */

struct recover_ctx {
	struct tt_budgets *b;
	struct tt_budget_recover_stats *st;
	int64_t first_s; /* the oldest event read; 0: none */
};

static int on_line(void *ctx, const char *line, size_t len)
{
	struct recover_ctx *rc = ctx;
	struct tt_budget_fact f;
	cJSON *root;

	/* Only allocation events count: a cheap test before parsing. */
	if (!memmem(line, len, "ai_api_cost_allocation", 22))
		return 0;
	root = cJSON_ParseWithLength(line, len);
	if (!root)
		return 0; /* a torn or foreign line: not ours to judge here */
	if (!tt_budget_fact_from_json(root, &f)) {
		rc->st->events++;
		if (!rc->first_s || f.time_s < rc->first_s)
			rc->first_s = f.time_s;
		rc->st->counted += (uint64_t)(tt_budgets_add(rc->b, &f) > 0);
	}
	cJSON_Delete(root);
	return 0;
}

static void on_too_long(void *ctx)
{
	(void)ctx; /* the agent writes no line over TT_EVENT_MAX */
}

static void mark_all(struct tt_budgets *b, struct tt_budget_recover_stats *st)
{
	for (size_t i = 0; i < b->defs.n; i++)
		b->st[i].complete = 0;
	st->incomplete = (int)b->defs.n;
}

/* The files to read, oldest first, into files[]; returns how many, and
 * whether older spend may be missing (a file skipped for the cap, or
 * rotation's oldest copy in use: older ones may be gone). */
static int pick_files(const char *path, unsigned keep, uint64_t cap,
		      int64_t since_s, char **files, int *maybe_missing,
		      struct tt_budget_recover_stats *st)
{
	uint64_t total = 0;
	int n = 0;

	*maybe_missing = 0;
	/* Newest first, so the cap drops the oldest. */
	for (unsigned i = 0; i <= keep; i++) {
		char name[4096 + 16];
		struct stat sb;

		if (i)
			snprintf(name, sizeof(name), "%s.%u", path, i);
		else
			snprintf(name, sizeof(name), "%s", path);
		if (stat(name, &sb) || !S_ISREG(sb.st_mode))
			continue;
		if ((int64_t)sb.st_mtime < since_s) {
			st->skipped_old++;
			continue;
		}
		if (total + (uint64_t)sb.st_size > cap) {
			st->skipped_cap++;
			*maybe_missing = 1;
			continue;
		}
		if (i == keep && keep)
			*maybe_missing = 1;
		files[n] = strdup(name);
		if (!files[n])
			return -ENOMEM;
		total += (uint64_t)sb.st_size;
		n++;
	}
	/* Oldest first: the order the calls were made in. */
	for (int i = 0; i < n / 2; i++) {
		char *t = files[i];

		files[i] = files[n - 1 - i];
		files[n - 1 - i] = t;
	}
	st->bytes = total;
	return n;
}

int tt_budget_recover(struct tt_budgets *b, const char *events_path,
		      unsigned keep, uint64_t max_bytes,
		      struct tt_budget_recover_stats *st)
{
	struct recover_ctx rc = { .b = b, .st = st };
	const struct tt_ledger_reader rd = {
		.line = on_line, .too_long = on_too_long, .ctx = &rc,
		.max_line = TT_EVENT_MAX, .cmd = "run: budgets",
	};
	char *files[KEEP_MAX + 1] = { 0 };
	int n, maybe_missing = 0, ret = 0;

	memset(st, 0, sizeof(*st));
	if (!b->defs.n)
		return 0;
	if (!strcmp(events_path, "-")) {
		mark_all(b, st);
		return 0;
	}
	if (keep > KEEP_MAX)
		keep = KEEP_MAX;
	n = pick_files(events_path, keep, max_bytes ? max_bytes
				   : TT_BUDGET_RECOVER_MAX_BYTES,
		       tt_budgets_earliest_start(b), files, &maybe_missing, st);
	if (n < 0) {
		ret = n;
		goto out;
	}
	st->files = (uint64_t)n;
	if (n && tt_ledger_read_files(&rd, files, n)) {
		ret = -EIO;
		goto out;
	}
	/* Older spend may be missing: a budget is whole only if the ledger
	 * read reaches back to its period's start. */
	for (size_t i = 0; maybe_missing && i < b->defs.n; i++)
		if (!rc.first_s || rc.first_s > b->st[i].period_start_s) {
			b->st[i].complete = 0;
			st->incomplete++;
		}
out:
	for (int i = 0; i < KEEP_MAX + 1; i++)
		free(files[i]);
	if (ret)
		mark_all(b, st);
	return ret;
}
