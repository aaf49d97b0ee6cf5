/* SPDX-License-Identifier: MIT */
/* One logger for the agent. Payload bytes are never logged. */
#ifndef TT_LOG_H
#define TT_LOG_H

enum tt_log_level { TT_LOG_ERROR = 0, TT_LOG_WARN, TT_LOG_INFO, TT_LOG_DEBUG };

void tt_log_set_level(enum tt_log_level lvl);
enum tt_log_level tt_log_get_level(void);
int tt_log_level_parse(const char *s, enum tt_log_level *out);
void tt_log(enum tt_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define tt_err(...) tt_log(TT_LOG_ERROR, __VA_ARGS__)
#define tt_warn(...) tt_log(TT_LOG_WARN, __VA_ARGS__)
#define tt_info(...) tt_log(TT_LOG_INFO, __VA_ARGS__)
#define tt_dbg(...) tt_log(TT_LOG_DEBUG, __VA_ARGS__)

#endif
