// SPDX-License-Identifier: MIT
/* Tests for user/provider/reqscan.c: request body field scan, multipart. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "provider/reqscan.h"
#include "tt_test.h"

/* What one scan produced, for comparing runs. */
struct scan_result {
	int feed_ret, finish_ret;
	struct tt_req_fields f;
	int model_truncated, tier_truncated;
};

/* Feeds body in the pieces ends[] gives (each a cut offset, ascending),
 * from a private copy of each piece so reading past a piece shows under
 * valgrind/ASan. */
static void scan_pieces(const char *body, size_t len, const size_t *cuts,
			size_t ncuts, struct scan_result *r)
{
	struct tt_reqscan s;
	size_t at = 0;

	tt_reqscan_init(&s);
	r->feed_ret = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len, n = end - at;
		uint8_t *copy = malloc(n ? n : 1);
		int ret;

		if (!copy)
			abort();
		memcpy(copy, body + at, n);
		ret = tt_reqscan_feed(&s, copy, n);
		free(copy);
		if (ret && !r->feed_ret)
			r->feed_ret = ret;
		at = end;
	}
	r->finish_ret = tt_reqscan_finish(&s);
	memcpy(&r->f, tt_reqscan_fields(&s), sizeof(r->f));
	r->model_truncated = s.model_truncated;
	r->tier_truncated = s.service_tier_truncated;
}

static void scan_whole(const char *body, size_t len, struct scan_result *r)
{
	scan_pieces(body, len, NULL, 0, r);
}

static void scan_split(const char *body, size_t len, size_t cut,
		       struct scan_result *r)
{
	scan_pieces(body, len, &cut, 1, r);
}

static void scan_bytewise(const char *body, size_t len, struct scan_result *r)
{
	struct tt_reqscan s;

	tt_reqscan_init(&s);
	r->feed_ret = 0;
	for (size_t i = 0; i < len; i++) {
		int ret = tt_reqscan_feed(&s, (const uint8_t *)body + i, 1);

		if (ret && !r->feed_ret)
			r->feed_ret = ret;
	}
	r->finish_ret = tt_reqscan_finish(&s);
	memcpy(&r->f, tt_reqscan_fields(&s), sizeof(r->f));
	r->model_truncated = s.model_truncated;
	r->tier_truncated = s.service_tier_truncated;
}

static void check_same(const struct scan_result *a,
		       const struct scan_result *b, const char *how)
{
	if (a->feed_ret != b->feed_ret || a->finish_ret != b->finish_ret ||
	    a->f.has_model != b->f.has_model || a->f.stream != b->f.stream ||
	    a->f.include_usage != b->f.include_usage ||
	    strcmp(a->f.model, b->f.model) ||
	    strcmp(a->f.service_tier, b->f.service_tier) ||
	    a->model_truncated != b->model_truncated ||
	    a->tier_truncated != b->tier_truncated)
		tt_fail_(__FILE__, __LINE__,
			 "%s differs: ret %d/%d vs %d/%d model \"%s\" vs \"%s\" "
			 "stream %d vs %d usage %d vs %d tier \"%s\" vs \"%s\"",
			 how, a->feed_ret, a->finish_ret, b->feed_ret,
			 b->finish_ret, a->f.model, b->f.model, a->f.stream,
			 b->f.stream, a->f.include_usage, b->f.include_usage,
			 a->f.service_tier, b->f.service_tier);
}

/* Whole, byte by byte and at every split point: all the same. */
static void check_all_splits(const char *body, size_t len,
			     const struct scan_result *whole)
{
	struct scan_result r;

	scan_bytewise(body, len, &r);
	check_same(&r, whole, "bytewise");
	for (size_t cut = 0; cut <= len; cut++) {
		scan_split(body, len, cut, &r);
		check_same(&r, whole, "split");
		if (tt_failed_)
			return; /* one message per broken case is enough */
	}
}

#define ABSENT (-1)

struct body_case {
	const char *name;
	const char *body;
	int has_model;
	const char *model;
	int stream, include_usage;
	const char *tier;
	int model_truncated;
};

