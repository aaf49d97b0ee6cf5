// SPDX-License-Identifier: MIT
/* Tests for user/core/procmaps.c: /proc/<pid>/maps lines and the exec walk. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "binary/procmaps.h"
#include "tt_test.h"

struct parse_case {
	const char *name;
	const char *line;
	uint64_t start, end, offset;
	const char *perms;
	uint32_t maj, min;
	uint64_t inode;
	const char *path;
	int deleted;
};

static const struct parse_case good_lines[] = {
	{ "file", "7f3a1c028000-7f3a1c1bd000 r-xp 00028000 fd:01 1835023"
		  "                    /usr/lib/x86_64-linux-gnu/libc.so.6\n",
	  0x7f3a1c028000, 0x7f3a1c1bd000, 0x28000, "r-xp", 0xfd, 0x01,
	  1835023, "/usr/lib/x86_64-linux-gnu/libc.so.6", 0 },
	/* The kernel pads anonymous lines with a trailing space. */
	{ "anonymous", "7f3a1c3c6000-7f3a1c3d3000 rw-p 00000000 00:00 0 \n",
	  0x7f3a1c3c6000, 0x7f3a1c3d3000, 0, "rw-p", 0, 0, 0, "", 0 },
	{ "anonymous_no_space", "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0\n",
	  0x55d0c0a00000, 0x55d0c0a21000, 0, "rw-p", 0, 0, 0, "", 0 },
	{ "vdso", "7ffc5a7e5000-7ffc5a7e7000 r-xp 00000000 00:00 0"
		  "                          [vdso]\n",
	  0x7ffc5a7e5000, 0x7ffc5a7e7000, 0, "r-xp", 0, 0, 0, "[vdso]", 0 },
	{ "deleted", "7f0000000000-7f0000001000 r-xp 00001000 08:02 42"
		     " /tmp/libfoo.so (deleted)\n",
	  0x7f0000000000, 0x7f0000001000, 0x1000, "r-xp", 8, 2, 42,
	  "/tmp/libfoo.so", 1 },
	{ "spaces", "7f1000000000-7f1000100000 r-xp 00028000 103:02 99"
		    "  /opt/My App/lib ssl.so.3\n",
	  0x7f1000000000, 0x7f1000100000, 0x28000, "r-xp", 0x103, 2, 99,
	  "/opt/My App/lib ssl.so.3", 0 },
	{ "spaces_deleted", "7f1000000000-7f1000100000 r-xp 00000000 08:02 7"
			    " /opt/My App/node (deleted)\n",
	  0x7f1000000000, 0x7f1000100000, 0, "r-xp", 8, 2, 7,
	  "/opt/My App/node", 1 },
	/* Only a suffix means deleted, not the words inside a path. */
	{ "deleted_in_middle", "00400000-00452000 r-xp 00000000 08:02 5"
			       " /tmp/ (deleted)/x.so\n",
	  0x400000, 0x452000, 0, "r-xp", 8, 2, 5, "/tmp/ (deleted)/x.so", 0 },
	{ "no_newline", "00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/dbus-daemon",
	  0x400000, 0x452000, 0, "r-xp", 8, 2, 173521, "/usr/bin/dbus-daemon", 0 },
	{ "crlf", "00400000-00452000 r--s 00000000 08:02 173521 /dev/shm/x\r\n",
	  0x400000, 0x452000, 0, "r--s", 8, 2, 173521, "/dev/shm/x", 0 },
	{ "big_inode", "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00"
		       " 18446744073709551615 [vsyscall]\n",
	  0xffffffffff600000, 0xffffffffff601000, 0, "--xp", 0, 0,
	  UINT64_MAX, "[vsyscall]", 0 },
};

