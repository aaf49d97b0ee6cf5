// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "tt_abi.h"
#include "agent/calls.h"
#include "agent/otlp_export.h"

struct dconn {
	struct tt_calls *cs;
	struct tt_conn *conn;
	struct tt_xconn *x;
	struct tt_procinfo *proc; /* shared with the process's other connections */
};

/* A random (version 4) UUID per event; should getrandom() ever fail, a
 * counter and the clock keep ids unique within this run. */
static void event_id(struct tt_calls *cs, char out[37])
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		struct timespec ts;
		uint64_t n = ++cs->id_fallbacks;

		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(b, &n, 8);
		memcpy(b + 8, &ts.tv_nsec, 4);
		memcpy(b + 12, &ts.tv_sec, 4);
	}
	tt_alloc_uuid(b, out);
}

static void emit(void *ctx, const struct tt_xrec *rec)
{
	struct dconn *d = ctx;
	struct tt_proc_facts pf;
	struct tt_alloc_result res;
	char id[37];
	char line[TT_EVENT_MAX];
	long n;

	if (d->proc) {
		tt_procs_facts(d->cs->procs, d->proc, &pf);
	} else { /* no room for facts: what the capture itself says */
		memset(&pf, 0, sizeof(pf));
		pf.pid = d->conn->pid;
		pf.comm = d->conn->comm;
		pf.cgroup_id = d->conn->cgroup_id;
	}
	event_id(d->cs, id);
	n = tt_alloc_event_res(d->cs->alloc, rec, &pf, id, line, sizeof(line),
			       &res);
	/* Every decoded call, even one whose line was too big to write. */
	if (d->cs->metrics)
		tt_call_metrics_observe(d->cs->metrics, rec, &res);
	if (n < 0) {
		d->cs->record_errors++;
		return;
	}
	tt_output_line(d->cs->out, line, (size_t)n);
	if (d->cs->otlp)
		tt_otlp_export_line(d->cs->otlp, line, (size_t)n);
	d->cs->records++;
}

static uint64_t real_ns(const struct tt_calls *cs, uint64_t mono)
{
	return (uint64_t)((int64_t)mono + cs->mono_to_real_ns);
}

void tt_calls_start(struct tt_calls *cs, struct tt_conn *conn, uint64_t ts)
{
	struct dconn *d;
	struct tt_xconn_info info = {
		.provider_hint = conn->cls.provider,
		.server_name = conn->sni,
		.keep_headers = cs->keep_headers,
	};
	uint64_t t = real_ns(cs, ts);

	if (conn->decoder)
		return;
	d = calloc(1, sizeof(*d));
	if (d)
		d->x = tt_xconn_new(&info, emit, d);
	if (!d || !d->x) {
		free(d);
		cs->decoder_alloc_failures++;
		return;
	}
	d->cs = cs;
	d->conn = conn;
	if (cs->procs)
		d->proc = tt_procs_get(cs->procs, conn->pid, conn->cgroup_id,
				       conn->comm);
	conn->decoder = d;
	cs->decoders++;
	/* What arrived while the connection was undecided. */
	if (conn->peek_len)
		tt_xconn_data(d->x, TT_DIR_EGRESS, t, conn->peek, conn->peek_len);
	if (conn->dir[TT_DIR_EGRESS].next_off > conn->peek_len)
		tt_xconn_gap(d->x, TT_DIR_EGRESS, t,
			     conn->dir[TT_DIR_EGRESS].next_off - conn->peek_len);
	if (conn->ipeek_len)
		tt_xconn_data(d->x, TT_DIR_INGRESS, t, conn->ipeek,
			      conn->ipeek_len);
	if (conn->dir[TT_DIR_INGRESS].next_off > conn->ipeek_len)
		tt_xconn_gap(d->x, TT_DIR_INGRESS, t,
			     conn->dir[TT_DIR_INGRESS].next_off - conn->ipeek_len);
}

void tt_calls_data(struct tt_calls *cs, struct tt_conn *conn, int dir,
		   uint64_t ts, uint64_t next_off, uint64_t off, uint64_t len,
		   const uint8_t *data, uint64_t cap_len)
{
	struct dconn *d = conn->decoder;
	uint64_t t = real_ns(cs, ts), skip;

	if (!d)
		return;
	if (off > next_off) { /* events lost before this one */
		tt_xconn_gap(d->x, dir, t, off - next_off);
		next_off = off;
	}
	if (off + len <= next_off)
		return; /* seen already */
	skip = next_off - off;
	if (cap_len)
		tt_xconn_data(d->x, dir, t, data + skip, cap_len - skip);
	else
		tt_xconn_gap(d->x, dir, t, len - skip);
}

void tt_calls_end(struct tt_calls *cs, struct tt_conn *conn, uint64_t ts)
{
	struct dconn *d = conn->decoder;

	if (!d)
		return;
	tt_xconn_close(d->x, real_ns(cs, ts));
	tt_xconn_stats_add(&cs->st, tt_xconn_get_stats(d->x));
	tt_xconn_free(d->x);
	if (d->proc)
		tt_procs_put(cs->procs, d->proc);
	free(d);
	conn->decoder = NULL;
}

#define ADD(o, name, v) cJSON_AddNumberToObject(o, name, (double)(v))

void tt_calls_stats_json(const struct tt_calls *cs, cJSON *o)
{
	ADD(o, "events", cs->records);
	ADD(o, "record_errors", cs->record_errors);
	ADD(o, "connections_decoded", cs->decoders);
	ADD(o, "decoder_alloc_failures", cs->decoder_alloc_failures);
	ADD(o, "exchanges", cs->st.exchanges);
	ADD(o, "incomplete", cs->st.incomplete);
	ADD(o, "orphan_responses", cs->st.orphan_responses);
	ADD(o, "pending_overflow", cs->st.pending_overflow);
	ADD(o, "unknown_api", cs->st.unknown_api);
	ADD(o, "interim_responses", cs->st.interim_responses);
	ADD(o, "body_too_large", cs->st.body_too_large);
	ADD(o, "decode_errors", cs->st.decode_errors);
	ADD(o, "decompression_bombs", cs->st.bombs);
	ADD(o, "framing_errors", cs->st.framing_errors);
	ADD(o, "gaps", cs->st.gaps);
	ADD(o, "h2_connections", cs->st.h2_connections);
	ADD(o, "h2_undecodable", cs->st.h2_undecodable);
	ADD(o, "h2_protocol_errors", cs->st.h2_protocol_errors);
}
