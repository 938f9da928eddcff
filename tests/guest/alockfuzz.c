// SPDX-License-Identifier: GPL-2.0
/*
 * alockfuzz: a seeded ioctl fuzzer of /dev/alock (issue 20).
 *
 *   alockfuzz [-s SEED] [-n CALLS] [-t THREADS] [-d DEV] [-w WORK] [-a ADDR]
 *
 * THREADS worker threads make CALLS ioctls together (worker i makes its
 * share, in an order that depends only on SEED and i: -s SEED -n CALLS
 * -t THREADS repeats a run's calls; results may differ, since the other
 * threads, the signals and the kernel's scheduling are not repeated).
 * Each call picks a command number (every ALOCK_IOC_* of the header,
 * near-valid variants of one: wrong size, direction, type, number +-1 and
 * numbers past the last command; or a random 32-bit number), a payload
 * (zeroed, random bytes, or a valid-looking structure with one to three
 * fields set to boundary values; optionally one field the kernel must
 * reject) and a pointer (aligned, unaligned, a structure ending on the last
 * byte before a PROT_NONE page or straddling into it, a read-only mapping,
 * NULL, kernel and non-canonical addresses).  Beside them: a thread that
 * replaces the shared files under the workers (dup2 of fresh opens), opens
 * files that lock a key and are closed holding it; occasional fork()s whose
 * child makes a few calls and _exit()s; SIGUSR1 (an empty handler, no
 * SA_RESTART) sent to the workers every few milliseconds to cut waits
 * short; a watchdog that fails the run if one call takes more than 10 s
 * (a self-test 30 s).
 *
 * Commands that start work (self-tests, stress and benchmark runs, RDMA
 * and lock-table runs, holding the mmap_lock) are issued with bounded
 * parameters only (bound_payload(): <= 50 ms, <= 2 threads, <= 1000
 * iterations or increments, short timeouts; what is excluded and why is
 * said there), and at most WORK of them (-w, default CALLS / 250, a tenth
 * of them self-tests) get through with a readable argument: past that,
 * each carries a field the kernel must reject.  Sized for well under a
 * minute for 10^5 calls on a 2-vCPU TCG guest (an estimate: the bounded
 * runs add up to about 10-20 s, the rest are quick failures).
 *
 * -a ADDR (this guest's RDMA address, e.g. 10.77.0.1) first joins a
 * one-node cluster with the loopback connection and creates a lock table
 * of 64 keys, so that the RDMA, table and key commands get past "not
 * joined"; then CLUSTER_JOIN (one-node, timeout <= 2 s, 25 per thread)
 * and a rare CLUSTER_LEAVE (one pick in fifty) go through too (EBUSY
 * while the main thread's file, which joined, owns the cluster).  Without
 * it (or if that first join fails) CLUSTER_JOIN is only issued with a
 * field the kernel rejects.  At the end the table is destroyed and the
 * cluster left, so that rmmod works.
 *
 * TAP lines without numbers (tap.h; tests/guest/run.sh numbers them), the
 * errno histogram of every command as "#" comments.  Exit status: 0 if
 * every check passed, 1 otherwise, 2 for usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/alock.h>

#include "tap.h"

#define PAGE		4096UL
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_THREADS	64
#define NSLOTS		4	/* shared files the opener replaces */
#define HANG_NS		(10ULL * 1000000000ULL)
/*
 * A self-test's own bounded waits add up to several seconds (prwlock's
 * drain tests: a writer waits up to 5 s, a reader 2 s), and under the
 * fuzzer's concurrent runs on a slow TCG guest one took over 10 s
 * (2026-12-04): self-tests get 30 s.
 */
#define SELFTEST_HANG_NS	(30ULL * 1000000000ULL)
#define MAX_REPORTS	20	/* details printed per kind of failure */
#define NERR		160	/* errno histogram columns: 0 = ok, 1..158, 159 = other */
#define WORK_MS		50	/* longest run of a command that starts work */
#define WORK_THREADS	2	/* most kernel threads it may start */
#define WORK_ITERS	1000	/* most iterations, increments, spins */
#define KEY_TIMEOUT_MS	100	/* longest wait for one lock-table key */
#define JOIN_TIMEOUT_MS	2000	/* a one-node join with the loopback */
#define TABLE_KEYS	64
#define TABLE_END	65536	/* lock table from here in the window (TABLE_BASE) */
#define JOIN_PORT	18555

/* ---------------------------------------------------------------------- */
/* The commands of the header.                                            */

enum {
	C_VERSION, C_ABI, C_SELFTEST, C_STRESS, C_MRLOCK, C_TXN, C_RWSTRESS,
	C_RWWAKE, C_RWCOST, C_JOIN, C_LEAVE, C_STATUS, C_RDMA_OP,
	C_RDMA_STRESS, C_RDMA_BENCH, C_TABLE, C_DLOCK_RUN, C_DLOCK_LOCK,
	C_DLOCK_UNLOCK, C_MM, NCMDS,
	/* histogram rows of the numbers that are not commands */
	R_NEAR = NCMDS, R_RANDOM, NROWS
};

struct cmdinfo {
	const char *name;
	uint32_t cmd;
	unsigned int weight;	/* how often a valid number picks it */
	int work;		/* starts work: bounded and budgeted */
};

#define CMD(c, w, k) { #c, (uint32_t)(c), w, k }
static const struct cmdinfo cmds[NCMDS] = {
	[C_VERSION] = CMD(ALOCK_IOC_VERSION, 6, 0),
	[C_ABI] = CMD(ALOCK_IOC_ABI, 6, 0),
	[C_SELFTEST] = CMD(ALOCK_IOC_SELFTEST, 2, 1),
	[C_STRESS] = CMD(ALOCK_IOC_STRESS, 3, 1),
	[C_MRLOCK] = CMD(ALOCK_IOC_MRLOCK, 3, 1),
	[C_TXN] = CMD(ALOCK_IOC_TXN, 3, 1),
	[C_RWSTRESS] = CMD(ALOCK_IOC_RWSTRESS, 3, 1),
	[C_RWWAKE] = CMD(ALOCK_IOC_RWWAKE, 2, 1),
	[C_RWCOST] = CMD(ALOCK_IOC_RWCOST, 3, 1),
	[C_JOIN] = CMD(ALOCK_IOC_CLUSTER_JOIN, 2, 1),
	[C_LEAVE] = CMD(ALOCK_IOC_CLUSTER_LEAVE, 1, 0),
	[C_STATUS] = CMD(ALOCK_IOC_CLUSTER_STATUS, 5, 0),
	[C_RDMA_OP] = CMD(ALOCK_IOC_RDMA_OP, 6, 0),
	[C_RDMA_STRESS] = CMD(ALOCK_IOC_RDMA_STRESS, 3, 1),
	[C_RDMA_BENCH] = CMD(ALOCK_IOC_RDMA_BENCH, 3, 1),
	[C_TABLE] = CMD(ALOCK_IOC_TABLE, 5, 0),
	[C_DLOCK_RUN] = CMD(ALOCK_IOC_DLOCK_RUN, 3, 1),
	[C_DLOCK_LOCK] = CMD(ALOCK_IOC_DLOCK_LOCK, 6, 0),
	[C_DLOCK_UNLOCK] = CMD(ALOCK_IOC_DLOCK_UNLOCK, 6, 0),
	[C_MM] = CMD(ALOCK_IOC_MM, 4, 1),
};

static const char *row_name(int row)
{
	if (row < NCMDS)
		return cmds[row].name;
	return row == R_NEAR ? "near-valid numbers" : "random numbers";
}

/* Index of command number cmd, or -1 if the module has no such command. */
static int lookup(uint32_t cmd)
{
	for (int i = 0; i < NCMDS; i++)
		if (cmds[i].cmd == cmd)
			return i;
	return -1;
}

/*
 * The VFS serves some numbers itself before the driver sees them
 * (do_vfs_ioctl: FIOCLEX, FIONBIO, FIFREEZE, FS_IOC_*, FICLONE, ...), so
 * numbers of those types are not "unknown to the module": they are
 * skipped (types 0, 0x15, 'T', 'X', 'f', 0x94).
 */
static int vfs_type(uint32_t cmd)
{
	switch (_IOC_TYPE(cmd)) {
	case 0x00:
	case 0x15:
	case 'T':
	case 'X':
	case 'f':
	case 0x94:
		return 1;
	}
	return 0;
}

/*
 * The errnos each command may return (0 always may): read off
 * rust/chardev/ and rust/harness/ (what each handler returns), the
 * header's kernel-doc, and the layers they call.  EFAULT: every command
 * with an argument copies it.  ENOMEM: every command that allocates.
 * EINTR: commands that wait interruptibly (a run's sleep, a join, a key's
 * wait, a verb that yields, the mmap_lock hold).  The RDMA verbs map a
 * failed completion to ECONNRESET (flushed on teardown) or EREMOTEIO (the
 * peer refused it), and only anything else to EIO: EIO is never allowed.
 * Numbers the module does not know: ENOTTY only.
 */
static const int e_version[] = { EFAULT, 0 };
static const int e_plain[] = { EFAULT, ENOMEM, EINVAL, 0 };
/* EBUSY: the module runs at most 8 runs (512 threads) at once */
static const int e_run[] = { EFAULT, ENOMEM, EINVAL, EINTR, EBUSY, 0 };
/* rdma_bind_addr() of a mutated address may fail in more ways */
static const int e_join[] = {
	EFAULT, ENOMEM, EINVAL, EINTR, EBUSY, ETIMEDOUT, EADDRNOTAVAIL, EOPNOTSUPP,
	EADDRINUSE, ENODEV, EAFNOSUPPORT, 0
};
/* EBUSY: another open file (the main thread's) joined the cluster */
static const int e_leave[] = { ENOTCONN, EBUSY, 0 };
static const int e_rdma[] = {
	EFAULT, ENOMEM, EINVAL, EINTR, ENOTCONN, ERANGE, ETIMEDOUT, ECONNRESET,
	EREMOTEIO, EBUSY, 0
};
static const int e_table[] = {
	EFAULT, ENOMEM, EINVAL, EINTR, ENOTCONN, EBUSY, ENOSPC, ENOENT, ETIMEDOUT, 0
};
/*
 * EIO: a word of the key's queue held something that is not a descriptor
 * of this table (Documentation/alock.rst, "a stray value is EIO, never a
 * wild access"): the fuzzer's own RDMA verbs and benchmark runs write into
 * the window the table lives in, as a hostile peer could.
 */
static const int e_key[] = {
	EFAULT, ENOMEM, EINVAL, EINTR, ENOENT, EBUSY, ETIMEDOUT, EPIPE, ENOTCONN,
	EOPNOTSUPP, EDEADLK, EIO, EAGAIN, EPERM, 0	/* ABI 10: TRY, a reader's STORE */
};
static const int e_mm[] = { EFAULT, ENOMEM, EINVAL, EINTR, EEXIST, EOPNOTSUPP, 0 };
static const int e_unknown[] = { ENOTTY, 0 };

