/* SPDX-License-Identifier: MIT */
#ifndef TT_REPORT_CMD_H
#define TT_REPORT_CMD_H

/* `tokentap report [options] FILE...` (argv[0] is "report"): the
 * unit-cost scorecard of ledger files (docs/report.md). Returns the exit
 * status: 0, 1 (a file could not be read, output failed) or 2 (usage). */
int tt_report_main(int argc, char **argv);

#endif
