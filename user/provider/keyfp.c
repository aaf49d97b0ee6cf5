// SPDX-License-Identifier: MIT
/* API key fingerprints; see keyfp.h. The key is hashed in place and never
 * copied. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/sha.h>
#include "provider/keyfp.h"

#define KEYFP_MIN_SECRET 12 /* shorter secret parts get no hint */

/* Known prefixes, longest of a family first: they say which provider and
 * kind of key, and are the same for every key of that kind. */
static const char *const keyfp_prefixes[] = {
	"sk-proj-",    /* OpenAI project key */
	"sk-svcacct-", /* OpenAI service account */
	"sk-admin-",   /* OpenAI admin key */
	"sk-ant-",     /* Anthropic */
	"sk-or-v1-",   /* OpenRouter */
	"sk-",         /* OpenAI legacy, DeepSeek, ... */
	"AIza",        /* Google API key */
	"gsk_",        /* Groq */
	"xai-",        /* xAI */
	"pplx-",       /* Perplexity */
	"csk-",        /* Cerebras */
	"nvapi-",      /* NVIDIA */
	"hf_",         /* Hugging Face */
	"r8_",         /* Replicate */
	"ABSK",        /* Bedrock API key */
};

#define KEYFP_NPREFIXES (sizeof(keyfp_prefixes) / sizeof(keyfp_prefixes[0]))

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void make_hint(const char *key, size_t len, char *hint, size_t cap)
{
	const char *prefix = "";
	size_t plen = 0;

	hint[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c < 0x21 || c > 0x7e)
			return;
	}
	for (size_t i = 0; i < KEYFP_NPREFIXES; i++) {
		size_t n = strlen(keyfp_prefixes[i]);

		if (len > n && !memcmp(key, keyfp_prefixes[i], n)) {
			prefix = keyfp_prefixes[i];
			plen = n;
			break;
		}
	}
	if (len - plen < KEYFP_MIN_SECRET)
		return;
	snprintf(hint, cap, "%s...%.4s", prefix, key + len - 4);
}

int tt_keyfp_from_header(const char *value, size_t len, struct tt_keyfp *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (len && is_space(value[len - 1]))
		len--;
	while (i < len && is_space(value[i]))
		i++;
	/* "Bearer" alone is a scheme without a key. */
	if (len - i >= 6 && !strncasecmp(value + i, "bearer", 6) &&
	    (len - i == 6 || is_space(value[i + 6]))) {
		i += 6;
		while (i < len && is_space(value[i]))
			i++;
	}
	if (i == len)
		return -ENOENT;
	if (!SHA256((const unsigned char *)value + i, len - i, md))
		return -EIO;
	out->id[0] = 'k';
	out->id[1] = '_';
	for (size_t j = 0; j < 8; j++) {
		out->id[2 + 2 * j] = hex[md[j] >> 4];
		out->id[3 + 2 * j] = hex[md[j] & 15];
	}
	out->id[18] = '\0';
	make_hint(value + i, len - i, out->hint, sizeof(out->hint));
	return 0;
}
