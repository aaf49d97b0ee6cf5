// SPDX-License-Identifier: MIT
#include <string.h>
#include "hosts/sni_rules.h"

uint64_t tt_sni_hash(const char *s, size_t len)
{
	uint64_t h = TT_SNI_FNV_OFFSET;

	while (len--)
		h = tt_sni_hash_step(h, (unsigned char)s[len]);
	return h;
}

static int same_val(const struct tt_sni_val *a, const struct tt_sni_val *b)
{
	return a->rule == b->rule && a->cond == b->cond &&
	       a->tail_len == b->tail_len && a->hash == b->hash;
}

static void put(struct tt_sni_table *t, uint64_t key, struct tt_sni_val v)
{
	for (size_t i = 0; i < t->n; i++) {
		struct tt_sni_val *cur = &t->e[i].val;

		if (t->e[i].key != key)
			continue;
		if (same_val(cur, &v) ||
		    (cur->rule == TT_SNI_CAPTURE && cur->cond == TT_SNI_COND_NONE))
			return;
		if (v.rule == TT_SNI_CAPTURE && v.cond == TT_SNI_COND_NONE) {
			*cur = v;
			return;
		}
		/* One key, two different conditions: only the whole pattern
		 * can say, and that is user space's job. */
		memset(cur, 0, sizeof(*cur));
		cur->rule = TT_SNI_MAYBE;
		return;
	}
	if (t->n < TT_HOSTS_MAX)
		t->e[t->n++] = (struct tt_sni_entry){ key, v };
}

static int has_wild(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return 1;
	return 0;
}

static void compile_one(const char *p, struct tt_sni_table *t)
{
	const char *last_wild = NULL, *dot;
	struct tt_sni_val v = { .rule = TT_SNI_CAPTURE };
	size_t tail;

	for (const char *c = p; *c; c++)
		if (*c == '*' || *c == '?' || *c == '[')
			last_wild = c;
	if (!last_wild) {
		put(t, tt_sni_hash(p, strlen(p)), v);
		return;
	}
	dot = strchr(last_wild, '.');
	tail = dot ? (size_t)(dot - last_wild - 1) : 0;
	/* "*." is a suffix rule on "." (hosts_match agrees); otherwise a
	 * suffix must hold a label. */
	if (!dot || (!dot[1] && !(last_wild == p && p[0] == '*' && !tail))) {
		t->complete = 0; /* no literal suffix: nothing to key on */
		return;
	}
	if (last_wild == p && p[0] == '*' && !tail) {
		/* "*.x.y": every name ending in ".x.y" */
	} else if (last_wild == p && p[0] == '*' && !has_wild(p + 1, tail)) {
		/* "*-aiplatform.googleapis.com": the bytes left of the suffix */
		v.cond = TT_SNI_COND_TAIL;
		v.tail_len = (uint16_t)tail;
		v.hash = tt_sni_hash(p + 1, strlen(p + 1));
	} else if (*last_wild == '*' && !tail && last_wild > p &&
		   last_wild[-1] == '.' && !has_wild(p, (size_t)(last_wild - p)) &&
		   memchr(p, '.', (size_t)(last_wild - p)) == last_wild - 1) {
		/* "bedrock-runtime.*.amazonaws.com": a first label, then one
		 * label or more, then the suffix. */
		v.cond = TT_SNI_COND_FIRST_LABEL;
		v.hash = tt_sni_hash(p, (size_t)(last_wild - 1 - p));
	} else {
		/* The kernel can only say the name ends in the suffix. */
		v.rule = TT_SNI_MAYBE;
	}
	put(t, tt_sni_hash(dot, strlen(dot)) ^ TT_SNI_SUFFIX, v);
}

int tt_sni_compile(const struct tt_hosts *hosts, struct tt_sni_table *out)
{
	memset(out, 0, sizeof(*out));
	out->complete = 1;
	for (size_t i = 0; i < hosts->n; i++)
		compile_one(hosts->rules[i].pattern, out);
	return 0;
}

static const struct tt_sni_val *find(const struct tt_sni_table *t, uint64_t key)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].key == key)
			return &t->e[i].val;
	return NULL;
}

int tt_sni_lookup(const struct tt_sni_table *t, const char *name)
{
	size_t len = strlen(name);
	struct tt_sni_match m;

	if (len && name[len - 1] == '.')
		len--; /* the root label */
	tt_sni_match_init(&m);
	while (len--) {
		unsigned char c = (unsigned char)name[len];

		tt_sni_match_char(&m, c);
		if (c == '.')
			tt_sni_match_rule(&m, find(t, m.h ^ TT_SNI_SUFFIX));
	}
	tt_sni_match_end(&m, find(t, m.h));
	return m.best;
}
