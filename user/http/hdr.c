// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "http/hdr.h"

const char *tt_hdrs_get(const struct tt_hdrs *hs, const char *name,
			size_t *len)
{
	size_t nlen = strlen(name);

	for (size_t i = 0; i < hs->n; i++) {
		const struct tt_hdr *h = &hs->h[i];

		if (h->name_len == nlen && !strncasecmp(h->name, name, nlen)) {
			if (len)
				*len = h->value_len;
			return h->value;
		}
	}
	return NULL;
}

int tt_hdrs_copy(const struct tt_hdrs *hs, const char *name, char *out,
		 size_t outlen)
{
	size_t len, n;
	const char *v = tt_hdrs_get(hs, name, &len);

	if (!v || !outlen)
		return -ENOENT;
	n = len < outlen - 1 ? len : outlen - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	return (int)n;
}
