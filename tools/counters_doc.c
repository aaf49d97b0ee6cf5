// SPDX-License-Identifier: MIT
/*
 * counters-doc: keeps the docs in step with the agent's counter table
 * (user/agent/counters.h).
 *
 *   counters-doc [--write] FILE...
 *
 * In each FILE:
 *  - the text between "<!-- counters-doc: NAME -->" and
 *    "<!-- /counters-doc -->" must be what tt_counters_doc(NAME) writes
 *    ("health", "agent_stats"); --write puts it there;
 *  - every `agent_stats.SECTION.KEY` in backquotes must name a key or a
 *    section of the record, and so must the dotted names in the first
 *    column of a table that follows "<!-- counters-doc: keys [SECTION] -->"
 *    (SECTION. is put before each).
 * Exit 0 when every file is current (or was rewritten), 1 otherwise, 2 on
 * a usage or I/O error. `make unit` runs the check, `make docs` writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent/counters.h"

#define BEGIN "<!-- counters-doc: "
#define END "<!-- /counters-doc -->"
#define NAME_MAX_ 128

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = (cap + 4096) * 2);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* 1 when name ("capture.events", "allocation.pricing") is a key or a
 * section of agent_stats. */
static int known(const char *name, size_t n)
{
	if (n == strlen("otlp.endpoint") && !strncmp(name, "otlp.endpoint", n))
		return 1; /* the one value that is not a counter */
	for (size_t i = 0; i < tt_counter_nrows; i++) {
		const struct tt_counter_row *r = &tt_counter_rows[i];
		size_t s;

		if (!r->section)
			continue;
		s = strlen(r->section);
		/* A section, or a leading part of one. */
		if (n <= s && !strncmp(name, r->section, n) &&
		    (n == s || r->section[n] == '.'))
			return 1;
		if (n == s + 1 + strlen(r->key) && !strncmp(name, r->section, s) &&
		    name[s] == '.' && !strncmp(name + s + 1, r->key, n - s - 1))
			return 1;
	}
	return 0;
}

