// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <time.h>
#include "util/timefmt.h"

void tt_record_time(uint64_t ns, char out[32])
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;
	size_t n;

	if (!gmtime_r(&s, &tm) ||
	    !(n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm))) {
		snprintf(out, 32, "1970-01-01T00:00:00.000000Z");
		return;
	}
	snprintf(out + n, 32 - n, ".%06uZ",
		 (unsigned)(ns % 1000000000u / 1000u));
}
