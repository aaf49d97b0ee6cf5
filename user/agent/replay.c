// SPDX-License-Identifier: MIT
/*
 * `tokentap replay FILE`: a recorded capture stream (JSON Lines, see
 * tests/fixtures/README.md) turned into the capture records the kernel
 * would have sent (tt_ev_* of tt_abi.h) and fed to the same pipeline core
 * as the live agent: connection table, classification, gaps, decoding,
 * allocation. Events on stdout. No root, no BPF.
 *
 * A "gap" line becomes a record without bytes (the kernel could not copy
 * them); a "lost" line becomes no record at all, only a jump in the next
 * record's stream offset (the ring buffer dropped events): the pipeline
 * core turns that jump into a gap, as it does live.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tt_abi.h"
#include "config/config.h"
#include "util/b64.h"
#include "util/log.h"
#include "pipeline/pipeline.h"
#include "alloc/event.h"
#include "agent/output.h"
#include "agent/run.h"

#define REPLAY_CONNS_MAX 4096
#define REPLAY_LINE_MAX (64u << 20)

/* A connection of the file: what its "open" line says, and the stream
 * offsets the kernel would have counted. */
struct rconn {
	long id;
	uint32_t pid;
	uint64_t cgroup_id;
	char comm[16];
	uint64_t off[2];
	/* Optional facts a capture file may carry: rules on cgroup paths and
	 * exe are testable without root. */
	char cgroup_path[TT_WORKLOAD_PATH_MAX + 1];
	char exe[512];
	struct tt_workload wl;
	int has_wl;
};

struct replay {
	struct tt_config cfg;
	struct tt_pricing prices;
	struct tt_alloc alloc;
	const char *keep_headers[TT_ALLOC_KEEP_MAX];
	uint8_t body_key[TT_SIPHASH_KEY];
	uint64_t next_id;
	struct tt_output out;
	struct tt_pipeline *pipe;
	struct rconn conns[REPLAY_CONNS_MAX];
	size_t nconns;
	struct tt_ev_data ev; /* one record at a time */
	unsigned long long lines, bad_lines;
	uint64_t last_ts;
};

static struct rconn *find(struct replay *r, long id)
{
	for (size_t i = 0; i < r->nconns; i++)
		if (r->conns[i].id == id)
			return &r->conns[i];
	return NULL;
}

/* The file's connection id is the "library pointer" of the records. */
static struct rconn *find_key(struct replay *r, uint32_t pid, uint64_t ptr)
{
	struct rconn *c = find(r, (long)ptr);

	return c && c->pid == pid ? c : NULL;
}

/* ---- the pipeline's view of the host: the file's facts ---- */

/* A copy of the file's facts for the connection's decoder: the table
 * entry itself is reused when the connection's "close" line comes. */
static void *op_proc_get(void *ctx, uint32_t pid, uint64_t key,
			 uint64_t cgroup_id, const char *comm)
{
	struct rconn *c = find_key(ctx, pid, key), *copy;

	(void)cgroup_id;
	(void)comm;

	if (!c || !(copy = malloc(sizeof(*copy))))
		return NULL;
	*copy = *c;
	return copy;
}

static void op_proc_facts(void *ctx, void *handle, uint32_t pid,
			  struct tt_proc_facts *pf)
{
	struct rconn *c = handle;

	(void)ctx;
	memset(pf, 0, sizeof(*pf));
	pf->pid = pid;
	pf->comm = c->comm;
	pf->cgroup_id = c->cgroup_id;
	pf->cgroup_path = c->cgroup_path;
	pf->exe = c->exe;
	pf->workload = c->has_wl ? &c->wl : NULL;
}

static void op_proc_put(void *ctx, void *handle)
{
	(void)ctx;
	free(handle);
}

/* Sequential ids: the same file replays to the same events. */
static void op_event_id(void *ctx, char out[37])
{
	struct replay *r = ctx;
	uint8_t b[16] = { 0 };
	uint64_t seq = ++r->next_id;

	for (int i = 0; i < 8; i++)
		b[15 - i] = (uint8_t)(seq >> (8 * i));
	tt_alloc_uuid(b, out);
}

static const struct tt_pipeline_ops replay_ops = {
	.proc_get = op_proc_get,
	.proc_facts = op_proc_facts,
	.proc_put = op_proc_put,
	.event_id = op_event_id,
};

/* ---- capture lines to capture records ---- */

static void fill_hdr(struct tt_ev_hdr *h, const struct rconn *c, uint16_t type,
		     uint64_t ts)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->lib = TT_LIB_OPENSSL;
	h->pid = c->pid;
	h->tid = c->pid;
	h->ts_ns = ts;
	h->cgroup_id = c->cgroup_id;
	h->conn = (uint64_t)c->id;
	memcpy(h->comm, c->comm, sizeof(h->comm));
}

