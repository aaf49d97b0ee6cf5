// SPDX-License-Identifier: MIT
/*
 * Loading everything the configuration names (the config file, then the
 * price table it points to), all or nothing: the agent never starts half
 * configured. `tokentap check-config` runs the same code.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "core/log.h"
#include "agent/run.h"

int tt_settings_load(const char *path, struct tt_config *cfg,
		     struct tt_pricing *prices, char *err, size_t errlen)
{
	char perr[256];
	int ret;

	memset(prices, 0, sizeof(*prices));
	ret = tt_config_load(path, cfg, err, errlen);
	if (ret)
		return ret;
	if (!cfg->prices_path[0])
		return 0;
	ret = tt_pricing_load(cfg->prices_path, prices, perr, sizeof(perr));
	if (ret)
		snprintf(err, errlen, "pricing.table %s: %s", cfg->prices_path,
			 perr);
	return ret;
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
			       "snapshot %s)", cfg.prices_path, prices.version,
			       prices.nmodels, prices.currency,
			       prices.snapshot_date);
		printf("\n");
	}
	tt_pricing_free(&prices);
	tt_config_free(&cfg);
	return ret;
}
