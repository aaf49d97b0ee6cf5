/* SPDX-License-Identifier: MIT */
/*
 * RFC 6455 WebSocket frames of one direction of one connection, seen by a
 * passive observer: fed the decrypted byte stream after the 101 response
 * in arbitrary pieces, it reassembles fragmented messages (capped),
 * unmasks client frames, inflates permessage-deflate messages (RFC 7692,
 * with or without context takeover, any max_window_bits) and reports each
 * complete message, control frames (ping, pong, close with its code)
 * included, with its frame accounting. Pure: bytes in, messages and
 * counters out; it never answers a ping or a close.
 *
 * Lost bytes (tt_ws_gap) inside the payload of a frame of known length
 * keep the parser in sync: the message they cut is reported lost. Any
 * other gap, a frame that breaks the protocol, or a parser created for a
 * connection joined midway, makes it scan for the next plausible frame
 * header (see ws.c, ws_plausible) and count what it skipped. A scanned
 * header is believed only once the frame it announces is followed by
 * another valid header: a message it completes is held until then.
 *
 * Memory per direction: the struct, a message buffer grown on demand up
 * to the cap and released after each message (4 KiB kept), and, with
 * permessage-deflate, one zlib inflater (its window is 2^max_window_bits).
 * Callbacks must not call back into the same parser.
 */
#ifndef TT_WS_H
#define TT_WS_H

#include <stddef.h>
#include <stdint.h>

#define TT_WS_INFLATE_MAX (64u << 20) /* decompressed bytes of one message: a bomb past it */
#define TT_WS_CTRL_MAX 125            /* control frame payload (RFC 6455 5.5) */

/* Who sent the frames: a client masks every frame, a server none. */
enum tt_ws_sender { TT_WS_CLIENT = 0, TT_WS_SERVER = 1 };

enum tt_ws_opcode {
	TT_WS_CONT = 0x0, TT_WS_TEXT = 0x1, TT_WS_BINARY = 0x2,
	TT_WS_CLOSE = 0x8, TT_WS_PING = 0x9, TT_WS_PONG = 0xa,
};

/* Why a message's content is not delivered (tt_ws_msg.lost). */
enum tt_ws_lost {
	TT_WS_OK = 0,
	TT_WS_LOST_GAP,      /* bytes of it were lost, or sync was */
	TT_WS_LOST_TOO_BIG,  /* over the message cap */
	TT_WS_LOST_INFLATE,  /* not a valid deflate stream (or its window was lost) */
	TT_WS_LOST_BOMB,     /* inflated past TT_WS_INFLATE_MAX */
	TT_WS_LOST_NOMEM,
};

/* permessage-deflate as the 101 response agreed it, for one sender. */
struct tt_ws_deflate {
	int enabled;
	int no_context_takeover; /* the sender resets its compressor per message */
	int window_bits;         /* 8..15, the sender's max_window_bits */
};

struct tt_ws_msg {
	int opcode;           /* TEXT, BINARY, CLOSE, PING, PONG */
	int lost;             /* enum tt_ws_lost; data is NULL unless TT_WS_OK */
	const uint8_t *data;  /* payload: unmasked, inflated; valid during the callback */
	size_t len;
	int close_code;       /* CLOSE: the status code, -1 when none */
	int compressed;       /* RSV1: the message was deflated */
	unsigned frames;      /* frames of this message */
	uint64_t wire_bytes;  /* its frames' bytes, headers included */
	uint64_t payload_bytes; /* its frames' payload bytes as sent (compressed) */
};

struct tt_ws_callbacks {
	void (*on_message)(void *ctx, const struct tt_ws_msg *m);
};

struct tt_ws_stats {
	uint64_t frames, control_frames, bytes; /* parsed, headers included */
	uint64_t messages;       /* data messages delivered whole */
	uint64_t pings, pongs, closes;
	uint64_t lost_messages;  /* data messages reported lost (all reasons) */
	uint64_t too_big, inflate_errors, bombs, nomem;
	uint64_t bad_frames;     /* headers that break the protocol: sync lost */
	uint64_t resyncs;        /* scans started */
	uint64_t unconfirmed;    /* scanned headers not followed by a valid one */
	uint64_t skipped_bytes;  /* discarded while scanning */
	uint64_t gaps, gap_bytes;
	uint64_t buf_bytes;      /* message buffer held now (a gauge) */
};

/*
 * Parses the server's Sec-WebSocket-Extensions (the 101 response) into
 * the deflate parameters of each sender. Returns 0 (permessage-deflate
 * agreed), -ENOENT (not agreed: no compression), or -EINVAL (a parameter
 * RFC 7692 does not allow: the compressed messages cannot be trusted).
 */
int tt_ws_extensions(const char *value, size_t len,
		     struct tt_ws_deflate *client, struct tt_ws_deflate *server);

/* sender: enum tt_ws_sender. pmd: NULL or the sender's deflate terms.
 * msg_max: cap of one reassembled (inflated) data message. midway: the
 * stream does not start at a frame boundary (scan first). NULL when out
 * of memory. */
struct tt_ws *tt_ws_new(int sender, const struct tt_ws_deflate *pmd,
			size_t msg_max, int midway,
			const struct tt_ws_callbacks *cb, void *ctx);
void tt_ws_free(struct tt_ws *w);

/* Parses len more bytes. Returns 0, or -ENOMEM when a buffer or the
 * inflater could not be allocated (that message is lost and counted; the
 * parser stays usable). */
int tt_ws_feed(struct tt_ws *w, const uint8_t *data, size_t len);

/* len bytes of the stream were lost here. */
void tt_ws_gap(struct tt_ws *w, uint64_t len);

/* The stream ended: a message in progress or held is reported lost. */
void tt_ws_finish(struct tt_ws *w);

const struct tt_ws_stats *tt_ws_get_stats(const struct tt_ws *w);

#endif
