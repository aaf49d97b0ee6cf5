// SPDX-License-Identifier: MIT
/*
 * Tests for user/http/ws.c: WebSocket frames seen passively. Streams are
 * built here frame by frame (masking and permessage-deflate with zlib, as
 * real peers do) and fed whole, at every split point and byte by byte;
 * the callback traces must agree exactly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "tt_test.h"
#include "http/ws.h"

/* ------------------------------------------------ building streams */

struct stream {
	uint8_t b[1 << 17];
	size_t n;
};

static void put(struct stream *s, const void *p, size_t n)
{
	TT_CHECK(s->n + n <= sizeof(s->b));
	if (s->n + n > sizeof(s->b))
		return;
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

/* One frame. mask: NULL for server frames. */
static void frame(struct stream *s, int fin, int rsv1, int op,
		  const uint8_t *mask, const void *payload, size_t len)
{
	uint8_t h[14];
	size_t hn = 2;
	const uint8_t *p = payload;

	h[0] = (uint8_t)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | op);
	if (len < 126) {
		h[1] = (uint8_t)len;
	} else if (len < 65536) {
		h[1] = 126;
		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		hn = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		hn = 10;
	}
	if (mask) {
		h[1] |= 0x80;
		memcpy(h + hn, mask, 4);
		hn += 4;
	}
	put(s, h, hn);
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i] ^ (mask ? mask[i & 3] : 0);

		put(s, &c, 1);
	}
}

static const uint8_t MASK[4] = { 0x37, 0xfa, 0x21, 0x3d };

static void text(struct stream *s, const uint8_t *mask, const char *t)
{
	frame(s, 1, 0, TT_WS_TEXT, mask, t, strlen(t));
}

/* Deflates one message as RFC 7692 says: sync flush, the 00 00 ff ff
 * tail removed. Returns the length written to out. */
static size_t pmd(z_stream *z, const char *msg, size_t len, uint8_t *out,
		  size_t cap)
{
	z->next_in = (Bytef *)msg;
	z->avail_in = (uInt)len;
	z->next_out = out;
	z->avail_out = (uInt)cap;
	TT_CHECK_EQ_INT(deflate(z, Z_SYNC_FLUSH), Z_OK);
	len = cap - z->avail_out;
	TT_CHECK(len >= 4 && !memcmp(out + len - 4, "\0\0\xff\xff", 4));
	return len - 4;
}

static void zinit(z_stream *z, int bits)
{
	memset(z, 0, sizeof(*z));
	TT_CHECK_EQ_INT(deflateInit2(z, 6, Z_DEFLATED, -bits, 8,
				     Z_DEFAULT_STRATEGY), Z_OK);
}

/* ------------------------------------------------ running */

struct trace {
	char s[1 << 16];
	size_t n;
};

static void tput(struct trace *t, const char *p, size_t n)
{
	for (size_t i = 0; i < n && t->n + 4 < sizeof(t->s); i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			t->s[t->n++] = (char)c;
		} else {
			static const char hex[] = "0123456789abcdef";

			t->s[t->n++] = '\\';
			t->s[t->n++] = hex[c >> 4];
			t->s[t->n++] = hex[c & 15];
		}
	}
	t->s[t->n] = '\0';
}

/* "[op lost len data frames/payload]" per message; data up to 40 bytes. */
static void on_message(void *ctx, const struct tt_ws_msg *m)
{
	struct trace *t = ctx;
	char head[96];

	TT_CHECK(m->lost ? m->data == NULL : m->data != NULL);
	TT_CHECK(m->frames >= 1 || (m->lost && m->opcode == TT_WS_CONT));
	TT_CHECK(m->wire_bytes >= m->payload_bytes + 2 * m->frames);
	snprintf(head, sizeof(head), "[%d %d %zu ", m->opcode, m->lost, m->len);
	tput(t, head, strlen(head));
	if (m->data)
		tput(t, (const char *)m->data, m->len < 40 ? m->len : 40);
	if (m->opcode == TT_WS_CLOSE)
		snprintf(head, sizeof(head), " code=%d", m->close_code);
	else
		snprintf(head, sizeof(head), " f=%u c=%d", m->frames, m->compressed);
	tput(t, head, strlen(head));
	tput(t, "]", 1);
}

