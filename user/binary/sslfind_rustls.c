// SPDX-License-Identifier: MIT
/*
 * rustls 0.23 compiled into a stripped Rust program (Codex). A panic site
 * (index, unwrap, assert) passes a &'static core::panic::Location { file:
 * &str, line: u32, col: u32 }, stored as {ptr, len, line, col} with ptr
 * the link-time address of the path ".../rustls-0.23.46/src/<file>.rs";
 * code loads the record with a RIP-relative lea. Path -> Location records
 * -> their loads -> the holding function (.eh_frame).
 *
 *  - CommonState::send_appdata_encrypt: every application-data write
 *    passes here; it alone inlines both the fragmenter (a
 *    msgs/fragmenter.rs panic site) and RecordLayer::encrypt_outgoing
 *    (record_layer.rs).
 *  - ChunkVecBuffer::consume_first_chunk: tokio-rustls >= 0.26.2 reads
 *    through BufRead; its assert message "illegal `BufRead::consume`
 *    usage" (rustls >= 0.23.2x) is loaded by it alone, next to a
 *    vecbuf.rs Location.
 *
 * Both take Rust-ABI arguments with layouts rustc picks per build; no BPF
 * program reads them. The connection object moves (stack to heap), the
 * server name is set in ClientConnection::new and the close is a
 * drop_in_place: none has an anchor (docs/sslfind.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "binary/sslfind_impl.h"
#include "util/sorted.h"

#define PATH_MAX_LEN 512
#define CRATE "/rustls-0."

/* The Location's path is rustls's (not tokio-rustls's): note the version. */
static bool rustls_path(struct sf_ctx *c, const struct tt_rustloc *l)
{
	uint8_t rec[16];
	char path[PATH_MAX_LEN + 1];
	uint64_t ptr, len;
	const char *at, *v;
	size_t i;

	if (tt_elfview_read_va(c->ev, l->va, rec, sizeof(rec)))
		return false;
	memcpy(&ptr, rec, 8);
	memcpy(&len, rec + 8, 8);
	if (len > PATH_MAX_LEN || tt_elfview_read_va(c->ev, ptr, path, (size_t)len))
		return false;
	path[len] = '\0';
	at = memmem(path, (size_t)len, CRATE, sizeof(CRATE) - 1);
	if (!at)
		return false;
	v = at + sizeof("/rustls-") - 1;
	for (i = 0; v[i] && v[i] != '/' && i < sizeof(c->res->rustls_version) - 1; i++)
		;
	if (!c->res->rustls_version[0]) {
		memcpy(c->res->rustls_version, v, i);
		c->res->rustls_version[i] = '\0';
	}
	return true;
}

int sf_rustls_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max)
{
	uint64_t ends[3 * SF_HITS_PER_NEEDLE], at[SF_HITS_PER_NEEDLE];
	struct tt_scan_stats st = { 0 };
	uint8_t file[3 * SF_HITS_PER_NEEDLE];
	size_t nends = 0, k = 0;
	int ret;

	for (int f = SF_N_RS_VECBUF; f <= SF_N_RS_RECORD; f++) {
		size_t m = sf_hits(c, f, at, SF_HITS_PER_NEEDLE);
		size_t len = f == SF_N_RS_VECBUF ? sizeof("/src/vecbuf.rs") - 1 :
			     f == SF_N_RS_FRAG ? sizeof("/src/msgs/fragmenter.rs") - 1 :
			     sizeof("/src/record_layer.rs") - 1;

		for (size_t i = 0; i < m && i < SF_HITS_PER_NEEDLE; i++) {
			file[nends] = (uint8_t)f;
			ends[nends++] = at[i] + len;
		}
	}
	if (!nends)
		return 0;
	ret = tt_scan_locations(c->ev, ends, nends, c->locs, SF_LOCS_MAX,
				&c->nlocs, c->opts->chunk, &st);
	c->res->stats.bytes_scanned += st.bytes_scanned;
	c->res->stats.dropped += st.hits_dropped;
	if (ret)
		return ret;
	for (size_t i = 0; i < c->nlocs; i++) { /* keep rustls's own */
		if (!rustls_path(c, &c->locs[i]))
			continue;
		for (size_t e = 0; e < nends; e++)
			if (ends[e] == c->locs[i].str_end)
				c->loc_file[k] = file[e];
		c->locs[k++] = c->locs[i];
	}
	c->nlocs = k;
	for (size_t i = 0; i < c->nlocs; i++) {
		if (*n == max)
			return -E2BIG;
		out[(*n)++] = c->locs[i].va;
	}
	if (c->nlocs && sf_hits(c, SF_N_RS_CONSUME, at, 1)) {
		if (*n == max)
			return -E2BIG;
		out[(*n)++] = at[0];
	}
	return 0;
}

