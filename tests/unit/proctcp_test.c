// SPDX-License-Identifier: MIT
/* Tests for user/util/proctcp.c: /proc/net/tcp and tcp6 lines. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "util/proctcp.h"
#include "tt_test.h"

/* Lines as the kernel writes them (x86: words in host order). */
static const char tcp4[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 0100007F:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n"
	"   1: 0100007F:D431 0100007F:01BB 01 00000000:00000000 00:00000000 00000000     0        0 5151 1 0000000000000000 20 4 30 10 -1\n"
	"   2: 0100007F:D432 0100007F:01BB 06 00000000:00000000 03:00000F9E 00000000     0        0 0 3 0000000000000000\n"
	"garbage line\n"
	"   3: 0100007:D433 0100007F:01BB 01 00000000:00000000 00:00000000 00000000     0        0 77 1\n";

static const char tcp6[] =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000000000000000000001000000:C350 00000000000000000000000001000000:01BB 01 00000000:00000000 00:00000000 00000000     0        0 9090 1 0000000000000000 20 4 0 10 -1\n";

struct seen {
	struct tt_tcp_entry e[8];
	int n;
};

static int collect(const struct tt_tcp_entry *e, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 8)
		s->e[s->n++] = *e;
	return 0;
}

TT_TEST(ipv4_states_ports_inodes)
{
	FILE *f = fmemopen((void *)tcp4, sizeof(tcp4) - 1, "r");
	struct seen s = { .n = 0 };
	static const uint8_t lo[4] = { 127, 0, 0, 1 };

	TT_CHECK(f != NULL);
	/* The malformed lines (garbage, a 7-digit address) are skipped. */
	TT_CHECK_EQ_INT(tt_proctcp_each(f, 0, collect, &s), 3);
	fclose(f);
	TT_CHECK_EQ_INT(s.e[0].state, TT_TCP_LISTEN);
	TT_CHECK_EQ_INT(s.e[0].local_port, 443);
	TT_CHECK_EQ_U64(s.e[0].inode, 4242);
	TT_CHECK(!memcmp(s.e[0].local, lo, 4));
	TT_CHECK_EQ_INT(s.e[1].state, TT_TCP_ESTABLISHED);
	TT_CHECK_EQ_INT(s.e[1].local_port, 0xd431);
	TT_CHECK_EQ_INT(s.e[1].remote_port, 443);
	TT_CHECK(!memcmp(s.e[1].remote, lo, 4));
	TT_CHECK_EQ_U64(s.e[1].inode, 5151);
	TT_CHECK_EQ_U64(s.e[2].inode, 0); /* TIME_WAIT: no socket file */
}

TT_TEST(ipv6)
{
	FILE *f = fmemopen((void *)tcp6, sizeof(tcp6) - 1, "r");
	struct seen s = { .n = 0 };
	uint8_t one[16] = { 0 };

	one[15] = 1; /* ::1 */
	TT_CHECK(f != NULL);
	TT_CHECK_EQ_INT(tt_proctcp_each(f, 1, collect, &s), 1);
	fclose(f);
	TT_CHECK(s.e[0].v6);
	TT_CHECK(!memcmp(s.e[0].remote, one, 16));
	TT_CHECK_EQ_INT(s.e[0].local_port, 50000);
	TT_CHECK_EQ_U64(s.e[0].inode, 9090);
}

TT_TEST(not_a_tcp_table)
{
	static const char text[] = "hello\nworld\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct seen s = { .n = 0 };

	TT_CHECK_EQ_INT(tt_proctcp_each(f, 0, collect, &s), -EINVAL);
	fclose(f);
}