static const struct tt_ws_callbacks cbs = { on_message };

struct run {
	int sender, midway;
	const struct tt_ws_deflate *pmd;
	size_t msg_max;
};

/* Feeds s cut at the offsets in cuts (ascending, ends with 0), with a
 * gap of gap_len bytes (the bytes are skipped) at gap_at when gap_len. */
static void feed(const struct run *r, const struct stream *s,
		 const size_t *cuts, size_t gap_at, size_t gap_len,
		 struct trace *t, struct tt_ws_stats *st)
{
	struct tt_ws *w = tt_ws_new(r->sender, r->pmd, r->msg_max ? r->msg_max : 4096,
				    r->midway, &cbs, t);
	size_t at = 0;

	TT_CHECK(w != NULL);
	if (!w)
		return;
	t->n = 0;
	t->s[0] = '\0';
	for (size_t i = 0;; i++) {
		size_t end = cuts && cuts[i] ? cuts[i] : s->n;

		if (gap_len && at <= gap_at && gap_at < end) {
			TT_CHECK_EQ_INT(tt_ws_feed(w, s->b + at, gap_at - at), 0);
			tt_ws_gap(w, gap_len);
			at = gap_at + gap_len;
			if (at > end)
				end = at;
		}
		if (end > at)
			TT_CHECK_EQ_INT(tt_ws_feed(w, s->b + at, end - at), 0);
		at = end;
		if (at >= s->n)
			break;
	}
	tt_ws_finish(w);
	*st = *tt_ws_get_stats(w);
	TT_CHECK_EQ_U64(st->buf_bytes <= 4096, 1);
	tt_ws_free(w);
}

static struct trace whole_t, cut_t;

/* Whole, every split into two, byte by byte: the same trace and counts.
 * Returns the whole run's trace. */
static const char *every_split(const struct run *r, const struct stream *s,
			       struct tt_ws_stats *st)
{
	struct tt_ws_stats cst;
	size_t cuts[2] = { 0, 0 };
	size_t *bytes = malloc((s->n + 1) * sizeof(*bytes));

	feed(r, s, NULL, 0, 0, &whole_t, st);
	for (size_t i = 1; i < s->n; i++) {
		cuts[0] = i;
		feed(r, s, cuts, 0, 0, &cut_t, &cst);
		if (strcmp(whole_t.s, cut_t.s) || memcmp(st, &cst, sizeof(cst))) {
			tt_case("split at %zu of %zu", i, s->n);
			TT_CHECK_EQ_STR(cut_t.s, whole_t.s);
			TT_CHECK(!memcmp(st, &cst, sizeof(cst)));
			break;
		}
	}
	TT_CHECK(bytes != NULL);
	if (bytes) {
		for (size_t i = 0; i < s->n; i++)
			bytes[i] = i + 1;
		bytes[s->n ? s->n - 1 : 0] = 0;
		feed(r, s, s->n ? bytes : NULL, 0, 0, &cut_t, &cst);
		TT_CHECK_EQ_STR(cut_t.s, whole_t.s);
		free(bytes);
	}
	return whole_t.s;
}

/* ------------------------------------------------ frames */

TT_TEST(server_text_every_split)
{
	static struct stream s;
	struct run r = { TT_WS_SERVER, 0, NULL, 0 };
	struct tt_ws_stats st;

	s.n = 0;
	text(&s, NULL, "{\"type\":\"response.created\"}");
	text(&s, NULL, "");
	TT_CHECK_EQ_STR(every_split(&r, &s, &st),
			"[1 0 27 {\"type\":\"response.created\"} f=1 c=0]"
			"[1 0 0  f=1 c=0]");
	TT_CHECK_EQ_U64(st.messages, 2);
	TT_CHECK_EQ_U64(st.frames, 2);
	TT_CHECK_EQ_U64(st.bytes, s.n);
}

