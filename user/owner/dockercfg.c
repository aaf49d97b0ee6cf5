// SPDX-License-Identifier: MIT
/*
 * Docker's config.v2.json: the container's name and labels.
 *
 * The whole file is parsed with cJSON (it is small and written by the
 * daemon in one piece), then only two fields are looked at. Labels are
 * set by whoever created the container, so they are treated as untrusted:
 * bounded, checked for control characters in keys, and copied whole or
 * not at all.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>
#include "owner/dockercfg.h"

static int is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int tt_docker_is_id(const char *s, size_t len)
{
	if (!s || len != TT_DOCKER_ID_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_lower_hex(s[i]))
			return 0;
	return 1;
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Copies s whole into dst or returns -E2BIG; never a truncated prefix. */
static int copy_whole(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		return -E2BIG;
	memcpy(dst, s, n + 1);
	return 0;
}

/* Only JSON's own whitespace may follow the value: anything else means
 * the file is not what the daemon wrote. */
static int only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return 0;
	return 1;
}

static int parse_name(const cJSON *root, struct tt_docker_info *out)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "Name");
	const char *s;

	if (!name)
		return 0;
	if (!cJSON_IsString(name) || !name->valuestring)
		return -EINVAL;
	s = name->valuestring;
	if (*s == '/')
		s++; /* the daemon stores names as "/web-1" */
	if (has_control(s) || copy_whole(out->name, sizeof(out->name), s)) {
		out->name[0] = '\0';
		out->name_dropped = 1;
	}
	return 0;
}

static int seen_key(const struct tt_docker_info *out, const char *key)
{
	for (size_t i = 0; i < out->n_labels; i++)
		if (!strcmp(out->labels[i].key, key))
			return 1;
	return 0;
}

/* 0 when the label was kept, -1 when it is to be counted as dropped. */
static int add_label(struct tt_docker_info *out, const cJSON *item)
{
	struct tt_docker_label *label;
	const char *key = item->string;

	if (out->n_labels >= TT_DOCKER_LABELS_MAX)
		return -1;
	if (!key || !cJSON_IsString(item) || !item->valuestring)
		return -1;
	if (has_control(key) || seen_key(out, key))
		return -1;
	label = &out->labels[out->n_labels];
	if (copy_whole(label->key, sizeof(label->key), key) ||
	    copy_whole(label->value, sizeof(label->value), item->valuestring)) {
		memset(label, 0, sizeof(*label));
		return -1;
	}
	out->n_labels++;
	return 0;
}

static void parse_labels(const cJSON *root, struct tt_docker_info *out)
{
	const cJSON *config, *labels, *item;

	config = cJSON_GetObjectItemCaseSensitive(root, "Config");
	if (!cJSON_IsObject(config))
		return;
	labels = cJSON_GetObjectItemCaseSensitive(config, "Labels");
	if (!cJSON_IsObject(labels))
		return;
	cJSON_ArrayForEach(item, labels) {
		if (add_label(out, item))
			out->labels_dropped++;
	}
}

int tt_docker_parse_config(const char *text, size_t len,
			   struct tt_docker_info *out)
{
	const char *end = NULL;
	cJSON *root = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len > TT_DOCKER_CFG_MAX) {
		ret = -E2BIG;
		goto out;
	}
	if (!text || !len) {
		ret = -EINVAL;
		goto out;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root || !cJSON_IsObject(root) || !end ||
	    !only_space(end, text + len)) {
		ret = -EINVAL;
		goto out;
	}
	ret = parse_name(root, out);
	if (ret)
		goto out;
	parse_labels(root, out);
out:
	cJSON_Delete(root);
	if (ret)
		memset(out, 0, sizeof(*out)); /* a refused file says nothing */
	return ret;
}
