/* SPDX-License-Identifier: MIT */
#ifndef TT_PRICES_CMD_H
#define TT_PRICES_CMD_H

/* `tokentap prices import litellm FILE [options]` and `tokentap prices
 * check [--table FILE] LEDGER...` (argv[0] is "prices"; docs/pricing.md).
 * Returns the exit status: 0, 1 (a file could not be read or written, the
 * input was refused; for check: models the table lacks were seen) or 2
 * (usage). */
int tt_prices_main(int argc, char **argv);
/* `prices check ...` (argv[0] is "check"). */
int tt_prices_check_main(int argc, char **argv);

#endif