static const char *const bad_lines[] = {
	"",
	"\n",
	"this is not a maps line\n",
	"00400000-00452000 r-xp 00000000 08:02\n",          /* no inode */
	"00452000-00400000 r-xp 00000000 08:02 1 /bin/x\n", /* end < start */
	"00400000-00452000 r-x 00000000 08:02 1 /bin/x\n",  /* 3 perms */
	"00400000 00452000 r-xp 00000000 08:02 1 /bin/x\n", /* no dash */
	"00400000-00452000 r-xp 00000000 0802 1 /bin/x\n",  /* no dev colon */
	"00400000-00452000 r-xp zzzz 08:02 1 /bin/x\n",     /* bad offset */
	"00400000-",
};

TT_TEST(parse_good_lines)
{
	for (size_t i = 0; i < sizeof(good_lines) / sizeof(good_lines[0]); i++) {
		const struct parse_case *c = &good_lines[i];
		struct tt_map_entry e;
		char buf[512];

		tt_case("%s", c->name);
		snprintf(buf, sizeof(buf), "%s", c->line);
		TT_CHECK_EQ_INT(tt_maps_parse_line(buf, &e), 0);
		TT_CHECK_EQ_U64(e.start, c->start);
		TT_CHECK_EQ_U64(e.end, c->end);
		TT_CHECK_EQ_U64(e.offset, c->offset);
		TT_CHECK_EQ_STR(e.perms, c->perms);
		TT_CHECK_EQ_U64(e.dev_major, c->maj);
		TT_CHECK_EQ_U64(e.dev_minor, c->min);
		TT_CHECK_EQ_U64(e.inode, c->inode);
		TT_CHECK_EQ_STR(e.path, c->path);
		TT_CHECK_EQ_INT(e.deleted, c->deleted);
		/* The path is a view into the caller's line, not a copy. */
		TT_CHECK(e.path >= buf && e.path < buf + sizeof(buf));
	}
}

TT_TEST(parse_malformed_lines)
{
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		struct tt_map_entry e;
		char buf[256];

		tt_case("bad_lines[%zu] \"%s\"", i, bad_lines[i]);
		snprintf(buf, sizeof(buf), "%s", bad_lines[i]);
		TT_CHECK_EQ_INT(tt_maps_parse_line(buf, &e), -EINVAL);
	}
}

/* Collects what tt_maps_each_exec reports, and can stop it. */
struct walk {
	char paths[8][128];
	int deleted[8];
	int n;
	int stop_at; /* return 7 on this call (1-based); 0 = never */
};

static int collect(const struct tt_map_entry *e, void *ctx)
{
	struct walk *w = ctx;

	if (w->n < 8) {
		snprintf(w->paths[w->n], sizeof(w->paths[0]), "%s", e->path);
		w->deleted[w->n] = e->deleted;
	}
	w->n++;
	return w->n == w->stop_at ? 7 : 0;
}

static const char fixture[] =
	"00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/dbus-daemon\n"
	"00651000-00652000 r--p 00051000 08:02 173521 /usr/bin/dbus-daemon\n"
	"00652000-00655000 rw-p 00052000 08:02 173521 /usr/bin/dbus-daemon\n"
	"7f0000000000-7f0000010000 rwxp 00000000 00:00 0 \n" /* JIT, anon */
	"this is not a maps line\n"
	"7f1000000000-7f1000100000 r-xp 00028000 fd:01 1835023"
	"      /usr/lib/x86_64-linux-gnu/libssl.so.3\n"
	"7f2000000000-7f2000001000 r-xp 00001000 08:02 42 /tmp/my lib.so (deleted)\n"
	"0000-\n"
	"7f3000000000-7f3000001000 r-xp 00000000 08:02 0 /memfd:zero-inode\n"
	"7ffc5a7e5000-7ffc5a7e7000 r-xp 00000000 00:00 0 [vdso]\n"
	"7f4000000000-7f4000001000 r-xp 00000000 08:02 77 /usr/lib/last.so";

static FILE *open_text(const char *text)
{
	/* fmemopen reads from the buffer in place; it outlives the FILE. */
	return fmemopen((void *)text, strlen(text), "r");
}

