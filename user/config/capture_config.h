/* SPDX-License-Identifier: MIT */
/*
 * The config's "capture" section: how the agent sees traffic
 * (docs/capture.md). Parsing is pure; every error names the field.
 */
#ifndef TT_CAPTURE_CONFIG_H
#define TT_CAPTURE_CONFIG_H

#include <stddef.h>
#include "owner/rules.h"

struct cJSON;

enum tt_capture_mode {
	/* TLS probes only in processes seen talking to an AI host (or
	 * selected by capture.arm): the default. */
	TT_CAPTURE_SCOPED = 0,
	/* TLS probes on every TLS library and binary for every process: the
	 * first design, kept for hosts where scoping cannot work. */
	TT_CAPTURE_ALL = 1,
};

#define TT_HOLD_MS_MAX 10000
#define TT_STATE_PATH_MAX 256

struct tt_capture_config {
	enum tt_capture_mode mode;  /* capture.mode: "scoped" | "all" */
	size_t ringbuf_bytes;       /* capture.ringbuf_bytes */
	size_t max_connections;     /* capture.max_connections */
	int attach_all_libraries;   /* capture.attach_system_libraries ("all") */
	/* capture.hold_ms: how long the first AI connection of a process not
	 * yet armed may be held while its probes go in; 0 turns the hold off
	 * (the first call of a process may then be missed, and is booked as
	 * a dark connection). Fail-open: never longer than this. */
	unsigned hold_ms;
	/* capture.idle_disarm_seconds: probes leave a process that has not
	 * talked to an AI host for this long (0: only when it exits). */
	unsigned idle_disarm_s;
	size_t max_armed;           /* capture.max_armed_processes */
	/* capture.late_start_seconds: at start, processes that hold outbound
	 * connections are armed for this long, so that AI connections older
	 * than the agent are seen from their next request (0: off). */
	unsigned late_start_s;
	/* capture.arm: processes armed from their start, whatever they talk
	 * to: rules with the owner rules' "match" conditions on process facts
	 * (cgroup, unit, exe, comm, env, container and pod facts). */
	struct tt_owner_rules arm;
	/* capture.state_dir: bpffs directory where the kernel's connection
	 * state outlives an agent restart ("" keeps nothing). */
	char state_dir[TT_STATE_PATH_MAX];
};

void tt_capture_config_defaults(struct tt_capture_config *c);
void tt_capture_config_free(struct tt_capture_config *c);
/* Parses the "capture" object over the defaults in *c. 0 or -EINVAL
 * (message naming the field in err), -ENOMEM. */
int tt_capture_config_parse(const struct cJSON *obj, struct tt_capture_config *c,
			    char *err, size_t errlen);
/* "scoped" / "all". */
const char *tt_capture_mode_name(enum tt_capture_mode mode);

#endif
