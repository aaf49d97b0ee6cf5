/* SPDX-License-Identifier: MIT */
/*
 * A Docker container's name and labels, from the daemon's per-container
 * state file /var/lib/docker/containers/<id>/config.v2.json. Only "Name"
 * and "Config"."Labels" are read; nothing else in the file (Env, Cmd,
 * mounts) is ever copied out. Pure: the caller checks the id with
 * tt_docker_is_id(), reads the file and hands over the bytes.
 *
 * Strings are copied as cJSON decodes them: bytes are not checked for
 * valid UTF-8, and a "\u0000" escape ends a string early (cJSON's strings
 * are NUL-terminated), so a label set with one is seen shortened. Docker
 * refuses such names; only the container's creator can set such labels.
 */
#ifndef TT_DOCKERCFG_H
#define TT_DOCKERCFG_H

#include <stddef.h>
#include <stdint.h>

#define TT_DOCKER_CFG_MAX (1u << 20)  /* bytes of config.v2.json read */
#define TT_DOCKER_LABELS_MAX 32
#define TT_DOCKER_NAME_MAX 128        /* with the NUL */
#define TT_DOCKER_LABEL_KEY_MAX 64    /* with the NUL */
#define TT_DOCKER_LABEL_VALUE_MAX 128 /* with the NUL */
#define TT_DOCKER_ID_LEN 64

struct tt_docker_label {
	char key[TT_DOCKER_LABEL_KEY_MAX];
	char value[TT_DOCKER_LABEL_VALUE_MAX];
};

/* Every string NUL-terminated inside its array. What does not fit is
 * counted, never truncated silently. */
struct tt_docker_info {
	char name[TT_DOCKER_NAME_MAX]; /* without Docker's leading '/'; "" if
					* none or dropped */
	size_t n_labels;
	struct tt_docker_label labels[TT_DOCKER_LABELS_MAX]; /* file order */
	/* Labels beyond the cap, with a non-string value, a key or value
	 * that did not fit, a control character in the key, or a key seen
	 * before (the first one is kept). */
	uint32_t labels_dropped;
	/* 1 when "Name" was a string but did not fit or held a control
	 * character: name is then "". */
	uint32_t name_dropped;
};

/*
 * Parses len bytes of config.v2.json (the text need not be NUL-terminated)
 * into *out, which is zeroed first in every case. Reads "Name" (a string;
 * missing is fine) and "Config"."Labels" (an object of string values; a
 * missing, null or non-object Labels or Config means no labels).
 * Returns 0, -EINVAL (not JSON, bytes other than whitespace after the
 * value, not an object, or Name present but not a string; cJSON reports
 * running out of memory the same way) or -E2BIG (len > TT_DOCKER_CFG_MAX).
 */
int tt_docker_parse_config(const char *text, size_t len,
			   struct tt_docker_info *out);

/* 1 when s is a 64-char lower-case hex container id, else 0: what the
 * agent checks before building a path from it. */
int tt_docker_is_id(const char *s, size_t len);

#endif