static void send_sni(struct replay *r, const struct rconn *c, uint64_t ts,
		     const char *name)
{
	struct tt_ev_sni *ev = (struct tt_ev_sni *)&r->ev;
	size_t n = strlen(name);

	if (n > TT_SNI_MAX - 1)
		n = TT_SNI_MAX - 1;
	fill_hdr(&ev->hdr, c, TT_EV_SNI, ts);
	ev->name_len = (uint32_t)n;
	memcpy(ev->name, name, n);
	ev->name[n] = '\0';
	tt_pipeline_event(r->pipe, ev, sizeof(*ev));
}

/* Bytes (data) or a gap (data NULL) of one direction, cut into records of
 * at most one chunk as the kernel cuts them. */
static void send_bytes(struct replay *r, struct rconn *c, uint64_t ts, int dir,
		       const uint8_t *data, uint64_t len)
{
	struct tt_ev_data *ev = &r->ev;

	while (len) {
		uint32_t n = len > TT_CHUNK_MAX ? TT_CHUNK_MAX : (uint32_t)len;

		fill_hdr(&ev->hdr, c, TT_EV_DATA, ts);
		ev->hdr.dir = (uint8_t)dir;
		ev->stream_off = c->off[dir];
		ev->call_len = n;
		ev->len = n;
		ev->cap_len = data ? n : 0;
		ev->pad = 0;
		if (data) {
			memcpy(ev->data, data, n);
			data += n;
		} else {
			ev->hdr.flags = TT_F_GAP;
		}
		tt_pipeline_event(r->pipe, ev, TT_EV_DATA_SIZE(ev->cap_len));
		c->off[dir] += n;
		len -= n;
	}
}

static void send_close(struct replay *r, struct rconn *c, uint64_t ts)
{
	struct tt_ev_close ev;

	fill_hdr(&ev.hdr, c, TT_EV_CLOSE, ts);
	ev.off[0] = c->off[0];
	ev.off[1] = c->off[1];
	tt_pipeline_event(r->pipe, &ev, sizeof(ev));
	*c = r->conns[--r->nconns]; /* order of the table does not matter */
}

static void take_str(const cJSON *o, const char *key, char *out, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(v))
		snprintf(out, cap, "%s", v->valuestring);
}

static struct rconn *open_conn(struct replay *r, long id, const cJSON *open,
			       uint64_t ts)
{
	char host[TT_SNI_MAX] = "";
	const cJSON *v;
	struct rconn *c;

	if (r->nconns == REPLAY_CONNS_MAX) {
		tt_warn("replay: more than %d connections open", REPLAY_CONNS_MAX);
		return NULL;
	}
	c = &r->conns[r->nconns++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	take_str(open, "host", host, sizeof(host));
	take_str(open, "comm", c->comm, sizeof(c->comm));
	take_str(open, "exe", c->exe, sizeof(c->exe));
	v = cJSON_GetObjectItemCaseSensitive(open, "pid");
	if (cJSON_IsNumber(v))
		c->pid = (uint32_t)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(open, "cgroup_id");
	if (cJSON_IsNumber(v))
		c->cgroup_id = (uint64_t)v->valuedouble;
	take_str(open, "cgroup_path", c->cgroup_path, sizeof(c->cgroup_path));
	if (c->cgroup_path[0])
		c->has_wl = !tt_workload_from_cgroup(c->cgroup_path,
						     strlen(c->cgroup_path), &c->wl);
	/* The server name is what the TLS library's name call would report. */
	if (host[0])
		send_sni(r, c, ts, host);
	return c;
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

static int replay_data(struct replay *r, struct rconn *c, uint64_t t,
		       const cJSON *o, const cJSON *v)
{
	int dir = dir_of(cJSON_GetObjectItemCaseSensitive(o, "dir"));
	size_t n = cJSON_IsString(v) ? strlen(v->valuestring) : 0;
	uint8_t *buf;
	long got;

	if (dir < 0 || !cJSON_IsString(v))
		return -EINVAL;
	buf = malloc(n / 4 * 3 + 3);
	if (!buf)
		return -ENOMEM;
	got = tt_b64_decode(v->valuestring, n, buf);
	if (got >= 0)
		send_bytes(r, c, t, dir, buf, (uint64_t)got);
	free(buf);
	return got < 0 ? -EINVAL : 0;
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
	if (!cJSON_IsNumber(conn) || !cJSON_IsNumber(ts) ||
	    conn->valuedouble < 1) {
		err = -EINVAL;
		goto out;
	}
	t = (uint64_t)ts->valuedouble;
	r->last_ts = t;
	c = find(r, (long)conn->valuedouble);
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "open"))) {
		if (c)
			send_close(r, c, t);
		open_conn(r, (long)conn->valuedouble, v, t);
		goto out;
	}
	if (!c) /* data before "open": a connection known only by its bytes */
		c = open_conn(r, (long)conn->valuedouble, NULL, t);
	if (!c) {
		err = -ENOMEM;
		goto out;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "data"))) {
		err = replay_data(r, c, t, o, v);
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "gap")) ||
		   (v = cJSON_GetObjectItemCaseSensitive(o, "lost"))) {
		int dir = dir_of(cJSON_GetObjectItemCaseSensitive(v, "dir"));
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "len");

		if (dir < 0 || !cJSON_IsNumber(n) || n->valuedouble < 0)
			err = -EINVAL;
		else if (!strcmp(v->string, "gap"))
			send_bytes(r, c, t, dir, NULL, (uint64_t)n->valuedouble);
		else /* records the kernel counted but never delivered */
			c->off[dir] += (uint64_t)n->valuedouble;
	} else if (cJSON_GetObjectItemCaseSensitive(o, "close")) {
		send_close(r, c, t);
	} else {
		err = -EINVAL;
	}