#define LONG_NAME_200 \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define A126 \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct body_case bodies[] = {
	{ "openai_chat",
	  "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":"
	  "\"hi\"}],\"stream\":true,\"stream_options\":{\"include_usage\":true},"
	  "\"service_tier\":\"flex\"}",
	  1, "gpt-4o", 1, 1, "flex", 0 },
	{ "whitespace_everywhere",
	  " \r\n\t{ \"stream\"\t:\n false ,\r\n \"model\" : \"m\" ,"
	  "\"stream_options\" : { \"include_usage\" : false } } \n\t ",
	  1, "m", 0, 0, "", 0 },
	{ "escaped_model",
	  "{\"model\":\"gpt\\u002d4o\\/mini\\\\\\\"\\t\"}",
	  1, "gpt-4o/mini\\\"\t", ABSENT, ABSENT, "", 0 },
	{ "unicode_model",
	  "{\"model\":\"caf\\u00e9-\\ud83d\\ude00-\xe2\x82\xac\"}",
	  1, "caf\xc3\xa9-\xf0\x9f\x98\x80-\xe2\x82\xac", ABSENT, ABSENT, "",
	  0 },
	{ "bad_surrogates_and_nul",
	  "{\"model\":\"\\ud800x\\udc00\\u0000\\ud800\\ud800\\ude00\\ud83d\"}",
	  1, "\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	  "\xf0\x90\x88\x80\xef\xbf\xbd", ABSENT, ABSENT, "", 0 },
	{ "nested_keys_are_not_taken",
	  "{\"messages\":[{\"role\":\"user\",\"model\":\"evil\",\"stream\":true,"
	  "\"content\":\"{\\\"model\\\": \\\"x\\\"}\"}],\"metadata\":{\"model\":"
	  "\"no\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
	  "\"include_usage\":true},\"model\":\"real\",\"x\":[\"model\",\"y\"]}",
	  1, "real", ABSENT, ABSENT, "", 0 },
	{ "stream_options_nested_depths",
	  "{\"stream_options\":{\"x\":{\"include_usage\":true},\"y\":[{\"incl"
	  "ude_usage\":true}],\"include_usage\":false},\"stream\":true}",
	  0, "", 1, 0, "", 0 },
	{ "include_usage_at_top_level_is_not_it",
	  "{\"include_usage\":true,\"stream_options\":{}}",
	  0, "", ABSENT, ABSENT, "", 0 },
	{ "duplicates_last_wins",
	  "{\"model\":\"a\",\"stream\":true,\"model\":\"b\",\"stream\":false,"
	  "\"service_tier\":\"flex\",\"service_tier\":\"priority\","
	  "\"stream_options\":{\"include_usage\":true,\"include_usage\":false}}",
	  1, "b", 0, 0, "priority", 0 },
	{ "duplicate_of_other_type_resets",
	  "{\"model\":\"a\",\"stream\":true,\"stream_options\":{\"include_usage"
	  "\":true},\"model\":null,\"stream\":1,\"stream_options\":null,"
	  "\"service_tier\":\"x\",\"service_tier\":[\"y\"]}",
	  0, "", ABSENT, ABSENT, "", 0 },
	{ "escaped_keys",
	  "{\"mod\\u0065l\":\"m1\",\"modelx\":\"no\",\"mode\":\"no\",\"\\u006D"
	  "odel2\":\"no\",\"str\\u0065am\":true,\"m\\u00f6del\":\"no\"}",
	  1, "m1", 1, ABSENT, "", 0 },
	{ "numbers_and_literals",
	  "{\"temperature\":-0.5e+10,\"n\":0,\"top_p\":1E2,\"x\":[1,2.5,-3,0.0,"
	  "1e-2,true,false,null],\"y\":-0,\"model\":\"m\",\"z\":12345678901234"
	  "5678901234567890,\"stream\":false}",
	  1, "m", 0, ABSENT, "", 0 },
	{ "stream_null",
	  "{\"stream\":null,\"model\":\"\"}", 1, "", ABSENT, ABSENT, "", 0 },
	{ "empty_object", "{}", 0, "", ABSENT, ABSENT, "", 0 },
	{ "model_truncated",
	  "{\"model\":\"" LONG_NAME_200 "\",\"stream\":true}",
	  1, A126 "a", 1, ABSENT, "", 1 },
	{ "model_truncated_on_utf8_boundary",
	  "{\"model\":\"" A126 "\xc3\xa9tail\"}", 1, A126, ABSENT, ABSENT, "",
	  1 },
	{ "model_truncated_before_escape",
	  "{\"model\":\"" A126 "\\u20ac\"}", 1, A126, ABSENT, ABSENT, "", 1 },
	{ "model_fits_exactly",
	  "{\"model\":\"" A126 "\\u0061\"}", 1, A126 "a", ABSENT, ABSENT, "",
	  0 },
	{ "tier_truncated",
	  "{\"service_tier\":\"0123456789012345678901234567890123456789\"}",
	  0, "", ABSENT, ABSENT, "0123456789012345678901234567890", 0 },
};

