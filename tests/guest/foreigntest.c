// SPDX-License-Identifier: GPL-2.0
/*
 * foreigntest: readers of another process's address space exclude that
 * process's mmap_lock writers (issue 16, the mm lock domain;
 * Documentation/prwlock-mm.rst).
 *
 *   foreigntest SECONDS [stock|optin]   TAP lines (run.sh numbers them) for
 *                                       the lock named, or for both (stock
 *                                       first), SECONDS of reading each
 *
 * A child process (opted in to alock's prwlock for "optin") runs three
 * writer threads that change its address space under the mmap write lock,
 * at fixed addresses far from any other mapping:
 *  - a pre-filled page moves from X to Y and back (mremap() with
 *    MREMAP_FIXED moves its page tables under the write lock);
 *  - the middle 4 pages of an 8-page region S are mprotect()ed read-only
 *    and back (one VMA split into three, merged into one again);
 *  - the middle 8 pages of a 16-page PROT_NONE reservation M are replaced
 *    by a writable mapping (MAP_FIXED, touched) and back.
 * The parent, another mm and so a foreign reader of the child's, runs one
 * thread of each kind of reader on every CPU:
 *  - process_vm_readv() of X and Y in turn (GUP of another mm; skipped
 *    where the kernel has no CONFIG_CROSS_MEMORY_ATTACH);
 *  - pread() of X and Y from /proc/PID/mem (access_remote_vm(): GUP);
 *  - pread() of the page table entries of X..Y from /proc/PID/pagemap (a
 *    page-table walk under one hold; X and Y lie in one PMD);
 *  - read() of /proc/PID/maps (6.12 produces each read() under one hold;
 *    since 6.17 maps is read under per-VMA locks instead, and a chunk is no
 *    longer one snapshot: this check fails there, as it does on a 6.18 host).
 * A page read is either refused (not mapped: EFAULT, EIO) or returns exactly
 * the pattern; a reader let in while the page tables move faults the zero
 * page into the VMA the page has left or is about to enter and reads zeros.
 * pagemap shows the page at exactly one of X and Y, mapped once; a walk
 * that overlaps a move sees it at both or neither (the walk locks the page
 * table once per VMA), or the zero page.  A maps chunk that covers a region
 * shows it in one of its two states: the page at exactly one of X and Y, S
 * as one VMA or as three, M as one reservation or as three VMAs; a half-done
 * change shows another shape.  Every thread must have read, and the page
 * checks must have seen the page.
 *
 * The child runs on one CPU only: on x86 the writer of an opted-in mm needs
 * consensus only over mm_cpumask(mm), so readers on the other CPUs are
 * outside its domain, and a foreign reader there that took a passive hold
 * would not be waited for.
 *
 * After the run the child reports its own mm's status (ALOCK_MM_STATUS):
 * opted in or not as asked, the writes that went through the prwlock, and
 * its read unlocks that took the active path.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define PAGE 4096UL
#define WORDS (PAGE / 8)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
/* Far above the binary and its heap, far below the mmap area. */
#define BASE 0x100000000000UL
#define R_XY BASE			/* 16 pages PROT_NONE around X and Y */
#define X_AT (R_XY + 4 * PAGE)
#define Y_AT (R_XY + 10 * PAGE)
#define R_S (BASE + 32 * PAGE)		/* 8 pages, the middle 4 mprotect()ed */
#define R_M (BASE + 64 * PAGE)		/* 16 pages, the middle 8 remapped */
#define MAX_CPUS 64
#define CHUNK (64 * 1024)

/* The moved page's words (unsigned long is 64-bit on the x86-64 guests) */
static unsigned long pat(size_t i)
{
	return 0xa110c0de00000000UL | i;
}

/* Shared with the child (MAP_SHARED): its set-up, counts and status. */
struct ctl {
	atomic_int ready;	/* child: 1 set up and writing, -1 failed */
	atomic_int stop;	/* parent: stop writing */
	atomic_int done;	/* child: everything below is final */
	long moves, mprotects, remaps, errors;
	char what[96];		/* first error */
	struct alock_mm_ctl st0, st1;	/* child's status before and after */
};

