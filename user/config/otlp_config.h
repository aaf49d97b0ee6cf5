/* SPDX-License-Identifier: MIT */
/* The "otlp" section of the configuration (docs/otlp.md). */
#ifndef TT_OTLP_CONFIG_H
#define TT_OTLP_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#define TT_OTLP_ENDPOINT_MAX 1024
#define TT_OTLP_SPOOL_DIR_DEFAULT "/var/lib/tokentap/otlp-spool"
#define TT_OTLP_SPOOL_MAX_DEFAULT (64ull << 20)
#define TT_OTLP_TIMEOUT_MS_DEFAULT 10000u
#define TT_OTLP_RETRY_MAX_MS_DEFAULT 30000u
#define TT_OTLP_METRICS_MS_DEFAULT 10000u

struct tt_otlp_config {
	char endpoint[TT_OTLP_ENDPOINT_MAX]; /* base URL; "" = export off */
	char spool_dir[4096];
	char ca_file[4096];           /* CA bundle for https; "" = system's */
	uint64_t spool_max_bytes;     /* 0: no spool */
	uint32_t timeout_ms;          /* one request */
	uint32_t retry_max_ms;        /* backoff cap */
	uint32_t metrics_interval_ms; /* metric exports */
};

void tt_otlp_config_defaults(struct tt_otlp_config *c);
/* Parses the "otlp" object over the defaults. 0, or -EINVAL with a
 * message naming the field (otlp.endpoint: ...) in err. */
int tt_otlp_config_parse(const cJSON *obj, struct tt_otlp_config *c, char *err,
			 size_t errlen);
/* An OTLP/HTTP base URL: http:// or https://, a host, no user
 * information, no query or fragment, printable ASCII, shorter than
 * TT_OTLP_ENDPOINT_MAX. Copies it without trailing slashes into out.
 * 0 or -EINVAL. */
int tt_otlp_endpoint_check(const char *url, char out[TT_OTLP_ENDPOINT_MAX]);

#endif
