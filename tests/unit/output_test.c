// SPDX-License-Identifier: MIT
/*
 * The ledger writer (agent/output.c) and the safe paths under it
 * (agent/safefile.c), on real files. A full disk is RLIMIT_FSIZE: a write
 * that crosses it is cut short, the next fails with EFBIG, and raising it
 * again is space coming back; no root needed. The checks of another
 * user's files need root (chown) and SKIP without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "agent/output.h"
#include "agent/safefile.h"
#include "tt_test.h"

static char tmpdir[256];

static const char *mkdir_tmp(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tt-output-test-XXXXXX");
	if (!mkdtemp(tmpdir))
		abort();
	return tmpdir;
}

static void rm_tree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void set_fsize(rlim_t n)
{
	struct rlimit rl;

	getrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = n;
	if (setrlimit(RLIMIT_FSIZE, &rl))
		abort();
}

/* A ledger at dir/events.jsonl (path) with a buf_bytes buffer (0: the
 * default), on a "disk" of fsize bytes (RLIMIT_FSIZE; SIGXFSZ ignored so
 * that writes past it fail with EFBIG). 0 or the open's error. */
static int open_on_small_disk(struct tt_output *out, const char *dir,
			      char *path, size_t pathlen, size_t buf_bytes,
			      rlim_t fsize)
{
	char why[512];
	int ret;

	signal(SIGXFSZ, SIG_IGN);
	snprintf(path, pathlen, "%s/events.jsonl", dir);
	ret = tt_output_open(out, path, 0, 0, buf_bytes, why, sizeof(why));
	if (!ret)
		set_fsize(fsize);
	return ret;
}

/* A line of n bytes: an allocation event's prefix when event, padded. */
static void make_line(char *buf, size_t n, int event, int i)
{
	int k = snprintf(buf, n + 1, event ? "{\"event_type\":\"ai_api_cost_"
				  "allocation\",\"i\":%d,\"p\":\"" : "{\"type\":\"x\","
				  "\"i\":%d,\"p\":\"", i);

	memset(buf + k, 'x', n - (size_t)k - 2);
	memcpy(buf + n - 2, "\"}", 2);
	buf[n] = '\0';
}

/* Every line of the file ends in a newline; returns the line count, or
 * -1 when the file ends in half a line. */
static long whole_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long lines = 0;
	int c, last = '\n';

	if (!f)
		return -2;
	while ((c = fgetc(f)) != EOF) {
		lines += c == '\n';
		last = c;
	}
	fclose(f);
	return last == '\n' ? lines : -1;
}

TT_TEST(short_write_rolls_back_and_resumes)
{
	const char *dir = mkdir_tmp();
	char path[512], line[301];
	struct tt_output out;

	/* Room for 3 lines of 301 bytes and a cut 4th. */
	TT_CHECK_EQ_INT(open_on_small_disk(&out, dir, path, sizeof(path), 0, 1000), 0);
	for (int i = 0; i < 10; i++) {
		make_line(line, 300, 1, i);
		tt_output_line(&out, line, 300);
	}
	TT_CHECK_EQ_INT(tt_output_flush(&out), -EFBIG);
	TT_CHECK_EQ_INT(whole_lines(path), 3);
	TT_CHECK_EQ_U64(out.st.rollbacks, 1);
	TT_CHECK_EQ_U64(out.st.write_episodes, 1);
	TT_CHECK_EQ_U64(out.st.lines, 3);
	TT_CHECK_EQ_U64(out.st.bytes, 3 * 301); /* the cut line not counted */
	/* Still full: nothing more, nothing cut, one episode. */
	TT_CHECK(tt_output_flush(&out) < 0);
	TT_CHECK_EQ_INT(whole_lines(path), 3);
	TT_CHECK_EQ_U64(out.st.write_episodes, 1);
	/* Space comes back: the held lines follow, in order. */
	set_fsize(RLIM_INFINITY);
	TT_CHECK_EQ_INT(tt_output_flush(&out), 0);
	TT_CHECK_EQ_INT(whole_lines(path), 10);
	TT_CHECK_EQ_U64(out.st.lines, 10);
	TT_CHECK_EQ_U64(out.st.bytes, 10 * 301);
	TT_CHECK_EQ_U64(out.st.lines_dropped, 0);
	tt_output_close(&out);
	rm_tree(dir);
}

