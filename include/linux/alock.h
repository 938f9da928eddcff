/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alock: scalable kernel locks - C API for kernel code.
 *
 * The locks are implemented in Rust in alock.ko and exported with
 * EXPORT_SYMBOL_GPL; a module using them depends on alock.ko.  Each lock
 * object here is a handle to a lock that alock.ko allocates at init, so the
 * layout of the Rust side never leaks into C: init may fail with -ENOMEM
 * (or -EINVAL for bad parameters) and every successful init must be paired
 * with a destroy once the lock is unused.
 *
 * Spinning locks (ticket, MCS, ABQL, multi-resource): same rules as
 * spinlock_t.  Preemption is disabled from lock to unlock, the holder must
 * not sleep, unlock must run in the task that locked, and the locks must
 * not be used from interrupt context (hard or soft IRQ, NMI: the per-CPU
 * MCS nodes and ABQL's one-slot-per-CPU bound assume task context; kernels
 * with lockdep WARN once, see alock_misuse_count()).  lockdep sees each
 * lock as an exclusive lock of the class of its init site; the *_nested()
 * variants take a subclass, as spin_lock_nested() does.  A CPU may hold any
 * number of MCS locks at once (beyond 16, a lock's spare node is used).
 * Init failing leaves the handle empty: destroy of it is a no-op.  A held
 * lock cannot be destroyed (refused, with a WARN).
 *
 * See Documentation/queue-locks.rst and Documentation/mrlock.rst.
 */
#ifndef _LINUX_ALOCK_H
#define _LINUX_ALOCK_H

#include <linux/bits.h>
#include <linux/lockdep_types.h>
#include <linux/types.h>

/* Ticket spinlock: FIFO, all waiters spin on one cache line. */
struct alock_ticket {
	void *impl;
};

/* MCS queue lock: FIFO, each waiter spins on its own per-CPU node. */
struct alock_mcs {
	void *impl;
};

/* Anderson's array-based queue lock: FIFO, one cache line per slot. */
struct alock_abql {
	void *impl;
};

/* Multi-resource lock (h-out-of-k, k <= 64). */
struct alock_mrlock {
	void *impl;
};

/* Schemes of a multi-resource lock. */
enum alock_mr_scheme {
	ALOCK_MR_SCHEME_QUEUE = 0,	/* MRLock: FIFO queue of requests */
	ALOCK_MR_SCHEME_BITSET = 1,	/* one CAS on a bitset word, unfair */
	ALOCK_MR_SCHEME_ADAPTIVE = 2,	/* bitset until contended, then queue */
};

/* Resources held through a multi-resource lock; filled by the lock call. */
struct alock_mr_hold {
	u64 resources;
	u64 grant;
};

int __alock_ticket_init(struct alock_ticket *l, const char *name,
			struct lock_class_key *key);
void alock_ticket_destroy(struct alock_ticket *l);
void alock_ticket_lock(struct alock_ticket *l);
/* lockdep subclass @subclass (< 8), as spin_lock_nested(). */
void alock_ticket_lock_nested(struct alock_ticket *l, unsigned int subclass);
bool alock_ticket_trylock(struct alock_ticket *l);
void alock_ticket_unlock(struct alock_ticket *l);

int __alock_mcs_init(struct alock_mcs *l, const char *name,
		     struct lock_class_key *key);
void alock_mcs_destroy(struct alock_mcs *l);
void alock_mcs_lock(struct alock_mcs *l);
/* lockdep subclass @subclass (< 8), as spin_lock_nested(). */
void alock_mcs_lock_nested(struct alock_mcs *l, unsigned int subclass);
bool alock_mcs_trylock(struct alock_mcs *l);
void alock_mcs_unlock(struct alock_mcs *l);

/* @slots: slot count, rounded up to a power of two; 0: nr_cpu_ids. */
int __alock_abql_init(struct alock_abql *l, unsigned int slots,
		      const char *name, struct lock_class_key *key);
void alock_abql_destroy(struct alock_abql *l);
void alock_abql_lock(struct alock_abql *l);
/* lockdep subclass @subclass (< 8), as spin_lock_nested(). */
void alock_abql_lock_nested(struct alock_abql *l, unsigned int subclass);
bool alock_abql_trylock(struct alock_abql *l);
void alock_abql_unlock(struct alock_abql *l);
unsigned int alock_abql_capacity(struct alock_abql *l);

/* @cells: ring size, a power of two >= 2; 0: chosen from nr_cpu_ids. */
int __alock_mrlock_init(struct alock_mrlock *l, enum alock_mr_scheme scheme,
			unsigned int cells, const char *name,
			struct lock_class_key *key);
void alock_mrlock_destroy(struct alock_mrlock *l);
/* Acquires the resources in @resources (bit i = resource i, non-zero). */
int alock_mrlock_lock(struct alock_mrlock *l, u64 resources,
		      struct alock_mr_hold *hold);
int alock_mrlock_lock_nested(struct alock_mrlock *l, u64 resources,
			     struct alock_mr_hold *hold, unsigned int subclass);
/* Releases @hold and empties it; an empty or stale hold is refused. */
void alock_mrlock_unlock(struct alock_mrlock *l, struct alock_mr_hold *hold);

/*
 * Misuse is caught, not obeyed: an unlock by a task that does not hold the
 * lock, a double unlock, a stale or empty multi-resource hold and a destroy
 * of a held lock are refused (the lock stays as it was) and reported with a
 * WARN, once per kind.  Returns how many were refused since the module
 * loaded.
 */
unsigned int alock_misuse_count(void);

#define alock_ticket_init(l)						\
({									\
	static struct lock_class_key __key;				\
	__alock_ticket_init((l), #l, &__key);				\
})

#define alock_mcs_init(l)						\
({									\
	static struct lock_class_key __key;				\
	__alock_mcs_init((l), #l, &__key);				\
})

#define alock_abql_init(l, slots)					\
({									\
	static struct lock_class_key __key;				\
	__alock_abql_init((l), (slots), #l, &__key);			\
})

#define alock_mrlock_init(l, scheme, cells)				\
({									\
	static struct lock_class_key __key;				\
	__alock_mrlock_init((l), (scheme), (cells), #l, &__key);	\
})

/*
 * Distributed lock table (ALock over RDMA, Documentation/alock.rst).
 *
 * The node's table is created through /dev/alock (ALOCK_IOC_TABLE) after
 * the node joined its cluster; kernel code then takes its locks by key.
 * A handle belongs to one thread at a time and holds at most 8 keys.
 * Process context only: waiters poll and yield the CPU between polls.
 * Lock functions return 0 or a negative errno: -EINVAL (bad key), -EDEADLK
 * (key already held by this handle), -ETIMEDOUT (the handle's timeout),
 * -EINTR (a signal), -EPIPE (the lock is broken: the key's home was
 * lost), -ENOTCONN (no connection to the key's home).  A key whose holder
 * or waiter died is reset by its home after the table's lease
 * (Documentation/alock.rst, "Failures"): waiters get it then.
 */
struct alock_dl;

/* ERR_PTR(-ENOENT) without a table, ERR_PTR(-EBUSY) with 64 handles out. */
struct alock_dl *alock_dl_get(unsigned int timeout_ms);
/* Releases the keys still held, frees the handle. */
void alock_dl_put(struct alock_dl *h);
int alock_dl_lock(struct alock_dl *h, u32 key);
/* -ENOENT if the handle does not hold @key. */
int alock_dl_unlock(struct alock_dl *h, u32 key);
/*
 * Lock-and-fetch: alock_dl_lock(), and @value gets the 16 bytes the key's
 * lock protects (read with the lock where that costs no extra verb);
 * *@torn (if @torn is not NULL): the key was reset after a node died
 * holding it, and nobody wrote the value back since.
 */
int alock_dl_lock_fetch(struct alock_dl *h, u32 key, u64 value[2], bool *torn);
/* Write-back-and-release: @value is written back with the release. */
int alock_dl_unlock_store(struct alock_dl *h, u32 key, const u64 value[2]);
/*
 * Reader-writer mode (ALock-RW, Documentation/alock.rst "Reader-writer
 * mode") and try-locks: @flags is 0 (ALock, as alock_dl_lock()),
 * ALOCK_DL_RW (ALock-RW, exclusive: excludes the key's readers) or
 * ALOCK_DL_SHARED (ALock-RW, shared), each with or without ALOCK_DL_TRY
 * (no wait: -EAGAIN if the key is busy).  A handle holds its keys all
 * with ALock or all with ALock-RW, and a node uses one kind at a time
 * (-EBUSY otherwise).  @value and @torn as for alock_dl_lock_fetch(), or
 * NULL.  A shared holder's alock_dl_unlock_store() releases the key and
 * returns -EPERM: readers write nothing back.
 */
#define ALOCK_DL_RW		BIT(0)
#define ALOCK_DL_SHARED		BIT(1)
#define ALOCK_DL_TRY		BIT(2)
int alock_dl_lock_flags(struct alock_dl *h, u32 key, unsigned int flags, u64 value[2],
			bool *torn);
/* Sorts @keys in place; takes them in ascending order; all or none. */
int alock_dl_lock_many(struct alock_dl *h, u32 *keys, unsigned int n);
int alock_dl_unlock_all(struct alock_dl *h);
u32 alock_dl_keys(struct alock_dl *h);
u32 alock_dl_home(struct alock_dl *h, u32 key);
u32 alock_dl_node(struct alock_dl *h);

#endif /* _LINUX_ALOCK_H */
