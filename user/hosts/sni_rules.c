// SPDX-License-Identifier: MIT
#include <string.h>
#include "tt_abi.h"
#include "hosts/sni_rules.h"

uint64_t tt_sni_hash(const char *s, size_t len)
{
	uint64_t h = TT_SNI_FNV_OFFSET;

	while (len--)
		h = tt_sni_hash_step(h, (unsigned char)s[len]);
	return h;
}

static void put(struct tt_sni_table *t, uint64_t key, uint8_t rule)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->e[i].key == key) {
			if (rule == TT_SNI_CAPTURE)
				t->e[i].rule = rule;
			return;
		}
	}
	if (t->n < TT_HOSTS_MAX)
		t->e[t->n++] = (struct tt_sni_entry){ key, rule };
}

static void compile_one(const char *p, struct tt_sni_table *t)
{
	const char *last_wild = NULL, *dot;

	for (const char *c = p; *c; c++)
		if (*c == '*' || *c == '?' || *c == '[')
			last_wild = c;
	if (!last_wild) {
		put(t, tt_sni_hash(p, strlen(p)), TT_SNI_CAPTURE);
		return;
	}
	if (last_wild == p && p[0] == '*' && p[1] == '.') {
		/* "*.x.y": every name ending in ".x.y" */
		put(t, tt_sni_hash(p + 1, strlen(p + 1)) ^ TT_SNI_SUFFIX,
		    TT_SNI_CAPTURE);
		return;
	}
	/* "bedrock-runtime.*.amazonaws.com": the kernel can only say that the
	 * name ends in ".amazonaws.com"; user space applies the full glob. */
	dot = strchr(last_wild, '.');
	if (!dot || !dot[1]) {
		t->complete = 0;
		return;
	}
	put(t, tt_sni_hash(dot, strlen(dot)) ^ TT_SNI_SUFFIX, TT_SNI_MAYBE);
}

int tt_sni_compile(const struct tt_hosts *hosts, struct tt_sni_table *out)
{
	memset(out, 0, sizeof(*out));
	out->complete = 1;
	for (size_t i = 0; i < hosts->n; i++)
		compile_one(hosts->rules[i].pattern, out);
	return 0;
}

static int find(const struct tt_sni_table *t, uint64_t key)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].key == key)
			return t->e[i].rule;
	return 0;
}

int tt_sni_lookup(const struct tt_sni_table *t, const char *name)
{
	size_t len = strlen(name);
	uint64_t h = TT_SNI_FNV_OFFSET;
	int best = 0, r;

	if (len && name[len - 1] == '.')
		len--; /* the root label */
	while (len--) {
		h = tt_sni_hash_step(h, (unsigned char)name[len]);
		if (name[len] == '.' && (r = find(t, h ^ TT_SNI_SUFFIX)) &&
		    (!best || r < best))
			best = r;
	}
	r = find(t, h);
	if (r && (!best || r < best))
		best = r;
	return best;
}
