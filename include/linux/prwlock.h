/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prwlock: passive reader-writer lock (Liu, Zhang, Chen, "Scalable
 * Read-mostly Synchronization Using Passive Reader-Writer Locks", USENIX
 * ATC 2014), provided by alock.ko.
 *
 * Readers take the lock without any atomic instruction or memory barrier:
 * they count themselves on their own CPU and read the lock's writer word.
 * A writer bumps a 64-bit version and waits until every CPU has reported
 * it (CPUs that do not report soon get an IPI), then waits for the passive
 * readers it found and for the active ones (readers that blocked or were
 * preempted inside their read side, converted at context switch by the
 * patched scheduler).  Readers that arrive while a writer is in sleep on
 * their own CPU's wait queue; the writer wakes every CPU's queue in
 * parallel (one IPI to all CPUs with sleepers, each waking its own queue)
 * when it leaves.
 *
 * Rules: both sides may sleep (process context only); the read side may
 * sleep, be preempted and migrate while holding the lock; read locks are
 * not recursive (a writer in between would deadlock; lockdep reports it);
 * unlock in the task that locked.  The trylocks are for task context too:
 * a hold is recorded in the current task, so prwlock_read_trylock() in an
 * interrupt warns once and fails.  Writers are serialised by a mutex (in
 * the mutex's order, which is not strictly FIFO); a writer first lets in
 * the readers that waited for the previous writer, so neither side
 * starves.  A passive reader that stays in past a short spin of the
 * writer is asked by IPI to convert its hold to active mode (if it was
 * interrupted where it could have been preempted), and the writer sleeps
 * until the active readers leave.  A write trylock announces itself
 * before it can fail, so a failed one can make concurrent read trylocks
 * fail too.  The lock does not
 * protect its own lifetime: prwlock_destroy() only when no task holds it
 * or waits for it.
 *
 * Lock domain: by default a writer's consensus covers every online CPU
 * (and skips idle ones without asking them).  prwlock_set_domain() narrows
 * it to the CPUs of a mask that the user keeps with these rules: a passive
 * reader runs only on a CPU whose bit is set, the bit is set with a fully
 * ordered atomic before such a reader runs there, and it is cleared with
 * one (the mmap_lock provider: x86's mm_cpumask(), whose bits are set and
 * cleared with locked instructions at switch_mm()).  A reader that got in
 * before its CPU's bit was cleared, converted or not, is still waited
 * for: the writer reads the passive count of every online CPU, only its
 * consensus skips the CPUs outside the domain.  A reader that may run
 * outside the domain takes the read side with prwlock_read_lock_active()
 * and its _killable()/trylock variants: one fully ordered atomic instead
 * of the passive fast path; all read holds end with prwlock_read_unlock().
 *
 * Context: every call is for task context with interrupts enabled.  These
 * sleep: prwlock_read_lock*(), prwlock_write_lock*() (all but the
 * trylocks).  These may sleep too, so call them only where sleeping is
 * allowed: prwlock_write_trylock*() (it takes the writer mutex, reaches
 * consensus with IPIs it waits for, and on failure releases as below),
 * prwlock_write_unlock() and prwlock_downgrade_write() (they release the
 * writer mutex and wake the waiting readers, through wait-queue spinlocks,
 * which sleep on PREEMPT_RT, and by IPI); all three call might_sleep().
 * These do not sleep (on PREEMPT_RT a wake-up of the writer may): the read
 * trylocks, prwlock_read_unlock(), prwlock_is_locked(); a read unlock may
 * come with preemption disabled.
 *
 * Hold limit: a task records its read holds in its task_struct
 * (PRW_MAX_HELD = 8 of <linux/prwlock_types.h>, for the scheduler's
 * conversion).  A task holding more read locks at once still gets each
 * one, in active mode (one fully ordered atomic on the lock's active
 * count instead of the passive fast path): correct, only slower.
 *
 * lockdep: a lock has one lockdep map, of the class of its init site
 * (prwlock_init(), or DEFINE_STATIC_PRWLOCK()'s lock itself).  Readers
 * are shared non-recursive acquisitions, writers exclusive; two locks of
 * one class are nested with the _nested() variants (subclass 1..7, as for
 * rwsems), and prwlock_downgrade_write() keeps the subclass of the write
 * hold.  lockdep_assert_held(l), lockdep_assert_held_read(l) and
 * lockdep_assert_held_write(l) work on a struct prwlock * (they read its
 * @dep_map), as on a struct rw_semaphore *.
 *
 * See Documentation/prwlock.rst.  The code is in rust/sync/prwlock/:
 * fast.c (read fast paths, write entry and exit, IPI handlers), reader.rs
 * (read slow paths), consensus.rs (the writer's wait for readers:
 * consensus, idle and domain skips, bounded drain), raw.rs (set-up, the
 * rest of the writer), state.rs (this structure's Rust mirror and its
 * layout check); the tops of fast.c, raw.rs and consensus.rs hold the
 * memory-ordering argument.  Functions defined in C are exported in
 * fast.c, those defined in Rust in exports.c.
 */
#ifndef _LINUX_PRWLOCK_H
#define _LINUX_PRWLOCK_H

#include <linux/bits.h>
#include <linux/cache.h>
#include <linux/cpumask_types.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/prwlock_types.h>
#include <linux/types.h>
#include <linux/wait.h>

/**
 * struct prwlock_pcpu - one CPU's part of a prwlock
 * @passive:	readers holding the lock in passive mode on this CPU
 * @__pad:	padding before @seen
 * @seen:	the last writer version this CPU reported
 * @wq:		readers on this CPU waiting for a writer to leave
 */
struct prwlock_pcpu {
	unsigned int		passive;
	unsigned int		__pad;
	u64			seen;
	wait_queue_head_t	wq;
} ____cacheline_aligned_in_smp;

/**
 * struct prwlock_wstat - one lock's writer counters
 * @rounds:	consensus rounds of its writers and write trylocks
 * @ipis:	report IPIs its writers sent
 * @idle_skips:	CPUs taken as reported because they were idle
 * @domain_skips: online CPUs outside the lock's domain, not looked at
 * @drain_ipis:	conversion IPIs its writers sent to passive readers
 *
 * Written only by the holder of the writer mutex; the self-tests read
 * them (alock.ko also sums them over all locks, per CPU, in its
 * statistics).
 */
struct prwlock_wstat {
	u64	rounds;
	u64	ipis;
	u64	idle_skips;
	u64	domain_skips;
	u64	drain_ipis;
};

/**
 * struct prwlock - a passive reader-writer lock
 * @pcpu:	per-CPU reader state
 * @wpending:	non-zero while a writer holds or is acquiring the lock
 * @version:	incremented by each writer; readers report it
 * @active:	active readers (blocked/preempted/slow-path readers)
 * @rwait:	readers sleeping until a writer leaves
 * @flags:	alock.ko's benchmark switches (private)
 * @wake_pending: wake-up IPIs sent and not finished yet
 * @setup:	__PRWLOCK_STATIC for a DEFINE_STATIC_PRWLOCK() lock, with
 *		__PRWLOCK_LAZY_WQ until its first writer has initialised the
 *		per-CPU wait queues
 * @stat_active_unlocks: read unlocks that took the active path
 * @wstat:	writer counters
 * @domain:	CPUs that may run passive readers, or NULL for all
 * @wmutex:	serialises writers
 * @wwait:	the writer waits here for active readers to leave
 * @dep_map:	lockdep
 *
 * Initialise with prwlock_init() (may fail: it allocates per-CPU memory)
 * and free with prwlock_destroy(), or define with DEFINE_STATIC_PRWLOCK()
 * (no initialisation).  Fields are private to alock.ko.
 */
struct prwlock {
	struct prwlock_pcpu __percpu	*pcpu;
	unsigned long			wpending;
	u64				version;
	atomic_t			active;
	atomic_t			rwait;
	unsigned int			flags;
	atomic_t			wake_pending;
	unsigned int			setup;
	u64				stat_active_unlocks;
	struct prwlock_wstat		wstat;
	const struct cpumask		*domain;
	/* Serialises writers (prwlock_init(): not validated, @dep_map is). */
	struct mutex			wmutex;
	wait_queue_head_t		wwait;
	struct lockdep_map		dep_map;
};

/* @setup bits, private to alock.ko and DEFINE_STATIC_PRWLOCK(). */
#define __PRWLOCK_STATIC	BIT(0)
#define __PRWLOCK_LAZY_WQ	BIT(1)

#ifdef CONFIG_LOCKDEP
#define __PRWLOCK_DEP_MAP_INIT(lockname)	.dep_map = { .name = #lockname },
#else
#define __PRWLOCK_DEP_MAP_INIT(...)
#endif

/*
 * A lock defined with its per-CPU part in static per-CPU memory, as
 * __DEFINE_PERCPU_RWSEM() does, so that nothing is allocated and nothing
 * can fail.  Everything has a static initialiser but the per-CPU wait
 * queues: a static per-CPU variable has one initialiser for every CPU's
 * copy, and a wait queue's list head points to itself, i.e. to a
 * different address on each CPU.  They start zeroed (__PRWLOCK_LAZY_WQ)
 * and the lock's first writer initialises them, holding the writer
 * mutex, before it announces itself: nothing touches a wait queue before
 * a writer has announced itself (a reader sleeps on one only after it
 * read the writer word set, a writer wakes them only after its
 * announcement), so the initialisation is race-free and cannot fail.
 * Module per-CPU memory is small (PERCPU_MODULE_RESERVE, shared by all
 * modules): define a few such locks, not arrays of them.
 */
#define __DEFINE_PRWLOCK(lockname, is_static)				\
static DEFINE_PER_CPU(struct prwlock_pcpu, __prwlock_pcpu_##lockname);	\
is_static struct prwlock lockname = {					\
	.pcpu = &__prwlock_pcpu_##lockname,				\
	.active = ATOMIC_INIT(0),					\
	.rwait = ATOMIC_INIT(0),					\
	.wake_pending = ATOMIC_INIT(0),					\
	.setup = __PRWLOCK_STATIC | __PRWLOCK_LAZY_WQ,			\
	.wmutex = __MUTEX_INITIALIZER(lockname.wmutex),			\
	.wwait = __WAIT_QUEUE_HEAD_INITIALIZER(lockname.wwait),		\
	__PRWLOCK_DEP_MAP_INIT(lockname)				\
}

/**
 * DEFINE_PRWLOCK - define a global prwlock that needs no initialisation
 * @lockname: the lock's name (also its lockdep class)
 *
 * As DEFINE_PERCPU_RWSEM(): the lock is usable at once, there is no
 * prwlock_init() to fail.  Its lockdep class is the lock itself, and its
 * writer mutex has a lockdep class of its own (a prwlock_init() lock's
 * is not validated).  prwlock_destroy() frees nothing of it, but a module
 * that defines one calls it before it is unloaded: it waits for the last
 * writer's wake-up IPIs, which may still touch the lock, and checks that
 * the lock is free.
 */
#define DEFINE_PRWLOCK(lockname)	__DEFINE_PRWLOCK(lockname, /* global */)

/**
 * DEFINE_STATIC_PRWLOCK - DEFINE_PRWLOCK() with internal linkage
 * @lockname: the lock's name (also its lockdep class)
 */
#define DEFINE_STATIC_PRWLOCK(lockname)	__DEFINE_PRWLOCK(lockname, static)

/**
 * __prwlock_init - initialise a prwlock with a given lockdep class
 * @l: the lock
 * @name: its name for lockdep
 * @key: its lockdep class, which lives as long as the lock
 *
 * Return: 0, -ENOMEM, or -EINVAL for a NULL argument.
 */
int __prwlock_init(struct prwlock *l, const char *name,
		   struct lock_class_key *key);

/**
 * prwlock_init - initialise a prwlock
 * @l: the lock
 *
 * Allocates the per-CPU part; the lockdep class is that of the call site.
 *
 * Return: 0, or -ENOMEM.
 */
#define prwlock_init(l)						\
({									\
	static struct lock_class_key __key;				\
	__prwlock_init((l), #l, &__key);				\
})

/**
 * prwlock_destroy - free what prwlock_init() allocated
 * @l: the lock, which nobody holds or waits for
 *
 * Waits for the last writer's wake-up IPIs, which may still touch @l.  A
 * lock still held or waited for (prwlock_is_locked(), or sleeping readers)
 * is a bug: it is reported (a WARN, counted by alock_misuse_count()) and
 * left as it is, usable and not freed.  For a DEFINE_PRWLOCK() lock it
 * frees nothing, and the lock may be used again afterwards.
 */
void prwlock_destroy(struct prwlock *l);

/**
 * prwlock_is_locked - whether a prwlock is held
 * @l: the lock
 *
 * For assertions and debugging, as rwsem_is_locked(): true while a writer
 * holds the lock or is acquiring it (it may wait for the writer mutex, or
 * for readers), or while a reader holds it, passively or actively (or is
 * backing off from it).  A snapshot that may be stale when it returns,
 * except for the caller's own holds.  Prefer lockdep_assert_held*().
 *
 * Return: true if held.
 */
bool prwlock_is_locked(struct prwlock *l);

/**
 * prwlock_read_lock - take the read side
 * @l: the lock
 *
 * Sleeps while a writer is in or waiting.  Not recursive.
 */
void prwlock_read_lock(struct prwlock *l);

/**
 * prwlock_read_lock_nested - prwlock_read_lock() of a nested lock
 * @l: the lock
 * @subclass: lockdep subclass, for a second lock of one class
 */
void prwlock_read_lock_nested(struct prwlock *l, int subclass);

/**
 * prwlock_read_lock_killable - prwlock_read_lock(), or give up on a
 * fatal signal
 * @l: the lock
 *
 * Return: 0, or -EINTR (lock not taken) if a fatal signal came while
 * waiting.
 */
int prwlock_read_lock_killable(struct prwlock *l);

/**
 * prwlock_read_lock_killable_nested - prwlock_read_lock_killable() of a
 * nested lock
 * @l: the lock
 * @subclass: lockdep subclass
 *
 * Return: 0, or -EINTR (lock not taken).
 */
int prwlock_read_lock_killable_nested(struct prwlock *l, int subclass);

/**
 * prwlock_read_trylock - take the read side if no writer is in
 * @l: the lock
 *
 * Does not sleep.  Task context only: in an interrupt it warns once and
 * fails (the hold is recorded in the current task).
 *
 * Return: true if taken.
 */
bool prwlock_read_trylock(struct prwlock *l);

/**
 * prwlock_read_trylock_nested - prwlock_read_trylock() of a nested lock
 * @l: the lock
 * @subclass: lockdep subclass
 *
 * Return: true if taken.
 */
bool prwlock_read_trylock_nested(struct prwlock *l, int subclass);

/**
 * prwlock_read_unlock - release a read hold
 * @l: the lock
 *
 * For every kind of read hold (passive, active, taken by a downgrade), in
 * the task that took it.  Does not sleep.
 */
void prwlock_read_unlock(struct prwlock *l);

/**
 * prwlock_read_lock_active - the read side in active mode
 * @l: the lock
 *
 * For readers outside the lock's domain (see "Lock domain" above): one
 * fully ordered atomic instead of the passive fast path.  Sleeps while a
 * writer is in.  Released with prwlock_read_unlock().
 */
void prwlock_read_lock_active(struct prwlock *l);

/**
 * prwlock_read_lock_active_killable - prwlock_read_lock_active(), or give
 * up on a fatal signal
 * @l: the lock
 *
 * Return: 0, or -EINTR (lock not taken).
 */
int prwlock_read_lock_active_killable(struct prwlock *l);

/**
 * prwlock_read_trylock_active - prwlock_read_trylock() in active mode
 * @l: the lock
 *
 * Return: true if taken.
 */
bool prwlock_read_trylock_active(struct prwlock *l);

/**
 * prwlock_write_lock - take the write side
 * @l: the lock
 *
 * Sleeps until the other writers and the readers are out.
 */
void prwlock_write_lock(struct prwlock *l);

/**
 * prwlock_write_lock_nested - prwlock_write_lock() of a nested lock
 * @l: the lock
 * @subclass: lockdep subclass, for a second lock of one class
 */
void prwlock_write_lock_nested(struct prwlock *l, int subclass);

/**
 * prwlock_write_lock_killable - prwlock_write_lock(), or give up on a
 * fatal signal
 * @l: the lock
 *
 * Return: 0, or -EINTR (lock not taken) if a fatal signal came while
 * waiting.
 */
int prwlock_write_lock_killable(struct prwlock *l);

/**
 * prwlock_write_lock_killable_nested - prwlock_write_lock_killable() of a
 * nested lock
 * @l: the lock
 * @subclass: lockdep subclass
 *
 * Return: 0, or -EINTR (lock not taken).
 */
int prwlock_write_lock_killable_nested(struct prwlock *l, int subclass);

/**
 * prwlock_write_trylock - take the write side if nobody is in
 * @l: the lock
 *
 * Does not wait for other writers or readers, but may sleep (see
 * "Context" above).  It announces itself before it can fail, so a failed
 * one can make concurrent read trylocks fail too.
 *
 * Return: true if taken.
 */
bool prwlock_write_trylock(struct prwlock *l);

/**
 * prwlock_write_trylock_nested - prwlock_write_trylock() of a nested lock
 * @l: the lock
 * @subclass: lockdep subclass
 *
 * Return: true if taken.
 */
bool prwlock_write_trylock_nested(struct prwlock *l, int subclass);

/**
 * prwlock_write_unlock - release the write side
 * @l: the lock
 *
 * Wakes the readers that waited.  May sleep (see "Context" above).
 */
void prwlock_write_unlock(struct prwlock *l);

/**
 * prwlock_downgrade_write - turn the write hold into a read hold
 * @l: the lock, write-held by the caller
 *
 * No writer gets in between; the readers that waited get in.  The read
 * hold is active, keeps the lockdep subclass of the write hold (as
 * downgrade_write() does) and ends with prwlock_read_unlock().  May sleep
 * (see "Context" above).
 */
void prwlock_downgrade_write(struct prwlock *l);

/**
 * prwlock_set_domain - narrow writers' consensus to the CPUs of a mask
 * @l: the lock, with no holder, or write-held by the caller
 * @domain: the mask (NULL: every CPU), which lives as long as the lock
 *
 * See "Lock domain" above for the rules the mask's owner keeps.
 */
void prwlock_set_domain(struct prwlock *l, const struct cpumask *domain);

#endif /* _LINUX_PRWLOCK_H */
