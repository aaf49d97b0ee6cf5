// SPDX-License-Identifier: MIT
/* Tests for user/core/conntab.c: connection table and stream accounting. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include "tt_abi.h"
#include "pipeline/conntab.h"
#include "tt_test.h"

#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const uint8_t *u8(const char *s) { return (const uint8_t *)s; }

/* Expected digest, computed independently of the table's streaming path. */
static void sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (!EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return;
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void check_stats(struct tt_conntab *tab, uint64_t live, uint64_t created,
			uint64_t removed, uint64_t full)
{
	struct tt_conntab_stats st;

	tt_conntab_get_stats(tab, &st);
	TT_CHECK_EQ_U64(st.live, live);
	TT_CHECK_EQ_U64(st.created, created);
	TT_CHECK_EQ_U64(st.removed, removed);
	TT_CHECK_EQ_U64(st.table_full, full);
}

TT_TEST(create_get_remove)
{
	struct tt_conntab *tab = tt_conntab_new(16, 0);
	struct tt_conn *a, *b;

	TT_CHECK(tab != NULL);
	if (!tab)
		return;
	TT_CHECK(tt_conntab_get(tab, 1, 0x1000, 0) == NULL);
	a = tt_conntab_get(tab, 1, 0x1000, 1);
	TT_CHECK(a != NULL);
	if (!a)
		goto out;
	TT_CHECK_EQ_U64(a->pid, 1);
	TT_CHECK_EQ_U64(a->ptr, 0x1000);
	TT_CHECK_EQ_INT(a->first_dir, -1);
	TT_CHECK_EQ_INT(a->verdict, TT_VERDICT_PENDING);
	TT_CHECK(tt_conntab_get(tab, 1, 0x1000, 0) == a);
	TT_CHECK(tt_conntab_get(tab, 1, 0x1000, 1) == a); /* no duplicate */
	/* Same pointer in another process is another connection. */
	b = tt_conntab_get(tab, 2, 0x1000, 1);
	TT_CHECK(b != NULL && b != a);
	check_stats(tab, 2, 2, 0, 0);
	tt_conntab_remove(tab, a);
	TT_CHECK(tt_conntab_get(tab, 1, 0x1000, 0) == NULL);
	TT_CHECK(tt_conntab_get(tab, 2, 0x1000, 0) == b);
	check_stats(tab, 1, 2, 1, 0);
out:
	tt_conntab_free(tab);
}

TT_TEST(cap_reached_refuses_and_counts)
{
	struct tt_conntab *tab = tt_conntab_new(4, 0);
	struct tt_conn *first = NULL;

	TT_CHECK(tab != NULL);
	if (!tab)
		return;
	for (uint64_t p = 1; p <= 4; p++) {
		struct tt_conn *c = tt_conntab_get(tab, 7, p, 1);

		TT_CHECK(c != NULL);
		if (p == 1)
			first = c;
	}
	TT_CHECK(tt_conntab_get(tab, 7, 5, 1) == NULL);
	TT_CHECK(tt_conntab_get(tab, 8, 1, 1) == NULL);
	check_stats(tab, 4, 4, 0, 2);
	/* Existing entries are still found when full, without a refusal. */
	TT_CHECK(tt_conntab_get(tab, 7, 1, 1) == first);
	check_stats(tab, 4, 4, 0, 2);
	/* Room again after a removal. */
	if (first)
		tt_conntab_remove(tab, first);
	TT_CHECK(tt_conntab_get(tab, 7, 5, 1) != NULL);
	check_stats(tab, 4, 5, 1, 2);
	tt_conntab_free(tab);
}

TT_TEST(digest_known_vectors)
{
	struct tt_conntab *tab = tt_conntab_new(8, 1);
	struct tt_conn *c = tab ? tt_conntab_get(tab, 1, 1, 1) : NULL;
	char hex[65];

	TT_CHECK(c != NULL);
	if (!c)
		goto out;
	tt_conn_digest_hex(c, TT_DIR_EGRESS, hex);
	TT_CHECK_EQ_STR(hex, SHA256_EMPTY);
	tt_conn_account(tab, c, TT_DIR_EGRESS, 0, 1, u8("a"), 1);
	tt_conn_account(tab, c, TT_DIR_EGRESS, 1, 2, u8("bc"), 2);
	tt_conn_digest_hex(c, TT_DIR_EGRESS, hex);
	TT_CHECK_EQ_STR(hex, SHA256_ABC);
	/* Reading the digest does not end the stream. */
	tt_conn_digest_hex(c, TT_DIR_EGRESS, hex);
	TT_CHECK_EQ_STR(hex, SHA256_ABC);
	/* Directions are separate streams. */
	tt_conn_digest_hex(c, TT_DIR_INGRESS, hex);
	TT_CHECK_EQ_STR(hex, SHA256_EMPTY);
out:
	tt_conntab_free(tab);
}

TT_TEST(in_order_chunks_match_one_shot_sha256)
{
	static const size_t sizes[] = { 1, 7, 0, 64, 333, 4096, 5 };
	struct tt_conntab *tab = tt_conntab_new(8, 1);
	struct tt_conn *c = tab ? tt_conntab_get(tab, 1, 2, 1) : NULL;
	uint8_t stream[4600];
	char want[65], got[65];
	uint64_t off = 0;

	TT_CHECK(c != NULL);
	if (!c)
		goto out;
	for (size_t i = 0; i < sizeof(stream); i++)
		stream[i] = (uint8_t)(i * 131 + 7);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		tt_conn_account(tab, c, TT_DIR_INGRESS, off, (uint32_t)sizes[i],
				stream + off, (uint32_t)sizes[i]);
		off += sizes[i];
	}
	sha256_hex(stream, off, want);
	tt_conn_digest_hex(c, TT_DIR_INGRESS, got);
	TT_CHECK_EQ_STR(got, want);
	TT_CHECK_EQ_U64(c->dir[TT_DIR_INGRESS].next_off, off);
	TT_CHECK_EQ_U64(c->dir[TT_DIR_INGRESS].bytes, off);
	TT_CHECK_EQ_U64(c->dir[TT_DIR_INGRESS].cap_bytes, off);
	TT_CHECK_EQ_U64(c->dir[TT_DIR_INGRESS].gap_bytes, 0);
	TT_CHECK_EQ_U64(c->dir[TT_DIR_INGRESS].dup_bytes, 0);
	TT_CHECK_EQ_U64(c->dir[TT_DIR_INGRESS].calls, 7);
out:
	tt_conntab_free(tab);
}