TT_TEST(bodies_every_split)
{
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		const struct body_case *c = &bodies[i];
		size_t len = strlen(c->body);
		struct scan_result r;

		tt_case("%s", c->name);
		scan_whole(c->body, len, &r);
		TT_CHECK_EQ_INT(r.feed_ret, 0);
		TT_CHECK_EQ_INT(r.finish_ret, 0);
		TT_CHECK_EQ_INT(r.f.has_model, c->has_model);
		TT_CHECK_EQ_STR(r.f.model, c->model);
		TT_CHECK_EQ_INT(r.f.stream, c->stream);
		TT_CHECK_EQ_INT(r.f.include_usage, c->include_usage);
		TT_CHECK_EQ_STR(r.f.service_tier, c->tier);
		TT_CHECK_EQ_INT(r.model_truncated, c->model_truncated);
		check_all_splits(c->body, len, &r);
	}
}

/* Every proper prefix is truncated; no field is ever half a value. */
TT_TEST(truncated_bodies)
{
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		const struct body_case *c = &bodies[i];
		size_t len = strlen(c->body);

		/* Up to the last '}': trailing whitespace is not needed. */
		len = (size_t)(strrchr(c->body, '}') - c->body) + 1;
		for (size_t cut = 0; cut < len; cut++) {
			struct scan_result r;

			tt_case("%s cut %zu", c->name, cut);
			scan_whole(c->body, cut, &r);
			TT_CHECK_EQ_INT(r.feed_ret, 0);
			TT_CHECK_EQ_INT(r.finish_ret, -EPIPE);
			if (r.f.has_model && c->has_model &&
			    !strstr(c->name, "duplicate"))
				TT_CHECK_EQ_STR(r.f.model, c->model);
			if (!r.f.has_model)
				TT_CHECK_EQ_STR(r.f.model, "");
			if (tt_failed_)
				break;
		}
	}
}

struct bad_case {
	const char *name;
	const char *body;
	int err;
	const char *model; /* fields found before the error stay */
};

static const struct bad_case bad_bodies[] = {
	{ "top_level_array", "[{\"model\":\"m\"}]", -EINVAL, "" },
	{ "top_level_string", "\"model\"", -EINVAL, "" },
	{ "trailing_comma", "{\"model\":\"a\",}", -EINVAL, "a" },
	{ "missing_comma", "{\"model\":\"a\" \"b\":1}", -EINVAL, "a" },
	{ "missing_colon", "{\"model\" \"a\"}", -EINVAL, "" },
	{ "number_key", "{1:2}", -EINVAL, "" },
	{ "two_values", "{\"model\":\"a\",\"b\":1 2}", -EINVAL, "a" },
	{ "bad_literal", "{\"model\":\"a\",\"b\":tru}", -EINVAL, "a" },
	{ "literal_tail", "{\"b\":truex}", -EINVAL, "" },
	{ "leading_zero", "{\"b\":01}", -EINVAL, "" },
	{ "lone_minus", "{\"b\":-}", -EINVAL, "" },
	{ "dot_no_digit", "{\"b\":1.}", -EINVAL, "" },
	{ "exp_no_digit", "{\"b\":1e}", -EINVAL, "" },
	{ "leading_dot", "{\"b\":.5}", -EINVAL, "" },
	{ "plus_sign", "{\"b\":+1}", -EINVAL, "" },
	{ "bad_escape", "{\"model\":\"a\",\"b\":\"\\x\"}", -EINVAL, "a" },
	{ "bad_hex", "{\"b\":\"\\u12g4\"}", -EINVAL, "" },
	{ "raw_control_char", "{\"b\":\"a\x01\"}", -EINVAL, "" },
	{ "raw_newline_in_key", "{\"mo\ndel\":1}", -EINVAL, "" },
	{ "mismatched_close", "{\"b\":[1}", -EINVAL, "" },
	{ "mismatched_close_obj", "{\"b\":{]}", -EINVAL, "" },
	{ "garbage_after", "{\"model\":\"a\"} x", -EINVAL, "a" },
	{ "second_object", "{\"model\":\"a\"}{}", -EINVAL, "a" },
	{ "model_cut_by_error", "{\"model\":\"abc\x02\"}", -EINVAL, "" },
	{ "single_quotes", "{'model':'a'}", -EINVAL, "" },
	{ "nul_byte", "{\"model\":\"a\",\"b\":\x00}", -EINVAL, "a" },
};

