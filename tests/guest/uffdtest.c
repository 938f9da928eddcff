// SPDX-License-Identifier: GPL-2.0
/*
 * uffdtest: UFFDIO_UNREGISTER must not leave a page fault pending, whatever
 * kind of fault it is (the userfaultfd patch in patches/, upstream
 * 35f7ecd55ce7 and 3afb19d68cc5; Documentation/prwlock-mm.rst).
 *
 *   uffdtest unreg ITERATIONS   TAP lines (run.sh numbers them): each case
 *                               below once with the stock mmap_lock and
 *                               once opted in to alock's prwlock, the
 *                               ITERATIONS split over the cases
 *
 * With per-VMA locks a page fault on a registered range holds only the
 * VMA's lock while it queues itself on the userfaultfd.  6.12's
 * UFFDIO_UNREGISTER woke the queued faults first and write-locked the VMA
 * (clearing its registration) only afterwards; in WP mode it removes the
 * write protection of the whole range in between.  A fault that started
 * in that window queued itself after the wake-up, on a range that was no
 * longer registered when the ioctl returned: the thread slept until
 * someone sent UFFDIO_WAKE, and a monitor that read its message got
 * -ENOENT from UFFDIO_COPY (the events-wp selftest failure).  And 6.12
 * woke only ranges registered for MISSING faults: a write-protect or
 * minor fault pending on a range registered without MISSING was never
 * woken by the unregister, whenever it had started.
 *
 * Each case makes the kind of waiter it names with the registration that
 * creates it:
 *   MISSING  8 MiB of anonymous memory, all but its last page populated,
 *            registered MISSING|WP and write-protected; the thread reads
 *            the missing page;
 *   WP       8 MiB of anonymous memory, populated, registered WP only and
 *            write-protected; the thread writes its last page;
 *   MINOR    8 MiB of a memfd (shmem) whose last page is in the page cache
 *            (written through a second mapping) but not mapped in the
 *            registered one, registered MINOR only; the thread reads it.
 * First, once per case, the thread touches the page with the range
 * registered and the test checks that the uffd reports the fault with
 * that case's flags and that resolving it (UFFDIO_COPY, UFFDIO_WRITEPROTECT
 * or UFFDIO_CONTINUE) lets the thread finish with the right data.  Then
 * a queued waiter: once the thread's fault message is on the uffd, the
 * range is unregistered, which must wake it.  Then each iteration lets
 * the thread (pinned to another CPU than the monitor) touch the page at a
 * moment that moves through the unregister call from one iteration to
 * the next.  After UFFDIO_UNREGISTER returns, the uffd must hold no fault
 * message and the thread must finish on its own (within 2 s, else it is
 * stuck).  A message found is a stranded fault:
 * the test counts it, wakes the thread with UFFDIO_WAKE (the range is no
 * longer registered, so UFFDIO_COPY or UFFDIO_CONTINUE would fail with
 * -ENOENT) and fails.  A case whose UFFDIO_API feature the kernel does
 * not offer is skipped, saying so.
 */
#define _GNU_SOURCE
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define PAGE 4096UL
#define REGION (8UL << 20)
/* The one page touched: the last one of the region. */
#define LAST (REGION - PAGE)
/*
 * The touch moves by a step per iteration, over 0..STEPS-1 steps: 50 us,
 * or less where the case's unregister is shorter than the 2 ms this
 * spans, so that the steps still cover it twice (MINOR: no write
 * protection to remove, a short ioctl), but no less than 1 us.
 */
#define STEP_NS 50000
#define MIN_STEP_NS 1000
#define STEPS 40

enum { C_MISSING, C_WP, C_MINOR, NR_CASES };

static const struct ucase {
	const char *name;	/* in the TAP lines */
	__u64 features;	/* UFFDIO_API features needed */
	const char *feature;	/* ... by name */
	__u64 mode;		/* UFFDIO_REGISTER mode */
	__u64 flags;		/* the fault message's flags */
	int write;		/* the thread writes (else reads) */
} cases[NR_CASES] = {
	[C_MISSING] = {
		.name = "MISSING fault, registered MISSING|WP",
		.features = UFFD_FEATURE_PAGEFAULT_FLAG_WP,
		.feature = "UFFD_FEATURE_PAGEFAULT_FLAG_WP",
		.mode = UFFDIO_REGISTER_MODE_MISSING |
			UFFDIO_REGISTER_MODE_WP,
		.flags = 0,
	},
	[C_WP] = {
		.name = "WP fault, registered WP only",
		.features = UFFD_FEATURE_PAGEFAULT_FLAG_WP,
		.feature = "UFFD_FEATURE_PAGEFAULT_FLAG_WP",
		.mode = UFFDIO_REGISTER_MODE_WP,
		.flags = UFFD_PAGEFAULT_FLAG_WP | UFFD_PAGEFAULT_FLAG_WRITE,
		.write = 1,
	},
	[C_MINOR] = {
		.name = "MINOR fault on shmem, registered MINOR only",
		.features = UFFD_FEATURE_MINOR_SHMEM,
		.feature = "UFFD_FEATURE_MINOR_SHMEM",
		.mode = UFFDIO_REGISTER_MODE_MINOR,
		.flags = UFFD_PAGEFAULT_FLAG_MINOR,
	},
};