/* With the buffer full while the disk is, lines are dropped whole and
 * counted exactly, events apart; the file never has half a line. */
TT_TEST(full_buffer_drops_whole_lines_counted)
{
	const char *dir = mkdir_tmp();
	char path[512], line[201];
	struct tt_output out;
	long in_file;

	TT_CHECK_EQ_INT(open_on_small_disk(&out, dir, path, sizeof(path), 1024, 700), 0);
	for (int i = 0; i < 30; i++) {
		make_line(line, 200, i % 3 != 0, i); /* 20 events, 10 records */
		tt_output_line(&out, line, 200);
		if (i % 4 == 3)
			tt_output_flush(&out);
	}
	set_fsize(RLIM_INFINITY);
	tt_output_flush(&out);
	in_file = whole_lines(path);
	TT_CHECK(in_file > 0);
	TT_CHECK(out.st.lines_dropped > 0);
	TT_CHECK_EQ_U64((uint64_t)in_file + out.st.lines_dropped, 30);
	TT_CHECK(out.st.events_dropped <= out.st.lines_dropped);
	tt_output_close(&out);
	rm_tree(dir);
}

/* Stopping while the disk is full: what is held is counted as dropped. */
TT_TEST(close_while_full_counts_the_rest)
{
	const char *dir = mkdir_tmp();
	char path[512], line[101];
	struct tt_output out;

	TT_CHECK_EQ_INT(open_on_small_disk(&out, dir, path, sizeof(path), 0, 250), 0);
	for (int i = 0; i < 5; i++) {
		make_line(line, 100, 1, i);
		tt_output_line(&out, line, 100);
	}
	tt_output_close(&out);
	set_fsize(RLIM_INFINITY);
	TT_CHECK_EQ_INT(whole_lines(path), 2);
	TT_CHECK_EQ_U64(out.st.lines_dropped, 3);
	TT_CHECK_EQ_U64(out.st.events_dropped, 3);
	rm_tree(dir);
}

TT_TEST(rotation_keeps_whole_lines)
{
	const char *dir = mkdir_tmp();
	char path[512], rot[600], why[512], line[101];
	struct tt_output out;

	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	TT_CHECK_EQ_INT(tt_output_open(&out, path, 350, 2, 0, why, sizeof(why)), 0);
	for (int i = 0; i < 7; i++) {
		make_line(line, 100, 1, i);
		tt_output_line(&out, line, 100);
	}
	tt_output_close(&out);
	TT_CHECK_EQ_INT(whole_lines(path), 1);
	snprintf(rot, sizeof(rot), "%s.1", path);
	TT_CHECK_EQ_INT(whole_lines(rot), 3);
	snprintf(rot, sizeof(rot), "%s.2", path);
	TT_CHECK_EQ_INT(whole_lines(rot), 3);
	TT_CHECK_EQ_U64(out.st.rotations, 2);
	TT_CHECK_EQ_U64(out.st.bytes, 7 * 101); /* over every file */
	rm_tree(dir);
}

/* An empty file dir/victim and a link to it at link: what an attacker
 * would plant. */
static void plant_link(const char *dir, const char *link, char *victim,
		       size_t cap)
{
	snprintf(victim, cap, "%s/victim", dir);
	close(open(victim, O_WRONLY | O_CREAT, 0600));
	TT_CHECK_EQ_INT(symlink(victim, link), 0);
}

static int still_empty(const char *path)
{
	struct stat st;

	return !stat(path, &st) && st.st_size == 0;
}

/* A planted symlink, at the ledger's name or a rotated one, is refused
 * with a message naming it; its target is never written. */
