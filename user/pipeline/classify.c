// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "tt_abi.h"
#include "pipeline/classify.h"
#include "http/h2.h"

/* HTTP/2 without a server name (Go's crypto/tls: no SNI probe): the first
 * request's :authority. A new connection's first header block refers to
 * no earlier state, so it decodes from the peeked bytes alone. */
struct authority {
	char host[sizeof(((struct tt_http_peek *)0)->host)];
	int seen;
};

static void on_h2_headers(void *ctx, uint32_t sid, const struct tt_hdrs *hs,
			  int end)
{
	struct authority *a = ctx;
	size_t len;
	const char *v;

	(void)sid;
	(void)end;
	if (a->seen)
		return;
	a->seen = 1;
	v = tt_hdrs_get(hs, ":authority", &len);
	if (!v)
		v = tt_hdrs_get(hs, "host", &len);
	if (!v)
		return;
	/* Without the port: hosts match names. */
	for (size_t i = 0; i < len && i + 1 < sizeof(a->host) && v[i] != ':'; i++)
		a->host[i] = v[i];
}

static void on_h2_lost(void *ctx, uint32_t sid, int end)
{
	(void)sid;
	(void)end;
	((struct authority *)ctx)->seen = 1;
}

/* 0 with host filled, -EAGAIN (no header block yet), -ENOENT. */
static int h2_authority(const uint8_t *p, size_t len, char *host, size_t cap)
{
	static const struct tt_h2_callbacks cb = {
		.on_headers = on_h2_headers, .on_headers_lost = on_h2_lost,
	};
	struct authority a = { .seen = 0 };
	struct tt_h2 *h = tt_h2_new(TT_H2_CLIENT, &cb, &a, NULL);

	if (!h)
		return -ENOENT;
	tt_h2_feed(h, p, len);
	tt_h2_free(h);
	if (!a.seen)
		return len < TT_PEEK_MAX ? -EAGAIN : -ENOENT;
	if (!a.host[0])
		return -ENOENT;
	snprintf(host, cap, "%s", a.host);
	return 0;
}

static int decide(struct tt_class *out, int verdict, const char *reason,
		  const char *provider)
{
	out->verdict = verdict;
	out->reason = reason;
	out->provider = provider;
	return 0;
}

/* The first bytes a TLS server reads from its client: a request line's
 * method and a space, or the HTTP/2 client preface ("PRI * HTTP/2.0"). */
static int looks_like_request(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 16; i++) {
		if (p[i] == ' ')
			return i > 0;
		if (p[i] < 'A' || p[i] > 'Z')
			return 0;
	}
	return 0;
}

/* An HTTP/2 frame header where a request or the client preface should be:
 * a connection that was open before the agent. */
static int h2_frame(const uint8_t *egress, size_t len)
{
	return len >= 9 && egress[0] == 0 && egress[3] < TT_H2_FRAME_TYPES &&
	       !(egress[5] & 0x80);
}

/* A client named an AI host. Named by the ClientHello an earlier agent saw
 * (a restart), the connection may be joined mid-way: while it waits for a
 * response, its next request decides (the bytes before it answer requests
 * this agent never saw), and HTTP/2 frames instead of a preface cannot be
 * decoded (the HPACK state is lost): filtered and booked dark. */
static int named(const char *provider, int first_dir, const uint8_t *egress,
		 size_t len, uint64_t iseen, struct tt_class *out)
{
	if (provider && first_dir == TT_DIR_INGRESS && !len &&
	    iseen < TT_PEEK_INGRESS_MAX)
		return -EAGAIN;
	/* The request line is still worth having for the record. */
	if (len)
		tt_http_peek_request(egress, len, &out->req);
	if (!provider)
		return decide(out, TT_VERDICT_FILTER, "sni_not_ai", NULL);
	if (h2_frame(egress, len))
		return decide(out, TT_VERDICT_FILTER, "h2_joined_midway", provider);
	return decide(out, TT_VERDICT_CAPTURE, "sni", provider);
}

int tt_classify(const struct tt_hosts *hosts, const char *sni, int first_dir,
		const uint8_t *egress, size_t len, const uint8_t *ingress,
		size_t ikept, uint64_t iseen, struct tt_class *out)
{
	const char *provider;
	int ret;

	memset(out, 0, sizeof(*out));
	if (sni && sni[0])
		return named(tt_hosts_match(hosts, sni), first_dir, egress, len,
			     iseen, out);
	/* No name set and the peer spoke first. A request read from the peer
	 * means this process is the TLS server: tokentap traces outbound
	 * calls. Anything else may be a client joined mid-way (the agent
	 * started while it waited for a response): its next request decides.
	 * A peer that only ever talks is not waited for beyond a cap. */
	if (first_dir == TT_DIR_INGRESS && !len) {
		if (looks_like_request(ingress, ikept))
			return decide(out, TT_VERDICT_FILTER, "server_role", NULL);
		if (iseen >= TT_PEEK_INGRESS_MAX)
			return decide(out, TT_VERDICT_FILTER, "ingress_only", NULL);
		return -EAGAIN;
	}
	/* An HTTP/2 frame header where a request or preface should be: a
	 * connection that was open before the agent (a Go client's). Its
	 * HPACK state is lost and no name says where it goes: counted, then
	 * filtered; the client's next connection is decoded in full. */
	if (h2_frame(egress, len)) {
		/* A server's connection preface is a SETTINGS frame (not an
		 * ACK): that is this process serving HTTP/2, not a client. */
		if (egress[3] == TT_H2_SETTINGS && !(egress[4] & 1))
			return decide(out, TT_VERDICT_FILTER, "server_role", NULL);
		return decide(out, TT_VERDICT_FILTER, "h2_joined_midway", NULL);
	}
	ret = tt_http_peek_request(egress, len, &out->req);
	if (ret == -EAGAIN)
		return -EAGAIN;
	if (ret)
		return decide(out, TT_VERDICT_FILTER, "not_http", NULL);
	if (out->req.is_h2) {
		ret = h2_authority(egress, len, out->req.host, sizeof(out->req.host));
		if (ret == -EAGAIN)
			return -EAGAIN;
		if (ret)
			return decide(out, TT_VERDICT_FILTER, "h2_no_authority", NULL);
		provider = tt_hosts_match(hosts, out->req.host);
		return provider ? decide(out, TT_VERDICT_CAPTURE, "h2_authority", provider)
				: decide(out, TT_VERDICT_FILTER, "host_not_ai", NULL);
	}
	if (!out->req.host[0])
		return decide(out, TT_VERDICT_FILTER, "no_host", NULL);
	provider = tt_hosts_match(hosts, out->req.host);
	return provider ? decide(out, TT_VERDICT_CAPTURE, "host", provider)
			: decide(out, TT_VERDICT_FILTER, "host_not_ai", NULL);
}
