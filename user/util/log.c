// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include "util/log.h"

static enum tt_log_level cur_level = TT_LOG_INFO;
static const char *const names[] = { "error", "warn", "info", "debug" };

void tt_log_set_level(enum tt_log_level lvl) { cur_level = lvl; }
enum tt_log_level tt_log_get_level(void) { return cur_level; }

int tt_log_level_parse(const char *s, enum tt_log_level *out)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum tt_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void tt_log(enum tt_log_level lvl, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	va_list ap;

	if (lvl > cur_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ tokentap %s: ", stamp, ts.tv_nsec / 1000000,
		names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
