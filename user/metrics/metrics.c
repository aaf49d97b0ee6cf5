// SPDX-License-Identifier: MIT
/* The metrics registry: families, series lookup, the cap, updates. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "util/utf8.h"
#include "metrics/metrics_impl.h"

/* Label values of one update, sanitized, back to back. */
#define KEY_MAX (TT_METRICS_LABELS_MAX * (TT_METRICS_VALUE_MAX + 1))

struct key {
	char b[KEY_MAX];
	size_t len;
	uint32_t hash;
};

static int valid_name(const char *s, int colon)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' ||
		      (colon && *s == ':')))
			return 0;
	return 1;
}

size_t tt_metrics_sanitize(const char *in, char *out)
{
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	size_t n = strlen((const char *)p), o = 0;

	while (n) {
		size_t len = tt_utf8_len(p, n);

		if (len == 1 && (*p < 0x20 || *p == 0x7f))
			len = 0; /* control byte: replaced like invalid UTF-8 */
		if (o + (len ? len : 1) > TT_METRICS_VALUE_MAX)
			break;
		if (len) {
			memcpy(out + o, p, len);
			o += len;
		} else {
			out[o++] = '_';
			len = 1;
		}
		p += len;
		n -= len;
	}
	out[o] = '\0';
	return o;
}

long tt_metrics_escape(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	if (!cap)
		return -E2BIG;
	for (; *in; in++) {
		char one[2] = { *in, 0 };
		const char *rep = one;
		size_t len;

		if (*in == '\\')
			rep = "\\\\";
		else if (*in == '"')
			rep = "\\\"";
		else if (*in == '\n')
			rep = "\\n";
		len = strlen(rep);

		if (o + len >= cap) {
			out[o] = '\0';
			return -E2BIG;
		}
		memcpy(out + o, rep, len);
		o += len;
	}
	out[o] = '\0';
	return (long)o;
}

static void make_key(const struct tt_mfam *f, const char *const *values,
		     struct key *k)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	k->len = 0;
	for (size_t i = 0; i < f->nlabels; i++) {
		const char *v = values ? values[i] : NULL;

		k->len += tt_metrics_sanitize(v, k->b + k->len) + 1;
	}
	for (size_t i = 0; i < k->len; i++)
		h = (h ^ (uint8_t)k->b[i]) * 16777619u;
	k->hash = h;
}

static size_t key_len(const struct tt_mfam *f, const char *vals)
{
	size_t len = 0;

	for (size_t i = 0; i < f->nlabels; i++)
		len += strlen(vals + len) + 1;
	return len;
}

static uint32_t hash_vals(const char *b, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)b[i]) * 16777619u;
	return h;
}

static long idx_find(const struct tt_mfam *f, const struct key *k)
{
	if (!f->idx_cap)
		return -1;
	for (size_t i = k->hash & (f->idx_cap - 1);; i = (i + 1) & (f->idx_cap - 1)) {
		uint32_t at = f->idx[i];

		if (!at)
			return -1;
		if (key_len(f, f->s[at - 1].vals) == k->len &&
		    !memcmp(f->s[at - 1].vals, k->b, k->len))
			return (long)at - 1;
	}
}

static void idx_put(uint32_t *idx, size_t cap, uint32_t hash, uint32_t at)
{
	size_t i = hash & (cap - 1);

	while (idx[i])
		i = (i + 1) & (cap - 1);
	idx[i] = at;
}

/* Room for one more series (array and index at most half full). */
static int grow(struct tt_mfam *f)
{
	if (f->n == f->alloc) {
		size_t na = f->alloc ? f->alloc * 2 : 4;
		struct tt_mseries *s = realloc(f->s, na * sizeof(*s));

		if (!s)
			return -ENOMEM;
		f->s = s;
		f->alloc = na;
	}
	if ((f->n + 1) * 2 > f->idx_cap) {
		size_t nc = f->idx_cap ? f->idx_cap * 2 : 8;
		uint32_t *idx = calloc(nc, sizeof(*idx));

		if (!idx)
			return -ENOMEM;
		for (size_t i = 0; i < f->n; i++) {
			const char *v = f->s[i].vals;

			idx_put(idx, nc, hash_vals(v, key_len(f, v)), (uint32_t)i + 1);
		}
		free(f->idx);
		f->idx = idx;
		f->idx_cap = nc;
	}
	return 0;
}

static long add_series(struct tt_mfam *f, const struct key *k)
{
	struct tt_mseries *s;
	char *vals;
	uint64_t *bk = NULL;

	if (grow(f))
		return -ENOMEM;
	vals = malloc(k->len ? k->len : 1);
	if (f->type == TT_METRIC_HISTOGRAM)
		bk = calloc(f->nbuckets ? f->nbuckets : 1, sizeof(*bk));
	if (!vals || (f->type == TT_METRIC_HISTOGRAM && !bk)) {
		free(vals);
		free(bk);
		return -ENOMEM;
	}
	memcpy(vals, k->b, k->len);
	s = &f->s[f->n];
	memset(s, 0, sizeof(*s));
	s->vals = vals;
	s->bk = bk;
	idx_put(f->idx, f->idx_cap, k->hash, (uint32_t)f->n + 1);
	f->m->st.series++;
	return (long)f->n++;
}

/* The series for values, created if there is room, else "_other"; NULL
 * (counted) when out of memory. */
