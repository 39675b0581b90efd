/* A tiny test harness: CHECK records a failure and goes on; each TEST
 * prints one PASS/FAIL line for tests/run-suites. */
#ifndef NATTER_CHECK_H
#define NATTER_CHECK_H
#include <stdio.h>
#include <string.h>

extern int check_failures;
extern const char *check_current;

#define CHECK(cond) do { \
	if (!(cond)) { \
		check_failures++; \
		printf("  %s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, check_current, #cond); \
	} } while (0)

#define RUN(fn) do { \
	int before_ = check_failures; \
	check_current = #fn; \
	fn(); \
	if (check_failures == before_) printf("PASS unit/%s\n", #fn); \
	else printf("FAIL unit/%s: %d check(s) failed\n", #fn, check_failures - before_); \
	} while (0)
#endif
