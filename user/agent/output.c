// SPDX-License-Identifier: MIT
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/log.h"
#include "agent/output.h"

/* The default /var/lib/tokentap may not exist on a fresh host: create the
 * last directory (only that one) as 0750, like a package would. */
static int mkdir_parent(const char *path)
{
	char dir[4096];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return -ENOENT;
	*slash = '\0';
	if (mkdir(dir, 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

int tt_output_open(struct tt_output *out, const char *path)
{
	int fd;

	memset(out, 0, sizeof(*out));
	if (!strcmp(path, "-")) {
		out->f = stdout;
		out->is_stdout = 1;
		return 0;
	}
	/* Records name processes and hosts: not for every local user. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0 && errno == ENOENT && mkdir_parent(path) == 0)
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	out->f = fdopen(fd, "a");
	if (!out->f) {
		int err = -errno;
		close(fd);
		return err;
	}
	return 0;
}

void tt_output_write(struct tt_output *out, const struct cJSON *obj)
{
	char *line = cJSON_PrintUnformatted(obj);
	size_t n;

	if (!line) {
		out->write_errors++;
		return;
	}
	n = strlen(line);
	line[n] = '\n'; /* replaces the terminator: one write of a whole line */
	if (fwrite(line, 1, n + 1, out->f) != n + 1 || fflush(out->f)) {
		if (!out->write_errors++)
			tt_err("events: write failed: %s", strerror(errno));
	} else {
		out->records++;
	}
	free(line);
}

void tt_output_line(struct tt_output *out, const char *line, size_t n)
{
	/* Buffered: the agent flushes on its poll timer and at exit. */
	if (fwrite(line, 1, n, out->f) != n || putc('\n', out->f) == EOF) {
		if (!out->write_errors++)
			tt_err("events: write failed: %s", strerror(errno));
	} else {
		out->records++;
	}
}

void tt_output_flush(struct tt_output *out)
{
	if (out->f && fflush(out->f) && !out->write_errors++)
		tt_err("events: write failed: %s", strerror(errno));
}

void tt_output_close(struct tt_output *out)
{
	if (out->f && !out->is_stdout)
		fclose(out->f);
	else if (out->f)
		fflush(out->f);
	out->f = NULL;
}
