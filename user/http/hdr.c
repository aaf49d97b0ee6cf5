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

void tt_hdrs_clone(struct tt_hdrs *to, char *buf, size_t cap,
		   const struct tt_hdrs *from)
{
	size_t used = 0;

	to->n = to->dropped = 0;
	for (size_t i = 0; from && i < from->n; i++) {
		const struct tt_hdr *h = &from->h[i];
		struct tt_hdr *k = &to->h[to->n];

		if (used + h->name_len + h->value_len > cap) {
			to->dropped++;
			continue;
		}
		memcpy(buf + used, h->name, h->name_len);
		k->name = buf + used;
		k->name_len = h->name_len;
		used += h->name_len;
		memcpy(buf + used, h->value, h->value_len);
		k->value = buf + used;
		k->value_len = h->value_len;
		used += h->value_len;
		to->n++;
	}
}
