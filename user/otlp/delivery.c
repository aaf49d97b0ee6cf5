// SPDX-License-Identifier: MIT
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "otlp/delivery.h"
#include "util/counters.h"

static const char *const drop_names[TT_OTLP_DROP_MAX] = {
#define DROP_NAME(id, name, doc) [TT_OTLP_DROP_##id] = #name,
	TT_OTLP_DROPS(DROP_NAME)
#undef DROP_NAME
};

const char *tt_otlp_drop_name(int reason)
{
	return tt_name_of(drop_names, TT_OTLP_DROP_MAX, reason);
}

/* The OTLP/HTTP specification's retryable answers: 429, 502, 503, 504;
 * everything else that is not 2xx is final. */
enum tt_otlp_verdict tt_otlp_classify(enum tt_otlp_transport net, long status,
				      enum tt_otlp_drop *drop)
{
	enum tt_otlp_drop why;

	switch (net) {
	case TT_OTLP_NET_OK:
		break;
	case TT_OTLP_NET_CONNECT:
	case TT_OTLP_NET_TIMEOUT:
	case TT_OTLP_NET_BROKEN:
		return TT_OTLP_RETRY;
	default:
		why = TT_OTLP_DROP_TRANSPORT;
		goto out;
	}
	if (status >= 200 && status <= 299)
		return TT_OTLP_SENT;
	if (status == 429 || status == 502 || status == 503 || status == 504)
		return TT_OTLP_RETRY;
	if (status >= 400 && status <= 499)
		why = TT_OTLP_DROP_HTTP_4XX;
	else if (status >= 500 && status <= 599)
		why = TT_OTLP_DROP_HTTP_5XX;
	else
		why = TT_OTLP_DROP_HTTP_OTHER;
out:
	if (drop)
		*drop = why;
	return TT_OTLP_DROP;
}

uint32_t tt_otlp_backoff_next(uint32_t prev_ms, uint32_t max_ms)
{
	uint32_t next = prev_ms ? (prev_ms > UINT32_MAX / 2 ? UINT32_MAX
							   : prev_ms * 2)
				: TT_OTLP_BACKOFF_FIRST_MS;

	return next > max_ms ? max_ms : next;
}

uint32_t tt_otlp_backoff_wait(uint32_t backoff_ms, double jitter)
{
	uint32_t half = backoff_ms / 2;

	if (!(jitter >= 0) || jitter >= 1)
		jitter = 0;
	return backoff_ms - half + (uint32_t)(half * jitter);
}

/* A count as proto3 JSON writes an int64: a string (or, leniently, a
 * number). */
static uint64_t count_of(const cJSON *v)
{
	char *end;
	unsigned long long n;

	if (cJSON_IsNumber(v))
		return v->valuedouble >= 1 && v->valuedouble < 1.8e19
			       ? (uint64_t)v->valuedouble : 0;
	if (!cJSON_IsString(v) || v->valuestring[0] < '0' ||
	    v->valuestring[0] > '9')
		return 0;
	errno = 0;
	n = strtoull(v->valuestring, &end, 10);
	return *end || errno ? 0 : n;
}

uint64_t tt_otlp_partial_rejected(const char *body, size_t len)
{
	const cJSON *ps;
	cJSON *root;
	uint64_t n = 0;

	if (!body || !len || len > (64u << 10))
		return 0;
	root = cJSON_ParseWithLength(body, len);
	ps = cJSON_GetObjectItemCaseSensitive(root, "partialSuccess");
	if (cJSON_IsObject(ps)) {
		n = count_of(cJSON_GetObjectItemCaseSensitive(ps,
							      "rejectedLogRecords"));
		if (!n)
			n = count_of(cJSON_GetObjectItemCaseSensitive(
				ps, "rejectedDataPoints"));
	}
	cJSON_Delete(root);
	return n;
}

size_t tt_otlp_spool_header(char out[TT_OTLP_SPOOL_HDR_MAX], unsigned records,
			    uint64_t payload_bytes)
{
	int n = snprintf(out, TT_OTLP_SPOOL_HDR_MAX, "%s %u %" PRIu64 "\n",
			 TT_OTLP_SPOOL_MAGIC, records, payload_bytes);

	return n > 0 && n < TT_OTLP_SPOOL_HDR_MAX ? (size_t)n : 0;
}

/* A decimal number of at most max_digits, no sign, no leading zeros
 * beyond a lone 0; advances *p. */
static int dec(const char **p, const char *end, int max_digits, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int n = 0;

	while (s < end && *s >= '0' && *s <= '9' && n < max_digits) {
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
		n++;
	}
	if (!n || (n > 1 && (*p)[0] == '0') ||
	    (s < end && *s >= '0' && *s <= '9'))
		return -EINVAL;
	*p = s;
	*out = v;
	return 0;
}

int tt_otlp_spool_header_parse(const char *buf, size_t len, size_t *hdr_len,
			       unsigned *records, uint64_t *payload_bytes)
{
	size_t m = sizeof(TT_OTLP_SPOOL_MAGIC) - 1;
	const char *end = buf + (len < TT_OTLP_SPOOL_HDR_MAX
					 ? len : TT_OTLP_SPOOL_HDR_MAX);
	const char *p = buf + m;
	uint64_t r, b;

	if (len <= m + 1 || memcmp(buf, TT_OTLP_SPOOL_MAGIC, m) || *p++ != ' ' ||
	    dec(&p, end, 9, &r) || p >= end || *p++ != ' ' ||
	    dec(&p, end, 15, &b) || p >= end || *p++ != '\n' || !r)
		return -EINVAL;
	*hdr_len = (size_t)(p - buf);
	*records = (unsigned)r;
	*payload_bytes = b;
	return 0;
}