TT_TEST(malformed_bodies)
{
	for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]);
	     i++) {
		const struct bad_case *c = &bad_bodies[i];
		size_t len = strlen(c->body);
		struct scan_result r;

		if (!strcmp(c->name, "nul_byte"))
			len = 19; /* the literal holds a NUL */
		tt_case("%s", c->name);
		scan_whole(c->body, len, &r);
		TT_CHECK_EQ_INT(r.feed_ret, c->err);
		TT_CHECK_EQ_INT(r.finish_ret, c->err);
		TT_CHECK_EQ_STR(r.f.model, c->model);
		TT_CHECK_EQ_INT(r.f.has_model, c->model[0] != '\0');
		check_all_splits(c->body, len, &r);
	}
}

TT_TEST(error_is_sticky)
{
	struct tt_reqscan s;

	tt_reqscan_init(&s);
	TT_CHECK_EQ_INT(tt_reqscan_feed(&s, (const uint8_t *)"{\"a\":x", 6),
			-EINVAL);
	TT_CHECK_EQ_INT(tt_reqscan_feed(&s, (const uint8_t *)"}", 1), -EINVAL);
	TT_CHECK_EQ_INT(tt_reqscan_finish(&s), -EINVAL);
}

TT_TEST(empty_body_is_truncated)
{
	struct tt_reqscan s;

	tt_reqscan_init(&s);
	TT_CHECK_EQ_INT(tt_reqscan_feed(&s, NULL, 0), 0);
	TT_CHECK_EQ_INT(tt_reqscan_finish(&s), -EPIPE);
	TT_CHECK_EQ_INT(tt_reqscan_fields(&s)->stream, -1);
	TT_CHECK_EQ_INT(tt_reqscan_fields(&s)->include_usage, -1);
}

/* {"a": [[...[ ]...]], "model": "deep"} with `arrays` nested arrays. */
static char *deep_body(size_t arrays, size_t *len)
{
	char *b = malloc(arrays * 2 + 64);
	size_t n = 0;

	if (!b)
		abort();
	n += (size_t)sprintf(b, "{\"a\":");
	memset(b + n, '[', arrays);
	n += arrays;
	memset(b + n, ']', arrays);
	n += arrays;
	n += (size_t)sprintf(b + n, ",\"model\":\"deep\"}");
	*len = n;
	return b;
}

TT_TEST(deep_nesting)
{
	struct scan_result r;
	size_t len;
	char *b;

	/* The top-level object plus 511 arrays: exactly the cap. */
	b = deep_body(TT_REQSCAN_DEPTH_MAX - 1, &len);
	scan_whole(b, len, &r);
	TT_CHECK_EQ_INT(r.finish_ret, 0);
	TT_CHECK_EQ_STR(r.f.model, "deep");
	scan_bytewise(b, len, &r);
	TT_CHECK_EQ_INT(r.finish_ret, 0);
	free(b);

	b = deep_body(TT_REQSCAN_DEPTH_MAX, &len);
	scan_whole(b, len, &r);
	TT_CHECK_EQ_INT(r.feed_ret, -E2BIG);
	TT_CHECK_EQ_INT(r.finish_ret, -E2BIG);
	TT_CHECK_EQ_STR(r.f.model, "");
	free(b);

	b = deep_body(100000, &len);
	scan_whole(b, len, &r);
	TT_CHECK_EQ_INT(r.feed_ret, -E2BIG);
	free(b);
}

