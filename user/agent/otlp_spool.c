// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/log.h"
#include "agent/otlp_spool.h"
#include "agent/safefile.h"

#define NAME_DIGITS 20
#define SUFFIX ".otlp"

static void name_of(uint64_t seq, const char *suffix, char out[40])
{
	snprintf(out, 40, "%0*" PRIu64 "%s", NAME_DIGITS, seq, suffix);
}

/* A spool file's seq from its name, or 0 for anything else. */
static uint64_t seq_of(const char *name, const char *suffix)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < NAME_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	return strcmp(name + i, suffix) ? 0 : v;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct tt_otlp_spool_entry *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void drop_file(struct tt_otlp_spool *sp, uint64_t seq)
{
	char name[40];

	name_of(seq, SUFFIX, name);
	if (unlinkat(sp->dir_fd, name, 0) && errno != ENOENT)
		sp->write_errors++;
}

/* Checks one file's header against its size: 0 and *e, -EPROTONOSUPPORT
 * (a spool file of another format version) or -EINVAL. */
static int read_entry(struct tt_otlp_spool *sp, const char *name,
		      uint64_t seq, struct tt_otlp_spool_entry *e)
{
	char hdr[TT_OTLP_SPOOL_HDR_MAX];
	size_t hdr_len;
	uint64_t payload;
	struct stat st;
	ssize_t n;
	int fd, ret = -EINVAL;

	fd = openat(sp->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, hdr, sizeof(hdr));
	/* Only the agent writes here (the directory is checked): a file of
	 * another user is not a batch to send. */
	if (n > 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) &&
	    (st.st_uid == 0 || st.st_uid == geteuid()) &&
	    !tt_otlp_spool_header_parse(hdr, (size_t)n, &hdr_len, &e->records,
					&payload) &&
	    hdr_len + payload == (uint64_t)st.st_size) {
		e->seq = seq;
		e->bytes = (uint64_t)st.st_size;
		ret = 0;
	} else if (n > 0) {
		int v = tt_otlp_spool_version(hdr, (size_t)n);

		if (v >= 0 && v != TT_OTLP_SPOOL_VERSION)
			ret = -EPROTONOSUPPORT;
	}
	close(fd);
	return ret;
}