TT_TEST(client_masked_every_split)
{
	static struct stream s;
	struct run r = { TT_WS_CLIENT, 0, NULL, 0 };
	struct tt_ws_stats st;

	s.n = 0;
	text(&s, MASK, "{\"type\":\"response.create\",\"model\":\"m\"}");
	frame(&s, 1, 0, TT_WS_BINARY, MASK, "\x00\x01\x02", 3);
	TT_CHECK_EQ_STR(every_split(&r, &s, &st),
			"[1 0 38 {\"type\":\"response.create\",\"model\":\"m\"} f=1 c=0]"
			"[2 0 3 \\00\\01\\02 f=1 c=0]");
	TT_CHECK_EQ_U64(st.bad_frames, 0);
}

/* A client frame without a mask (or a server frame with one) is not a
 * frame of that direction: sync is lost and the scan finds the next. */
TT_TEST(mask_bit_is_checked)
{
	static struct stream s;
	struct run r = { TT_WS_SERVER, 0, NULL, 0 };
	struct tt_ws_stats st;

	s.n = 0;
	text(&s, MASK, "masked");
	text(&s, NULL, "one");
	text(&s, NULL, "two");
	every_split(&r, &s, &st);
	TT_CHECK_EQ_U64(st.bad_frames, 1);
	TT_CHECK(strstr(whole_t.s, "[1 0 3 two f=1 c=0]") != NULL);
}

TT_TEST(extended_lengths)
{
	static struct stream s;
	static char big[70000];
	struct run r = { TT_WS_SERVER, 0, NULL, 100000 };
	struct tt_ws_stats st;
	struct trace t;

	memset(big, 'a', sizeof(big));
	s.n = 0;
	frame(&s, 1, 0, TT_WS_TEXT, NULL, big, 300);   /* 16-bit length */
	frame(&s, 1, 0, TT_WS_TEXT, NULL, big, 70000); /* 64-bit length */
	feed(&r, &s, NULL, 0, 0, &t, &st);
	TT_CHECK(strstr(t.s, "[1 0 300 ") == t.s);
	TT_CHECK(strstr(t.s, "[1 0 70000 ") != NULL);
	TT_CHECK_EQ_U64(st.messages, 2);
}

/* Fragments with control frames between them (RFC 6455 5.4). */
TT_TEST(fragments_with_control_frames)
{
	static struct stream s;
	struct run r = { TT_WS_CLIENT, 0, NULL, 0 };
	struct tt_ws_stats st;

	s.n = 0;
	frame(&s, 0, 0, TT_WS_TEXT, MASK, "{\"a\":", 5);
	frame(&s, 1, 0, TT_WS_PING, MASK, "hb", 2);
	frame(&s, 0, 0, TT_WS_CONT, MASK, "1,", 2);
	frame(&s, 1, 0, TT_WS_PONG, MASK, "", 0);
	frame(&s, 1, 0, TT_WS_CONT, MASK, "\"b\":2}", 6);
	frame(&s, 1, 0, TT_WS_CLOSE, MASK, "\x03\xe8" "bye", 5);
	TT_CHECK_EQ_STR(every_split(&r, &s, &st),
			"[9 0 2 hb f=1 c=0][10 0 0  f=1 c=0]"
			"[1 0 13 {\"a\":1,\"b\":2} f=3 c=0]"
			"[8 0 5 \\03\\e8bye code=1000]");
	TT_CHECK_EQ_U64(st.pings, 1);
	TT_CHECK_EQ_U64(st.pongs, 1);
	TT_CHECK_EQ_U64(st.closes, 1);
	TT_CHECK_EQ_U64(st.control_frames, 3);
	TT_CHECK_EQ_U64(st.messages, 1);
}

/* A continuation with no message, or a new message inside one, breaks
 * the protocol: counted, and the stream is scanned again. */
TT_TEST(fragment_order_violations)
{
	static struct stream s;
	struct run r = { TT_WS_SERVER, 0, NULL, 0 };
	struct tt_ws_stats st;

	s.n = 0;
	frame(&s, 1, 0, TT_WS_CONT, NULL, "orphan", 6);
	text(&s, NULL, "ok1");
	text(&s, NULL, "ok2");
	every_split(&r, &s, &st);
	TT_CHECK_EQ_U64(st.bad_frames, 1);
	TT_CHECK(strstr(whole_t.s, "[1 0 3 ok2 f=1 c=0]") != NULL);
}

