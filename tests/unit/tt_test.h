/* SPDX-License-Identifier: MIT */
/*
 * A tiny header-only test framework for the core unit tests.
 *
 *   TT_TEST(name) { TT_CHECK_EQ_INT(f(1), 2); }
 *
 * Tests register themselves (a constructor per test), so a test cannot be
 * written and then forgotten in a list; they run in source order. A failed
 * check prints file:line and both values, marks the test failed and goes on,
 * so one run shows every broken expectation. A test that cannot run here
 * (a missing file, a kernel feature) calls TT_SKIP("why") and is reported
 * SKIP, never PASS. main() is defined here: each test file is one binary.
 *
 *   build/tests/h1_test              every test, in source order
 *   build/tests/h1_test NAME...      only those (an unknown name fails)
 *   build/tests/h1_test --list       the names
 *
 * The last line printed is always "N passed, N failed, N skipped" (tests,
 * not checks); tests/run_unit.py parses it.
 */
#ifndef TT_TEST_H
#define TT_TEST_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TT_MAX_TESTS 256

struct tt_test_entry {
	const char *name;
	void (*fn)(void);
	int line; /* registration order is not source order: sort by line */
};

static struct tt_test_entry tt_tests_[TT_MAX_TESTS];
static int tt_ntests_;
static int tt_failed_;        /* the running test has failed a check */
static int tt_skipped_;       /* the running test called TT_SKIP */
static char tt_case_[256];    /* table row being checked, for messages */

static void tt_register_(const char *name, void (*fn)(void), int line)
{
	if (tt_ntests_ >= TT_MAX_TESTS) {
		fprintf(stderr, "tt_test: more than %d tests\n", TT_MAX_TESTS);
		abort();
	}
	tt_tests_[tt_ntests_].name = name;
	tt_tests_[tt_ntests_].fn = fn;
	tt_tests_[tt_ntests_].line = line;
	tt_ntests_++;
}

#define TT_TEST(name)                                                        \
	static void name(void);                                              \
	__attribute__((constructor)) static void tt_reg_##name(void)         \
	{                                                                    \
		tt_register_(#name, name, __LINE__);                         \
	}                                                                    \
	static void name(void)

/* Names the table row under test; failures print it until the next call. */
__attribute__((format(printf, 1, 2), unused))
static void tt_case(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tt_case_, sizeof(tt_case_), fmt, ap);
	va_end(ap);
}

/* Informational line inside a test (e.g. why a case was skipped). */
#define TT_NOTE(...)                                                         \
	do {                                                                 \
		printf("  note: ");                                          \
		printf(__VA_ARGS__);                                         \
		putchar('\n');                                               \
	} while (0)

/*
 * Ends the running test as SKIP with a reason: it could not run here (a
 * missing library, file or privilege), which is neither a pass nor a
 * failure. Use it in the test function itself (it returns from it), before
 * any check has failed; a failed check still makes the test FAIL.
 */
#define TT_SKIP(...)                                                         \
	do {                                                                 \
		printf("  skip: ");                                          \
		printf(__VA_ARGS__);                                         \
		putchar('\n');                                               \
		tt_skipped_ = 1;                                             \
		return;                                                      \
	} while (0)

__attribute__((format(printf, 3, 4), unused))
static void tt_fail_(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("  %s:%d: ", file, line);
	if (tt_case_[0])
		printf("[%s] ", tt_case_);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	tt_failed_ = 1;
}

#define TT_CHECK(cond)                                                       \
	do {                                                                 \
		if (!(cond))                                                 \
			tt_fail_(__FILE__, __LINE__, "check failed: %s",     \
				 #cond);                                     \
	} while (0)

#define TT_CHECK_EQ_INT(a, b)                                                \
	do {                                                                 \
		long long tt_a_ = (long long)(a), tt_b_ = (long long)(b);    \
		if (tt_a_ != tt_b_)                                          \
			tt_fail_(__FILE__, __LINE__,                         \
				 "%s == %s: got %lld, want %lld", #a, #b,    \
				 tt_a_, tt_b_);                              \
	} while (0)

#define TT_CHECK_EQ_U64(a, b)                                                \
	do {                                                                 \
		uint64_t tt_a_ = (uint64_t)(a), tt_b_ = (uint64_t)(b);       \
		if (tt_a_ != tt_b_)                                          \
			tt_fail_(__FILE__, __LINE__,                         \
				 "%s == %s: got %" PRIu64 " (0x%" PRIx64     \
				 "), want %" PRIu64 " (0x%" PRIx64 ")",      \
				 #a, #b, tt_a_, tt_a_, tt_b_, tt_b_);        \
	} while (0)

/* NULL equals only NULL, so a missing result never passes as "". */
#define TT_CHECK_EQ_STR(a, b)                                                \
	do {                                                                 \
		const char *tt_a_ = (a), *tt_b_ = (b);                       \
		if ((tt_a_ == NULL) != (tt_b_ == NULL) ||                    \
		    (tt_a_ && strcmp(tt_a_, tt_b_)))                         \
			tt_fail_(__FILE__, __LINE__,                         \
				 "%s == %s: got \"%s\", want \"%s\"", #a,    \
				 #b, tt_a_ ? tt_a_ : "(null)",               \
				 tt_b_ ? tt_b_ : "(null)");                  \
	} while (0)

static int tt_cmp_line_(const void *a, const void *b)
{
	const struct tt_test_entry *x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

/* Index of the test named name, or -1. */
static int tt_find_(const char *name)
{
	for (int i = 0; i < tt_ntests_; i++)
		if (!strcmp(tt_tests_[i].name, name))
			return i;
	return -1;
}

/* Runs test i; returns 'P', 'F' or 'S'. */
static int tt_run_(int i)
{
	const char *word;

	tt_failed_ = 0;
	tt_skipped_ = 0;
	tt_case_[0] = '\0';
	tt_tests_[i].fn();
	word = tt_failed_ ? "FAIL" : tt_skipped_ ? "SKIP" : "PASS";
	printf("%s %s\n", word, tt_tests_[i].name);
	return word[0];
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;

	/* Unbuffered enough that a crash still shows which test was last. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	qsort(tt_tests_, (size_t)tt_ntests_, sizeof(tt_tests_[0]),
	      tt_cmp_line_);
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (int i = 0; i < tt_ntests_; i++)
			printf("%s\n", tt_tests_[i].name);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		/* A name that is no test fails: a typo must not pass. */
		if (tt_find_(argv[a]) < 0) {
			printf("FAIL %s: no such test (--list names them)\n",
			       argv[a]);
			failed++;
		}
	}
	for (int i = 0; i < tt_ntests_; i++) {
		int picked = argc == 1, r;

		for (int a = 1; a < argc && !picked; a++)
			picked = !strcmp(argv[a], tt_tests_[i].name);
		if (!picked)
			continue;
		r = tt_run_(i);
		passed += r == 'P';
		failed += r == 'F';
		skipped += r == 'S';
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}

#endif
