// SPDX-License-Identifier: MIT
/*
 * `tokentap replay FILE`: a recorded capture stream (JSON Lines, see
 * docs/decode.md) through the same decoding pipeline as the live agent,
 * records on stdout. No root, no BPF: every decoder is testable this way.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tt_abi.h"
#include "config/config.h"
#include "hosts/hosts.h"
#include "util/log.h"
#include "util/b64.h"
#include "exchange/exchange.h"
#include "alloc/event.h"
#include "agent/output.h"
#include "agent/run.h"

#define REPLAY_CONNS_MAX 4096
#define REPLAY_LINE_MAX (64u << 20)

struct rconn {
	long id;
	struct tt_xconn *x;
	char host[256];
	char comm[16];
	uint32_t pid;
	uint64_t cgroup_id;
	/* Optional facts a capture file may carry: rules on cgroup paths
	 * and exe are testable without root. */
	char cgroup_path[TT_WORKLOAD_PATH_MAX + 1];
	char exe[512];
	struct tt_workload wl;
	int has_wl;
};

struct replay {
	struct tt_config cfg;
	struct tt_pricing prices;
	struct tt_alloc alloc;
	const char *keep_headers[TT_DECL_ROLES + 1];
	uint64_t next_id;
	struct tt_output out;
	struct rconn conns[REPLAY_CONNS_MAX];
	size_t nconns;
	unsigned long long lines, bad_lines, records;
	uint64_t last_ts;
	struct tt_xconn_stats st;
};

/* The emit callback's context is the connection; the replay is global to
 * one run of the command. */
static struct replay *g_replay;

static void emit_record(void *ctx, const struct tt_xrec *rec)
{
	struct rconn *c = ctx;
	struct tt_proc_facts pf = {
		.pid = c->pid, .comm = c->comm, .cgroup_id = c->cgroup_id,
		.cgroup_path = c->cgroup_path, .exe = c->exe,
		.workload = c->has_wl ? &c->wl : NULL,
	};
	uint8_t b[16] = { 0 };
	char id[37], line[TT_EVENT_MAX];
	uint64_t seq;
	long n;

	/* Sequential ids: the same file replays to the same events. */
	seq = ++g_replay->next_id;
	for (int i = 0; i < 8; i++)
		b[15 - i] = (uint8_t)(seq >> (8 * i));
	tt_alloc_uuid(b, id);
	n = tt_alloc_event(&g_replay->alloc, rec, &pf, id, line, sizeof(line));
	if (n < 0)
		return;
	tt_output_line(&g_replay->out, line, (size_t)n);
	g_replay->records++;
}

static struct rconn *find(struct replay *r, long id)
{
	for (size_t i = 0; i < r->nconns; i++)
		if (r->conns[i].id == id)
			return &r->conns[i];
	return NULL;
}

static struct rconn *open_conn(struct replay *r, long id, const cJSON *open)
{
	struct rconn *c;
	struct tt_xconn_info info = { 0 };
	const cJSON *v;

