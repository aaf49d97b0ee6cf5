// SPDX-License-Identifier: MIT
/*
 * AWS event stream decoder. A message that arrives whole inside one feed
 * is checked and passed straight from the caller's bytes; otherwise it is
 * gathered in one buffer bounded by max_message, its CRC computed as the
 * bytes arrive so a message too big to keep can still be verified while
 * it is skipped.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "framing/eventstream.h"
#include "util/mem.h"

#define PRELUDE_LEN 12
#define CRC_LEN 4

enum es_state {
	ES_PRELUDE, /* gathering the 12 prelude bytes */
	ES_BODY,    /* gathering the message into buf */
	ES_SKIP,    /* the message streams past, only its CRC kept */
	ES_ERROR,   /* sticky until finish */
};

struct tt_eventstream {
	size_t max_message;
	struct tt_mem mem; /* buf and this struct come from it */
	uint8_t *buf;
	size_t cap;
	uint8_t prelude[PRELUDE_LEN];
	size_t have;          /* prelude bytes gathered */
	uint32_t total, hlen; /* of the current message */
	size_t pos;           /* bytes of the current message seen */
	uLong crc;            /* over [0, min(pos, total - 4)) */
	uint8_t tail[CRC_LEN];/* the message CRC as it arrives */
	int state;
	int skip_nomem;       /* ES_SKIP because the buffer could not grow */
	int ret;              /* what the current feed returns */
	struct tt_eventstream_stats stats;
};

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

struct tt_eventstream *tt_eventstream_new(size_t max_message,
					 const struct tt_mem *mem)
{
	struct tt_eventstream *es = tt_mem_calloc(mem, 1, sizeof(*es));

	if (!es)
		return NULL;
	es->mem = tt_mem_resolve(mem);
	if (max_message > TT_EVENTSTREAM_SPEC_MAX)
		max_message = TT_EVENTSTREAM_SPEC_MAX;
	es->max_message = max_message;
	return es;
}

void tt_eventstream_free(struct tt_eventstream *es)
{
	if (es)
		tt_mem_free_obj(&es->mem, es->buf, es);
}

const struct tt_eventstream_stats *
tt_eventstream_get_stats(const struct tt_eventstream *es)
{
	return &es->stats;
}

int tt_eventstream_header_next(const uint8_t *block, size_t len, size_t *off,
			       struct tt_eventstream_header *h)
{
	size_t o = *off, name_len, vlen;
	uint64_t v = 0;

	if (o >= len)
		return 0;
	name_len = block[o++];
	if (len - o < name_len + 1)
		return -EINVAL;
	h->name = (const char *)block + o;
	h->name_len = name_len;
	o += name_len;
	h->type = block[o++];
	switch (h->type) {
	case TT_EVENTSTREAM_TRUE:
	case TT_EVENTSTREAM_FALSE:
		vlen = 0;
		break;
	case TT_EVENTSTREAM_BYTE:
		vlen = 1;
		break;
	case TT_EVENTSTREAM_SHORT:
		vlen = 2;
		break;
	case TT_EVENTSTREAM_INT:
		vlen = 4;
		break;
	case TT_EVENTSTREAM_LONG:
	case TT_EVENTSTREAM_TIMESTAMP:
		vlen = 8;
		break;
	case TT_EVENTSTREAM_UUID:
		vlen = 16;
		break;
	case TT_EVENTSTREAM_BYTES:
	case TT_EVENTSTREAM_STRING:
		if (len - o < 2)
			return -EINVAL;
		vlen = be16(block + o);
		o += 2;
		break;
	default:
		return -EINVAL;
	}
	if (len - o < vlen)
		return -EINVAL;
	h->value = block + o;
	h->value_len = vlen;
	switch (h->type) {
	case TT_EVENTSTREAM_TRUE:
		h->num = 1;
		break;
	case TT_EVENTSTREAM_BYTE:
		h->num = (int8_t)block[o];
		break;
	case TT_EVENTSTREAM_SHORT:
		h->num = (int16_t)be16(block + o);
		break;
	case TT_EVENTSTREAM_INT:
		h->num = (int32_t)be32(block + o);
		break;
	case TT_EVENTSTREAM_LONG:
	case TT_EVENTSTREAM_TIMESTAMP:
		v = be64(block + o);
		memcpy(&h->num, &v, sizeof(v)); /* two's complement, no UB */
		break;
	default:
		h->num = 0;
	}
	*off = o + vlen;
	return 1;
}

