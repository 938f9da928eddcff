// SPDX-License-Identifier: GPL-2.0
/*
 * Linked into the kernel's own mm selftests (tests/guest/build-mm-selftests.sh)
 * so that they run opted in: with ALOCK_MM_OPTIN=1 in the environment the
 * process switches its mm to a prwlock (ALOCK_IOC_MM) before main() runs,
 * while it has one thread, and reports at exit how many write acquisitions
 * went through the prwlock.  Opting in is per mm and exec starts a plain
 * one, so it must happen in the test binary itself.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/alock.h>

static int alock_status(struct alock_mm_ctl *c)
{
	int fd = open(ALOCK_DEVICE, O_RDWR | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = ioctl(fd, ALOCK_IOC_MM, c);
	close(fd);
	return r;
}

static void alock_report(void)
{
	struct alock_mm_ctl c = { .op = ALOCK_MM_STATUS };

	/* stderr: the selftest owns stdout (TAP). */
	if (alock_status(&c) == 0)
		fprintf(stderr, "# alock: pid %d opted_in=%u writes=%llu\n", getpid(),
			c.opted_in, (unsigned long long)c.writes);
}

__attribute__((constructor)) static void alock_optin(void)
{
	struct alock_mm_ctl c = { .op = ALOCK_MM_OPTIN };
	const char *e = getenv("ALOCK_MM_OPTIN");

	if (!e || strcmp(e, "1"))
		return;
	if (alock_status(&c) != 0 || !c.opted_in) {
		fprintf(stderr, "# alock: could not opt in: %m\n");
		_exit(1);
	}
	/* Children forked by the test inherit both the lock and the report. */
	atexit(alock_report);
}