/* ------------------------------------------------ permessage-deflate */

static const char *msg1 = "{\"type\":\"response.completed\",\"response\":"
			  "{\"id\":\"resp_1\",\"usage\":{\"input_tokens\":12}}}";
static const char *msg2 = "{\"type\":\"response.completed\",\"response\":"
			  "{\"id\":\"resp_2\",\"usage\":{\"input_tokens\":34}}}";

/* Two messages from one compressor: the second refers back into the
 * first (context takeover), so it decodes only with the window kept. */
static void deflate_two(struct stream *s, const uint8_t *mask, int bits,
			int reset)
{
	z_stream z;
	uint8_t c[512];
	size_t n;

	zinit(&z, bits);
	n = pmd(&z, msg1, strlen(msg1), c, sizeof(c));
	frame(s, 1, 1, TT_WS_TEXT, mask, c, n);
	if (reset)
		deflateReset(&z);
	n = pmd(&z, msg2, strlen(msg2), c, sizeof(c));
	TT_CHECK(reset || n < strlen(msg2) / 2); /* back references */
	/* Split over two frames: RSV1 only on the first. */
	frame(s, 0, 1, TT_WS_TEXT, mask, c, n / 2);
	frame(s, 1, 0, TT_WS_CONT, mask, c + n / 2, n - n / 2);
	deflateEnd(&z);
}

static const char *deflated_trace =
	"[1 0 84 {\"type\":\"response.completed\",\"response\": f=1 c=1]"
	"[1 0 84 {\"type\":\"response.completed\",\"response\": f=2 c=1]";

TT_TEST(deflate_context_takeover)
{
	static struct stream s;
	struct tt_ws_deflate d = { 1, 0, 15 };
	struct run r = { TT_WS_SERVER, 0, &d, 0 };
	struct tt_ws_stats st;

	s.n = 0;
	deflate_two(&s, NULL, 15, 0);
	TT_CHECK_EQ_STR(every_split(&r, &s, &st), deflated_trace);
	TT_CHECK_EQ_U64(st.inflate_errors, 0);
}

TT_TEST(deflate_no_context_takeover_client)
{
	static struct stream s;
	struct tt_ws_deflate d = { 1, 1, 15 };
	struct run r = { TT_WS_CLIENT, 0, &d, 0 };
	struct tt_ws_stats st;

	s.n = 0;
	deflate_two(&s, MASK, 15, 1);
	TT_CHECK_EQ_STR(every_split(&r, &s, &st), deflated_trace);
}

/* client_max_window_bits=9: the sender's window is 512 bytes. */
TT_TEST(deflate_small_window)
{
	static struct stream s;
	struct tt_ws_deflate d = { 1, 0, 9 };
	struct run r = { TT_WS_CLIENT, 0, &d, 0 };
	struct tt_ws_stats st;

	s.n = 0;
	deflate_two(&s, MASK, 9, 0);
	TT_CHECK_EQ_STR(every_split(&r, &s, &st), deflated_trace);
}

/* Without the window the second message cannot be read, and says so. */
TT_TEST(deflate_window_lost_is_an_error)
{
	static struct stream s;
	struct tt_ws_deflate d = { 1, 1, 15 }; /* wrongly told: no takeover */
	struct run r = { TT_WS_SERVER, 0, &d, 0 };
	struct tt_ws_stats st;

	s.n = 0;
	deflate_two(&s, NULL, 15, 0);
	every_split(&r, &s, &st);
	TT_CHECK_EQ_U64(st.messages, 1);
	TT_CHECK_EQ_U64(st.inflate_errors, 1);
	TT_CHECK(strstr(whole_t.s, "[1 3 0  f=2 c=1]") != NULL);
}

