// SPDX-License-Identifier: MIT
/* Tests for user/pipeline/socks.c: the table of the AI connections the
 * connection observer reports, by socket cookie and by the TLS connection
 * tied to each; bounded, with refusals counted. */
#include <string.h>
#include "pipeline/socks.h"
#include "tt_test.h"

static struct tt_ai_sock sock_of(uint64_t cookie, uint32_t tgid)
{
	struct tt_ai_sock s;

	memset(&s, 0, sizeof(s));
	s.cookie = cookie;
	s.tgid = tgid;
	return s;
}

TT_TEST(add_get_remove)
{
	struct tt_socks *t = tt_socks_new(16);
	struct tt_ai_sock s = sock_of(42, 7);
	struct tt_sock_rec *r;

	TT_CHECK(t != NULL);
	r = tt_socks_add(t, &s);
	TT_CHECK(r != NULL);
	TT_CHECK(tt_socks_get(t, 42) == r);
	TT_CHECK(tt_socks_get(t, 43) == NULL);
	TT_CHECK_EQ_U64(r->s.tgid, 7);
	TT_CHECK_EQ_U64(tt_socks_count(t), 1);
	tt_socks_remove(t, r);
	TT_CHECK(tt_socks_get(t, 42) == NULL);
	TT_CHECK_EQ_U64(tt_socks_count(t), 0);
	TT_CHECK_EQ_U64(tt_socks_stats(t)->opened, 1);
	tt_socks_free(t);
}

/* Past the cap a connection is refused and counted, never silently
 * lost; a removal makes room again. */
TT_TEST(cap_refuses_and_counts)
{
	struct tt_socks *t = tt_socks_new(3);
	struct tt_sock_rec *first = NULL;

	for (uint64_t c = 1; c <= 5; c++) {
		struct tt_ai_sock s = sock_of(c, 1);
		struct tt_sock_rec *r = tt_socks_add(t, &s);

		tt_case("cookie %llu", (unsigned long long)c);
		TT_CHECK((r != NULL) == (c <= 3));
		if (c == 1)
			first = r;
	}
	TT_CHECK_EQ_U64(tt_socks_count(t), 3);
	TT_CHECK_EQ_U64(tt_socks_stats(t)->table_full, 2);
	TT_CHECK_EQ_U64(tt_socks_stats(t)->opened, 3);
	TT_CHECK(tt_socks_get(t, 4) == NULL);
	tt_socks_remove(t, first);
	{
		struct tt_ai_sock s = sock_of(6, 1);

		TT_CHECK(tt_socks_add(t, &s) != NULL);
	}
	TT_CHECK_EQ_U64(tt_socks_stats(t)->table_full, 2);
	tt_socks_free(t);
}

/* A TLS library reuses a freed connection object: the socket linked to
 * it last holds it, the older one is no longer found by it. */
TT_TEST(link_moves_to_newest_socket)
{
	struct tt_socks *t = tt_socks_new(8);
	struct tt_ai_sock a = sock_of(1, 9), b = sock_of(2, 9);
	struct tt_sock_rec *ra = tt_socks_add(t, &a), *rb = tt_socks_add(t, &b);

	tt_socks_link(t, ra, 9, 0x1000);
	TT_CHECK(tt_socks_by_link(t, 9, 0x1000) == ra);
	TT_CHECK(tt_socks_by_link(t, 8, 0x1000) == NULL); /* other process */
	tt_socks_link(t, rb, 9, 0x1000);
	TT_CHECK(tt_socks_by_link(t, 9, 0x1000) == rb);
	TT_CHECK(ra->linked && rb->linked);
	/* Relinking a record drops its old tie. */
	tt_socks_link(t, rb, 9, 0x2000);
	TT_CHECK(tt_socks_by_link(t, 9, 0x1000) == NULL);
	TT_CHECK(tt_socks_by_link(t, 9, 0x2000) == rb);
	tt_socks_remove(t, rb);
	TT_CHECK(tt_socks_by_link(t, 9, 0x2000) == NULL);
	TT_CHECK_EQ_U64(tt_socks_stats(t)->linked, 3);
	tt_socks_free(t);
}

static void remove_odd(struct tt_sock_rec *rec, void *ctx)
{
	struct tt_socks *t = ctx;

	if (rec->s.cookie & 1)
		tt_socks_remove(t, rec);
}

/* The walk lets its callback remove the record it is given (the flush of
 * dark connections does), and visits every record once. */
TT_TEST(each_may_remove)
{
	struct tt_socks *t = tt_socks_new(4096);

	for (uint64_t c = 1; c <= 1000; c++) {
		struct tt_ai_sock s = sock_of(c, 1);
		struct tt_sock_rec *r = tt_socks_add(t, &s);

		if (r && c % 3 == 0)
			tt_socks_link(t, r, 1, c << 4);
	}
	tt_socks_each(t, remove_odd, t);
	TT_CHECK_EQ_U64(tt_socks_count(t), 500);
	for (uint64_t c = 1; c <= 1000; c++) {
		tt_case("cookie %llu", (unsigned long long)c);
		TT_CHECK((tt_socks_get(t, c) != NULL) == !(c & 1));
		if (c % 3 == 0)
			TT_CHECK((tt_socks_by_link(t, 1, c << 4) != NULL) == !(c & 1));
	}
	tt_socks_free(t);
}
