// SPDX-License-Identifier: MIT
/*
 * Streaming scan of request bodies for a few top-level fields. The JSON
 * part is a byte-at-a-time pushdown automaton whose stack is one bit per
 * open container; strings that are not wanted (prompt text, other keys)
 * go through a tight skip loop and are never copied. See reqscan.h.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "provider/reqscan.h"
#include "util/utf8.h"

enum rs_state {
	RS_START,    /* before the top-level '{' */
	RS_OBJ_OPEN, /* after '{': a key or '}' */
	RS_KEY,      /* after ',' in an object: a key */
	RS_COLON,    /* after a key */
	RS_VALUE,    /* after ':', or after ',' in an array */
	RS_ARR_OPEN, /* after '[': a value or ']' */
	RS_AFTER,    /* after a value: ',' or a closing bracket */
	RS_STRING,
	RS_ESC,      /* after a backslash */
	RS_UHEX,     /* in the hex digits of \uXXXX */
	RS_NUMBER,
	RS_LITERAL,
	RS_DONE,     /* the top-level object closed: whitespace only */
};

/* What the string being scanned is for. */
enum rs_role { ROLE_SKIP, ROLE_KEY, ROLE_MODEL, ROLE_TIER };

/* Keys of interest; key k is bit (k - 1) of the candidate mask. */
enum rs_key { KEY_NONE, KEY_MODEL, KEY_STREAM, KEY_TIER, KEY_SOPTS,
	      KEY_INCLUDE_USAGE, KEY_COUNT };

static const struct {
	const char *name;
	uint8_t len;
} rs_keys[KEY_COUNT] = {
	[KEY_MODEL] = { "model", 5 },
	[KEY_STREAM] = { "stream", 6 },
	[KEY_TIER] = { "service_tier", 12 },
	[KEY_SOPTS] = { "stream_options", 14 },
	[KEY_INCLUDE_USAGE] = { "include_usage", 13 },
};

#define KEY_BIT(k) (1u << ((k) - 1))
#define MASK_TOP (KEY_BIT(KEY_MODEL) | KEY_BIT(KEY_STREAM) | \
		  KEY_BIT(KEY_TIER) | KEY_BIT(KEY_SOPTS))
#define MASK_SOPTS KEY_BIT(KEY_INCLUDE_USAGE)

/* Number grammar states (RFC 8259 section 6). */
enum rs_num { N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP };

static const char *const rs_lits[] = { "true", "false", "null" };
static const uint8_t rs_lit_len[] = { 4, 5, 4 };

void tt_reqscan_init(struct tt_reqscan *s)
{
	memset(s, 0, sizeof(*s));
	s->f.stream = -1;
	s->f.include_usage = -1;
	s->state = RS_START;
	s->hash_ok = 1;
}

const struct tt_req_fields *tt_reqscan_fields(const struct tt_reqscan *s)
{
	return &s->f;
}

static int in_string(const struct tt_reqscan *s)
{
	return s->state == RS_STRING || s->state == RS_ESC ||
	       s->state == RS_UHEX;
}

/* Last one wins: a new value of a key resets its field first. */
static void reset_target(struct tt_reqscan *s, int target)
{
	switch (target) {
	case KEY_MODEL:
		s->f.model[0] = '\0';
		s->f.has_model = 0;
		s->model_truncated = 0;
		break;
	case KEY_TIER:
		s->f.service_tier[0] = '\0';
		s->service_tier_truncated = 0;
		break;
	case KEY_STREAM:
		s->f.stream = -1;
		break;
	case KEY_SOPTS:
	case KEY_INCLUDE_USAGE:
		s->f.include_usage = -1;
		break;
	default:
		break;
	}
}

/* A field value cut off (by an error or the end) is not a value. */
static void drop_partial(struct tt_reqscan *s)
{
	if (in_string(s) && !s->str_is_key)
		reset_target(s, s->role == ROLE_MODEL ? KEY_MODEL :
				s->role == ROLE_TIER ? KEY_TIER : KEY_NONE);
}

static void fail(struct tt_reqscan *s, int err)
{
	if (s->err)
		return;
	drop_partial(s);
	s->err = err;
}

static int top_is_obj(const struct tt_reqscan *s)
{
	unsigned int i = s->depth - 1u;

	return (s->objbits[i / 8] >> (i % 8)) & 1;
}

