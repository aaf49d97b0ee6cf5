// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "tokentap.skel.h"
#include "util/log.h"
#include "hosts/sni_rules.h"
#include "config/capture_config.h"
#include "agent/capture.h"
#include "agent/links.h"
#include "agent/umulti.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum tt_log_level lvl = level == LIBBPF_WARN ? TT_LOG_WARN : TT_LOG_DEBUG;
	/* A verifier log comes as one message and may be long: it is what
	 * says why a program did not load. */
	size_t cap = 1u << 16, n;
	char *msg;

	if (lvl > tt_log_get_level())
		return 0;
	msg = malloc(cap);
	if (!msg)
		return 0;
	vsnprintf(msg, cap, fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	tt_log(lvl, "libbpf: %s", msg);
	free(msg);
	return 0;
}

void tt_capture_setup_libbpf_log(void)
{
	libbpf_set_print(libbpf_print);
}

/* Programs that attach as uprobe_multi links when the kernel has them
 * (loaded as such: a perf-event attach of them would be refused). */
static void set_umulti(struct tokentap_bpf *skel)
{
	struct bpf_program *progs[] = {
		skel->progs.tls_entry, skel->progs.tls_return,
		skel->progs.go_tls_entry, skel->progs.go_tls_ret,
		skel->progs.ldso_load_notify, skel->progs.aead_entry,
		skel->progs.aead_return,
	};

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		bpf_program__set_expected_attach_type(
			progs[i], (enum bpf_attach_type)TT_BPF_TRACE_UPROBE_MULTI);
}

/* bpffs under the state directory, the directory itself (0700, ours). */
static int state_dir_ready(const char *dir)
{
	struct statfs sfs;
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 0077))
		return -EPERM;
	if (statfs(dir, &sfs))
		return -errno;
	return sfs.f_type == BPF_FS_MAGIC ? 0 : -ENOTSUP;
}

/* Pins the connection state under state_dir/v<ABI>/, mounting bpffs on
 * /sys/fs/bpf when that is where it goes and nothing is mounted yet. */
