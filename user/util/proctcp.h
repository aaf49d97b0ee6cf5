/* SPDX-License-Identifier: MIT */
/*
 * /proc/<pid>/net/tcp and tcp6: the TCP sockets of a network namespace.
 * Pure: a FILE * in (a test hands it a fixture), entries out.
 */
#ifndef TT_PROCTCP_H
#define TT_PROCTCP_H

#include <stdint.h>
#include <stdio.h>

#define TT_TCP_ESTABLISHED 1
#define TT_TCP_LISTEN 10

struct tt_tcp_entry {
	uint8_t local[16], remote[16]; /* IPv4: the first 4 bytes */
	int v6;
	uint16_t local_port, remote_port;
	int state;                     /* TT_TCP_* (the kernel's numbers) */
	uint64_t inode;                /* 0: no socket file (TIME_WAIT...) */
};

/* Calls cb for each well-formed line; cb returns non-zero to stop. v6:
 * the file is tcp6. Returns the lines given to cb, or -EINVAL when the
 * header is not the kernel's. */
int tt_proctcp_each(FILE *f, int v6,
		    int (*cb)(const struct tt_tcp_entry *e, void *ctx), void *ctx);

#endif