static void push(struct tt_reqscan *s, int is_obj)
{
	unsigned int i = s->depth;

	if (i >= TT_REQSCAN_DEPTH_MAX) {
		fail(s, -E2BIG);
		return;
	}
	if (is_obj)
		s->objbits[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		s->objbits[i / 8] &= (uint8_t)~(1u << (i % 8));
	s->depth++;
	s->state = is_obj ? RS_OBJ_OPEN : RS_ARR_OPEN;
}

static void pop(struct tt_reqscan *s, int is_obj)
{
	if (top_is_obj(s) != is_obj) {
		fail(s, -EINVAL);
		return;
	}
	s->depth--;
	s->state = s->depth ? RS_AFTER : RS_DONE;
}

/* Appends decoded bytes to a field; once it is full nothing more goes in,
 * so the field is always a prefix of the value. */
static void field_put(struct tt_reqscan *s, char *dst, size_t cap,
		      int *truncated, const uint8_t *b, size_t len)
{
	if (*truncated)
		return;
	if (s->vlen + len > cap - 1) {
		*truncated = 1;
		s->vlen = (uint16_t)tt_utf8_trim((const uint8_t *)dst, s->vlen);
		dst[s->vlen] = '\0';
		return;
	}
	memcpy(dst + s->vlen, b, len);
	s->vlen = (uint16_t)(s->vlen + len);
	dst[s->vlen] = '\0';
}

static void key_put(struct tt_reqscan *s, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len && s->kmask; i++, s->kpos++) {
		for (int k = KEY_MODEL; k < KEY_COUNT; k++) {
			if (!(s->kmask & KEY_BIT(k)))
				continue;
			if (s->kpos >= rs_keys[k].len ||
			    (uint8_t)rs_keys[k].name[s->kpos] != b[i])
				s->kmask &= (uint8_t)~KEY_BIT(k);
		}
	}
	if (!s->kmask)
		s->role = ROLE_SKIP; /* no candidate left: fast path */
}

/* Decoded string bytes go wherever the string's role says. */
static void str_put(struct tt_reqscan *s, const uint8_t *b, size_t len)
{
	switch (s->role) {
	case ROLE_KEY:
		key_put(s, b, len);
		break;
	case ROLE_MODEL:
		field_put(s, s->f.model, sizeof(s->f.model),
			  &s->model_truncated, b, len);
		break;
	case ROLE_TIER:
		field_put(s, s->f.service_tier, sizeof(s->f.service_tier),
			  &s->service_tier_truncated, b, len);
		break;
	default:
		break;
	}
}

static void put_cp(struct tt_reqscan *s, uint32_t cp)
{
	static const uint8_t lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	uint8_t b[4];

	for (size_t i = n - 1; i > 0; i--, cp >>= 6)
		b[i] = (uint8_t)(0x80 | (cp & 0x3f));
	b[0] = (uint8_t)(lead[n] | cp);
	str_put(s, b, n);
}

/* A high surrogate not followed by its low half is U+FFFD. */
static void flush_high(struct tt_reqscan *s)
{
	if (s->uhigh) {
		s->uhigh = 0;
		put_cp(s, 0xfffd);
	}
}

