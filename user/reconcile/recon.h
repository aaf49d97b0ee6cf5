/* SPDX-License-Identifier: MIT */
/*
 * Reconciliation of the ledger's estimates with the providers' own usage
 * and cost exports (docs/finops.md#reconciliation). Pure: export bytes
 * and a finished report (user/report, grouped by provider and model, per
 * UTC day) in; per (UTC day, provider, model[, project]) the tokens and
 * cost of both sides and their variance out. Exports are untrusted input:
 * every file, row, key and value is capped and every skipped row counted.
 */
#ifndef TT_RECON_H
#define TT_RECON_H

#include <stddef.h>
#include <stdint.h>
#include "report/report.h"

#define TT_RECON_FILE_MAX (256u << 20)   /* bytes of one export */
#define TT_RECON_ROWS_MAX 2000000u       /* export rows, all files */
#define TT_RECON_KEYS_MAX 200000u        /* (day, provider, model, project) */
#define TT_RECON_VALUE_MAX 256           /* bytes of a name; longer: skipped */
#define TT_RECON_CSV_FIELDS_MAX 512      /* columns of a FOCUS file */
#define TT_RECON_TOKENS_MAX 9007199254740992.0 /* 2^53 */
#define TT_RECON_COST_MAX 1e12
#define TT_RECON_SERVICES_MAX 16         /* --focus-service mappings */

enum tt_recon_format {
	TT_RECON_UNKNOWN,
	TT_RECON_OPENAI_USAGE,     /* /v1/organization/usage/completions */
	TT_RECON_OPENAI_COSTS,     /* /v1/organization/costs */
	TT_RECON_ANTHROPIC_USAGE,  /* /v1/organizations/usage_report/messages */
	TT_RECON_ANTHROPIC_COSTS,  /* /v1/organizations/cost_report */
	TT_RECON_FOCUS,            /* FOCUS 1.0+ CSV (Azure, AWS, GCP) */
	TT_RECON__FORMATS
};

/* Why an export row was not used. */
enum tt_recon_skip {
	TT_RSKIP_BAD_ROW,          /* a field missing or of the wrong type */
	TT_RSKIP_NOT_USAGE,        /* FOCUS ChargeCategory not Usage, or a
				    * correction (ChargeClass) */
	TT_RSKIP_NOT_AI,           /* FOCUS row of a service that is no AI
				    * provider tokentap knows */
	TT_RSKIP_LONG_VALUE,       /* a name over TT_RECON_VALUE_MAX */
	TT_RSKIP_ROW_CAP,          /* past TT_RECON_ROWS_MAX */
	TT_RSKIP_KEY_CAP,          /* past TT_RECON_KEYS_MAX */
	TT_RSKIP_CURRENCY,         /* another currency than the first seen */
	TT_RSKIP__COUNT
};

/* Variance flags of an entry. */
#define TT_RFLAG_TOKENS      0x01u /* a token count beyond the threshold */
#define TT_RFLAG_COST        0x02u /* the cost beyond the threshold */
#define TT_RFLAG_LEDGER_ONLY 0x04u /* calls the export does not have */
#define TT_RFLAG_EXPORT_ONLY 0x08u /* usage or cost the ledger lacks */

/* One side's numbers for a key. Tokens: total always when known; input
 * and output apart only when the source splits them (FOCUS does not). */
struct tt_recon_side {
	int has_tokens, has_split, has_cost;
	uint64_t input, output, total;
	struct tt_report_sum cost;
	uint64_t calls, unpriced;  /* ledger: events and unpriced ones */
	uint64_t requests;         /* export: requests, when it counts them */
	unsigned sources;          /* export: 1 << enum tt_recon_format */
};

/* The variance of a key: ledger - export, and that over the export (the
 * bill is the reference); NaN where a side lacks the number or the
 * export's is 0. */
struct tt_recon_variance {
	double total, total_pct, input, input_pct, output, output_pct;
	double cost, cost_pct;
};

struct tt_recon_entry {
	uint32_t hash;
	int32_t day;               /* UTC days since 1970-01-01 */
	char *provider;
	char *model;               /* NULL: all models (the export named
				    * none for this provider) */
	char *project;             /* NULL: none or not compared */
	struct tt_recon_side ledger, exp;
	struct tt_recon_variance var;
	unsigned flags;
};

/* What one export file gave. */
struct tt_recon_file {
	enum tt_recon_format format;
	uint64_t rows;             /* rows used */
	uint64_t skipped[TT_RSKIP__COUNT];
	uint64_t misaligned;       /* buckets or charge periods not within
				    * one UTC day: booked to their start */
	int more_pages;            /* has_more true: pages are missing */
};