TT_TEST(hole_counts_exact_jump)
{
	struct tt_conntab *tab = tt_conntab_new(8, 1);
	struct tt_conn *c = tab ? tt_conntab_get(tab, 1, 3, 1) : NULL;
	struct tt_conntab_stats st;
	char want[65], got[65];

	TT_CHECK(c != NULL);
	if (!c)
		goto out;
	tt_conn_account(tab, c, TT_DIR_EGRESS, 0, 10, u8("0123456789"), 10);
	tt_conn_account(tab, c, TT_DIR_EGRESS, 25, 10, u8("abcdefghij"), 10);
	TT_CHECK_EQ_U64(c->dir[0].gap_bytes, 15);
	TT_CHECK_EQ_U64(c->dir[0].bytes, 35);
	TT_CHECK_EQ_U64(c->dir[0].cap_bytes, 20);
	TT_CHECK_EQ_U64(c->dir[0].next_off, 35);
	tt_conntab_get_stats(tab, &st);
	TT_CHECK_EQ_U64(st.gap_bytes, 15);
	/* The digest covers the delivered bytes only. */
	sha256_hex("0123456789abcdefghij", 20, want);
	tt_conn_digest_hex(c, TT_DIR_EGRESS, got);
	TT_CHECK_EQ_STR(got, want);
out:
	tt_conntab_free(tab);
}

TT_TEST(gap_event_adds_len)
{
	struct tt_conntab *tab = tt_conntab_new(8, 1);
	struct tt_conn *c = tab ? tt_conntab_get(tab, 1, 4, 1) : NULL;
	struct tt_conntab_stats st;
	char got[65];

	TT_CHECK(c != NULL);
	if (!c)
		goto out;
	tt_conn_account(tab, c, TT_DIR_INGRESS, 0, 3, u8("abc"), 3);
	tt_conn_account(tab, c, TT_DIR_INGRESS, 3, 100, NULL, 0);
	TT_CHECK_EQ_U64(c->dir[1].gap_bytes, 100);
	TT_CHECK_EQ_U64(c->dir[1].bytes, 103);
	TT_CHECK_EQ_U64(c->dir[1].cap_bytes, 3);
	TT_CHECK_EQ_U64(c->dir[1].next_off, 103);
	/* A gap event after a hole: both parts are missing bytes. */
	tt_conn_account(tab, c, TT_DIR_INGRESS, 110, 5, NULL, 0);
	TT_CHECK_EQ_U64(c->dir[1].gap_bytes, 112);
	TT_CHECK_EQ_U64(c->dir[1].bytes, 115);
	TT_CHECK_EQ_U64(c->dir[1].next_off, 115);
	tt_conntab_get_stats(tab, &st);
	TT_CHECK_EQ_U64(st.gap_bytes, 112);
	tt_conn_digest_hex(c, TT_DIR_INGRESS, got);
	TT_CHECK_EQ_STR(got, SHA256_ABC);
out:
	tt_conntab_free(tab);
}

