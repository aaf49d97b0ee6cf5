// SPDX-License-Identifier: MIT
/*
 * WebSocket frame parser for a passive observer: see ws.h.
 *
 * Hand-written rather than Debian's libwslay (1.1.1): wslay's frame layer
 * pulls bytes through a recv callback into its own 4 KiB buffer, stops
 * for good after a protocol error, has no notion of lost bytes or of a
 * stream joined midway, and its event layer answers pings and closes and
 * shuts reading down at the message cap, which an observer must never
 * do; it has no permessage-deflate either. The resync scan needs the
 * header rules anyway, and they are the whole of a frame parser.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include "http/ws.h"

#define WS_BUF_MIN 4096   /* first message buffer; kept between messages */
#define WS_CHUNK 4096     /* unmasking and discarded inflate output */

enum ws_state { S_HEAD, S_PAYLOAD, S_SCAN };

struct tt_ws {
	int sender;
	struct tt_ws_deflate pmd;
	size_t msg_max;
	struct tt_ws_callbacks cb;
	void *ctx;
	struct tt_ws_stats st;
	int nomem;            /* an allocation failed during this feed */

	enum ws_state state;
	uint8_t hdr[14];      /* header so far; the scan window while scanning */
	size_t hlen;
	int probation;        /* the current frame was found by a scan */

	/* The current frame. */
	int fin, opcode;
	uint8_t mask[4];
	int masked;
	size_t hsize;
	uint64_t plen, poff;
	int frame_lost;       /* control frame: bytes of it lost */
	uint8_t ctrl[TT_WS_CTRL_MAX];

	/* The data message in progress. */
	int in_msg, msg_op, msg_compressed, msg_lost;
	unsigned msg_frames;
	uint64_t msg_wire, msg_payload, inflated;
	int overflow;         /* over the cap: inflating only to keep the window */
	uint8_t *buf;
	size_t len, cap;

	/* A complete message a scanned frame ended, until confirmed. */
	int held;
	struct tt_ws_msg held_msg;

	z_stream zs;
	int z_ready;          /* zs initialized */
	int z_broken;         /* the window lost data: reset before the next message */
};

/* ------------------------------------------------------ extensions */

static int ws_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims [*s, *e) of optional whitespace and one pair of quotes. */
static void ws_trim(const char **s, const char **e)
{
	while (*s < *e && ws_ows(**s))
		(*s)++;
	while (*e > *s && ws_ows((*e)[-1]))
		(*e)--;
	if (*e - *s >= 2 && **s == '"' && (*e)[-1] == '"') {
		(*s)++;
		(*e)--;
	}
}

static int ws_is(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && !strncasecmp(s, word, n);
}

/* One parameter of permessage-deflate, name [= value]. */
static int ws_param(const char *s, const char *e, struct tt_ws_deflate *client,
		    struct tt_ws_deflate *server, unsigned *seen)
{
	const char *eq = memchr(s, '=', (size_t)(e - s)), *ne = eq ? eq : e;
	const char *v = eq ? eq + 1 : e, *ve = e;
	struct tt_ws_deflate *who;
	unsigned bit;
	int bits = 0;

	ws_trim(&s, &ne);
	ws_trim(&v, &ve);
	if (ws_is(s, ne, "server_no_context_takeover") ||
	    ws_is(s, ne, "client_no_context_takeover")) {
		who = *s == 's' || *s == 'S' ? server : client;
		bit = who == server ? 1 : 2;
		if (eq || (*seen & bit))
			return -EINVAL;
		who->no_context_takeover = 1;
	} else if (ws_is(s, ne, "server_max_window_bits") ||
		   ws_is(s, ne, "client_max_window_bits")) {
		who = *s == 's' || *s == 'S' ? server : client;
		bit = who == server ? 4 : 8;
		/* The server's answer must give the value (RFC 7692 7.1.2.2). */
		if (!eq || (*seen & bit) || v == ve || ve - v > 2)
			return -EINVAL;
		for (const char *c = v; c < ve; c++) {
			if (*c < '0' || *c > '9')
				return -EINVAL;
			bits = bits * 10 + (*c - '0');
		}
		if (bits < 8 || bits > 15)
			return -EINVAL;
		who->window_bits = bits;
	} else {
		return -EINVAL;
	}
	*seen |= bit;
	return 0;
}

