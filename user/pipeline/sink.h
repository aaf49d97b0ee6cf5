/* SPDX-License-Identifier: MIT */
/*
 * An output of the pipeline: the ledger, the Prometheus families, OTLP,
 * and whatever comes next. A sink is one row of the pipeline's table:
 * adding one is a file that fills this struct and the line that adds it.
 */
#ifndef TT_SINK_H
#define TT_SINK_H

#include <stddef.h>
#include "alloc/event.h"

/* One allocation event. Valid during the callback only. */
struct tt_sink_event {
	const struct tt_event *event; /* everything the event says */
	const char *line; /* its ledger line (JSON, no newline), NULL when it
			   * did not fit TT_EVENT_MAX */
	size_t len;
};

struct tt_sink {
	const char *name;
	void *ctx;
	/* Every allocation event. */
	void (*event)(void *ctx, const struct tt_sink_event *ev);
	/* A diagnostic record (a JSON line, no newline) such as a connection
	 * record; NULL for sinks that take events only. */
	void (*record)(void *ctx, const char *line, size_t len);
};

#endif