/*
 * A ~1 MiB messages array with nested "model" keys, escapes and long
 * strings, and the top-level model before or after it. Splitting a 1 MiB
 * body at every point is 10^12 bytes of work, so: byte by byte (every
 * point is a boundary at once), cuts at every point of the first and last
 * 2 KiB (where the top-level keys and whole messages are), at a stride
 * elsewhere, and random piece sizes.
 */
static char *big_body(int model_first, size_t *len)
{
	static const char msg[] =
		"{\"role\":\"user\",\"model\":\"nested\",\"content\":[{\"type\":"
		"\"text\",\"text\":\"Say \\\"hi\\\" \\\\ caf\\u00e9 \\ud83d\\ude00"
		" \xe2\x82\xac {\\\"model\\\":1} %s\"}],\"n\":[1.5e3,-2,true,null]}";
	size_t cap = (1u << 20) + 4096, n = 0;
	char *b = malloc(cap), pad[600];

	if (!b)
		abort();
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	n += (size_t)sprintf(b + n, "{%s\"messages\":[",
			     model_first ? "\"model\":\"claude-\\u0033-opus\","
					 : "");
	for (int i = 0; n < (1u << 20); i++) {
		if (i)
			b[n++] = ',';
		n += (size_t)snprintf(b + n, cap - n, msg,
				      pad + (i * 37) % 500);
	}
	n += (size_t)sprintf(b + n, "],\"stream\":true,\"stream_options\":{"
				    "\"include_usage\":true}%s}\n",
			     model_first ? ""
					 : ",\"model\":\"claude-\\u0033-opus\"");
	*len = n;
	return b;
}

TT_TEST(one_mib_messages)
{
	uint64_t rng = 12345;

	for (int first = 0; first < 2; first++) {
		size_t len, cuts[64];
		char *b = big_body(first, &len);
		struct scan_result whole, r;

		tt_case("model_first=%d", first);
		TT_CHECK(len > (1u << 20));
		scan_whole(b, len, &whole);
		TT_CHECK_EQ_INT(whole.finish_ret, 0);
		TT_CHECK_EQ_STR(whole.f.model, "claude-3-opus");
		TT_CHECK_EQ_INT(whole.f.stream, 1);
		TT_CHECK_EQ_INT(whole.f.include_usage, 1);
		scan_bytewise(b, len, &r);
		check_same(&r, &whole, "bytewise");
		/* One point in the head and one in the tail per scan. */
		for (size_t cut = 0; cut < 2048 && !tt_failed_; cut++) {
			cuts[0] = cut;
			cuts[1] = len - 2048 + cut;
			scan_pieces(b, len, cuts, 2, &r);
			check_same(&r, &whole, "split");
		}
		for (size_t cut = 2048; cut < len && !tt_failed_; cut += 65521) {
			scan_split(b, len, cut, &r);
			check_same(&r, &whole, "split");
		}
		for (int round = 0; round < 20; round++) {
			size_t at = 0, k = 0;

			while (k < 64) {
				rng = rng * 6364136223846793005ull + 1;
				at += (size_t)(rng >> 33) % (len / 16);
				if (at >= len)
					break;
				cuts[k++] = at;
			}
			scan_pieces(b, len, cuts, k, &r);
			check_same(&r, &whole, "random pieces");
		}
		free(b);
	}
}

/* ---- multipart ---- */

struct boundary_case {
	const char *ctype;
	int ret;
	const char *boundary;
};

