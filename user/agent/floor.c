// SPDX-License-Identifier: MIT
/*
 * `tokentap probe-floor BINARY SYMBOL`: an entry and a return uprobe that
 * do nothing, the least every probed SSL call pays, measured in the same
 * run as the capture (bench/). A uprobe trap costs microseconds in a VM and
 * far less on bare metal, so only ratios to this floor compare across
 * machines.
 *
 * In a Go executable the return side is an empty probe on each RET of the
 * function, as the agent probes crypto/tls: a uretprobe rewrites the return
 * address, which Go's stack walks do not survive.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "tokentap.skel.h"
#include "binary/elfsym.h"
#include "binary/gobin.h"
#include "util/log.h"
#include "agent/run.h"

#define FLOOR_LINKS_MAX (1 + TT_GOBIN_RETS_MAX)

struct floor_offs {
	uint64_t entry;
	uint64_t rets[TT_GOBIN_RETS_MAX]; /* Go: each RET; else none */
	size_t nrets;
	int go;
};

/* Fills fo for symbol in the open file. 0, or -ENOENT. */
static int floor_find(int fd, const char *binary, const char *symbol,
		      struct floor_offs *fo)
{
	const char *names[1] = { symbol };
	struct tt_gobin_func fn;
	struct tt_gobin gb;
	int err = -ENOENT;

	memset(fo, 0, sizeof(*fo));
	if (tt_gobin_open_fd(&gb, fd) == 0) {
		if (gb.info.is_go) {
			fo->go = 1;
			if (tt_gobin_find_funcs(&gb, names, 1, &fn, 0) == 1 &&
			    !tt_gobin_ret_offsets(&gb, &fn, fo->rets,
						  TT_GOBIN_RETS_MAX, &fo->nrets) &&
			    fo->nrets) {
				fo->entry = fn.entry_off;
				err = 0;
			}
		}
		tt_gobin_close(&gb);
		if (fo->go) {
			if (err)
				tt_err("probe-floor: %s: no Go function %s with "
				       "return instructions", binary, symbol);
			return err;
		}
	}
	if (tt_elf_find_syms(fd, names, 1, &fo->entry) != 1) {
		tt_err("probe-floor: %s: no function %s", binary, symbol);
		return -ENOENT;
	}
	return 0;
}

static int floor_attach(struct bpf_link **link, struct bpf_program *prog,
			int ret, const char *binary, uint64_t off)
{
	int err;

	*link = bpf_program__attach_uprobe(prog, ret, -1, binary, off);
	err = libbpf_get_error(*link);
	if (err) {
		*link = NULL;
		tt_err("probe-floor: attach%s at 0x%llx: %s",
		       ret ? " return" : "", (unsigned long long)off,
		       strerror(-err));
	}
	return err;
}

int tt_probe_floor(const char *binary, const char *symbol, double seconds,
		   const char *ready_file)
{
	struct tokentap_bpf *skel = NULL;
	struct bpf_link *links[FLOOR_LINKS_MAX] = { NULL };
	struct floor_offs fo;
	int fd, nlinks = 0, err = 0;
	FILE *f;

	fd = open(binary, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tt_err("probe-floor: %s: %s", binary, strerror(errno));
		err = -ENOENT;
		goto out;
	}
	err = floor_find(fd, binary, symbol, &fo);
	if (err)
		goto out;
	skel = tokentap_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		goto out;
	}
	err = floor_attach(&links[nlinks++], skel->progs.bench_empty, 0,
			   binary, fo.entry);
	if (err)
		goto out;
	if (fo.go) {
		for (size_t i = 0; i < fo.nrets && !err; i++)
			err = floor_attach(&links[nlinks++],
					   skel->progs.bench_empty, 0, binary,
					   fo.rets[i]);
	} else {
		err = floor_attach(&links[nlinks++], skel->progs.bench_empty_ret,
				   1, binary, fo.entry);
	}
	if (err)
		goto out;
	tt_info("probe-floor: %s %s: an empty entry probe and %s", binary,
		symbol, fo.go ? "an empty probe on each RET (Go)"
			      : "an empty return probe");
	if (ready_file && (f = fopen(ready_file, "we"))) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	/* The caller stops us with a signal or lets the time run out. */
	usleep((useconds_t)(seconds * 1e6));
out:
	while (nlinks > 0)
		bpf_link__destroy(links[--nlinks]);
	tokentap_bpf__destroy(skel);
	if (fd >= 0)
		close(fd);
	return err;
}