/* What an earlier run left: sorted, checked, fitted to max_bytes. */
static int load(struct tt_otlp_spool *sp)
{
	struct tt_otlp_spool_entry *all;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int ret, fd = dup(sp->dir_fd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	all = calloc(sp->ix.cap, sizeof(*all));
	if (!all) {
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		uint64_t seq = seq_of(de->d_name, SUFFIX);

		if (!seq) {
			/* A batch cut short by a crash: never renamed. */
			if (seq_of(de->d_name, ".tmp"))
				unlinkat(sp->dir_fd, de->d_name, 0);
			continue;
		}
		ret = n == sp->ix.cap ? -E2BIG
				      : read_entry(sp, de->d_name, seq, &all[n]);
		if (ret) {
			if (ret == -EPROTONOSUPPORT)
				sp->other_version_files++;
			else
				sp->bad_files++;
			unlinkat(sp->dir_fd, de->d_name, 0);
			continue;
		}
		n++;
	}
	closedir(d);
	qsort(all, n, sizeof(*all), cmp_seq);
	for (size_t i = 0; i < n; i++) {
		long ev = tt_otlp_spool_index_make_room(&sp->ix, all[i].bytes,
							sp->evicted);

		for (long k = 0; k < ev; k++) {
			sp->dropped_full += sp->evicted[k].records;
			drop_file(sp, sp->evicted[k].seq);
		}
		if (ev < 0 || tt_otlp_spool_index_push(&sp->ix, &all[i])) {
			sp->dropped_full += all[i].records;
			drop_file(sp, all[i].seq);
		}
	}
	sp->loaded_files = sp->ix.n;
	sp->loaded_records = sp->ix.records;
	free(all);
	if (sp->other_version_files)
		tt_warn("otlp spool: removed %" PRIu64 " files of another spool "
			"format than version %d (written by another agent "
			"version; the ledger still has their events)",
			sp->other_version_files, TT_OTLP_SPOOL_VERSION);
	return 0;
}

int tt_otlp_spool_open(struct tt_otlp_spool *sp, const char *dir,
		       uint64_t max_bytes, char *err, size_t errlen)
{
	int ret;

	memset(sp, 0, sizeof(*sp));
	sp->dir_fd = sp->lock_fd = -1;
	ret = tt_otlp_spool_index_init(&sp->ix, TT_OTLP_SPOOL_FILES_MAX,
				       max_bytes);
	sp->evicted = calloc(TT_OTLP_SPOOL_FILES_MAX, sizeof(*sp->evicted));
	if (ret || !sp->evicted) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	/* Made 0750 where missing; refused when others could plant or
	 * redirect files in it (agent/safefile.h). */
	ret = sp->dir_fd = tt_safe_opendir(dir, 1, err, errlen);
	if (ret >= 0)
		ret = sp->lock_fd = tt_safe_openat(sp->dir_fd, dir, ".lock", 0,
						   0640, err, errlen);
	if (ret < 0)
		goto fail;
	/* Two agents sending each other's files would duplicate them. */
	if (flock(sp->lock_fd, LOCK_EX | LOCK_NB)) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(err, errlen, "%s: %s", dir,
			 ret == -EBUSY ? "in use by another agent"
				       : strerror(-ret));
		goto fail;
	}
	ret = load(sp);
	if (ret) {
		snprintf(err, errlen, "%s: %s", dir, strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	tt_otlp_spool_close(sp);
	return ret;
}

void tt_otlp_spool_close(struct tt_otlp_spool *sp)
{
	if (sp->lock_fd >= 0)
		close(sp->lock_fd);
	if (sp->dir_fd >= 0)
		close(sp->dir_fd);
	sp->lock_fd = sp->dir_fd = -1;
	tt_otlp_spool_index_free(&sp->ix);
	free(sp->evicted);
	sp->evicted = NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Written under a .tmp name and renamed: a file with the final name is
 * always whole. fsync: the spool is for batches that must survive. */
static int write_file(struct tt_otlp_spool *sp, uint64_t seq, const char *hdr,
		      size_t hdr_len, const char *payload, size_t len)
{
	char tmp[40], name[40];
	int fd, ret;

	name_of(seq, ".tmp", tmp);
	name_of(seq, SUFFIX, name);
	fd = openat(sp->dir_fd, tmp,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, hdr, hdr_len);
	if (!ret)
		ret = write_all(fd, payload, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && renameat(sp->dir_fd, tmp, sp->dir_fd, name))
		ret = -errno;
	if (ret)
		unlinkat(sp->dir_fd, tmp, 0);
	return ret;
}

/* Once when writes begin to fail (with the reason), once when they work
 * again (with the records it cost). err: the write's result. */
static void episode(struct tt_otlp_spool *sp, int err)
{
	if (err && !sp->failing) {
		sp->failing = err;
		sp->fail_dropped_before = sp->dropped_error;
		tt_warn("otlp spool: cannot write a batch: %s; its records are "
			"dropped and counted (agent_stats.otlp.dropped) until "
			"writes work again", strerror(-err));
	} else if (!err && sp->failing) {
		tt_warn("otlp spool: writes resumed (%s): %" PRIu64 " records "
			"dropped meanwhile", strerror(-sp->failing),
			sp->dropped_error - sp->fail_dropped_before);
		sp->failing = 0;
	}
}

int tt_otlp_spool_put(struct tt_otlp_spool *sp, const char *payload,
		      size_t len, unsigned records)
{
	char hdr[TT_OTLP_SPOOL_HDR_MAX];
	size_t hdr_len = tt_otlp_spool_header(hdr, records, len);
	struct tt_otlp_spool_entry e = {
		.seq = sp->ix.next_seq, .bytes = hdr_len + len,
		.records = records,
	};
	long ev;
	int ret;

	if (!hdr_len || !records) {
		sp->dropped_error += records;
		return -EINVAL;
	}
	ev = tt_otlp_spool_index_make_room(&sp->ix, e.bytes, sp->evicted);
	if (ev && !sp->dropped_full)
		tt_warn("otlp spool: full (%" PRIu64 " bytes): dropping the oldest "
			"batches; further drops are counted in agent_stats",
			sp->ix.max_bytes);
	if (ev < 0) {
		sp->dropped_full += records;
		return -E2BIG;
	}
	for (long k = 0; k < ev; k++) {
		sp->dropped_full += sp->evicted[k].records;
		drop_file(sp, sp->evicted[k].seq);
	}
	ret = write_file(sp, e.seq, hdr, hdr_len, payload, len);
	if (!ret)
		ret = tt_otlp_spool_index_push(&sp->ix, &e);
	if (ret) {
		sp->write_errors++;
		sp->dropped_error += records;
		sp->ix.next_seq = e.seq + 1; /* never reuse a name */
		episode(sp, ret);
	} else {
		episode(sp, 0);
	}
	return ret;
}

long tt_otlp_spool_peek(struct tt_otlp_spool *sp, char *buf, size_t cap,
			unsigned *records)
{
	const struct tt_otlp_spool_entry *e = tt_otlp_spool_index_oldest(&sp->ix);
	char name[40];
	size_t hdr_len, got = 0;
	uint64_t payload;
	unsigned hdr_records;
	int fd, ret = 0;

	if (!e)
		return -ENOENT;
	name_of(e->seq, SUFFIX, name);
	fd = openat(sp->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
	} else if (e->bytes > cap) {
		ret = -E2BIG;
	} else {
		while (got < e->bytes) {
			ssize_t n = read(fd, buf + got, e->bytes - got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
	}
	if (fd >= 0)
		close(fd);
	if (!ret && (got != e->bytes ||
		     tt_otlp_spool_header_parse(buf, got, &hdr_len, &hdr_records,
						&payload) ||
		     hdr_len + payload != got))
		ret = -EINVAL;
	if (ret) {
		/* Gone or changed under us: nothing to send; counted. */
		sp->dropped_error += e->records;
		tt_otlp_spool_pop(sp);
		return ret;
	}
	memmove(buf, buf + hdr_len, (size_t)payload);
	buf[payload] = '\0';
	*records = hdr_records;
	return (long)payload;
}

void tt_otlp_spool_pop(struct tt_otlp_spool *sp)
{
	const struct tt_otlp_spool_entry *e = tt_otlp_spool_index_oldest(&sp->ix);

	if (!e)
		return;
	drop_file(sp, e->seq);
	tt_otlp_spool_index_pop(&sp->ix);
}
