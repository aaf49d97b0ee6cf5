// SPDX-License-Identifier: MIT
/*
 * `tokentap probe-floor BINARY SYMBOL`: an entry and a return uprobe that
 * do nothing, the least every probed SSL call pays, measured in the same
 * run as the capture (bench/). A uprobe trap costs microseconds in a VM and
 * far less on bare metal, so only ratios to this floor compare across
 * machines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "tokentap.skel.h"
#include "core/elfsym.h"
#include "core/log.h"
#include "agent/run.h"

int tt_probe_floor(const char *binary, const char *symbol, double seconds,
		   const char *ready_file)
{
	struct tokentap_bpf *skel = NULL;
	struct bpf_link *link = NULL, *rlink = NULL;
	const char *names[1] = { symbol };
	uint64_t off = 0;
	int fd, err = 0;
	FILE *f;

	fd = open(binary, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || tt_elf_find_syms(fd, names, 1, &off) != 1) {
		tt_err("probe-floor: %s: no function %s", binary, symbol);
		err = -ENOENT;
		goto out;
	}
	skel = tokentap_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		goto out;
	}
	link = bpf_program__attach_uprobe(skel->progs.bench_empty, false, -1,
					  binary, off);
	err = libbpf_get_error(link);
	if (err) {
		link = NULL;
		tt_err("probe-floor: attach: %s", strerror(-err));
		goto out;
	}
	rlink = bpf_program__attach_uprobe(skel->progs.bench_empty_ret, true,
					   -1, binary, off);
	err = libbpf_get_error(rlink);
	if (err) {
		rlink = NULL;
		tt_err("probe-floor: attach return: %s", strerror(-err));
		goto out;
	}
	if (ready_file && (f = fopen(ready_file, "we"))) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	/* The caller stops us with a signal or lets the time run out. */
	usleep((useconds_t)(seconds * 1e6));
out:
	bpf_link__destroy(rlink);
	bpf_link__destroy(link);
	tokentap_bpf__destroy(skel);
	if (fd >= 0)
		close(fd);
	return err;
}
