// SPDX-License-Identifier: MIT
/* One allocation event as an OTLP log record, and the batch around it
 * (OTLP/HTTP JSON: int64 as strings, enums as numbers, lowerCamelCase).
 * The attributes are alloc/fields.c's rows with a rank, in rank order;
 * docs/otlp.md has them as a table. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "alloc/fields.h"
#include "util/jsonw.h"
#include "otlp/otlp.h"
#include "otlp/otlp_impl.h"

static void attr_open(struct tt_jsonw *w, const char *key)
{
	tt_jsonw_open(w, NULL);
	tt_jsonw_str(w, "key", key);
	tt_jsonw_open(w, "value");
}

static void attr_close(struct tt_jsonw *w)
{
	tt_jsonw_close(w);
	tt_jsonw_close(w);
}

void tt_otlp_attr_str(struct tt_jsonw *w, const char *key, const char *v)
{
	attr_open(w, key);
	tt_jsonw_str(w, "stringValue", v);
	attr_close(w);
}

/* OTLP JSON writes 64-bit integers as strings. */
void tt_otlp_u64(struct tt_jsonw *w, const char *key, uint64_t v)
{
	tt_jsonw_u64_str(w, key, v);
}

/* The exported rows in rank order, with their names and the JSON that
 * opens each one's attribute ({"key":"gen_ai.provider.name","value":{),
 * made once: a record has about 70 of them. */
#define ATTRS_MAX 160
#define HEAD_MAX (TT_FIELD_ATTR_MAX + 32)

struct attr {
	struct tt_field_leaf leaf;
	char head[HEAD_MAX];
	size_t head_len;
};

static struct attr attrs[ATTRS_MAX];
static size_t n_attrs;
static pthread_once_t attrs_once = PTHREAD_ONCE_INIT;

static void attrs_init(void)
{
	static struct tt_field_leaf leaves[ATTRS_MAX];
	long n = tt_event_leaves(leaves, ATTRS_MAX);

	/* The unit test checks that ranks run 1..N without a gap or a
	 * repeat; a table that broke that would lose attributes here. */
	for (long i = 0; i < n; i++) {
		unsigned r = leaves[i].f->rank;
		struct attr *a = &attrs[r ? r - 1 : 0];
		struct tt_jsonw w;

		if (!r || r > ATTRS_MAX)
			continue;
		a->leaf = leaves[i];
		tt_jsonw_init(&w, a->head, sizeof(a->head));
		attr_open(&w, a->leaf.attr);
		a->head_len = w.overflow ? 0 : w.len;
	}
	while (n_attrs < ATTRS_MAX && attrs[n_attrs].leaf.f &&
	       attrs[n_attrs].head_len)
		n_attrs++;
}

/* Opens the attribute of a table row. */
static void head(struct tt_jsonw *w, const struct attr *a)
{
	tt_jsonw_open_raw(w, a->head, a->head_len);
}

const char *tt_otlp_key_attr(unsigned key)
{
	static const size_t off[TT_OTLP_KEYS] = {
		[TT_OTLP_KEY_PROVIDER] = offsetof(struct tt_event, provider),
		[TT_OTLP_KEY_OPERATION] = offsetof(struct tt_event, operation),
		[TT_OTLP_KEY_REQ_MODEL] = offsetof(struct tt_event, request_model),
		[TT_OTLP_KEY_RESP_MODEL] = offsetof(struct tt_event, response_model),
		[TT_OTLP_KEY_SERVER] = offsetof(struct tt_event, server_address),
	};

	pthread_once(&attrs_once, attrs_init);
	for (size_t i = 0; i < n_attrs && key < TT_OTLP_KEYS; i++) {
		const struct tt_field *f = attrs[i].leaf.f;

		if (key == TT_OTLP_KEY_ERROR ? f->kind == TT_FK_OTLP_ERROR_TYPE
					     : f->kind == TT_FK_STR &&
						       f->off == off[key])
			return attrs[i].leaf.attr;
	}
	return "?"; /* the unit test's exact payload would show it */
}

static void list_open(struct tt_jsonw *w, const struct attr *a,
		      const char *kind)
{
	head(w, a);
	tt_jsonw_open(w, kind);
	tt_jsonw_open_array(w, "values");
}

static void list_close(struct tt_jsonw *w)
{
	tt_jsonw_close_array(w);
	tt_jsonw_close(w);
	attr_close(w);
}

static void list_str(struct tt_jsonw *w, const char *v)
{
	tt_jsonw_open(w, NULL);
	tt_jsonw_str(w, "stringValue", v);
	tt_jsonw_close(w);
}