static void fail(struct tt_eventstream *es, uint64_t *counter)
{
	(*counter)++;
	es->state = ES_ERROR;
	es->ret = -EINVAL;
}

/* The string headers the callers look for. */
static void pick_header(struct tt_eventstream_msg *m,
			const struct tt_eventstream_header *h)
{
	const struct {
		const char *name;
		const char **value;
		size_t *len;
	} wanted[] = {
		{ ":event-type", &m->event_type, &m->event_type_len },
		{ ":message-type", &m->message_type, &m->message_type_len },
		{ ":content-type", &m->content_type, &m->content_type_len },
		{ ":exception-type", &m->exception_type,
		  &m->exception_type_len },
		{ ":error-code", &m->error_code, &m->error_code_len },
		{ ":error-message", &m->error_message, &m->error_message_len },
	};

	if (h->type != TT_EVENTSTREAM_STRING)
		return;
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		if (strlen(wanted[i].name) != h->name_len ||
		    memcmp(wanted[i].name, h->name, h->name_len))
			continue;
		*wanted[i].value = (const char *)h->value;
		*wanted[i].len = h->value_len;
		return;
	}
}

/* A whole message whose CRCs were checked. */
static void deliver(struct tt_eventstream *es, const uint8_t *msg,
		    uint32_t total, tt_eventstream_cb cb, void *ctx)
{
	uint32_t hlen = be32(msg + 4);
	const uint8_t *block = msg + PRELUDE_LEN;
	struct tt_eventstream_header h;
	struct tt_eventstream_msg m = {
		.event_type = "", .message_type = "", .content_type = "",
		.exception_type = "", .error_code = "", .error_message = "",
	};
	size_t off = 0;
	int ret;

	while ((ret = tt_eventstream_header_next(block, hlen, &off, &h)) > 0)
		pick_header(&m, &h);
	if (ret < 0) {
		es->stats.bad_headers++;
		return;
	}
	m.headers = block;
	m.headers_len = hlen;
	m.payload = (const char *)block + hlen;
	m.payload_len = total - TT_EVENTSTREAM_OVERHEAD - hlen;
	es->stats.messages++;
	cb(ctx, &m);
}

/* Checks a prelude and takes its lengths; 0, or -1 after fail(). */
static int prelude_check(struct tt_eventstream *es, const uint8_t *b)
{
	uint32_t total = be32(b), hlen = be32(b + 4);

	if ((uint32_t)crc32(0, b, 8) != be32(b + 8)) {
		fail(es, &es->stats.prelude_crc_errors);
		return -1;
	}
	if (total < TT_EVENTSTREAM_OVERHEAD ||
	    total > TT_EVENTSTREAM_SPEC_MAX ||
	    hlen > total - TT_EVENTSTREAM_OVERHEAD) {
		fail(es, &es->stats.bad_lengths);
		return -1;
	}
	es->total = total;
	es->hlen = hlen;
	return 0;
}

