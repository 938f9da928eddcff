/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * alock: scalable kernel locks - user-space interface of /dev/alock.
 *
 * Every ioctl argument is a fixed-size structure whose size is part of the
 * command number, so a caller built against another layout gets -ENOTTY.
 * Reserved fields and flags must be zero (-EINVAL otherwise); they give room
 * to extend a structure without a new command.  ALOCK_ABI_VERSION changes
 * whenever a command or a structure changes incompatibly; the module
 * reports its own with ALOCK_IOC_VERSION.
 */
#ifndef _UAPI_LINUX_ALOCK_H
#define _UAPI_LINUX_ALOCK_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define ALOCK_ABI_VERSION	1
#define ALOCK_IOC_MAGIC		0xA1
#define ALOCK_DEVICE		"/dev/alock"

/**
 * struct alock_version - ALOCK_IOC_VERSION
 * @abi_version:	ALOCK_ABI_VERSION of the module
 * @nr_cpus:		online CPUs when the call was made
 * @nr_locks:		number of lock types the module can stress (ids
 *			1..nr_locks, see enum alock_lock_id)
 * @nr_tests:		number of in-kernel self-tests (ids 1..nr_tests)
 * @features:		ALOCK_FEAT_* bits
 * @module_version:	NUL-terminated version string of the module
 */
struct alock_version {
	__u32 abi_version;
	__u32 nr_cpus;
	__u32 nr_locks;
	__u32 nr_tests;
	__u64 features;
	char module_version[32];
};

/* The kernel was built with lockdep (CONFIG_PROVE_LOCKING). */
#define ALOCK_FEAT_LOCKDEP	(1ULL << 0)

/**
 * struct alock_abi_entry - one ioctl command the module implements
 * @cmd:	the full command number (direction, size, type, number)
 * @arg_size:	size of its argument structure as the module sees it
 */
struct alock_abi_entry {
	__u32 cmd;
	__u32 arg_size;
};

/**
 * struct alock_abi - ALOCK_IOC_ABI: list the commands the module implements
 * @entries:	user pointer to an array of struct alock_abi_entry
 * @nr_entries:	in: capacity of @entries (at most ALOCK_ABI_MAX_ENTRIES);
 *		out: number of commands the module has (may exceed the
 *		capacity: then only the first ones were written)
 * @entry_size:	must be sizeof(struct alock_abi_entry)
 *
 * Lets user space check that its header and the module agree on every
 * command encoding.  -EFAULT for an unwritable @entries.
 */
struct alock_abi {
	__u64 entries;
	__u32 nr_entries;
	__u32 entry_size;
};

#define ALOCK_ABI_MAX_ENTRIES	256

/**
 * struct alock_selftest - ALOCK_IOC_SELFTEST: run one in-kernel self-test
 * @test:	test id, 1..alock_version.nr_tests
 * @flags:	must be 0
 * @result:	out: 0 on success, otherwise a negative errno saying why
 * @checks:	out: number of individual checks the test made
 * @name:	out: NUL-terminated name of the test
 *
 * The ioctl itself fails only for bad arguments (-EINVAL, -EFAULT); a test
 * that ran and failed reports it in @result.
 */
struct alock_selftest {
	__u32 test;
	__u32 flags;
	__s32 result;
	__u32 checks;
	char name[48];
};

/**
 * enum alock_lock_id - lock types for ALOCK_IOC_STRESS
 * @ALOCK_LOCK_SPINLOCK:	stock spinlock_t (qspinlock), baseline
 * @ALOCK_LOCK_MUTEX:		stock struct mutex, baseline
 */
enum alock_lock_id {
	ALOCK_LOCK_SPINLOCK = 1,
	ALOCK_LOCK_MUTEX = 2,
};

/* Threads are not bound to a CPU (default: thread i runs on online CPU i % n). */
#define ALOCK_STRESS_UNBOUND	(1U << 0)
#define ALOCK_STRESS_FLAGS	(ALOCK_STRESS_UNBOUND)

#define ALOCK_STRESS_MAX_THREADS	256
#define ALOCK_STRESS_MAX_MS		600000
#define ALOCK_STRESS_MAX_CS_SPINS	100000

/**
 * struct alock_stress - ALOCK_IOC_STRESS: mutual-exclusion stress run
 * @lock:	enum alock_lock_id
 * @threads:	kernel threads, 1..ALOCK_STRESS_MAX_THREADS
 * @duration_ms: run time, 1..ALOCK_STRESS_MAX_MS
 * @flags:	ALOCK_STRESS_* bits
 * @cs_spins:	busy-wait iterations inside each critical section
 *		(0..ALOCK_STRESS_MAX_CS_SPINS)
 * @reserved:	must be 0
 * @ops:	out: critical sections completed, all threads
 * @errors:	out: mutual-exclusion violations seen (owner word not free on
 *		entry or changed inside, or protected counter != @ops)
 * @elapsed_ns:	out: wall time of the run
 * @min_thread_ops: out: fewest critical sections of any thread
 * @max_thread_ops: out: most critical sections of any thread
 *
 * Each thread repeatedly takes the lock, checks that an owner word is free,
 * claims it, increments a protected counter with a plain (non-atomic)
 * read-modify-write, spins, checks it still owns the word and releases.
 * Returns -EINTR if a signal cut the run short (the threads are stopped).
 */
struct alock_stress {
	__u32 lock;
	__u32 threads;
	__u32 duration_ms;
	__u32 flags;
	__u32 cs_spins;
	__u32 reserved;
	__u64 ops;
	__u64 errors;
	__u64 elapsed_ns;
	__u64 min_thread_ops;
	__u64 max_thread_ops;
};

#define ALOCK_IOC_VERSION	_IOR(ALOCK_IOC_MAGIC, 0x00, struct alock_version)
#define ALOCK_IOC_ABI		_IOWR(ALOCK_IOC_MAGIC, 0x01, struct alock_abi)
#define ALOCK_IOC_SELFTEST	_IOWR(ALOCK_IOC_MAGIC, 0x02, struct alock_selftest)
#define ALOCK_IOC_STRESS	_IOWR(ALOCK_IOC_MAGIC, 0x03, struct alock_stress)

#endif /* _UAPI_LINUX_ALOCK_H */