TT_TEST(account_end_adds_trailing_gap_once)
{
	struct tt_conntab *tab = tt_conntab_new(8, 0);
	struct tt_conn *c = tab ? tt_conntab_get(tab, 1, 5, 1) : NULL;
	struct tt_conntab_stats st;

	TT_CHECK(c != NULL);
	if (!c)
		goto out;
	tt_conn_account(tab, c, TT_DIR_INGRESS, 0, 4, u8("abcd"), 4);
	/* The kernel counted 1000 bytes: the last 996 never arrived. */
	TT_CHECK_EQ_U64(tt_conn_account_end(tab, c, TT_DIR_INGRESS, 1000), 996);
	TT_CHECK_EQ_U64(c->dir[1].gap_bytes, 996);
	TT_CHECK_EQ_U64(c->dir[1].bytes, 1000);
	TT_CHECK_EQ_U64(c->dir[1].cap_bytes, 4);
	TT_CHECK_EQ_U64(c->dir[1].calls, 1);
	/* Idempotent, and never shrinks what was seen. */
	TT_CHECK_EQ_U64(tt_conn_account_end(tab, c, TT_DIR_INGRESS, 1000), 0);
	TT_CHECK_EQ_U64(tt_conn_account_end(tab, c, TT_DIR_INGRESS, 10), 0);
	TT_CHECK_EQ_U64(c->dir[1].bytes, 1000);
	/* The other direction is untouched; a complete stream adds nothing. */
	tt_conn_account(tab, c, TT_DIR_EGRESS, 0, 2, u8("hi"), 2);
	TT_CHECK_EQ_U64(tt_conn_account_end(tab, c, TT_DIR_EGRESS, 2), 0);
	TT_CHECK_EQ_U64(c->dir[0].gap_bytes, 0);
	tt_conntab_get_stats(tab, &st);
	TT_CHECK_EQ_U64(st.gap_bytes, 996);
out:
	tt_conntab_free(tab);
}

TT_TEST(duplicate_and_overlap)
{
	struct tt_conntab *tab = tt_conntab_new(8, 1);
	struct tt_conn *c = tab ? tt_conntab_get(tab, 1, 5, 1) : NULL;
	struct tt_conntab_stats st;
	char want[65], got[65];

	TT_CHECK(c != NULL);
	if (!c)
		goto out;
	tt_conn_account(tab, c, TT_DIR_EGRESS, 0, 6, u8("hello "), 6);
	/* Exactly repeated: all duplicate, nothing new in the digest. */
	tt_conn_account(tab, c, TT_DIR_EGRESS, 0, 6, u8("XXXXXX"), 6);
	TT_CHECK_EQ_U64(c->dir[0].dup_bytes, 6);
	TT_CHECK_EQ_U64(c->dir[0].next_off, 6);
	/* Overlapping: [3,6) again, [6,11) new; only the new part hashed. */
	tt_conn_account(tab, c, TT_DIR_EGRESS, 3, 8, u8("XXXworld"), 8);
	TT_CHECK_EQ_U64(c->dir[0].dup_bytes, 9);
	TT_CHECK_EQ_U64(c->dir[0].next_off, 11);
	TT_CHECK_EQ_U64(c->dir[0].bytes, 11);
	TT_CHECK_EQ_U64(c->dir[0].cap_bytes, 11);
	TT_CHECK_EQ_U64(c->dir[0].gap_bytes, 0);
	TT_CHECK_EQ_U64(c->dir[0].calls, 3);
	tt_conntab_get_stats(tab, &st);
	TT_CHECK_EQ_U64(st.dup_bytes, 9);
	sha256_hex("hello world", 11, want);
	tt_conn_digest_hex(c, TT_DIR_EGRESS, got);
	TT_CHECK_EQ_STR(got, want);
out:
	tt_conntab_free(tab);
}

TT_TEST(digests_off_gives_empty_hex)
{
	struct tt_conntab *tab = tt_conntab_new(8, 0);
	struct tt_conn *c = tab ? tt_conntab_get(tab, 1, 6, 1) : NULL;
	char hex[65] = "junk";

	TT_CHECK(c != NULL);
	if (!c)
		goto out;
	tt_conn_account(tab, c, TT_DIR_EGRESS, 0, 3, u8("abc"), 3);
	tt_conn_digest_hex(c, TT_DIR_EGRESS, hex);
	TT_CHECK_EQ_STR(hex, "");
	TT_CHECK_EQ_U64(c->dir[0].cap_bytes, 3); /* accounting still on */
out:
	tt_conntab_free(tab);
}