static struct ctl *ctl;
static pid_t child_pid;

/* ---- the child: writers ---- */

static void cerr(const char *what, long a)
{
	if (__atomic_fetch_add(&ctl->errors, 1, __ATOMIC_RELAXED) == 0)
		snprintf(ctl->what, sizeof(ctl->what), "%s (%ld)", what, a);
}

/* The page moves X -> Y -> X ...; its contents move with it. */
static void *w_move(void *arg)
{
	unsigned long *at = (unsigned long *)X_AT, *to = (unsigned long *)Y_AT, *t;
	long n = 0;

	(void)arg;
	while (!atomic_load(&ctl->stop)) {
		if (mremap(at, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, to) != to) {
			cerr("mremap", errno);
			break;
		}
		if (to[0] != pat(0) || to[WORDS - 1] != pat(WORDS - 1))
			cerr("moved page data", (long)to[0]);
		t = at;
		at = to;
		to = t;
		n++;
	}
	ctl->moves = n;
	return NULL;
}

static void *w_mprotect(void *arg)
{
	long n = 0;

	(void)arg;
	while (!atomic_load(&ctl->stop)) {
		if (mprotect((void *)(R_S + 2 * PAGE), 4 * PAGE, n & 1 ? RW : PROT_READ)) {
			cerr("mprotect", errno);
			break;
		}
		n++;
	}
	ctl->mprotects = n;
	return NULL;
}

static void *w_remap(void *arg)
{
	void *at = (void *)(R_M + 4 * PAGE);
	long n = 0;

	(void)arg;
	while (!atomic_load(&ctl->stop)) {
		if (mmap(at, 8 * PAGE, RW, ANON | MAP_FIXED, -1, 0) != at) {
			cerr("mmap", errno);
			break;
		}
		__atomic_store_n((char *)at, 1, __ATOMIC_RELAXED);	/* a fault of its own */
		if (mmap(at, 8 * PAGE, PROT_NONE, ANON | MAP_FIXED, -1, 0) != at) {
			cerr("mmap PROT_NONE", errno);
			break;
		}
		n++;
	}
	ctl->remaps = n;
	return NULL;
}

static struct alock_mm_ctl child_status(int dev)
{
	struct alock_mm_ctl c = { .op = ALOCK_MM_STATUS };
	int r = xioctl(dev, ALOCK_IOC_MM, &c);

	if (r)
		cerr("ALOCK_MM_STATUS", r);
	return c;
}

static void child_fail(const char *what, long a)
{
	snprintf(ctl->what, sizeof(ctl->what), "%s (%ld)", what, a);
	atomic_store(&ctl->ready, -1);
	_exit(1);
}

/* The regions: nothing may be mapped there yet (MAP_FIXED_NOREPLACE). */
static void child_setup(void)
{
	const int nr = ANON | MAP_FIXED_NOREPLACE;
	unsigned long *x;

	if (mmap((void *)R_XY, 16 * PAGE, PROT_NONE, nr, -1, 0) != (void *)R_XY ||
	    mmap((void *)R_M, 16 * PAGE, PROT_NONE, nr, -1, 0) != (void *)R_M ||
	    mmap((void *)R_S, 8 * PAGE, RW, nr, -1, 0) != (void *)R_S)
		child_fail("mmap of the regions", errno);
	x = mmap((void *)X_AT, PAGE, RW, ANON | MAP_FIXED, -1, 0);
	if (x != (void *)X_AT || munmap((void *)Y_AT, PAGE))
		child_fail("mmap X, unmap Y", errno);
	for (size_t i = 0; i < WORDS; i++)
		x[i] = pat(i);
	memset((void *)R_S, 1, 8 * PAGE);
}