static const int *allowed_set(int row)
{
	switch (row) {
	case C_VERSION:
		return e_version;
	case C_ABI:
	case C_STATUS:
	case C_SELFTEST:	/* a test that ran and failed says so in .result */
	case C_RWCOST:
		return e_plain;
	case C_STRESS:
	case C_MRLOCK:
	case C_TXN:
	case C_RWSTRESS:
	case C_RWWAKE:
		return e_run;
	case C_JOIN:
		return e_join;
	case C_LEAVE:
		return e_leave;
	case C_RDMA_OP:
	case C_RDMA_STRESS:
	case C_RDMA_BENCH:
		return e_rdma;
	case C_TABLE:
		return e_table;
	case C_DLOCK_RUN:
	case C_DLOCK_LOCK:	/* EDEADLK: the file holds the key */
	case C_DLOCK_UNLOCK:
		return e_key;
	case C_MM:
		return e_mm;
	default:
		return e_unknown;
	}
}

static int allowed(int row, int err)
{
	if (err == 0)
		return row < NCMDS;	/* an unknown number never succeeds */
	for (const int *e = allowed_set(row); *e; e++)
		if (*e == err)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Random numbers: splitmix64, one state per thread.                      */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [lo, hi] */
static uint32_t range(uint64_t *s, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rnd(s) % ((uint64_t)hi - lo + 1));
}

static int chance(uint64_t *s, unsigned int pct)
{
	return rnd(s) % 100 < pct;
}

/* ---------------------------------------------------------------------- */
/* Fields of each structure, for mutation and rejection.                  */

struct field {
	uint16_t off;
	uint8_t size;
	uint8_t ptr;	/* a user pointer the kernel writes through */
};

#define F(st, m) { offsetof(struct st, m), sizeof(((struct st *)0)->m), 0 }
#define FP(st, m) { offsetof(struct st, m), sizeof(((struct st *)0)->m), 1 }
#define FEND { 0, 0, 0 }

static const struct field f_abi[] = {
	FP(alock_abi, entries), F(alock_abi, nr_entries), F(alock_abi, entry_size), FEND
};
static const struct field f_selftest[] = {
	F(alock_selftest, test), F(alock_selftest, flags), F(alock_selftest, result),
	F(alock_selftest, checks), FEND
};
static const struct field f_stress[] = {
	F(alock_stress, lock), F(alock_stress, threads), F(alock_stress, duration_ms),
	F(alock_stress, flags), F(alock_stress, cs_spins), F(alock_stress, lock_param),
	F(alock_stress, ops), F(alock_stress, errors), FEND
};
static const struct field f_mrlock[] = {
	F(alock_mrlock, lock), F(alock_mrlock, threads), F(alock_mrlock, duration_ms),
	F(alock_mrlock, flags), F(alock_mrlock, resources), F(alock_mrlock, min_request),
	F(alock_mrlock, max_request), F(alock_mrlock, cs_spins), F(alock_mrlock, queue_size),
	F(alock_mrlock, reserved), F(alock_mrlock, seed), F(alock_mrlock, ops), FEND
};
static const struct field f_txn[] = {
	F(alock_txn, mode), F(alock_txn, threads), F(alock_txn, duration_ms),
	F(alock_txn, flags), F(alock_txn, records), F(alock_txn, tx_records),
	F(alock_txn, read_pct), F(alock_txn, exclusive_after), F(alock_txn, wait_timeout_us),
	F(alock_txn, cs_spins), F(alock_txn, seed), F(alock_txn, commits), FEND
};
static const struct field f_rwstress[] = {
	F(alock_rwstress, lock), F(alock_rwstress, readers), F(alock_rwstress, writers),
	F(alock_rwstress, duration_ms), F(alock_rwstress, flags),
	F(alock_rwstress, read_spins), F(alock_rwstress, write_spins),
	F(alock_rwstress, sleep_every), F(alock_rwstress, write_pause_us),
	F(alock_rwstress, reserved), F(alock_rwstress, reads), FEND
};
static const struct field f_rwwake[] = {
	F(alock_rwwake, readers), F(alock_rwwake, rounds), F(alock_rwwake, flags),
	F(alock_rwwake, reserved), F(alock_rwwake, total_ns), FEND
};
static const struct field f_rwcost[] = {
	F(alock_rwcost, lock), F(alock_rwcost, iterations), F(alock_rwcost, ns), FEND
};
static const struct field f_join[] = {
	F(alock_cluster_join, node_id), F(alock_cluster_join, nr_nodes),
	F(alock_cluster_join, window_size), F(alock_cluster_join, flags),
	F(alock_cluster_join, timeout_ms), F(alock_cluster_join, op_timeout_ms),
	F(alock_cluster_join, reserved), F(alock_cluster_join, key[0]),
	F(alock_cluster_join, key[31]), F(alock_cluster_join, nodes[0].family),
	F(alock_cluster_join, nodes[0].port), F(alock_cluster_join, nodes[0].reserved),
	F(alock_cluster_join, nodes[0].addr[0]), F(alock_cluster_join, nodes[0].addr[4]),
	F(alock_cluster_join, nodes[1].port), F(alock_cluster_join, nodes[15].addr[15]),
	FEND
};
static const struct field f_status[] = {
	F(alock_cluster_status, flags), F(alock_cluster_status, joined),
	F(alock_cluster_status, nr_up), FEND
};
static const struct field f_rdma_op[] = {
	F(alock_rdma_op, node), F(alock_rdma_op, verb), F(alock_rdma_op, remote_off),
	F(alock_rdma_op, local_off), F(alock_rdma_op, len), F(alock_rdma_op, flags),
	F(alock_rdma_op, compare_add), F(alock_rdma_op, swap), FP(alock_rdma_op, data),
	F(alock_rdma_op, result), FEND
};
static const struct field f_rdma_stress[] = {
	F(alock_rdma_stress, node), F(alock_rdma_stress, verb),
	F(alock_rdma_stress, remote_off), F(alock_rdma_stress, threads),
	F(alock_rdma_stress, increments), F(alock_rdma_stress, timeout_ms),
	F(alock_rdma_stress, flags), F(alock_rdma_stress, reserved),
	F(alock_rdma_stress, done), FEND
};
static const struct field f_rdma_bench[] = {
	F(alock_rdma_bench, node), F(alock_rdma_bench, verb), F(alock_rdma_bench, len),
	F(alock_rdma_bench, threads), F(alock_rdma_bench, duration_ms),
	F(alock_rdma_bench, flags), F(alock_rdma_bench, ops), FEND
};
static const struct field f_table[] = {
	F(alock_table_ctl, op), F(alock_table_ctl, keys), F(alock_table_ctl, placement),
	F(alock_table_ctl, local_budget), F(alock_table_ctl, remote_budget),
	F(alock_table_ctl, lease_ms), F(alock_table_ctl, broken), F(alock_table_ctl, homed),
	F(alock_table_ctl, counter_sum), F(alock_table_ctl, reclaims), FEND
};
static const struct field f_dlock_run[] = {
	F(alock_dlock_run, lock), F(alock_dlock_run, threads),
	F(alock_dlock_run, duration_ms), F(alock_dlock_run, local_pct),
	F(alock_dlock_run, keys_per_op), F(alock_dlock_run, timeout_ms),
	F(alock_dlock_run, flags), F(alock_dlock_run, homes), F(alock_dlock_run, seed),
	F(alock_dlock_run, ops), F(alock_dlock_run, read_pct), FEND
};
static const struct field f_dlock_key[] = {
	F(alock_dlock_key, key), F(alock_dlock_key, flags), F(alock_dlock_key, timeout_ms),
	F(alock_dlock_key, reserved), F(alock_dlock_key, home), F(alock_dlock_key, torn),
	F(alock_dlock_key, value), F(alock_dlock_key, reserved2),
	F(alock_dlock_key, reserved3), FEND
};
static const struct field f_mm[] = {
	F(alock_mm_ctl, op), F(alock_mm_ctl, flags), F(alock_mm_ctl, hold_ms),
	F(alock_mm_ctl, reserved), F(alock_mm_ctl, opted_in), F(alock_mm_ctl, writes), FEND
};

static const struct field *const fields[NCMDS] = {
	[C_ABI] = f_abi, [C_SELFTEST] = f_selftest, [C_STRESS] = f_stress,
	[C_MRLOCK] = f_mrlock, [C_TXN] = f_txn, [C_RWSTRESS] = f_rwstress,
	[C_RWWAKE] = f_rwwake, [C_RWCOST] = f_rwcost, [C_JOIN] = f_join,
	[C_STATUS] = f_status, [C_RDMA_OP] = f_rdma_op, [C_RDMA_STRESS] = f_rdma_stress,
	[C_RDMA_BENCH] = f_rdma_bench, [C_TABLE] = f_table, [C_DLOCK_RUN] = f_dlock_run,
	[C_DLOCK_LOCK] = f_dlock_key, [C_DLOCK_UNLOCK] = f_dlock_key, [C_MM] = f_mm,
};

/* Boundary values a mutated field is set to (truncated to its size). */
static const uint64_t boundary[] = {
	0, 1, 2, 3, 7, 8, 9, 16, 17, 63, 64, 65, 100, 101, 255, 256, 257, 1000, 1001,
	4095, 4096, 4097, 10000, 10001, 65535, 65536, 65537, 100000, 100001,
	600000, 600001, 1000000, 1000001, 100000000, 100000001, 0x7fffffff,
	0x80000000, 0xfffffffe, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, UINT64_MAX - 7, UINT64_MAX,
};

static void put(void *buf, const struct field *f, uint64_t v)
{
	memcpy((char *)buf + f->off, &v, f->size < 8 ? f->size : 8);
}

/* ---------------------------------------------------------------------- */
/* Run state.                                                             */

static uint64_t seed;
static unsigned long ncalls = 100000;
static int nthreads = 4;
static const char *devpath = ALOCK_DEVICE;
static unsigned long work_total;
static uint32_t cluster_addr;	/* network order; 0: no cluster phase */
/* The one-node cluster's key (any bytes but all zeros). */
static const unsigned char fuzz_key[ALOCK_CLUSTER_KEY_SIZE] = "alockfuzz: one-node cluster key";
static struct alock_version ver;

static atomic_int shared_fd[NSLOTS];
static atomic_int stop_helpers, stop_watchdog, workers_done;

/* One call in flight, for the watchdog. */
struct inflight {
	_Atomic uint64_t start_ns;	/* 0: none */
	_Atomic uint64_t index;
	_Atomic uint32_t cmd;
	_Atomic uint64_t arg;
	atomic_int pclass;
	atomic_int forked;		/* waiting for a fork child, not in a call */
};

enum pclass {
	P_GOOD, P_UNALIGNED, P_END, P_STRADDLE, P_GUARD, P_RO, P_NULL,
	P_KERNEL, P_NONCANON, P_LOW, P_RANDOM, NPCLASS
};
static const char *const pclass_name[NPCLASS] = {
	"aligned", "unaligned", "ends-at-guard", "straddles-guard", "in-guard",
	"read-only", "NULL", "kernel", "non-canonical", "low", "random",
};

/* The pointer reaches readable memory holding the whole structure. */
static int readable(int p)
{
	return p == P_GOOD || p == P_UNALIGNED || p == P_END || p == P_RO;
}

/* The kernel can neither read nor write the structure there. */
static int unreachable(int p)
{
	return p == P_STRADDLE || p == P_GUARD || p == P_NULL || p == P_KERNEL ||
	       p == P_NONCANON || p == P_LOW;
}

