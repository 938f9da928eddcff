// SPDX-License-Identifier: GPL-2.0
/*
 * alocktest: guest-side checks of /dev/alock against the uapi header.
 *
 * Prints one TAP line per check without a number ("ok - what",
 * "not ok - what", "ok - what # SKIP why"); tests/guest/run.sh numbers
 * them.  Exit status: 0 if every check passed, 1 otherwise, 2 for usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>

#include <linux/alock.h>
#include <linux/capability.h>

#include "tap.h"
#include "bench_json.h"

/* The layout user space relies on; the module asserts the same sizes. */
_Static_assert(sizeof(struct alock_version) == 56, "alock_version size");
_Static_assert(sizeof(struct alock_abi_entry) == 8, "alock_abi_entry size");
_Static_assert(sizeof(struct alock_abi) == 16, "alock_abi size");
_Static_assert(sizeof(struct alock_selftest) == 64, "alock_selftest size");
_Static_assert(sizeof(struct alock_stress) == 400, "alock_stress size");
_Static_assert(sizeof(struct alock_mrlock) == 432, "alock_mrlock size");
_Static_assert(sizeof(struct alock_txn) == 112, "alock_txn size");
_Static_assert(sizeof(struct alock_rwstress) == 808, "alock_rwstress size");
_Static_assert(sizeof(struct alock_rwwake) == 40, "alock_rwwake size");
_Static_assert(sizeof(struct alock_rwcost) == 16, "alock_rwcost size");

static void expect_err(int fd, unsigned long cmd, void *arg, int err,
		       const char *what)
{
	int r = xioctl(fd, cmd, arg);

	tap(r == -err, "%s -> %s (got %s)", what, strerror(err),
	    r < 0 ? strerror(-r) : "success");
}

static int cmd_version(int fd)
{
	struct alock_version v;
	int r;

	memset(&v, 0xff, sizeof(v));
	r = xioctl(fd, ALOCK_IOC_VERSION, &v);
	tap(r == 0, "ALOCK_IOC_VERSION succeeds");
	if (r)
		return 1;
	v.module_version[sizeof(v.module_version) - 1] = 0;
	printf("# module %s, ABI %u, %u CPUs, %u lock types, %u self-tests, features %#llx\n",
	       v.module_version, v.abi_version, v.nr_cpus, v.nr_locks,
	       v.nr_tests, (unsigned long long)v.features);
	tap(v.abi_version == ALOCK_ABI_VERSION, "module ABI %u == header ABI %u",
	    v.abi_version, ALOCK_ABI_VERSION);
	tap(v.nr_cpus == (unsigned int)sysconf(_SC_NPROCESSORS_ONLN),
	    "module sees %u CPUs, user space %ld", v.nr_cpus,
	    sysconf(_SC_NPROCESSORS_ONLN));
	tap(v.nr_locks >= ALOCK_LOCK_MUTEX && v.nr_tests > 0,
	    "module reports lock types and self-tests");
	if (getenv("ALOCK_REQUIRE_LOCKDEP"))
		tap(v.features & ALOCK_FEAT_LOCKDEP, "test kernel has lockdep");
	return 0;
}

/* Every command of the header must be in the module's table, identical. */
static int cmd_abi(int fd)
{
	static const struct { const char *name; struct alock_abi_entry e; } hdr[] = {
		{ "ALOCK_IOC_VERSION", { ALOCK_IOC_VERSION, sizeof(struct alock_version) } },
		{ "ALOCK_IOC_ABI", { ALOCK_IOC_ABI, sizeof(struct alock_abi) } },
		{ "ALOCK_IOC_SELFTEST", { ALOCK_IOC_SELFTEST, sizeof(struct alock_selftest) } },
		{ "ALOCK_IOC_STRESS", { ALOCK_IOC_STRESS, sizeof(struct alock_stress) } },
		{ "ALOCK_IOC_MRLOCK", { ALOCK_IOC_MRLOCK, sizeof(struct alock_mrlock) } },
		{ "ALOCK_IOC_TXN", { ALOCK_IOC_TXN, sizeof(struct alock_txn) } },
		{ "ALOCK_IOC_RWSTRESS", { ALOCK_IOC_RWSTRESS, sizeof(struct alock_rwstress) } },
		{ "ALOCK_IOC_RWWAKE", { ALOCK_IOC_RWWAKE, sizeof(struct alock_rwwake) } },
		{ "ALOCK_IOC_RWCOST", { ALOCK_IOC_RWCOST, sizeof(struct alock_rwcost) } },
		{ "ALOCK_IOC_CLUSTER_JOIN", { ALOCK_IOC_CLUSTER_JOIN, sizeof(struct alock_cluster_join) } },
		{ "ALOCK_IOC_CLUSTER_LEAVE", { ALOCK_IOC_CLUSTER_LEAVE, 0 } },
		{ "ALOCK_IOC_CLUSTER_STATUS", { ALOCK_IOC_CLUSTER_STATUS, sizeof(struct alock_cluster_status) } },
		{ "ALOCK_IOC_RDMA_OP", { ALOCK_IOC_RDMA_OP, sizeof(struct alock_rdma_op) } },
		{ "ALOCK_IOC_RDMA_STRESS", { ALOCK_IOC_RDMA_STRESS, sizeof(struct alock_rdma_stress) } },
		{ "ALOCK_IOC_RDMA_BENCH", { ALOCK_IOC_RDMA_BENCH, sizeof(struct alock_rdma_bench) } },
		{ "ALOCK_IOC_TABLE", { ALOCK_IOC_TABLE, sizeof(struct alock_table_ctl) } },
		{ "ALOCK_IOC_DLOCK_RUN", { ALOCK_IOC_DLOCK_RUN, sizeof(struct alock_dlock_run) } },
		{ "ALOCK_IOC_DLOCK_LOCK", { ALOCK_IOC_DLOCK_LOCK, sizeof(struct alock_dlock_key) } },
		{ "ALOCK_IOC_DLOCK_UNLOCK", { ALOCK_IOC_DLOCK_UNLOCK, sizeof(struct alock_dlock_key) } },
		{ "ALOCK_IOC_MM", { ALOCK_IOC_MM, sizeof(struct alock_mm_ctl) } },
	};
	struct alock_abi_entry tab[ALOCK_ABI_MAX_ENTRIES];
	struct alock_abi q = {
		.entries = (uintptr_t)tab,
		.nr_entries = ALOCK_ABI_MAX_ENTRIES,
		.entry_size = sizeof(struct alock_abi_entry),
	};
	unsigned int i, j;
	int r;

	r = xioctl(fd, ALOCK_IOC_ABI, &q);
	tap(r == 0, "ALOCK_IOC_ABI succeeds");
	if (r)
		return 1;
	tap(q.nr_entries == sizeof(hdr) / sizeof(hdr[0]),
	    "module has %u commands, header %zu", q.nr_entries,
	    sizeof(hdr) / sizeof(hdr[0]));
	for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
		int found = 0;

		for (j = 0; j < q.nr_entries && j < ALOCK_ABI_MAX_ENTRIES; j++)
			if (tab[j].cmd == hdr[i].e.cmd &&
			    tab[j].arg_size == hdr[i].e.arg_size)
				found = 1;
		tap(found, "%s = %#x (size %u) matches the module", hdr[i].name,
		    hdr[i].e.cmd, hdr[i].e.arg_size);
		tap(_IOC_SIZE(hdr[i].e.cmd) == hdr[i].e.arg_size &&
		    _IOC_TYPE(hdr[i].e.cmd) == ALOCK_IOC_MAGIC,
		    "%s encodes its size and type", hdr[i].name);
	}
	/* A short buffer gets the first entries and the full count. */
	memset(tab, 0, sizeof(tab));
	q.nr_entries = 1;
	r = xioctl(fd, ALOCK_IOC_ABI, &q);
	tap(r == 0 && q.nr_entries == sizeof(hdr) / sizeof(hdr[0]) &&
	    tab[0].cmd == ALOCK_IOC_VERSION && tab[1].cmd == 0,
	    "ALOCK_IOC_ABI with capacity 1 writes one entry, reports all");
	return 0;
}

