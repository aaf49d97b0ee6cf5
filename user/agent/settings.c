// SPDX-License-Identifier: MIT
/*
 * Loading everything the configuration names (the config file, then the
 * price table it points to), all or nothing: the agent never starts half
 * configured. `tokentap check-config` runs the same code.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "util/log.h"
#include "agent/run.h"

#ifndef TT_DATADIR
#define TT_DATADIR "/usr/local/share/tokentap"
#endif

/* The shipped list-price table when the config names none: the installed
 * copy, else the one in the source tree next to build/tokentap. */
static void default_prices(struct tt_config *cfg)
{
	char exe[4096], cand[4096 + 32];
	ssize_t n;

	if (!access(TT_DATADIR "/prices.json", R_OK)) {
		snprintf(cfg->prices_path, sizeof(cfg->prices_path), "%s",
			 TT_DATADIR "/prices.json");
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	snprintf(cand, sizeof(cand), "%s/../config/prices.json", dirname(exe));
	n = (ssize_t)strlen(cand);
	/* Length checked: a copy, not a snprintf gcc -O0 doubts. */
	if (!access(cand, R_OK) && (size_t)n < sizeof(cfg->prices_path))
		memcpy(cfg->prices_path, cand, (size_t)n + 1);
}

/* A relative path in a config file is relative to that file, not to
 * wherever the agent happened to be started. */
static void resolve_relative(const char *config_path, char *p, size_t cap)
{
	char dir[4096], tmp[4096 * 2 + 2];

	if (!p[0] || p[0] == '/')
		return;
	snprintf(dir, sizeof(dir), "%s", config_path);
	snprintf(tmp, sizeof(tmp), "%s/%s", dirname(dir), p);
	if (strlen(tmp) < cap)
		snprintf(p, cap, "%s", tmp);
}

int tt_settings_load(const char *path, struct tt_config *cfg,
		     struct tt_pricing *prices, char *err, size_t errlen)
{
	char perr[256], real[PATH_MAX];
	int ret;

	memset(prices, 0, sizeof(*prices));
	if (path) {
		ret = tt_config_load(path, cfg, err, errlen);
		if (ret)
			return ret;
		resolve_relative(path, cfg->prices_path, sizeof(cfg->prices_path));
	}
	if (!cfg->prices_path[0])
		default_prices(cfg);
	if (!cfg->prices_path[0])
		return 0;
	ret = tt_pricing_load(cfg->prices_path, prices, perr, sizeof(perr));
	if (ret) {
		snprintf(err, errlen, "pricing.table %s: %s", cfg->prices_path,
			 perr);
		return ret;
	}
	/* Events name the table: a clean absolute path reads better. */
	if (realpath(cfg->prices_path, real) && strlen(real) < sizeof(cfg->prices_path))
		snprintf(cfg->prices_path, sizeof(cfg->prices_path), "%s", real);
	return 0;
}

int tt_settings_snapshot_age(const struct tt_pricing *prices, int64_t now_s,
			     int *age_days)
{
	int32_t day;

	if (!prices->snapshot_date[0] ||
	    tt_price_parse_day(prices->snapshot_date, &day))
		return -ENOENT;
	*age_days = (int)(now_s / 86400 - day);
	return 0;
}

/* A table older than pricing.max_snapshot_age_days is a warning, not an
 * error: the agent runs with it (docs/finops.md, "Budgets and alerts"). */
static void warn_stale(const struct tt_config *cfg,
		       const struct tt_pricing *prices)
{
	int age;

	if (!cfg->prices_path[0] ||
	    tt_settings_snapshot_age(prices, (int64_t)time(NULL), &age))
		return;
	if (age > cfg->price_max_age_days)
		fprintf(stderr,
			"warning: price table %s: snapshot %s is %d days old, "
			"more than pricing.max_snapshot_age_days (%d): list prices "
			"may have changed; refresh the table (docs/pricing.md)\n",
			cfg->prices_path, prices->snapshot_date, age,
			cfg->price_max_age_days);
}

int tt_check_config(const char *path)
{
	struct tt_config cfg;
	struct tt_pricing prices;
	char err[512];
	int ret;

	tt_config_defaults(&cfg);
	ret = tt_settings_load(path, &cfg, &prices, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s: %s\n", path, err);
	} else {
		printf("%s: ok: %zu host rules, %zu owner rules", path,
		       cfg.hosts.n, cfg.owners.n);
		if (cfg.prices_path[0])
			printf(", price table %s version %s (%zu models, %s, "
			       "snapshot %s, sha256 %s)", cfg.prices_path,
			       prices.version, prices.nmodels, prices.currency,
			       prices.snapshot_date, prices.sha256);
		else
			printf(", no price table found: calls will not be priced");
		if (cfg.budgets.n)
			printf(", %zu budgets", cfg.budgets.n);
		printf("\n");
		warn_stale(&cfg, &prices);
	}
	tt_pricing_free(&prices);
	tt_config_free(&cfg);
	return ret;
}

int tt_alloc_retry_setup(struct tt_alloc *a, const struct tt_config *cfg,
			 uint8_t key[TT_SIPHASH_KEY])
{
	/* The key makes body hashes useless to anyone without it (no
	 * guessing prompts from them): random, never written anywhere. */
	if (getrandom(key, TT_SIPHASH_KEY, 0) != TT_SIPHASH_KEY)
		return -EIO;
	a->retry = tt_retry_new(cfg->retry_max_tracked, 0);
	if (!a->retry)
		return -ENOMEM;
	tt_alloc_use_config(a, cfg);
	return 0;
}