/* The Location addresses of one file, ascending. */
static size_t locs_of(const struct sf_ctx *c, int file, uint64_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nlocs; i++)
		if (c->loc_file[i] == file)
			out[n++] = c->locs[i].va;
	qsort(out, n, sizeof(*out), tt_cmp_u64);
	return n;
}

/* Whether the function of group g loads one of targets[0, n). */
static bool loads(const struct sf_ctx *c, const struct sf_group *g,
		  const uint64_t *targets, size_t n)
{
	for (size_t i = 0; i < c->nrefs; i++)
		if (c->refs[i].bounds && c->refs[i].fstart == g->start &&
		    bsearch(&c->refs[i].target, targets, n, sizeof(*targets),
			    tt_cmp_u64))
			return true;
	return false;
}

struct rs_sets {
	uint64_t v[3][SF_LOCS_MAX];
	size_t n[3];
	uint64_t all[SF_LOCS_MAX];
	struct sf_group g[SF_GROUPS_MAX];
};

/* The one function holding both a fragmenter and a record-layer site. */
static int find_send(struct sf_ctx *c, struct rs_sets *s, size_t ng)
{
	int found = -1;

	for (size_t i = 0; i < ng; i++)
		if (loads(c, &s->g[i], s->v[1], s->n[1]) &&
		    loads(c, &s->g[i], s->v[2], s->n[2]))
			found = found == -1 ? (int)i : -2;
	if (found == -2)
		c->res->rejected++;
	if (found < 0)
		return 0;
	return sf_add(c, TT_SSLFIND_RUSTLS, TT_SSLFIND_RUST_SEND,
		      "CommonState::send_appdata_encrypt", s->g[found].start, 0,
		      TT_SSLFIND_F_FDE);
}

/* The one function loading the consume message, with a vecbuf.rs site. */
static int find_consume(struct sf_ctx *c, struct rs_sets *s)
{
	uint64_t msg;
	struct sf_group g[2];
	size_t ng;

	if (!sf_hits(c, SF_N_RS_CONSUME, &msg, 1))
		return 0; /* rustls before 0.23.2x */
	ng = sf_groups(c, &msg, 1, -1, g, 2);
	if (ng != 1 || !loads(c, &g[0], s->v[0], s->n[0])) {
		c->res->rejected += ng > 0;
		return 0;
	}
	return sf_add(c, TT_SSLFIND_RUSTLS, TT_SSLFIND_RUST_CONSUME,
		      "ChunkVecBuffer::consume_first_chunk", g[0].start, 0,
		      TT_SSLFIND_F_FDE);
}

int sf_rustls_find(struct sf_ctx *c)
{
	struct rs_sets *s;
	size_t ng, n = 0;
	int ret;

	if (!c->nlocs)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	c->res->libs |= 1u << TT_SSLFIND_RUSTLS;
	for (int f = 0; f < 3; f++) {
		s->n[f] = locs_of(c, SF_N_RS_VECBUF + f, s->v[f]);
		memcpy(s->all + n, s->v[f], s->n[f] * sizeof(uint64_t));
		n += s->n[f];
	}
	qsort(s->all, n, sizeof(uint64_t), tt_cmp_u64);
	ng = sf_groups(c, s->all, n, -1, s->g, SF_GROUPS_MAX);
	ret = find_send(c, s, ng);
	if (!ret)
		ret = find_consume(c, s);
	free(s);
	return ret;
}