/* The prelude is in es->prelude and sound: keep or skip the rest. */
static void body_start(struct tt_eventstream *es)
{
	size_t cap;
	uint8_t *nb;

	es->crc = crc32(0, es->prelude, PRELUDE_LEN);
	es->pos = PRELUDE_LEN;
	es->skip_nomem = 0;
	if (es->total > es->max_message) {
		es->state = ES_SKIP;
		return;
	}
	if (es->total > es->cap) {
		cap = es->cap ? es->cap : 4096;
		while (cap < es->total)
			cap *= 2; /* total <= 16 MiB: no overflow */
		if (cap > es->max_message)
			cap = es->max_message;
		nb = tt_mem_realloc(&es->mem, es->buf, cap);
		if (!nb) {
			es->state = ES_SKIP;
			es->skip_nomem = 1;
			es->ret = -ENOMEM;
			return;
		}
		es->buf = nb;
		es->cap = cap;
	}
	memcpy(es->buf, es->prelude, PRELUDE_LEN);
	es->state = ES_BODY;
}

/* The next k bytes of the message body (k <= total - pos). */
static void body_add(struct tt_eventstream *es, const uint8_t *p, size_t k,
		     tt_eventstream_cb cb, void *ctx)
{
	size_t crc_end = es->total - CRC_LEN, m;

	if (es->pos < crc_end) {
		m = k < crc_end - es->pos ? k : crc_end - es->pos;
		es->crc = crc32(es->crc, p, (uInt)m);
	}
	if (es->state == ES_BODY)
		memcpy(es->buf + es->pos, p, k);
	for (size_t i = es->pos < crc_end ? crc_end - es->pos : 0; i < k; i++)
		es->tail[es->pos + i - crc_end] = p[i];
	es->pos += k;
	if (es->pos < es->total)
		return;
	if ((uint32_t)es->crc != be32(es->tail)) {
		fail(es, &es->stats.message_crc_errors);
		return;
	}
	if (es->state == ES_BODY)
		deliver(es, es->buf, es->total, cb, ctx);
	else if (es->skip_nomem)
		es->stats.nomem++;
	else
		es->stats.oversize++;
	es->state = ES_PRELUDE;
	es->have = 0;
}

int tt_eventstream_feed(struct tt_eventstream *es, const uint8_t *p,
			size_t n, tt_eventstream_cb cb, void *ctx)
{
	size_t i = 0, k;
	const uint8_t *msg;

	es->stats.bytes += n;
	if (es->state == ES_ERROR)
		return -EINVAL;
	es->ret = 0;
	if (!n)
		return 0;
	while (i < n && es->state != ES_ERROR) {
		if (es->state != ES_PRELUDE) {
			k = es->total - es->pos;
			if (k > n - i)
				k = n - i;
			body_add(es, p + i, k, cb, ctx);
			i += k;
			continue;
		}
		if (!es->have && n - i >= PRELUDE_LEN) {
			/* Fast path: the whole message is here. */
			msg = p + i;
			if (prelude_check(es, msg))
				break;
			if (es->total <= es->max_message && n - i >= es->total) {
				if ((uint32_t)crc32(0, msg, es->total - CRC_LEN) !=
				    be32(msg + es->total - CRC_LEN)) {
					fail(es, &es->stats.message_crc_errors);
					break;
				}
				deliver(es, msg, es->total, cb, ctx);
				i += es->total;
				continue;
			}
			memcpy(es->prelude, msg, PRELUDE_LEN);
			es->have = PRELUDE_LEN;
			i += PRELUDE_LEN;
			body_start(es);
			continue;
		}
		k = PRELUDE_LEN - es->have;
		if (k > n - i)
			k = n - i;
		memcpy(es->prelude + es->have, p + i, k);
		es->have += k;
		i += k;
		if (es->have == PRELUDE_LEN && !prelude_check(es, es->prelude))
			body_start(es);
	}
	return es->ret;
}

int tt_eventstream_finish(struct tt_eventstream *es)
{
	int ret;

	if (es->state == ES_ERROR)
		ret = -EINVAL;
	else
		ret = es->state != ES_PRELUDE || es->have;
	es->state = ES_PRELUDE;
	es->have = 0;
	es->pos = 0;
	es->skip_nomem = 0;
	return ret;
}