int tt_ws_extensions(const char *value, size_t len,
		     struct tt_ws_deflate *client, struct tt_ws_deflate *server)
{
	const char *p = value, *end = value + len;
	int found = 0, err = 0;

	memset(client, 0, sizeof(*client));
	memset(server, 0, sizeof(*server));
	while (p < end && !err) {
		const char *ext_end = memchr(p, ',', (size_t)(end - p));
		const char *semi, *s = p, *e;
		unsigned seen = 0;

		ext_end = ext_end ? ext_end : end;
		semi = memchr(p, ';', (size_t)(ext_end - p));
		e = semi ? semi : ext_end;
		ws_trim(&s, &e);
		if (s == e) {
			p = ext_end + 1;
			continue;
		}
		/* Another extension could claim the RSV bits: not trusted. */
		if (!ws_is(s, e, "permessage-deflate") || found) {
			err = -EINVAL;
			break;
		}
		found = 1;
		client->enabled = server->enabled = 1;
		client->window_bits = server->window_bits = 15;
		while (semi && !err) {
			const char *ps = semi + 1, *pe;

			semi = memchr(ps, ';', (size_t)(ext_end - ps));
			pe = semi ? semi : ext_end;
			err = ws_param(ps, pe, client, server, &seen);
		}
		p = ext_end + 1;
	}
	if (err) {
		memset(client, 0, sizeof(*client));
		memset(server, 0, sizeof(*server));
		return err;
	}
	return found ? 0 : -ENOENT;
}

/* ------------------------------------------------------ messages */

static void ws_count(struct tt_ws *w, const struct tt_ws_msg *m)
{
	if (m->opcode == TT_WS_PING)
		w->st.pings++;
	else if (m->opcode == TT_WS_PONG)
		w->st.pongs++;
	else if (m->opcode == TT_WS_CLOSE)
		w->st.closes++;
	else if (m->lost)
		w->st.lost_messages++;
	else
		w->st.messages++;
}

/* The message buffer after a message: small ones are kept. */
static void ws_release(struct tt_ws *w)
{
	w->len = 0;
	if (w->cap > WS_BUF_MIN) {
		free(w->buf);
		w->buf = NULL;
		w->cap = 0;
	}
	w->st.buf_bytes = w->cap;
}

static void ws_deliver(struct tt_ws *w, const struct tt_ws_msg *m)
{
	ws_count(w, m);
	if (w->cb.on_message)
		w->cb.on_message(w->ctx, m);
}

/* A complete message: delivered, or held while its frame is unconfirmed
 * (a lost message is reported at once: it says something went wrong). */
static void ws_emit(struct tt_ws *w, const struct tt_ws_msg *m)
{
	if (w->probation && !m->lost) {
		w->held_msg = *m;
		w->held = 1;
		return;
	}
	ws_deliver(w, m);
	if (m->opcode < 8)
		ws_release(w);
}

static void ws_held_release(struct tt_ws *w, int confirmed)
{
	if (!w->held)
		return;
	w->held = 0;
	if (confirmed) {
		ws_deliver(w, &w->held_msg);
	} else {
		w->st.unconfirmed++;
		if (w->held_msg.opcode < 8) {
			/* Perhaps real, perhaps noise: say a message is gone. */
			w->held_msg.lost = TT_WS_LOST_GAP;
			w->held_msg.data = NULL;
			w->held_msg.len = 0;
			ws_deliver(w, &w->held_msg);
		}
	}
	if (w->held_msg.opcode < 8)
		ws_release(w);
}

static void ws_lose(struct tt_ws *w, int why)
{
	if (w->msg_lost && w->msg_lost != TT_WS_LOST_TOO_BIG)
		return;
	if (w->msg_lost != why) {
		if (why == TT_WS_LOST_TOO_BIG)
			w->st.too_big++;
		else if (why == TT_WS_LOST_INFLATE)
			w->st.inflate_errors++;
		else if (why == TT_WS_LOST_BOMB)
			w->st.bombs++;
	}
	w->msg_lost = why;
}