static void code_unit(struct tt_reqscan *s, uint32_t cu)
{
	if (s->uhigh && cu >= 0xdc00 && cu <= 0xdfff) {
		put_cp(s, 0x10000 + ((uint32_t)(s->uhigh - 0xd800) << 10) +
				  (cu - 0xdc00));
		s->uhigh = 0;
		return;
	}
	flush_high(s);
	if (cu >= 0xd800 && cu <= 0xdbff) {
		s->uhigh = (uint16_t)cu;
		return;
	}
	/* Lone low surrogates and NUL (which would cut a C string short)
	 * become U+FFFD. */
	if ((cu >= 0xdc00 && cu <= 0xdfff) || cu == 0)
		cu = 0xfffd;
	put_cp(s, cu);
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void esc_step(struct tt_reqscan *s, uint8_t c)
{
	uint8_t out;

	switch (c) {
	case '"': case '\\': case '/': out = c; break;
	case 'b': out = '\b'; break;
	case 'f': out = '\f'; break;
	case 'n': out = '\n'; break;
	case 'r': out = '\r'; break;
	case 't': out = '\t'; break;
	case 'u':
		s->state = RS_UHEX;
		s->ucount = 0;
		s->ucode = 0;
		return;
	default:
		fail(s, -EINVAL);
		return;
	}
	flush_high(s);
	str_put(s, &out, 1);
	s->state = RS_STRING;
}

static void uhex_step(struct tt_reqscan *s, uint8_t c)
{
	int v = hexval(c);

	if (v < 0) {
		fail(s, -EINVAL);
		return;
	}
	s->ucode = (uint16_t)(s->ucode << 4 | v);
	if (++s->ucount < 4)
		return;
	s->state = RS_STRING;
	code_unit(s, s->ucode);
}

static void string_end(struct tt_reqscan *s)
{
	int match = KEY_NONE;

	flush_high(s);
	if (!s->str_is_key) {
		if (s->role == ROLE_MODEL)
			s->f.has_model = 1;
		s->state = RS_AFTER;
		return;
	}
	for (int k = KEY_MODEL; k < KEY_COUNT; k++)
		if ((s->kmask & KEY_BIT(k)) && rs_keys[k].len == s->kpos)
			match = k;
	if (s->depth == 1)
		s->key1 = (uint8_t)match;
	else if (s->depth == 2)
		s->key2 = (uint8_t)match;
	s->state = RS_COLON;
}

/* Consumes string bytes; returns how many. */
static size_t scan_string(struct tt_reqscan *s, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && !s->err && in_string(s)) {
		uint8_t c = p[i];

		if (s->state == RS_ESC) {
			i++;
			esc_step(s, c);
			continue;
		}
		if (s->state == RS_UHEX) {
			i++;
			uhex_step(s, c);
			continue;
		}
		if (s->role == ROLE_SKIP) {
			/* Prompt text: nothing to decode until a quote or
			 * a backslash. */
			while (i < n && p[i] != '"' && p[i] != '\\' &&
			       p[i] >= 0x20)
				i++;
			if (i == n)
				break;
			c = p[i];
		}
		i++;
		if (c == '"') {
			string_end(s);
		} else if (c == '\\') {
			s->state = RS_ESC;
		} else if (c < 0x20) {
			fail(s, -EINVAL);
		} else {
			flush_high(s);
			str_put(s, &c, 1);
		}
	}
	return i;
}

static void string_begin(struct tt_reqscan *s, int is_key, int role)
{
	s->state = RS_STRING;
	s->str_is_key = (uint8_t)is_key;
	s->role = (uint8_t)role;
	s->uhigh = 0;
	s->vlen = 0;
	s->kpos = 0;
}

static void key_begin(struct tt_reqscan *s)
{
	s->kmask = 0;
	if (s->depth == 1)
		s->kmask = MASK_TOP;
	else if (s->depth == 2 && s->key1 == KEY_SOPTS)
		s->kmask = MASK_SOPTS; /* only objects reach RS_KEY */
	string_begin(s, 1, s->kmask ? ROLE_KEY : ROLE_SKIP);
}

/* The field a value starting now belongs to, KEY_NONE for most. */
static int value_target(const struct tt_reqscan *s)
{
	if (s->depth == 1)
		return s->key1;
	if (s->depth == 2 && s->key1 == KEY_SOPTS && top_is_obj(s))
		return s->key2;
	return KEY_NONE;
}

static void value_begin(struct tt_reqscan *s, uint8_t c)
{
	int target = value_target(s);

	if (!strchr("{[\"tfn-0123456789", c) || c == '\0') {
		fail(s, -EINVAL);
		return;
	}
	reset_target(s, target);
	s->vtarget = (uint8_t)target;
	switch (c) {
	case '{':
		s->key2 = KEY_NONE;
		push(s, 1);
		break;
	case '[':
		push(s, 0);
		break;
	case '"':
		string_begin(s, 0, target == KEY_MODEL ? ROLE_MODEL :
				   target == KEY_TIER ? ROLE_TIER : ROLE_SKIP);
		break;
	case 't': case 'f': case 'n':
		s->state = RS_LITERAL;
		s->lit = c == 't' ? 0 : c == 'f' ? 1 : 2;
		s->lit_pos = 1;
		break;
	default:
		s->state = RS_NUMBER;
		s->num = c == '-' ? N_MINUS : c == '0' ? N_ZERO : N_INT;
		break;
	}
}