static struct tt_mseries *series_for(struct tt_mfam *f,
				     const char *const *values)
{
	struct key k;
	long at;

	make_key(f, values, &k);
	at = idx_find(f, &k);
	if (at < 0 && f->n - (f->other >= 0) >= f->m->series_max) {
		const char *other[TT_METRICS_LABELS_MAX];

		for (size_t i = 0; i < f->nlabels; i++)
			other[i] = TT_METRICS_OTHER;
		make_key(f, other, &k);
		at = idx_find(f, &k);
		if (at < 0)
			f->other = at = add_series(f, &k);
		f->dropped++;
		f->m->st.series_dropped++;
	} else if (at < 0) {
		at = add_series(f, &k);
	}
	if (at < 0) {
		f->m->st.alloc_failures++;
		return NULL;
	}
	return &f->s[at];
}

struct tt_metrics *tt_metrics_new(size_t series_max)
{
	struct tt_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (!series_max)
		series_max = TT_METRICS_SERIES_DEFAULT;
	m->series_max = series_max < TT_METRICS_SERIES_CAP ? series_max
							   : TT_METRICS_SERIES_CAP;
	return m;
}

void tt_metrics_free(struct tt_metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		struct tt_mfam *f = m->fam[i];

		for (size_t j = 0; j < f->n; j++) {
			free(f->s[j].vals);
			free(f->s[j].bk);
		}
		free(f->s);
		free(f->idx);
		free(f);
	}
	free(m);
}

static int valid_labels(const char *const *labels, size_t *n)
{
	*n = 0;
	for (; labels && labels[*n]; (*n)++) {
		const char *l = labels[*n];

		if (*n >= TT_METRICS_LABELS_MAX || !valid_name(l, 0) ||
		    !strcmp(l, "le") || !strncmp(l, "__", 2))
			return 0;
		for (size_t j = 0; j < *n; j++)
			if (!strcmp(labels[j], l))
				return 0;
	}
	return 1;
}

static int valid_buckets(int type, const double *b, size_t n)
{
	if (type != TT_METRIC_HISTOGRAM)
		return !n;
	if (!n || !b || n > TT_METRICS_BUCKETS_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(b[i]) || (i && b[i] <= b[i - 1]))
			return 0;
	return 1;
}

struct tt_mfam *tt_metrics_family(struct tt_metrics *m, int type,
				  const char *name, const char *help,
				  const char *const *labels,
				  const double *buckets, size_t nbuckets)
{
	struct tt_mfam *f;
	size_t nl;

	if (!m || m->n >= TT_METRICS_FAMILIES_MAX || type < TT_METRIC_COUNTER ||
	    type > TT_METRIC_HISTOGRAM || !valid_name(name, 1) || !help ||
	    !strcmp(name, TT_METRICS_DROPPED) || !valid_labels(labels, &nl) ||
	    !valid_buckets(type, buckets, nbuckets))
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->fam[i]->name, name))
			return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	*f = (struct tt_mfam){ .m = m, .type = type, .name = name, .help = help,
			       .labels = labels, .nlabels = nl,
			       .buckets = buckets, .nbuckets = nbuckets,
			       .other = -1 };
	if (!nl && !series_for(f, NULL)) {
		free(f->s);
		free(f->idx);
		free(f);
		return NULL;
	}
	m->fam[m->n++] = f;
	return f;
}

static int bad(struct tt_mfam *f)
{
	f->m->st.bad_updates++;
	return -EINVAL;
}

/* The series a counter or gauge update goes to, or NULL with the error
 * in *err (-EINVAL for a histogram, NaN or a counter going down; -ENOMEM). */
static struct tt_mseries *value_series(struct tt_mfam *f,
				       const char *const *values, double v,
				       int *err)
{
	struct tt_mseries *s;

	if (f->type == TT_METRIC_HISTOGRAM || isnan(v) ||
	    (f->type == TT_METRIC_COUNTER && v < 0)) {
		*err = bad(f);
		return NULL;
	}
	s = series_for(f, values);
	*err = s ? 0 : -ENOMEM;
	return s;
}

int tt_mfam_add(struct tt_mfam *f, const char *const *values, double v)
{
	int err;
	struct tt_mseries *s = value_series(f, values, v, &err);

	if (s)
		s->value += v;
	return err;
}

int tt_mfam_set(struct tt_mfam *f, const char *const *values, double v)
{
	int err;
	struct tt_mseries *s = value_series(f, values, v, &err);

	if (s)
		s->value = v; /* in "_other": the last label set's (see metrics.h) */
	return err;
}

int tt_mfam_observe(struct tt_mfam *f, const char *const *values, double v)
{
	struct tt_mseries *s;
	size_t i;

	if (f->type != TT_METRIC_HISTOGRAM || isnan(v))
		return bad(f);
	s = series_for(f, values);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < f->nbuckets && v > f->buckets[i]; i++)
		;
	if (i < f->nbuckets)
		s->bk[i]++;
	s->count++;
	s->value += v;
	return 0;
}

double tt_mfam_get(const struct tt_mfam *f, const char *const *values)
{
	struct key k;
	long at;

	make_key(f, values, &k);
	at = idx_find(f, &k);
	return at < 0 ? NAN : f->s[at].value;
}

void tt_metrics_get_stats(const struct tt_metrics *m,
			  struct tt_metrics_stats *out)
{
	*out = m->st;
}
