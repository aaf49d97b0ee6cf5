// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/provider/reqscan.c and keyfp.c. The input is a
 * request body: it is scanned whole and in pieces (piece sizes from the
 * input's own bytes) and both results must match; it is also read as a
 * multipart body, whose answer for a prefix must be -EAGAIN or the answer
 * for the whole; and as a Content-Type and an API key header.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "provider/keyfp.h"
#include "provider/reqscan.h"

static int nul_terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static void check_scan(const struct tt_reqscan *s, int ret)
{
	const struct tt_req_fields *f = tt_reqscan_fields(s);

	if (!nul_terminated(f->model, sizeof(f->model)) ||
	    !nul_terminated(f->service_tier, sizeof(f->service_tier)) ||
	    f->stream < -1 || f->stream > 1 || f->include_usage < -1 ||
	    f->include_usage > 1 || (f->has_model != 0 && f->has_model != 1) ||
	    (!f->has_model && f->model[0]) ||
	    (ret && ret != -EINVAL && ret != -E2BIG && ret != -EPIPE))
		abort();
}

static const uint8_t hash_key[TT_SIPHASH_KEY] = { 1, 2, 3 };

static void scan(const uint8_t *data, size_t size, int pieces,
		 struct tt_reqscan *s, struct tt_siphash *h, int *ret)
{
	size_t at = 0;

	tt_reqscan_init(s);
	tt_siphash_init(h, hash_key);
	s->hash = h;
	while (at < size) {
		/* Piece sizes 1..64 from the data itself, so the fuzzer
		 * steers the split points. */
		size_t n = pieces ? 1 + data[at] % 64 : size - at;
		int r;

		if (n > size - at)
			n = size - at;
		r = tt_reqscan_feed(s, data + at, n);
		if (r != 0 && r != -EINVAL && r != -E2BIG)
			abort();
		at += n;
	}
	*ret = tt_reqscan_finish(s);
	check_scan(s, *ret);
}

static void fuzz_reqscan(const uint8_t *data, size_t size)
{
	struct tt_reqscan whole, split;
	struct tt_siphash hw, hs;
	int ret_whole, ret_split;

	scan(data, size, 0, &whole, &hw, &ret_whole);
	scan(data, size, 1, &split, &hs, &ret_split);
	/* The body hash (the model left out) does not depend on the split. */
	if (whole.hash_ok != split.hash_ok ||
	    (ret_whole == 0 && tt_siphash_final(&hw) != tt_siphash_final(&hs)))
		abort();
	if (ret_whole != ret_split ||
	    memcmp(&whole.f, &split.f, sizeof(whole.f)) != 0 ||
	    whole.model_truncated != split.model_truncated ||
	    whole.service_tier_truncated != split.service_tier_truncated)
		abort();
}

static int field(const uint8_t *data, size_t size, size_t outlen, char *out)
{
	int ret = tt_multipart_field(data, size, "b", "model", out, outlen);

	if (!nul_terminated(out, outlen) ||
	    (ret >= 0 && ((size_t)ret >= outlen || out[ret] != '\0')) ||
	    (ret < 0 && ret != -EAGAIN && ret != -ENOENT))
		abort();
	return ret;
}

static void fuzz_multipart(const uint8_t *data, size_t size)
{
	char a[16], b[16], boundary[TT_MULTIPART_BOUNDARY_MAX];
	size_t cut = size ? data[0] * size / 256 : 0;
	int whole = field(data, size, sizeof(a), a);
	int part = field(data, cut, sizeof(b), b);

	/* A decided answer does not change with more bytes. */
	if (part != -EAGAIN &&
	    (part != whole || (part >= 0 && memcmp(a, b, (size_t)part))))
		abort();
	if (tt_multipart_boundary((const char *)data, size, boundary,
				  sizeof(boundary)) > 0 &&
	    !nul_terminated(boundary, sizeof(boundary)))
		abort();
}

static void fuzz_keyfp(const uint8_t *data, size_t size)
{
	struct tt_keyfp fp;
	int ret = tt_keyfp_from_header((const char *)data, size, &fp);

	if ((ret && ret != -ENOENT) || !nul_terminated(fp.id, sizeof(fp.id)) ||
	    !nul_terminated(fp.hint, sizeof(fp.hint)) ||
	    (!ret && strlen(fp.id) != 18) || (ret && (fp.id[0] || fp.hint[0])))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reqscan(data, size);
	fuzz_multipart(data, size);
	fuzz_keyfp(data, size);
	return 0;
}
