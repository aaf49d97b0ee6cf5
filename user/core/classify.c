// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include "tt_abi.h"
#include "core/classify.h"

static int decide(struct tt_class *out, int verdict, const char *reason,
		  const char *provider)
{
	out->verdict = verdict;
	out->reason = reason;
	out->provider = provider;
	return 0;
}

int tt_classify(const struct tt_hosts *hosts, const char *sni, int first_dir,
		const uint8_t *egress, size_t len, struct tt_class *out)
{
	const char *provider;
	int ret;

	memset(out, 0, sizeof(*out));
	if (sni && sni[0]) {
		/* The request line is still worth having for the record. */
		if (len)
			tt_http_peek_request(egress, len, &out->req);
		provider = tt_hosts_match(hosts, sni);
		return provider ? decide(out, TT_VERDICT_CAPTURE, "sni", provider)
				: decide(out, TT_VERDICT_FILTER, "sni_not_ai", NULL);
	}
	/* No name set and the peer spoke first: we are the TLS server, or a
	 * server-speaks-first protocol. tokentap traces outbound calls. */
	if (first_dir == TT_DIR_INGRESS && !len)
		return decide(out, TT_VERDICT_FILTER, "server_role", NULL);
	ret = tt_http_peek_request(egress, len, &out->req);
	if (ret == -EAGAIN)
		return -EAGAIN;
	if (ret)
		return decide(out, TT_VERDICT_FILTER, "not_http", NULL);
	if (out->req.is_h2)
		return decide(out, TT_VERDICT_FILTER, "h2_without_sni", NULL);
	if (!out->req.host[0])
		return decide(out, TT_VERDICT_FILTER, "no_host", NULL);
	provider = tt_hosts_match(hosts, out->req.host);
	return provider ? decide(out, TT_VERDICT_CAPTURE, "host", provider)
			: decide(out, TT_VERDICT_FILTER, "host_not_ai", NULL);
}
