/* SPDX-License-Identifier: MIT */
/*
 * The metrics endpoint's listen address: "IPV4:PORT", "[IPV6]:PORT" or
 * "off". Numeric addresses only (no name lookups at start); the default
 * is loopback: exposing the endpoint wider is the operator's choice.
 */
#ifndef TT_METRICS_LISTEN_H
#define TT_METRICS_LISTEN_H

#include <stdint.h>

#define TT_METRICS_LISTEN_DEFAULT "127.0.0.1:9464"
#define TT_METRICS_LISTEN_MAX 64 /* bytes of the text, with the NUL */

struct tt_listen {
	int off;          /* "off": no endpoint */
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order: 4 or 16 bytes used */
	uint16_t port;    /* host order, 1..65535 */
};

/* Returns 0, or -EINVAL when s is none of the forms above (port 0, a
 * host name, a missing port, text over TT_METRICS_LISTEN_MAX). */
int tt_listen_parse(const char *s, struct tt_listen *out);

#endif