TT_TEST(each_exec_counts_exec_file_mappings)
{
	struct walk w = { .n = 0 };
	unsigned bad = 0;
	FILE *f = open_text(fixture);

	TT_CHECK(f != NULL);
	if (!f)
		return;
	TT_CHECK_EQ_INT(tt_maps_each_exec(f, collect, &w, &bad), 0);
	fclose(f);
	TT_CHECK_EQ_INT(w.n, 4);
	TT_CHECK_EQ_INT(bad, 2);
	TT_CHECK_EQ_STR(w.paths[0], "/usr/bin/dbus-daemon");
	TT_CHECK_EQ_STR(w.paths[1], "/usr/lib/x86_64-linux-gnu/libssl.so.3");
	TT_CHECK_EQ_STR(w.paths[2], "/tmp/my lib.so");
	TT_CHECK_EQ_INT(w.deleted[2], 1);
	TT_CHECK_EQ_STR(w.paths[3], "/usr/lib/last.so");
	TT_CHECK_EQ_INT(w.deleted[3], 0);
}

TT_TEST(each_exec_bad_may_be_null)
{
	struct walk w = { .n = 0 };
	FILE *f = open_text(fixture);

	TT_CHECK(f != NULL);
	if (!f)
		return;
	TT_CHECK_EQ_INT(tt_maps_each_exec(f, collect, &w, NULL), 0);
	fclose(f);
	TT_CHECK_EQ_INT(w.n, 4);
}

TT_TEST(each_exec_stops_on_nonzero)
{
	struct walk w = { .n = 0, .stop_at = 2 };
	unsigned bad = 0;
	FILE *f = open_text(fixture);

	TT_CHECK(f != NULL);
	if (!f)
		return;
	TT_CHECK_EQ_INT(tt_maps_each_exec(f, collect, &w, &bad), 7);
	TT_CHECK_EQ_INT(w.n, 2);
	/* Only the lines read before the stop were judged. */
	TT_CHECK_EQ_INT(bad, 1);
	/* The walk left the stream just after the line it stopped on. */
	{
		char next[128] = "";

		TT_CHECK(fgets(next, sizeof(next), f) != NULL);
		TT_CHECK(strstr(next, "/tmp/my lib.so") != NULL);
	}
	fclose(f);
}

TT_TEST(each_exec_overlong_line_is_bad_and_skipped)
{
	/* A line longer than the reader's buffer (PATH_MAX + fields) must be
	 * skipped whole, not parsed in pieces, and the next line still read. */
	const char *head = "00400000-00452000 r-xp 00000000 08:02 1 /";
	const char *tail = "\n7f4000000000-7f4000001000 r-xp 00000000 08:02 77"
			   " /usr/lib/after.so\n";
	size_t pad = 8000, hl = strlen(head), tl = strlen(tail);
	char *text = malloc(hl + pad + tl + 1);
	struct walk w = { .n = 0 };
	unsigned bad = 0;
	FILE *f;

	TT_CHECK(text != NULL);
	if (!text)
		return;
	memcpy(text, head, hl);
	memset(text + hl, 'a', pad);
	memcpy(text + hl + pad, tail, tl + 1);
	f = open_text(text);
	TT_CHECK(f != NULL);
	if (f) {
		TT_CHECK_EQ_INT(tt_maps_each_exec(f, collect, &w, &bad), 0);
		fclose(f);
	}
	free(text);
	TT_CHECK_EQ_INT(bad, 1);
	TT_CHECK_EQ_INT(w.n, 1);
	TT_CHECK_EQ_STR(w.paths[0], "/usr/lib/after.so");
}

TT_TEST(each_exec_empty_input)
{
	struct walk w = { .n = 0 };
	unsigned bad = 0;
	FILE *f = fmemopen(NULL, 1, "w+"); /* an empty stream */

	TT_CHECK(f != NULL);
	if (!f)
		return;
	TT_CHECK_EQ_INT(tt_maps_each_exec(f, collect, &w, &bad), 0);
	fclose(f);
	TT_CHECK_EQ_INT(w.n, 0);
	TT_CHECK_EQ_INT(bad, 0);
}