static const struct boundary_case boundaries[] = {
	{ "multipart/form-data; boundary=abc123", 6, "abc123" },
	{ "multipart/form-data; boundary=\"a b;c\"", 5, "a b;c" },
	{ "Multipart/Form-Data;charset=utf-8;BOUNDARY=----WebKitFormBoundary"
	  "7MA4YWxkTrZu0gW", 37, "----WebKitFormBoundary7MA4YWxkTrZu0gW" },
	{ "multipart/form-data; name=\"boundary=fake\"; boundary=real", 4,
	  "real" },
	{ "multipart/form-data; charset=\"x;boundary=fake\";boundary=real ",
	  4, "real" },
	{ "  multipart/form-data ; boundary = x ;charset=utf-8", 1, "x" },
	{ "multipart/form-data; boundary=\"esc\\\"q\"", 5, "esc\"q" },
	{ "multipart/mixed; boundary=first; boundary=second", 5, "first" },
	{ "application/json; boundary=x", -ENOENT, "" },
	{ "multipart/form-data", -ENOENT, "" },
	{ "multipart/form-data; boundary=", -ENOENT, "" },
	{ "multipart/form-data; boundary=\"\"", -ENOENT, "" },
	{ "multipart/form-data; xboundary=no", -ENOENT, "" },
	{ "multipart/form-data; boundary=0123456789012345678901234567890123"
	  "456789", -E2BIG, "" },
	{ "", -ENOENT, "" },
};

TT_TEST(multipart_boundary)
{
	for (size_t i = 0; i < sizeof(boundaries) / sizeof(boundaries[0]);
	     i++) {
		const struct boundary_case *c = &boundaries[i];
		char out[40];

		tt_case("%s", c->ctype);
		TT_CHECK_EQ_INT(tt_multipart_boundary(c->ctype,
						      strlen(c->ctype), out,
						      sizeof(out)), c->ret);
		if (c->ret > 0)
			TT_CHECK_EQ_STR(out, c->boundary);
	}
	TT_CHECK_EQ_INT(tt_multipart_boundary("multipart/x; boundary=a", 23,
					      NULL, 0), -EINVAL);
	/* len bounds the value: no NUL is needed. */
	{
		char out[16];

		TT_CHECK_EQ_INT(tt_multipart_boundary(
					"multipart/x; boundary=abcdef", 25,
					out, sizeof(out)), 3);
		TT_CHECK_EQ_STR(out, "abc");
	}
}

#define CD "Content-Disposition: form-data; "
#define BIN "\x00\x01\xff\r\n--bounda\r\n--boundaryX\r\n-- boundary\n\r\r\n"

struct field_case {
	const char *name;
	const char *body;
	size_t len;   /* 0: strlen */
	const char *field;
	size_t outlen;
	int ret;
	const char *value;
};

