/* A tiny test harness: CHECK records a failure and goes on; each RUN records
 * one PASS/FAIL result for tests/run-suites: in the file named by
 * NATTER_RESULTS when the runner sets it (see tests/lib.sh), and on stdout
 * for the log. */
#ifndef NATTER_CHECK_H
#define NATTER_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int check_failures;
extern const char *check_current;

#define CHECK(cond) do { \
	if (!(cond)) { \
		check_failures++; \
		printf("  %s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, check_current, #cond); \
	} } while (0)

static inline void check_result(const char *kind, const char *name, int failed_checks)
{
	char why[64] = "";
	const char *path = getenv("NATTER_RESULTS");
	FILE *f = path && *path ? fopen(path, "a") : NULL;

	if (failed_checks)
		snprintf(why, sizeof why, ": %d check(s) failed", failed_checks);
	printf("%s unit/%s%s\n", kind, name, why);
	fflush(stdout);
	if (f) {
		fprintf(f, "%s unit/%s%s\n", kind, name, why);
		fclose(f);
	}
}

#define RUN(fn) do { \
	int before_ = check_failures; \
	check_current = #fn; \
	fn(); \
	check_result(check_failures == before_ ? "PASS" : "FAIL", #fn, \
		     check_failures - before_); \
	} while (0)
#endif