TT_TEST(symlink_refused)
{
	const char *dir = mkdir_tmp();
	char path[512], target[512], why[512];
	struct tt_output out;

	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	plant_link(dir, path, target, sizeof(target));
	TT_CHECK_EQ_INT(tt_output_open(&out, path, 0, 0, 0, why, sizeof(why)),
			-EPERM);
	TT_CHECK(strstr(why, path) && strstr(why, "symbolic link"));
	TT_CHECK(still_empty(target));
	rm_tree(dir);
}

/* A ledger directory others can write (0777, 1777, 0770) is refused; a
 * sticky /tmp above a directory of ours is fine. */
TT_TEST(shared_directory_refused)
{
	static const mode_t modes[] = { 0777, 01777, 0770, 0722 };
	const char *dir = mkdir_tmp();
	char sub[512], path[600], why[512];
	struct tt_output out;

	snprintf(sub, sizeof(sub), "%s/ledger", dir);
	TT_CHECK_EQ_INT(mkdir(sub, 0750), 0);
	snprintf(path, sizeof(path), "%s/events.jsonl", sub);
	TT_CHECK_EQ_INT(tt_output_open(&out, path, 0, 0, 0, why, sizeof(why)), 0);
	tt_output_close(&out);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		tt_case("mode %04o", (unsigned)modes[i]);
		TT_CHECK_EQ_INT(chmod(sub, modes[i]), 0);
		TT_CHECK_EQ_INT(tt_output_open(&out, path, 0, 0, 0, why,
					       sizeof(why)), -EPERM);
		TT_CHECK(strstr(why, sub) && strstr(why, "writable by others"));
	}
	/* The same directory as an ancestor: refused unless sticky. */
	snprintf(path, sizeof(path), "%s/inner/events.jsonl", sub);
	TT_CHECK_EQ_INT(chmod(sub, 0777), 0);
	TT_CHECK_EQ_INT(tt_output_open(&out, path, 0, 0, 0, why, sizeof(why)),
			-EPERM);
	TT_CHECK_EQ_INT(chmod(sub, 01777), 0);
	TT_CHECK_EQ_INT(tt_output_open(&out, path, 0, 0, 0, why, sizeof(why)), 0);
	tt_output_close(&out);
	rm_tree(dir);
}

/* A directory reached through a link planted in a shared directory: the
 * link is refused, wherever it points. */
TT_TEST(link_in_shared_directory_refused)
{
	const char *dir = mkdir_tmp();
	char shared[512], real[512], link[600], path[700], why[512];
	int fd;

	snprintf(shared, sizeof(shared), "%s/shared", dir);
	snprintf(real, sizeof(real), "%s/real", dir);
	TT_CHECK_EQ_INT(mkdir(shared, 01777), 0);
	TT_CHECK_EQ_INT(chmod(shared, 01777), 0);
	TT_CHECK_EQ_INT(mkdir(real, 0750), 0);
	snprintf(link, sizeof(link), "%s/ledger", shared);
	TT_CHECK_EQ_INT(symlink(real, link), 0);
	snprintf(path, sizeof(path), "%s/ledger", shared);
	fd = tt_safe_opendir(path, 0, why, sizeof(why));
	TT_CHECK_EQ_INT(fd, -EPERM);
	TT_CHECK(strstr(why, "symbolic link in a directory others can write"));
	/* The same link in a directory of ours is followed. */
	TT_CHECK_EQ_INT(chmod(shared, 0755), 0);
	fd = tt_safe_opendir(path, 0, why, sizeof(why));
	TT_CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	rm_tree(dir);
}

/* Another name for a file elsewhere (a hard link), a FIFO: refused. A
 * file of ours writable by others loses those bits. */
