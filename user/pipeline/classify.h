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

/*
 * sni: the name the client asked for ("" when none). first_dir: direction
 * of the connection's first data (TT_DIR_*). egress: the first egress bytes
 * seen so far. Returns 0 with *out decided, or -EAGAIN when more egress bytes
 * are needed.
 */
int tt_classify(const struct tt_hosts *hosts, const char *sni, int first_dir,
		const uint8_t *egress, size_t len, struct tt_class *out);

#endif
