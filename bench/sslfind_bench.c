// SPDX-License-Identifier: MIT
/*
 * The cost of finding TLS functions without symbols (user/binary/sslfind.c)
 * in real executables: CPU time of tt_sslfind_fd per file, median of
 * RUNS (the file is in the page cache after the first), bytes read, the
 * process's peak RSS, and what was found.
 *
 *   sslfind_bench [-n RUNS] FILE...
 *
 * Prints one JSON line per file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "binary/sslfind.h"

#define RUNS_MAX 101

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int bench(const char *path, int runs)
{
	static struct tt_sslfind_result res;
	double t[RUNS_MAX];
	struct rusage ru;

	for (int i = 0; i < runs; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC), ret;
		double t0 = cpu_s();

		if (fd < 0) {
			perror(path);
			return 1;
		}
		ret = tt_sslfind_fd(fd, NULL, &res);
		t[i] = cpu_s() - t0;
		close(fd);
		if (ret) {
			fprintf(stderr, "%s: %s\n", path, strerror(-ret));
			return 1;
		}
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	printf("{\"file\":\"%s\",\"runs\":%d,\"cpu_median_s\":%.3f,\"cpu_min_s\":%.3f,"
	       "\"cpu_max_s\":%.3f,\"bytes_read\":%llu,\"max_rss_kb\":%ld,"
	       "\"libs\":%u,\"rejected\":%u,\"found\":[", path, runs, t[runs / 2],
	       t[0], t[runs - 1], (unsigned long long)res.stats.bytes_read,
	       ru.ru_maxrss, res.libs, res.rejected);
	for (size_t i = 0; i < res.n; i++)
		printf("%s\"%s@%#llx\"", i ? "," : "", res.fn[i].name,
		       (unsigned long long)res.fn[i].off);
	printf("]}\n");
	return 0;
}

int main(int argc, char **argv)
{
	int runs = 7, first = 1, rc = 0;

	if (argc > 2 && !strcmp(argv[1], "-n")) {
		runs = atoi(argv[2]);
		first = 3;
	}
	if (runs < 1 || runs > RUNS_MAX || first >= argc) {
		fprintf(stderr, "usage: %s [-n RUNS] FILE...\n", argv[0]);
		return 2;
	}
	for (int i = first; i < argc; i++)
		rc |= bench(argv[i], runs);
	return rc;
}