struct worker {
	int idx;
	pthread_t th;
	pid_t tid;
	uint64_t rng;
	unsigned long share;		/* calls to make */
	unsigned long done;		/* calls made */
	int priv_fd;
	unsigned char *area;		/* page A (nested buffers), page B, guard */
	unsigned char *rw, *ro;		/* one memfd page, read-write and read-only */
	unsigned long work_left, selftests_left, joins_left;
	int child;			/* in a forked child */
	struct inflight in;
	uint32_t hist[NROWS][NERR];
	/* failures */
	unsigned long unexpected, enotty_bad, efault_bad, einval_bad, violations;
	/* tallies */
	unsigned long unknown, bad_ptr, ro_calls, rejects, work_calls;
	unsigned long forks, fork_bad, fork_hung, runs_checked, selftests, selftests_failed;
};

static struct worker *workers;
static struct inflight helper_in;	/* the opener's and main's calls */
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int reports;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&report_lock);
	if (reports++ < 4 * MAX_REPORTS) {
		printf("# ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		fflush(stdout);
	}
	pthread_mutex_unlock(&report_lock);
}

static const char *errname(int e)
{
	const char *n = e ? strerrorname_np(e) : "ok";

	return n ? n : "E?";
}

/* ---------------------------------------------------------------------- */
/* Payloads.                                                              */

/* The nested user pointer of ABI.entries and RDMA_OP.data. */
static uint64_t nested_ptr(struct worker *w)
{
	uint64_t *s = &w->rng;

	switch (rnd(s) % 8) {
	case 0:
		return 0;
	case 1:
		return 0xffff800000000000ULL + (rnd(s) % 4096);
	case 2:	/* in the guard page */
		return (uint64_t)(uintptr_t)(w->area + 3 * PAGE - 8);
	case 3:
		return (uint64_t)(uintptr_t)w->ro;
	case 4:
		return (uint64_t)(uintptr_t)(w->area + 1);
	default:
		return (uint64_t)(uintptr_t)w->area;
	}
}

/*
 * Sets one field (or, one time in eight, one random byte) to a boundary
 * value.  A pointer the kernel writes through (ABI.entries, RDMA_OP.data)
 * is never changed bytewise: a valid pointer with one byte changed points
 * into this process's own memory (a thread's stack, libc's data), which
 * the kernel would then rightly overwrite.  It gets nested_ptr()'s
 * pointers or a boundary value instead (none of them mapped).
 */
static void mutate(struct worker *w, int c, void *buf, size_t size)
{
	const struct field *fl = fields[c];
	uint64_t *s = &w->rng;
	const struct field *f;
	int n = 0;
	uint64_t v;

	while (fl && fl[n].size)
		n++;
	if (!n || chance(s, 12)) {
		size_t off = rnd(s) % size;

		for (int i = 0; i < n; i++) {
			if (fl[i].ptr && off >= fl[i].off && off < fl[i].off + fl[i].size) {
				put(buf, &fl[i], nested_ptr(w));
				return;
			}
		}
		((unsigned char *)buf)[off] = (unsigned char)rnd(s);
		return;
	}
	f = &fl[rnd(s) % n];
	if (f->ptr && chance(s, 50))
		v = nested_ptr(w);
	else if (chance(s, 15) && !f->ptr)
		v = rnd(s);
	else
		v = boundary[rnd(s) % ARRAY_SIZE(boundary)];
	put(buf, f, v);
}

static uint32_t bound_ms(uint32_t v, uint32_t max_valid, uint32_t cap)
{
	return v >= 1 && v <= max_valid && v > cap ? 1 + v % cap : v;
}

static uint32_t bound_n(uint32_t v, uint32_t max_valid, uint32_t cap)
{
	return v <= max_valid && v > cap ? v % (cap + 1) : v;
}

/*
 * Keeps the work of a payload small, whatever mutate() did: a field that
 * bounds the work and holds a value the kernel accepts but above the cap
 * is folded under the cap; values the kernel rejects stay as they are.
 * What is excluded, and why:
 * - MM OPTIN in the fuzzer itself: it switches the process's mm to a
 *   prwlock for good and pins the module while the process lives; only
 *   the forked children (which exit at once) opt in.
 * - JOIN of more than one node: it waits for peers that do not exist
 *   (rdmatest covers real clusters); nodes[1..] are cleared when nr_nodes
 *   > 1, so such a join is always rejected.  A one-node join (with -a only) is bounded by
 *   its timeout_ms, and its window kept >= 512 KiB so that RDMA_BENCH (upper
 *   half of the window) never overlaps the lock table (from 64 KiB).
 * - RDMA writes (WRITE, CAS, FAA, LOCAL_WRITE, RDMA_STRESS) into the lock
 *   table's words [64 KiB, window): the window is the caller's memory, so
 *   overwriting the table's queue words is misuse the module does not
 *   guard against; those offsets are folded below 64 KiB (offsets past the
 *   window, which the kernel must reject with ERANGE, stay).
 * - Lock-table key waits: DLOCK_LOCK's timeout_ms (taken by the file's
 *   first LOCK, 0 meaning 10 s) and DLOCK_RUN's always 1..100 ms.
 * - Word 0 of a value written back by DLOCK_UNLOCK (ALOCK_DLOCK_KEY_STORE):
 *   DLOCK_RUN's critical sections take a non-zero word 0 for another
 *   holder's tag, so a stored one would read as an overlap that is none
 *   (the 2026-12-04 soak's fuzzer counted 3 in 10^6 calls); word 1 stays
 *   random.
 */
static void bound_payload(struct worker *w, int c, void *buf)
{
	switch (c) {
	case C_STRESS: {
		struct alock_stress *a = buf;

		a->threads = bound_ms(a->threads, ALOCK_STRESS_MAX_THREADS, WORK_THREADS);
		a->duration_ms = bound_ms(a->duration_ms, ALOCK_STRESS_MAX_MS, WORK_MS);
		a->cs_spins = bound_n(a->cs_spins, ALOCK_STRESS_MAX_CS_SPINS, WORK_ITERS);
		break;
	}
	case C_MRLOCK: {
		struct alock_mrlock *a = buf;

		a->threads = bound_ms(a->threads, ALOCK_STRESS_MAX_THREADS, WORK_THREADS);
		a->duration_ms = bound_ms(a->duration_ms, ALOCK_STRESS_MAX_MS, WORK_MS);
		a->cs_spins = bound_n(a->cs_spins, ALOCK_STRESS_MAX_CS_SPINS, WORK_ITERS);
		break;
	}
	case C_TXN: {
		struct alock_txn *a = buf;

		a->threads = bound_ms(a->threads, ALOCK_STRESS_MAX_THREADS, WORK_THREADS);
		a->duration_ms = bound_ms(a->duration_ms, ALOCK_STRESS_MAX_MS, WORK_MS);
		a->cs_spins = bound_n(a->cs_spins, ALOCK_STRESS_MAX_CS_SPINS, WORK_ITERS);
		a->wait_timeout_us = bound_ms(a->wait_timeout_us, ALOCK_TXN_MAX_WAIT_US, 1000);
		if (a->records > 4096 && a->records <= ALOCK_TXN_MAX_RECORDS)
			a->records = 2 + a->records % 4095;
		break;
	}
	case C_RWSTRESS: {
		struct alock_rwstress *a = buf;

		a->readers = bound_n(a->readers, ALOCK_STRESS_MAX_THREADS, WORK_THREADS);
		a->writers = bound_n(a->writers, ALOCK_STRESS_MAX_THREADS, 1);
		a->duration_ms = bound_ms(a->duration_ms, ALOCK_STRESS_MAX_MS, WORK_MS);
		a->read_spins = bound_n(a->read_spins, ALOCK_STRESS_MAX_CS_SPINS, WORK_ITERS);
		a->write_spins = bound_n(a->write_spins, ALOCK_STRESS_MAX_CS_SPINS, WORK_ITERS);
		/* writers sleep this long between sections, also past the end */
		a->write_pause_us = bound_n(a->write_pause_us, ALOCK_RW_MAX_PAUSE_US, 1000);
		break;
	}
	case C_RWWAKE: {
		struct alock_rwwake *a = buf;

		a->readers = bound_ms(a->readers, ALOCK_STRESS_MAX_THREADS, WORK_THREADS);
		a->rounds = bound_ms(a->rounds, ALOCK_RWWAKE_MAX_ROUNDS, 5);
		break;
	}
	case C_RWCOST: {
		struct alock_rwcost *a = buf;

		/* not interruptible: pairs on the calling CPU */
		a->iterations = bound_ms(a->iterations, 100000000, WORK_ITERS);
		break;
	}
	case C_JOIN: {
		struct alock_cluster_join *a = buf;

		if (a->nr_nodes > 1)
			memset(&a->nodes[1], 0, sizeof(a->nodes) - sizeof(a->nodes[0]));
		a->timeout_ms = bound_ms(a->timeout_ms, ALOCK_CLUSTER_MAX_TIMEOUT_MS,
					 JOIN_TIMEOUT_MS);
		if (a->op_timeout_ms > 1000 && a->op_timeout_ms <= 60000)
			a->op_timeout_ms = 10 + a->op_timeout_ms % 991;
		if (a->window_size >= ALOCK_CLUSTER_MIN_WINDOW &&
		    a->window_size < ALOCK_CLUSTER_MAX_WINDOW / 2)
			a->window_size = ALOCK_CLUSTER_MAX_WINDOW;
		break;
	}
	case C_RDMA_OP: {
		struct alock_rdma_op *a = buf;
		__u64 *off = a->verb == ALOCK_RDMA_READ || a->verb == ALOCK_RDMA_LOCAL_WRITE ?
				&a->local_off : &a->remote_off;

		uint32_t len;

		if (a->len > ALOCK_CLUSTER_MAX_WINDOW)
			break;
		if (a->len > TABLE_END / 2)
			a->len = 1 + a->len % 4096;
		/* the atomics take len 0 or 8, and write 8 bytes */
		len = a->verb == ALOCK_RDMA_CAS || a->verb == ALOCK_RDMA_FAA ? 8 : a->len;
		if (*off < ALOCK_CLUSTER_MAX_WINDOW && *off + len > TABLE_END)
			*off = (*off % (TABLE_END - len)) & ~7ULL;
		break;
	}
	case C_RDMA_STRESS: {
		struct alock_rdma_stress *a = buf;

		a->threads = bound_ms(a->threads, ALOCK_RDMA_MAX_THREADS, WORK_THREADS);
		a->increments = bound_ms(a->increments, 1000000, WORK_ITERS);
		a->timeout_ms = bound_ms(a->timeout_ms, ALOCK_CLUSTER_MAX_TIMEOUT_MS, KEY_TIMEOUT_MS);
		if (a->remote_off < ALOCK_CLUSTER_MAX_WINDOW && a->remote_off + 8 > TABLE_END)
			a->remote_off = (a->remote_off % (TABLE_END - 8)) & ~7ULL;
		break;
	}
	case C_RDMA_BENCH: {
		struct alock_rdma_bench *a = buf;

		a->threads = bound_ms(a->threads, ALOCK_RDMA_MAX_THREADS, WORK_THREADS);
		a->duration_ms = bound_ms(a->duration_ms, ALOCK_STRESS_MAX_MS, WORK_MS);
		break;
	}
	case C_DLOCK_RUN: {
		struct alock_dlock_run *a = buf;

		a->threads = bound_ms(a->threads, ALOCK_RDMA_MAX_THREADS, WORK_THREADS);
		a->duration_ms = bound_ms(a->duration_ms, ALOCK_STRESS_MAX_MS, WORK_MS);
		if (a->timeout_ms <= ALOCK_CLUSTER_MAX_TIMEOUT_MS)
			a->timeout_ms = 1 + a->timeout_ms % KEY_TIMEOUT_MS;
		break;
	}
	case C_DLOCK_LOCK:
	case C_DLOCK_UNLOCK: {
		struct alock_dlock_key *a = buf;

		/* above the bound: EINVAL; else the first LOCK of a file fixes it */
		if (a->timeout_ms <= ALOCK_CLUSTER_MAX_TIMEOUT_MS)
			a->timeout_ms = 1 + a->timeout_ms % KEY_TIMEOUT_MS;
		a->value[0] = 0;
		break;
	}
	case C_MM: {
		struct alock_mm_ctl *a = buf;

		if (a->op == ALOCK_MM_OPTIN && !w->child)
			a->op = ALOCK_MM_STATUS;
		a->hold_ms = bound_ms(a->hold_ms, ALOCK_MM_MAX_HOLD_MS, 20);
		break;
	}
	}
}

