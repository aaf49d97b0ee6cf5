// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tt_abi.h"
#include "pipeline/conntab.h"

struct tt_conntab {
	struct tt_conn **buckets;
	size_t nbuckets; /* power of two */
	size_t cap;
	int digests;
	struct tt_conntab_stats st;
};

static size_t hash_key(uint32_t pid, uint64_t ptr)
{
	uint64_t h = ptr ^ ((uint64_t)pid << 32 | pid);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h;
}

struct tt_conntab *tt_conntab_new(size_t cap, int digests)
{
	struct tt_conntab *tab = calloc(1, sizeof(*tab));
	size_t nb = 64;

	if (!tab)
		return NULL;
	while (nb < cap)
		nb <<= 1;
	tab->buckets = calloc(nb, sizeof(*tab->buckets));
	if (!tab->buckets) {
		free(tab);
		return NULL;
	}
	tab->nbuckets = nb;
	tab->cap = cap;
	tab->digests = digests;
	return tab;
}

/* Every connection's name until it has one: never written, never freed. */
static char no_name[1];

int tt_conn_set_sni(struct tt_conn *conn, const char *name, size_t len)
{
	/* As long as the name, not 256 bytes per connection. */
	char *s = strndup(name, len < 255 ? len : 255);

	if (!s)
		return -ENOMEM;
	if (conn->sni != no_name)
		free(conn->sni);
	conn->sni = s;
	return 0;
}

static void conn_free(struct tt_conn *conn)
{
	for (int d = 0; d < 2; d++)
		EVP_MD_CTX_free(conn->dir[d].digest);
	tt_conn_peek_drop(conn); /* cleared, then freed */
	free(conn->req);
	if (conn->sni != no_name)
		free(conn->sni);
	free(conn);
}

void tt_conntab_free(struct tt_conntab *tab)
{
	if (!tab)
		return;
	for (size_t i = 0; i < tab->nbuckets; i++) {
		struct tt_conn *c = tab->buckets[i], *next;

		for (; c; c = next) {
			next = c->next;
			conn_free(c);
		}
	}
	free(tab->buckets);
	free(tab);
}

static struct tt_conn *conn_new(struct tt_conntab *tab, uint32_t pid,
				uint64_t ptr)
{
	struct tt_conn *conn = calloc(1, sizeof(*conn));

	if (!conn)
		return NULL;
	conn->pid = pid;
	conn->ptr = ptr;
	conn->sni = no_name;
	conn->first_dir = -1;
	conn->verdict = TT_VERDICT_PENDING;
	for (int d = 0; d < 2 && tab->digests; d++) {
		conn->dir[d].digest = EVP_MD_CTX_new();
		if (!conn->dir[d].digest ||
		    !EVP_DigestInit_ex(conn->dir[d].digest, EVP_sha256(), NULL)) {
			conn_free(conn);
			return NULL;
		}
	}
	return conn;
}

struct tt_conn *tt_conntab_get(struct tt_conntab *tab, uint32_t pid,
			       uint64_t ptr, int create)
{
	size_t b = hash_key(pid, ptr) & (tab->nbuckets - 1);
	struct tt_conn *conn;

	for (conn = tab->buckets[b]; conn; conn = conn->next)
		if (conn->pid == pid && conn->ptr == ptr)
			return conn;
	if (!create)
		return NULL;
	if (tab->st.live >= tab->cap) {
		tab->st.table_full++;
		return NULL;
	}
	conn = conn_new(tab, pid, ptr);
	if (!conn) {
		tab->st.table_full++;
		return NULL;
	}
	conn->next = tab->buckets[b];
	tab->buckets[b] = conn;
	tab->st.live++;
	tab->st.created++;
	return conn;
}

void tt_conntab_remove(struct tt_conntab *tab, struct tt_conn *conn)
{
	size_t b = hash_key(conn->pid, conn->ptr) & (tab->nbuckets - 1);
	struct tt_conn **pp;

	for (pp = &tab->buckets[b]; *pp; pp = &(*pp)->next) {
		if (*pp == conn) {
			*pp = conn->next;
			tab->st.live--;
			tab->st.removed++;
			conn_free(conn);
			return;
		}
	}
}