/* Ends the data message in progress (fin, or abandoned when lost). */
static void ws_msg_end(struct tt_ws *w)
{
	struct tt_ws_msg m = { 0 };

	m.opcode = w->msg_op;
	m.lost = w->msg_lost;
	m.close_code = -1;
	m.compressed = w->msg_compressed;
	m.frames = w->msg_frames;
	m.wire_bytes = w->msg_wire;
	m.payload_bytes = w->msg_payload;
	if (!m.lost) {
		m.data = w->buf ? w->buf : (const uint8_t *)"";
		m.len = w->len;
	}
	w->in_msg = 0;
	ws_emit(w, &m);
}

/* ------------------------------------------------------ payload */

static int ws_grow(struct tt_ws *w)
{
	size_t cap = w->cap ? w->cap * 2 : WS_BUF_MIN;
	uint8_t *nb;

	if (w->cap >= w->msg_max)
		return -E2BIG;
	if (cap > w->msg_max)
		cap = w->msg_max;
	nb = realloc(w->buf, cap);
	if (!nb) {
		w->nomem = 1;
		w->st.nomem++;
		return -ENOMEM;
	}
	w->buf = nb;
	w->cap = cap;
	w->st.buf_bytes = cap;
	return 0;
}

static void ws_append(struct tt_ws *w, const uint8_t *p, size_t n)
{
	if (w->msg_lost)
		return;
	while (w->len + n > w->cap) {
		int err = ws_grow(w);

		if (err) {
			ws_lose(w, err == -E2BIG ? TT_WS_LOST_TOO_BIG
						 : TT_WS_LOST_NOMEM);
			return;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static int ws_z_start(struct tt_ws *w)
{
	if (w->z_ready)
		return w->z_broken ? inflateReset(&w->zs) : Z_OK;
	memset(&w->zs, 0, sizeof(w->zs));
	/* A raw deflate stream; the window as agreed (zlib's inflater
	 * takes at least 9 bits; a larger window reads any smaller one). */
	if (inflateInit2(&w->zs, -(w->pmd.window_bits < 9 ? 9
						   : w->pmd.window_bits)) != Z_OK) {
		w->nomem = 1;
		w->st.nomem++;
		return Z_MEM_ERROR;
	}
	w->z_ready = 1;
	return Z_OK;
}

/* Where inflated bytes go: the message buffer, or scratch once over the
 * cap (the window must still see them). 0, or -1 when lost. */
static int ws_out(struct tt_ws *w, uint8_t *scratch, uint8_t **out,
		  size_t *room)
{
	if (!w->overflow && w->len == w->cap) {
		int err = ws_grow(w);

		if (err == -ENOMEM) {
			ws_lose(w, TT_WS_LOST_NOMEM);
			return -1;
		}
		w->overflow = err != 0;
	}
	if (w->overflow) {
		*out = scratch;
		*room = WS_CHUNK;
	} else {
		*out = w->buf + w->len;
		*room = w->cap - w->len;
	}
	return 0;
}

static void ws_inflate(struct tt_ws *w, const uint8_t *p, size_t n)
{
	uint8_t scratch[WS_CHUNK];

	if (w->msg_lost && w->msg_lost != TT_WS_LOST_TOO_BIG)
		return; /* the stream is given up for this message */
	w->zs.next_in = (Bytef *)p;
	w->zs.avail_in = (uInt)n;
	for (;;) {
		uint8_t *out;
		size_t room, got;
		int rc;

		if (ws_out(w, scratch, &out, &room))
			break;
		w->zs.next_out = out;
		w->zs.avail_out = (uInt)room;
		rc = inflate(&w->zs, Z_SYNC_FLUSH);
		got = room - w->zs.avail_out;
		if (w->overflow && got)
			ws_lose(w, TT_WS_LOST_TOO_BIG);
		else
			w->len += got;
		w->inflated += got;
		if (w->inflated > TT_WS_INFLATE_MAX) {
			ws_lose(w, TT_WS_LOST_BOMB);
			break;
		}
		if (rc == Z_STREAM_END) {
			/* A final block: what follows is a new stream. */
			inflateReset(&w->zs);
			if (!w->zs.avail_in)
				return;
			continue;
		}
		if (rc == Z_BUF_ERROR && w->zs.avail_out)
			return; /* all input used */
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			ws_lose(w, TT_WS_LOST_INFLATE);
			break;
		}
		if (!w->zs.avail_in && w->zs.avail_out)
			return;
	}
	w->z_broken = 1;
}

/* Payload bytes of the current frame, already unmasked. */
static void ws_payload(struct tt_ws *w, const uint8_t *p, size_t n)
{
	if (w->opcode >= 8) {
		memcpy(w->ctrl + w->poff, p, n);
		return;
	}
	if (w->msg_compressed)
		ws_inflate(w, p, n);
	else
		ws_append(w, p, n);
}

/* The current frame's payload is complete. */
static void ws_frame_end(struct tt_ws *w)
{
	static const uint8_t tail[4] = { 0x00, 0x00, 0xff, 0xff };

	w->state = S_HEAD;
	w->hlen = 0;
	if (w->opcode >= 8) {
		struct tt_ws_msg m = { 0 };

		m.opcode = w->opcode;
		m.lost = w->frame_lost ? TT_WS_LOST_GAP : TT_WS_OK;
		m.data = m.lost ? NULL : w->ctrl;
		m.len = m.lost ? 0 : (size_t)w->plen;
		m.close_code = w->opcode == TT_WS_CLOSE && !m.lost && w->plen >= 2
				       ? w->ctrl[0] << 8 | w->ctrl[1] : -1;
		m.frames = 1;
		m.wire_bytes = w->hsize + w->plen;
		m.payload_bytes = w->plen;
		ws_emit(w, &m);
		return;
	}
	if (!w->fin)
		return;
	if (w->msg_compressed) {
		/* RFC 7692 7.2.2: the sender removed this empty block. */
		ws_inflate(w, tail, sizeof(tail));
		if (w->pmd.no_context_takeover && w->z_ready)
			inflateReset(&w->zs);
	}
	ws_msg_end(w);
}

/* ------------------------------------------------------ headers */

static size_t ws_hdr_size(const uint8_t *h)
{
	uint8_t l = h[1] & 0x7f;

	return 2 + (l == 126 ? 2 : l == 127 ? 8 : 0) + (h[1] & 0x80 ? 4 : 0);
}

static uint64_t ws_hdr_len(const uint8_t *h)
{
	uint8_t l = h[1] & 0x7f;
	uint64_t v = 0;

	if (l < 126)
		return l;
	for (int i = 0; i < (l == 126 ? 2 : 8); i++)
		v = v << 8 | h[2 + i];
	return v;
}

/*
 * Whether the header bytes h[0..n) can start a frame here: 1 yes (the
 * header is complete), 0 need more bytes, -1 no. In sync (scan = 0) the
 * rules are RFC 6455's: RSV2/RSV3 clear, RSV1 only on the first frame of
 * a deflated message, a known opcode, control frames final and at most
 * 125 bytes, the mask bit as the sender must set it, a continuation only
 * inside a message and a new message only outside one. A scan (scan = 1)
 * judges plausibility by the same rules plus what honest peers always do
 * and noise rarely does: the shortest length encoding, and a payload no
 * larger than the message cap. It still matches noise now and then, which
 * is why a scanned frame needs the next header to confirm it.
 */
static int ws_check(const struct tt_ws *w, const uint8_t *h, size_t n,
		    int scan)
{
	int op, rsv1;
	uint64_t len;

	if (n < 1)
		return 0;
	op = h[0] & 0x0f;
	rsv1 = h[0] & 0x40;
	if ((h[0] & 0x30) || (op > 2 && op < 8) || op > 0xa)
		return -1;
	if (op >= 8 && (!(h[0] & 0x80) || rsv1))
		return -1;
	if (rsv1 && (!w->pmd.enabled || op == TT_WS_CONT))
		return -1;
	if (op == TT_WS_CONT ? !w->in_msg : (op < 8 && w->in_msg))
		return -1;
	if (n < 2)
		return 0;
	if (!(h[1] & 0x80) != (w->sender == TT_WS_SERVER))
		return -1;
	if (op >= 8 && (h[1] & 0x7f) > TT_WS_CTRL_MAX)
		return -1;
	if (n < ws_hdr_size(h))
		return 0;
	len = ws_hdr_len(h);
	if (len >> 63)
		return -1;
	if (scan && (((h[1] & 0x7f) == 126 && len < 126) ||
		     ((h[1] & 0x7f) == 127 && len < 65536) || len > w->msg_max))
		return -1;
	return 1;
}

static void ws_run(struct tt_ws *w, const uint8_t *d, size_t n);

/* The header in hdr (size hs) is accepted: the frame starts. */
static void ws_frame_begin(struct tt_ws *w, size_t hs)
{
	const uint8_t *h = w->hdr;

	w->fin = !!(h[0] & 0x80);
	w->opcode = h[0] & 0x0f;
	w->masked = !!(h[1] & 0x80);
	w->plen = ws_hdr_len(h);
	w->poff = 0;
	w->hsize = hs;
	w->frame_lost = 0;
	if (w->masked)
		memcpy(w->mask, h + hs - 4, 4);
	w->st.frames++;
	w->st.bytes += hs + w->plen;
	if (w->opcode >= 8) {
		w->st.control_frames++;
	} else {
		if (w->opcode != TT_WS_CONT) {
			w->in_msg = 1;
			w->msg_op = w->opcode;
			w->msg_compressed = !!(h[0] & 0x40);
			w->msg_lost = TT_WS_OK;
			w->msg_frames = 0;
			w->msg_wire = w->msg_payload = w->inflated = 0;
			w->overflow = 0;
			w->len = 0;
			if (w->msg_compressed && ws_z_start(w) != Z_OK)
				ws_lose(w, TT_WS_LOST_NOMEM);
			else if (w->msg_compressed)
				w->z_broken = 0;
		}
		w->msg_frames++;
		w->msg_wire += hs + w->plen;
		w->msg_payload += w->plen;
	}
	w->state = S_PAYLOAD;
	if (!w->plen)
		ws_frame_end(w);
}

/* Sync is lost: the message in progress is reported lost and a scan
 * starts; the header bytes after the first are scanned again. */
static void ws_sync_lost(struct tt_ws *w)
{
	ws_held_release(w, 0);
	if (w->in_msg) {
		w->msg_lost = TT_WS_LOST_GAP;
		ws_msg_end(w);
	} else {
		/* Whole messages may have been in the hole: say so. */
		struct tt_ws_msg m = { .opcode = TT_WS_CONT,
				       .lost = TT_WS_LOST_GAP, .close_code = -1 };

		ws_deliver(w, &m);
	}
	/* A whole message may be gone: with context takeover the inflater's
	 * window misses it. */
	if (w->pmd.enabled)
		w->z_broken = 1;
	w->probation = 0;
	if (w->state != S_SCAN) {
		w->st.resyncs++;
		w->state = S_SCAN;
	}
	if (w->hlen) {
		w->st.skipped_bytes++;
		memmove(w->hdr, w->hdr + 1, --w->hlen);
	}
}

static size_t ws_head(struct tt_ws *w, const uint8_t *d, size_t n)
{
	size_t i = 0;
	int r;

	while ((r = ws_check(w, w->hdr, w->hlen, 0)) == 0 && i < n)
		w->hdr[w->hlen++] = d[i++];
	if (r == 0)
		return i;
	if (r < 0) {
		if (w->probation)
			w->st.unconfirmed++;
		else
			w->st.bad_frames++;
		ws_sync_lost(w);
		return i;
	}
	/* A valid header after a scanned frame confirms it. */
	w->probation = 0;
	ws_held_release(w, 1);
	ws_frame_begin(w, w->hlen);
	return i;
}

static size_t ws_scan(struct tt_ws *w, const uint8_t *d, size_t n)
{
	size_t i = 0;

	for (;;) {
		int r = ws_check(w, w->hdr, w->hlen, 1);

		if (r > 0)
			break;
		if (r < 0) {
			w->st.skipped_bytes++;
			memmove(w->hdr, w->hdr + 1, --w->hlen);
			continue;
		}
		if (i == n)
			return n;
		w->hdr[w->hlen++] = d[i++];
	}
	{
		size_t hs = ws_hdr_size(w->hdr), extra = w->hlen - hs;
		uint8_t more[sizeof(w->hdr)];

		/* Bytes after the header were taken into the window: they
		 * are this frame's, and go through the normal path. */
		memcpy(more, w->hdr + hs, extra);
		w->hlen = hs;
		w->probation = 1;
		ws_frame_begin(w, hs);
		if (extra)
			ws_run(w, more, extra);
	}
	return i;
}

static size_t ws_body(struct tt_ws *w, const uint8_t *d, size_t n)
{
	uint64_t left = w->plen - w->poff;
	size_t take = left < n ? (size_t)left : n, done = 0;

	while (done < take) {
		uint8_t chunk[WS_CHUNK];
		size_t k = take - done < WS_CHUNK ? take - done : WS_CHUNK;
		const uint8_t *p = d + done;

		if (w->masked) {
			for (size_t j = 0; j < k; j++)
				chunk[j] = p[j] ^ w->mask[(w->poff + j) & 3];
			p = chunk;
		}
		ws_payload(w, p, k);
		w->poff += k;
		done += k;
	}
	if (w->poff == w->plen)
		ws_frame_end(w);
	return take;
}

static void ws_run(struct tt_ws *w, const uint8_t *d, size_t n)
{
	size_t off = 0;

	/* Each step consumes bytes or changes state (a header rejected in
	 * sync moves to the scan, which consumes or drops one): this ends. */
	while (off < n) {
		if (w->state == S_HEAD)
			off += ws_head(w, d + off, n - off);
		else if (w->state == S_PAYLOAD)
			off += ws_body(w, d + off, n - off);
		else
			off += ws_scan(w, d + off, n - off);
	}
}

/* ------------------------------------------------------ interface */

struct tt_ws *tt_ws_new(int sender, const struct tt_ws_deflate *pmd,
			size_t msg_max, int midway,
			const struct tt_ws_callbacks *cb, void *ctx)
{
	struct tt_ws *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->sender = sender == TT_WS_SERVER ? TT_WS_SERVER : TT_WS_CLIENT;
	if (pmd && pmd->enabled) {
		w->pmd = *pmd;
		if (w->pmd.window_bits < 8 || w->pmd.window_bits > 15)
			w->pmd.window_bits = 15;
	}
	w->msg_max = msg_max ? msg_max : 1;
	if (cb)
		w->cb = *cb;
	w->ctx = ctx;
	w->state = midway ? S_SCAN : S_HEAD;
	if (midway)
		w->st.resyncs++;
	return w;
}

void tt_ws_free(struct tt_ws *w)
{
	if (!w)
		return;
	if (w->z_ready)
		inflateEnd(&w->zs);
	free(w->buf);
	free(w);
}

int tt_ws_feed(struct tt_ws *w, const uint8_t *data, size_t len)
{
	w->nomem = 0;
	ws_run(w, data, len);
	return w->nomem ? -ENOMEM : 0;
}

void tt_ws_gap(struct tt_ws *w, uint64_t len)
{
	if (!len)
		return;
	w->st.gaps++;
	w->st.gap_bytes += len;
	if (w->state == S_PAYLOAD && len <= w->plen - w->poff) {
		/* In sync: only this frame's content is cut. */
		if (w->opcode >= 8) {
			w->frame_lost = 1;
		} else {
			w->msg_lost = TT_WS_LOST_GAP;
			if (w->msg_compressed)
				w->z_broken = 1;
		}
		w->poff += len;
		if (w->poff == w->plen)
			ws_frame_end(w);
		return;
	}
	if (w->state == S_SCAN) {
		w->st.skipped_bytes += w->hlen;
		w->hlen = 0;
		return;
	}
	w->hlen = 0; /* header bytes before a hole are no use */
	ws_sync_lost(w);
}

void tt_ws_finish(struct tt_ws *w)
{
	ws_held_release(w, 0);
	if (w->in_msg) {
		w->msg_lost = TT_WS_LOST_GAP;
		ws_msg_end(w);
	}
	w->state = S_HEAD;
	w->hlen = 0;
	w->probation = 0;
	ws_release(w);
}

const struct tt_ws_stats *tt_ws_get_stats(const struct tt_ws *w)
{
	return &w->st;
}