static void child_main(int optin)
{
	void *(*fn[3])(void *) = { w_move, w_mprotect, w_remap };
	pthread_t t[3];
	int dev;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	dev = open(ALOCK_DEVICE, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		child_fail("open " ALOCK_DEVICE, errno);
	if (optin) {
		struct alock_mm_ctl c = { .op = ALOCK_MM_OPTIN };
		int r = xioctl(dev, ALOCK_IOC_MM, &c);

		if (r)
			child_fail("ALOCK_MM_OPTIN", r);
	}
	ctl->st0 = child_status(dev);
	child_setup();
	for (int i = 0; i < 3; i++)
		if (pthread_create(&t[i], NULL, fn[i], NULL))
			child_fail("pthread_create", i);
	atomic_store(&ctl->ready, 1);
	while (!atomic_load(&ctl->stop))
		usleep(1000);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	ctl->st1 = child_status(dev);
	atomic_store(&ctl->done, 1);
	/* The parent kills and reaps the child. */
	for (;;)
		pause();
}

/* ---- the parent: foreign readers ---- */

enum kind { K_VM, K_MEM, K_PAGEMAP, K_MAPS, NR_KINDS };
static const char *const kind_name[NR_KINDS] = {
	"process_vm_readv", "/proc/PID/mem", "/proc/PID/pagemap", "/proc/PID/maps"
};

struct reader {
	pthread_t t;
	enum kind kind;
	int cpu;
	long reads;		/* that took the mmap_lock (see run()) */
	long at[2];		/* page reads that found the page at X, at Y */
	long seen[3];		/* maps chunks that covered XY, S, M */
	long bad;
	char what[160];		/* first failure */
};

static atomic_int rstop;

static void rbad(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->bad++)
		return;
	/* The child runs on the first CPU: the others are outside its domain. */
	n = snprintf(r->what, sizeof(r->what), "cpu %d: ", r->cpu);
	va_start(ap, fmt);
	vsnprintf(r->what + n, sizeof(r->what) - n, fmt, ap);
	va_end(ap);
}

/*
 * A read of the page at @at returned @n bytes (or -1 with @err): all of
 * the page, or nothing with @unmapped_err.
 */
static void page_result(struct reader *r, const unsigned long *buf, ssize_t n, int err,
			int unmapped_err, unsigned long at)
{
	if (n == (ssize_t)PAGE) {
		for (size_t i = 0; i < WORDS; i++)
			if (buf[i] != pat(i)) {
				rbad(r, "%#lx word %zu is %#lx, not %#lx", at, i, buf[i], pat(i));
				break;
			}
		r->at[at == Y_AT]++;
		r->reads++;
	} else if (n < 0 && err == unmapped_err) {
		r->reads++;
	} else {
		rbad(r, "%#lx: returned %zd (%s)", at, n, n < 0 ? strerror(err) : "short");
	}
}

/* Opens /proc/<child>/@name, or reports why not. */
static int open_proc(struct reader *r, const char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", child_pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		rbad(r, "open %s: %s", path, strerror(errno));
	return fd;
}

/* process_vm_readv() (GUP) or /proc/PID/mem (GUP) of X and Y in turn. */
static void read_pages(struct reader *r)
{
	unsigned long buf[WORDS];
	int fd = -1;

	if (r->kind == K_MEM) {
		fd = open_proc(r, "mem");
		if (fd < 0)
			return;
	}
	for (unsigned long i = 0; !atomic_load(&rstop) && !r->bad; i++) {
		unsigned long at = i & 1 ? Y_AT : X_AT;
		ssize_t n;

		memset(buf, 0xee, sizeof(buf));
		if (r->kind == K_VM) {
			struct iovec l = { buf, PAGE }, rem = { (void *)at, PAGE };

			n = process_vm_readv(child_pid, &l, 1, &rem, 1, 0);
			page_result(r, buf, n, errno, EFAULT, at);
		} else {
			n = pread(fd, buf, PAGE, (off_t)at);
			page_result(r, buf, n, errno, EIO, at);
		}
	}
	if (fd >= 0)
		close(fd);
}

/* /proc/PID/pagemap bits (Documentation/admin-guide/mm/pagemap.rst) */
#define BIT(n) (1UL << (n))
#define PM_PRESENT BIT(63)
#define PM_SWAP BIT(62)			/* a migration entry, here */
#define PM_FILE BIT(61)
#define PM_EXCLUSIVE BIT(56)

