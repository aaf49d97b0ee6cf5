// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/reconcile's export parsers: an export is untrusted
 * input. The first byte chooses the options (by project, a FOCUS model
 * column, another FOCUS cost column); the rest is one export file. The
 * result is one of the documented codes; then the table is finished and
 * written. Invariants: flagged keys <= keys; rows used + skipped fit the
 * file's counts; each JSON line parses; the text holds no control
 * character but "\n"; writers return 0.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "reconcile/recon.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tt_recon_opts o = { .threshold = 0.05 };
	static const char *const name[] = { "export" };
	struct tt_recon_file file;
	struct fz_buf b = { 0 };
	struct tt_recon rc;
	char err[256], *line, *nl;
	int ret;

	if (size < 1)
		return 0;
	o.by_project = data[0] & 1;
	o.focus_model_column = data[0] & 2 ? "x_Model" : NULL;
	o.focus_cost_column = data[0] & 4 ? "ListCost" : NULL;
	CHECK(tt_recon_init(&rc, &o) == 0);
	ret = tt_recon_add_export(&rc, (const char *)data + 1, size - 1,
				  &file, err, sizeof(err));
	CHECK(ret == 0 || ret == -EINVAL);
	CHECK(memchr(err, '\0', sizeof(err)));
	CHECK(rc.rows == file.rows);
	CHECK(tt_recon_finish(&rc) == 0);
	CHECK(rc.nflagged <= rc.nentries_shown);
	CHECK(tt_recon_write_json(&rc, &file, name, 1, fz_to_buf, &b) == 0);
	for (line = b.p; line && (nl = strchr(line, '\n')); line = nl + 1) {
		cJSON *j;

		*nl = '\0';
		j = cJSON_Parse(line);
		CHECK(j && cJSON_IsObject(j));
		cJSON_Delete(j);
	}
	b.len = 0;
	CHECK(tt_recon_write_text(&rc, &file, name, 1, fz_to_buf, &b) == 0);
	for (size_t i = 0; i < b.len; i++)
		CHECK((unsigned char)b.p[i] >= 0x20 || b.p[i] == '\n');
	free(b.p);
	tt_recon_free(&rc);
	return 0;
}
