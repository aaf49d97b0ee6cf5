// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include "pipeline/socks.h"

struct tt_socks {
	struct tt_sock_rec **by_cookie, **by_link;
	size_t nbuckets; /* power of two */
	size_t cap, n;
	struct tt_socks_stats st;
};

static size_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h;
}

static size_t link_hash(uint32_t pid, uint64_t ptr)
{
	return mix(ptr ^ ((uint64_t)pid << 32 | pid));
}

struct tt_socks *tt_socks_new(size_t cap)
{
	struct tt_socks *t = calloc(1, sizeof(*t));
	size_t nb = 64;

	if (!t)
		return NULL;
	while (nb < cap && nb < (1u << 20))
		nb <<= 1;
	t->by_cookie = calloc(nb, sizeof(*t->by_cookie));
	t->by_link = calloc(nb, sizeof(*t->by_link));
	if (!t->by_cookie || !t->by_link) {
		tt_socks_free(t);
		return NULL;
	}
	t->nbuckets = nb;
	t->cap = cap;
	return t;
}

void tt_socks_free(struct tt_socks *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->by_cookie && i < t->nbuckets; i++) {
		struct tt_sock_rec *r = t->by_cookie[i], *next;

		for (; r; r = next) {
			next = r->next_cookie;
			free(r);
		}
	}
	free(t->by_cookie);
	free(t->by_link);
	free(t);
}

struct tt_sock_rec *tt_socks_get(struct tt_socks *t, uint64_t cookie)
{
	struct tt_sock_rec *r = t->by_cookie[mix(cookie) & (t->nbuckets - 1)];

	for (; r; r = r->next_cookie)
		if (r->s.cookie == cookie)
			return r;
	return NULL;
}

struct tt_sock_rec *tt_socks_add(struct tt_socks *t, const struct tt_ai_sock *s)
{
	size_t b = mix(s->cookie) & (t->nbuckets - 1);
	struct tt_sock_rec *r;

	if (t->n >= t->cap || !(r = calloc(1, sizeof(*r)))) {
		t->st.table_full++;
		return NULL;
	}
	r->s = *s;
	r->next_cookie = t->by_cookie[b];
	t->by_cookie[b] = r;
	t->n++;
	t->st.opened++;
	return r;
}

struct tt_sock_rec *tt_socks_by_link(struct tt_socks *t, uint32_t pid,
				     uint64_t ptr)
{
	struct tt_sock_rec *r = t->by_link[link_hash(pid, ptr) & (t->nbuckets - 1)];

	for (; r; r = r->next_link)
		if (r->link_pid == pid && r->link_ptr == ptr)
			return r;
	return NULL;
}

static void unlink_link(struct tt_socks *t, struct tt_sock_rec *rec)
{
	struct tt_sock_rec **pp;

	if (!rec->in_link_index)
		return;
	pp = &t->by_link[link_hash(rec->link_pid, rec->link_ptr) & (t->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->next_link) {
		if (*pp == rec) {
			*pp = rec->next_link;
			break;
		}
	}
	rec->in_link_index = 0;
}

void tt_socks_link(struct tt_socks *t, struct tt_sock_rec *rec, uint32_t pid,
		   uint64_t ptr)
{
	struct tt_sock_rec *old = tt_socks_by_link(t, pid, ptr);
	size_t b;

	/* A library object is reused once freed: the newest socket holds it. */
	if (old && old != rec)
		unlink_link(t, old);
	unlink_link(t, rec);
	rec->link_pid = pid;
	rec->link_ptr = ptr;
	rec->linked = 1;
	b = link_hash(pid, ptr) & (t->nbuckets - 1);
	rec->next_link = t->by_link[b];
	t->by_link[b] = rec;
	rec->in_link_index = 1;
	t->st.linked++;
}

void tt_socks_remove(struct tt_socks *t, struct tt_sock_rec *rec)
{
	struct tt_sock_rec **pp;

	unlink_link(t, rec);
	pp = &t->by_cookie[mix(rec->s.cookie) & (t->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->next_cookie) {
		if (*pp == rec) {
			*pp = rec->next_cookie;
			t->n--;
			free(rec);
			return;
		}
	}
}

void tt_socks_each(struct tt_socks *t,
		   void (*cb)(struct tt_sock_rec *rec, void *ctx), void *ctx)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct tt_sock_rec *r = t->by_cookie[i], *next;

		for (; r; r = next) {
			next = r->next_cookie;
			cb(r, ctx);
		}
	}
}

size_t tt_socks_count(const struct tt_socks *t)
{
	return t->n;
}

struct tt_socks_stats *tt_socks_stats(struct tt_socks *t)
{
	return &t->st;
}
