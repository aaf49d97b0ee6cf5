// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "util/cfgjson.h"

int tt_cfg_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int tt_cfg_check_keys(const cJSON *obj, const char *where,
		      const char *const *allowed, char *err, size_t errlen)
{
	const cJSON *it, *prev;

	cJSON_ArrayForEach(it, obj) {
		const char *const *a;
		const char *key = it->string ? it->string : "?";

		for (a = allowed; *a && strcmp(*a, key); a++)
			;
		if (!*a)
			return tt_cfg_fail(err, errlen, "%s%s%.64s: unknown key",
					   where, *where ? "." : "", key);
		for (prev = obj->child; prev != it; prev = prev->next)
			if (prev->string && !strcmp(prev->string, key))
				return tt_cfg_fail(err, errlen,
						   "%s%s%.64s: duplicate key", where,
						   *where ? "." : "", key);
	}
	return 0;
}
