/* SPDX-License-Identifier: MIT */
/*
 * The processes that hold outbound TCP connections right now, in every
 * network namespace: at a late start (no state from an earlier agent) the
 * agent arms them for a while, so that AI connections opened before it
 * are seen from their next request (docs/capture.md: late start).
 */
#ifndef TT_DISCOVER_H
#define TT_DISCOVER_H

#include <stddef.h>
#include <stdint.h>

#define TT_DISCOVER_SOCKETS_MAX 65536 /* outbound sockets remembered */

/* Calls cb once per process (not self) with an established TCP
 * connection whose local port no listener of its namespace holds.
 * Returns the processes found, or -errno. */
int tt_discover_outbound(void (*cb)(void *ctx, uint32_t pid), void *ctx);

#endif
