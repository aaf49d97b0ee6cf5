// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "config/listen.h"

static int parse_port(const char *s, uint16_t *out)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int tt_listen_parse(const char *s, struct tt_listen *out)
{
	char host[TT_METRICS_LISTEN_MAX];
	const char *colon;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (!s || strlen(s) >= TT_METRICS_LISTEN_MAX)
		return -EINVAL;
	if (!strcmp(s, "off")) {
		out->off = 1;
		return 0;
	}
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hlen = (size_t)(close - s - 1);
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		out->family = AF_INET6;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		out->family = AF_INET;
	}
	if (!hlen || inet_pton(out->family, host, out->addr) != 1 ||
	    parse_port(colon + 1, &out->port)) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return 0;
}