static int cmd_errno(int fd)
{
	struct alock_stress s, good = {
		.lock = ALOCK_LOCK_SPINLOCK, .threads = 1, .duration_ms = 1,
	};
	struct alock_mrlock m, good_mr = {
		.lock = ALOCK_MR_MRLOCK, .threads = 2, .duration_ms = 1,
		.resources = 8, .min_request = 1, .max_request = 4,
	};
	struct alock_txn x, xgood = {
		.mode = ALOCK_TXN_WAIT, .threads = 1, .duration_ms = 1,
		.records = 2, .tx_records = 2,
	};
	struct alock_rwstress w, good_rw = {
		.lock = ALOCK_RW_PRWLOCK, .readers = 1, .writers = 1, .duration_ms = 5,
	};
	struct alock_selftest t;
	struct alock_abi q;
	struct alock_abi_entry e[4];
	void *bad = (void *)16; /* never mapped */
	void *ro;
	int r;

	/* Unknown commands and wrong sizes. */
	expect_err(fd, _IO(ALOCK_IOC_MAGIC, 0x7f), NULL, ENOTTY, "unknown command number");
	expect_err(fd, _IO('x', 0x00), NULL, ENOTTY, "foreign ioctl type");
	expect_err(fd, _IOR(ALOCK_IOC_MAGIC, 0x00, __u32), &s, ENOTTY,
		   "ALOCK_IOC_VERSION with a wrong size");
	expect_err(fd, _IOW(ALOCK_IOC_MAGIC, 0x03, struct alock_stress), &good, ENOTTY,
		   "ALOCK_IOC_STRESS with a wrong direction");
	expect_err(fd, _IOWR(ALOCK_IOC_MAGIC, 0x03, char[sizeof(struct alock_stress) + 1]), &good, ENOTTY,
		   "ALOCK_IOC_STRESS with a bigger size");

	/* Bad pointers. */
	expect_err(fd, ALOCK_IOC_VERSION, bad, EFAULT, "ALOCK_IOC_VERSION to an unmapped address");
	expect_err(fd, ALOCK_IOC_VERSION, NULL, EFAULT, "ALOCK_IOC_VERSION to NULL");
	expect_err(fd, ALOCK_IOC_ABI, bad, EFAULT, "ALOCK_IOC_ABI from an unmapped address");
	expect_err(fd, ALOCK_IOC_SELFTEST, bad, EFAULT, "ALOCK_IOC_SELFTEST from an unmapped address");
	expect_err(fd, ALOCK_IOC_STRESS, bad, EFAULT, "ALOCK_IOC_STRESS from an unmapped address");
	expect_err(fd, ALOCK_IOC_STRESS, (void *)-4096L, EFAULT, "ALOCK_IOC_STRESS from a kernel address");
	q = (struct alock_abi){ .entries = 16, .nr_entries = 4, .entry_size = sizeof(e[0]) };
	expect_err(fd, ALOCK_IOC_ABI, &q, EFAULT, "ALOCK_IOC_ABI entries at an unmapped address");
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro != MAP_FAILED) {
		memcpy(&s, &good, sizeof(s));
		expect_err(fd, ALOCK_IOC_VERSION, ro, EFAULT, "ALOCK_IOC_VERSION to read-only memory");
		munmap(ro, 4096);
	}

	/* Bad fields. */
	q = (struct alock_abi){ .entries = (uintptr_t)e, .nr_entries = 4, .entry_size = 4 };
	expect_err(fd, ALOCK_IOC_ABI, &q, EINVAL, "ALOCK_IOC_ABI with entry_size 4");
	q = (struct alock_abi){ .entries = (uintptr_t)e, .nr_entries = ALOCK_ABI_MAX_ENTRIES + 1,
				.entry_size = sizeof(e[0]) };
	expect_err(fd, ALOCK_IOC_ABI, &q, EINVAL, "ALOCK_IOC_ABI with too many entries");

	memset(&t, 0, sizeof(t));
	expect_err(fd, ALOCK_IOC_SELFTEST, &t, EINVAL, "self-test id 0");
	t.test = 100000;
	expect_err(fd, ALOCK_IOC_SELFTEST, &t, EINVAL, "self-test id 100000");
	t.test = 1;
	t.flags = 1;
	expect_err(fd, ALOCK_IOC_SELFTEST, &t, EINVAL, "self-test with flags");

#define BAD_STRESS(field, value, what)				\
	do {							\
		s = good;					\
		s.field = value;				\
		expect_err(fd, ALOCK_IOC_STRESS, &s, EINVAL, what); \
	} while (0)
	BAD_STRESS(lock, 0, "stress lock id 0");
	BAD_STRESS(lock, 0xffff, "stress unknown lock id");
	BAD_STRESS(threads, 0, "stress with 0 threads");
	BAD_STRESS(threads, ALOCK_STRESS_MAX_THREADS + 1, "stress with too many threads");
	BAD_STRESS(threads, 0xffffffffu, "stress with 2^32-1 threads");
	BAD_STRESS(duration_ms, 0, "stress for 0 ms");
	BAD_STRESS(duration_ms, ALOCK_STRESS_MAX_MS + 1, "stress for too long");
	BAD_STRESS(flags, 0x80000000u, "stress with unknown flags");
	BAD_STRESS(cs_spins, ALOCK_STRESS_MAX_CS_SPINS + 1, "stress with too many spins");
	BAD_STRESS(lock_param, 1, "stress with lock_param on a lock without one");

	BAD_STRESS(lock_param, ALOCK_ABQL_MAX_SLOTS + 1, "stress with too many ABQL slots");
	s = good;
	s.lock = ALOCK_LOCK_ABQL;
	s.lock_param = ALOCK_ABQL_MAX_SLOTS + 1;
	expect_err(fd, ALOCK_IOC_STRESS, &s, EINVAL, "ABQL with more slots than the maximum");

#define BAD_MR(field, value, what)				\
	do {							\
		m = good_mr;					\
		m.field = value;				\
		expect_err(fd, ALOCK_IOC_MRLOCK, &m, EINVAL, what); \
	} while (0)
	BAD_MR(lock, 0, "mrlock scheme 0");
	BAD_MR(lock, ALOCK_MR_BITSET + 1, "mrlock unknown scheme");
	BAD_MR(threads, 0, "mrlock with 0 threads");
	BAD_MR(duration_ms, 0, "mrlock for 0 ms");
	BAD_MR(resources, 0, "mrlock with k = 0");
	BAD_MR(resources, ALOCK_MR_MAX_RESOURCES + 1, "mrlock with k = 65");
	BAD_MR(min_request, 0, "mrlock with h = 0");
	BAD_MR(max_request, 9, "mrlock with h > k");
	BAD_MR(min_request, 5, "mrlock with min h > max h");
	BAD_MR(queue_size, 3, "mrlock with a ring that is not a power of two");
	BAD_MR(queue_size, 1, "mrlock with a 1-cell ring");
	BAD_MR(queue_size, ALOCK_MR_MAX_QUEUE * 2, "mrlock with a huge ring");
	BAD_MR(flags, 2, "mrlock with unknown flags");
	BAD_MR(reserved, 1, "mrlock with reserved field set");
	m = good_mr;
	r = xioctl(fd, ALOCK_IOC_MRLOCK, &m);
	tap(r == 0 && m.ops > 0 && m.errors == 0, "minimal valid mrlock request succeeds");
	expect_err(fd, ALOCK_IOC_MRLOCK, bad, EFAULT, "ALOCK_IOC_MRLOCK from an unmapped address");

