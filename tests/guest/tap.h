/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the guest test programs (alocktest, rdmatest, mmtest, uffdtest,
 * alockfuzz): TAP lines without numbers ("ok - what", "not ok - what";
 * tests/guest/run.sh numbers them), /dev/alock, ioctl with -errno results,
 * a clock.
 */
#ifndef ALOCK_TESTS_TAP_H
#define ALOCK_TESTS_TAP_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/alock.h>

static int failures;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

/*
 * One run's lock operations, for make soak's tally by lock kind
 * (scripts/soak-ops.py): "# ops kind=KIND n=N", KIND one word.
 */
static inline void ops_line(const char *kind, unsigned long long n)
{
	printf("# ops kind=%s n=%llu\n", kind, n);
}

/* /dev/alock, or a failed check and exit 1. */
static int open_dev(void)
{
	int fd = open(ALOCK_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("not ok - open %s: %s\n", ALOCK_DEVICE, strerror(errno));
		exit(1);
	}
	return fd;
}

/* ioctl returning -errno or the (non-negative) result */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	int r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

/* CLOCK_MONOTONIC in nanoseconds */
static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double now_s(void)
{
	return mono_ns() / 1e9;
}

#endif /* ALOCK_TESTS_TAP_H */
