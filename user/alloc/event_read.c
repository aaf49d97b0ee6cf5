// SPDX-License-Identifier: MIT
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "alloc/event_read.h"
#include "alloc/fields.h"
#include "util/timefmt.h"

#define DEPTH_MAX 4

static void *value_at(struct tt_event *ev, const struct tt_field *f)
{
	return (char *)ev + f->off;
}

static void set_absent(struct tt_event *ev, unsigned row)
{
	ev->absent[row / 64] |= 1ull << (row % 64);
}

/* Keeps p for tt_event_read_free(). 0 or -ENOMEM (p freed). */
static int keep(struct tt_event_read *rd, void *p)
{
	if (!p)
		return -ENOMEM;
	if (rd->n_allocs == TT_EVENT_READ_ALLOCS) { /* more such rows than */
		free(p);                            /* the table has */
		return -ENOMEM;
	}
	rd->allocs[rd->n_allocs++] = p;
	return 0;
}

/* An integral number in int64_t range (the ledger writes no others). */
static int integral(const cJSON *v, int64_t *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return 0;
	d = v->valuedouble;
	/* Range first: converting an out-of-range double is undefined. */
	if (!(d >= -9.2e18 && d <= 9.2e18) || d != (double)(int64_t)d)
		return 0;
	*out = (int64_t)d;
	return 1;
}

/* Milliseconds as the ledger writes them (>= 0, whole microseconds) to
 * ns. Rounded to the microsecond, which is exact below 9e9 ms (104 days:
 * no call lasts that long), so a line read and written again is the
 * same. */
static int ms_to_ns(const cJSON *v, uint64_t *ns)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble >= 9e9)
		return 0;
	*ns = (uint64_t)(v->valuedouble * 1000.0 + 0.5) * 1000u;
	return 1;
}

/* An array (strs) or object (kvs) of strings and nulls; other members
 * are left out. 0, 1 (not an array/object: absent) or -ENOMEM. */
static int read_list(struct tt_event_read *rd, const cJSON *v, void *dst,
		     int kvs)
{
	const cJSON *it;
	size_t n = 0, i = 0;
	void *arr;

	if (kvs ? !cJSON_IsObject(v) : !cJSON_IsArray(v))
		return 1;
	cJSON_ArrayForEach(it, v)
		n += cJSON_IsString(it) || cJSON_IsNull(it);
	arr = calloc(n ? n : 1, kvs ? sizeof(struct tt_kv) : sizeof(char *));
	if (keep(rd, arr))
		return -ENOMEM;
	cJSON_ArrayForEach(it, v) {
		const char *s = cJSON_IsString(it) ? it->valuestring : NULL;

		if (!s && !cJSON_IsNull(it))
			continue;
		if (kvs)
			((struct tt_kv *)arr)[i++] = (struct tt_kv){
				it->string ? it->string : "", s };
		else
			((const char **)arr)[i++] = s;
	}
	if (kvs)
		*(struct tt_kvs *)dst = (struct tt_kvs){ arr, n };
	else
		*(struct tt_strs *)dst = (struct tt_strs){ arr, n };
	return 0;
}

/* One value row. 0 or -ENOMEM. */
static int read_value(struct tt_event_read *rd, const struct tt_field *f,
		      unsigned row, const cJSON *v)
{
	struct tt_event *ev = &rd->ev;
	void *p = value_at(ev, f);
	int64_t i;
	uint64_t u;
	int ret = 0;

	switch (f->kind) {
	case TT_FK_STR:
		*(const char **)p = cJSON_IsString(v) ? v->valuestring : NULL;
		break;
	case TT_FK_INT:
		if (integral(v, &i))
			*(int64_t *)p = i;
		else
			set_absent(ev, row);
		break;
	case TT_FK_COUNT:
		*(int64_t *)p = integral(v, &i) && i >= 0 ? i : -1;
		break;
	case TT_FK_BOOL:
		if (cJSON_IsBool(v))
			*(int *)p = cJSON_IsTrue(v);
		else
			set_absent(ev, row);
		break;
	case TT_FK_TIME:
		if (cJSON_IsString(v) && !tt_record_time_parse(v->valuestring, &u))
			*(uint64_t *)p = u;
		else
			set_absent(ev, row);
		break;
	case TT_FK_MS:
		if (ms_to_ns(v, &u))
			*(uint64_t *)p = u;
		else
			set_absent(ev, row);
		break;
	case TT_FK_MS_OPT:
		*(int64_t *)p = ms_to_ns(v, &u) ? (int64_t)u : -1;
		break;
	case TT_FK_AMOUNT:
		*(double *)p = cJSON_IsNumber(v) ? v->valuedouble : NAN;
		break;
	case TT_FK_RAW:
		if (v && !cJSON_IsNull(v)) {
			ret = keep(rd, cJSON_PrintUnformatted(v));
			if (!ret)
				*(const char **)p = rd->allocs[rd->n_allocs - 1];
		}
		break;
	case TT_FK_STRS:
	case TT_FK_KVS:
		ret = read_list(rd, v, p, f->kind == TT_FK_KVS);
		if (ret == 1) {
			set_absent(ev, row);
			ret = 0;
		}
		break;
	}
	return ret;
}

int tt_event_from_json(const cJSON *root, struct tt_event_read *rd)
{
	const cJSON *stack[DEPTH_MAX + 1];
	unsigned depth = 0, skip = 0;
	int ret = 0;

	memset(rd, 0, sizeof(*rd));
	rd->ev.cost_amount = NAN;
	stack[0] = cJSON_IsObject(root) ? root : NULL;
	for (unsigned i = 0; i < tt_event_nfields && !ret; i++) {
		const struct tt_field *f = &tt_event_fields[i];
		const cJSON *obj = stack[depth];
		const cJSON *v = obj && f->key
			? cJSON_GetObjectItemCaseSensitive(obj, f->key) : NULL;

		if (skip) { /* inside an "object or null" that is null */
			skip += f->kind == TT_FK_OBJ;
			skip -= f->kind == TT_FK_END;
			continue;
		}
		if (f->kind == TT_FK_END) {
			depth--;
		} else if (f->kind == TT_FK_OBJ) {
			if (f->off != TT_FIELD_ALWAYS) {
				*(int *)value_at(&rd->ev, f) = cJSON_IsObject(v);
				if (!cJSON_IsObject(v)) {
					skip = 1;
					continue;
				}
			}
			if (depth == DEPTH_MAX) {
				ret = -ENOMEM; /* the table is deeper than this */
				break;
			}
			/* Missing: its members read as missing. */
			stack[++depth] = cJSON_IsObject(v) ? v : NULL;
		} else if (f->key) {
			ret = read_value(rd, f, i, v);
		}
	}
	if (ret)
		tt_event_read_free(rd);
	return ret;
}

void tt_event_read_free(struct tt_event_read *rd)
{
	for (unsigned i = 0; i < rd->n_allocs; i++)
		free(rd->allocs[i]);
	memset(rd, 0, sizeof(*rd));
}