static int setup_pins(struct tokentap_bpf *skel, const char *state_dir)
{
	char dir[TT_STATE_PATH_MAX + 16], path[TT_STATE_PATH_MAX + 64];
	int err;

	if (!strncmp(state_dir, "/sys/fs/bpf", 11) &&
	    state_dir_ready("/sys/fs/bpf") == -ENOTSUP &&
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		tt_warn("state: cannot mount bpffs on /sys/fs/bpf: %s",
			strerror(errno));
	err = state_dir_ready(state_dir);
	snprintf(dir, sizeof(dir), "%s/v%d", state_dir, TT_ABI_VERSION);
	if (!err)
		err = state_dir_ready(dir);
	if (err) {
		tt_warn("state: %s: %s: connections open across a restart will "
			"be joined mid-way", state_dir,
			err == -ENOTSUP ? "not on a bpffs mount"
			: err == -EPERM ? "not a directory of ours with mode 0700"
					: strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/socks", dir);
	err = bpf_map__set_pin_path(skel->maps.socks, path);
	snprintf(path, sizeof(path), "%s/ai_socks", dir);
	if (!err)
		err = bpf_map__set_pin_path(skel->maps.ai_socks, path);
	return err;
}

/* Removes pins an older or different build left: they cannot be reused. */
static void drop_pins(struct tokentap_bpf *skel)
{
	const char *p;

	if ((p = bpf_map__pin_path(skel->maps.socks)))
		unlink(p);
	if ((p = bpf_map__pin_path(skel->maps.ai_socks)))
		unlink(p);
}

static int attach_prog(struct bpf_link **slot, struct bpf_program *prog,
		       const char *what)
{
	struct bpf_link *link = bpf_program__attach(prog);
	int err = (int)libbpf_get_error(link);

	if (err) {
		tt_err("cannot attach %s: %s", what, strerror(-err));
		return err;
	}
	*slot = link;
	return 0;
}

/* The observer's cgroup hooks on the cgroup2 root: every process below. */
static int attach_observer(struct tt_capture *cap, const char *root)
{
	struct tokentap_bpf *s = cap->skel;
	struct bpf_program *progs[] = {
		s->progs.sock_connect4, s->progs.sock_connect6, s->progs.sock_egress,
	};
	int err = 0;

	cap->cgroup_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cap->cgroup_fd < 0) {
		err = -errno;
		tt_warn("observer: %s: %s: AI connections of untraced TLS stacks "
			"are not seen", root, strerror(-err));
		return err;
	}
	for (size_t i = 0; i < 3 && !err; i++) {
		struct bpf_link *link = bpf_program__attach_cgroup(progs[i],
								   cap->cgroup_fd);

		err = (int)libbpf_get_error(link);
		if (!err)
			cap->obs_links[i] = link;
	}
	if (!err)
		err = attach_prog(&cap->obs_links[3], s->progs.sock_state_change,
				  "connection-end tracepoint");
	if (err) {
		tt_warn("observer: cannot attach to %s: %s", root, strerror(-err));
		return err;
	}
	cap->observer = 1;
	return 0;
}

/* The kernel has tracepoints sock_recv_length and sock_send_length (one
 * read of its BTF for both: libbpf_find_vmlinux_btf_id reads it per call). */
static int has_socket_length_tracepoints(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int ok;

	if (libbpf_get_error(vmlinux))
		return 0;
	ok = btf__find_by_name_kind(vmlinux, "btf_trace_sock_recv_length",
				    BTF_KIND_TYPEDEF) > 0 &&
	     btf__find_by_name_kind(vmlinux, "btf_trace_sock_send_length",
				    BTF_KIND_TYPEDEF) > 0;
	btf__free(vmlinux);
	return ok;
}

static int load(struct tt_capture *cap, const struct tt_capture_opts *o,
		struct tokentap_bpf **out)
{
	struct tokentap_bpf *skel = tokentap_bpf__open();
	int err;

	*out = NULL;
	if (!skel) {
		tt_err("cannot open BPF object: %s", strerror(errno));
		return errno ? -errno : -EINVAL;
	}
	err = bpf_map__set_max_entries(skel->maps.events, (uint32_t)o->ringbuf_bytes);
	/* Wake the agent for data at an eighth full; the poll timer
	 * (TT_POLL_MS) bounds the delay otherwise. */
	skel->rodata->data_wakeup_bytes = o->ringbuf_bytes / 8;
	if (cap->umulti)
		set_umulti(skel);
	/* sock_recv_length came with Linux 6.3: older kernels load without
	 * it, and rustls's reads are then not tied (capture.md). */
	if (!has_socket_length_tracepoints()) {
		tt_warn("kernel has no sock_recv_length/sock_send_length "
			"tracepoints: rustls responses (Codex's WebSocket) are "
			"not captured");
		bpf_program__set_autoload(skel->progs.sock_recv, false);
		bpf_program__set_autoload(skel->progs.sock_send, false);
	}
	cap->pinned = 0;
	if (!err && o->state_dir && o->state_dir[0] && !setup_pins(skel, o->state_dir))
		cap->pinned = 1;
	if (!err)
		err = tokentap_bpf__load(skel);
	if (err) {
		tokentap_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

int tt_capture_open(struct tt_capture *cap, const struct tt_capture_opts *o,
		    tt_event_cb cb, void *ctx)
{
	struct tokentap_bpf *skel = NULL;
	int err;

	memset(cap, 0, sizeof(*cap));
	cap->cgroup_fd = -1;
	cap->ncpu = libbpf_num_possible_cpus();
	if (cap->ncpu <= 0)
		return -EINVAL;
	/* uprobe_multi first (one link per program and file); a kernel
	 * before 6.6 refuses the attach type: perf-event uprobes then. A
	 * pinned map an older build left refuses reuse: dropped, retried. */
	cap->umulti = 1;
	err = load(cap, o, &skel);
	if (err == -EINVAL && o->state_dir && o->state_dir[0]) {
		struct tokentap_bpf *probe = tokentap_bpf__open();

		if (probe && !setup_pins(probe, o->state_dir)) {
			tt_warn("state: the pinned connection state does not fit "
				"this build: starting afresh");
			drop_pins(probe);
		}
		tokentap_bpf__destroy(probe);
		err = load(cap, o, &skel);
	}
	if (err) {
		cap->umulti = 0;
		err = load(cap, o, &skel);
		if (!err)
			tt_warn("this kernel has no uprobe_multi links: one perf "
				"event per probe (more file descriptors)");
	}
	if (err) {
		tt_err("cannot load BPF programs: %s (run `tokentap doctor`)",
		       strerror(-err));
		return err;
	}
	tt_links_set_umulti(cap->umulti);
	cap->skel = skel;
	skel->bss->scoped_mode = (uint8_t)o->scoped;
	skel->bss->hold_ns = o->scoped ? (uint64_t)o->hold_ms * 1000000ull : 0;
	skel->bss->agent_tgid = (uint32_t)getpid();
	skel->data->exec_all = (uint8_t)o->exec_all;
	if (o->late_start_ns) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		skel->bss->late_start_until = (uint64_t)ts.tv_sec * 1000000000ull +
					      (uint64_t)ts.tv_nsec + o->late_start_ns;
	}
	err = attach_prog(&skel->links.sched_exec, skel->progs.sched_exec,
			  "exec tracepoint");
	if (!err)
		err = attach_prog(&skel->links.sched_exit, skel->progs.sched_exit,
				  "exit tracepoint");
	if (!err && o->scoped)
		err = attach_prog(&skel->links.sched_fork, skel->progs.sched_fork,
				  "fork tracepoint");
	if (err)
		goto fail;
	if (o->cgroup_root)
		attach_observer(cap, o->cgroup_root);
	/* Process and socket events first: a new process, or a connection
	 * that waits for its probes, is seen before data. */
	cap->rb = ring_buffer__new(bpf_map__fd(skel->maps.proc_events), cb, ctx,
				   NULL);
	if (!cap->rb) {
		err = -errno;
		goto fail;
	}
	err = ring_buffer__add(cap->rb, bpf_map__fd(skel->maps.events), cb, ctx);
	if (err)
		goto fail;
	return 0;
fail:
	tt_capture_close(cap);
	return err ? err : -EINVAL;
}

void tt_capture_set_hold(struct tt_capture *cap, unsigned hold_ms)
{
	if (cap->skel && cap->skel->bss->scoped_mode)
		cap->skel->bss->hold_ns = (uint64_t)hold_ms * 1000000ull;
}

int tt_capture_each_ai_sock(struct tt_capture *cap,
			    void (*cb)(void *ctx, const struct tt_ai_sock *s),
			    void *ctx)
{
	int fd = bpf_map__fd(cap->skel->maps.ai_socks), n = 0;
	uint64_t key, next;
	struct tt_ai_sock s;
	int first = 1;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = 0;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &s))
			continue;
		cb(ctx, &s);
		n++;
	}
	return n;
}