#define BAD_RW(field, value, what)				\
	do {							\
		w = good_rw;					\
		w.field = value;				\
		expect_err(fd, ALOCK_IOC_RWSTRESS, &w, EINVAL, what); \
	} while (0)
	BAD_RW(lock, 0, "rwstress lock id 0");
	BAD_RW(lock, 99, "rwstress unknown lock id");
	w = good_rw;
	w.readers = 0;
	w.writers = 0;
	expect_err(fd, ALOCK_IOC_RWSTRESS, &w, EINVAL, "rwstress with no thread at all");
	BAD_RW(readers, ALOCK_STRESS_MAX_THREADS + 1, "rwstress with too many readers");
	BAD_RW(writers, 0xffffffffu, "rwstress with 2^32-1 writers");
	BAD_RW(duration_ms, 0, "rwstress for 0 ms");
	BAD_RW(duration_ms, ALOCK_STRESS_MAX_MS + 1, "rwstress for too long");
	BAD_RW(flags, 1U << 31, "rwstress with unknown flags");
	BAD_RW(flags, ALOCK_RW_SLEEP, "rwstress sleeping with sleep_every 0");
	BAD_RW(sleep_every, 5, "rwstress with sleep_every but no sleeping flag");
	BAD_RW(flags, ALOCK_RW_MIGRATE, "rwstress migrating bound threads");
	BAD_RW(write_pause_us, ALOCK_RW_MAX_PAUSE_US + 1, "rwstress with a huge writer pause");
	BAD_RW(reserved, 1, "rwstress with reserved field set");
	w = good_rw;
	w.lock = ALOCK_RW_RWLOCK;
	w.flags = ALOCK_RW_SLEEP;
	w.sleep_every = 1;
	expect_err(fd, ALOCK_IOC_RWSTRESS, &w, EINVAL, "rwstress sleeping readers on rwlock_t");
	w = good_rw;
	w.lock = ALOCK_RW_RCU;
	w.writers = 1;
	expect_err(fd, ALOCK_IOC_RWSTRESS, &w, EINVAL, "rwstress RCU with writers");
	w = good_rw;
	w.lock = ALOCK_RW_RWSEM;
	w.flags = ALOCK_RW_SEQ_WAKE;
	expect_err(fd, ALOCK_IOC_RWSTRESS, &w, EINVAL, "rwstress sequential wake-up on rwsem");
	w = good_rw;
	r = xioctl(fd, ALOCK_IOC_RWSTRESS, &w);
	tap(r == 0 && w.reads > 0 && w.writes > 0 && w.errors == 0,
	    "minimal valid rwstress request succeeds");
	expect_err(fd, ALOCK_IOC_RWSTRESS, bad, EFAULT, "ALOCK_IOC_RWSTRESS from an unmapped address");
	{
		struct alock_rwwake k = { .readers = 0, .rounds = 1 };
		struct alock_rwcost c = { .lock = ALOCK_RW_BRLOCK, .iterations = 10 };

		expect_err(fd, ALOCK_IOC_RWWAKE, &k, EINVAL, "rwwake with 0 readers");
		k.readers = 2;
		k.rounds = ALOCK_RWWAKE_MAX_ROUNDS + 1;
		expect_err(fd, ALOCK_IOC_RWWAKE, &k, EINVAL, "rwwake with too many rounds");
		k.rounds = 1;
		k.flags = 2;
		expect_err(fd, ALOCK_IOC_RWWAKE, &k, EINVAL, "rwwake with unknown flags");
		expect_err(fd, ALOCK_IOC_RWCOST, &c, EINVAL, "rwcost of the brlock");
		c.lock = ALOCK_RW_RCU;
		c.iterations = 0;
		expect_err(fd, ALOCK_IOC_RWCOST, &c, EINVAL, "rwcost of 0 iterations");
		c.iterations = 1000;
		r = xioctl(fd, ALOCK_IOC_RWCOST, &c);
		tap(r == 0 && c.ns > 0, "rwcost of 1000 RCU read sections succeeds");
	}

	/* And the good request works, so the checks above meant something. */
	s = good;
	r = xioctl(fd, ALOCK_IOC_STRESS, &s);
	tap(r == 0 && s.ops > 0 && s.errors == 0, "minimal valid stress request succeeds");

#define BAD_TXN(field, value, what)				\
	do {							\
		x = xgood;					\
		x.field = value;				\
		expect_err(fd, ALOCK_IOC_TXN, &x, EINVAL, what); \
	} while (0)
	expect_err(fd, ALOCK_IOC_TXN, bad, EFAULT, "ALOCK_IOC_TXN from an unmapped address");
	BAD_TXN(mode, 0, "txn mode 0");
	BAD_TXN(mode, ALOCK_TXN_WAIT + 1, "txn mode 4");
	BAD_TXN(threads, 0, "txn with 0 threads");
	BAD_TXN(threads, ALOCK_STRESS_MAX_THREADS + 1, "txn with too many threads");
	BAD_TXN(duration_ms, 0, "txn for 0 ms");
	BAD_TXN(duration_ms, ALOCK_STRESS_MAX_MS + 1, "txn for too long");
	BAD_TXN(flags, 0x80000000u, "txn with unknown flags");
	BAD_TXN(records, 1, "txn with 1 record");
	BAD_TXN(records, ALOCK_TXN_MAX_RECORDS + 1, "txn with too many records");
	BAD_TXN(tx_records, 1, "txn with 1 record per transaction");
	BAD_TXN(tx_records, 3, "txn with more records per transaction than records");
	BAD_TXN(tx_records, ALOCK_TXN_MAX_TX_RECORDS + 1, "txn with 17 records per transaction");
	BAD_TXN(read_pct, 101, "txn with read_pct 101");
	BAD_TXN(exclusive_after, ALOCK_TXN_MAX_EXCLUSIVE_AFTER + 1, "txn with exclusive_after too big");
	BAD_TXN(wait_timeout_us, ALOCK_TXN_MAX_WAIT_US + 1, "txn with too long a wait timeout");
	BAD_TXN(cs_spins, ALOCK_STRESS_MAX_CS_SPINS + 1, "txn with too many spins");
	x = xgood;
	r = xioctl(fd, ALOCK_IOC_TXN, &x);
	tap(r == 0 && x.commits > 0 && x.errors == 0, "minimal valid txn request succeeds");
	return 0;
}

static int cmd_selftest(int fd)
{
	struct alock_version v;
	unsigned int i;

	if (xioctl(fd, ALOCK_IOC_VERSION, &v)) {
		tap(0, "ALOCK_IOC_VERSION");
		return 1;
	}
	for (i = 1; i <= v.nr_tests; i++) {
		struct alock_selftest t = { .test = i };
		int r = xioctl(fd, ALOCK_IOC_SELFTEST, &t);

		t.name[sizeof(t.name) - 1] = 0;
		if (r == 0 && t.result == -EOPNOTSUPP)
			printf("ok - self-test %u %s # SKIP not applicable here\n", i, t.name);
		else
			tap(r == 0 && t.result == 0 && t.checks > 0,
			    "self-test %u %s (%u checks, result %d)", i, t.name,
			    t.checks, t.result);
	}
	return 0;
}

static const char *lock_name(unsigned int id)
{
	switch (id) {
	case ALOCK_LOCK_SPINLOCK: return "spinlock";
	case ALOCK_LOCK_MUTEX: return "mutex";
	case ALOCK_LOCK_TICKET: return "ticket";
	case ALOCK_LOCK_MCS: return "mcs";
	case ALOCK_LOCK_ABQL: return "abql";
	default: return "?";
	}
}

static unsigned int lock_id(const char *name)
{
	unsigned int i;

	for (i = 1; i <= ALOCK_LOCK_ABQL; i++)
		if (!strcmp(name, lock_name(i)))
			return i;
	return atoi(name);
}

static int cmd_stress(int fd, int argc, char **argv)
{
	struct alock_stress s = { 0 };
	int r;

	if (argc < 3)
		return 2;
	s.lock = lock_id(argv[0]);
	s.threads = atoi(argv[1]);
	s.duration_ms = atoi(argv[2]);
	if (argc > 3 && !strcmp(argv[3], "unbound"))
		s.flags |= ALOCK_STRESS_UNBOUND;
	s.cs_spins = argc > 4 ? atoi(argv[4]) : 50;
	s.lock_param = argc > 5 ? atoi(argv[5]) : 0;
	r = xioctl(fd, ALOCK_IOC_STRESS, &s);
	if (r) {
		tap(0, "stress %s: %s", argv[0], strerror(-r));
		return 1;
	}
	printf("# %s: %u threads%s, %.0f ms: %llu ops (%.0f/s), per thread %llu..%llu, %llu errors, %llu hand-offs checked for FIFO\n",
	       lock_name(s.lock), s.threads,
	       s.flags & ALOCK_STRESS_UNBOUND ? " unbound" : "", s.elapsed_ns / 1e6,
	       (unsigned long long)s.ops, s.ops / (s.elapsed_ns / 1e9),
	       (unsigned long long)s.min_thread_ops,
	       (unsigned long long)s.max_thread_ops,
	       (unsigned long long)s.errors,
	       (unsigned long long)s.order_checks);
	ops_line(lock_name(s.lock), s.ops);
	tap(s.errors == 0, "stress %s x%u%s%s: mutual exclusion (%llu errors)",
	    lock_name(s.lock), s.threads,
	    s.flags & ALOCK_STRESS_UNBOUND ? " unbound" : "",
	    s.lock_param ? " param" : "", (unsigned long long)s.errors);
	if (s.lock >= ALOCK_LOCK_TICKET)
		tap(s.order_errors == 0 && (s.threads < 2 || s.order_checks > 0),
		    "stress %s x%u: FIFO hand-offs (%llu checked, %llu out of order)",
		    lock_name(s.lock), s.threads, (unsigned long long)s.order_checks,
		    (unsigned long long)s.order_errors);
	tap(s.ops > 0 && s.min_thread_ops > 0,
	    "stress %s x%u: every thread made progress (min %llu)",
	    lock_name(s.lock), s.threads, (unsigned long long)s.min_thread_ops);
	return 0;
}

static const char *const mr_names[] = {
	[ALOCK_MR_MRLOCK] = "mrlock", [ALOCK_MR_ADAPTIVE] = "adaptive",
	[ALOCK_MR_2PL] = "2pl", [ALOCK_MR_GLOBAL] = "global",
	[ALOCK_MR_BITSET] = "bitset",
};