int tt_otlp_spool_version(const char *buf, size_t len)
{
	size_t m = sizeof(TT_OTLP_SPOOL_NAME) - 1;
	const char *p = buf + m + 1;
	const char *end = buf + (len < TT_OTLP_SPOOL_HDR_MAX
					 ? len : TT_OTLP_SPOOL_HDR_MAX);
	uint64_t v;

	if (len <= m + 1 || memcmp(buf, TT_OTLP_SPOOL_NAME, m) || buf[m] != ' ' ||
	    dec(&p, end, 6, &v) || p >= end || *p != ' ')
		return -EINVAL;
	return (int)v;
}

int tt_otlp_spool_index_init(struct tt_otlp_spool_index *ix, size_t cap,
			     uint64_t max_bytes)
{
	memset(ix, 0, sizeof(*ix));
	if (!cap)
		return -EINVAL;
	ix->ent = calloc(cap, sizeof(*ix->ent));
	if (!ix->ent)
		return -ENOMEM;
	ix->cap = cap;
	ix->max_bytes = max_bytes;
	ix->next_seq = 1;
	return 0;
}

void tt_otlp_spool_index_free(struct tt_otlp_spool_index *ix)
{
	free(ix->ent);
	memset(ix, 0, sizeof(*ix));
}

const struct tt_otlp_spool_entry *
tt_otlp_spool_index_oldest(const struct tt_otlp_spool_index *ix)
{
	return ix->n ? &ix->ent[ix->head] : NULL;
}

void tt_otlp_spool_index_pop(struct tt_otlp_spool_index *ix)
{
	const struct tt_otlp_spool_entry *e = tt_otlp_spool_index_oldest(ix);

	if (!e)
		return;
	ix->bytes -= e->bytes;
	ix->records -= e->records;
	ix->head = (ix->head + 1) % ix->cap;
	ix->n--;
}

/* Oldest first: a spool that outlives a long outage keeps the most recent
 * hours, the ones a dashboard is looking at (docs/otlp.md). */
long tt_otlp_spool_index_make_room(struct tt_otlp_spool_index *ix,
				   uint64_t bytes,
				   struct tt_otlp_spool_entry *evicted)
{
	long n = 0;

	if (bytes > ix->max_bytes)
		return -E2BIG;
	while (ix->n && (ix->bytes + bytes > ix->max_bytes || ix->n == ix->cap)) {
		evicted[n++] = ix->ent[ix->head];
		tt_otlp_spool_index_pop(ix);
	}
	return n;
}

int tt_otlp_spool_index_push(struct tt_otlp_spool_index *ix,
			     const struct tt_otlp_spool_entry *e)
{
	if (ix->n == ix->cap || ix->bytes + e->bytes > ix->max_bytes ||
	    e->seq < ix->next_seq)
		return -E2BIG;
	ix->ent[(ix->head + ix->n) % ix->cap] = *e;
	ix->n++;
	ix->bytes += e->bytes;
	ix->records += e->records;
	ix->next_seq = e->seq + 1;
	return 0;
}

/* Entries: a 4-byte length, then the bytes. A length of WRAP (or no room
 * for a length at the end) sends the reader back to offset 0. */
#define WRAP 0xffffffffu

int tt_otlp_queue_init(struct tt_otlp_queue *q, size_t cap)
{
	memset(q, 0, sizeof(*q));
	if (cap < 64 || cap > (1u << 30))
		return -EINVAL;
	q->buf = malloc(cap);
	if (!q->buf)
		return -ENOMEM;
	q->cap = cap;
	return 0;
}

void tt_otlp_queue_free(struct tt_otlp_queue *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}

int tt_otlp_queue_push(struct tt_otlp_queue *q, const char *line, size_t n)
{
	size_t need = 4 + n, waste = 0;
	uint32_t len = (uint32_t)n;

	/* Half the ring at most, so a wrap can never make a line unfit. */
	if (n >= q->cap / 2 || n >= WRAP)
		return -E2BIG;
	if (q->cap - q->tail < need)
		waste = q->cap - q->tail; /* the rest of the ring is skipped */
	if (q->used + waste + need > q->cap)
		return -ENOSPC;
	if (waste) {
		if (waste >= 4) {
			uint32_t w = WRAP;

			memcpy(q->buf + q->tail, &w, 4);
		}
		q->used += waste;
		q->tail = 0;
	}
	memcpy(q->buf + q->tail, &len, 4);
	memcpy(q->buf + q->tail + 4, line, n);
	q->tail = (q->tail + need) % q->cap;
	q->used += need;
	q->lines++;
	if (q->used > q->high_water)
		q->high_water = q->used;
	return 0;
}

long tt_otlp_queue_pop(struct tt_otlp_queue *q, char *out, size_t cap)
{
	uint32_t len;

	if (!q->lines)
		return -EAGAIN;
	if (q->cap - q->head < 4) {
		q->used -= q->cap - q->head;
		q->head = 0;
	} else {
		memcpy(&len, q->buf + q->head, 4);
		if (len == WRAP) {
			q->used -= q->cap - q->head;
			q->head = 0;
		}
	}
	memcpy(&len, q->buf + q->head, 4);
	if (len <= cap)
		memcpy(out, q->buf + q->head + 4, len);
	q->head = (q->head + 4 + len) % q->cap;
	q->used -= 4 + len;
	q->lines--;
	if (!q->lines) /* empty: start over, the whole ring is one run */
		q->head = q->tail = q->used = 0;
	return len <= cap ? (long)len : -E2BIG;
}