struct tt_recon_opts {
	double threshold;          /* fraction; above it a variance flags */
	int by_project;            /* project_id / workspace_id in the key */
	/* FOCUS: the column holding the model; NULL: from ResourceId. */
	const char *focus_model_column;
	/* FOCUS: the cost column compared; NULL: "BilledCost". */
	const char *focus_cost_column;
	/* FOCUS: ServiceName values (case-insensitive, whole) and the
	 * provider each is, before the built-in names. */
	const char *service_name[TT_RECON_SERVICES_MAX];
	const char *service_provider[TT_RECON_SERVICES_MAX];
	size_t nservices;
};

struct tt_recon {
	struct tt_recon_opts opts;
	struct tt_recon_entry *entries;
	size_t nentries, cap;
	uint32_t *index;           /* open addressing: entry + 1; 0 empty */
	size_t index_cap;
	uint64_t rows;             /* export rows used, all files */
	uint64_t skipped[TT_RSKIP__COUNT];
	char currency[4];          /* of the exports' costs; "" none yet */
	/* The time the exports cover, UTC days [first_day, end_day). */
	int has_window;
	int32_t first_day, end_day;
	/* Providers the exports cover: a ledger key of another provider is
	 * not compared (counted). 1 << format of the rows per provider. */
	char *covered[32];
	unsigned covered_formats[32];
	int model_less[32];        /* an export row of it named no model */
	size_t ncovered;
	uint64_t ledger_not_covered_calls;
	struct tt_report_sum ledger_not_covered_cost;
	uint64_t ledger_currency_skipped; /* ledger groups in another currency */
	uint64_t nomem;
	int finished;
	size_t nflagged, nentries_shown;
	/* After finish: per covered provider, the sums over the window and
	 * their variance (day -1; provider points into covered[]). A call
	 * booked a day apart by the two sides cancels out here. */
	struct tt_recon_entry totals[32];
	size_t ntotals;
	uint32_t *order;           /* after finish: day, provider, model, project */
};

int tt_recon_init(struct tt_recon *rc, const struct tt_recon_opts *opts);
void tt_recon_free(struct tt_recon *rc);

/* Detects the format of an export from its bytes. */
enum tt_recon_format tt_recon_detect(const char *buf, size_t len);
const char *tt_recon_format_name(enum tt_recon_format f);
const char *tt_recon_skip_name(enum tt_recon_skip s);

/* One export file's bytes (at most TT_RECON_FILE_MAX): detected, parsed
 * and added. 0, -EINVAL (not a known export, or malformed: err says what
 * and where), -E2BIG (over the size cap) or -ENOMEM. Rows that cannot be
 * used are skipped and counted in *file and rc->skipped. */
int tt_recon_add_export(struct tt_recon *rc, const char *buf, size_t len,
			struct tt_recon_file *file, char *err, size_t errlen);

/* The ledger side: a finished report keyed provider,model (and
 * provider_project with opts.by_project), its day cells within the
 * exports' window. Call after the exports. 0 or -ENOMEM. */
int tt_recon_add_ledger(struct tt_recon *rc, const struct tt_report *r);

/* Merges model-less providers, computes the variances and flags, sorts.
 * 0 or -ENOMEM. */
int tt_recon_finish(struct tt_recon *rc);
const struct tt_recon_entry *tt_recon_at(const struct tt_recon *rc,
					 size_t i);

/* Writers (recon_out.c), through the report's sink type. */
int tt_recon_write_text(const struct tt_recon *rc,
			const struct tt_recon_file *files,
			const char *const *names, size_t nfiles,
			tt_report_sink sink, void *ctx);
int tt_recon_write_json(const struct tt_recon *rc,
			const struct tt_recon_file *files,
			const char *const *names, size_t nfiles,
			tt_report_sink sink, void *ctx);

/* Internal, shared by the core's files (recon_export.c, focus_csv.c). */
struct tt_recon_row {
	int32_t day;
	const char *provider, *model, *project; /* NUL-terminated */
	size_t provider_len, model_len, project_len;
	int has_tokens, has_split;
	uint64_t input, output, requests;
	int has_cost;
	double cost;
	const char *currency;      /* 3 letters, any case; NULL: none */
	enum tt_recon_format format;
};
int tt_recon_add_row(struct tt_recon *rc, const struct tt_recon_row *row,
		     struct tt_recon_file *file);
void tt_recon_cover(struct tt_recon *rc, const char *provider,
		    enum tt_recon_format f);
void tt_recon_window(struct tt_recon *rc, int64_t start_us, int64_t end_us);
int tt_recon_parse_focus(struct tt_recon *rc, const char *buf, size_t len,
			 struct tt_recon_file *file, char *err, size_t errlen);

#endif