static void lit_step(struct tt_reqscan *s, uint8_t c)
{
	if ((uint8_t)rs_lits[s->lit][s->lit_pos] != c) {
		fail(s, -EINVAL);
		return;
	}
	if (++s->lit_pos < rs_lit_len[s->lit])
		return;
	s->state = RS_AFTER;
	if (s->lit == 2)
		return; /* null: the field stays absent */
	if (s->vtarget == KEY_STREAM)
		s->f.stream = s->lit == 0;
	else if (s->vtarget == KEY_INCLUDE_USAGE)
		s->f.include_usage = s->lit == 0;
}

/* Next number state after c, or -1 when c cannot continue the number. */
static int num_next(int st, uint8_t c)
{
	int digit = c >= '0' && c <= '9', exp = (c | 0x20) == 'e';

	switch (st) {
	case N_MINUS:
		return c == '0' ? N_ZERO : digit ? N_INT : -1;
	case N_ZERO:
		return c == '.' ? N_DOT : exp ? N_E : -1;
	case N_INT:
		return digit ? N_INT : c == '.' ? N_DOT : exp ? N_E : -1;
	case N_DOT:
	case N_FRAC:
		return digit ? N_FRAC : st == N_FRAC && exp ? N_E : -1;
	case N_E:
		if (c == '+' || c == '-')
			return N_ESIGN;
		/* fall through */
	default:
		return digit ? N_EXP : -1;
	}
}

/* Returns 1 when c was part of the number, 0 when the number ended
 * before c (c is then read in RS_AFTER). */
static int num_step(struct tt_reqscan *s, uint8_t c)
{
	int next = num_next(s->num, c);

	if (next >= 0) {
		s->num = (uint8_t)next;
		return 1;
	}
	if (s->num == N_ZERO || s->num == N_INT || s->num == N_FRAC ||
	    s->num == N_EXP) {
		s->state = RS_AFTER;
		return 0;
	}
	fail(s, -EINVAL);
	return 1;
}

static void structural_step(struct tt_reqscan *s, uint8_t c)
{
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		return;
	switch (s->state) {
	case RS_START:
		if (c != '{')
			break; /* a request body is an object */
		push(s, 1);
		return;
	case RS_OBJ_OPEN:
		if (c == '}') {
			pop(s, 1);
			return;
		}
		/* fall through */
	case RS_KEY:
		if (c != '"')
			break;
		key_begin(s);
		return;
	case RS_COLON:
		if (c != ':')
			break;
		s->state = RS_VALUE;
		return;
	case RS_ARR_OPEN:
		if (c == ']') {
			pop(s, 0);
			return;
		}
		/* fall through */
	case RS_VALUE:
		value_begin(s, c);
		return;
	case RS_AFTER:
		if (c == ',') {
			s->state = top_is_obj(s) ? RS_KEY : RS_VALUE;
			return;
		}
		if (c == '}' || c == ']') {
			pop(s, c == '}');
			return;
		}
		break;
	default:
		break;
	}
	fail(s, -EINVAL);
}

/* Inside the top-level "model" string value: bytes left out of the hash. */
static int in_model(const struct tt_reqscan *s)
{
	return in_string(s) && !s->str_is_key && s->role == ROLE_MODEL;
}

int tt_reqscan_feed(struct tt_reqscan *s, const uint8_t *p, size_t n)
{
	size_t i = 0, from = 0; /* p[from, i): to be hashed */
	int skipping = in_model(s);

	while (i < n && !s->err) {
		if (s->hash && skipping != in_model(s)) {
			/* Entering: hash up to the opening quote (included);
			 * leaving: resume after the closing quote. */
			if (!skipping)
				tt_siphash_feed(s->hash, p + from, i - from);
			from = i;
			skipping = !skipping;
		}
		switch (s->state) {
		case RS_STRING:
		case RS_ESC:
		case RS_UHEX:
			i += scan_string(s, p + i, n - i);
			break;
		case RS_NUMBER:
			i += (size_t)num_step(s, p[i]);
			break;
		case RS_LITERAL:
			lit_step(s, p[i++]);
			break;
		default:
			structural_step(s, p[i++]);
			break;
		}
	}
	/* What the last piece of hashed run left (a transition made by the
	 * last step is taken by the next call's start state). */
	if (s->hash && !s->err && !skipping)
		tt_siphash_feed(s->hash, p + from, i - from);
	if (s->err)
		s->hash_ok = 0;
	return s->err;
}

int tt_reqscan_finish(struct tt_reqscan *s)
{
	if (s->err)
		return s->err;
	if (s->state == RS_DONE)
		return 0;
	drop_partial(s);
	return -EPIPE;
}