/* The flags of a fault message that tell the kinds apart. */
#define FAULT_FLAGS (UFFD_PAGEFAULT_FLAG_WRITE | UFFD_PAGEFAULT_FLAG_WP | \
		     UFFD_PAGEFAULT_FLAG_MINOR)

/* What the page holds before the touch, and what a WP touch writes. */
#define OLD_BYTE 0x11
#define COPY_BYTE 0x22
#define NEW_BYTE 0x33

struct faulter {
	char *area;
	int write;
	__u64 at_ns;		/* touch no earlier than this */
	__u64 touch_ns;	/* when it touched */
	atomic_int ready;	/* it runs, waiting for go */
	atomic_int go;
	atomic_int done;
	char sink;
};

/*
 * The monitor's and the faulting thread's CPUs, two different ones where
 * the process may run on two (else -1, not pinned): the touch must be
 * able to run while the monitor is in the ioctl.
 */
static int monitor_cpu = -1, faulter_cpu = -1;

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void pick_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (monitor_cpu < 0) {
			monitor_cpu = cpu;
		} else {
			faulter_cpu = cpu;
			return;
		}
	}
	monitor_cpu = -1;
}

static void *faulter_main(void *p)
{
	struct faulter *f = p;

	pin(faulter_cpu);
	atomic_store(&f->ready, 1);
	while (!atomic_load(&f->go))
		;
	while (mono_ns() < f->at_ns)
		;
	f->touch_ns = mono_ns();
	if (f->write)
		__atomic_store_n(f->area + LAST, NEW_BYTE, __ATOMIC_RELAXED);
	else
		f->sink = __atomic_load_n(f->area + LAST, __ATOMIC_RELAXED);
	atomic_store(&f->done, 1);
	return NULL;
}

struct result {
	unsigned long iters, stranded, stuck, errors;
	unsigned long early;	/* touches begun before the ioctl returned */
	char setup[160];	/* the registered touch's check, or why it failed */
	int setup_ok;
	char queued[120];	/* the queued waiter's check */
	int queued_ok;
	__u64 step_ns;		/* the touch's step */
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

/* Wakes every fault pending on @area, message read or not. */
static void wake_all(int uffd, char *area)
{
	struct uffdio_range r = { .start = (uintptr_t)area, .len = REGION };

	ioctl(uffd, UFFDIO_WAKE, &r);
}

/* A uffd with case @c's features: the fd or -errno. */
static int open_uffd(int c)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = cases[c].features };
	int uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (uffd < 0)
		return -errno;
	if (ioctl(uffd, UFFDIO_API, &api)) {
		int err = -errno;

		close(uffd);
		return err;
	}
	return uffd;
}

/*
 * Maps case @c's region into *@areap and registers it on @uffd (and
 * write-protects it in the WP modes); 0 or -errno, the region unmapped.
 */
static int prepare(int c, int uffd, char **areap)
{
	struct uffdio_register reg = { .mode = cases[c].mode };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	char *area, *src;
	size_t off;
	int fd, err;

	if (c == C_MINOR) {
		fd = memfd_create("uffdtest", MFD_CLOEXEC);
		if (fd < 0)
			return -errno;
		area = MAP_FAILED;
		src = MAP_FAILED;
		if (ftruncate(fd, REGION) == 0) {
			area = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
				    MAP_SHARED, fd, 0);
			src = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, LAST);
		}
		err = -errno;
		close(fd);
		if (src == MAP_FAILED) {
			if (area != MAP_FAILED)
				munmap(area, REGION);
			return err;
		}
		/* In the page cache; mapped through @src, not @area. */
		src[0] = OLD_BYTE;
		munmap(src, PAGE);
		if (area == MAP_FAILED)
			return err;
	} else {
		area = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area == MAP_FAILED)
			return -errno;
		/* MISSING leaves the last page unpopulated. */
		for (off = 0; off < REGION; off += PAGE)
			if (c == C_WP || off < LAST)
				area[off] = OLD_BYTE;
	}
	reg.range.start = (uintptr_t)area;
	reg.range.len = REGION;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		goto fail;
	if (cases[c].mode & UFFDIO_REGISTER_MODE_WP) {
		wp.range.start = (uintptr_t)area;
		wp.range.len = c == C_WP ? REGION : LAST;
		if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
			goto fail;
	}
	*areap = area;
	return 0;
