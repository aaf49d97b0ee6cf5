/* SPDX-License-Identifier: MIT */
/*
 * The agent's JSON configuration. Parsing is pure (text in, struct out);
 * unknown keys are errors, and every error names the field and why.
 */
#ifndef TT_CONFIG_H
#define TT_CONFIG_H

#include <stddef.h>
#include "owner/environ.h"
#include "hosts/hosts.h"
#include "owner/rules.h"
#include "config/capture_config.h"
#include "config/otlp_config.h"
#include "config/listen.h"
#include "budget/budget.h"

/* Headers an application may send to declare facts about a call
 * ("declared_headers"), by role; the names are configurable, "" turns one
 * off. The first four allocate (defaults X-Cost-Center, X-Environment,
 * X-Project-ID, X-Team); the business facts are off until the operator
 * names their header (they may name a user or a tenant); traceparent is
 * W3C Trace Context (default "traceparent"): its trace and span ids, not
 * its text, are recorded. */
enum tt_decl_role {
	TT_DECL_COST_CENTER = 0, /* X-Cost-Center */
	TT_DECL_ENVIRONMENT,     /* X-Environment */
	TT_DECL_PROJECT,         /* X-Project-ID */
	TT_DECL_TEAM,            /* X-Team */
	TT_DECL_UNIT_TYPE,       /* the business unit of work: its kind, */
	TT_DECL_UNIT_ID,         /* its id */
	TT_DECL_UNIT_OUTCOME,    /* and how it ended (resolved, ...) */
	TT_DECL_WORKFLOW,
	TT_DECL_TENANT,
	TT_DECL_USER,
	TT_DECL_TRACEPARENT,     /* parsed: trace id and span id */
	TT_DECL_ROLES,
};
/* Roles recorded as their value (all but traceparent). */
#define TT_DECL_VALUE_ROLES TT_DECL_TRACEPARENT

/* The roles' names: configuration keys and the ledger's "declared" members. */
#define TT_DECL_NAME_COST_CENTER "cost_center"
#define TT_DECL_NAME_ENVIRONMENT "environment"
#define TT_DECL_NAME_PROJECT "project_id"
#define TT_DECL_NAME_TEAM "team"

/* W3C Baggage keys whose values are recorded ("declared_headers.baggage"). */
#define TT_BAGGAGE_KEYS_MAX 8
#define TT_BAGGAGE_KEY_MAX 64

/* Retries and fallbacks inferred from request bodies ("retries"). */
#define TT_RETRY_WINDOW_MAX_S 3600

#define TT_CONFIG_PATH_MAX 4096

struct tt_config {
	struct tt_hosts hosts;     /* built-ins plus "endpoints" */
	struct tt_capture_config capture;  /* "capture" */
	struct tt_owner_rules owners;      /* "owners", "key_environments" (heap) */
	struct tt_environ_allow env_allow; /* "environment_variables" */
	char prices_path[TT_CONFIG_PATH_MAX]; /* pricing.table, "" for the default */
	char declared[TT_DECL_ROLES][TT_RULE_KEY_MAX]; /* header names */
	char baggage[TT_BAGGAGE_KEYS_MAX][TT_BAGGAGE_KEY_MAX];
	size_t n_baggage;
	/* retries.window_seconds (0: no inference) and .max_tracked (the
	 * table's cap, read at start only). */
	unsigned retry_window_s;
	unsigned retry_max_tracked;
	/* Where the host's facts are ("host"): "" = found or default. A
	 * DaemonSet mounts the host's directories elsewhere. */
	char cgroup_root[TT_CONFIG_PATH_MAX];  /* cgroup2 mount */
	char pods_log_dir[TT_CONFIG_PATH_MAX]; /* /var/log/pods */
	char docker_dir[TT_CONFIG_PATH_MAX];   /* /var/lib/docker */
	struct tt_otlp_config otlp;            /* "otlp": export (docs/otlp.md) */
	/* metrics.listen: the Prometheus endpoint, "ADDR:PORT" or "off"
	 * (metrics/listen.h), "" for the default; read at start only. */
	char metrics_listen[TT_METRICS_LISTEN_MAX];
	/* "budgets": spend limits per owner, team, cost center or
	 * environment and UTC day or month (docs/finops.md). */
	struct tt_budget_defs budgets;
	/* pricing.max_snapshot_age_days: check-config warns (and the
	 * staleness alert fires) when the table's snapshot_date is older. */
	int price_max_age_days;
};

#define TT_PRICE_MAX_AGE_DAYS_DEFAULT 90

/* "cost_center", "environment", "project_id", "team", "unit_type", ...
 * "traceparent": the configuration key of a role. */
const char *tt_decl_role_name(int role);

/* Sets the defaults on uninitialized memory; tt_config_free() releases
 * what parsing allocated. */
void tt_config_defaults(struct tt_config *cfg);
void tt_config_free(struct tt_config *cfg);
/* Parses text over the defaults in *cfg. Returns 0, or -EINVAL with a
 * message naming the field in err. */
int tt_config_parse(const char *text, struct tt_config *cfg, char *err,
		    size_t errlen);
/* Reads and parses a file; a missing file is an error here (the caller
 * decides whether the default path may be absent). */
int tt_config_load(const char *path, struct tt_config *cfg, char *err,
		   size_t errlen);

#endif
