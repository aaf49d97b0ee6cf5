// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tokentap.skel.h"
#include "util/log.h"
#include "hosts/sni_rules.h"
#include "agent/capture.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum tt_log_level lvl = level == LIBBPF_WARN ? TT_LOG_WARN : TT_LOG_DEBUG;
	char msg[1024];
	size_t n;

	if (lvl > tt_log_get_level())
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	tt_log(lvl, "libbpf: %s", msg);
	return 0;
}

void tt_capture_setup_libbpf_log(void)
{
	libbpf_set_print(libbpf_print);
}

int tt_capture_open(struct tt_capture *cap, size_t ringbuf_bytes,
		    tt_event_cb cb, void *ctx)
{
	struct tokentap_bpf *skel;
	int err;

	memset(cap, 0, sizeof(*cap));
	cap->ncpu = libbpf_num_possible_cpus();
	if (cap->ncpu <= 0)
		return -EINVAL;
	skel = tokentap_bpf__open();
	if (!skel) {
		tt_err("cannot open BPF object: %s", strerror(errno));
		return -errno ? -errno : -EINVAL;
	}
	err = bpf_map__set_max_entries(skel->maps.events, (uint32_t)ringbuf_bytes);
	/* Wake the agent for data at an eighth full; the poll timer
	 * (TT_POLL_MS) bounds the delay otherwise. */
	skel->rodata->data_wakeup_bytes = ringbuf_bytes / 8;
	if (!err)
		err = tokentap_bpf__load(skel);
	if (err) {
		tt_err("cannot load BPF programs: %s (run `tokentap doctor`)",
		       strerror(-err));
		goto fail;
	}
	skel->links.sched_exec = bpf_program__attach(skel->progs.sched_exec);
	err = libbpf_get_error(skel->links.sched_exec);
	if (err) {
		skel->links.sched_exec = NULL;
		tt_err("cannot attach exec tracepoint: %s", strerror(-err));
		goto fail;
	}
	skel->links.sched_exit = bpf_program__attach(skel->progs.sched_exit);
	err = libbpf_get_error(skel->links.sched_exit);
	if (err) {
		skel->links.sched_exit = NULL;
		tt_err("cannot attach exit tracepoint: %s", strerror(-err));
		goto fail;
	}
	/* Process events first: a new process is looked at before data. */
	cap->rb = ring_buffer__new(bpf_map__fd(skel->maps.proc_events), cb, ctx,
				   NULL);
	if (!cap->rb) {
		err = -errno;
		goto fail;
	}
	err = ring_buffer__add(cap->rb, bpf_map__fd(skel->maps.events), cb, ctx);
	if (err)
		goto fail;
	cap->skel = skel;
	return 0;
fail:
	ring_buffer__free(cap->rb);
	cap->rb = NULL;
	tokentap_bpf__destroy(skel);
	return err ? err : -EINVAL;
}

void tt_capture_close(struct tt_capture *cap)
{
	ring_buffer__free(cap->rb);
	tokentap_bpf__destroy(cap->skel);
	cap->rb = NULL;
	cap->skel = NULL;
}

int tt_capture_poll(struct tt_capture *cap, int timeout_ms)
{
	int n = ring_buffer__poll(cap->rb, timeout_ms);

	if (n < 0)
		return n;
	/* poll() reads only rings that signalled, and data events mostly do
	 * not (data_wakeup_bytes): read every ring, process events first. */
	return ring_buffer__consume(cap->rb);
}

int tt_capture_set_verdict(struct tt_capture *cap, uint32_t pid, uint64_t ptr,
			   int verdict)
{
	struct tt_conn_key key = { .pid = pid, .ptr = ptr };
	struct tt_conn_val val;
	int fd = bpf_map__fd(cap->skel->maps.conns);

	/* Keep the offsets BPF has counted; absent means closed already. */
	if (bpf_map_lookup_elem(fd, &key, &val))
		return -ENOENT;
	val.verdict = (uint8_t)verdict;
	return bpf_map_update_elem(fd, &key, &val, BPF_EXIST) ? -errno : 0;
}

int tt_capture_conn_offsets(struct tt_capture *cap, uint32_t pid, uint64_t ptr,
			    uint64_t off[2])
{
	struct tt_conn_key key = { .pid = pid, .ptr = ptr };
	struct tt_conn_val val;

	if (bpf_map_lookup_elem(bpf_map__fd(cap->skel->maps.conns), &key, &val))
		return -ENOENT;
	off[0] = val.off[0];
	off[1] = val.off[1];
	return 0;
}

int tt_capture_load_sni_rules(struct tt_capture *cap, const struct tt_hosts *hosts)
{
	int fd = bpf_map__fd(cap->skel->maps.sni_rules);
	struct tt_sni_table *t = malloc(sizeof(*t));
	int err = 0;

	if (!t)
		return -ENOMEM;
	tt_sni_compile(hosts, t);
	/* Until the new table is in, names are decided in user space. */
	cap->skel->bss->sni_unmatched_verdict = TT_VERDICT_PENDING;
	for (size_t i = 0; i < t->n && !err; i++)
		if (bpf_map_update_elem(fd, &t->e[i].key, &t->e[i].rule, BPF_ANY))
			err = -errno;
	/* Only a complete, fully loaded table may filter in the kernel. */
	if (!err && t->complete)
		cap->skel->bss->sni_unmatched_verdict = TT_VERDICT_FILTER;
	else if (!err)
		tt_warn("a host rule has no literal domain suffix: server names "
			"are classified in user space only");
	free(t);
	return err;
}

int tt_capture_counters(struct tt_capture *cap, uint64_t *out)
{
	int fd = bpf_map__fd(cap->skel->maps.counters);
	uint64_t *vals = calloc((size_t)cap->ncpu, sizeof(*vals));

	if (!vals)
		return -ENOMEM;
	for (uint32_t i = 0; i < TT_C_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (int c = 0; c < cap->ncpu; c++)
			out[i] += vals[c];
	}
	free(vals);
	return 0;
}

int tt_capture_sweep(struct tt_capture *cap)
{
	int fd = bpf_map__fd(cap->skel->maps.conns);
	struct tt_conn_key key, next, dead[256];
	int ndead = 0, first = 1;

	/* Collect first: deleting while iterating restarts the walk. */
	while (ndead < 256 &&
	       !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = 0;
		key = next;
		if (kill((pid_t)key.pid, 0) && errno == ESRCH)
			dead[ndead++] = key;
	}
	for (int i = 0; i < ndead; i++)
		bpf_map_delete_elem(fd, &dead[i]);
	return ndead;
}