fail:
	err = -errno;
	munmap(area, REGION);
	return err;
}

/* A uffd with case @c's area prepared and registered; -errno on failure. */
static int open_prepared(int c, char **areap)
{
	int uffd = open_uffd(c), err;

	if (uffd < 0)
		return uffd;
	err = prepare(c, uffd, areap);
	if (err) {
		close(uffd);
		return err;
	}
	return uffd;
}

/* Resolves case @c's fault at the last page of @area the way a monitor would. */
static int resolve(int c, int uffd, char *area)
{
	struct uffdio_copy copy = { 0 };
	struct uffdio_writeprotect wp = { 0 };
	struct uffdio_continue cont = { 0 };
	char *page;
	int ret;

	switch (c) {
	case C_MISSING:
		page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED)
			return -errno;
		memset(page, COPY_BYTE, PAGE);
		copy.dst = (uintptr_t)area + LAST;
		copy.src = (uintptr_t)page;
		copy.len = PAGE;
		ret = xioctl(uffd, UFFDIO_COPY, &copy);
		munmap(page, PAGE);
		return ret;
	case C_WP:
		wp.range.start = (uintptr_t)area + LAST;
		wp.range.len = PAGE;
		return xioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
	default:
		cont.range.start = (uintptr_t)area + LAST;
		cont.range.len = PAGE;
		return xioctl(uffd, UFFDIO_CONTINUE, &cont);
	}
}

/* Waits up to about 2 s for @f; true if it finished. */
static int finished(struct faulter *f)
{
	for (int spins = 0; !atomic_load(&f->done) && spins < 2000; spins++)
		usleep(1000);
	return atomic_load(&f->done);
}

/*
 * The touch with the range registered: the uffd reports the fault with
 * case @c's flags and address, and resolving it lets the thread finish
 * with the data the case expects.  Fills in @res->setup.
 */
static int setup_check(int c, struct result *res)
{
	const struct ucase *uc = &cases[c];
	struct pollfd pfd = { .events = POLLIN };
	struct faulter f = { .write = uc->write };
	struct uffd_msg msg = { 0 };
	struct uffdio_range range;
	int uffd, err = 0, got = 0;
	char *area = NULL;
	const char *bad;
	__u64 flags;
	pthread_t t;
	char want;

	uffd = open_prepared(c, &area);
	if (uffd < 0)
		return uffd;
	f.area = area;
	atomic_store(&f.go, 1);
	if (pthread_create(&t, NULL, faulter_main, &f)) {
		err = -EAGAIN;
		goto out;
	}
	pfd.fd = uffd;
	if (poll(&pfd, 1, 10000) == 1 && read(uffd, &msg, sizeof(msg)) ==
	    sizeof(msg))
		got = 1;
	flags = msg.arg.pagefault.flags;
	if (!got)
		bad = "no fault message within 10 s";
	else if (msg.event != UFFD_EVENT_PAGEFAULT)
		bad = "not a page-fault message";
	else if (msg.arg.pagefault.address != (uintptr_t)area + LAST)
		bad = "wrong address";
	else if ((flags & FAULT_FLAGS) != uc->flags)
		bad = "wrong flags";
	else if (resolve(c, uffd, area))
		bad = "resolving it failed";
	else
		bad = NULL;
	if (!bad && !finished(&f))
		bad = "the thread did not finish once it was resolved";
	if (!finished(&f)) {
		/* Unblock it to join it; the check has failed. */
		range.start = (uintptr_t)area;
		range.len = REGION;
		ioctl(uffd, UFFDIO_UNREGISTER, &range);
		while (!atomic_load(&f.done)) {
			drain(uffd, area);
			wake_all(uffd, area);
			usleep(1000);
		}
	}
	pthread_join(t, NULL);
	want = c == C_MISSING ? COPY_BYTE : c == C_WP ? NEW_BYTE : OLD_BYTE;
	if (!bad && (uc->write ? area[LAST] : f.sink) != want)
		bad = "wrong data after it was resolved";
	snprintf(res->setup, sizeof(res->setup),
		 "registered touch %s (flags %#llx)%s%s",
		 bad ? "FAILED:" : "reported and resolved",
		 (unsigned long long)flags, bad ? " " : "", bad ? bad : "");
	res->setup_ok = !bad;
out:
	close(uffd);
	munmap(area, REGION);
	return err;
}

