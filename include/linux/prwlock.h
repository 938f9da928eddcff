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
 * See Documentation/prwlock.rst.  The code is in rust/sync/prwlock/:
 * fast.c (read fast paths, write entry, IPI handlers), reader.rs (read
 * slow paths), consensus.rs (the writer's wait for readers: consensus,
 * idle and domain skips, bounded drain), raw.rs (set-up, the rest of the
 * writer), state.rs (this structure's Rust mirror and its layout check);
 * the tops of fast.c, raw.rs and consensus.rs hold the memory-ordering
 * argument.  Functions defined in C are exported in fast.c, those defined
 * in Rust in exports.c.
 */
#ifndef _LINUX_PRWLOCK_H
#define _LINUX_PRWLOCK_H

#include <linux/bits.h>
#include <linux/cache.h>
#include <linux/cpumask_types.h>
#include <linux/lockdep_types.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>

/**
 * struct prwlock_pcpu - one CPU's part of a prwlock
 * @passive:	readers holding the lock in passive mode on this CPU
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
 * @flags:	PRWLOCK_* flags
 * @wake_pending: wake-up IPIs sent and not finished yet
 * @wmutex:	serialises writers
 * @wwait:	the writer waits here for active readers to leave
 * @stat_active_unlocks: read unlocks that took the active path
 * @wstat:	writer counters
 * @domain:	CPUs that may run passive readers, or NULL for all
 * @dep_map:	lockdep
 *
 * Initialise with prwlock_init() (may fail: it allocates per-CPU memory),
 * free with prwlock_destroy().  Fields are private to alock.ko.
 */
struct prwlock {
	struct prwlock_pcpu __percpu	*pcpu;
	unsigned long			wpending;
	u64				version;
	atomic_t			active;
	atomic_t			rwait;
	unsigned int			flags;
	atomic_t			wake_pending;
	u64				stat_active_unlocks;
	struct prwlock_wstat		wstat;
	const struct cpumask		*domain;
	/* Serialises writers (not validated by lockdep: @dep_map is). */
	struct mutex			wmutex;
	wait_queue_head_t		wwait;
	struct lockdep_map		dep_map;
};

/* The writer wakes each CPU's waiters itself instead of in parallel. */
#define PRWLOCK_WAKE_SEQUENTIAL	BIT(0)

int __prwlock_init(struct prwlock *l, const char *name,
		   struct lock_class_key *key);
void prwlock_destroy(struct prwlock *l);

void prwlock_read_lock(struct prwlock *l);
/* 0, or -EINTR (lock not taken) if a fatal signal came while waiting. */
int prwlock_read_lock_killable(struct prwlock *l);
bool prwlock_read_trylock(struct prwlock *l);
void prwlock_read_unlock(struct prwlock *l);
/* The read side in active mode, for readers outside the lock's domain. */
void prwlock_read_lock_active(struct prwlock *l);
int prwlock_read_lock_active_killable(struct prwlock *l);
bool prwlock_read_trylock_active(struct prwlock *l);

void prwlock_write_lock(struct prwlock *l);
/* As prwlock_write_lock(), for lockdep subclass @subclass (nesting). */
void prwlock_write_lock_nested(struct prwlock *l, int subclass);
/* 0, or -EINTR (lock not taken) if a fatal signal came while waiting. */
int prwlock_write_lock_killable(struct prwlock *l);
bool prwlock_write_trylock(struct prwlock *l);
void prwlock_write_unlock(struct prwlock *l);
/* Turns a held write lock into a read lock without letting a writer in. */
void prwlock_downgrade_write(struct prwlock *l);

/* Sets PRWLOCK_* flags (benchmarks); call with no holder. */
void prwlock_set_flags(struct prwlock *l, unsigned int flags);
/*
 * Narrows writers' consensus to @domain (NULL: every CPU), which lives as
 * long as the lock; see "Lock domain" above.  Call with no holder, or
 * holding the write side.
 */
void prwlock_set_domain(struct prwlock *l, const struct cpumask *domain);

#define prwlock_init(l)						\
({									\
	static struct lock_class_key __key;				\
	__prwlock_init((l), #l, &__key);				\
})

#endif /* _LINUX_PRWLOCK_H */
