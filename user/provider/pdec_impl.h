/* SPDX-License-Identifier: MIT */
/*
 * Inside the provider decoders: the per-provider operations table and the
 * helpers they share. Not for callers outside user/provider/.
 */
#ifndef TT_PDEC_IMPL_H
#define TT_PDEC_IMPL_H

#include <cjson/cJSON.h>
#include "provider/call.h"
#include "util/pct.h"

struct tt_provider_ops {
	const char *name;
	/* 1 when this decoder takes the request (hint, host, path). */
	int (*match)(const struct tt_req_info *req, const char *path);
	/* Sets operation, request_model (body or path), stream; provider
	 * is preset from the hint and may be refined. */
	void (*begin)(struct tt_pdec *d, const struct tt_req_info *req,
		      const char *path);
	/* Final response head: ids and header-borne usage. Returns the
	 * framing (enum tt_framing). status and the generic request id are
	 * already set in d->call. */
	int (*response)(struct tt_pdec *d, int status,
			const struct tt_hdrs *hdrs);
	/* One parsed document of the body (see tt_pdec_json). */
	void (*json)(struct tt_pdec *d, const char *event, size_t event_len,
		     const cJSON *doc);
	/* End: settle usage and usage_status; the generic code then applies
	 * the outcome rules and totals (see provider.c). */
	void (*finish)(struct tt_pdec *d, int complete);
};

#define TT_PDEC_SCRATCH 512

struct tt_pdec {
	const struct tt_provider_ops *ops;
	struct tt_call call;
	struct tt_req_fields req;
	int framing;
	int terminal_seen;  /* the stream's terminal event arrived */
	int stream_error;   /* an error event arrived inside a 2xx stream */
	int usage_seen;     /* some usage numbers were read */
	int no_usage_expected; /* a 2xx body that never carries usage */
	/* Per-provider state; each decoder casts it to its own struct
	 * (checked with _Static_assert against TT_PDEC_SCRATCH). */
	union {
		uint64_t align;
		unsigned char b[TT_PDEC_SCRATCH];
	} scratch;
	struct tt_pdec_stats stats;
};

/* Each decoder file defines one or more `const struct tt_provider_ops`;
 * provider.c declares them and lists them in the order they are tried. */

/* Number at key (integral JSON number), or -1. */
int64_t tt_pj_int(const cJSON *obj, const char *key);
/* Number at a dotted path ("prompt_tokens_details.cached_tokens"), or -1. */
int64_t tt_pj_path_int(const cJSON *obj, const char *path);
/* Copies the string at key into out (truncated); leaves out as is when
 * absent or not a string. Returns 1 when copied. */
int tt_pj_str(const cJSON *obj, const char *key, char *out, size_t outlen);
/* Copies len bytes of src into out, NUL-terminated, truncated. */
void tt_copy(char *out, size_t outlen, const char *src, size_t len);
/* Stores a provider usage object as usage_raw: numbers, booleans, short
 * strings and nested objects of those, compact; longer text dropped. */
void tt_call_set_usage_raw(struct tt_call *c, const cJSON *usage);
/* The usage object of several events merged under their names, e.g.
 * {"message_start":{...},"message_delta":{...}}: replaces key's entry. */
void tt_call_merge_usage_raw(struct tt_call *c, const char *key,
			     const cJSON *usage);
/* Bounds the uncached audio and image input counts by what the input
 * leaves after the cache counts (providers that report a modality's
 * total do not say how much of it the cache served). */
void tt_usage_fit_media(struct tt_usage *u);
/* Generic outcome for an HTTP status. */
int tt_outcome_from_status(int status);

/* Case-insensitive: 1 when header name's first value contains needle
 * (content-type checks). provider.c. */
int tt_hdr_has(const struct tt_hdrs *hs, const char *name, const char *needle);

/* Usage reported in parts, Anthropic style: input_tokens excludes cache
 * reads and writes. -1 = not reported. Anthropic streams and Bedrock
 * (every model family, Converse, invocation metrics) fold their usage
 * objects into one; the last reported value of each field wins.
 * anthropic.c. */
struct tt_usage_parts {
	int64_t input_tokens;     /* exclusive of the two cache fields */
	int64_t cache_read;
	int64_t cache_write;
	int64_t cache_write_1h;   /* part of cache_write */
	int64_t output_tokens;    /* reasoning included */
	int64_t reasoning_tokens;
};
void tt_usage_parts_init(struct tt_usage_parts *p);
/* The normalized usage (input = input + cache read + cache write) into
 * *u; total is left to tt_pdec_finish. */
void tt_usage_parts_apply(const struct tt_usage_parts *p, struct tt_usage *u);
/* One Anthropic Messages document: a whole message, an error body or a
 * stream event (its type from the JSON "type", else the event name).
 * Sets ids, model, stop reason, errors and terminal state on d and folds
 * usage into *parts (then applies it to d->call.usage). Used by Bedrock
 * for Claude bodies and stream chunks too. */
void tt_anthropic_doc(struct tt_pdec *d, struct tt_usage_parts *parts,
		      const char *event, size_t event_len, const cJSON *doc);

#endif
