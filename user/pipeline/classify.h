/* SPDX-License-Identifier: MIT */
/*
 * Decides from a connection's server name and first bytes whether it is
 * outbound AI API traffic (capture) or anything else (filter in-kernel).
 */
#ifndef TT_CLASSIFY_H
#define TT_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>
#include "hosts/hosts.h"
#include "pipeline/http_peek.h"

struct tt_class {
	int verdict;          /* TT_VERDICT_CAPTURE or TT_VERDICT_FILTER */
	const char *reason;   /* static string, for records and counters */
	const char *provider; /* from the host table, NULL when filtered */
	struct tt_http_peek req; /* first request line, when seen */
};

/* Ingress bytes a connection without egress may show before it is given
 * up as not a client of ours ("ingress_only"). */
#define TT_PEEK_INGRESS_MAX (1u << 20)

/*
 * sni: the name the client asked for ("" when none). first_dir: direction
 * of the connection's first data (TT_DIR_*). egress: the first egress bytes
 * seen so far (len); ingress: the first ingress bytes kept (ikept, up to
 * TT_PEEK_MAX) and iseen how many ingress bytes were seen in all.
 * Returns 0 with *out decided, or -EAGAIN when more bytes are needed.
 */
int tt_classify(const struct tt_hosts *hosts, const char *sni, int first_dir,
		const uint8_t *egress, size_t len, const uint8_t *ingress,
		size_t ikept, uint64_t iseen, struct tt_class *out);

#endif
