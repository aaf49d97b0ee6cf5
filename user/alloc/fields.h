/* SPDX-License-Identifier: MIT */
/*
 * The fields of the allocation event, named once: one table row per
 * ledger member, in ledger order, saying where its value is in struct
 * tt_event, what kind of value it is and how OTLP exports it. The ledger
 * writer (tt_event_json), the reader of ledger lines
 * (tt_event_from_json) and the OTLP log record (otlp/logs.c) all walk
 * this table; docs/events.md and docs/otlp.md describe the same fields.
 */
#ifndef TT_ALLOC_FIELDS_H
#define TT_ALLOC_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include "alloc/event.h"

enum tt_fkind {
	TT_FK_OBJ = 0, /* an object: the rows up to the matching TT_FK_END */
	TT_FK_END,
	TT_FK_STR,     /* const char *; NULL or "" is null */
	TT_FK_INT,     /* int64_t */
	TT_FK_COUNT,   /* int64_t; < 0 is null */
	TT_FK_BOOL,    /* int */
	TT_FK_TIME,    /* uint64_t Unix ns; RFC 3339 UTC, microseconds */
	TT_FK_MS,      /* uint64_t ns; milliseconds, 3 decimals */
	TT_FK_MS_OPT,  /* int64_t ns; < 0 is null */
	TT_FK_AMOUNT,  /* double, already rounded as shown; NaN is null */
	TT_FK_RAW,     /* const char *: JSON text kept as it is; "" is null */
	TT_FK_STRS,    /* struct tt_strs: an array of strings */
	TT_FK_KVS,     /* struct tt_kvs: an object of strings */
	/* Not a ledger field: OTLP's error.type, derived from error_type,
	 * outcome and status_code (otlp/event.c). */
	TT_FK_OTLP_ERROR_TYPE,
};

/* TT_FK_OBJ without a has_* flag: always an object, never null. */
#define TT_FIELD_ALWAYS UINT16_MAX

/* Flags. */
#define TT_FF_OTLP_LIST 1u /* a string exported as an array of one */

struct tt_field {
	const char *key;   /* member name at its level; NULL: OTLP only */
	uint8_t kind;      /* enum tt_fkind */
	uint8_t flags;     /* TT_FF_* */
	/* Where the value is: offsetof(struct tt_event, ...); for TT_FK_OBJ
	 * the offset of its int has_* flag, or TT_FIELD_ALWAYS. */
	uint16_t off;
	/* Position among the OTLP log record's attributes (1, 2, ...); 0:
	 * not exported. The semantic-convention attributes come first. */
	uint8_t rank;
	/* The OTLP attribute where it is not "tokentap." and the ledger
	 * path ("gen_ai.usage.input_tokens" for usage.input_tokens). */
	const char *attr;
};

extern const struct tt_field tt_event_fields[];
extern const size_t tt_event_nfields;

#define TT_FIELD_PATH_MAX 64
#define TT_FIELD_ATTR_MAX (sizeof("tokentap.") - 1 + TT_FIELD_PATH_MAX)

/* A value row with what its place in the table says about it. */
struct tt_field_leaf {
	const struct tt_field *f;
	unsigned row;     /* index in tt_event_fields: the bit in ev->absent */
	/* The innermost "object or null" group around it: the offset of its
	 * has_* flag, or TT_FIELD_ALWAYS. */
	uint16_t group_off;
	char path[TT_FIELD_PATH_MAX];          /* "cost.priced_as.model" */
	char attr[TT_FIELD_ATTR_MAX];          /* the OTLP attribute name */
};

/* Fills leaves[] with the value rows, in table order. Returns how many,
 * or -E2BIG when cap is too small or a path too long (a table bug: the
 * unit test walks it). */
long tt_event_leaves(struct tt_field_leaf *leaves, size_t cap);

/* The row of the value at offsetof(struct tt_event, ...) off, or -1. */
long tt_event_row(size_t off);

/* Value access by row. */
static inline const void *tt_field_ptr(const struct tt_event *ev,
				       const struct tt_field *f)
{
	return (const char *)ev + f->off;
}

static inline int tt_field_absent(const struct tt_event *ev, unsigned row)
{
	return row < 64 * TT_EVENT_ABSENT_WORDS &&
	       (ev->absent[row / 64] >> (row % 64) & 1);
}

/* Did the line ev was read from lack any field? */
static inline int tt_event_any_absent(const struct tt_event *ev)
{
	uint64_t any = 0;

	for (unsigned i = 0; i < TT_EVENT_ABSENT_WORDS; i++)
		any |= ev->absent[i];
	return any != 0;
}

/* Within a group whose has_* flag is at off: is the group there? */
static inline int tt_field_group_present(const struct tt_event *ev,
					 uint16_t off)
{
	return off == TT_FIELD_ALWAYS ||
	       *(const int *)(const void *)((const char *)ev + off);
}

/* Did the line ev was read from lack the field at offset off? Always 0
 * for events tt_alloc_build() made (the fast path). */
static inline int tt_event_absent(const struct tt_event *ev, size_t off)
{
	long row;

	if (!tt_event_any_absent(ev))
		return 0;
	row = tt_event_row(off);
	return row >= 0 && tt_field_absent(ev, (unsigned)row);
}

#endif
