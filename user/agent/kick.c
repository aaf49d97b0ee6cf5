// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent/kick.h"

struct tt_kick {
	struct bpf_program *prog;
	int self_ns;        /* the agent's own network namespace */
	ino_t self_ino;
	struct tt_kick_stats st;
};

struct tt_kick *tt_kick_new(struct bpf_program *prog)
{
	struct tt_kick *k = calloc(1, sizeof(*k));
	struct stat sb;

	if (!k)
		return NULL;
	k->prog = prog;
	k->self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (k->self_ns >= 0 && !fstat(k->self_ns, &sb))
		k->self_ino = sb.st_ino;
	return k;
}

void tt_kick_free(struct tt_kick *k)
{
	if (!k)
		return;
	if (k->self_ns >= 0)
		close(k->self_ns);
	free(k);
}

const struct tt_kick_stats *tt_kick_stats(const struct tt_kick *k)
{
	return &k->st;
}

/* Opens and reads the iterator once: the program runs as it is read, in
 * the namespace the calling thread is in. */
static int iterate(struct bpf_program *prog)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	char buf[64];
	int fd, err = (int)libbpf_get_error(link);

	if (err)
		return err;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
	} else {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	bpf_link__destroy(link);
	return err;
}

/* The namespace of pid when it differs from ours: an fd, else -1. */
static int other_netns(const struct tt_kick *k, pid_t pid)
{
	char path[64];
	struct stat sb;
	int fd;

	if (k->self_ns < 0 || pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) || sb.st_ino == k->self_ino) {
		close(fd);
		return -1;
	}
	return fd;
}

int tt_kick_run(struct tt_kick *k, pid_t pid)
{
	int ns, err;

	if (!k || !k->prog)
		return 0;
	ns = other_netns(k, pid);
	if (ns >= 0 && setns(ns, CLONE_NEWNET)) {
		/* Not fatal: the hold still ends at TCP's next try or at
		 * the fail-open deadline. */
		close(ns);
		k->st.netns_errors++;
		ns = -1;
	}
	err = iterate(k->prog);
	if (ns >= 0) {
		/* Back home before anything else runs on this thread; not
		 * coming back would leave the agent in a container's
		 * namespace, so that is fatal. */
		if (setns(k->self_ns, CLONE_NEWNET)) {
			fprintf(stderr, "tokentap: cannot return to the agent's network namespace: %m\n");
			abort();
		}
		close(ns);
		k->st.runs_netns += !err;
	}
	if (err)
		k->st.errors++;
	else
		k->st.runs++;
	return err;
}