	if (r->nconns == REPLAY_CONNS_MAX) {
		tt_warn("replay: more than %d connections open", REPLAY_CONNS_MAX);
		return NULL;
	}
	c = &r->conns[r->nconns];
	memset(c, 0, sizeof(*c));
	c->id = id;
	v = cJSON_GetObjectItemCaseSensitive(open, "host");
	if (cJSON_IsString(v))
		snprintf(c->host, sizeof(c->host), "%s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(open, "comm");
	if (cJSON_IsString(v))
		snprintf(c->comm, sizeof(c->comm), "%s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(open, "pid");
	if (cJSON_IsNumber(v))
		c->pid = (uint32_t)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(open, "cgroup_id");
	if (cJSON_IsNumber(v))
		c->cgroup_id = (uint64_t)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(open, "cgroup_path");
	if (cJSON_IsString(v)) {
		snprintf(c->cgroup_path, sizeof(c->cgroup_path), "%s", v->valuestring);
		c->has_wl = !tt_workload_from_cgroup(c->cgroup_path,
						     strlen(c->cgroup_path), &c->wl);
	}
	v = cJSON_GetObjectItemCaseSensitive(open, "exe");
	if (cJSON_IsString(v))
		snprintf(c->exe, sizeof(c->exe), "%s", v->valuestring);
	info.server_name = c->host;
	info.keep_headers = r->keep_headers;
	info.provider_hint = tt_hosts_match(&r->cfg.hosts, c->host);
	c->x = tt_xconn_new(&info, emit_record, c);
	if (!c->x)
		return NULL;
	r->nconns++;
	return c;
}

static void close_conn(struct replay *r, struct rconn *c, uint64_t ts)
{
	tt_xconn_close(c->x, ts);
	tt_xconn_stats_add(&r->st, tt_xconn_get_stats(c->x));
	tt_xconn_free(c->x);
	*c = r->conns[--r->nconns]; /* order of the table does not matter */
}

static int dir_of(const cJSON *v)
{
	if (!cJSON_IsString(v))
		return -1;
	if (!strcmp(v->valuestring, "egress"))
		return TT_DIR_EGRESS;
	if (!strcmp(v->valuestring, "ingress"))
		return TT_DIR_INGRESS;
	return -1;
}

/* One event line. Returns 0, or -EINVAL for a line that is not one. */
static int replay_line(struct replay *r, const char *line, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(line, len);
	const cJSON *conn, *ts, *v;
	struct rconn *c;
	uint64_t t;
	int err = 0;

	if (!o)
		return -EINVAL;
	if (cJSON_GetObjectItemCaseSensitive(o, "tokentap_capture"))
		goto out; /* header */
	conn = cJSON_GetObjectItemCaseSensitive(o, "conn");
	ts = cJSON_GetObjectItemCaseSensitive(o, "ts_ns");
	if (!cJSON_IsNumber(conn) || !cJSON_IsNumber(ts)) {
		err = -EINVAL;
		goto out;
	}
	t = (uint64_t)ts->valuedouble;
	r->last_ts = t;
	c = find(r, (long)conn->valuedouble);
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "open"))) {
		if (c)
			close_conn(r, c, t);
		open_conn(r, (long)conn->valuedouble, v);
		goto out;
	}
	if (!c) /* data before "open": a connection known only by its bytes */
		c = open_conn(r, (long)conn->valuedouble, NULL);
	if (!c) {
		err = -ENOMEM;
		goto out;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "data"))) {
		int dir = dir_of(cJSON_GetObjectItemCaseSensitive(o, "dir"));
		size_t n = cJSON_IsString(v) ? strlen(v->valuestring) : 0;
		uint8_t *buf;
		long got;

		if (dir < 0 || !cJSON_IsString(v)) {
			err = -EINVAL;
			goto out;
		}
		buf = malloc(n / 4 * 3 + 3);
		if (!buf) {
			err = -ENOMEM;
			goto out;
		}
		got = tt_b64_decode(v->valuestring, n, buf);
		if (got < 0)
			err = -EINVAL;
		else
			tt_xconn_data(c->x, dir, t, buf, (size_t)got);
		free(buf);
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "gap"))) {
		int dir = dir_of(cJSON_GetObjectItemCaseSensitive(v, "dir"));
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "len");

		if (dir < 0 || !cJSON_IsNumber(n) || n->valuedouble < 0)
			err = -EINVAL;
		else
			tt_xconn_gap(c->x, dir, t, (uint64_t)n->valuedouble);
	} else if (cJSON_GetObjectItemCaseSensitive(o, "close")) {
		close_conn(r, c, t);
	} else {
		err = -EINVAL;
	}
out:
	cJSON_Delete(o);
	return err;
}

int tt_replay(const char *path, const char *config_path, const char *events,
	      uint64_t events_max_bytes, unsigned events_keep)
{
	struct replay *r = calloc(1, sizeof(*r));
	char err[256], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f = NULL;
	int ret = 0;

	if (!r)
		return -ENOMEM;
	g_replay = r;
	tt_config_defaults(&r->cfg);
	if (tt_settings_load(config_path, &r->cfg, &r->prices, err, sizeof(err))) {
		tt_err("%s: %s", config_path ? config_path : "(defaults)", err);
		ret = -EINVAL;
		goto out;
	}
	r->alloc.host = NULL; /* the capture does not say which host */
	r->alloc.rules = &r->cfg.owners;
	r->alloc.prices = r->cfg.prices_path[0] ? &r->prices : NULL;
	r->alloc.prices_path = r->cfg.prices_path;
	r->alloc.declared = (const char (*)[TT_RULE_KEY_MAX])r->cfg.declared;
	tt_alloc_keep_headers(r->alloc.declared, r->keep_headers);
	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		ret = -errno;
		tt_err("replay: %s: %s", path, strerror(errno));
		goto out;
	}
	ret = tt_output_open(&r->out, events ? events : "-", events_max_bytes,
			     events_keep);
	if (ret) {
		tt_err("replay: %s: %s", events, strerror(-ret));
		goto out;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		r->lines++;
		if ((size_t)len > REPLAY_LINE_MAX ||
		    replay_line(r, line, (size_t)len)) {
			if (r->bad_lines++ < 5)
				tt_warn("replay: %s:%llu: not a capture event",
					path, r->lines);
		}
	}
	while (r->nconns) /* the file ended with connections open */
		close_conn(r, &r->conns[r->nconns - 1], r->last_ts);
	tt_info("replay: %llu lines (%llu bad), %llu records; %llu exchanges, "
		"%llu incomplete, %llu orphan responses, %llu unknown APIs, "
		"%llu gaps, %llu decode errors, %llu bombs",
		r->lines, r->bad_lines, r->records,
		(unsigned long long)r->st.exchanges,
		(unsigned long long)r->st.incomplete,
		(unsigned long long)r->st.orphan_responses,
		(unsigned long long)r->st.unknown_api,
		(unsigned long long)r->st.gaps,
		(unsigned long long)r->st.decode_errors,
		(unsigned long long)r->st.bombs);
	if (r->bad_lines)
		ret = -EINVAL;
out:
	if (f && f != stdin)
		fclose(f);
	tt_output_close(&r->out);
	free(line);
	tt_config_free(&r->cfg);
	tt_pricing_free(&r->prices);
	free(r);
	g_replay = NULL;
	return ret;
}
