/* SPDX-License-Identifier: MIT */
/* Shared by the JSON file parsers (config, price table, rules): the error
 * message convention and the unknown/duplicate key check. */
#ifndef TT_CFGJSON_H
#define TT_CFGJSON_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* Formats the message into err (when given) and returns -EINVAL. */
__attribute__((format(printf, 3, 4)))
int tt_cfg_fail(char *err, size_t errlen, const char *fmt, ...);

/* Rejects keys of obj not in allowed (NULL-terminated) and keys given
 * twice (cJSON keeps both: one would silently win). where is the field
 * path for the message ("" at the top level). 0 or -EINVAL. */
int tt_cfg_check_keys(const cJSON *obj, const char *where,
		      const char *const *allowed, char *err, size_t errlen);

#endif
