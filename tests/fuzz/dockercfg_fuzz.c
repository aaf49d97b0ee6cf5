// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/core/dockercfg.c. The input is parsed as a whole
 * config.v2.json, then again wrapped as the body of Config.Labels (cJSON
 * is a system library without coverage, so the fuzzer would seldom find
 * the nesting by itself). Invariants: only the documented return codes;
 * a refused file leaves the struct all zero; every string NUL-terminated
 * inside its array; at most TT_DOCKER_LABELS_MAX labels, slots past
 * n_labels zero; keys free of control characters and unique. The input
 * is also checked as a container id.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "owner/dockercfg.h"
#include "fuzz.h"

static const char wrap_head[] = "{\"Name\":\"/fuzz\",\"Config\":{\"Labels\":{";
static const char wrap_tail[] = "}}}";

static size_t field_len(const char *s, size_t size)
{
	const char *nul = memchr(s, '\0', size);

	CHECK(nul);
	return (size_t)(nul - s);
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void check_info(int ret, const struct tt_docker_info *info)
{
	size_t n;

	CHECK(ret == 0 || ret == -EINVAL || ret == -E2BIG);
	if (ret) {
		CHECK(all_zero(info, sizeof(*info)));
		return;
	}
	n = field_len(info->name, sizeof(info->name));
	CHECK(info->name_dropped <= 1);
	CHECK(!info->name_dropped || n == 0);
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)info->name[i] >= 0x20 &&
		      info->name[i] != 0x7f);
	CHECK(info->n_labels <= TT_DOCKER_LABELS_MAX);
	for (size_t i = 0; i < info->n_labels; i++) {
		const struct tt_docker_label *l = &info->labels[i];
		size_t kn = field_len(l->key, sizeof(l->key));

		field_len(l->value, sizeof(l->value));
		for (size_t k = 0; k < kn; k++)
			CHECK((unsigned char)l->key[k] >= 0x20 &&
			      l->key[k] != 0x7f);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(info->labels[j].key, l->key));
	}
	CHECK(all_zero(&info->labels[info->n_labels],
		       (TT_DOCKER_LABELS_MAX - info->n_labels) *
			       sizeof(info->labels[0])));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tt_docker_info info;
	size_t head = sizeof(wrap_head) - 1, tail = sizeof(wrap_tail) - 1;
	char *wrapped;
	int ret;

	ret = tt_docker_parse_config((const char *)data, size, &info);
	check_info(ret, &info);

	wrapped = malloc(head + size + tail);
	CHECK(wrapped);
	memcpy(wrapped, wrap_head, head);
	if (size)
		memcpy(wrapped + head, data, size);
	memcpy(wrapped + head + size, wrap_tail, tail);
	ret = tt_docker_parse_config(wrapped, head + size + tail, &info);
	check_info(ret, &info);
	/* The first "Name" wins, and the fuzzer only writes after it. */
	CHECK(ret || !strcmp(info.name, "fuzz"));
	free(wrapped);

	ret = tt_docker_is_id((const char *)data, size);
	CHECK(ret == 0 || ret == 1);
	if (ret) {
		CHECK(size == 64);
		for (size_t i = 0; i < size; i++)
			CHECK((data[i] >= '0' && data[i] <= '9') ||
			      (data[i] >= 'a' && data[i] <= 'f'));
	}
	return 0;
}