/* A valid, bounded argument of command c. */
static void template(struct worker *w, int c, void *buf)
{
	uint64_t *s = &w->rng;
	uint32_t t;

	switch (c) {
	case C_VERSION:
		memset(buf, 0xff, sizeof(struct alock_version));
		break;
	case C_ABI: {
		struct alock_abi *a = buf;

		a->entries = nested_ptr(w);
		a->nr_entries = range(s, 0, ALOCK_ABI_MAX_ENTRIES);
		a->entry_size = sizeof(struct alock_abi_entry);
		break;
	}
	case C_SELFTEST: {
		struct alock_selftest *a = buf;

		a->test = range(s, 1, ver.nr_tests ? ver.nr_tests : 1);
		break;
	}
	case C_STRESS: {
		struct alock_stress *a = buf;

		a->lock = range(s, 1, ver.nr_locks ? ver.nr_locks : ALOCK_LOCK_ABQL);
		a->threads = range(s, 1, WORK_THREADS);
		a->duration_ms = range(s, 1, WORK_MS);
		a->flags = rnd(s) & ALOCK_STRESS_UNBOUND;
		a->cs_spins = range(s, 0, WORK_ITERS);
		if (a->lock == ALOCK_LOCK_ABQL && chance(s, 50))
			a->lock_param = range(s, 1, ALOCK_ABQL_MAX_SLOTS);
		break;
	}
	case C_MRLOCK: {
		struct alock_mrlock *a = buf;

		a->lock = range(s, ALOCK_MR_MRLOCK, ALOCK_MR_BITSET);
		a->threads = range(s, 1, WORK_THREADS);
		a->duration_ms = range(s, 1, WORK_MS);
		a->flags = rnd(s) & ALOCK_STRESS_UNBOUND;
		a->resources = range(s, 1, ALOCK_MR_MAX_RESOURCES);
		a->min_request = range(s, 1, a->resources);
		a->max_request = range(s, a->min_request, a->resources);
		a->cs_spins = range(s, 0, WORK_ITERS);
		a->queue_size = chance(s, 50) ? 0 : 1U << range(s, 2, 12);
		a->seed = rnd(s);
		break;
	}
	case C_TXN: {
		struct alock_txn *a = buf;

		a->mode = range(s, ALOCK_TXN_RESTART, ALOCK_TXN_WAIT);
		a->threads = range(s, 1, WORK_THREADS);
		a->duration_ms = range(s, 1, WORK_MS);
		a->flags = rnd(s) & ALOCK_STRESS_UNBOUND;
		a->records = chance(s, 70) ? range(s, 2, 16) : range(s, 2, 4096);
		t = a->records < ALOCK_TXN_MAX_TX_RECORDS ? a->records : ALOCK_TXN_MAX_TX_RECORDS;
		a->tx_records = range(s, 2, t);
		a->read_pct = range(s, 0, 100);
		a->exclusive_after = range(s, 0, 20);
		a->wait_timeout_us = range(s, 0, 1000);
		a->cs_spins = range(s, 0, WORK_ITERS);
		a->seed = rnd(s);
		break;
	}
	case C_RWSTRESS: {
		struct alock_rwstress *a = buf;
		int sleepy;

		a->lock = range(s, ALOCK_RW_PRWLOCK, ALOCK_RW_RCU);
		sleepy = a->lock <= ALOCK_RW_PERCPU_RWSEM;
		a->writers = a->lock == ALOCK_RW_RCU ? 0 : range(s, 0, 1);
		a->readers = range(s, a->writers ? 0 : 1, WORK_THREADS - a->writers);
		a->duration_ms = range(s, 1, WORK_MS);
		a->flags = rnd(s) & (ALOCK_RW_UNBOUND | ALOCK_RW_CPUS_READ);
		if (sleepy && chance(s, 50)) {
			static const uint32_t b[] = { ALOCK_RW_SLEEP, ALOCK_RW_YIELD, ALOCK_RW_MIGRATE };

			a->flags |= b[rnd(s) % 3];
			if (a->flags & ALOCK_RW_MIGRATE)
				a->flags |= ALOCK_RW_UNBOUND;
			a->sleep_every = range(s, 1, 100);
		}
		if (a->lock == ALOCK_RW_PRWLOCK && chance(s, 30))
			a->flags |= ALOCK_RW_SEQ_WAKE;
		a->read_spins = range(s, 0, WORK_ITERS);
		a->write_spins = range(s, 0, WORK_ITERS);
		a->write_pause_us = chance(s, 50) ? 0 : range(s, 1, 1000);
		break;
	}
	case C_RWWAKE: {
		struct alock_rwwake *a = buf;

		a->readers = range(s, 1, WORK_THREADS);
		a->rounds = range(s, 1, 5);
		a->flags = rnd(s) & ALOCK_RW_SEQ_WAKE;
		break;
	}
	case C_RWCOST: {
		static const uint32_t l[] = {
			ALOCK_RW_PRWLOCK, ALOCK_RW_RWSEM, ALOCK_RW_PERCPU_RWSEM,
			ALOCK_RW_RWLOCK, ALOCK_RW_RCU,
		};
		struct alock_rwcost *a = buf;

		a->lock = l[rnd(s) % 5];
		a->iterations = range(s, 1, WORK_ITERS);
		break;
	}
	case C_JOIN: {
		struct alock_cluster_join *a = buf;

		a->nr_nodes = 1;
		a->window_size = ALOCK_CLUSTER_MAX_WINDOW;
		a->flags = chance(s, 80) ? ALOCK_CLUSTER_LOOPBACK : 0;
		a->timeout_ms = JOIN_TIMEOUT_MS;
		a->op_timeout_ms = chance(s, 50) ? 0 : range(s, 10, 1000);
		memcpy(a->key, fuzz_key, sizeof(a->key));
		a->nodes[0].family = AF_INET;
		a->nodes[0].port = JOIN_PORT;
		memcpy(a->nodes[0].addr, &cluster_addr, 4);
		break;
	}
	case C_STATUS: {
		struct alock_cluster_status *a = buf;

		a->flags = rnd(s) & ALOCK_STATUS_PROBE;
		break;
	}
	case C_RDMA_OP: {
		struct alock_rdma_op *a = buf;

		a->verb = range(s, ALOCK_RDMA_READ, ALOCK_RDMA_LOCAL_WRITE);
		/*
		 * Now and then a SEND (to the loopback: an unanswered one
		 * waits for the op timeout, then the connection is torn down).
		 */
		if (chance(s, 2))
			a->verb = ALOCK_RDMA_SEND;
		if (a->verb == ALOCK_RDMA_SEND) {
			a->len = range(s, 1, ALOCK_RDMA_MSG_MAX);
		} else if (a->verb == ALOCK_RDMA_CAS || a->verb == ALOCK_RDMA_FAA) {
			a->len = chance(s, 50) ? 8 : 0;
			a->remote_off = 8 * range(s, 0, TABLE_END / 8 - 1);
		} else {
			a->len = range(s, 1, 4096);
			a->remote_off = range(s, 0, TABLE_END - a->len);
			a->local_off = range(s, 0, TABLE_END - a->len);
		}
		a->compare_add = rnd(s) % 4;
		a->swap = rnd(s);
		a->data = nested_ptr(w);
		break;
	}
	case C_RDMA_STRESS: {
		struct alock_rdma_stress *a = buf;

		a->verb = chance(s, 50) ? ALOCK_RDMA_CAS : ALOCK_RDMA_FAA;
		a->remote_off = 8 * range(s, 0, 63);
		a->threads = range(s, 1, WORK_THREADS);
		a->increments = range(s, 1, WORK_ITERS);
		a->timeout_ms = range(s, 1, KEY_TIMEOUT_MS);
		break;
	}
	case C_RDMA_BENCH: {
		struct alock_rdma_bench *a = buf;

		a->verb = range(s, ALOCK_RDMA_READ, ALOCK_RDMA_FAA);
		a->len = a->verb >= ALOCK_RDMA_CAS ? 8 * (rnd(s) & 1) : range(s, 8, 4096);
		a->threads = range(s, 1, WORK_THREADS);
		a->duration_ms = range(s, 1, WORK_MS);
		a->flags = rnd(s) & ALOCK_RDMA_BENCH_SPIN;
		break;
	}
	case C_TABLE: {
		static const uint32_t ops[] = {
			ALOCK_TABLE_CREATE, ALOCK_TABLE_DESTROY, ALOCK_TABLE_SUM,
			ALOCK_TABLE_SUM, ALOCK_TABLE_SUM, ALOCK_TABLE_CREATE,
		};
		struct alock_table_ctl *a = buf;

		a->op = ops[rnd(s) % 6];
		a->keys = chance(s, 80) ? TABLE_KEYS : range(s, 1, ALOCK_TABLE_MAX_KEYS);
		a->placement = rnd(s) & 1;
		a->local_budget = range(s, 0, 10);
		a->remote_budget = range(s, 0, 10);
		a->lease_ms = range(s, 0, 1000);
		break;
	}
	case C_DLOCK_RUN: {
		struct alock_dlock_run *a = buf;

		a->lock = range(s, ALOCK_DLOCK_ALOCK, ALOCK_DLOCK_DSLR_LB);
		a->threads = range(s, 1, WORK_THREADS);
		a->duration_ms = range(s, 1, WORK_MS);
		a->local_pct = range(s, 0, 100);
		a->keys_per_op = range(s, 1, 8);
		a->timeout_ms = range(s, 1, KEY_TIMEOUT_MS);
		a->flags = rnd(s) & ALOCK_DLOCK_SPIN;
		/* a key subset: even or odd keys, node 0's keys */
		if (chance(s, 25))
			a->flags |= rnd(s) & 1 ? ALOCK_DLOCK_EVEN_KEYS : ALOCK_DLOCK_ODD_KEYS;
		if (a->lock == ALOCK_DLOCK_ALOCK_RW || a->lock == ALOCK_DLOCK_DSLR_LB) {
			a->read_pct = range(s, 0, 100);
			/* thread 0 the others' opposite: no read_pct */
			if (chance(s, 10)) {
				a->read_pct = 0;
				a->flags |= rnd(s) & 1 ? ALOCK_DLOCK_ONE_WRITER : ALOCK_DLOCK_ONE_READER;
			}
		}
		a->homes = chance(s, 25);
		a->seed = rnd(s);
		break;
	}
	case C_DLOCK_LOCK:
	case C_DLOCK_UNLOCK: {
		struct alock_dlock_key *a = buf;

		a->key = range(s, 0, 7);
		a->timeout_ms = range(s, 1, KEY_TIMEOUT_MS);
		if (c == C_DLOCK_UNLOCK)
			a->flags = rnd(s) & ALOCK_DLOCK_KEY_STORE;
		a->value[0] = rnd(s);
		a->value[1] = rnd(s);
		break;
	}
	case C_MM: {
		struct alock_mm_ctl *a = buf;

		t = rnd(s) % 8;
		if (t < 5) {
			a->op = ALOCK_MM_STATUS;
		} else if (t < 7 || !w->child) {
			a->op = ALOCK_MM_HOLD;
			a->flags = rnd(s) & ALOCK_MM_HOLD_WRITE;
			a->hold_ms = range(s, 1, 20);
		} else {
			a->op = ALOCK_MM_OPTIN;
		}
		break;
	}
	}
}