static void attr_double(struct tt_jsonw *w, const struct attr *a, double v)
{
	head(w, a);
	tt_jsonw_double(w, "doubleValue", v);
	attr_close(w);
}

static void attr_int(struct tt_jsonw *w, const struct attr *a, int64_t v)
{
	head(w, a);
	tt_jsonw_int_str(w, "intValue", v);
	attr_close(w);
}

static void attr_str(struct tt_jsonw *w, const struct attr *a, const char *s)
{
	if (!s || !s[0])
		return;
	if (!(a->leaf.f->flags & TT_FF_OTLP_LIST)) {
		head(w, a);
		tt_jsonw_str(w, "stringValue", s);
		attr_close(w);
		return;
	}
	list_open(w, a, "arrayValue");
	list_str(w, s);
	list_close(w);
}

static void attr_list(struct tt_jsonw *w, const struct attr *a, const void *p)
{
	if (a->leaf.f->kind == TT_FK_STRS) {
		const struct tt_strs *l = p;

		list_open(w, a, "arrayValue");
		for (size_t k = 0; k < l->n; k++)
			if (l->v[k] && l->v[k][0])
				list_str(w, l->v[k]);
	} else {
		const struct tt_kvs *m = p;

		list_open(w, a, "kvlistValue");
		for (size_t k = 0; k < m->n; k++)
			if (m->kv[k].value && m->kv[k].value[0])
				tt_otlp_attr_str(w, m->kv[k].key ? m->kv[k].key : "",
						 m->kv[k].value);
	}
	list_close(w);
}

/* One row's attribute. A value that is null in the ledger gives none:
 * OTLP has no null. */
static void attr_value(struct tt_jsonw *w, const struct tt_event *ev,
		       const struct attr *a)
{
	const void *p = tt_field_ptr(ev, a->leaf.f);
	char err[TT_OTLP_STR_MAX];

	switch (a->leaf.f->kind) {
	case TT_FK_STR:
		attr_str(w, a, *(const char *const *)p);
		break;
	case TT_FK_INT:
		attr_int(w, a, *(const int64_t *)p);
		break;
	case TT_FK_COUNT:
		if (*(const int64_t *)p >= 0)
			attr_int(w, a, *(const int64_t *)p);
		break;
	case TT_FK_BOOL:
		head(w, a);
		tt_jsonw_bool(w, "boolValue", *(const int *)p);
		attr_close(w);
		break;
	/* Durations as the ledger's milliseconds: whole microseconds. */
	case TT_FK_MS:
		attr_double(w, a,
			    (double)(*(const uint64_t *)p / 1000u) / 1000.0);
		break;
	case TT_FK_MS_OPT:
		if (*(const int64_t *)p >= 0)
			attr_double(w, a,
				    (double)(*(const int64_t *)p / 1000) / 1000.0);
		break;
	case TT_FK_AMOUNT:
		if (!isnan(*(const double *)p))
			attr_double(w, a, *(const double *)p);
		break;
	case TT_FK_STRS:
	case TT_FK_KVS:
		attr_list(w, a, p);
		break;
	case TT_FK_OTLP_ERROR_TYPE:
		tt_otlp_error_type(ev, err);
		attr_str(w, a, err);
		break;
	default: /* TIME, RAW: not exported (rank 0) */
		break;
	}
}

/* s is n lower-case hex digits, not all zero (W3C Trace Context ids). */
static int trace_hex(const char *s, size_t n)
{
	int nonzero = 0;
	size_t i;

	if (!s)
		return 0;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
		nonzero |= s[i] != '0';
	}
	return !s[n] && nonzero;
}

