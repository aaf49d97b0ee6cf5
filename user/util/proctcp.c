// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "util/proctcp.h"

/* "0100007F:01BB": the address as the kernel's words print it (host order
 * of each 32-bit word), then the port in hex. */
static int parse_addr(const char *s, int v6, uint8_t out[16], uint16_t *port)
{
	size_t n = v6 ? 32 : 8;
	unsigned int w, p;

	memset(out, 0, 16);
	for (size_t k = 0; k < n / 8; k++) {
		char word[9];

		memcpy(word, s + 8 * k, 8);
		word[8] = '\0';
		if (sscanf(word, "%8x", &w) != 1)
			return -EINVAL;
		/* The kernel prints each __be32 word as a host-order integer. */
		memcpy(out + 4 * k, &w, 4);
	}
	if (s[n] != ':' || sscanf(s + n + 1, "%4x", &p) != 1 || p > 0xffff)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

int tt_proctcp_each(FILE *f, int v6,
		    int (*cb)(const struct tt_tcp_entry *e, void *ctx), void *ctx)
{
	char line[512], local[64], remote[64];
	unsigned int state;
	uint64_t inode;
	int n = 0;

	if (!fgets(line, sizeof(line), f) || !strstr(line, "local_address"))
		return -EINVAL;
	while (fgets(line, sizeof(line), f)) {
		struct tt_tcp_entry e;

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*u: %63s %63s %x %*s %*s %*s %*u %*u %" SCNu64,
			   local, remote, &state, &inode) != 4)
			continue;
		memset(&e, 0, sizeof(e));
		e.v6 = v6;
		if (strlen(local) != (v6 ? 37u : 13u) ||
		    strlen(remote) != (v6 ? 37u : 13u) ||
		    parse_addr(local, v6, e.local, &e.local_port) ||
		    parse_addr(remote, v6, e.remote, &e.remote_port))
			continue;
		e.state = (int)state;
		e.inode = inode;
		n++;
		if (cb(&e, ctx))
			break;
	}
	return n;
}