/* mrlock SCHEME THREADS MS K HMIN HMAX [SPINS] [QUEUE] */
static int cmd_mrlock(int fd, int argc, char **argv)
{
	struct alock_mrlock m = { 0 };
	char kind[40];
	unsigned int i;
	int r;

	if (argc < 6)
		return 2;
	for (i = 1; i <= ALOCK_MR_BITSET; i++)
		if (!strcmp(argv[0], mr_names[i]))
			m.lock = i;
	m.threads = atoi(argv[1]);
	m.duration_ms = atoi(argv[2]);
	m.resources = atoi(argv[3]);
	m.min_request = atoi(argv[4]);
	m.max_request = atoi(argv[5]);
	m.cs_spins = argc > 6 ? atoi(argv[6]) : 50;
	m.queue_size = argc > 7 ? atoi(argv[7]) : 0;
	m.seed = getpid();
	r = xioctl(fd, ALOCK_IOC_MRLOCK, &m);
	if (r) {
		tap(0, "mrlock %s: %s", argv[0], strerror(-r));
		return 1;
	}
	printf("# mrlock %s: %u threads, k=%u h=%u..%u, %.0f ms: %llu requests (%.0f/s), per thread %llu..%llu, %llu errors, %llu grants checked for order, %llu mode switches\n",
	       argv[0], m.threads, m.resources, m.min_request, m.max_request,
	       m.elapsed_ns / 1e6, (unsigned long long)m.ops,
	       m.ops / (m.elapsed_ns / 1e9),
	       (unsigned long long)m.min_thread_ops,
	       (unsigned long long)m.max_thread_ops,
	       (unsigned long long)m.errors,
	       (unsigned long long)m.order_checks,
	       (unsigned long long)m.mode_switches);
	/* MRLock itself, or "mrlock-SCHEME" for the other schemes */
	snprintf(kind, sizeof(kind), "mrlock%s%s", strcmp(argv[0], "mrlock") ? "-" : "",
		 strcmp(argv[0], "mrlock") ? argv[0] : "");
	ops_line(kind, m.ops);
	tap(m.errors == 0,
	    "mrlock %s x%u k=%u h=%u..%u: no resource held twice, counters add up (%llu errors)",
	    argv[0], m.threads, m.resources, m.min_request, m.max_request,
	    (unsigned long long)m.errors);
	tap(m.min_thread_ops > 0, "mrlock %s x%u: every thread made progress (min %llu)",
	    argv[0], m.threads, (unsigned long long)m.min_thread_ops);
	if (m.lock == ALOCK_MR_MRLOCK)
		tap(m.order_errors == 0 && (m.threads < 2 || m.order_checks > 0),
		    "mrlock %s x%u: conflicting requests granted in queue order (%llu checked, %llu overtook)",
		    argv[0], m.threads, (unsigned long long)m.order_checks,
		    (unsigned long long)m.order_errors);
	return 0;
}

/* One stress run for a benchmark: ops per second, or -1 on failure. */
static double bench_stress(int fd, unsigned int lock, unsigned int threads,
			   unsigned int ms, unsigned int spins)
{
	struct alock_stress s = {
		.lock = lock, .threads = threads, .duration_ms = ms, .cs_spins = spins,
	};

	if (xioctl(fd, ALOCK_IOC_STRESS, &s) || s.errors) {
		tap(0, "bench %s x%u ran without errors", lock_name(lock), threads);
		return -1;
	}
	return s.ops / (s.elapsed_ns / 1e9);
}

/*
 * bench-json of one queue-lock cell: ops/s; ratio to spinlock_t (and, for
 * MCS and ABQL, ratio_ticket in stats), lock/baseline as the human line.
 */
static void json_queue(unsigned int lock, unsigned int threads, unsigned int spins,
		       unsigned int ncpu, double v, double spin, double ticket)
{
	int base = lock != ALOCK_LOCK_SPINLOCK;
	struct bj j;

	bj_start(&j, "queue", "throughput", lock_name(lock), base ? "spinlock" : NULL,
		 bj_pos(v), "ops/s", bj_pos(v) / spin, "lock/baseline", threads, ncpu);
	bj_open(&j, "params");
	bj_int(&j, "spins", spins);
	bj_close(&j);
	if (lock == ALOCK_LOCK_MCS || lock == ALOCK_LOCK_ABQL) {
		bj_open(&j, "stats");
		bj_num(&j, "ratio_ticket", bj_pos(v) / ticket);
		bj_close(&j);
	}
	bj_emit(&j);
}

/*
 * bench-queue MS: queue locks against the stock spinlock and the ticket
 * lock, same guest, same run; throughput and ratios.  Not asserted.
 */
static int cmd_bench_queue(int fd, unsigned int ms)
{
	static const unsigned int locks[] = {
		ALOCK_LOCK_SPINLOCK, ALOCK_LOCK_TICKET, ALOCK_LOCK_MCS, ALOCK_LOCK_ABQL,
	};
	unsigned int ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int threads[] = { 1, ncpu, 2 * ncpu };
	unsigned int spins[] = { 0, 200 };
	double v[4];
	unsigned int t, i, c;

	printf("# bench queue-locks (%u ms per cell; ops/s and ratio to spinlock_t | ticket)\n", ms);
	printf("# bench %-7s %-6s %12s %22s %22s %22s\n", "threads", "spins",
	       "spinlock", "ticket", "mcs", "abql");
	for (c = 0; c < 2; c++) {
		for (t = 0; t < 3; t++) {
			for (i = 0; i < 4; i++)
				v[i] = bench_stress(fd, locks[i], threads[t], ms, spins[c]);
			printf("# bench %-7u %-6u %12.0f %12.0f (%4.2fx) %8.0f (%4.2fx|%4.2fx) %8.0f (%4.2fx|%4.2fx)\n",
			       threads[t], spins[c], v[0], v[1], v[1] / v[0],
			       v[2], v[2] / v[0], v[2] / v[1], v[3], v[3] / v[0], v[3] / v[1]);
			for (i = 0; i < 4; i++)
				json_queue(locks[i], threads[t], spins[c], ncpu, v[i],
					   bj_pos(v[0]), bj_pos(v[1]));
		}
	}
	tap(1, "bench queue-locks completed");
	return 0;
}

/* One h-out-of-k run for a benchmark: requests per second, or -1. */
static double bench_mr(int fd, unsigned int lock, unsigned int threads,
		       unsigned int ms, unsigned int hmin, unsigned int hmax,
		       unsigned int spins)
{
	struct alock_mrlock m = {
		.lock = lock, .threads = threads, .duration_ms = ms,
		.resources = 64, .min_request = hmin, .max_request = hmax,
		.cs_spins = spins, .seed = 42,
	};

	if (xioctl(fd, ALOCK_IOC_MRLOCK, &m) || m.errors) {
		tap(0, "bench mrlock %s x%u ran without errors", mr_names[lock], threads);
		return -1;
	}
	return m.ops / (m.elapsed_ns / 1e9);
}

/*
 * bench-mr MS: h-out-of-k over k = 64 at low contention (requests of 1-2
 * resources) and high contention (16-32 resources), MRLock and the
 * adaptive scheme against two-phase locking, a global lock and the bare
 * bitset word.  Ratios are to two-phase locking.  Not asserted.
 */
static int cmd_bench_mr(int fd, unsigned int ms)
{
	static const unsigned int schemes[] = {
		ALOCK_MR_2PL, ALOCK_MR_GLOBAL, ALOCK_MR_BITSET, ALOCK_MR_MRLOCK,
		ALOCK_MR_ADAPTIVE,
	};
	static const struct { const char *name; unsigned int hmin, hmax; } cont[] = {
		{ "low", 1, 2 }, { "medium", 4, 8 }, { "high", 16, 32 },
	};
	unsigned int ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int threads[] = { ncpu, 2 * ncpu };
	double v[5];
	unsigned int c, t, i;
	struct bj j;

	printf("# bench mrlock (%u ms per cell; requests/s and ratio to 2PL)\n", ms);
	printf("# bench %-10s %-7s %10s %20s %20s %20s %20s\n", "contention", "threads",
	       "2pl", "global", "bitset", "mrlock", "adaptive");
	for (c = 0; c < 3; c++) {
		for (t = 0; t < 2; t++) {
			for (i = 0; i < 5; i++)
				v[i] = bench_mr(fd, schemes[i], threads[t], ms,
						cont[c].hmin, cont[c].hmax, 100);
			printf("# bench %-10s %-7u %10.0f %10.0f (%5.2fx) %10.0f (%5.2fx) %10.0f (%5.2fx) %10.0f (%5.2fx)\n",
			       cont[c].name, threads[t], v[0], v[1], v[1] / v[0],
			       v[2], v[2] / v[0], v[3], v[3] / v[0], v[4], v[4] / v[0]);
			for (i = 0; i < 5; i++) {
				bj_start(&j, "mrlock", "throughput", mr_names[schemes[i]],
					 i ? "2pl" : NULL, bj_pos(v[i]), "requests/s",
					 bj_pos(v[i]) / bj_pos(v[0]), "lock/baseline", threads[t],
					 ncpu);
				bj_open(&j, "params");
				bj_str(&j, "contention", cont[c].name);
				bj_int(&j, "hmin", cont[c].hmin);
				bj_int(&j, "hmax", cont[c].hmax);
				bj_int(&j, "resources", 64);
				bj_int(&j, "spins", 100);
				bj_close(&j);
				bj_emit(&j);
			}
		}
	}
	tap(1, "bench mrlock completed");
	return 0;
}

