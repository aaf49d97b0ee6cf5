/* SPDX-License-Identifier: MIT */
/*
 * The few top-level fields of an AI API request body, read without a tree
 * and without buffering: request bodies can be megabytes of prompt. A JSON
 * state machine fed the decoded body in arbitrary pieces keeps only a
 * depth counter (plus one bit per open container, so brackets are checked)
 * and the fields of interest, at depth 1 of the top-level object:
 * "model", "stream", "service_tier" and "stream_options"."include_usage".
 * Everything else is validated and skipped. Duplicate keys: the last one
 * wins (a later value of another type resets the field to absent).
 *
 * Also the multipart/form-data helpers for the endpoints that send the
 * model as a form field (audio transcriptions, image edits): multipart.c.
 */
#ifndef TT_REQSCAN_H
#define TT_REQSCAN_H

#include <stddef.h>
#include <stdint.h>
#include "provider/call.h"
#include "util/siphash.h"

#define TT_REQSCAN_DEPTH_MAX 512 /* open containers; deeper is -E2BIG */

/*
 * Embeddable, no allocation, ~300 bytes. Callers read f (through
 * tt_reqscan_fields()) and the *_truncated flags; the rest is private.
 */
struct tt_reqscan {
	struct tt_req_fields f;
	int model_truncated;        /* f.model was cut to fit (UTF-8 safe) */
	int service_tier_truncated;
	/* Optional, set by the caller after init: every byte fed is hashed
	 * into it except the top-level "model" string's content and closing
	 * quote, so that a body sent again to another model hashes the same
	 * (retry/retry.h). Stops at the first error: see hash_ok. */
	struct tt_siphash *hash;
	int hash_ok;                /* hash covers the body so far (no error) */
	/* private */
	int err;                    /* sticky */
	uint16_t depth;             /* open containers */
	uint16_t vlen;              /* bytes in the field being filled */
	uint16_t ucode;             /* \uXXXX being read */
	uint16_t uhigh;             /* pending high surrogate, 0 if none */
	uint8_t state, role, str_is_key, kmask, kpos, key1, key2, vtarget;
	uint8_t lit, lit_pos, num, ucount;
	uint8_t objbits[TT_REQSCAN_DEPTH_MAX / 8]; /* 1: object, 0: array */
};

void tt_reqscan_init(struct tt_reqscan *s);

/* Returns 0, or the sticky error: -EINVAL malformed JSON (or a top-level
 * value that is not an object), -E2BIG nesting deeper than
 * TT_REQSCAN_DEPTH_MAX. Fields complete before the error stay. */
int tt_reqscan_feed(struct tt_reqscan *s, const uint8_t *p, size_t n);

/* End of body: 0 if the top-level object was complete, -EPIPE if it was
 * truncated (or nothing was fed), or the sticky error. A field value cut
 * off by the end is dropped. */
int tt_reqscan_finish(struct tt_reqscan *s);

const struct tt_req_fields *tt_reqscan_fields(const struct tt_reqscan *s);

#define TT_MULTIPART_BOUNDARY_MAX 128 /* buffer for a boundary, NUL included */

/*
 * Boundary from a Content-Type value ("multipart/form-data; boundary=..."),
 * quoted or not, into out (NUL-terminated). Returns its length, -ENOENT
 * when the type is not multipart/ or has no (or an empty) boundary,
 * -E2BIG when it does not fit in outlen, -EINVAL when outlen is 0.
 */
int tt_multipart_boundary(const char *ctype, size_t len, char *out,
			  size_t outlen);

/*
 * Finds the value of form field `name` in the first len bytes of a
 * multipart body (a bounded prefix, e.g. 64 KiB; CRLF or bare LF line
 * ends). Returns the length copied into out (NUL-terminated, truncated to
 * outlen - 1 bytes on a UTF-8 boundary), -EAGAIN if the prefix ends before
 * the answer is known, -ENOENT if the body's close delimiter came without
 * the field, -EINVAL for an empty or over-long (>= TT_MULTIPART_BOUNDARY_MAX)
 * boundary or outlen 0. Once an answer other than -EAGAIN is given, longer
 * prefixes give the same one.
 */
int tt_multipart_field(const uint8_t *body, size_t len, const char *boundary,
		       const char *name, char *out, size_t outlen);

#endif