static int line_of(const char *text, const char *at)
{
	int line = 1;

	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

/* `agent_stats.X` anywhere. Returns the number of unknown names. */
static int check_refs(const char *path, const char *text)
{
	static const char pre[] = "`agent_stats.";
	int bad = 0;

	for (const char *p = strstr(text, pre); p; p = strstr(p + 1, pre)) {
		const char *name = p + strlen(pre);
		size_t n = strcspn(name, "`\n");

		if (name[n] == '`' && !known(name, n)) {
			fprintf(stderr, "%s:%d: agent_stats.%.*s is no key of agent_stats\n",
				path, line_of(text, p), (int)n, name);
			bad++;
		}
	}
	return bad;
}

/* The backquoted names in one table row's first cell: dotted ones, or
 * all with a section given (put before each). */
static int check_cell(const char *path, const char *text, const char *row,
		      const char *sec, size_t sl)
{
	const char *cell = row + 1, *end = strchr(cell, '|');
	char name[NAME_MAX_];
	int bad = 0;

	if (!end)
		return 0;
	for (const char *q = memchr(cell, '`', (size_t)(end - cell)); q;) {
		const char *tok = q + 1, *close = memchr(tok, '`', (size_t)(end - tok));
		int n;

		if (!close)
			break;
		n = snprintf(name, sizeof(name), "%.*s%s%.*s", (int)sl, sec,
			     sl ? "." : "", (int)(close - tok), tok);
		if ((sl || memchr(tok, '.', (size_t)(close - tok))) &&
		    (n >= (int)sizeof(name) || !known(name, (size_t)n))) {
			fprintf(stderr, "%s:%d: %s is no key of agent_stats\n",
				path, line_of(text, q), name);
			bad++;
		}
		q = memchr(close + 1, '`', (size_t)(end - close - 1));
	}
	return bad;
}

/* The table after each "keys [SECTION]" marker. */
static int check_tables(const char *path, const char *text)
{
	static const char mark[] = BEGIN "keys";
	int bad = 0;

	for (const char *p = strstr(text, mark); p; p = strstr(p + 1, mark)) {
		const char *sec = p + strlen(mark), *ln;
		size_t sl;

		sec += strspn(sec, " ");
		sl = strncmp(sec, "-->", 3) ? strcspn(sec, " \n") : 0;
		/* The table: the '|' lines after the marker (blank lines
		 * between them and it are skipped). */
		for (ln = strchr(p, '\n'); ln && ln[1] == '\n';)
			ln = ln + 1;
		for (; ln && ln[1] == '|'; ln = strchr(ln + 1, '\n'))
			bad += check_cell(path, text, ln + 1, sec, sl);
	}
	return bad;
}

/* Writes text with every generated region made current to out. Returns
 * the number of regions that were not, or -1 (a marker unclosed or
 * unknown). */
static int regenerate(const char *path, const char *text, FILE *out)
{
	const char *p = text, *b;
	int stale = 0;

	while ((b = strstr(p, BEGIN))) {
		const char *name = b + strlen(BEGIN), *body, *e;
		size_t n = strcspn(name, " ");
		char want_name[NAME_MAX_], *want = NULL;
		size_t want_len = 0;
		FILE *mem;

		body = strchr(b, '\n');
		if (n >= sizeof(want_name) || !body)
			return -1;
		snprintf(want_name, sizeof(want_name), "%.*s", (int)n, name);
		if (!strcmp(want_name, "keys")) { /* checked, not written */
			fwrite(p, 1, (size_t)(body + 1 - p), out);
			p = body + 1;
			continue;
		}
		body++;
		e = strstr(body, END);
		mem = open_memstream(&want, &want_len);
		if (!e || !mem || tt_counters_doc(want_name, mem)) {
			if (mem)
				fclose(mem);
			free(want);
			fprintf(stderr, "%s:%d: %s%s: %s\n", path, line_of(text, b),
				BEGIN, want_name, e ? "unknown list" : "no end marker");
			return -1;
		}
		fclose(mem);
		stale += want_len != (size_t)(e - body) || memcmp(want, body, want_len);
		fwrite(p, 1, (size_t)(body - p), out);
		fwrite(want, 1, want_len, out);
		free(want);
		p = e;
	}
	fputs(p, out);
	return stale;
}

/* 0 current (or rewritten), 1 stale or a bad reference, 2 an error. */
static int one_file(const char *path, int write)
{
	size_t len, new_len = 0;
	char *text = read_all(path, &len), *new_text = NULL;
	FILE *mem = text ? open_memstream(&new_text, &new_len) : NULL;
	int stale, bad, ret = 2;

	if (!mem) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		goto out;
	}
	stale = regenerate(path, text, mem);
	fclose(mem);
	if (stale < 0)
		goto out;
	bad = check_refs(path, text) + check_tables(path, text);
	if (stale && write) {
		FILE *f = fopen(path, "we");

		if (!f || fwrite(new_text, 1, new_len, f) != new_len || fclose(f)) {
			fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
			goto out;
		}
		printf("counters-doc: %s rewritten\n", path);
		stale = 0;
	} else if (stale) {
		fprintf(stderr, "%s: the counter lists are out of date: run make docs\n",
			path);
	}
	ret = stale || bad ? 1 : 0;
out:
	free(text);
	free(new_text);
	return ret;
}

int main(int argc, char **argv)
{
	int write = argc > 1 && !strcmp(argv[1], "--write"), worst = 0;

	if (argc < 2 + write) {
		fprintf(stderr, "usage: counters-doc [--write] FILE...\n");
		return 2;
	}
	for (int i = 1 + write; i < argc; i++) {
		int r = one_file(argv[i], write);

		worst = r > worst ? r : worst;
	}
	if (!worst)
		printf("counters-doc: %d file(s) current\n", argc - 1 - write);
	return worst;
}