/*
 * A waiter queued before UFFDIO_UNREGISTER: the thread touches the page
 * with the range registered, and once its fault message is on the uffd
 * (not read) the range is unregistered.  The unregister must wake it:
 * the uffd then holds no message and the thread finishes on its own.
 * Fills in @res->queued.
 */
static int queued_check(int c, struct result *res)
{
	struct pollfd pfd = { .events = POLLIN };
	struct faulter f = { .write = cases[c].write };
	struct uffdio_range range;
	unsigned long stranded;
	const char *bad = NULL;
	__u64 t0;
	char *area = NULL;
	int uffd;
	pthread_t t;

	uffd = open_prepared(c, &area);
	if (uffd < 0)
		return uffd;
	f.area = area;
	atomic_store(&f.go, 1);
	if (pthread_create(&t, NULL, faulter_main, &f)) {
		close(uffd);
		munmap(area, REGION);
		return -EAGAIN;
	}
	pfd.fd = uffd;
	if (poll(&pfd, 1, 10000) != 1)
		bad = "no fault message within 10 s";
	range.start = (uintptr_t)area;
	range.len = REGION;
	t0 = mono_ns();
	if (ioctl(uffd, UFFDIO_UNREGISTER, &range) && !bad)
		bad = "UFFDIO_UNREGISTER failed";
	/* Twice its duration in STEPS steps, within the bounds. */
	res->step_ns = (mono_ns() - t0) * 2 / STEPS;
	if (res->step_ns > STEP_NS)
		res->step_ns = STEP_NS;
	if (res->step_ns < MIN_STEP_NS)
		res->step_ns = MIN_STEP_NS;
	stranded = drain(uffd, area);
	if (stranded && !bad)
		bad = "stranded: its message was still on the uffd";
	if (!finished(&f)) {
		if (!bad)
			bad = "stuck: the thread did not finish";
		while (!atomic_load(&f.done)) {
			drain(uffd, area);
			wake_all(uffd, area);
			usleep(1000);
		}
	}
	pthread_join(t, NULL);
	snprintf(res->queued, sizeof(res->queued), "queued waiter %s%s",
		 bad ? "NOT woken by the unregister: " : "woken by the unregister",
		 bad ? bad : "");
	res->queued_ok = !bad;
	close(uffd);
	munmap(area, REGION);
	return 0;
}

/* Step of iteration @i of @n: through 0..STEPS-1, spread if @n < STEPS. */
static unsigned long touch_step(unsigned long i, unsigned long n)
{
	return n >= STEPS ? i % STEPS : i * STEPS / n;
}

static int one_iteration(int c, unsigned long i, unsigned long n,
			 struct result *res)
{
	struct faulter f = { .write = cases[c].write };
	struct uffdio_range range;
	__u64 t0, returned;
	char *area = NULL;
	pthread_t t;
	int uffd;

	uffd = open_prepared(c, &area);
	if (uffd < 0)
		return uffd;
	f.area = area;
	if (pthread_create(&t, NULL, faulter_main, &f)) {
		close(uffd);
		munmap(area, REGION);
		return -EAGAIN;
	}
	range.start = (uintptr_t)area;
	range.len = REGION;
	/* Running, so that step 0 touches as the ioctl starts. */
	while (!atomic_load(&f.ready))
		sched_yield();
	t0 = mono_ns();
	f.at_ns = t0 + touch_step(i, n) * res->step_ns;
	atomic_store(&f.go, 1);
	if (ioctl(uffd, UFFDIO_UNREGISTER, &range)) {
		res->errors++;
		drain(uffd, area);
	}
	returned = mono_ns();
	/* Anything queued now was not woken by the unregister. */
	res->stranded += drain(uffd, area);
	/* A fault left sleeping without a message would show here. */
	for (int spins = 0; !atomic_load(&f.done) && spins < 2000; spins++) {
		usleep(1000);
		res->stranded += drain(uffd, area);
	}
	if (!atomic_load(&f.done)) {
		res->stuck++;
		while (!atomic_load(&f.done)) {
			drain(uffd, area);
			wake_all(uffd, area);
			usleep(1000);
		}
	}
	pthread_join(t, NULL);
	if (f.touch_ns < returned)
		res->early++;
	close(uffd);
	munmap(area, REGION);
	res->iters++;
	return 0;
}