TT_TEST(peek_capped_at_max)
{
	struct tt_conntab *tab = tt_conntab_new(8, 0);
	struct tt_conn *c = tab ? tt_conntab_get(tab, 1, 7, 1) : NULL;
	uint8_t *src = malloc(20000);

	TT_CHECK(c != NULL && src != NULL);
	if (!c || !src)
		goto out;
	for (size_t i = 0; i < 20000; i++)
		src[i] = (uint8_t)(i % 251);
	TT_CHECK_EQ_INT(tt_conn_peek_append(c, src, 10000), 0);
	TT_CHECK_EQ_U64(c->peek_len, 10000);
	TT_CHECK_EQ_INT(tt_conn_peek_append(c, src + 10000, 10000), 0);
	TT_CHECK_EQ_U64(c->peek_len, TT_PEEK_MAX);
	TT_CHECK(!memcmp(c->peek, src, TT_PEEK_MAX));
	TT_CHECK_EQ_INT(tt_conn_peek_append(c, src, 1), 0);
	TT_CHECK_EQ_U64(c->peek_len, TT_PEEK_MAX);
	tt_conn_peek_drop(c);
	TT_CHECK(c->peek == NULL);
	TT_CHECK_EQ_U64(c->peek_len, 0);
	/* Usable again after a drop (and freed by remove, not leaked). */
	TT_CHECK_EQ_INT(tt_conn_peek_append(c, u8("GET"), 3), 0);
	TT_CHECK_EQ_U64(c->peek_len, 3);
	tt_conntab_remove(tab, c);
out:
	free(src);
	tt_conntab_free(tab);
}

struct each_ctx {
	struct tt_conntab *tab;
	int seen;
	int remove; /* remove each entry given */
	uint32_t pid; /* every entry given must have this pid (0: any) */
	int wrong_pid;
};

static void each_cb(struct tt_conn *conn, void *ctx)
{
	struct each_ctx *e = ctx;

	e->seen++;
	if (e->pid && conn->pid != e->pid)
		e->wrong_pid++;
	if (e->remove)
		tt_conntab_remove(e->tab, conn);
}

static int count(struct tt_conntab *tab, uint32_t pid)
{
	struct each_ctx e = { .tab = tab, .pid = pid };

	tt_conntab_each(tab, pid, each_cb, &e);
	return e.wrong_pid ? -1 : e.seen;
}

TT_TEST(each_with_pid_filter_and_removal)
{
	/* Many entries per pid so chains hold several of them, and removal
	 * happens mid-chain. */
	struct tt_conntab *tab = tt_conntab_new(1000, 0);
	struct each_ctx e = { .tab = NULL };
	struct tt_conntab_stats st;

	TT_CHECK(tab != NULL);
	if (!tab)
		return;
	for (uint32_t pid = 1; pid <= 3; pid++)
		for (uint64_t p = 0; p < 300; p++)
			TT_CHECK(tt_conntab_get(tab, pid, 0x7f0000000000 + p * 64, 1));
	TT_CHECK_EQ_INT(count(tab, 0), 900);
	TT_CHECK_EQ_INT(count(tab, 2), 300);
	TT_CHECK_EQ_INT(count(tab, 99), 0);

	e = (struct each_ctx){ .tab = tab, .remove = 1, .pid = 2 };
	tt_conntab_each(tab, 2, each_cb, &e);
	TT_CHECK_EQ_INT(e.seen, 300);
	TT_CHECK_EQ_INT(e.wrong_pid, 0);
	TT_CHECK_EQ_INT(count(tab, 2), 0);
	TT_CHECK_EQ_INT(count(tab, 1), 300);
	TT_CHECK_EQ_INT(count(tab, 0), 600);
	TT_CHECK(tt_conntab_get(tab, 2, 0x7f0000000000, 0) == NULL);
	TT_CHECK(tt_conntab_get(tab, 3, 0x7f0000000000, 0) != NULL);

	e = (struct each_ctx){ .tab = tab, .remove = 1 };
	tt_conntab_each(tab, 0, each_cb, &e);
	TT_CHECK_EQ_INT(e.seen, 600);
	tt_conntab_get_stats(tab, &st);
	TT_CHECK_EQ_U64(st.live, 0);
	TT_CHECK_EQ_U64(st.removed, 900);
	tt_conntab_free(tab);
}

TT_TEST(free_with_live_entries_and_null)
{
	/* Digest contexts and peek buffers of live entries are freed too;
	 * valgrind checks the leak side. */
	struct tt_conntab *tab = tt_conntab_new(8, 1);
	struct tt_conn *c = tab ? tt_conntab_get(tab, 9, 9, 1) : NULL;

	TT_CHECK(c != NULL);
	if (c)
		TT_CHECK_EQ_INT(tt_conn_peek_append(c, u8("POST"), 4), 0);
	tt_conntab_free(tab);
	tt_conntab_free(NULL);
}