TT_TEST(deflate_garbage)
{
	static struct stream s;
	struct tt_ws_deflate d = { 1, 0, 15 };
	struct run r = { TT_WS_SERVER, 0, &d, 0 };
	struct tt_ws_stats st;
	struct trace t;

	s.n = 0;
	frame(&s, 1, 1, TT_WS_TEXT, NULL, "\xff\xff\xff\xff", 4);
	text(&s, NULL, "plain after");
	feed(&r, &s, NULL, 0, 0, &t, &st);
	TT_CHECK_EQ_STR(t.s, "[1 3 0  f=1 c=1][1 0 11 plain after f=1 c=0]");
}

/* RSV1 without permessage-deflate is a protocol error. */
TT_TEST(rsv1_without_deflate)
{
	static struct stream s;
	struct run r = { TT_WS_SERVER, 0, NULL, 0 };
	struct tt_ws_stats st;
	struct trace t;

	s.n = 0;
	frame(&s, 1, 1, TT_WS_TEXT, NULL, "xx", 2);
	for (int i = 0; i < 12; i++)
		text(&s, NULL, "{\"pad\":\"aaaaaaaaaaaaaaaaaaaaaaaaaa\"}");
	text(&s, NULL, "a");
	text(&s, NULL, "b");
	feed(&r, &s, NULL, 0, 0, &t, &st);
	TT_CHECK_EQ_U64(st.bad_frames, 1);
	TT_CHECK(strstr(t.s, "[1 0 1 b f=1 c=0]") != NULL);
}

/* ------------------------------------------------ caps */

TT_TEST(message_cap)
{
	static struct stream s;
	static char big[5000];
	struct run r = { TT_WS_SERVER, 0, NULL, 4096 };
	struct tt_ws_stats st;

	memset(big, 'x', sizeof(big));
	s.n = 0;
	frame(&s, 0, 0, TT_WS_TEXT, NULL, big, 3000);
	frame(&s, 1, 0, TT_WS_CONT, NULL, big, 2000);
	text(&s, NULL, "next");
	TT_CHECK_EQ_STR(every_split(&r, &s, &st),
			"[1 2 0  f=2 c=0][1 0 4 next f=1 c=0]");
	TT_CHECK_EQ_U64(st.too_big, 1);
	TT_CHECK_EQ_U64(st.lost_messages, 1);
}

/* Over the cap, a deflated message is still inflated (and discarded)
 * so that the next one, which refers back into it, decodes. */
TT_TEST(deflate_cap_keeps_window)
{
	static struct stream s;
	static char big[6000];
	static uint8_t c[8192];
	struct tt_ws_deflate d = { 1, 0, 15 };
	struct run r = { TT_WS_SERVER, 0, &d, 4096 };
	struct tt_ws_stats st;
	z_stream z;
	size_t n;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + (i * 7919) % 26);
	s.n = 0;
	zinit(&z, 15);
	n = pmd(&z, big, sizeof(big), c, sizeof(c));
	frame(&s, 1, 1, TT_WS_TEXT, NULL, c, n);
	n = pmd(&z, big, 100, c, sizeof(c)); /* all back references */
	frame(&s, 1, 1, TT_WS_TEXT, NULL, c, n);
	deflateEnd(&z);
	every_split(&r, &s, &st);
	TT_CHECK_EQ_U64(st.too_big, 1);
	TT_CHECK_EQ_U64(st.messages, 1);
	TT_CHECK_EQ_U64(st.inflate_errors, 0);
	TT_CHECK(strstr(whole_t.s, "[1 0 100 ") != NULL);
}