long tt_otlp_log_record(const struct tt_event *ev, uint64_t observed_ns,
			char *out, size_t cap)
{
	int ok = ev->outcome && !strcmp(ev->outcome,
					tt_outcome_name(TT_OUT_SUCCESS));
	struct tt_jsonw w;

	pthread_once(&attrs_once, attrs_init);
	tt_jsonw_init(&w, out, cap);
	tt_jsonw_open(&w, NULL);
	/* As the ledger's timestamp_utc says it: to the microsecond. */
	tt_otlp_u64(&w, "timeUnixNano", ev->start_ns / 1000u * 1000u);
	tt_otlp_u64(&w, "observedTimeUnixNano", observed_ns);
	/* A failed call is worth a look: WARN; everything else INFO. */
	tt_jsonw_int(&w, "severityNumber", ok ? 9 : 13);
	tt_jsonw_str(&w, "severityText", ok ? "INFO" : "WARN");
	/* The caller's traceparent: the record joins the application's trace
	 * under the span that made the call (OTLP/JSON ids are hex). The
	 * ledger was checked at capture; a line read back is checked again. */
	if (trace_hex(ev->trace_id, 32)) {
		tt_jsonw_str(&w, "traceId", ev->trace_id);
		if (trace_hex(ev->span_id, 16))
			tt_jsonw_str(&w, "spanId", ev->span_id);
	}
	tt_jsonw_open(&w, "body");
	tt_jsonw_str(&w, "stringValue", TT_EVENT_TYPE);
	tt_jsonw_close(&w);
	tt_jsonw_open_array(&w, "attributes");
	for (size_t i = 0; i < n_attrs; i++)
		if (tt_field_group_present(ev, attrs[i].leaf.group_off) &&
		    !tt_field_absent(ev, attrs[i].leaf.row))
			attr_value(&w, ev, &attrs[i]);
	tt_jsonw_close_array(&w);
	tt_jsonw_close(&w);
	return tt_jsonw_finish(&w);
}

static void resource(struct tt_jsonw *w, const struct tt_otlp_resource *res)
{
	tt_jsonw_open(w, "resource");
	tt_jsonw_open_array(w, "attributes");
	tt_otlp_attr_str(w, "service.name", "tokentap");
	if (res && res->service_version && res->service_version[0])
		tt_otlp_attr_str(w, "service.version", res->service_version);
	if (res && res->host_name && res->host_name[0])
		tt_otlp_attr_str(w, "host.name", res->host_name);
	tt_jsonw_close_array(w);
	tt_jsonw_close(w);
}

static void scope(struct tt_jsonw *w, const struct tt_otlp_resource *res)
{
	tt_jsonw_open(w, "scope");
	tt_jsonw_str(w, "name", "tokentap");
	if (res && res->service_version && res->service_version[0])
		tt_jsonw_str(w, "version", res->service_version);
	tt_jsonw_close(w);
}

void tt_otlp_payload_open(struct tt_jsonw *w,
			  const struct tt_otlp_resource *res,
			  const char *resources, const char *scopes,
			  const char *items)
{
	tt_jsonw_open(w, NULL);
	tt_jsonw_open_array(w, resources);
	tt_jsonw_open(w, NULL);
	resource(w, res);
	tt_jsonw_open_array(w, scopes);
	tt_jsonw_open(w, NULL);
	scope(w, res);
	tt_jsonw_open_array(w, items);
}

/* What tt_otlp_batch_finish appends: the records' array, the scopeLogs
 * entry and array, the resourceLogs entry and array, the top object. */
static const char batch_tail[] = "]}]}]}";

int tt_otlp_batch_init(struct tt_otlp_batch *b, size_t max_bytes,
		       unsigned max_records)
{
	memset(b, 0, sizeof(*b));
	if (max_bytes < 4096 || !max_records)
		return -EINVAL;
	b->buf = malloc(max_bytes + 1);
	if (!b->buf)
		return -ENOMEM;
	b->max_bytes = max_bytes;
	b->max_records = max_records;
	return 0;
}

void tt_otlp_batch_free(struct tt_otlp_batch *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

void tt_otlp_batch_begin(struct tt_otlp_batch *b,
			 const struct tt_otlp_resource *res)
{
	struct tt_jsonw w;

	/* The head is short and bounded (a host name is < 256 bytes); an
	 * overflow leaves head_len 0 and every add fails with -E2BIG. */
	tt_jsonw_init(&w, b->buf, b->max_bytes);
	tt_otlp_payload_open(&w, res, "resourceLogs", "scopeLogs", "logRecords");
	b->len = w.overflow ? 0 : w.len;
	b->head_len = b->len;
	b->records = 0;
}

int tt_otlp_batch_add(struct tt_otlp_batch *b, const char *rec, size_t n)
{
	size_t need = n + (b->records ? 1 : 0) + sizeof(batch_tail) - 1;

	if (!b->head_len ||
	    n + sizeof(batch_tail) - 1 > b->max_bytes - b->head_len)
		return -E2BIG;
	if (b->records >= b->max_records || need > b->max_bytes - b->len)
		return -ENOSPC;
	if (b->records)
		b->buf[b->len++] = ',';
	memcpy(b->buf + b->len, rec, n);
	b->len += n;
	b->records++;
	return 0;
}

size_t tt_otlp_batch_finish(struct tt_otlp_batch *b)
{
	/* add() kept room for the tail. */
	memcpy(b->buf + b->len, batch_tail, sizeof(batch_tail));
	b->len += sizeof(batch_tail) - 1;
	return b->len;
}