static const char *const txn_modes[] = { "?", "restart", "exclusive", "wait" };

static unsigned int txn_mode(const char *name)
{
	unsigned int i;

	for (i = ALOCK_TXN_RESTART; i <= ALOCK_TXN_WAIT; i++)
		if (!strcmp(name, txn_modes[i]))
			return i;
	return atoi(name);
}

/* txn MODE THREADS MS [RECORDS] [TX_RECORDS] [READ_PCT] [EXCLUSIVE_AFTER] */
static int cmd_txn(int fd, int argc, char **argv)
{
	struct alock_txn x = { 0 };
	unsigned int after;
	const char *m;
	double s;
	int r;

	if (argc < 3)
		return 2;
	x.mode = txn_mode(argv[0]);
	x.threads = atoi(argv[1]);
	x.duration_ms = atoi(argv[2]);
	x.records = argc > 3 ? atoi(argv[3]) : 8;
	x.tx_records = argc > 4 ? atoi(argv[4]) : 4;
	x.read_pct = argc > 5 ? atoi(argv[5]) : 20;
	x.cs_spins = 20;
	x.exclusive_after = argc > 6 ? atoi(argv[6]) : 0;
	after = x.exclusive_after ? x.exclusive_after : 10; /* header default */
	m = x.mode <= ALOCK_TXN_WAIT ? txn_modes[x.mode] : "?";
	r = xioctl(fd, ALOCK_IOC_TXN, &x);
	tap(r == 0, "txn %s x%u, %u records, %u per tx: ioctl (%s)", m, x.threads,
	    x.records, x.tx_records, r ? strerror(-r) : "ok");
	if (r)
		return 1;
	s = x.elapsed_ns / 1e9;
	printf("# txn %s: %u threads, %u records, %u per tx, %u%% audits, %.0f ms: "
	       "%.0f commits/s, %.0f restarts/s, %.0f waits/s, %llu timeouts, "
	       "%llu exclusive, max_restarts %llu, %llu errors\n",
	       m, x.threads, x.records, x.tx_records, x.read_pct, s * 1e3,
	       x.commits / s, x.restarts / s, x.waits / s,
	       (unsigned long long)x.timeouts, (unsigned long long)x.exclusive,
	       (unsigned long long)x.max_restarts, (unsigned long long)x.errors);
	/* The lock manager's operations: the record locks of committed transactions. */
	ops_line("lockmgr", (unsigned long long)x.commits * x.tx_records);
	tap(x.commits > 0, "txn %s x%u: commits (%llu)", m, x.threads,
	    (unsigned long long)x.commits);
	tap(x.errors == 0, "txn %s x%u: consistent (%llu errors)", m, x.threads,
	    (unsigned long long)x.errors);
	if (x.mode != ALOCK_TXN_RESTART)
		tap(x.max_restarts <= after, "txn %s x%u: max_restarts %llu <= exclusive_after %u",
		    m, x.threads, (unsigned long long)x.max_restarts, after);
	return 0;
}

static const char *const rw_names[] = {
	"?", "prwlock", "rwsem", "percpu_rwsem", "rwlock", "brlock", "rcu",
};

static unsigned int rw_id(const char *name)
{
	unsigned int i;

	for (i = ALOCK_RW_PRWLOCK; i <= ALOCK_RW_RCU; i++)
		if (!strcmp(name, rw_names[i]))
			return i;
	return 0;
}

/*
 * rwstress LOCK READERS WRITERS MS [unbound] [sleep=N|yield=N|migrate=N]
 *          [seqwake] [cpusread] [rspins=N] [wspins=N] [pause=US]
 */
static int cmd_rwstress(int fd, int argc, char **argv)
{
	struct alock_rwstress a = { 0 };
	char what[160];
	int i, r;

	if (argc < 4)
		return 2;
	a.lock = rw_id(argv[0]);
	a.readers = atoi(argv[1]);
	a.writers = atoi(argv[2]);
	a.duration_ms = atoi(argv[3]);
	a.read_spins = 20;
	a.write_spins = 80;
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "unbound"))
			a.flags |= ALOCK_RW_UNBOUND;
		else if (!strcmp(argv[i], "seqwake"))
			a.flags |= ALOCK_RW_SEQ_WAKE;
		else if (!strcmp(argv[i], "cpusread"))
			a.flags |= ALOCK_RW_CPUS_READ;
		else if (!strncmp(argv[i], "sleep=", 6))
			a.flags |= ALOCK_RW_SLEEP, a.sleep_every = atoi(argv[i] + 6);
		else if (!strncmp(argv[i], "yield=", 6))
			a.flags |= ALOCK_RW_YIELD, a.sleep_every = atoi(argv[i] + 6);
		else if (!strncmp(argv[i], "migrate=", 8))
			a.flags |= ALOCK_RW_MIGRATE, a.sleep_every = atoi(argv[i] + 8);
		else if (!strncmp(argv[i], "rspins=", 7))
			a.read_spins = atoi(argv[i] + 7);
		else if (!strncmp(argv[i], "wspins=", 7))
			a.write_spins = atoi(argv[i] + 7);
		else if (!strncmp(argv[i], "pause=", 6))
			a.write_pause_us = atoi(argv[i] + 6);
		else
			return 2;
	}
	snprintf(what, sizeof(what), "rwstress %s %ur/%uw%s%s%s%s%s", argv[0], a.readers,
		 a.writers, a.flags & ALOCK_RW_UNBOUND ? " unbound" : "",
		 a.flags & ALOCK_RW_SLEEP ? " sleeping" : "",
		 a.flags & ALOCK_RW_YIELD ? " yielding" : "",
		 a.flags & ALOCK_RW_MIGRATE ? " migrating" : "",
		 a.flags & ALOCK_RW_CPUS_READ ? " under cpus_read_lock" : "");
	r = xioctl(fd, ALOCK_IOC_RWSTRESS, &a);
	if (r) {
		tap(0, "%s: %s", what, strerror(-r));
		return 1;
	}
	printf("# %s: %.0f ms, %llu reads (%.0f/s), %llu writes (%.0f/s), %llu errors, %llu read sleeps, %llu migrations, %llu active unlocks, %llu IPIs, write acquire avg %.1f us max %.1f us\n",
	       what, a.elapsed_ns / 1e6, (unsigned long long)a.reads,
	       a.reads / (a.elapsed_ns / 1e9), (unsigned long long)a.writes,
	       a.writes / (a.elapsed_ns / 1e9), (unsigned long long)a.errors,
	       (unsigned long long)a.read_sleeps, (unsigned long long)a.migrations,
	       (unsigned long long)a.active_unlocks, (unsigned long long)a.ipis,
	       a.writes ? a.write_ns_total / 1e3 / a.writes : 0.0, a.write_ns_max / 1e3);
	ops_line(argv[0], (unsigned long long)a.reads + a.writes);
	tap(a.errors == 0, "%s: no torn record, no overlap (%llu errors)", what,
	    (unsigned long long)a.errors);
	tap((!a.readers || a.min_reader_ops > 0) && (!a.writers || a.min_writer_ops > 0),
	    "%s: every thread made progress (readers min %llu, writers min %llu)", what,
	    (unsigned long long)a.min_reader_ops, (unsigned long long)a.min_writer_ops);
	if (a.flags & (ALOCK_RW_SLEEP | ALOCK_RW_YIELD | ALOCK_RW_MIGRATE))
		tap(a.read_sleeps > 0, "%s: read sections blocked inside (%llu)", what,
		    (unsigned long long)a.read_sleeps);
	if (a.lock == ALOCK_RW_PRWLOCK && a.flags & (ALOCK_RW_SLEEP | ALOCK_RW_MIGRATE))
		tap(a.active_unlocks > 0,
		    "%s: readers switched out inside were converted to active (%llu)", what,
		    (unsigned long long)a.active_unlocks);
	if (a.flags & ALOCK_RW_MIGRATE && sysconf(_SC_NPROCESSORS_ONLN) > 1)
		tap(a.migrations > 0, "%s: readers migrated inside (%llu)", what,
		    (unsigned long long)a.migrations);
	if (a.lock == ALOCK_RW_PRWLOCK && a.writers && a.readers &&
	    sysconf(_SC_NPROCESSORS_ONLN) > 1)
		printf("# %s: writers sent %llu IPIs\n", what, (unsigned long long)a.ipis);
	return 0;
}