/*
 * Sets one field to a value the kernel must reject with EINVAL whatever
 * the other fields hold (each handler checks these before doing anything
 * else, and before it looks at the cluster or the table).  Returns 0 if
 * the command has no such field.
 */
static int reject(struct worker *w, int c, void *buf)
{
	uint64_t *s = &w->rng;
	uint32_t bad = rnd(s) & 1 ? UINT32_MAX : 0;

	switch (c) {
	case C_ABI: {
		struct alock_abi *a = buf;

		if (rnd(s) & 1)
			a->entry_size = rnd(s) & 1 ? 4 : 0;
		else
			a->nr_entries = rnd(s) & 1 ? ALOCK_ABI_MAX_ENTRIES + 1 : UINT32_MAX;
		return 1;
	}
	case C_SELFTEST: {
		struct alock_selftest *a = buf;

		switch (rnd(s) % 3) {
		case 0:
			a->flags = 1 + rnd(s) % UINT32_MAX;
			break;
		case 1:
			a->test = 0;
			break;
		default:
			a->test = rnd(s) & 1 ? 100000 : UINT32_MAX;
			break;
		}
		return 1;
	}
	case C_STRESS: {
		struct alock_stress *a = buf;

		switch (rnd(s) % 6) {
		case 0:
			a->lock = rnd(s) & 1 ? 0 : 99;
			break;
		case 1:
			a->threads = bad ? bad : ALOCK_STRESS_MAX_THREADS + 1;
			break;
		case 2:
			a->duration_ms = bad ? bad : ALOCK_STRESS_MAX_MS + 1;
			break;
		case 3:
			a->flags = 2;
			break;
		case 4:
			a->cs_spins = ALOCK_STRESS_MAX_CS_SPINS + 1;
			break;
		default:
			a->lock_param = ALOCK_ABQL_MAX_SLOTS + 1;
			break;
		}
		return 1;
	}
	case C_MRLOCK: {
		struct alock_mrlock *a = buf;

		switch (rnd(s) % 6) {
		case 0:
			a->lock = rnd(s) & 1 ? 0 : 6;
			break;
		case 1:
			a->threads = bad ? bad : ALOCK_STRESS_MAX_THREADS + 1;
			break;
		case 2:
			a->duration_ms = bad ? bad : ALOCK_STRESS_MAX_MS + 1;
			break;
		case 3:
			a->resources = rnd(s) & 1 ? 0 : ALOCK_MR_MAX_RESOURCES + 1;
			break;
		case 4:
			a->queue_size = rnd(s) & 1 ? 3 : ALOCK_MR_MAX_QUEUE * 2;
			break;
		default:
			a->reserved = 1;
			break;
		}
		return 1;
	}
	case C_TXN: {
		struct alock_txn *a = buf;

		switch (rnd(s) % 6) {
		case 0:
			a->mode = rnd(s) & 1 ? 0 : 4;
			break;
		case 1:
			a->threads = bad ? bad : ALOCK_STRESS_MAX_THREADS + 1;
			break;
		case 2:
			a->duration_ms = bad ? bad : ALOCK_STRESS_MAX_MS + 1;
			break;
		case 3:
			a->records = rnd(s) & 1 ? 1 : ALOCK_TXN_MAX_RECORDS + 1;
			break;
		case 4:
			a->read_pct = 101;
			break;
		default:
			a->tx_records = ALOCK_TXN_MAX_TX_RECORDS + 1;
			break;
		}
		return 1;
	}
	case C_RWSTRESS: {
		struct alock_rwstress *a = buf;

		switch (rnd(s) % 6) {
		case 0:
			a->lock = rnd(s) & 1 ? 0 : 7;
			break;
		case 1:
			a->readers = 0;
			a->writers = 0;
			break;
		case 2:
			a->duration_ms = bad ? bad : ALOCK_STRESS_MAX_MS + 1;
			break;
		case 3:
			a->flags = 1U << 6;
			break;
		case 4:
			a->write_pause_us = ALOCK_RW_MAX_PAUSE_US + 1;
			break;
		default:
			a->reserved = 1;
			break;
		}
		return 1;
	}
	case C_RWWAKE: {
		struct alock_rwwake *a = buf;

		switch (rnd(s) % 4) {
		case 0:
			a->readers = bad ? bad : ALOCK_STRESS_MAX_THREADS + 1;
			break;
		case 1:
			a->rounds = bad ? bad : ALOCK_RWWAKE_MAX_ROUNDS + 1;
			break;
		case 2:
			a->flags = ALOCK_RW_UNBOUND;
			break;
		default:
			a->reserved = 1;
			break;
		}
		return 1;
	}
	case C_RWCOST: {
		struct alock_rwcost *a = buf;

		if (rnd(s) & 1)
			a->iterations = bad ? bad : 100000001;
		else
			a->lock = rnd(s) & 1 ? ALOCK_RW_BRLOCK : 7;
		return 1;
	}
	case C_JOIN: {
		struct alock_cluster_join *a = buf;

		switch (rnd(s) % 8) {
		case 0:
			a->nr_nodes = rnd(s) & 1 ? 0 : ALOCK_CLUSTER_MAX_NODES + 1;
			break;
		case 1:
			a->node_id = a->nr_nodes;
			break;
		case 2:
			a->window_size = rnd(s) & 1 ? 4095 : ALOCK_CLUSTER_MAX_WINDOW + 4096;
			break;
		case 3:
			a->flags = 2;
			break;
		case 4:
			a->timeout_ms = rnd(s) & 1 ? 0 : ALOCK_CLUSTER_MAX_TIMEOUT_MS + 1;
			break;
		case 5:
			a->op_timeout_ms = rnd(s) & 1 ? 9 : 60001;
			break;
		case 6:
			memset(a->key, 0, sizeof(a->key));	/* no key */
			break;
		default:
			a->reserved[rnd(s) & 1] = 1;
			break;
		}
		return 1;
	}
	case C_STATUS: {
		struct alock_cluster_status *a = buf;

		a->flags |= 2U << (rnd(s) % 31);
		return 1;
	}
	case C_RDMA_OP: {
		struct alock_rdma_op *a = buf;

		if (rnd(s) & 1)
			a->flags = 1 + rnd(s) % UINT32_MAX;
		else
			a->verb = rnd(s) & 1 ? 0 : ALOCK_RDMA_SEND + 1;
		return 1;
	}
	case C_RDMA_STRESS: {
		struct alock_rdma_stress *a = buf;

		switch (rnd(s) % 7) {
		case 0:
			a->verb = ALOCK_RDMA_READ;
			break;
		case 1:
			a->threads = rnd(s) & 1 ? 0 : ALOCK_RDMA_MAX_THREADS + 1;
			break;
		case 2:
			a->increments = rnd(s) & 1 ? 0 : 1000001;
			break;
		case 3:
			a->timeout_ms = rnd(s) & 1 ? 0 : ALOCK_CLUSTER_MAX_TIMEOUT_MS + 1;
			break;
		case 4:
			a->flags = 1;
			break;
		case 5:
			a->reserved = 1;
			break;
		default:
			a->remote_off |= 1 + rnd(s) % 7;
			break;
		}
		return 1;
	}
	case C_RDMA_BENCH: {
		struct alock_rdma_bench *a = buf;

		switch (rnd(s) % 4) {
		case 0:
			a->verb = rnd(s) & 1 ? 0 : ALOCK_RDMA_LOCAL_READ;
			break;
		case 1:
			a->threads = rnd(s) & 1 ? 0 : ALOCK_RDMA_MAX_THREADS + 1;
			break;
		case 2:
			a->duration_ms = bad ? bad : ALOCK_STRESS_MAX_MS + 1;
			break;
		default:
			a->flags = 2;
			break;
		}
		return 1;
	}
	case C_TABLE: {
		struct alock_table_ctl *a = buf;

		if (rnd(s) & 1)
			a->reclaims = 1 + rnd(s) % UINT32_MAX;
		else
			a->op = rnd(s) & 1 ? 0 : 4;
		return 1;
	}
	case C_DLOCK_RUN: {
		struct alock_dlock_run *a = buf;

		switch (rnd(s) % 8) {
		case 0:
			a->lock = rnd(s) & 1 ? 0 : ALOCK_DLOCK_DSLR_LB + 1;
			break;
		case 6:
			/* reads: more than 100 %, or a lock without a shared mode */
			a->read_pct = 101 + rnd(s) % 1000;
			if (rnd(s) & 1) {
				a->read_pct = 1 + rnd(s) % 100;
				a->lock = range(s, ALOCK_DLOCK_ALOCK, ALOCK_DLOCK_RPC);
			}
			break;
		case 1:
			a->threads = rnd(s) & 1 ? 0 : ALOCK_RDMA_MAX_THREADS + 1;
			break;
		case 2:
			a->duration_ms = bad ? bad : ALOCK_STRESS_MAX_MS + 1;
			break;
		case 3:
			a->local_pct = 101;
			break;
		case 4:
			a->keys_per_op = rnd(s) & 1 ? 0 : 9;
			break;
		case 5:
			a->flags = rnd(s) & 1 ? 1U << 5 :
				   rnd(s) & 1 ? ALOCK_DLOCK_EVEN_KEYS | ALOCK_DLOCK_ODD_KEYS :
				   ALOCK_DLOCK_ONE_WRITER | ALOCK_DLOCK_ONE_READER;
			break;
		default:
			/* a node beyond ALOCK_CLUSTER_MAX_NODES */
			a->homes = 1U << (ALOCK_CLUSTER_MAX_NODES + rnd(s) % 16);
			break;
		}
		return 1;
	}
	case C_DLOCK_LOCK:
	case C_DLOCK_UNLOCK: {
		struct alock_dlock_key *a = buf;

		switch (rnd(s) % 5) {
		case 0:
			a->flags = c == C_DLOCK_LOCK ? 1 : 2;
			break;
		case 1:
			a->reserved = 1;
			break;
		case 2:
			a->reserved2 = 1;
			break;
		case 3:
			a->timeout_ms = ALOCK_CLUSTER_MAX_TIMEOUT_MS + 1 +
				rnd(s) % (UINT32_MAX - ALOCK_CLUSTER_MAX_TIMEOUT_MS);
			break;
		default:
			a->reserved3 = UINT32_MAX;
			break;
		}
		return 1;
	}
	case C_MM: {
		struct alock_mm_ctl *a = buf;

		switch (rnd(s) % 4) {
		case 0:
			a->reserved = 1;
			break;
		case 1:
			a->op = rnd(s) & 1 ? 3 : UINT32_MAX;
			break;
		case 2:
			a->op = ALOCK_MM_HOLD;
			a->hold_ms = rnd(s) & 1 ? 0 : 60001;
			break;
		default:
			a->op = ALOCK_MM_STATUS;
			a->flags = 1;
			break;
		}
		return 1;
	}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Command numbers.                                                       */

static int pick_valid(uint64_t *s)
{
	unsigned int total = 0, r;

	for (int i = 0; i < NCMDS; i++)
		total += cmds[i].weight;
	r = rnd(s) % total;
	for (int i = 0; i < NCMDS; i++) {
		if (r < cmds[i].weight)
			return i;
		r -= cmds[i].weight;
	}
	return C_VERSION;
}

/* A variant of a command's number that the module must not know. */
static uint32_t near_valid(uint64_t *s, uint32_t cmd)
{
	uint32_t dir = _IOC_DIR(cmd), type = _IOC_TYPE(cmd);
	uint32_t nr = _IOC_NR(cmd), size = _IOC_SIZE(cmd);
	int n = 1 + (chance(s, 20) ? 1 : 0);

	while (n--) {
		switch (rnd(s) % 6) {
		case 0: {
			static const int d[] = { 1, -1, 8, -8, 4096 };

			if (rnd(s) & 1)
				size = (size + d[rnd(s) % 5]) & _IOC_SIZEMASK;
			else
				size = rnd(s) & 1 ? 0 : rnd(s) & _IOC_SIZEMASK;
			break;
		}
		case 1:
			dir ^= 1 + rnd(s) % 3;
			break;
		case 2:
			type = rnd(s) & 0xff;
			break;
		case 3:
			nr = (nr + (rnd(s) & 1 ? 1 : -1)) & _IOC_NRMASK;
			break;
		case 4:	/* past the last command */
			nr = rnd(s) & 1 ? _IOC_NR(ALOCK_IOC_MM) + range(s, 1, 4) : 0xff;
			break;
		default:
			type = ALOCK_IOC_MAGIC ^ (1U << (rnd(s) % 8));
			break;
		}
	}
	return _IOC(dir, type, nr, size);
}

/* ---------------------------------------------------------------------- */
/* One call.                                                              */

struct call {
	int row;		/* histogram row */
	int c;			/* command index, or -1 */
	uint32_t cmd;
	int pclass;
	int rejected;		/* a field the kernel must reject */
	int work;		/* counted against the work budget */
	unsigned char *buf;	/* where the kernel sees the structure (RW view) */
	uint64_t arg;
	size_t size;
};

/* Builds call k of worker w: number, payload, pointer. */
static void build(struct worker *w, struct call *cl)
{
	uint64_t *s = &w->rng;
	unsigned char payload[PAGE];
	uint32_t u = rnd(s) % 100;
	unsigned char *page_b = w->area + PAGE;
	unsigned char *guard = w->area + 2 * PAGE;
	size_t size;

	memset(cl, 0, sizeof(*cl));
	if (u < 62) {
		cl->c = pick_valid(s);
		/*
		 * With a cluster, one LEAVE in fifty goes through (about 15 in
		 * 10^5 calls): each ends what the RDMA and table commands can
		 * reach until a JOIN (25 per thread) comes through.
		 */
		if (cl->c == C_LEAVE && cluster_addr && !chance(s, 2))
			cl->c = C_STATUS;
		cl->cmd = cmds[cl->c].cmd;
	} else {
		int tries = 0;

		do {
			if (u < 88)
				cl->cmd = near_valid(s, cmds[pick_valid(s)].cmd);
			else if (rnd(s) & 1)
				cl->cmd = (uint32_t)rnd(s);
			else	/* our type, anything else random */
				cl->cmd = ((uint32_t)rnd(s) & ~(0xffU << _IOC_TYPESHIFT)) |
					  (ALOCK_IOC_MAGIC << _IOC_TYPESHIFT);
		} while (vfs_type(cl->cmd) && lookup(cl->cmd) < 0 && ++tries < 100);
		cl->c = lookup(cl->cmd);
	}
	cl->row = cl->c >= 0 ? cl->c : u < 88 ? R_NEAR : R_RANDOM;
	size = _IOC_SIZE(cl->cmd);
	cl->size = size;

	/* the payload */
	memset(payload, 0, sizeof(payload));
	if (cl->c < 0) {
		for (size_t i = 0; i < sizeof(payload); i += 8) {
			uint64_t v = rnd(s);

			memcpy(payload + i, &v, 8);
		}
	} else if (size) {
		u = rnd(s) % 100;
		if (u < 8) {
			/* zeroed */
		} else if (u < 20) {
			for (size_t i = 0; i < size; i += 8) {
				uint64_t v = rnd(s);

				memcpy(payload + i, &v, size - i < 8 ? size - i : 8);
			}
		} else {
			int m = chance(s, 30) ? 0 : 1 + (chance(s, 25) ? rnd(s) % 3 : 0);

			template(w, cl->c, payload);
			while (m--)
				mutate(w, cl->c, payload, size);
		}
		bound_payload(w, cl->c, payload);
	}

	/* the pointer */
	u = rnd(s) % 100;
	cl->pclass = u < 45 ? P_GOOD : u < 52 ? P_UNALIGNED : u < 60 ? P_END :
		     u < 67 ? P_STRADDLE : u < 70 ? P_GUARD : u < 78 ? P_RO :
		     u < 82 ? P_NULL : u < 88 ? P_KERNEL : u < 91 ? P_NONCANON :
		     u < 94 ? P_LOW : P_RANDOM;
	if (size > PAGE - 64 && (cl->pclass == P_GOOD || cl->pclass == P_UNALIGNED ||
				 cl->pclass == P_RO))
		cl->pclass = P_END;	/* a random size of up to 16 KiB */
	if (size < 2 && cl->pclass == P_STRADDLE)
		cl->pclass = P_GUARD;

	/* the work budget and the rejected field, for readable arguments */
	if (cl->c >= 0 && size && readable(cl->pclass)) {
		int work = cmds[cl->c].work;

		if (cl->c == C_MM)
			work = ((struct alock_mm_ctl *)payload)->op != ALOCK_MM_STATUS;
		if (cl->c == C_JOIN && !cluster_addr)
			cl->rejected = reject(w, cl->c, payload);
		else if (chance(s, 20))
			cl->rejected = reject(w, cl->c, payload);
		else if (work && (cl->c == C_JOIN ? !w->joins_left : !w->work_left ||
				  (cl->c == C_SELFTEST && !w->selftests_left)))
			cl->rejected = reject(w, cl->c, payload);
		if (work && !cl->rejected) {
			cl->work = 1;
			if (cl->c == C_JOIN) {
				w->joins_left--;
			} else {
				w->work_left -= w->work_left > 0;
				if (cl->c == C_SELFTEST)
					w->selftests_left -= w->selftests_left > 0;
			}
		}
	}

	switch (cl->pclass) {
	case P_GOOD:
		cl->buf = page_b;
		break;
	case P_UNALIGNED:
		cl->buf = page_b + 1 + rnd(s) % 7;
		break;
	case P_END:
		cl->buf = guard - (size < PAGE ? size : PAGE);
		break;
	case P_STRADDLE:	/* 1..size-1 bytes mapped */
		cl->buf = guard - 1 - rnd(s) % (size - 1 < PAGE ? size - 1 : PAGE - 1);
		break;
	case P_RO:
		cl->buf = w->rw + (rnd(s) & 1 ? 0 : 1 + rnd(s) % 7);
		break;
	default:
		cl->buf = NULL;
		break;
	}
	if (cl->buf) {
		size_t room = cl->pclass == P_STRADDLE ? (size_t)(guard - cl->buf) : size;

		if (room > PAGE)
			room = PAGE;
		memcpy(cl->buf, payload, room);
		cl->arg = (uint64_t)(uintptr_t)cl->buf;
		if (cl->pclass == P_RO)
			cl->arg = (uint64_t)(uintptr_t)(w->ro + (cl->buf - w->rw));
	}
	switch (cl->pclass) {
	case P_GUARD:
		cl->arg = (uint64_t)(uintptr_t)guard + rnd(s) % PAGE;
		break;
	case P_NULL:
		cl->arg = 0;
		break;
	case P_KERNEL: {
		static const uint64_t k[] = {
			0xffff800000000000ULL, 0xffff888000000000ULL,
			0xffffffff81000000ULL, 0xfffffffffffff000ULL, UINT64_MAX,
		};

		cl->arg = k[rnd(s) % 5];
		break;
	}
	case P_NONCANON: {
		/*
		 * From TASK_SIZE up, and the non-canonical hole.  Not just below
		 * TASK_SIZE: without ASLR the stack ends there, and x86's
		 * access_ok() checks only the start of a small copy.
		 */
		static const uint64_t k[] = {
			0x00007ffffffff000ULL, 0x00007ffffffffff8ULL,
			0x0000800000000000ULL, 0x0000800000001000ULL,
			0x7fffffffffff0000ULL,
		};

		cl->arg = k[rnd(s) % 5];
		break;
	}
	case P_LOW:
		cl->arg = 1 + rnd(s) % 0xffff;
		break;
	case P_RANDOM:
		cl->arg = rnd(s);
		break;
	}
}

static uint64_t now_ns(void)
{
	return mono_ns();
}

/* Makes the call on fd, records it; errno or 0. */
static int do_call(struct worker *w, int fd, struct call *cl, unsigned long index)
{
	int r, err;

	w->in.index = index;
	w->in.cmd = cl->cmd;
	w->in.arg = cl->arg;
	w->in.pclass = cl->pclass;
	atomic_store(&w->in.start_ns, now_ns());
	r = ioctl(fd, cl->cmd, (unsigned long)cl->arg);
	err = r < 0 ? errno : 0;
	atomic_store(&w->in.start_ns, 0);
	if (r > 0)
		err = NERR - 1;	/* a positive result: never expected */
	if (err >= NERR)
		err = NERR - 1;
	w->hist[cl->row][err]++;
	return err;
}

#define FAIL(w, counter, ...) do {				\
		(w)->counter++;					\
		if ((w)->counter <= MAX_REPORTS)		\
			report(__VA_ARGS__);			\
	} while (0)

/* The checks of one call's result. */
static void check_result(struct worker *w, struct call *cl, int err, unsigned long index)
{
	const char *name = row_name(cl->row);

	if (cl->c < 0) {
		w->unknown++;
		if (err != ENOTTY)
			FAIL(w, enotty_bad, "unknown number: thread %d call %lu cmd %#x arg %#" PRIx64
			     " (%s) -> %s, want ENOTTY", w->idx, index, cl->cmd, cl->arg,
			     pclass_name[cl->pclass], errname(err));
		return;
	}
	if (!allowed(cl->row, err))
		FAIL(w, unexpected, "unexpected errno: thread %d call %lu %s cmd %#x arg %#" PRIx64
		     " (%s)%s -> %s", w->idx, index, name, cl->cmd, cl->arg,
		     pclass_name[cl->pclass], cl->rejected ? " rejected field" : "",
		     err == NERR - 1 ? "positive or out-of-range result" : errname(err));
	if (!cl->size)
		return;
	if (unreachable(cl->pclass)) {
		w->bad_ptr++;
		if (err != EFAULT)
			FAIL(w, efault_bad, "bad pointer: thread %d call %lu %s arg %#" PRIx64
			     " (%s) -> %s, want EFAULT", w->idx, index, name, cl->arg,
			     pclass_name[cl->pclass], errname(err));
		return;
	}
	if (cl->pclass == P_RO && _IOC_DIR(cl->cmd) & _IOC_READ) {
		w->ro_calls++;
		if (err == 0)
			FAIL(w, efault_bad, "read-only result: thread %d call %lu %s -> success, "
			     "want an error (EFAULT)", w->idx, index, name);
	}
	if (cl->rejected) {
		w->rejects++;
		if (err != EINVAL)
			FAIL(w, einval_bad, "rejected field: thread %d call %lu %s arg %#" PRIx64
			     " (%s) -> %s, want EINVAL", w->idx, index, name, cl->arg,
			     pclass_name[cl->pclass], errname(err));
	}
	w->work_calls += cl->work;

	/* a run that completed must have seen no violation */
	if (err == 0 && cl->pclass != P_RO) {
		uint64_t errors = 0;
		int have = 1;

		switch (cl->c) {
		case C_STRESS:
			memcpy(&errors, cl->buf + offsetof(struct alock_stress, errors), 8);
			break;
		case C_MRLOCK:
			memcpy(&errors, cl->buf + offsetof(struct alock_mrlock, errors), 8);
			break;
		case C_TXN:
			memcpy(&errors, cl->buf + offsetof(struct alock_txn, errors), 8);
			break;
		case C_RWSTRESS:
			memcpy(&errors, cl->buf + offsetof(struct alock_rwstress, errors), 8);
			break;
		case C_RWWAKE:
			memcpy(&errors, cl->buf + offsetof(struct alock_rwwake, errors), 8);
			break;
		case C_DLOCK_RUN:
			memcpy(&errors, cl->buf + offsetof(struct alock_dlock_run, errors), 8);
			break;
		case C_SELFTEST: {
			int32_t res;

			memcpy(&res, cl->buf + offsetof(struct alock_selftest, result), 4);
			w->selftests++;
			w->selftests_failed += res != 0;
			have = 0;
			break;
		}
		default:
			have = 0;
		}
		w->runs_checked += have;
		if (errors && cl->c == C_DLOCK_RUN) {
			struct alock_dlock_run d;

			memcpy(&d, cl->buf, sizeof(d));
			FAIL(w, violations, "violations: thread %d call %lu %s reported %" PRIu64
			     " errors (lock %u, %u threads, %u ms, %u%% local, %u keys/op, "
			     "flags %#x, homes %#x, %u%% reads, %" PRIu64 " ops)", w->idx, index,
			     name, errors, d.lock, d.threads, d.duration_ms, d.local_pct,
			     d.keys_per_op, d.flags, d.homes, d.read_pct, (uint64_t)d.ops);
		} else if (errors) {
			FAIL(w, violations, "violations: thread %d call %lu %s reported %" PRIu64
			     " errors", w->idx, index, name, errors);
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Threads.                                                               */

static void on_usr1(int sig)
{
	(void)sig;
}

static int open_alock(void)
{
	return open(devpath, O_RDWR | O_CLOEXEC);
}

/*
 * The child of a fork(): a few calls on the inherited files (shared with
 * the parent's threads) and a fresh one, opt the mm in sometimes, exit.
 * Only async-signal-safe calls (ioctl, open, close, alarm, _exit).
 * Exit status: the number of calls whose result was not allowed.
 */
static void child(struct worker *w)
{
	int fd = open_alock(), bad = 0;
	int n = 1 + rnd(&w->rng) % 16;

	w->child = 1;
	alarm(9);	/* SIGALRM kills a child whose call hangs (if it can) */
	for (int i = 0; i < n; i++) {
		struct call cl;
		int use = rnd(&w->rng) % 3;
		int f = use == 0 ? w->priv_fd : use == 1 ? shared_fd[rnd(&w->rng) % NSLOTS] : fd;
		int r;

		build(w, &cl);
		if (cl.c == C_MM && cl.size && rnd(&w->rng) % 4 == 0) {
			struct alock_mm_ctl m = { .op = ALOCK_MM_OPTIN };

			r = ioctl(f, ALOCK_IOC_MM, &m);
			bad += r < 0 && errno != EEXIST && errno != EOPNOTSUPP &&
			       errno != ENOMEM && errno != EINVAL;
			continue;
		}
		r = ioctl(f, cl.cmd, (unsigned long)cl.arg);
		if (!allowed(cl.row, r < 0 ? errno : 0))
			bad++;
	}
	_exit(bad > 100 ? 100 : bad);
}

static void maybe_fork(struct worker *w)
{
	uint64_t child_seed = rnd(&w->rng);
	pid_t pid;
	int st;

	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		w->rng = child_seed;
		child(w);
	}
	w->forks++;
	/* a child stuck in a call the alarm cannot end: the watchdog's */
	w->in.forked = 1;
	atomic_store(&w->in.start_ns, now_ns());
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	atomic_store(&w->in.start_ns, 0);
	w->in.forked = 0;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		FAIL(w, fork_hung, "fork child of thread %d (forked after call %lu): a call did"
		     " not return within 9 s", w->idx, w->done);
	else if (WIFEXITED(st) && WEXITSTATUS(st))
		FAIL(w, fork_bad, "fork child of thread %d (forked after call %lu): %d calls with"
		     " errnos not allowed", w->idx, w->done, WEXITSTATUS(st));
	else if (!WIFEXITED(st))
		FAIL(w, fork_bad, "fork child of thread %d (forked after call %lu): killed by"
		     " signal %d", w->idx, w->done, WTERMSIG(st));
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	w->tid = (pid_t)syscall(SYS_gettid);
	for (unsigned long k = 0; k < w->share; k++) {
		struct call cl;
		uint32_t u = rnd(&w->rng) % 10000;
		int fd, err;

		if (u < 3) {
			maybe_fork(w);
		} else if (u < 8) {
			/* close the private file (held keys are released) and reopen it */
			close(w->priv_fd);
			w->priv_fd = open_alock();
		}
		fd = rnd(&w->rng) & 1 ? w->priv_fd : atomic_load(&shared_fd[rnd(&w->rng) % NSLOTS]);
		build(w, &cl);
		err = do_call(w, fd, &cl, k);
		w->done++;
		check_result(w, &cl, err, k);
	}
	atomic_fetch_add(&workers_done, 1);
	return NULL;
}

/*
 * Replaces the shared files under the workers (dup2 of a fresh open: the
 * number keeps naming a /dev/alock file, the old file is released when
 * the last call on it returns), and opens files that lock a key and are
 * closed while they hold it.
 */
static void *opener_fn(void *arg)
{
	uint64_t s = seed ^ 0x6f70656e6572ULL;

	(void)arg;
	while (!atomic_load(&stop_helpers)) {
		int fd = open_alock();
		struct timespec ts = { 0, (long)(rnd(&s) % 2000000) };

		if (fd >= 0) {
			switch (rnd(&s) % 3) {
			case 0:
				dup2(fd, atomic_load(&shared_fd[rnd(&s) % NSLOTS]));
				break;
			case 1: {
				struct alock_dlock_key k = {
					.key = (uint32_t)(rnd(&s) % 8),
					.timeout_ms = 1 + rnd(&s) % KEY_TIMEOUT_MS,
				};

				atomic_store(&helper_in.start_ns, now_ns());
				helper_in.cmd = ALOCK_IOC_DLOCK_LOCK;
				ioctl(fd, ALOCK_IOC_DLOCK_LOCK, &k);
				atomic_store(&helper_in.start_ns, 0);
				break;
			}
			default: {
				int d = dup(atomic_load(&shared_fd[rnd(&s) % NSLOTS]));

				if (d >= 0)
					close(d);
				break;
			}
			}
			close(fd);
		}
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* SIGUSR1 to a random worker every 1..20 ms. */
static void *signaller_fn(void *arg)
{
	uint64_t s = seed ^ 0x7369676e616cULL;

	(void)arg;
	while (!atomic_load(&stop_helpers)) {
		struct timespec ts = { 0, 1000000L * (1 + (long)(rnd(&s) % 20)) };
		struct worker *w = &workers[rnd(&s) % nthreads];

		if (w->tid)
			pthread_kill(w->th, SIGUSR1);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void print_histogram(void);

/* A call that did not return: say which, with what it takes to repeat it. */
static void hang(struct inflight *in, const char *who)
{
	int c = lookup(in->cmd);

	if (in->forked)
		printf("not ok - a fork child of %s did not exit within 10 s (forked after its"
		       " call %" PRIu64 ")\n", who, (uint64_t)in->index);
	else
		printf("not ok - call %" PRIu64 " of %s (%s, cmd %#x, arg %#" PRIx64 ", %s) did"
		       " not return within %s\n", (uint64_t)in->index, who,
		       c >= 0 ? cmds[c].name : "unknown number", (unsigned int)in->cmd,
		       (uint64_t)in->arg, pclass_name[in->pclass],
		       in->cmd == ALOCK_IOC_SELFTEST ? "30 s" : "10 s");
	printf("# reproduce: alockfuzz -s %" PRIu64 " -n %lu -t %d%s\n", seed, ncalls, nthreads,
	       cluster_addr ? " -a ADDR" : "");
	print_histogram();
	fflush(stdout);
	_exit(1);
}

static void *watchdog_fn(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_watchdog)) {
		uint64_t now = now_ns();
		struct timespec ts = { 0, 200000000L };
		char who[32];

		for (int i = 0; i < nthreads; i++) {
			uint64_t t = atomic_load(&workers[i].in.start_ns);
			uint64_t lim = atomic_load(&workers[i].in.cmd) == ALOCK_IOC_SELFTEST ?
				       SELFTEST_HANG_NS : HANG_NS;

			if (t && now > t + lim) {
				snprintf(who, sizeof(who), "thread %d", i);
				hang(&workers[i].in, who);
			}
		}
		if (helper_in.start_ns && now > helper_in.start_ns + HANG_NS)
			hang(&helper_in, "the opener or main thread");
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Set-up, clean-up, report.                                              */

static int main_ioctl(int fd, uint32_t cmd, void *arg)
{
	int r;

	helper_in.cmd = cmd;
	helper_in.arg = (uint64_t)(uintptr_t)arg;
	atomic_store(&helper_in.start_ns, now_ns());
	r = xioctl(fd, cmd, arg);
	atomic_store(&helper_in.start_ns, 0);
	return r;
}

/* A one-node cluster with the loopback connection, and a lock table. */
static void cluster_setup(int fd)
{
	struct alock_cluster_join j = { 0 };
	struct alock_table_ctl t = { 0 };
	int r;

	j.nr_nodes = 1;
	j.window_size = ALOCK_CLUSTER_MAX_WINDOW;
	j.flags = ALOCK_CLUSTER_LOOPBACK;
	j.timeout_ms = 5000;	/* under the watchdog's 10 s */
	memcpy(j.key, fuzz_key, sizeof(j.key));
	j.nodes[0].family = AF_INET;
	j.nodes[0].port = JOIN_PORT;
	memcpy(j.nodes[0].addr, &cluster_addr, 4);
	r = main_ioctl(fd, ALOCK_IOC_CLUSTER_JOIN, &j);
	printf("# one-node cluster with the loopback: join %s\n", errname(-r));
	if (r) {
		/* a join would only time out: JOINs carry a rejected field */
		printf("# no cluster phase\n");
		cluster_addr = 0;
		return;
	}
	t.op = ALOCK_TABLE_CREATE;
	t.keys = TABLE_KEYS;
	r = main_ioctl(fd, ALOCK_IOC_TABLE, &t);
	printf("# lock table of %d keys: %s\n", TABLE_KEYS, errname(-r));
}

/* Leaves nothing behind that would keep rmmod from working. */
static void cleanup(int fd)
{
	struct alock_table_ctl t = { .op = ALOCK_TABLE_DESTROY };
	struct alock_cluster_status st = { 0 };
	int rd, rl, rs, rt;

	rd = main_ioctl(fd, ALOCK_IOC_TABLE, &t);
	rl = main_ioctl(fd, ALOCK_IOC_CLUSTER_LEAVE, NULL);
	rs = main_ioctl(fd, ALOCK_IOC_CLUSTER_STATUS, &st);
	memset(&t, 0, sizeof(t));
	t.op = ALOCK_TABLE_SUM;
	rt = main_ioctl(fd, ALOCK_IOC_TABLE, &t);
	tap((rd == 0 || rd == -ENOENT) && (rl == 0 || rl == -ENOTCONN) && rs == 0 &&
	    !st.joined && rt == -ENOENT,
	    "clean-up: lock table destroyed (%s), cluster left (%s), not joined (%s, %u), "
	    "no table (%s)", errname(-rd), errname(-rl), errname(-rs), st.joined, errname(-rt));
}

static void print_histogram(void)
{
	static uint64_t h[NROWS][NERR];
	char line[2048];

	for (int i = 0; i < nthreads; i++)
		for (int r = 0; r < NROWS; r++)
			for (int e = 0; e < NERR; e++)
				h[r][e] += workers[i].hist[r][e];
	printf("# errno histogram (calls by result, per command):\n");
	for (int r = 0; r < NROWS; r++) {
		uint64_t total = 0;
		int n;

		for (int e = 0; e < NERR; e++)
			total += h[r][e];
		n = snprintf(line, sizeof(line), "# %s: calls=%" PRIu64, row_name(r), total);
		for (int e = 0; e < NERR && n < (int)sizeof(line) - 40; e++) {
			if (!h[r][e])
				continue;
			n += snprintf(line + n, sizeof(line) - n, " %s=%" PRIu64,
				      e == NERR - 1 ? "other" : errname(e), h[r][e]);
		}
		puts(line);
	}
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-s SEED] [-n CALLS] [-t THREADS] [-d DEV] [-w WORK]"
		" [-a ADDR]\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	unsigned long work_set = 0, sum = 0;
	pthread_t opener, signaller, watchdog;
	int opt, fd, r, have_seed = 0;
	double t0, t1;

	while ((opt = getopt(argc, argv, "s:n:t:d:w:a:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			have_seed = 1;
			break;
		case 'n':
			ncalls = strtoul(optarg, NULL, 0);
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'd':
			devpath = optarg;
			break;
		case 'w':
			work_total = strtoul(optarg, NULL, 0);
			work_set = 1;
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &cluster_addr) != 1 || !cluster_addr)
				usage(argv[0]);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || nthreads < 1 || nthreads > MAX_THREADS)
		usage(argv[0]);
	if (!have_seed)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ mono_ns();
	if (!work_set)
		work_total = ncalls / 250 > 20 ? ncalls / 250 : 20;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# alockfuzz seed=%" PRIu64 "\n", seed);
	printf("# %lu calls, %d threads, %s, at most %lu commands that start work, "
	       "cluster phase %s\n", ncalls, nthreads, devpath, work_total,
	       cluster_addr ? "on" : "off");

	sigaction(SIGUSR1, &sa, NULL);
	/* open_dev(): /dev/alock, or a failed check and exit 1 */
	fd = strcmp(devpath, ALOCK_DEVICE) ? open(devpath, O_RDWR | O_CLOEXEC) : open_dev();
	if (fd < 0) {
		printf("not ok - open %s: %s\n", devpath, strerror(errno));
		return 1;
	}
	r = main_ioctl(fd, ALOCK_IOC_VERSION, &ver);
	if (r)
		printf("# ALOCK_IOC_VERSION before the run: %s\n", errname(-r));
	if (cluster_addr)
		cluster_setup(fd);
	for (int i = 0; i < NSLOTS; i++)
		shared_fd[i] = open_alock();

	workers = calloc(nthreads, sizeof(*workers));
	if (!workers)
		return 1;
	for (int i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];
		int mfd = memfd_create("alockfuzz", MFD_CLOEXEC);

		w->idx = i;
		w->rng = seed;
		w->rng = rnd(&w->rng) ^ (0x9e3779b97f4a7c15ULL * (i + 1));
		w->share = ncalls / nthreads + ((unsigned long)i < ncalls % nthreads);
		w->work_left = work_total / nthreads + ((unsigned long)i < work_total % nthreads);
		w->selftests_left = w->work_left / 10 + 1;
		w->joins_left = 25;	/* EBUSY while joined: cheap */
		w->priv_fd = open_alock();
		w->area = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w->area == MAP_FAILED || mfd < 0 || ftruncate(mfd, PAGE) ||
		    mprotect(w->area + 2 * PAGE, PAGE, PROT_NONE)) {
			printf("not ok - set-up of thread %d: %s\n", i, strerror(errno));
			return 1;
		}
		w->rw = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		w->ro = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, mfd, 0);
		close(mfd);
		if (w->rw == MAP_FAILED || w->ro == MAP_FAILED) {
			printf("not ok - set-up of thread %d: %s\n", i, strerror(errno));
			return 1;
		}
	}

	t0 = now_s();
	pthread_create(&watchdog, NULL, watchdog_fn, NULL);
	for (int i = 0; i < nthreads; i++)
		pthread_create(&workers[i].th, NULL, worker_fn, &workers[i]);
	pthread_create(&opener, NULL, opener_fn, NULL);
	pthread_create(&signaller, NULL, signaller_fn, NULL);
	/* the signaller must stop before a worker is joined (pthread_kill) */
	while (atomic_load(&workers_done) < nthreads) {
		struct timespec ts = { 0, 10000000L };

		nanosleep(&ts, NULL);
	}
	t1 = now_s();
	atomic_store(&stop_helpers, 1);
	pthread_join(opener, NULL);
	pthread_join(signaller, NULL);
	for (int i = 0; i < nthreads; i++)
		pthread_join(workers[i].th, NULL);

	/* the report */
	{
		unsigned long unexpected = 0, enotty = 0, efault = 0, einval = 0, viol = 0;
		unsigned long unknown = 0, bad_ptr = 0, ro = 0, rejects = 0, work = 0;
		unsigned long forks = 0, fork_bad = 0, fork_hung = 0, runs = 0, st = 0;
		unsigned long st_failed = 0;
		double secs = t1 - t0;

		for (int i = 0; i < nthreads; i++) {
			struct worker *w = &workers[i];

			sum += w->done;
			unexpected += w->unexpected;
			enotty += w->enotty_bad;
			efault += w->efault_bad;
			einval += w->einval_bad;
			viol += w->violations;
			unknown += w->unknown;
			bad_ptr += w->bad_ptr;
			ro += w->ro_calls;
			rejects += w->rejects;
			work += w->work_calls;
			forks += w->forks;
			fork_bad += w->fork_bad;
			fork_hung += w->fork_hung;
			runs += w->runs_checked;
			st += w->selftests;
			st_failed += w->selftests_failed;
		}
		print_histogram();
		printf("# %lu calls in %.1f s (%.0f calls/s), %lu commands that started work, "
		       "%lu forks\n", sum, secs, sum / (secs > 0 ? secs : 1), work, forks);
		/* they share the module's global counters with the runs beside them */
		printf("# %lu self-tests ran, %lu reported a failed check in .result (not counted:"
		       " the concurrent runs disturb some)\n", st, st_failed);
		tap(!fork_hung, "alockfuzz: every call returned within 10 s, a self-test 30 s"
		    " (%lu of %lu fork children's did not)", fork_hung, forks);
		tap(!unexpected && !fork_bad, "alockfuzz: every errno is one its command may return"
		    " (%lu not; %lu of %lu fork children had such calls or crashed)", unexpected,
		    fork_bad, forks);
		tap(!enotty, "alockfuzz: numbers the module does not know get ENOTTY (%lu of %lu "
		    "not)", enotty, unknown);
		tap(!efault, "alockfuzz: unreachable arguments get EFAULT, read-only ones never "
		    "succeed (%lu of %lu + %lu not)", efault, bad_ptr, ro);
		tap(!einval, "alockfuzz: fields the kernel must reject get EINVAL (%lu of %lu not)",
		    einval, rejects);
		tap(!viol, "alockfuzz: runs that completed saw no violation (%lu of %lu did)",
		    viol, runs);
		tap(sum == ncalls, "alockfuzz: %lu calls made, %lu asked for", sum, ncalls);
	}

	/* the device still works, and nothing is left behind */
	for (int i = 0; i < NSLOTS; i++)
		close(shared_fd[i]);
	for (int i = 0; i < nthreads; i++)
		close(workers[i].priv_fd);
	memset(&ver, 0, sizeof(ver));
	r = main_ioctl(fd, ALOCK_IOC_VERSION, &ver);
	tap(r == 0 && ver.abi_version == ALOCK_ABI_VERSION,
	    "alockfuzz: ALOCK_IOC_VERSION afterwards: %s, ABI %u (header %d)", errname(-r),
	    ver.abi_version, ALOCK_ABI_VERSION);
	cleanup(fd);
	close(fd);
	atomic_store(&stop_watchdog, 1);
	pthread_join(watchdog, NULL);
	if (failures)
		printf("# reproduce: alockfuzz -s %" PRIu64 " -n %lu -t %d%s\n", seed, ncalls,
		       nthreads, cluster_addr ? " -a ADDR" : "");
	printf("# alockfuzz seed=%" PRIu64 ": %d check%s failed\n", seed, failures,
	       failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