/*
 * The page table entries of X..Y, one page-table walk under one hold (one
 * PMD): the page is at exactly one of X and Y, mapped once, not the zero
 * page; the PROT_NONE pages between have none.
 */
static void read_pagemap(struct reader *r)
{
	enum { N = (Y_AT - X_AT) / PAGE + 1 };
	unsigned long e[N];
	int fd = open_proc(r, "pagemap");

	if (fd < 0)
		return;
	while (!atomic_load(&rstop) && !r->bad) {
		ssize_t n = pread(fd, e, sizeof(e), (off_t)(X_AT / PAGE * sizeof(e[0])));
		int x, y;
		unsigned long p;

		if (n != (ssize_t)sizeof(e)) {
			rbad(r, "pagemap read returned %zd (%s)", n, n < 0 ? strerror(errno) : "");
			break;
		}
		r->reads++;
		x = !!(e[0] & (PM_PRESENT | PM_SWAP));
		y = !!(e[N - 1] & (PM_PRESENT | PM_SWAP));
		p = x ? e[0] : e[N - 1];
		if (x + y != 1 || (p & PM_FILE) || ((p & PM_PRESENT) && !(p & PM_EXCLUSIVE))) {
			rbad(r, "pagemap X %#lx, Y %#lx", e[0], e[N - 1]);
			break;
		}
		for (int i = 1; i < N - 1; i++)
			if (e[i] & (PM_PRESENT | PM_SWAP))
				rbad(r, "pagemap %#lx: %#lx", X_AT + i * PAGE, e[i]);
		r->at[y]++;
	}
	close(fd);
}

struct vma {
	unsigned long start, end;
	char perms[5];
};

/* The states a region may be seen in: up to 4 VMAs each, end 0 ends. */
struct shape {
	struct vma v[4];
};

#define V(s, e, p) { (s), (e), p }
static const struct shape xy_shapes[2] = {
	{ { V(R_XY, X_AT, "---p"), V(X_AT, X_AT + PAGE, "rw-p"),
	    V(X_AT + PAGE, Y_AT, "---p"), V(Y_AT + PAGE, R_XY + 16 * PAGE, "---p") } },
	{ { V(R_XY, X_AT, "---p"), V(X_AT + PAGE, Y_AT, "---p"),
	    V(Y_AT, Y_AT + PAGE, "rw-p"), V(Y_AT + PAGE, R_XY + 16 * PAGE, "---p") } },
};

static const struct shape s_shapes[2] = {
	{ { V(R_S, R_S + 8 * PAGE, "rw-p") } },
	{ { V(R_S, R_S + 2 * PAGE, "rw-p"), V(R_S + 2 * PAGE, R_S + 6 * PAGE, "r--p"),
	    V(R_S + 6 * PAGE, R_S + 8 * PAGE, "rw-p") } },
};

static const struct shape m_shapes[2] = {
	{ { V(R_M, R_M + 16 * PAGE, "---p") } },
	{ { V(R_M, R_M + 4 * PAGE, "---p"), V(R_M + 4 * PAGE, R_M + 12 * PAGE, "rw-p"),
	    V(R_M + 12 * PAGE, R_M + 16 * PAGE, "---p") } },
};

/* The VMAs of @vs[0..n) inside [lo, hi) match one of @shapes. */
static int region_ok(const struct vma *vs, int n, unsigned long lo, unsigned long hi,
		     const struct shape *shapes, int nshapes)
{
	for (int s = 0; s < nshapes; s++) {
		int k = 0, match = 1;

		for (int i = 0; i < n && match; i++) {
			const struct vma *w = &shapes[s].v[k];

			if (vs[i].end <= lo || vs[i].start >= hi)
				continue;
			match = k < 4 && w->end && vs[i].start == w->start && vs[i].end == w->end &&
				!strcmp(vs[i].perms, w->perms);
			k++;
		}
		if (match && (k == 4 || !shapes[s].v[k].end))
			return 1;
	}
	return 0;
}

