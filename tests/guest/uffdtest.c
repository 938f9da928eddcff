// SPDX-License-Identifier: GPL-2.0
/*
 * uffdtest: UFFDIO_UNREGISTER must not leave a page fault pending
 * (patches/0005, Documentation/prwlock-mm.rst).
 *
 *   uffdtest unreg ITERATIONS   TAP lines (run.sh numbers them): the test
 *                               once with the stock mmap_lock and once
 *                               opted in to alock's prwlock
 *
 * With per-VMA locks a page fault on a registered range holds only the
 * VMA's lock while it queues itself on the userfaultfd.  6.12's
 * UFFDIO_UNREGISTER woke the queued faults first and write-locked the VMA
 * (clearing its registration) only afterwards; in WP mode it removes the
 * write protection of the whole range in between.  A fault that started
 * in that window queued itself after the wake-up, on a range that was no
 * longer registered when the ioctl returned: the thread slept until
 * someone sent UFFDIO_WAKE, and a monitor that read its message got
 * -ENOENT from UFFDIO_COPY (the events-wp selftest failure).
 *
 * Each iteration maps a region, populates all but its last page,
 * registers it for MISSING and WP faults, write-protects it, and lets a
 * second thread touch the missing page at a moment that moves through
 * the unregister call from one iteration to the next.  After
 * UFFDIO_UNREGISTER returns, the uffd must hold no fault message and the
 * thread must finish on its own.  A message found is a stranded fault:
 * the test counts it, wakes the thread, and fails.
 */
#define _GNU_SOURCE
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define PAGE 4096UL
#define REGION (8UL << 20)
/* The touch moves by this much per iteration, over 0..STEPS-1 steps. */
#define STEP_NS 50000
#define STEPS 40

struct faulter {
	char *area;
	uint64_t at_ns;		/* touch no earlier than this */
	atomic_int go;
	atomic_int done;
	char sink;
};

static void *faulter_main(void *p)
{
	struct faulter *f = p;

	while (!atomic_load(&f->go))
		;
	while (mono_ns() < f->at_ns)
		;
	/* The one page left unpopulated: a MISSING fault while registered. */
	f->sink = __atomic_load_n(f->area + REGION - PAGE, __ATOMIC_RELAXED);
	atomic_store(&f->done, 1);
	return NULL;
}

struct result {
	unsigned long iters, stranded, stuck, errors;
};

/* Fault messages left on @uffd; wakes the range for each one found. */
static unsigned long drain(int uffd, char *area)
{
	struct uffdio_range r = { .start = (uintptr_t)area, .len = REGION };
	struct uffd_msg msg;
	unsigned long n = 0;

	while (read(uffd, &msg, sizeof(msg)) == sizeof(msg)) {
		if (msg.event == UFFD_EVENT_PAGEFAULT)
			n++;
		ioctl(uffd, UFFDIO_WAKE, &r);
	}
	return n;
}

static int one_iteration(unsigned long i, struct result *res)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = { 0 };
	struct uffdio_writeprotect wp = { 0 };
	struct uffdio_range range;
	struct faulter f = { 0 };
	pthread_t t;
	uint64_t t0;
	int uffd, spins, ret;
	char *area;
	size_t off;

	area = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return -errno;
	for (off = 0; off < REGION - PAGE; off += PAGE)
		area[off] = 1;
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0) {
		munmap(area, REGION);
		return -errno;
	}
	if (ioctl(uffd, UFFDIO_API, &api) ||
	    !(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP))
		goto fail;
	reg.range.start = (uintptr_t)area;
	reg.range.len = REGION;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		goto fail;
	wp.range.start = (uintptr_t)area;
	wp.range.len = REGION - PAGE;
	wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
		goto fail;

	f.area = area;
	if (pthread_create(&t, NULL, faulter_main, &f))
		goto fail;
	range.start = (uintptr_t)area;
	range.len = REGION;
	t0 = mono_ns();
	f.at_ns = t0 + (i % STEPS) * STEP_NS;
	atomic_store(&f.go, 1);
	if (ioctl(uffd, UFFDIO_UNREGISTER, &range)) {
		res->errors++;
		drain(uffd, area);
	}
	/* Anything queued now was queued after the unregister's wake-up. */
	res->stranded += drain(uffd, area);
	/* A fault left sleeping without a message would show here. */
	for (spins = 0; !atomic_load(&f.done) && spins < 2000; spins++) {
		usleep(1000);
		res->stranded += drain(uffd, area);
	}
	if (!atomic_load(&f.done)) {
		res->stuck++;
		while (!atomic_load(&f.done)) {
			drain(uffd, area);
			usleep(1000);
		}
	}
	pthread_join(t, NULL);
	close(uffd);
	munmap(area, REGION);
	res->iters++;
	return 0;
fail:
	ret = errno ? -errno : -EOPNOTSUPP;
	close(uffd);
	munmap(area, REGION);
	return ret;
}

/* In a child, so that the opted-in mm goes away with it. */
static void run_unreg(unsigned long iters, int optin)
{
	struct result *res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const char *how = optin ? "opted in" : "stock mmap_lock";
	int status, err = 0;
	double t0 = now_s();
	pid_t pid;

	if (res == MAP_FAILED) {
		tap(0, "uffd unregister (%s): mmap: %s", how, strerror(errno));
		return;
	}
	memset(res, 0, sizeof(*res));
	pid = fork();
	if (pid == 0) {
		if (optin) {
			struct alock_mm_ctl c = { .op = ALOCK_MM_OPTIN };
			int dev = open_dev();

			if (xioctl(dev, ALOCK_IOC_MM, &c))
				_exit(3);
			close(dev);
		}
		for (unsigned long i = 0; i < iters && !err; i++)
			err = one_iteration(i, res);
		_exit(err ? 2 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		tap(0, "uffd unregister (%s): fork/wait: %s", how,
		    strerror(errno));
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		tap(0, "uffd unregister (%s): child status %#x after %lu iterations",
		    how, status, res->iters);
		return;
	}
	tap(res->iters == iters && !res->stranded && !res->stuck && !res->errors,
	    "uffd unregister (%s) leaves no fault pending: %lu iterations in %.1f s, %lu stranded, %lu stuck, %lu ioctl errors",
	    how, res->iters, now_s() - t0, res->stranded, res->stuck,
	    res->errors);
	munmap(res, sizeof(*res));
}

int main(int argc, char **argv)
{
	unsigned long iters;

	if (argc != 3 || strcmp(argv[1], "unreg")) {
		fprintf(stderr, "usage: %s unreg ITERATIONS\n", argv[0]);
		return 2;
	}
	iters = strtoul(argv[2], NULL, 0);
	if (!iters) {
		fprintf(stderr, "%s: ITERATIONS must be > 0\n", argv[0]);
		return 2;
	}
	run_unreg(iters, 0);
	run_unreg(iters, 1);
	return failures ? 1 : 0;
}
