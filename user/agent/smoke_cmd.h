/* SPDX-License-Identifier: MIT */
#ifndef TT_SMOKE_CMD_H
#define TT_SMOKE_CMD_H

/* `tokentap smoke ...` (docs/finops.md, "Smoke and handoff record"):
 * argv[0] is "smoke". Exit status: 0 pass, 1 fail, 2 usage or I/O. */
int tt_smoke_main(int argc, char **argv);

#endif