/* One read() of the maps file: well-formed lines, the regions as a whole. */
static void check_chunk(struct reader *r, char *buf, ssize_t len, struct vma *vs, int max)
{
	static const struct {
		unsigned long lo, hi;
		const struct shape *shapes;
		const char *name;
	} regions[3] = {
		{ R_XY, R_XY + 16 * PAGE, xy_shapes, "X/Y" },
		{ R_S, R_S + 8 * PAGE, s_shapes, "S" },
		{ R_M, R_M + 16 * PAGE, m_shapes, "M" },
	};
	char *line, *nl, msg[sizeof(r->what)];
	int n = 0;

	if (buf[len - 1] != '\n') {
		rbad(r, "maps chunk of %zd bytes ends inside a line", len);
		return;
	}
	buf[len] = 0;
	for (line = buf; *line; line = nl + 1) {
		struct vma v = { 0 };
		int used = 0;

		nl = strchr(line, '\n');
		*nl = 0;
		if (n == max ||
		    sscanf(line, "%lx-%lx %4s %*x %*x:%*x %*u%n", &v.start, &v.end, v.perms,
			   &used) != 3 || !used || v.start >= v.end || strlen(v.perms) != 4 ||
		    strspn(v.perms, "rwxps-") != 4 || (v.perms[3] != 'p' && v.perms[3] != 's') ||
		    (n && v.start < vs[n - 1].end)) {
			rbad(r, "maps line %d \"%.60s\" after %lx-%lx", n, line,
			     n ? vs[n - 1].start : 0, n ? vs[n - 1].end : 0);
			return;
		}
		vs[n++] = v;
	}
	for (int i = 0; i < 3; i++) {
		size_t m;

		/* Consecutive lines are consecutive VMAs under one hold. */
		if (vs[0].start > regions[i].lo || vs[n - 1].end < regions[i].hi)
			continue;
		r->seen[i]++;
		if (region_ok(vs, n, regions[i].lo, regions[i].hi, regions[i].shapes, 2))
			continue;
		m = snprintf(msg, sizeof(msg), "region %s:", regions[i].name);
		for (int k = 0; k < n && m < sizeof(msg); k++)
			if (vs[k].end > regions[i].lo && vs[k].start < regions[i].hi)
				m += snprintf(msg + m, sizeof(msg) - m, " %lx-%lx %s", vs[k].start,
					      vs[k].end, vs[k].perms);
		rbad(r, "%s", msg);
		return;
	}
}

static void read_maps(struct reader *r)
{
	char *buf = malloc(CHUNK + 1);
	struct vma *vs = calloc(CHUNK / 24, sizeof(*vs));
	ssize_t n;
	int fd = open_proc(r, "maps");

	if (fd < 0 || !buf || !vs) {
		if (fd >= 0)
			close(fd);
		rbad(r, "maps: out of memory");
		free(buf);
		free(vs);
		return;
	}
	while (!atomic_load(&rstop) && !r->bad) {
		if (lseek(fd, 0, SEEK_SET)) {
			rbad(r, "lseek: %s", strerror(errno));
			break;
		}
		while ((n = read(fd, buf, CHUNK)) > 0 && !r->bad) {
			r->reads++;
			check_chunk(r, buf, n, vs, CHUNK / 24);
		}
		if (n < 0)
			rbad(r, "read maps: %s", strerror(errno));
	}
	close(fd);
	free(buf);
	free(vs);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	if (r->kind == K_MAPS)
		read_maps(r);
	else if (r->kind == K_PAGEMAP)
		read_pagemap(r);
	else
		read_pages(r);
	return NULL;
}

/* The CPUs this process may run on. */
static int cpu_list(int *cpus)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < MAX_CPUS; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

static void pin(pthread_attr_t *a, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_attr_setaffinity_np(a, sizeof(set), &set);
}