TT_TEST(deflate_bomb)
{
	static struct stream s;
	static uint8_t c[1 << 17];
	struct tt_ws_deflate d = { 1, 0, 15 };
	struct run r = { TT_WS_SERVER, 0, &d, 4096 };
	struct tt_ws_stats st;
	struct trace t;
	char *zeros = calloc(1, 1u << 20);
	z_stream z;
	size_t n = 0;

	TT_CHECK(zeros != NULL);
	if (!zeros)
		return;
	zinit(&z, 15);
	/* 65 MiB of zeros: about 64 KiB deflated. */
	for (int i = 0; i < 65; i++) {
		z.next_in = (Bytef *)zeros;
		z.avail_in = 1u << 20;
		z.next_out = c + n;
		z.avail_out = (uInt)(sizeof(c) - n);
		TT_CHECK_EQ_INT(deflate(&z, i == 64 ? Z_SYNC_FLUSH : Z_NO_FLUSH),
				Z_OK);
		n = sizeof(c) - z.avail_out;
	}
	deflateEnd(&z);
	free(zeros);
	s.n = 0;
	frame(&s, 1, 1, TT_WS_TEXT, NULL, c, n - 4);
	text(&s, NULL, "after");
	feed(&r, &s, NULL, 0, 0, &t, &st);
	TT_CHECK_EQ_STR(t.s, "[1 4 0  f=1 c=1][1 0 5 after f=1 c=0]");
	TT_CHECK_EQ_U64(st.bombs, 1);
}

/* ------------------------------------------------ gaps and resync */

static void three(struct stream *s, const uint8_t *mask)
{
	s->n = 0;
	text(s, mask, "{\"n\":1,\"pad\":\"aaaaaaaaaaaaaaaaaaaa\"}");
	text(s, mask, "{\"n\":2,\"pad\":\"bbbbbbbbbbbbbbbbbbbb\"}");
	text(s, mask, "{\"n\":3}");
	text(s, mask, "{\"n\":4}");
	text(s, mask, "{\"n\":5}");
}

/* Inside a payload of known length: only that message is lost. */
TT_TEST(gap_inside_payload)
{
	static struct stream s;
	struct run r = { TT_WS_CLIENT, 0, NULL, 0 };
	struct tt_ws_stats st;
	struct trace t;

	three(&s, MASK);
	feed(&r, &s, NULL, 10, 5, &t, &st);
	TT_CHECK(strstr(t.s, "[1 1 0  f=1 c=0][1 0 36 {\"n\":2") == t.s);
	TT_CHECK_EQ_U64(st.resyncs, 0);
	TT_CHECK_EQ_U64(st.lost_messages, 1);
	TT_CHECK_EQ_U64(st.messages, 4);
}

/* A gap over a header: sync is lost, and every gap position still ends
 * with message 4 found (5 confirms it when 4 was found by the scan). */
TT_TEST(gap_resync_every_position)
{
	static struct stream s;
	struct run r = { TT_WS_SERVER, 0, NULL, 0 };
	struct tt_ws_stats st;
	struct trace t;
	size_t third = 2 * (2 + 36);

	three(&s, NULL);
	for (size_t at = 0; at < third; at++) {
		tt_case("gap at %zu", at);
		feed(&r, &s, NULL, at, 3, &t, &st);
		TT_CHECK(strstr(t.s, "[1 0 7 {\"n\":4} f=1 c=0]") != NULL);
		TT_CHECK(strstr(t.s, "[0 1 0 ") || strstr(t.s, "[1 1 0 "));
	}
}

TT_TEST(midway_join)
{
	static struct stream s;
	struct run r = { TT_WS_CLIENT, 1, NULL, 0 };
	struct tt_ws_stats st;
	struct trace t;

	three(&s, MASK);
	/* From inside the first frame's payload. */
	for (size_t at = 3; at < 20; at++) {
		struct stream *tail = malloc(sizeof(*tail));

		TT_CHECK(tail != NULL);
		if (!tail)
			return;
		tail->n = 0;
		put(tail, s.b + at, s.n - at);
		tt_case("join at %zu", at);
		feed(&r, tail, NULL, 0, 0, &t, &st);
		TT_CHECK(strstr(t.s, "[1 0 36 {\"n\":2,") != NULL);
		TT_CHECK(strstr(t.s, "[1 0 7 {\"n\":4} f=1 c=0]") != NULL);
		TT_CHECK(st.skipped_bytes > 0);
		free(tail);
	}
}

