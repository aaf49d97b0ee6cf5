/* SPDX-License-Identifier: MIT */
/* `tokentap reconcile`: ledger estimates against provider exports. */
#ifndef TT_RECONCILE_CMD_H
#define TT_RECONCILE_CMD_H

int tt_reconcile_main(int argc, char **argv);

#endif
