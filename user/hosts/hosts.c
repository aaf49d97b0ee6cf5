// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include "hosts/hosts.h"

/* Sources: shared/reference/ai-api-protocols.md, per provider section. */
static const struct { const char *pattern, *provider; } builtin[] = {
	{ "api.openai.com", "openai" },
	{ "*.api.openai.com", "openai" }, /* us./eu./mtls. residency hosts */
	{ "*.openai.azure.com", "azure.ai.openai" },
	{ "*.cognitiveservices.azure.com", "azure.ai.openai" },
	{ "*.services.ai.azure.com", "azure.ai.inference" },
	{ "api.anthropic.com", "anthropic" },
	{ "generativelanguage.googleapis.com", "gcp.gemini" },
	{ "aiplatform.googleapis.com", "gcp.vertex_ai" },
	{ "*-aiplatform.googleapis.com", "gcp.vertex_ai" },
	{ "aiplatform.*.rep.googleapis.com", "gcp.vertex_ai" },
	{ "claude.googleapis.com", "anthropic" },
	{ "bedrock-runtime.*.amazonaws.com", "aws.bedrock" },
	{ "bedrock-runtime.*.amazonaws.com.cn", "aws.bedrock" },
	{ "bedrock-runtime.*.amazonaws.eu", "aws.bedrock" },
	{ "bedrock-mantle.*.api.aws", "aws.bedrock" },
	{ "openrouter.ai", "openrouter" },
	{ "api.groq.com", "groq" },
	{ "api.together.xyz", "together" },
	{ "api.together.ai", "together" },
	{ "api.mistral.ai", "mistral_ai" },
	{ "api.deepseek.com", "deepseek" },
	{ "api.x.ai", "x_ai" },
	{ "api.fireworks.ai", "fireworks" },
	{ "api.perplexity.ai", "perplexity" },
	{ "api.cohere.com", "cohere" },
	{ "api.cohere.ai", "cohere" },
	{ "api.cerebras.ai", "cerebras" },
	{ "api.sambanova.ai", "sambanova" },
	{ "api.deepinfra.com", "deepinfra" },
	{ "integrate.api.nvidia.com", "nvidia" },
	{ "api.moonshot.ai", "moonshot" },
	{ "router.huggingface.co", "huggingface" },
	{ "gateway.ai.cloudflare.com", "cloudflare" },
};

void tt_hosts_init_builtin(struct tt_hosts *h)
{
	h->n = 0;
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		tt_hosts_add(h, builtin[i].pattern, builtin[i].provider);
}

static int valid_host_char(int c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_' ||
	       c == '?';
}

int tt_hosts_add(struct tt_hosts *h, const char *pattern, const char *provider)
{
	struct tt_host_rule *r;
	size_t len = strlen(pattern);

	if (!len || len >= TT_HOST_LEN || strlen(provider) >= sizeof(r->provider))
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (!valid_host_char((unsigned char)pattern[i]))
			return -EINVAL;
	if (h->n >= TT_HOSTS_MAX)
		return -E2BIG;
	r = &h->rules[h->n++];
	for (size_t i = 0; i <= len; i++)
		r->pattern[i] = (char)tolower((unsigned char)pattern[i]);
	strcpy(r->provider, provider);
	return 0;
}

const char *tt_hosts_match(const struct tt_hosts *h, const char *host)
{
	char name[TT_HOST_LEN];
	size_t len = 0;

	/* Lower-case, drop ":port" and a trailing root dot. */
	for (; host[len] && host[len] != ':' && len < sizeof(name) - 1; len++)
		name[len] = (char)tolower((unsigned char)host[len]);
	if (host[len] && host[len] != ':')
		return NULL; /* longer than any DNS name */
	if (len && name[len - 1] == '.')
		len--;
	name[len] = '\0';
	if (!len)
		return NULL;
	for (size_t i = 0; i < h->n; i++)
		if (!fnmatch(h->rules[i].pattern, name, 0))
			return h->rules[i].provider;
	return NULL;
}