/* A scanned header with nothing valid after it is not believed. */
TT_TEST(unconfirmed_candidate)
{
	static struct stream s;
	struct run r = { TT_WS_SERVER, 1, NULL, 0 };
	struct tt_ws_stats st;
	struct trace t;

	s.n = 0;
	put(&s, "\x81\x02hi\xff\xff", 6); /* plausible, then not a header */
	text(&s, NULL, "real");
	text(&s, NULL, "real2");
	feed(&r, &s, NULL, 0, 0, &t, &st);
	TT_CHECK(strstr(t.s, "hi") == NULL);
	TT_CHECK(strstr(t.s, "[1 0 5 real2 f=1 c=0]") != NULL);
	TT_CHECK(st.unconfirmed >= 1);
}

/* The last message found by a scan cannot be confirmed: lost at the end. */
TT_TEST(held_at_finish)
{
	static struct stream s;
	struct run r = { TT_WS_SERVER, 1, NULL, 0 };
	struct tt_ws_stats st;
	struct trace t;

	s.n = 0;
	text(&s, NULL, "only");
	feed(&r, &s, NULL, 0, 0, &t, &st);
	TT_CHECK_EQ_STR(t.s, "[1 1 0  f=1 c=0]");
	TT_CHECK_EQ_U64(st.unconfirmed, 1);
}

/* Lost sync with context takeover: later messages that need the lost
 * window fail; the parser survives. */
TT_TEST(deflate_gap_resync)
{
	static struct stream s;
	struct tt_ws_deflate d = { 1, 0, 15 };
	struct run r = { TT_WS_SERVER, 0, &d, 0 };
	struct tt_ws_stats st;
	struct trace t;

	s.n = 0;
	deflate_two(&s, NULL, 15, 0);
	for (int i = 0; i < 12; i++)
		text(&s, NULL, "{\"pad\":\"aaaaaaaaaaaaaaaaaaaaaaaaaa\"}");
	text(&s, NULL, "x");
	text(&s, NULL, "y");
	feed(&r, &s, NULL, 1, 2, &t, &st);
	TT_CHECK(strstr(t.s, "[1 0 1 y f=1 c=0]") != NULL);
	TT_CHECK_EQ_U64(st.messages >= 1, 1);
}

/* ------------------------------------------------ extensions */

TT_TEST(extensions)
{
	static const struct {
		const char *v;
		int ret, c_nct, c_bits, s_nct, s_bits;
	} cases[] = {
		{ "permessage-deflate", 0, 0, 15, 0, 15 },
		{ "permessage-deflate; client_max_window_bits=9; "
		  "server_no_context_takeover", 0, 0, 9, 1, 15 },
		{ "PerMessage-Deflate;server_max_window_bits=\"10\";"
		  "client_no_context_takeover", 0, 1, 15, 0, 10 },
		{ "", -ENOENT, 0, 0, 0, 0 },
		{ "permessage-deflate; client_max_window_bits", -EINVAL, 0, 0, 0, 0 },
		{ "permessage-deflate; server_max_window_bits=16", -EINVAL, 0, 0, 0, 0 },
		{ "permessage-deflate; server_max_window_bits=7", -EINVAL, 0, 0, 0, 0 },
		{ "permessage-deflate; server_no_context_takeover; "
		  "server_no_context_takeover", -EINVAL, 0, 0, 0, 0 },
		{ "permessage-deflate; x=1", -EINVAL, 0, 0, 0, 0 },
		{ "x-webkit-deflate-frame", -EINVAL, 0, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tt_ws_deflate c, s;
		int ret = tt_ws_extensions(cases[i].v, strlen(cases[i].v), &c, &s);

		tt_case("%s", cases[i].v);
		TT_CHECK_EQ_INT(ret, cases[i].ret);
		TT_CHECK_EQ_INT(c.enabled, ret == 0);
		if (ret)
			continue;
		TT_CHECK_EQ_INT(c.no_context_takeover, cases[i].c_nct);
		TT_CHECK_EQ_INT(c.window_bits, cases[i].c_bits);
		TT_CHECK_EQ_INT(s.no_context_takeover, cases[i].s_nct);
		TT_CHECK_EQ_INT(s.window_bits, cases[i].s_bits);
	}
}