static const struct field_case fields[] = {
	{ "model_first",
	  "--boundary\r\n" CD "name=\"model\"\r\n\r\nwhisper-1\r\n"
	  "--boundary\r\n" CD "name=\"file\"; filename=\"a.wav\"\r\n"
	  "Content-Type: audio/wav\r\n\r\nRIFF....\r\n--boundary--\r\n",
	  0, "model", 64, 9, "whisper-1" },
	{ "model_after_binary_file",
	  "--boundary\r\n" CD "name=\"file\"; filename=\"model\"\r\n"
	  "Content-Type: application/octet-stream\r\n\r\n" BIN
	  "\r\n--boundary\r\n" CD "name=\"model\"\r\n\r\ngpt-image-1\r\n"
	  "--boundary--\r\n",
	  sizeof("--boundary\r\n" CD "name=\"file\"; filename=\"model\"\r\n"
		 "Content-Type: application/octet-stream\r\n\r\n" BIN
		 "\r\n--boundary\r\n" CD "name=\"model\"\r\n\r\ngpt-image-1\r\n"
		 "--boundary--\r\n") - 1,
	  "model", 64, 11, "gpt-image-1" },
	{ "preamble_padding_and_case",
	  "preamble --boundary\r\n\r\n--boundary \t\r\n"
	  "content-disposition:form-data;name=model\r\n\r\nm\r\n"
	  "--boundary--",
	  0, "model", 64, 1, "m" },
	{ "lf_only",
	  "--b\n" CD "name=\"prompt\"\n\nhello\n--b\n" CD "name=\"model\"\n"
	  "\ndall-e-2\n--b--\n",
	  0, "model", 64, 8, "dall-e-2" },
	{ "similar_names",
	  "--b\r\n" CD "name=\"model_x\"\r\n\r\nno\r\n--b\r\n"
	  "Content-Dispositionx: form-data; name=\"model\"\r\n\r\nno\r\n--b\r\n"
	  CD "filename=\"model\"\r\n\r\nno\r\n--b\r\n" CD "name=\"Model\""
	  "\r\n\r\nno\r\n--b\r\n" CD "name=\"model\"\r\n\r\nyes\r\n--b--",
	  0, "model", 64, 3, "yes" },
	{ "empty_value",
	  "--b\r\n" CD "name=\"model\"\r\n\r\n\r\n--b--\r\n", 0, "model", 64,
	  0, "" },
	{ "value_with_crlf_inside",
	  "--b\r\n" CD "name=\"model\"\r\n\r\na\r\nb\r\n--c\r\n\r\n--b--", 0,
	  "model", 64, 11, "a\r\nb\r\n--c\r\n" },
	{ "absent",
	  "--b\r\n" CD "name=\"file\"\r\n\r\nxx\r\n--b--\r\n", 0, "model", 64,
	  -ENOENT, "" },
	{ "no_parts", "--b--\r\n", 0, "model", 64, -ENOENT, "" },
	{ "truncated_value",
	  "--b\r\n" CD "name=\"model\"\r\n\r\n0123456789abcdefghij\r\n--b--",
	  0, "model", 8, 7, "0123456" },
	{ "truncated_utf8",
	  "--b\r\n" CD "name=\"model\"\r\n\r\n012345\xc3\xa9xyz\r\n--b--",
	  0, "model", 8, 6, "012345" },
	{ "never_closed", "--b\r\n" CD "name=\"file\"\r\n\r\nxxxxxxxx", 0,
	  "model", 64, -EAGAIN, "" },
	{ "boundary_prefix_in_body",
	  "--bb\r\n" CD "name=\"model\"\r\n\r\nno\r\n--b\r\n" CD
	  "name=\"model\"\r\n\r\nyes\r\n--b--",
	  0, "model", 64, 3, "yes" },
};

/* The answer for every prefix is -EAGAIN or the final answer, and once
 * given it never changes. */
TT_TEST(multipart_field_every_prefix)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field_case *c = &fields[i];
		size_t len = c->len ? c->len : strlen(c->body);
		const char *boundary = strncmp(c->body, "--boundary", 10) ?
					       "b" : "boundary";
		int decided = 0;

		if (strstr(c->body, "preamble"))
			boundary = "boundary";
		for (size_t n = 0; n <= len; n++) {
			char out[64];
			uint8_t *copy = malloc(n ? n : 1);
			int ret;

			if (!copy)
				abort();
			memcpy(copy, c->body, n);
			tt_case("%s prefix %zu", c->name, n);
			memset(out, 'x', sizeof(out));
			ret = tt_multipart_field(copy, n, boundary, c->field,
						 out, c->outlen);
			free(copy);
			TT_CHECK(memchr(out, '\0', c->outlen) != NULL);
			if (ret == -EAGAIN && !decided && n < len)
				continue;
			decided = 1;
			TT_CHECK_EQ_INT(ret, c->ret);
			if (ret >= 0) {
				TT_CHECK(memcmp(out, c->value, (size_t)ret) == 0);
				TT_CHECK_EQ_INT(out[ret], 0);
			}
			if (tt_failed_)
				break;
		}
	}
}

TT_TEST(multipart_prefix_only_is_eagain)
{
	static const char body[] =
		"--b\r\n" CD "name=\"file\"; filename=\"a.mp3\"\r\n\r\n"
		"ID3...........................\r\n--b\r\n" CD "name=\"mod";
	char out[32];

	TT_CHECK_EQ_INT(tt_multipart_field((const uint8_t *)body,
					   sizeof(body) - 1, "b", "model", out,
					   sizeof(out)), -EAGAIN);
	TT_CHECK_EQ_STR(out, "");
	TT_CHECK_EQ_INT(tt_multipart_field((const uint8_t *)"--b\r\n", 5,
					   "", "model", out, sizeof(out)),
			-EINVAL);
	TT_CHECK_EQ_INT(tt_multipart_field((const uint8_t *)"--b\r\n", 5,
					   "b", "model", out, 0), -EINVAL);
}