static void on_alarm(int sig)
{
	static const char msg[] = "not ok - foreigntest: timed out\n";

	(void)sig;
	if (child_pid > 0)
		kill(child_pid, SIGKILL);
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* Whether this kernel has process_vm_readv() (CONFIG_CROSS_MEMORY_ATTACH). */
static int have_vm_readv(void)
{
	static unsigned long word = 1;
	unsigned long got = 0;
	struct iovec l = { &got, sizeof(got) }, rem = { &word, sizeof(word) };

	return process_vm_readv(getpid(), &l, 1, &rem, 1, 0) == sizeof(got) && got == word;
}

/* Waits up to @secs for *@flag to become nonzero; returns it. */
static int wait_flag(atomic_int *flag, double secs)
{
	double end = now_s() + secs;

	while (!atomic_load(flag) && now_s() < end)
		usleep(1000);
	return atomic_load(flag);
}

static void run(int optin, double secs)
{
	static struct reader rs[NR_KINDS * MAX_CPUS];
	const char *how = optin ? "optin" : "stock";
	int cpus[MAX_CPUS], ncpu = cpu_list(cpus), nr = 0, st = 0, reaped, vm = have_vm_readv();
	long total[NR_KINDS] = { 0 }, at[NR_KINDS][2] = { { 0 } }, fewest[NR_KINDS];
	long seen[3] = { 0 }, bad[NR_KINDS] = { 0 }, foreign = 0;
	const char *what[NR_KINDS] = { "", "", "", "" };
	cpu_set_t all, one;
	pthread_attr_t a;

	ctl = mmap(NULL, sizeof(*ctl), RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED || !ncpu) {
		tap(0, "foreign (%s): set-up: %s", how, strerror(errno));
		return;
	}
	memset(ctl, 0, sizeof(*ctl));
	/* The child is born on, and stays on, the first CPU. */
	sched_getaffinity(0, sizeof(all), &all);
	CPU_ZERO(&one);
	CPU_SET(cpus[0], &one);
	sched_setaffinity(0, sizeof(one), &one);
	child_pid = fork();
	if (child_pid == 0)
		child_main(optin);
	sched_setaffinity(0, sizeof(all), &all);
	if (child_pid < 0 || wait_flag(&ctl->ready, 30) != 1) {
		tap(0, "foreign (%s): child set up: %s", how,
		    child_pid < 0 ? strerror(errno) : ctl->what);
		goto out;
	}

	/* One reader of each kind on every CPU. */
	atomic_store(&rstop, 0);
	memset(rs, 0, sizeof(rs));
	pthread_attr_init(&a);
	for (int c = 0; c < ncpu; c++)
		for (int k = vm ? 0 : 1; k < NR_KINDS; k++, nr++) {
			rs[nr].kind = k;
			rs[nr].cpu = cpus[c];
			pin(&a, cpus[c]);
			if (pthread_create(&rs[nr].t, &a, reader_main, &rs[nr])) {
				rbad(&rs[nr], "pthread_create");
				atomic_store(&rstop, 1);
				break;
			}
		}
	pthread_attr_destroy(&a);
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&rstop, 1);
	for (int i = 0; i < nr; i++)
		pthread_join(rs[i].t, NULL);
	atomic_store(&ctl->stop, 1);
	wait_flag(&ctl->done, 30);

	for (int k = 0; k < NR_KINDS; k++)
		fewest[k] = -1;
	for (int i = 0; i < nr; i++) {
		struct reader *r = &rs[i];
		int k = r->kind;

		total[k] += r->reads;
		at[k][0] += r->at[0];
		at[k][1] += r->at[1];
		bad[k] += r->bad;
		/*
		 * Each read counted took the child's mmap_lock for read at
		 * least once: process_vm_readv() and /proc/PID/mem also when
		 * the address was not mapped (EFAULT, EIO come from GUP under
		 * the lock), pagemap twice, maps at least once a chunk.
		 */
		foreign += r->reads;
		if (fewest[k] < 0 || r->reads < fewest[k])
			fewest[k] = r->reads;
		if (r->bad && !*what[k])
			what[k] = r->what;
		for (int j = 0; j < 3; j++)
			seen[j] += r->seen[j];
	}
	if (optin)
		tap(ctl->done && ctl->st1.opted_in == 1,
		    "foreign (optin): the child's mm is opted in (opted_in=%u)", ctl->st1.opted_in);
	else
		tap(ctl->done && ctl->st1.opted_in == 0,
		    "foreign (stock): the child's mm is not opted in (opted_in=%u)",
		    ctl->st1.opted_in);
	tap(ctl->done && !ctl->errors && ctl->moves > 0 && ctl->mprotects > 0 && ctl->remaps > 0,
	    "foreign (%s): child writers on CPU %d: %ld moves X<->Y, %ld mprotects, %ld remaps, %ld errors %s",
	    how, cpus[0], ctl->moves, ctl->mprotects, ctl->remaps, ctl->errors, ctl->what);
	for (int k = 0; k < K_MAPS; k++) {
		if (k == K_VM && !vm) {
			printf("ok - foreign (%s): %s # SKIP not in this kernel (%s)\n", how,
			       kind_name[k], "CONFIG_CROSS_MEMORY_ATTACH");
			continue;
		}
		tap(!bad[k] && fewest[k] > 0 && at[k][0] + at[k][1] > 0,
		    "foreign (%s): %s of X and Y from %d CPUs: %ld reads (fewest %ld), the page at X %ld, at Y %ld times, %ld bad %s",
		    how, kind_name[k], ncpu, total[k], fewest[k], at[k][0], at[k][1], bad[k],
		    what[k]);
	}
	tap(!bad[K_MAPS] && fewest[K_MAPS] > 0 && seen[0] > 0 && seen[1] > 0 && seen[2] > 0,
	    "foreign (%s): %s from %d CPUs: %ld reads (fewest %ld), covering X/Y %ld, S %ld, M %ld times, %ld bad %s",
	    how, kind_name[K_MAPS], ncpu, total[K_MAPS], fewest[K_MAPS], seen[0], seen[1], seen[2],
	    bad[K_MAPS], what[K_MAPS]);
	if (optin) {
		unsigned long long w = ctl->st1.writes - ctl->st0.writes;
		unsigned long long au = ctl->st1.active_unlocks - ctl->st0.active_unlocks;
		long ops = ctl->moves + ctl->mprotects + 2 * ctl->remaps;

		/* Each move, mprotect and mmap took the prwlock's write side. */
		tap(ctl->done && w >= (unsigned long long)ops,
		    "foreign (optin): %llu write acquisitions of the child's prwlock >= %ld writer calls",
		    w, ops);
		/*
		 * Depends on the mm lock domain (issue 16): a reader whose
		 * current->mm is not the lock's mm takes the active path, so
		 * each foreign read ends in at least one active unlock.
		 * Before that change foreign readers take passive holds, and
		 * only those that slept or were preempted count: this fails.
		 */
		tap(ctl->done && au >= (unsigned long long)foreign,
		    "foreign (optin): %llu active read unlocks >= %ld foreign reads", au, foreign);
	}
	printf("# foreign %s: reads vm=%ld mem=%ld pagemap=%ld maps=%ld, moves=%ld, ", how,
	       total[K_VM], total[K_MEM], total[K_PAGEMAP], total[K_MAPS], ctl->moves);
	printf("active_unlocks=%llu\n",
	       (unsigned long long)(ctl->st1.active_unlocks - ctl->st0.active_unlocks));
out:
	if (child_pid > 0) {
		kill(child_pid, SIGKILL);
		reaped = waitpid(child_pid, &st, 0) == child_pid;
		tap(reaped && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		    "foreign (%s): the child lived to the end, killed and reaped (status %#x)", how,
		    st);
	}
	child_pid = 0;
	munmap(ctl, sizeof(*ctl));
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0;
	const char *which = argc > 2 ? argv[2] : "both";
	int stock = !strcmp(which, "stock") || !strcmp(which, "both");
	int optin = !strcmp(which, "optin") || !strcmp(which, "both");

	if (argc < 2 || argc > 3 || secs <= 0 || secs > 3600 || !(stock || optin)) {
		fprintf(stderr, "usage: %s SECONDS [stock|optin]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	close(open_dev());	/* a failed check and exit without the module */
	signal(SIGALRM, on_alarm);
	/* Set-up and teardown take seconds; a hang must not stall the run. */
	alarm((unsigned int)(2 * secs) + 120);
	if (stock)
		run(0, secs);
	if (optin)
		run(1, secs);
	return failures ? 1 : 0;
}