/* rwwake READERS ROUNDS [seq]: prints the mean wake-up time in ns. */
static double rwwake(int fd, unsigned int readers, unsigned int rounds, int seq)
{
	struct alock_rwwake w = {
		.readers = readers, .rounds = rounds, .flags = seq ? ALOCK_RW_SEQ_WAKE : 0,
	};
	int r = xioctl(fd, ALOCK_IOC_RWWAKE, &w);

	tap(r == 0 && w.errors == 0, "rwwake %u readers %s: ioctl %s, %llu early readers",
	    readers, seq ? "sequential" : "parallel", r ? strerror(-r) : "ok",
	    (unsigned long long)w.errors);
	if (r)
		return -1;
	printf("# rwwake %u readers %s: mean %.1f us, max %.1f us over %u rounds\n", readers,
	       seq ? "sequential" : "parallel", w.total_ns / 1e3 / rounds, w.max_ns / 1e3,
	       rounds);
	return (double)w.total_ns / rounds;
}

/* ns per read lock+unlock pair, or -1 */
static double rwcost(int fd, unsigned int lock, unsigned int iters)
{
	struct alock_rwcost c = { .lock = lock, .iterations = iters };

	if (xioctl(fd, ALOCK_IOC_RWCOST, &c)) {
		tap(0, "rwcost %s", rw_names[lock]);
		return -1;
	}
	return (double)c.ns / iters;
}

static double rw_rate(int fd, unsigned int lock, unsigned int readers, unsigned int writers,
		      unsigned int ms, unsigned int pause, struct alock_rwstress *out)
{
	struct alock_rwstress a = {
		.lock = lock, .readers = readers, .writers = writers, .duration_ms = ms,
		.read_spins = 0, .write_spins = 0, .write_pause_us = pause,
	};

	if (xioctl(fd, ALOCK_IOC_RWSTRESS, &a) || a.errors) {
		tap(0, "bench %s %ur/%uw ran without errors", rw_names[lock], readers, writers);
		return -1;
	}
	if (out)
		*out = a;
	return a.reads / (a.elapsed_ns / 1e9);
}

/* bench-json of a figure with no params or stats (see json_queue). */
static void json_simple(const char *case_, const char *lock, const char *baseline,
			double value, const char *unit, double ratio, const char *ratio_of,
			int threads, int ncpu)
{
	struct bj j;

	bj_start(&j, "rw", case_, lock, baseline, value, unit, ratio, ratio_of, threads, ncpu);
	bj_emit(&j);
}

#define ALOCK_STATS_ENABLED "/sys/kernel/debug/alock/enabled"

/* Writes "0" or "1" to the module's statistics switch; 0 or -errno. */
static int stats_set(int on)
{
	int fd = open(ALOCK_STATS_ENABLED, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, on ? "1\n" : "0\n", 2) != 2)
		r = errno ? -errno : -EIO;
	close(fd);
	return r;
}

/*
 * The prwlock read pair with the module's statistics (per-CPU counting on
 * the fast paths) off, on, off again, then the switch as it was; skipped
 * with a comment when the module has no switch.  Not asserted.
 */
static void bench_rw_stats(int fd, int ncpu)
{
	char was[8] = "";
	double off1, on, off2, off;
	int sfd, r;
	struct bj j;

	sfd = open(ALOCK_STATS_ENABLED, O_RDONLY | O_CLOEXEC);
	if (sfd < 0) {
		printf("# bench read pair with statistics: skipped, no %s (%s)\n",
		       ALOCK_STATS_ENABLED, strerror(errno));
		return;
	}
	r = read(sfd, was, sizeof(was) - 1);
	close(sfd);
	if (r <= 0 || (was[0] != '0' && was[0] != '1')) {
		printf("# bench read pair with statistics: skipped, %s reads \"%.*s\"\n",
		       ALOCK_STATS_ENABLED, r > 0 ? r : 0, was);
		return;
	}
	r = stats_set(0);
	off1 = r ? -1 : rwcost(fd, ALOCK_RW_PRWLOCK, 2000000);
	if (!r)
		r = stats_set(1);
	on = r ? -1 : rwcost(fd, ALOCK_RW_PRWLOCK, 2000000);
	if (!r)
		r = stats_set(0);
	off2 = r ? -1 : rwcost(fd, ALOCK_RW_PRWLOCK, 2000000);
	stats_set(was[0] == '1');
	if (r) {
		printf("# bench read pair with statistics: skipped, writing %s: %s\n",
		       ALOCK_STATS_ENABLED, strerror(-r));
		return;
	}
	off = off1 > 0 && off2 > 0 ? (off1 + off2) / 2 : NAN;
	printf("# bench read pair with statistics: off %.1f ns, on %.1f ns (on/off %.2fx); off before %.1f, after %.1f ns\n",
	       off, on, on / off, off1, off2);
	bj_start(&j, "rw", "read_pair_stats_off", "prwlock", NULL, off, "ns", NAN, NULL, 1, ncpu);
	bj_open(&j, "stats");
	bj_num(&j, "before_ns", bj_pos(off1));
	bj_num(&j, "after_ns", bj_pos(off2));
	bj_close(&j);
	bj_emit(&j);
	bj_start(&j, "rw", "read_pair_stats_on", "prwlock", "prwlock", bj_pos(on), "ns",
		 bj_pos(on) / off, "lock/baseline", 1, ncpu);
	bj_str(&j, "baseline_case", "read_pair_stats_off");
	bj_emit(&j);
}

/*
 * bench-rw MS: prwlock against rwsem, percpu_rwsem, rwlock_t, brlock and
 * RCU, same guest, same run.  Not asserted.  Each human line is followed
 * by its bench-json records (Documentation/benchmarks.rst lists the cases).
 */