TT_TEST(odd_files)
{
	const char *dir = mkdir_tmp();
	char path[512], other[512], why[512];
	struct tt_output out;
	struct stat st;

	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	snprintf(other, sizeof(other), "%s/elsewhere", dir);
	close(open(other, O_WRONLY | O_CREAT, 0600));
	TT_CHECK_EQ_INT(link(other, path), 0);
	TT_CHECK_EQ_INT(tt_output_open(&out, path, 0, 0, 0, why, sizeof(why)),
			-EPERM);
	TT_CHECK(strstr(why, "hard links") != NULL);
	unlink(path);
	TT_CHECK_EQ_INT(mkfifo(path, 0600), 0);
	TT_CHECK_EQ_INT(tt_output_open(&out, path, 0, 0, 0, why, sizeof(why)),
			-EPERM);
	TT_CHECK(strstr(why, "not a regular file") != NULL);
	unlink(path);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	TT_CHECK_EQ_INT(chmod(path, 0666), 0);
	TT_CHECK_EQ_INT(tt_output_open(&out, path, 0, 0, 0, why, sizeof(why)), 0);
	tt_output_close(&out);
	TT_CHECK(!stat(path, &st) && (st.st_mode & 0777) == 0644);
	rm_tree(dir);
}

/* A file another user made first (root only: chown). */
TT_TEST(foreign_owner_refused)
{
	const char *dir;
	char path[512], why[512];
	struct tt_output out;

	if (geteuid() != 0)
		TT_SKIP("needs root to give a file to another user");
	dir = mkdir_tmp();
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	close(open(path, O_WRONLY | O_CREAT, 0666));
	TT_CHECK_EQ_INT(chown(path, 65534, 65534), 0);
	TT_CHECK_EQ_INT(tt_output_open(&out, path, 0, 0, 0, why, sizeof(why)),
			-EPERM);
	TT_CHECK(strstr(why, path) && strstr(why, "owned by uid 65534"));
	/* A directory of another user: refused too. */
	unlink(path);
	TT_CHECK_EQ_INT(chown(dir, 65534, 65534), 0);
	TT_CHECK_EQ_INT(tt_output_open(&out, path, 0, 0, 0, why, sizeof(why)),
			-EPERM);
	TT_CHECK(strstr(why, "owned by uid 65534") != NULL);
	rm_tree(dir);
}

/* Config and price files: a warning (1) when others could change them. */
TT_TEST(trusted_files)
{
	const char *dir = mkdir_tmp();
	char path[512], why[512];

	snprintf(path, sizeof(path), "%s/config.json", dir);
	close(open(path, O_WRONLY | O_CREAT, 0644));
	TT_CHECK_EQ_INT(tt_safe_check_trusted(path, why, sizeof(why)), 0);
	TT_CHECK_EQ_INT(chmod(path, 0666), 0);
	TT_CHECK_EQ_INT(tt_safe_check_trusted(path, why, sizeof(why)), 1);
	TT_CHECK(strstr(why, "writable by others") != NULL);
	TT_CHECK_EQ_INT(chmod(path, 0644), 0);
	TT_CHECK_EQ_INT(chmod(dir, 0777), 0);
	TT_CHECK_EQ_INT(tt_safe_check_trusted(path, why, sizeof(why)), 1);
	TT_CHECK_EQ_INT(chmod(dir, 01777), 0); /* sticky: nobody can swap it */
	TT_CHECK_EQ_INT(tt_safe_check_trusted(path, why, sizeof(why)), 0);
	rm_tree(dir);
}

/* A link where a rotated file goes is removed, not carried along. */
TT_TEST(rotation_removes_what_is_not_ours)
{
	const char *dir = mkdir_tmp();
	char path[512], link1[600], target[512], why[512], line[101];
	struct tt_output out;
	struct stat st;

	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	snprintf(link1, sizeof(link1), "%s.1", path);
	plant_link(dir, link1, target, sizeof(target));
	TT_CHECK_EQ_INT(tt_output_open(&out, path, 250, 3, 0, why, sizeof(why)), 0);
	for (int i = 0; i < 6; i++) {
		make_line(line, 100, 1, i);
		tt_output_line(&out, line, 100);
	}
	tt_output_close(&out);
	for (int i = 1; i <= 3; i++) {
		char rot[620];

		snprintf(rot, sizeof(rot), "%s.%d", path, i);
		tt_case("%s", rot);
		TT_CHECK(lstat(rot, &st) || !S_ISLNK(st.st_mode));
	}
	TT_CHECK(still_empty(target));
	rm_tree(dir);
}