int tt_conn_account(struct tt_conntab *tab, struct tt_conn *conn, int dir,
		    uint64_t off, uint32_t len, const uint8_t *data,
		    uint32_t cap_len)
{
	struct tt_dirstat *ds = &conn->dir[dir & 1];
	uint64_t end = off + len;

	ds->calls++;
	if (end <= ds->next_off) {
		ds->dup_bytes += len;
		tab->st.dup_bytes += len;
		return 0;
	}
	if (off > ds->next_off) {
		/* A hole: events for these bytes never arrived. */
		ds->gap_bytes += off - ds->next_off;
		tab->st.gap_bytes += off - ds->next_off;
		ds->bytes += off - ds->next_off;
		ds->next_off = off;
	} else if (off < ds->next_off) {
		uint64_t skip = ds->next_off - off;

		ds->dup_bytes += skip;
		tab->st.dup_bytes += skip;
		if (cap_len) {
			data += skip;
			cap_len -= (uint32_t)skip;
		}
		len -= (uint32_t)skip;
	}
	ds->bytes += len;
	ds->next_off = end;
	if (cap_len) {
		ds->cap_bytes += cap_len;
		if (ds->digest)
			EVP_DigestUpdate(ds->digest, data, cap_len);
	} else {
		ds->gap_bytes += len;
		tab->st.gap_bytes += len;
	}
	return 0;
}

uint64_t tt_conn_account_end(struct tt_conntab *tab, struct tt_conn *conn,
			     int dir, uint64_t final_off)
{
	struct tt_dirstat *ds = &conn->dir[dir & 1];
	uint64_t missing;

	if (final_off <= ds->next_off)
		return 0;
	missing = final_off - ds->next_off;
	ds->gap_bytes += missing;
	ds->bytes += missing;
	ds->next_off = final_off;
	tab->st.gap_bytes += missing;
	return missing;
}

void tt_conn_digest_hex(const struct tt_conn *conn, int dir, char out[65])
{
	const struct tt_dirstat *ds = &conn->dir[dir & 1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *copy;

	out[0] = '\0';
	if (!ds->digest || !(copy = EVP_MD_CTX_new()))
		return;
	/* Finalize a copy: the stream may go on. */
	if (EVP_MD_CTX_copy_ex(copy, ds->digest) &&
	    EVP_DigestFinal_ex(copy, md, &mdlen) && mdlen == 32) {
		for (unsigned i = 0; i < mdlen; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
	}
	EVP_MD_CTX_free(copy);
}

/* Appends to a peek buffer (allocated on first use), up to TT_PEEK_MAX. */
static int keep(uint8_t **buf, size_t *len, const uint8_t *data, size_t n)
{
	if (!*buf) {
		*buf = malloc(TT_PEEK_MAX);
		if (!*buf)
			return -ENOMEM;
	}
	if (n > TT_PEEK_MAX - *len)
		n = TT_PEEK_MAX - *len;
	memcpy(*buf + *len, data, n);
	*len += n;
	return 0;
}

int tt_conn_peek_append(struct tt_conn *conn, const uint8_t *data, size_t n)
{
	return keep(&conn->peek, &conn->peek_len, data, n);
}

int tt_conn_ipeek_append(struct tt_conn *conn, uint64_t off,
			 const uint8_t *data, size_t n)
{
	if (off != conn->ipeek_len)
		return 0; /* not contiguous: the decoder gets a gap instead */
	return keep(&conn->ipeek, &conn->ipeek_len, data, n);
}

void tt_conn_peek_drop(struct tt_conn *conn)
{
	/* The bytes may hold a prompt or a key: clear before freeing. */
	if (conn->peek)
		memset(conn->peek, 0, conn->peek_len);
	free(conn->peek);
	conn->peek = NULL;
	conn->peek_len = 0;
	if (conn->ipeek)
		memset(conn->ipeek, 0, conn->ipeek_len);
	free(conn->ipeek);
	conn->ipeek = NULL;
	conn->ipeek_len = 0;
}

void tt_conntab_each(struct tt_conntab *tab, uint32_t pid, tt_conn_cb cb,
		     void *ctx)
{
	for (size_t i = 0; i < tab->nbuckets; i++) {
		struct tt_conn *c = tab->buckets[i], *next;

		for (; c; c = next) {
			next = c->next;
			if (!pid || c->pid == pid)
				cb(c, ctx);
		}
	}
}

void tt_conntab_get_stats(const struct tt_conntab *tab,
			  struct tt_conntab_stats *out)
{
	*out = tab->st;
}
