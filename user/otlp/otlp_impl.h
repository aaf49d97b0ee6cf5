/* SPDX-License-Identifier: MIT */
/* Shared by the OTLP payload writers (logs.c, metrics.c). */
#ifndef TT_OTLP_IMPL_H
#define TT_OTLP_IMPL_H

#include <stdint.h>
#include "util/jsonw.h"
#include "otlp/otlp.h"

/* {"key":key,"value":{"stringValue":v}} as an array element. */
void tt_otlp_attr_str(struct tt_jsonw *w, const char *key, const char *v);
/* A 64-bit integer member, as OTLP JSON writes it: a decimal string. */
void tt_otlp_u64(struct tt_jsonw *w, const char *key, uint64_t v);
/* The log record's attribute name for a metric key (enum tt_otlp_key):
 * one name in alloc/fields.c for both. */
const char *tt_otlp_key_attr(unsigned key);
/* The envelope every payload shares, opened up to its items:
 * {"<resources>":[{"resource":{...},"<scopes>":[{"scope":{...},"<items>":[
 * The caller writes the items, then closes three arrays and objects. */
void tt_otlp_payload_open(struct tt_jsonw *w,
			  const struct tt_otlp_resource *res,
			  const char *resources, const char *scopes,
			  const char *items);

#endif
