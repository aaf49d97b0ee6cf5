// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "config/capture_config.h"
#include "util/cfgjson.h"

#define TT_STATE_DIR_DEFAULT "/sys/fs/bpf/tokentap"

void tt_capture_config_defaults(struct tt_capture_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = TT_CAPTURE_SCOPED;
	c->ringbuf_bytes = 8u << 20;
	c->max_connections = 16384;
	c->attach_all_libraries = 1;
	c->hold_ms = 1000;
	c->idle_disarm_s = 600;
	c->max_armed = 4096;
	c->late_start_s = 120;
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", TT_STATE_DIR_DEFAULT);
}

void tt_capture_config_free(struct tt_capture_config *c)
{
	tt_rules_free(&c->arm);
}

const char *tt_capture_mode_name(enum tt_capture_mode mode)
{
	return mode == TT_CAPTURE_ALL ? "all" : "scoped";
}

static int get_size(const cJSON *obj, const char *key, size_t lo, size_t hi,
		    size_t *out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	/* Range first: casting an out-of-range double to size_t is undefined. */
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)lo) ||
	    v->valuedouble > (double)hi ||
	    v->valuedouble != (double)(size_t)v->valuedouble)
		return tt_cfg_fail(err, errlen,
				   "capture.%s: must be an integer in [%zu, %zu]",
				   key, lo, hi);
	*out = (size_t)v->valuedouble;
	return 0;
}

static int get_uint(const cJSON *obj, const char *key, unsigned hi,
		    unsigned *out, char *err, size_t errlen)
{
	size_t v = *out;
	int ret = get_size(obj, key, 0, hi, &v, err, errlen);

	*out = (unsigned)v;
	return ret;
}

static int get_mode(const cJSON *obj, struct tt_capture_config *c, char *err,
		    size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "mode");

	if (!v)
		return 0;
	if (cJSON_IsString(v) && !strcmp(v->valuestring, "scoped"))
		c->mode = TT_CAPTURE_SCOPED;
	else if (cJSON_IsString(v) && !strcmp(v->valuestring, "all"))
		c->mode = TT_CAPTURE_ALL;
	else
		return tt_cfg_fail(err, errlen,
				   "capture.mode: must be \"scoped\" or \"all\"");
	return 0;
}

static int get_state_dir(const cJSON *obj, struct tt_capture_config *c,
			 char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "state_dir");
	const char *s;

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return tt_cfg_fail(err, errlen, "capture.state_dir: must be a string");
	s = v->valuestring;
	/* Under a bpffs mount, absolute, no "..": the agent creates it. */
	if (s[0] && (s[0] != '/' || strstr(s, "/../") ||
		     strlen(s) >= sizeof(c->state_dir) ||
		     (strlen(s) >= 3 && !strcmp(s + strlen(s) - 3, "/..")))) {
		return tt_cfg_fail(err, errlen,
				   "capture.state_dir: must be \"\" or an absolute "
				   "path without \"..\", shorter than %zu bytes",
				   sizeof(c->state_dir));
	}
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", s);
	return 0;
}

int tt_capture_config_parse(const cJSON *obj, struct tt_capture_config *c,
			    char *err, size_t errlen)
{
	static const char *const keys[] = {
		"mode", "ringbuf_bytes", "max_connections",
		"attach_system_libraries", "hold_ms", "idle_disarm_seconds",
		"max_armed_processes", "arm", "state_dir", "late_start_seconds",
		NULL,
	};
	const cJSON *v;
	int ret;

	if (!cJSON_IsObject(obj))
		return tt_cfg_fail(err, errlen, "capture: must be an object");
	ret = tt_cfg_check_keys(obj, "capture", keys, err, errlen);
	if (!ret)
		ret = get_mode(obj, c, err, errlen);
	if (!ret)
		ret = get_size(obj, "ringbuf_bytes", 4096, 1u << 30,
			       &c->ringbuf_bytes, err, errlen);
	if (!ret && (c->ringbuf_bytes & (c->ringbuf_bytes - 1)))
		return tt_cfg_fail(err, errlen,
				   "capture.ringbuf_bytes: must be a power of two");
	if (!ret)
		ret = get_size(obj, "max_connections", 16, 1u << 20,
			       &c->max_connections, err, errlen);
	if (!ret)
		ret = get_uint(obj, "hold_ms", TT_HOLD_MS_MAX, &c->hold_ms, err,
			       errlen);
	if (!ret)
		ret = get_uint(obj, "idle_disarm_seconds", 7 * 86400,
			       &c->idle_disarm_s, err, errlen);
	if (!ret)
		ret = get_size(obj, "max_armed_processes", 1, 65536,
			       &c->max_armed, err, errlen);
	if (!ret)
		ret = get_uint(obj, "late_start_seconds", 3600, &c->late_start_s,
			       err, errlen);
	if (!ret)
		ret = get_state_dir(obj, c, err, errlen);
	v = cJSON_GetObjectItemCaseSensitive(obj, "attach_system_libraries");
	if (!ret && v) {
		if (!cJSON_IsBool(v))
			return tt_cfg_fail(err, errlen,
				"capture.attach_system_libraries: must be true or false");
		c->attach_all_libraries = cJSON_IsTrue(v);
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "arm");
	if (!ret && v)
		ret = tt_rules_parse_selectors(v, "capture.arm", &c->arm, err,
					       errlen);
	return ret;
}