static int cmd_bench_rw(int fd, unsigned int ms)
{
	static const unsigned int locks[] = {
		ALOCK_RW_PRWLOCK, ALOCK_RW_RCU, ALOCK_RW_RWSEM, ALOCK_RW_PERCPU_RWSEM,
		ALOCK_RW_RWLOCK, ALOCK_RW_BRLOCK,
	};
	unsigned int ncpu = sysconf(_SC_NPROCESSORS_ONLN), i;
	struct alock_rwstress w[2];
	double c[6], v[6], par, seq, wus[2];
	struct bj j;

	printf("# bench prwlock (%u ms per cell)\n", ms);
	for (i = 0; i < 6; i++)
		c[i] = locks[i] == ALOCK_RW_BRLOCK ? -1 : rwcost(fd, locks[i], 2000000);
	printf("# bench read lock+unlock ns: prwlock %.1f, rcu %.1f (prwlock/rcu %.2fx), rwsem %.1f, percpu_rwsem %.1f, rwlock %.1f\n",
	       c[0], c[1], c[0] / c[1], c[2], c[3], c[4]);
	for (i = 0; i < 5; i++)
		json_simple("read_pair", rw_names[locks[i]],
			    locks[i] == ALOCK_RW_RCU ? NULL : "rcu", bj_pos(c[i]), "ns",
			    bj_pos(c[i]) / bj_pos(c[1]), "lock/baseline", 1, ncpu);
	bench_rw_stats(fd, ncpu);
	for (i = 0; i < 6; i++)
		v[i] = rw_rate(fd, locks[i], ncpu, 0, ms, 0, NULL);
	printf("# bench read throughput, %u readers, no writer (reads/s, ratio prwlock/x): prwlock %.0f, rcu %.0f (%.2fx), rwsem %.0f (%.2fx), percpu_rwsem %.0f (%.2fx), rwlock %.0f (%.2fx), brlock %.0f (%.2fx)\n",
	       ncpu, v[0], v[1], v[0] / v[1], v[2], v[0] / v[2], v[3], v[0] / v[3],
	       v[4], v[0] / v[4], v[5], v[0] / v[5]);
	for (i = 0; i < 6; i++)
		json_simple("read_throughput", rw_names[locks[i]], i ? "prwlock" : NULL,
			    bj_pos(v[i]), "reads/s", bj_pos(v[0]) / bj_pos(v[i]),
			    "baseline/lock", ncpu, ncpu);
	/*
	 * Writers 50 ms apart: longer than an RCU grace period, so that
	 * percpu_rw_semaphore's rcu_sync is back to idle (readers on the
	 * fast path) at each write, as with rare writers.
	 */
	memset(w, 0, sizeof(w));
	rw_rate(fd, ALOCK_RW_PRWLOCK, 0, 1, 2 * ms, 50000, &w[0]);
	rw_rate(fd, ALOCK_RW_PERCPU_RWSEM, 0, 1, 2 * ms, 50000, &w[1]);
	if (w[0].writes && w[1].writes) {
		printf("# bench write acquire, idle readers, 50 ms between writes: prwlock %.1f us, percpu_rwsem %.1f us (prwlock %.1fx faster); IPIs per write %.2f, idle skips per write %.2f; %llu writes, slowest prwlock %.1f us, percpu_rwsem %.1f us\n",
		       w[0].write_ns_total / 1e3 / w[0].writes,
		       w[1].write_ns_total / 1e3 / w[1].writes,
		       ((double)w[1].write_ns_total / w[1].writes) /
		       ((double)w[0].write_ns_total / w[0].writes),
		       (double)w[0].ipis / w[0].writes,
		       (double)w[0].idle_skips / w[0].writes,
		       (unsigned long long)w[0].writes,
		       w[0].write_ns_max / 1e3, w[1].write_ns_max / 1e3);
		for (i = 0; i < 2; i++) {
			wus[i] = w[i].write_ns_total / 1e3 / w[i].writes;
			bj_start(&j, "rw", "write_acquire", i ? "percpu_rwsem" : "prwlock",
				 i ? NULL : "percpu_rwsem", wus[i], "us",
				 (w[1].write_ns_total / 1e3 / w[1].writes) / wus[0],
				 "baseline/lock", 1, ncpu);
			bj_open(&j, "params");
			bj_int(&j, "readers", 0);
			bj_int(&j, "writers", 1);
			bj_int(&j, "pause_us", 50000);
			bj_int(&j, "ms", 2 * ms);
			bj_close(&j);
			bj_open(&j, "stats");
			bj_int(&j, "writes", w[i].writes);
			bj_num(&j, "max_us", w[i].write_ns_max / 1e3);
			if (!i) {
				bj_num(&j, "ipis_per_write", (double)w[0].ipis / w[0].writes);
				bj_num(&j, "idle_skips_per_write",
				       (double)w[0].idle_skips / w[0].writes);
			}
			bj_close(&j);
			bj_emit(&j);
		}
	}
	memset(w, 0, sizeof(w));
	rw_rate(fd, ALOCK_RW_PRWLOCK, ncpu, 1, ms, 1000, &w[0]);
	rw_rate(fd, ALOCK_RW_RWSEM, ncpu, 1, ms, 1000, &w[1]);
	printf("# bench %u readers + 1 writer every 1 ms: prwlock %llu reads, %llu writes; rwsem %llu reads, %llu writes (reads %.2fx)\n",
	       ncpu, (unsigned long long)w[0].reads, (unsigned long long)w[0].writes,
	       (unsigned long long)w[1].reads, (unsigned long long)w[1].writes,
	       (double)w[0].reads / w[1].reads);
	for (i = 0; i < 2; i++) {
		bj_start(&j, "rw", "readers_writer", i ? "rwsem" : "prwlock", i ? NULL : "rwsem",
			 bj_pos(w[i].reads), "reads", bj_pos(w[0].reads) / bj_pos(w[1].reads),
			 "lock/baseline", ncpu + 1, ncpu);
		bj_open(&j, "params");
		bj_int(&j, "readers", ncpu);
		bj_int(&j, "writers", 1);
		bj_int(&j, "pause_us", 1000);
		bj_int(&j, "ms", ms);
		bj_close(&j);
		bj_open(&j, "stats");
		bj_int(&j, "writes", w[i].writes);
		bj_num(&j, "reads_per_s", w[i].elapsed_ns ? w[i].reads / (w[i].elapsed_ns / 1e9) : NAN);
		bj_close(&j);
		bj_emit(&j);
	}
	par = rwwake(fd, 8, 20, 0);
	seq = rwwake(fd, 8, 20, 1);
	printf("# bench wake-up of 8 sleeping readers: parallel %.1f us, sequential %.1f us (parallel %.2fx faster)\n",
	       par / 1e3, seq / 1e3, seq / par);
	for (i = 0; i < 2; i++) {
		bj_start(&j, "rw", i ? "wakeup_sequential" : "wakeup_parallel", "prwlock",
			 i ? NULL : "prwlock", bj_pos(i ? seq : par) / 1e3, "us",
			 bj_pos(seq) / bj_pos(par), "baseline/lock", 8, ncpu);
		if (!i)
			bj_str(&j, "baseline_case", "wakeup_sequential");
		bj_open(&j, "params");
		bj_int(&j, "readers", 8);
		bj_int(&j, "rounds", 20);
		bj_close(&j);
		bj_emit(&j);
	}
	tap(1, "bench prwlock completed");
	return 0;
}

static void on_sigint(int sig)
{
	(void)sig;
}

/* A long stress run must stop promptly with EINTR when signalled. */
static int cmd_stress_intr(int fd)
{
	struct sigaction sa = { .sa_handler = on_sigint };
	struct alock_stress s = {
		.lock = ALOCK_LOCK_MUTEX, .threads = 4, .duration_ms = 60000,
	};
	double t0, dt;
	pid_t pid;
	int st, r;

	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &sa, NULL); /* no SA_RESTART */
		r = xioctl(fd, ALOCK_IOC_STRESS, &s);
		_exit(r == -EINTR && s.ops > 0 ? 0 : 1);
	}
	usleep(500000);
	t0 = now_s();
	kill(pid, SIGINT);
	waitpid(pid, &st, 0);
	dt = now_s() - t0;
	tap(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "interrupted 60 s stress run returns EINTR with partial results");
	tap(dt < 5.0, "interrupted stress run stopped in %.2f s", dt);
	return 0;
}

/* Open, query and close many times: kmemleak then sees any leak. */
static int cmd_churn(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct alock_version v;
		int fd = open_dev();

		if (xioctl(fd, ALOCK_IOC_VERSION, &v))
			bad++;
		if (xioctl(fd, _IO(ALOCK_IOC_MAGIC, 0x7f), NULL) != -ENOTTY)
			bad++;
		close(fd);
	}
	tap(bad == 0, "%d open/ioctl/close cycles", n);
	return 0;
}

/*
 * caps: the capabilities of the uapi header's "Privilege" list.  A child
 * drops every capability (capset, still uid 0, so the 0600 root node
 * opens) and calls each command with a zeroed argument: the privileged
 * ones must fail with EPERM (checked before the argument is read), the
 * open ones must not.  The parent runs the open ones too, as a control.
 */
/*
 * Another user (uid and gid 65534, no capabilities): the node's mode
 * decides who may open the device (0600 root: not them), the capability
 * checks what they may run once the mode is relaxed.  The mode is put back.
 */
