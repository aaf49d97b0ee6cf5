// SPDX-License-Identifier: MIT
/* API key fingerprints; see keyfp.h. The key is hashed in place and never
 * copied. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "provider/keyfp.h"
#include "util/sha256.h"

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

/* Bearer tokens that are OAuth access tokens or JWTs, not API keys. */
static const char *const token_prefixes[] = {
	"ya29.", /* Google OAuth access token */
	"eyJ",   /* a JWT (Entra ID, ...): base64 of '{"' */
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

static void make_hint(const char *key, size_t len, char *hint, size_t cap)
{
	const char *prefix = "";
	size_t plen = 0;

	hint[0] = '\0';
	if (!printable(key, len))
		return;
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

/* id = "k_" + 16 hex digits of SHA-256(pre + value). 0 or -EIO. */
static int make_id(const char *pre, const char *value, size_t len,
		   struct tt_keyfp *out)
{
	char hex[TT_SHA256_HEX];

	if (tt_sha256_hex(pre, value, len, hex))
		return -EIO;
	snprintf(out->id, sizeof(out->id), "k_%.16s", hex);
	return 0;
}

static void set_source(struct tt_keyfp *out, const char *source)
{
	snprintf(out->source, sizeof(out->source), "%s", source);
}

/* AWS SigV4: "AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/<service>
 * /aws4_request, SignedHeaders=..., Signature=...". The access key id
 * names the IAM key; the signature differs on every request. Returns 1
 * when value was one (*out filled or -EIO in *ret), 0 otherwise. */
static int sigv4(const char *v, size_t len, struct tt_keyfp *out, int *ret)
{
	static const char scheme[] = "AWS4-HMAC-SHA256";
	const char *cred, *id, *end = v + len;
	size_t n;

	if (len < sizeof(scheme) || strncmp(v, scheme, sizeof(scheme) - 1) ||
	    !is_space(v[sizeof(scheme) - 1]))
		return 0;
	cred = memmem(v, len, "Credential=", 11);
	if (!cred)
		return 0;
	id = cred + 11;
	for (n = 0; id + n < end && id[n] != '/' && id[n] != ',' &&
		    !is_space(id[n]); n++)
		;
	/* AKIA (long-term) or ASIA (temporary) plus 16: 20 characters. */
	if (n < 16 || n > 128 || !printable(id, n))
		return 0;
	*ret = make_id("aws:", id, n, out);
	if (*ret)
		return 1;
	snprintf(out->hint, sizeof(out->hint), "%.4s...%.4s", id, id + n - 4);
	set_source(out, "aws_access_key_id");
	return 1;
}

int tt_keyfp_from_header(const char *value, size_t len, struct tt_keyfp *out)
{
	size_t i = 0;
	int bearer = 0, ret = 0;

	memset(out, 0, sizeof(*out));
	while (len && is_space(value[len - 1]))
		len--;
	while (i < len && is_space(value[i]))
		i++;
	if (sigv4(value + i, len - i, out, &ret))
		return ret;
	/* "Bearer" alone is a scheme without a key. */
	if (len - i >= 6 && !strncasecmp(value + i, "bearer", 6) &&
	    (len - i == 6 || is_space(value[i + 6]))) {
		bearer = 1;
		i += 6;
		while (i < len && is_space(value[i]))
			i++;
	}
	if (i == len)
		return -ENOENT;
	/* A key's id is the hash of the key alone: the ids operators put in
	 * key_environments do not change with this code. */
	if (make_id("", value + i, len - i, out))
		return -EIO;
	make_hint(value + i, len - i, out->hint, sizeof(out->hint));
	set_source(out, "api_key");
	for (size_t k = 0; bearer && k < sizeof(token_prefixes) /
					 sizeof(token_prefixes[0]); k++)
		if (len - i > strlen(token_prefixes[k]) &&
		    !strncmp(value + i, token_prefixes[k],
			     strlen(token_prefixes[k]))) {
			set_source(out, "bearer_token");
			out->hint[0] = '\0'; /* nothing a person recognizes */
		}
	return 0;
}

int tt_keyfp_from_query(const char *target, size_t len, struct tt_keyfp *out)
{
	const char *q = memchr(target, '?', len), *end = target + len;

	memset(out, 0, sizeof(*out));
	while (q && q < end) {
		const char *p = q + 1, *amp;

		amp = memchr(p, '&', (size_t)(end - p));
		if (!amp)
			amp = end;
		if (amp - p > 4 && !memcmp(p, "key=", 4))
			return tt_keyfp_from_header(p + 4, (size_t)(amp - p - 4),
						    out);
		q = amp < end ? amp : NULL;
	}
	return -ENOENT;
}

/* Vertex AI hosts (hosts/hosts.c lists the same for gcp.vertex_ai). */
static int vertex_host(const char *host)
{
	static const char sfx[] = "aiplatform.googleapis.com";
	size_t n = strlen(host), k = sizeof(sfx) - 1;

	if (n >= k && !strcasecmp(host + n - k, sfx) &&
	    (n == k || host[n - k - 1] == '-'))
		return 1;
	return !strncasecmp(host, "aiplatform.", 11) &&
	       n > 19 && !strcasecmp(host + n - 19, ".rep.googleapis.com");
}

int tt_keyfp_gcp_project(const char *host, const char *target, size_t len,
			 struct tt_keyfp *out)
{
	const char *p, *end = target + len, *q = memchr(target, '?', len);
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!host || !vertex_host(host))
		return -ENOENT;
	if (q)
		end = q;
	p = memmem(target, (size_t)(end - target), "/projects/", 10);
	if (!p)
		return -ENOENT;
	p += 10;
	for (n = 0; p + n < end && p[n] != '/'; n++)
		;
	if (!n || n >= TT_KEYFP_PROJECT_MAX || !printable(p, n))
		return -ENOENT;
	ret = make_id("gcp_project:", p, n, out);
	if (ret)
		return ret;
	/* A project id is an allocation fact, not a secret. */
	snprintf(out->hint, sizeof(out->hint), "project %.*s", (int)n, p);
	set_source(out, "gcp_project");
	return 0;
}