int tt_capture_prune_ai_socks(struct tt_capture *cap)
{
	int fd = bpf_map__fd(cap->skel->maps.ai_socks), total = 0, ndead, gone;
	uint64_t key, next, dead[256];
	struct tt_ai_sock s;

	/* Collect first (deleting while iterating restarts the walk), a
	 * batch at a time: each walk after a full batch starts over. */
	do {
		int first = 1;

		ndead = gone = 0;
		while (ndead < 256 &&
		       !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
			first = 0;
			key = next;
			if (!bpf_map_lookup_elem(fd, &key, &s) &&
			    kill((pid_t)s.tgid, 0) && errno == ESRCH)
				dead[ndead++] = key;
		}
		for (int i = 0; i < ndead; i++)
			if (!bpf_map_delete_elem(fd, &dead[i]))
				gone++;
		total += gone;
	} while (ndead == 256 && gone);
	return total;
}

void tt_capture_close(struct tt_capture *cap)
{
	for (size_t i = 0; i < sizeof(cap->obs_links) / sizeof(cap->obs_links[0]); i++)
		bpf_link__destroy(cap->obs_links[i]);
	memset(cap->obs_links, 0, sizeof(cap->obs_links));
	if (cap->cgroup_fd >= 0)
		close(cap->cgroup_fd);
	cap->cgroup_fd = -1;
	ring_buffer__free(cap->rb);
	tokentap_bpf__destroy(cap->skel);
	cap->rb = NULL;
	cap->skel = NULL;
}

int tt_capture_poll(struct tt_capture *cap, int timeout_ms)
{
	struct epoll_event ev[2];
	int n;

	/* Wait, but let nothing read yet: ring_buffer__poll() would read the
	 * ring that signalled, usually the data ring woken by a close, before
	 * the socket ring, whose records mostly do not signal (proc_rb_flags).
	 * A connection whose probes came after its name call would then end
	 * before the socket event that names it (seen in CI: a record with no
	 * server name). consume() reads the rings in the order they were
	 * added: process and socket events first, then data. */
	n = epoll_wait(ring_buffer__epoll_fd(cap->rb), ev, 2, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -errno;
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
		if (bpf_map_update_elem(fd, &t->e[i].key, &t->e[i].val, BPF_ANY))
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
