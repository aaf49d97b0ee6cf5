// SPDX-License-Identifier: MIT
/*
 * The retry table: a hash index over (pid, body hash) into a fixed array
 * of entries kept in least-recently-seen order. See retry.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "retry/retry.h"

#define NIL UINT32_MAX

struct entry {
	uint32_t pid;
	uint64_t body;
	uint64_t route;         /* provider, operation, model */
	uint64_t end_ns;
	int64_t attempt;
	uint8_t failed;
	char event_id[TT_RETRY_ID_MAX];
	uint32_t chain;         /* next in the bucket */
	uint32_t prev, next;    /* recency: head most recent */
};

struct tt_retry {
	struct entry *e;
	uint32_t *bucket;       /* nbuckets heads */
	uint32_t cap, n, nbuckets;
	uint32_t head, tail;    /* recency list */
	uint64_t window_ns;
};

struct tt_retry *tt_retry_new(size_t max_tracked, uint64_t window_ns)
{
	struct tt_retry *t = calloc(1, sizeof(*t));
	uint32_t nb = 16;

	if (!max_tracked)
		max_tracked = TT_RETRY_TRACKED_DEFAULT;
	if (!t || max_tracked > TT_RETRY_TRACKED_MAX)
		goto fail;
	while (nb < 2 * max_tracked)
		nb *= 2;
	t->e = calloc(max_tracked, sizeof(*t->e));
	t->bucket = malloc(nb * sizeof(*t->bucket));
	if (!t->e || !t->bucket)
		goto fail;
	for (uint32_t i = 0; i < nb; i++)
		t->bucket[i] = NIL;
	t->cap = (uint32_t)max_tracked;
	t->nbuckets = nb;
	t->head = t->tail = NIL;
	t->window_ns = window_ns;
	return t;
fail:
	tt_retry_free(t);
	return NULL;
}

void tt_retry_free(struct tt_retry *t)
{
	if (!t)
		return;
	free(t->e);
	free(t->bucket);
	free(t);
}

void tt_retry_set_window(struct tt_retry *t, uint64_t window_ns)
{
	if (t)
		t->window_ns = window_ns;
}

size_t tt_retry_size(const struct tt_retry *t)
{
	return t ? t->n : 0;
}

/* FNV-1a over the strings, each with its NUL (so "ab","c" != "a","bc"). */
static uint64_t route_of(const struct tt_retry_call *c)
{
	const char *part[3] = { c->provider, c->operation, c->model };
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < 3; i++) {
		const char *s = part[i] ? part[i] : "";

		do
			h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
		while (*s++);
	}
	return h;
}

static uint32_t bucket_of(const struct tt_retry *t, uint32_t pid, uint64_t body)
{
	uint64_t h = (body ^ ((uint64_t)pid * 0x9e3779b97f4a7c15ULL));

	h ^= h >> 29;
	return (uint32_t)(h & (t->nbuckets - 1));
}

static uint32_t find(const struct tt_retry *t, uint32_t pid, uint64_t body)
{
	uint32_t i = t->bucket[bucket_of(t, pid, body)];

	while (i != NIL && (t->e[i].pid != pid || t->e[i].body != body))
		i = t->e[i].chain;
	return i;
}

static void lru_unlink(struct tt_retry *t, uint32_t i)
{
	struct entry *x = &t->e[i];

	if (x->prev != NIL)
		t->e[x->prev].next = x->next;
	else
		t->head = x->next;
	if (x->next != NIL)
		t->e[x->next].prev = x->prev;
	else
		t->tail = x->prev;
}

static void lru_push(struct tt_retry *t, uint32_t i)
{
	t->e[i].prev = NIL;
	t->e[i].next = t->head;
	if (t->head != NIL)
		t->e[t->head].prev = i;
	t->head = i;
	if (t->tail == NIL)
		t->tail = i;
}

static void bucket_unlink(struct tt_retry *t, uint32_t i)
{
	uint32_t *at = &t->bucket[bucket_of(t, t->e[i].pid, t->e[i].body)];

	while (*at != i)
		at = &t->e[*at].chain;
	*at = t->e[i].chain;
}

/* A slot for a new key: a free one, else the least recently seen. */
static uint32_t take_slot(struct tt_retry *t, uint32_t pid, uint64_t body,
			  struct tt_retry_stats *st)
{
	uint32_t i, b;

	if (t->n < t->cap) {
		i = t->n++;
	} else {
		i = t->tail;
		lru_unlink(t, i);
		bucket_unlink(t, i);
		st->evicted++;
	}
	t->e[i].pid = pid;
	t->e[i].body = body;
	b = bucket_of(t, pid, body);
	t->e[i].chain = t->bucket[b];
	t->bucket[b] = i;
	lru_push(t, i);
	return i;
}

/* Is c a new attempt of the call in entry x? */
static int follows_failure(const struct tt_retry *t, const struct entry *x,
			   const struct tt_retry_call *c)
{
	return x->failed && c->start_ns >= x->end_ns &&
	       c->start_ns - x->end_ns <= t->window_ns;
}

void tt_retry_observe(struct tt_retry *t, const struct tt_retry_call *c,
		      struct tt_retry_result *out, struct tt_retry_stats *st)
{
	uint64_t route;
	uint32_t i;

	memset(out, 0, sizeof(*out));
	out->attempt = c->header_attempt >= 0 ? c->header_attempt : -1;
	out->source = c->header_attempt >= 0 ? "header" : NULL;
	if (!t)
		return;
	if (!c->has_body_hash || !t->window_ns) {
		st->unhashed += !c->has_body_hash;
		return;
	}
	st->calls++;
	route = route_of(c);
	i = find(t, c->pid, c->body_hash);
	if (i != NIL && follows_failure(t, &t->e[i], c)) {
		struct entry *x = &t->e[i];

		if (x->route == route) {
			if (out->attempt < 0)
				out->attempt = x->attempt + 1;
			snprintf(out->retry_of, sizeof(out->retry_of), "%s",
				 x->event_id);
			st->retries++;
		} else {
			snprintf(out->fallback_of, sizeof(out->fallback_of),
				 "%s", x->event_id);
			st->fallbacks++;
		}
	}
	if (out->attempt < 0)
		out->attempt = 0; /* no failed call before it: a first try */
	if (!out->source)
		out->source = "inferred";
	/* c is now the last call of this body. */
	if (i == NIL) {
		i = take_slot(t, c->pid, c->body_hash, st);
	} else {
		lru_unlink(t, i);
		lru_push(t, i);
	}
	t->e[i].route = route;
	t->e[i].end_ns = c->end_ns;
	t->e[i].attempt = out->attempt;
	t->e[i].failed = (uint8_t)(c->failed != 0);
	snprintf(t->e[i].event_id, sizeof(t->e[i].event_id), "%s",
		 c->event_id ? c->event_id : "");
}