out:
	cJSON_Delete(o);
	return err;
}

static int setup(struct replay *r, const char *config_path, const char *events,
		 uint64_t events_max_bytes, unsigned events_keep)
{
	struct tt_pipeline_config pc = { 0 };
	struct tt_sink ledger;
	char err[256];
	int ret;

	tt_config_defaults(&r->cfg);
	if (tt_settings_load(config_path, &r->cfg, &r->prices, err, sizeof(err))) {
		tt_err("%s: %s", config_path ? config_path : "(defaults)", err);
		return -EINVAL;
	}
	r->alloc.host = NULL; /* the capture does not say which host */
	r->alloc.rules = &r->cfg.owners;
	r->alloc.prices = r->cfg.prices_path[0] ? &r->prices : NULL;
	r->alloc.prices_path = r->cfg.prices_path;
	ret = tt_alloc_retry_setup(&r->alloc, &r->cfg, r->body_key);
	if (ret) {
		tt_err("replay: retry table: %s", strerror(-ret));
		return ret;
	}
	tt_alloc_keep_headers(&r->alloc, r->keep_headers);
	ret = tt_output_open(&r->out, events ? events : "-", events_max_bytes,
			     events_keep);
	if (ret) {
		tt_err("replay: %s: %s", events, strerror(-ret));
		return ret;
	}
	pc.hosts = &r->cfg.hosts;
	pc.alloc = &r->alloc;
	pc.keep_headers = r->keep_headers;
	pc.body_key = r->body_key;
	pc.max_connections = REPLAY_CONNS_MAX;
	r->pipe = tt_pipeline_new(&pc, &replay_ops, r);
	if (!r->pipe)
		return -ENOMEM;
	ledger = tt_output_sink(&r->out);
	return tt_pipeline_add_sink(r->pipe, &ledger);
}

int tt_replay(const char *path, const char *config_path, const char *events,
	      uint64_t events_max_bytes, unsigned events_keep)
{
	struct replay *r = calloc(1, sizeof(*r));
	struct tt_pipeline_stats st;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f = NULL;
	int ret;

	if (!r)
		return -ENOMEM;
	ret = setup(r, config_path, events, events_max_bytes, events_keep);
	if (ret)
		goto out;
	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		ret = -errno;
		tt_err("replay: %s: %s", path, strerror(errno));
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
		send_close(r, &r->conns[r->nconns - 1], r->last_ts);
	tt_pipeline_get_stats(r->pipe, &st);
	tt_info("replay: %llu lines (%llu bad), %llu events; %llu exchanges, "
		"%llu incomplete, %llu orphan responses, %llu unknown APIs, "
		"%llu gaps, %llu decode errors, %llu bombs; %llu connections "
		"filtered",
		r->lines, r->bad_lines, (unsigned long long)st.calls,
		(unsigned long long)st.x.exchanges,
		(unsigned long long)st.x.incomplete,
		(unsigned long long)st.x.orphan_responses,
		(unsigned long long)st.x.unknown_api,
		(unsigned long long)st.x.gaps,
		(unsigned long long)st.x.decode_errors,
		(unsigned long long)st.x.decompression_bombs,
		(unsigned long long)st.conns_filtered);
	if (r->bad_lines)
		ret = -EINVAL;
out:
	if (f && f != stdin)
		fclose(f);
	tt_pipeline_free(r->pipe);
	tt_retry_free(r->alloc.retry);
	tt_output_close(&r->out);
	free(line);
	tt_config_free(&r->cfg);
	tt_pricing_free(&r->prices);
	free(r);
	return ret;
}