/* Case @c in a child, so that the opted-in mm goes away with it. */
static void run_case(int c, unsigned long iters, int optin)
{
	struct result *res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const char *how = optin ? "opted in" : "stock mmap_lock";
	const char *name = cases[c].name;
	int status, err = 0;
	double t0 = now_s();
	pid_t pid;

	if (res == MAP_FAILED) {
		tap(0, "uffd unregister, %s (%s): mmap: %s", name, how,
		    strerror(errno));
		return;
	}
	memset(res, 0, sizeof(*res));
	pid = fork();
	if (pid == 0) {
		if (optin) {
			struct alock_mm_ctl ctl = { .op = ALOCK_MM_OPTIN };
			int dev = open_dev();

			if (xioctl(dev, ALOCK_IOC_MM, &ctl))
				_exit(3);
			close(dev);
		}
		pin(monitor_cpu);
		err = setup_check(c, res);
		if (!err)
			err = queued_check(c, res);
		for (unsigned long i = 0; i < iters && !err; i++)
			err = one_iteration(c, i, iters, res);
		if (err)
			snprintf(res->setup, sizeof(res->setup), "%s",
				 strerror(-err));
		_exit(err ? 2 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		tap(0, "uffd unregister, %s (%s): fork/wait: %s", name, how,
		    strerror(errno));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		tap(0, "uffd unregister, %s (%s): child status %#x after %lu iterations: %s",
		    name, how, status, res->iters, res->setup);
		goto out;
	}
	tap(res->setup_ok && res->queued_ok && res->iters == iters &&
	    !res->stranded && !res->stuck && !res->errors,
	    "uffd unregister, %s (%s), leaves no fault pending: %s; %s; %lu iterations in %.1f s (touch in %llu us steps, %lu began before the ioctl returned), %lu stranded, %lu stuck, %lu ioctl errors",
	    name, how, res->setup, res->queued, res->iters, now_s() - t0,
	    (unsigned long long)res->step_ns / 1000, res->early,
	    res->stranded, res->stuck, res->errors);
out:
	munmap(res, sizeof(*res));
}

/*
 * Why case @c cannot run on this kernel (UFFDIO_API with no features
 * reports every feature it offers), or NULL.
 */
static const char *unsupported(int c, char *why, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	int uffd, fd;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0) {
		snprintf(why, len, "userfaultfd(): %s (CONFIG_USERFAULTFD)",
			 strerror(errno));
		return why;
	}
	if (ioctl(uffd, UFFDIO_API, &api)) {
		snprintf(why, len, "UFFDIO_API: %s", strerror(errno));
		close(uffd);
		return why;
	}
	close(uffd);
	if ((api.features & cases[c].features) != cases[c].features) {
		snprintf(why, len, "the kernel offers no %s (UFFDIO_API features %#llx)",
			 cases[c].feature, (unsigned long long)api.features);
		return why;
	}
	if (c == C_MINOR) {
		fd = memfd_create("uffdtest", MFD_CLOEXEC);
		if (fd < 0) {
			snprintf(why, len, "memfd_create(): %s (CONFIG_MEMFD_CREATE)",
				 strerror(errno));
			return why;
		}
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long iters, per_case;
	char why[160];

	if (argc != 3 || strcmp(argv[1], "unreg")) {
		fprintf(stderr, "usage: %s unreg ITERATIONS\n", argv[0]);
		return 2;
	}
	iters = strtoul(argv[2], NULL, 0);
	if (!iters) {
		fprintf(stderr, "%s: ITERATIONS must be > 0\n", argv[0]);
		return 2;
	}
	per_case = (iters + NR_CASES - 1) / NR_CASES;
	pick_cpus();
	if (faulter_cpu < 0)
		printf("# uffdtest: one CPU, the threads are not pinned\n");
	else
		printf("# uffdtest: the monitor on CPU %d, the faulting thread on CPU %d\n",
		       monitor_cpu, faulter_cpu);
	fflush(stdout);
	for (int optin = 0; optin <= 1; optin++) {
		for (int c = 0; c < NR_CASES; c++) {
			const char *how = optin ? "opted in" : "stock mmap_lock";

			if (unsupported(c, why, sizeof(why)))
				tap(1, "uffd unregister, %s (%s) # SKIP %s",
				    cases[c].name, how, why);
			else
				run_case(c, per_case, optin);
		}
	}
	return failures ? 1 : 0;
}
