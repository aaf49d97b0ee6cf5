/* SPDX-License-Identifier: MIT */
/*
 * A ledger line read back into struct tt_event, by the same field table
 * that wrote it (alloc/fields.h). The agent never needs this (its sinks
 * get the struct); it is for code that starts from a ledger file: the
 * OTLP core's line entry point (its tests and fuzz target), and the
 * round-trip check that the table describes every byte of the ledger.
 *
 * Tolerant as a reader must be: a member of another type than the table
 * says is taken as missing (ev->absent, or the kind's null), never an
 * error. Strings point into the cJSON tree, which must outlive the event.
 */
#ifndef TT_ALLOC_EVENT_READ_H
#define TT_ALLOC_EVENT_READ_H

#include "alloc/event.h"

struct cJSON;

#define TT_EVENT_READ_ALLOCS 8

struct tt_event_read {
	struct tt_event ev;
	/* What the tree does not hold as the struct wants it: the arrays of
	 * tags, labels and sources, usage_raw printed back. */
	void *allocs[TT_EVENT_READ_ALLOCS];
	unsigned n_allocs;
};

/* Fills rd->ev from a parsed ledger object. 0, or -ENOMEM (nothing to
 * free). Free with tt_event_read_free() (the tree is the caller's). */
int tt_event_from_json(const struct cJSON *root, struct tt_event_read *rd);
void tt_event_read_free(struct tt_event_read *rd);

#endif
