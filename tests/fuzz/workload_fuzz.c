// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/core/workload.c. The input is handed whole to each
 * parser: as a cgroup path, as /proc/<pid>/cgroup text (with an output
 * size drawn from the first byte), as mountinfo text, and as a kubelet
 * log directory name. Invariants: only the documented return codes; every
 * field NUL-terminated inside its array; container ids lower-case hex of
 * 12..64 chars, pod uids canonical UUIDs, runtime and QoS from their fixed
 * sets; ids, units and slices copied from the input, never invented.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "owner/workload.h"
#include "fuzz.h"

static size_t field_len(const char *s, size_t size)
{
	const char *nul = memchr(s, '\0', size);

	CHECK(nul);
	return (size_t)(nul - s);
}

static int in_set(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, set[i]))
			return 1;
	return 0;
}

static int is_canonical_uid(const char *s, size_t n)
{
	if (n != 36 || !tt_workload_is_uid(s, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'F')
			return 0;
	return 1;
}

/* s (n bytes) appears in the input. */
static int from_input(const uint8_t *in, size_t len, const char *s, size_t n)
{
	return n == 0 || memmem(in, len, s, n) != NULL;
}

static void check_workload(const uint8_t *data, size_t size)
{
	static const char *const runtimes[] = {
		TT_RUNTIME_NONE,  TT_RUNTIME_DOCKER, TT_RUNTIME_CONTAINERD,
		TT_RUNTIME_CRIO,  TT_RUNTIME_PODMAN, TT_RUNTIME_CRI,
	};
	static const char *const qoses[] = {
		"", TT_QOS_GUARANTEED, TT_QOS_BURSTABLE, TT_QOS_BESTEFFORT,
	};
	struct tt_workload w;
	size_t n;
	int ret;

	ret = tt_workload_from_cgroup((const char *)data, size, &w);
	CHECK(ret == 0 || ret == -EINVAL);
	field_len(w.runtime, sizeof(w.runtime));
	CHECK(in_set(w.runtime, runtimes, 6));
	n = field_len(w.container_id, sizeof(w.container_id));
	CHECK(n == 0 || (n >= 12 && n <= 64));
	for (size_t i = 0; i < n; i++)
		CHECK((w.container_id[i] >= '0' && w.container_id[i] <= '9') ||
		      (w.container_id[i] >= 'a' && w.container_id[i] <= 'f'));
	CHECK(!n == !strcmp(w.runtime, TT_RUNTIME_NONE));
	CHECK(from_input(data, size, w.container_id, n));
	n = field_len(w.pod_uid, sizeof(w.pod_uid));
	CHECK(n == 0 || is_canonical_uid(w.pod_uid, n));
	field_len(w.qos, sizeof(w.qos));
	CHECK(in_set(w.qos, qoses, 4));
	CHECK(!w.pod_uid[0] || w.qos[0]);
	n = field_len(w.unit, sizeof(w.unit));
	CHECK(from_input(data, size, w.unit, n));
	n = field_len(w.slice, sizeof(w.slice));
	CHECK(from_input(data, size, w.slice, n));
	if (ret)
		CHECK(!w.container_id[0] && !w.unit[0] && !w.slice[0] &&
		      !w.pod_uid[0] && !w.qos[0] && !w.too_long);
}

static void check_texts(const uint8_t *data, size_t size)
{
	char out[TT_WORKLOAD_PATH_MAX + 1];
	size_t outlen = size ? (size_t)data[0] % 64 + 1 : 1;
	struct tt_pod_ref ref;
	int ret;

	/* A small output first, so -E2BIG is reachable, then a large one. */
	ret = tt_workload_proc_cgroup((const char *)data, size, out, outlen);
	CHECK(ret == 0 || ret == -ENOENT || ret == -E2BIG || ret == -EINVAL);
	field_len(out, outlen);
	CHECK(ret == 0 || out[0] == '\0');
	ret = tt_workload_proc_cgroup((const char *)data, size, out,
				      sizeof(out));
	CHECK(ret == 0 || ret == -ENOENT || ret == -E2BIG || ret == -EINVAL);
	if (ret == 0) {
		size_t n = field_len(out, sizeof(out));

		CHECK(out[0] == '/' && from_input(data, size, out, n));
	}

	ret = tt_workload_cgroup2_mount((const char *)data, size, out, outlen);
	CHECK(ret == 0 || ret == -ENOENT || ret == -E2BIG);
	field_len(out, outlen);
	ret = tt_workload_cgroup2_mount((const char *)data, size, out,
					sizeof(out));
	CHECK(ret == 0 || ret == -ENOENT || ret == -E2BIG);
	field_len(out, sizeof(out));

	ret = tt_workload_pod_logdir((const char *)data, size, &ref);
	CHECK(ret == 0 || ret == -EINVAL);
	if (ret == 0) {
		size_t nl = field_len(ref.ns, sizeof(ref.ns));
		size_t pl = field_len(ref.name, sizeof(ref.name));

		CHECK(nl > 0 && pl > 0 && !strchr(ref.ns, '_') &&
		      !strchr(ref.name, '_'));
		CHECK(is_canonical_uid(ref.uid, field_len(ref.uid,
							  sizeof(ref.uid))));
		CHECK(nl + pl + 2 + 36 == size);
	} else {
		CHECK(!ref.ns[0] && !ref.name[0] && !ref.uid[0]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_workload(data, size);
	check_texts(data, size);
	return 0;
}
