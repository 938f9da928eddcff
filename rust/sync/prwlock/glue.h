/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prwlock's private Rust <-> C prototypes (alock.ko only): the functions
 * of the Rust core (raw.rs, reader.rs) that fast.c calls, and those of
 * fast.c that the Rust core (raw.rs, consensus.rs, reader.rs, state.rs)
 * calls (declared there in extern "C" blocks with the same signatures).
 * The public API, whichever side defines it, is declared in
 * include/linux/prwlock.h only.
 */
#ifndef _ALOCK_PRWLOCK_GLUE_H
#define _ALOCK_PRWLOCK_GLUE_H

#include <linux/types.h>

struct cpumask;
struct prwlock;

/*
 * reader.rs (the read slow paths) and raw.rs (the write acquisition,
 * trylock, release and downgrade), called by fast.c once the part that
 * needs C is done (lockdep, might_sleep(), the per-CPU fast path, the
 * mutex macros): the algorithm's waits and counts stay in Rust.  The
 * write-side ones are called with the writer mutex held; the trylock and
 * the release return with it released unless the trylock succeeded.
 */
void alock_prw_read_slow(struct prwlock *l);
bool alock_prw_read_slow_killable(struct prwlock *l);
bool alock_prw_read_try_slow(struct prwlock *l);
bool alock_prw_write_acquire_locked(struct prwlock *l, bool killable);
bool alock_prw_write_try_locked(struct prwlock *l);
void alock_prw_write_release(struct prwlock *l);
void alock_prw_downgrade_locked(struct prwlock *l);
void alock_prw_read_unlock_active(struct prwlock *l);

/*
 * raw.rs: __prwlock_init() with the per-CPU part charged to the caller's
 * memory cgroup (GFP_KERNEL_ACCOUNT), for a lock a user process makes the
 * kernel create (the opted-in mmap_lock, hooks/prwlock_mm.c).
 */
struct lock_class_key;
int alock_prw_init_account(struct prwlock *l, const char *name,
			   struct lock_class_key *key);

/*
 * fast.c, called by raw.rs, consensus.rs (the report and conversion IPI
 * handlers, the idle check), reader.rs and state.rs (the layout): what
 * only C reaches (current's hold table, this_cpu_ptr() in IPI handlers,
 * for_each_possible_cpu(), sizeof/offsetof of the C structures, the
 * per-CPU wait queues' lockdep class) and the writer's sweeps over the
 * CPUs (static inlines at every step).
 * alock_prw_read_trylock_quiet() is for the self-test of harness/prw_irq.c.
 */
void alock_prw_record_active(struct prwlock *l);
void alock_prw_ipi_report(void *info);
void alock_prw_ipi_convert(void *info);
void alock_prw_init_pcpu(struct prwlock *l);
void alock_prw_init_pcpu_wq(struct prwlock *l);
void alock_prw_ipi_wake(void *info);
unsigned int alock_prw_task_held(unsigned int *passive);
extern const unsigned long alock_prw_layout[];
bool alock_prw_read_trylock_quiet(struct prwlock *l);
unsigned int alock_prw_sweep(struct prwlock *l, u64 v, unsigned int me,
			     struct cpumask *pending, unsigned int *idle,
			     unsigned int *outside);
unsigned int alock_prw_poll(struct prwlock *l, u64 v, struct cpumask *pending,
			    unsigned int *idle);
unsigned int alock_prw_passive_sweep(struct prwlock *l, unsigned int me,
				     struct cpumask *busy, unsigned int *remote);
unsigned int alock_prw_wake_sweep(struct prwlock *l, unsigned int me, bool all,
				  struct cpumask *remote);

#endif /* _ALOCK_PRWLOCK_GLUE_H */