static void caps_other_user(void)
{
	static char buf[4096];	/* larger than any argument */
	struct alock_version v;
	struct alock_table_ctl t;
	struct stat st;
	int status, r, fd, pass;
	pid_t pid;

	if (stat(ALOCK_DEVICE, &st)) {
		tap(0, "caps: stat %s (%s)", ALOCK_DEVICE, strerror(errno));
		return;
	}
	tap((st.st_mode & 077) == 0, "caps: %s is %04o (no access for group or others)",
	    ALOCK_DEVICE, (unsigned int)(st.st_mode & 07777));
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && chmod(ALOCK_DEVICE, 0666)) {
			tap(0, "caps: chmod 0666 %s (%s)", ALOCK_DEVICE, strerror(errno));
			return;
		}
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
				_exit(2);
			fd = open(ALOCK_DEVICE, O_RDWR | O_CLOEXEC);
			if (pass == 0)
				_exit(fd < 0 && errno == EACCES ? 0 : 3);
			if (fd < 0)
				_exit(4);
			memset(&v, 0, sizeof(v));
			if (xioctl(fd, ALOCK_IOC_VERSION, &v) || v.abi_version != ALOCK_ABI_VERSION)
				_exit(5);
			memset(&t, 0, sizeof(t));
			t.op = ALOCK_TABLE_CREATE;
			t.keys = 16;
			if (xioctl(fd, ALOCK_IOC_TABLE, &t) != -EPERM ||
			    xioctl(fd, ALOCK_IOC_CLUSTER_LEAVE, NULL) != -EPERM ||
			    xioctl(fd, ALOCK_IOC_STRESS, buf) != -EPERM)
				_exit(6);
			_exit(0);
		}
		r = pid > 0 ? waitpid(pid, &status, 0) : -1;
		if (pass == 0)
			tap(r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
			    "caps: another user cannot open %s at its mode (exit %d)",
			    ALOCK_DEVICE, r == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		else
			tap(r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
			    "caps: at mode 0666 another user opens it, reads the version, and gets"
			    " EPERM for TABLE CREATE, CLUSTER_LEAVE and STRESS (exit %d)",
			    r == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	r = chmod(ALOCK_DEVICE, st.st_mode & 07777);
	tap(r == 0, "caps: %s back to %04o (%s)", ALOCK_DEVICE,
	    (unsigned int)(st.st_mode & 07777), r ? strerror(errno) : "success");
}

static int cmd_caps(void)
{
	static const struct {
		const char *name;
		unsigned long cmd;
		int privileged;
	} cmds[] = {
		{ "VERSION", ALOCK_IOC_VERSION, 0 },
		{ "ABI", ALOCK_IOC_ABI, 0 },
		{ "SELFTEST", ALOCK_IOC_SELFTEST, 1 },
		{ "STRESS", ALOCK_IOC_STRESS, 1 },
		{ "MRLOCK", ALOCK_IOC_MRLOCK, 1 },
		{ "TXN", ALOCK_IOC_TXN, 1 },
		{ "RWSTRESS", ALOCK_IOC_RWSTRESS, 1 },
		{ "RWWAKE", ALOCK_IOC_RWWAKE, 1 },
		{ "RWCOST", ALOCK_IOC_RWCOST, 1 },
		{ "CLUSTER_JOIN", ALOCK_IOC_CLUSTER_JOIN, 1 },
		{ "CLUSTER_LEAVE", ALOCK_IOC_CLUSTER_LEAVE, 1 },
		{ "CLUSTER_STATUS", ALOCK_IOC_CLUSTER_STATUS, 0 },
		{ "RDMA_OP", ALOCK_IOC_RDMA_OP, 1 },
		{ "RDMA_STRESS", ALOCK_IOC_RDMA_STRESS, 1 },
		{ "RDMA_BENCH", ALOCK_IOC_RDMA_BENCH, 1 },
		{ "DLOCK_RUN", ALOCK_IOC_DLOCK_RUN, 1 },
		{ "DLOCK_LOCK", ALOCK_IOC_DLOCK_LOCK, 0 },
		{ "DLOCK_UNLOCK", ALOCK_IOC_DLOCK_UNLOCK, 0 },
		{ "MM", ALOCK_IOC_MM, 0 },
	};
	static union {
		struct alock_cluster_status st;
		struct alock_table_ctl t;
		char bytes[65536];
	} arg;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = { { 0 } };
	unsigned int i;
	int status, r, fd;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		tap(0, "caps: fork (%s)", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		r = syscall(SYS_capset, &hdr, none);
		tap(r == 0, "caps: the child drops every capability (%s)",
		    r ? strerror(errno) : "success");
		if (r)
			_exit(1);
		fd = open_dev();
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			memset(&arg, 0, sizeof(arg));
			r = xioctl(fd, cmds[i].cmd, &arg);
			if (cmds[i].privileged)
				tap(r == -EPERM, "caps: ALOCK_IOC_%s without its capability -> EPERM (got %s)",
				    cmds[i].name, r < 0 ? strerror(-r) : "success");
			else
				tap(r != -EPERM, "caps: ALOCK_IOC_%s open without capabilities (got %s)",
				    cmds[i].name, r < 0 ? strerror(-r) : "success");
		}
		/* The parts of two open commands that are not. */
		memset(&arg, 0, sizeof(arg));
		arg.st.flags = ALOCK_STATUS_PROBE;
		r = xioctl(fd, ALOCK_IOC_CLUSTER_STATUS, &arg);
		tap(r == -EPERM, "caps: CLUSTER_STATUS with a probe -> EPERM (got %s)",
		    r < 0 ? strerror(-r) : "success");
		memset(&arg, 0, sizeof(arg));
		arg.t.op = ALOCK_TABLE_CREATE;
		arg.t.keys = 16;
		r = xioctl(fd, ALOCK_IOC_TABLE, &arg);
		tap(r == -EPERM, "caps: TABLE CREATE -> EPERM (got %s)", r < 0 ? strerror(-r) : "success");
		arg.t.op = ALOCK_TABLE_DESTROY;
		r = xioctl(fd, ALOCK_IOC_TABLE, &arg);
		tap(r == -EPERM, "caps: TABLE DESTROY -> EPERM (got %s)", r < 0 ? strerror(-r) : "success");
		arg.t.op = ALOCK_TABLE_SUM;
		r = xioctl(fd, ALOCK_IOC_TABLE, &arg);
		tap(r != -EPERM, "caps: TABLE SUM open (got %s)", r < 0 ? strerror(-r) : "success");
		close(fd);
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	r = waitpid(pid, &status, 0);
	tap(r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "caps: every check of the unprivileged child passed");
	/* With every capability, the privileged commands get past the check. */
	fd = open_dev();
	memset(&arg, 0, sizeof(arg));
	arg.st.flags = ALOCK_STATUS_PROBE;
	r = xioctl(fd, ALOCK_IOC_CLUSTER_STATUS, &arg);
	tap(r != -EPERM, "caps: CLUSTER_STATUS with a probe, as root (got %s)",
	    r < 0 ? strerror(-r) : "success");
	memset(&arg, 0, sizeof(arg));
	r = xioctl(fd, ALOCK_IOC_STRESS, &arg);
	tap(r == -EINVAL, "caps: a zeroed STRESS as root -> EINVAL, past the check (got %s)",
	    r < 0 ? strerror(-r) : "success");
	close(fd);
	caps_other_user();
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2) {
		fprintf(stderr,
			"usage: alocktest version|abi|errno|selftest|stress-intr|caps|churn N|\n"
			"                 stress LOCK THREADS MS [bound|unbound] [SPINS] [PARAM]|\n"
			"                 mrlock SCHEME THREADS MS K HMIN HMAX [SPINS] [QUEUE]|\n"
			"                 bench-queue [MS]|bench-mr [MS]|bench-rw [MS]|\n"
			"                 rwstress LOCK READERS WRITERS MS [OPTION...]|rwwake N ROUNDS [seq]|\n"
			"                 txn restart|exclusive|wait THREADS MS [RECORDS] [TX_RECORDS] [READ_PCT] [AFTER]\n");
		return 2;
	}
	if (!strcmp(argv[1], "churn"))
		return cmd_churn(argc > 2 ? atoi(argv[2]) : 1000) || failures;
	if (!strcmp(argv[1], "caps"))
		return cmd_caps();
	fd = open_dev();
	if (!strcmp(argv[1], "version"))
		cmd_version(fd);
	else if (!strcmp(argv[1], "abi"))
		cmd_abi(fd);
	else if (!strcmp(argv[1], "errno"))
		cmd_errno(fd);
	else if (!strcmp(argv[1], "selftest"))
		cmd_selftest(fd);
	else if (!strcmp(argv[1], "stress")) {
		if (cmd_stress(fd, argc - 2, argv + 2) == 2)
			return 2;
	} else if (!strcmp(argv[1], "mrlock")) {
		if (cmd_mrlock(fd, argc - 2, argv + 2) == 2)
			return 2;
	} else if (!strcmp(argv[1], "bench-queue"))
		cmd_bench_queue(fd, argc > 2 ? atoi(argv[2]) : 1000);
	else if (!strcmp(argv[1], "bench-mr"))
		cmd_bench_mr(fd, argc > 2 ? atoi(argv[2]) : 1000);
	else if (!strcmp(argv[1], "txn")) {
		if (cmd_txn(fd, argc - 2, argv + 2) == 2)
			return 2;
	} else if (!strcmp(argv[1], "rwstress")) {
		if (cmd_rwstress(fd, argc - 2, argv + 2) == 2)
			return 2;
	} else if (!strcmp(argv[1], "rwwake")) {
		if (argc < 4)
			return 2;
		rwwake(fd, atoi(argv[2]), atoi(argv[3]), argc > 4);
	} else if (!strcmp(argv[1], "bench-rw")) {
		cmd_bench_rw(fd, argc > 2 ? atoi(argv[2]) : 1000);
	} else if (!strcmp(argv[1], "stress-intr"))
		cmd_stress_intr(fd);
	else
		return 2;
	close(fd);
	return failures ? 1 : 0;
}
