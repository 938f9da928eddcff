// SPDX-License-Identifier: GPL-2.0
/*
 * prwlock: the read-side fast paths, the C entry of the write side, and
 * what touches task_struct.
 *
 * The algorithm lives in raw.rs, consensus.rs and reader.rs (next to this
 * file); this file holds the parts that must be inlined to be cheap (preempt_disable(),
 * this_cpu_ptr(), current, lockdep annotations that compile away without
 * lockdep) and the interrupt-context callbacks.  A read lock is one call
 * here, like rcu_read_lock() is one call to __rcu_read_lock() on
 * PREEMPT_RCU.  Each function is exported right after its definition; the
 * private ones are declared in glue.h.
 *
 * Memory ordering: the reader's half, in the terms of the Linux-kernel
 * memory model (tools/memory-model/).  The writer's half (W1..W6, the
 * release, teardown) is at the top of raw.rs, the consensus's (idle CPUs,
 * lock domain, bounded drain) at the top of consensus.rs.
 *
 * The reader's accesses to the lock (prw_read_fast(), prwlock_read_unlock(),
 * prw_report()):
 *
 *   R1  passive += 1                     WRITE_ONCE() of this CPU's count
 *   R2  wpending == 0 ?                  smp_load_acquire()
 *       ... the read side ...
 *   R5  passive -= 1                     smp_store_release()
 *   R4  seen = version                   smp_load_acquire() of version,
 *                                        smp_store_release() of seen (report)
 *
 * and, on a failed R2, the back-off R5 and R4 at once.  The scheduler's
 * conversion of a switched-out reader (patch 0002, prw_sched_out()):
 *
 *   C1  atomic_inc(active); smp_mb__after_atomic()
 *   C2  passive -= 1                     smp_store_release()
 *
 * What each provides:
 *
 * - R1 -> R2 is a store followed by a load: nothing orders them, on x86
 *   either (a store may wait in the store buffer while a later load
 *   completes).  With the writer's W1 (wpending = 1) -> W5 (load of the
 *   passive counts) this is the store-buffering pattern, which needs a
 *   full barrier on both sides; the reader deliberately has none.  The
 *   version consensus stands in for the reader's barrier: the writer does
 *   not read a CPU's passive count (W5) before it has seen that CPU's
 *   report R4 of the new version (W4, load-acquire).  R4's release orders
 *   every earlier access of the CPU, R1 of every reader already in, before
 *   the report; a reader that gets in after the report reads W1 (R4's
 *   acquire, below).  The report comes from an unlock, a back-off, or the
 *   IPI handler alock_prw_ipi_report(), which reports for the code it
 *   interrupted.
 * - R2's acquire pairs with the writer's release of wpending = 0 in
 *   write_release_locked(): a reader that sees the writer gone sees the
 *   writer's critical section.  It also keeps the read side's accesses
 *   after the check.
 * - R5's release pairs with the writer's load-acquire of the count in W5:
 *   the read side's accesses happen before whatever the writer does after
 *   the count reached 0.  The back-off's R5 is a release for the same
 *   pairing (it undoes R1 before the reader goes to the slow path).
 * - C1 before C2 (C2's release orders it; smp_mb__after_atomic() makes it
 *   a full barrier): a writer that sees the passive count fall (W5) also
 *   sees the active count rise, and waits for it in W6.
 * - current->prw (the hold table) is only touched by its own task with
 *   preemption disabled, by the scheduler switching that task out on the
 *   same CPU, and by the conversion IPI alock_prw_ipi_convert() on that
 *   CPU, only where the task could have been preempted: it needs no
 *   ordering.  The IPI's conversion is C1 and C2 again.
 *
 * - R4's acquire load of version: a reader that gets in after its CPU
 *   reported must read wpending = 1.  The report's load of version
 *   returned v, so it read from the writer's store-release W2, which is
 *   po-after W1; as a load-acquire it orders the CPU's later R2 after it,
 *   so R2 reads W1 (release -> acquire, then po).  A plain READ_ONCE()
 *   would leave the two loads unordered in the LKMM (on RISC-V, Power,
 *   Arm): a reader could then read wpending = 0 while the writer, having
 *   seen the report, reads passive = 0 and enters too.  The litmus tests
 *   Documentation/litmus/prwlock-report*.litmus and the loom models in
 *   tools/prwlock-model/ show the run with the old load and its absence
 *   with the acquire.  Through an IPI the order comes from the IPI's
 *   queueing as well (see consensus.rs).  On x86 a load-acquire and a
 *   store-release are plain moves: the fast paths contain no fence and no
 *   locked instruction.
 *
 * Statistics (rust/support/stats.h): a successful passive acquisition
 * counts itself with alock_stat_acquired(), an increment of this CPU's
 * counter under a static key (a not-taken branch while statistics are
 * off), with preemption still disabled: no shared cache line, no barrier,
 * and nothing the argument above relies on.  The conversion IPI and the
 * release's wake-up sweep count on their CPU's counters too, and fire
 * alock:prwlock_convert and alock:prwlock_wake.
 */
#include <linux/bug.h>
#include <linux/context_tracking_state.h>
#include <linux/export.h>
#include <linux/errno.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/prwlock.h>
#include <linux/sched.h>
#include <linux/stddef.h>

#include "glue.h"
#include "../../support/stats.h"
#include "../../support/alock_trace.h"

/* Reports the current version for this CPU (R4). */
static __always_inline void prw_report(struct prwlock *l, struct prwlock_pcpu *pc)
{
	/*
	 * Acquire: this CPU's later loads of wpending (R2) come after the
	 * writer's W1.  Release: its earlier passive counts (R1) come before
	 * the report the writer reads in W4.  See the top of this file.
	 */
	smp_store_release(&pc->seen, smp_load_acquire(&l->version));
}

/*
 * The passive fast path; false if a writer is in or the task is full.  It
 * does not report the version: the unlock does (and a CPU that does
 * neither is asked by IPI), which keeps this path to the per-CPU count,
 * one load of the writer word and the task's own hold table.
 */
static __always_inline bool prw_read_fast(struct prwlock *l)
{
	struct prwlock_pcpu *pc;
	struct prw_task *t;
	struct prw_held *h;
	bool ok = false;

	preempt_disable();
	t = &current->prw;
	if (likely(t->nr_held < PRW_MAX_HELD)) {
		pc = this_cpu_ptr(l->pcpu);
		WRITE_ONCE(pc->passive, pc->passive + 1);
		/* Acquire: the read side sees the last writer's stores. */
		if (likely(!smp_load_acquire(&l->wpending))) {
			h = &t->held[t->nr_held];
			h->passive = &l->pcpu->passive;
			h->active = &l->active;
			h->lock = l;
			t->nr_passive++;
			t->nr_held++;
			ok = true;
			/* A NOP unless statistics are on; this CPU's counter. */
			alock_stat_acquired(ALOCK_STAT_PRW_READ);
		} else {
			/* Back off; pairs with the writer's acquire of the count. */
			smp_store_release(&pc->passive, pc->passive - 1);
			prw_report(l, pc);
		}
	}
	preempt_enable();
	return ok;
}

/*
 * Each entry point comes as a plain and a _nested() function, both over
 * one __always_inline body that takes the lockdep subclass and the
 * caller's address: lockdep records the caller of the exported function.
 */
static __always_inline void prw_read_lock(struct prwlock *l, int subclass, unsigned long ip)
{
	might_sleep();
	lock_acquire_shared(&l->dep_map, subclass, 0, NULL, ip);
	/* C -> Rust: the slow path waits with the writer's state, in reader.rs. */
	if (unlikely(!prw_read_fast(l)))
		alock_prw_read_slow(l);
}

void prwlock_read_lock(struct prwlock *l)
{
	prw_read_lock(l, 0, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_read_lock);

void prwlock_read_lock_nested(struct prwlock *l, int subclass)
{
	prw_read_lock(l, subclass, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_read_lock_nested);

static __always_inline int prw_read_lock_killable(struct prwlock *l, int subclass,
						  unsigned long ip)
{
	might_sleep();
	lock_acquire_shared(&l->dep_map, subclass, 0, NULL, ip);
	if (likely(prw_read_fast(l)) || alock_prw_read_slow_killable(l))
		return 0;
	lock_release(&l->dep_map, ip);
	return -EINTR;
}

int prwlock_read_lock_killable(struct prwlock *l)
{
	return prw_read_lock_killable(l, 0, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_read_lock_killable);

int prwlock_read_lock_killable_nested(struct prwlock *l, int subclass)
{
	return prw_read_lock_killable(l, subclass, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_read_lock_killable_nested);

/*
 * A read hold is recorded in current's hold table (and counted for
 * current's CPU): in an interrupt it would be recorded in the table of the
 * task that was interrupted, possibly in the middle of that task's own
 * update of it, and leak or corrupt a count.  The read side is for task
 * context only.
 */
static __always_inline bool prw_read_trylock(struct prwlock *l, int subclass,
					     unsigned long ip)
{
	if (unlikely(!in_task()))
		return false;
	if (likely(prw_read_fast(l)) || alock_prw_read_try_slow(l)) {
		lock_acquire_shared(&l->dep_map, subclass, 1, NULL, ip);
		return true;
	}
	return false;
}

bool prwlock_read_trylock(struct prwlock *l)
{
	WARN_ONCE(!in_task(), "%s() outside task context\n", __func__);
	return prw_read_trylock(l, 0, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_read_trylock);

bool prwlock_read_trylock_nested(struct prwlock *l, int subclass)
{
	WARN_ONCE(!in_task(), "%s() outside task context\n", __func__);
	return prw_read_trylock(l, subclass, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_read_trylock_nested);

/*
 * prwlock_read_trylock() without its warning, for the self-test that calls
 * it from a hard interrupt (harness/prw_irq.c): a WARN would fail the run.
 */
bool alock_prw_read_trylock_quiet(struct prwlock *l)
{
	return prw_read_trylock(l, 0, _RET_IP_);
}

/*
 * The active read side, for readers outside the lock's domain (see
 * prwlock_set_domain()): no passive count, a fully ordered increment of
 * the active count and a check of the writer word, in reader.rs.
 */
void prwlock_read_lock_active(struct prwlock *l)
{
	might_sleep();
	lock_acquire_shared(&l->dep_map, 0, 0, NULL, _RET_IP_);
	alock_prw_read_slow(l);
}
EXPORT_SYMBOL_GPL(prwlock_read_lock_active);

int prwlock_read_lock_active_killable(struct prwlock *l)
{
	might_sleep();
	lock_acquire_shared(&l->dep_map, 0, 0, NULL, _RET_IP_);
	if (alock_prw_read_slow_killable(l))
		return 0;
	lock_release(&l->dep_map, _RET_IP_);
	return -EINTR;
}
EXPORT_SYMBOL_GPL(prwlock_read_lock_active_killable);

bool prwlock_read_trylock_active(struct prwlock *l)
{
	if (WARN_ONCE(!in_task(), "%s() outside task context\n", __func__))
		return false;
	if (!alock_prw_read_try_slow(l))
		return false;
	lock_acquire_shared(&l->dep_map, 0, 1, NULL, _RET_IP_);
	return true;
}
EXPORT_SYMBOL_GPL(prwlock_read_trylock_active);

void prwlock_read_unlock(struct prwlock *l)
{
	struct prwlock_pcpu *pc;
	struct prw_task *t;
	bool passive = false;
	int i, last;

	lock_release(&l->dep_map, _RET_IP_);
	preempt_disable();
	t = &current->prw;
	last = (int)t->nr_held - 1;
	/* Usually the most recent hold: no search, no copy. */
	for (i = last; i >= 0; i--) {
		if (t->held[i].lock != l)
			continue;
		passive = t->held[i].passive;
		if (i != last)
			t->held[i] = t->held[last];
		t->nr_held = last;
		break;
	}
	if (likely(passive)) {
		pc = this_cpu_ptr(l->pcpu);
		t->nr_passive--;
		/* Release: the read side's accesses happen before. */
		smp_store_release(&pc->passive, pc->passive - 1);
		prw_report(l, pc);
	}
	preempt_enable();
	/*
	 * Converted, taken actively, or beyond PRW_MAX_HELD (no entry):
	 * C -> Rust, where the active count and the writer's wake-up are.
	 */
	if (unlikely(!passive))
		alock_prw_read_unlock_active(l);
}
EXPORT_SYMBOL_GPL(prwlock_read_unlock);

/*
 * A writer about to wait for another reports for its CPU, as a reader's
 * unlock does: the writer in consensus then need not send this CPU an IPI
 * (consensus.rs, "Spin or IPI").  Without a writer in, nothing to do.
 */
static void prw_report_waiting_writer(struct prwlock *l)
{
	if (!READ_ONCE(l->wpending))
		return;
	preempt_disable();
	prw_report(l, this_cpu_ptr(l->pcpu));
	preempt_enable();
}

/*
 * The write side's entries and exits.  C, not Rust, for might_sleep() and
 * the lockdep annotations (macros that compile away without the debug
 * options), the subclass and the caller's _RET_IP_ lockdep records (the
 * Rust lockdep_acquire() helper takes neither), and mutex_lock() (a macro
 * with lockdep).  The algorithm goes on in Rust, raw.rs and consensus.rs.
 */
static __always_inline void prw_write_lock(struct prwlock *l, int subclass, unsigned long ip)
{
	might_sleep();
	lock_acquire_exclusive(&l->dep_map, subclass, 0, NULL, ip);
	prw_report_waiting_writer(l);
	mutex_lock(&l->wmutex);
	/* C -> Rust: the consensus and the waits for readers. */
	alock_prw_write_acquire_locked(l, false);
}

void prwlock_write_lock_nested(struct prwlock *l, int subclass)
{
	prw_write_lock(l, subclass, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_write_lock_nested);

void prwlock_write_lock(struct prwlock *l)
{
	prw_write_lock(l, 0, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_write_lock);

static __always_inline int prw_write_lock_killable(struct prwlock *l, int subclass,
						   unsigned long ip)
{
	might_sleep();
	lock_acquire_exclusive(&l->dep_map, subclass, 0, NULL, ip);
	prw_report_waiting_writer(l);
	/* On failure the Rust side has released the mutex already. */
	if (!mutex_lock_killable(&l->wmutex) &&
	    alock_prw_write_acquire_locked(l, true))
		return 0;
	lock_release(&l->dep_map, ip);
	return -EINTR;
}

int prwlock_write_lock_killable(struct prwlock *l)
{
	return prw_write_lock_killable(l, 0, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_write_lock_killable);

int prwlock_write_lock_killable_nested(struct prwlock *l, int subclass)
{
	return prw_write_lock_killable(l, subclass, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_write_lock_killable_nested);

/*
 * The trylock takes the mutex without waiting; the Rust side announces,
 * reaches consensus and, if a reader is in, withdraws and releases the
 * mutex.  It may sleep (include/linux/prwlock.h, "Context").
 */
static __always_inline bool prw_write_trylock(struct prwlock *l, int subclass,
					      unsigned long ip)
{
	might_sleep();
	if (!mutex_trylock(&l->wmutex) || !alock_prw_write_try_locked(l))
		return false;
	lock_acquire_exclusive(&l->dep_map, subclass, 1, NULL, ip);
	return true;
}

bool prwlock_write_trylock(struct prwlock *l)
{
	return prw_write_trylock(l, 0, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_write_trylock);

bool prwlock_write_trylock_nested(struct prwlock *l, int subclass)
{
	return prw_write_trylock(l, subclass, _RET_IP_);
}
EXPORT_SYMBOL_GPL(prwlock_write_trylock_nested);

void prwlock_write_unlock(struct prwlock *l)
{
	might_sleep();
	lock_release(&l->dep_map, _RET_IP_);
	/* C -> Rust: clear the writer word, wake the readers, drop the mutex. */
	alock_prw_write_release(l);
}
EXPORT_SYMBOL_GPL(prwlock_write_unlock);

/*
 * lock_downgrade() turns lockdep's write hold into a read hold in place,
 * with the class (and so the subclass) it was taken with, as
 * downgrade_write() does for rwsems.
 */
void prwlock_downgrade_write(struct prwlock *l)
{
	might_sleep();
	lock_downgrade(&l->dep_map, _RET_IP_);
	/* C -> Rust: the active hold, then the release of the write side. */
	alock_prw_downgrade_locked(l);
}
EXPORT_SYMBOL_GPL(prwlock_downgrade_write);

/*
 * A writer, holding or acquiring the lock (wpending, or the mutex while
 * it waits for it or for the readers that slept through the previous
 * writer), or a reader: passive counts first, then the active count (a
 * converted reader raises the active count before it lowers its passive
 * one, C1 before C2, so it is seen in one of them).
 */
bool prwlock_is_locked(struct prwlock *l)
{
	int cpu;

	if (READ_ONCE(l->wpending) || mutex_is_locked(&l->wmutex))
		return true;
	for_each_possible_cpu(cpu) {
		/* Acquire: orders the read of the active count after it. */
		if (smp_load_acquire(&per_cpu_ptr(l->pcpu, cpu)->passive))
			return true;
	}
	return atomic_read(&l->active) > 0;
}
EXPORT_SYMBOL_GPL(prwlock_is_locked);

/* Records an active hold of @l for the current task (slow paths). */
void alock_prw_record_active(struct prwlock *l)
{
	struct prw_task *t;
	struct prw_held *h;

	preempt_disable();
	t = &current->prw;
	if (t->nr_held < PRW_MAX_HELD) {
		h = &t->held[t->nr_held];
		h->passive = NULL;
		h->active = &l->active;
		h->lock = l;
		t->nr_held++;
	}
	/* Else untracked: the unlock finds no entry and takes the active path. */
	preempt_enable();
}

/* IPI handler: reports the version for the CPU it runs on. */
void alock_prw_ipi_report(void *info)
{
	struct prwlock *l = info;

	prw_report(l, this_cpu_ptr(l->pcpu));
}

/*
 * IPI handler: converts the passive holds of @info (a lock) of the task it
 * interrupted to active mode, as the scheduler does at switch-out
 * (prw_sched_out() of patch 0002: C1, then C2), for a writer that waited
 * long enough for them (consensus.rs, "Bounded drain").
 *
 * Only if the interrupted code was a task that could have been preempted
 * there (preemption count 0 before this interrupt): a task changes its
 * hold table with preemption off only, so the table is consistent here,
 * as at a context switch.  Anywhere else (inside the fast path or the
 * unlock, a section with preemption off, a softirq) the handler leaves it
 * alone and the writer asks again later.  Without CONFIG_PREEMPT_COUNT
 * that cannot be told, and nothing is converted.
 */
void alock_prw_ipi_convert(void *info)
{
	struct prwlock *l = info;
	struct prw_task *t = &current->prw;
	unsigned int i, *passive, n = 0;

	if (!IS_ENABLED(CONFIG_PREEMPT_COUNT) ||
	    preempt_count() != HARDIRQ_OFFSET || !t->nr_passive)
		return;
	for (i = 0; i < t->nr_held; i++) {
		struct prw_held *h = &t->held[i];

		if (h->lock != l || !h->passive)
			continue;
		atomic_inc(h->active);
		/* C1: a writer that sees the count fall sees this rise. */
		smp_mb__after_atomic();
		passive = this_cpu_ptr(h->passive);
		/* C2: pairs with the writer's acquire of the count (W5). */
		smp_store_release(passive, *passive - 1);
		h->passive = NULL;
		t->nr_passive--;
		n++;
	}
	if (n) {
		this_cpu_add(alock_stat_cpu.c[ALOCK_STAT_PRW_READ][ALOCK_STAT_CONVERSIONS], n);
		trace_prwlock_convert(l, n);
	}
}

/*
 * IPI handler: wakes the readers sleeping on the CPU it runs on.  The
 * decrement is its last access to @l: prwlock_destroy() waits for it.
 */
void alock_prw_ipi_wake(void *info)
{
	struct prwlock *l = info;

	wake_up_all(&this_cpu_ptr(l->pcpu)->wq);
	/*
	 * The last access to the lock: prwlock_destroy() frees it once it reads
	 * 0 (acquire).  atomic_dec() is unordered; the barrier orders the
	 * wake-up's accesses to the queue before the decrement.
	 */
	smp_mb__before_atomic();
	atomic_dec(&l->wake_pending);
}

/*
 * The writer's sweeps over the CPUs.  The argument and the policy (when to
 * poll, when to send which IPI, what to wait for) are in consensus.rs and
 * raw.rs; these only read (and, at release, wake) each CPU's part of the
 * lock.  C because every step is a static inline (cpu_online(),
 * per_cpu_ptr(), test_bit_acquire(), the context-tracking read,
 * waitqueue_active()) that Rust reaches only through a call per CPU and
 * step, which was most of the cost of an uncontended write acquisition.
 * Each is called with preemption off.
 */

/*
 * Whether @cpu is in an RCU extended quiescent state (idle, or user mode
 * under nohz_full) now: the writer counts it as reported (consensus.rs,
 * "Idle CPUs").  The same read of the context-tracking state as expedited
 * RCU's (rcu_watching_snap_in_eqs()).
 */
static __always_inline bool prw_cpu_in_eqs(unsigned int cpu)
{
#ifdef CONFIG_CONTEXT_TRACKING_IDLE
	return !(ct_rcu_watching_cpu_acquire(cpu) & CT_RCU_WATCHING);
#else
	return false;
#endif
}

/*
 * W4 for one CPU: whether @cpu has reported version @v of @l (acquire: its
 * passive counts before the report are visible to W5), or is idle (then
 * counted in *@idle).
 */
static __always_inline bool prw_cpu_settled(struct prwlock *l, u64 v,
					    unsigned int cpu,
					    unsigned int *idle)
{
	/* Acquire: pairs with prw_report()'s release (W4). */
	if (smp_load_acquire(&per_cpu_ptr(l->pcpu, cpu)->seen) >= v)
		return true;
	if (!prw_cpu_in_eqs(cpu))
		return false;
	(*idle)++;
	return true;
}

/*
 * W4's sweep: puts into @pending (empty on entry) the online CPUs other
 * than @me that are in the lock's domain and have neither reported @v nor
 * are idle; returns how many.  Counts in *@idle the CPUs taken as reported
 * because idle, in *@outside those outside the domain.
 */
unsigned int alock_prw_sweep(struct prwlock *l, u64 v, unsigned int me,
			     struct cpumask *pending, unsigned int *idle,
			     unsigned int *outside)
{
	const struct cpumask *domain = READ_ONCE(l->domain);
	unsigned int cpu, n = 0;

	for_each_online_cpu(cpu) {
		if (cpu == me)
			continue;
		/* Acquire: consensus.rs, "Lock domain". */
		if (domain && !test_bit_acquire(cpu, cpumask_bits(domain))) {
			(*outside)++;
			continue;
		}
		if (prw_cpu_settled(l, v, cpu, idle))
			continue;
		__cpumask_set_cpu(cpu, pending);
		n++;
	}
	return n;
}

/*
 * One poll of the CPUs in @pending: removes those that reported @v or went
 * idle (counted in *@idle); returns how many remain.
 */
unsigned int alock_prw_poll(struct prwlock *l, u64 v, struct cpumask *pending,
			    unsigned int *idle)
{
	unsigned int cpu, n = 0;

	for_each_cpu(cpu, pending) {
		if (prw_cpu_settled(l, v, cpu, idle))
			__cpumask_clear_cpu(cpu, pending);
		else
			n++;
	}
	return n;
}

/*
 * W5's sweep: puts into @busy (empty on entry) the online CPUs other than
 * @me whose passive count of @l is not zero (acquire: consensus.rs,
 * "Bounded drain"), and their number into *@remote; returns the number of
 * online CPUs with a passive count, @me included.
 */
unsigned int alock_prw_passive_sweep(struct prwlock *l, unsigned int me,
				     struct cpumask *busy, unsigned int *remote)
{
	unsigned int cpu, n = 0;

	for_each_online_cpu(cpu) {
		/* Acquire: pairs with the readers' release of the count (W5). */
		if (!smp_load_acquire(&per_cpu_ptr(l->pcpu, cpu)->passive))
			continue;
		n++;
		if (cpu == me)
			continue;
		__cpumask_set_cpu(cpu, busy);
		(*remote)++;
	}
	return n;
}

/*
 * The release's sweep, after the writer word was cleared and a full
 * barrier (raw.rs; pairs with the barrier in the sleepers'
 * prepare_to_wait): wakes here the sleeping readers of @me's queue, of
 * offline CPUs' queues and, if @all, of every queue; puts the other online
 * CPUs with sleepers into @remote (empty on entry), for the wake-up IPI;
 * returns how many.
 */
unsigned int alock_prw_wake_sweep(struct prwlock *l, unsigned int me, bool all,
				  struct cpumask *remote)
{
	unsigned int cpu, n = 0, here = 0;

	for_each_possible_cpu(cpu) {
		struct prwlock_pcpu *pc = per_cpu_ptr(l->pcpu, cpu);

		/* After the caller's smp_mb(): see the comment above. */
		if (!waitqueue_active(&pc->wq))
			continue;
		if (all || cpu == me || !cpu_online(cpu)) {
			wake_up_all(&pc->wq);
			here++;
			continue;
		}
		__cpumask_set_cpu(cpu, remote);
		n++;
	}
	if (n + here) {
		this_cpu_inc(alock_stat_cpu.c[ALOCK_STAT_PRW_WRITE][ALOCK_STAT_WAKEUPS]);
		trace_prwlock_wake(l, n + here, !all);
	}
	return n;
}

/*
 * Initialises every possible CPU's wait queue: from prwlock_init(), and
 * from the first writer of a DEFINE_PRWLOCK() lock (with the writer mutex
 * held, before it announces itself; see the header).
 */
void alock_prw_init_pcpu_wq(struct prwlock *l)
{
	static struct lock_class_key wq_key;
	int cpu;

	for_each_possible_cpu(cpu)
		__init_waitqueue_head(&per_cpu_ptr(l->pcpu, cpu)->wq, "prwlock_pcpu_wq",
				      &wq_key);
}

/* Initialises every possible CPU's part (prwlock_init()). */
void alock_prw_init_pcpu(struct prwlock *l)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct prwlock_pcpu *pc = per_cpu_ptr(l->pcpu, cpu);

		pc->passive = 0;
		pc->seen = 0;
	}
	alock_prw_init_pcpu_wq(l);
}

/* Held read locks of the current task (self-tests). */
unsigned int alock_prw_task_held(unsigned int *passive)
{
	*passive = current->prw.nr_passive;
	return current->prw.nr_held;
}

/* Layout of the C structures, checked by the Rust side at module init. */
const unsigned long alock_prw_layout[] = {
	sizeof(struct prwlock),
	__alignof__(struct prwlock),
	offsetof(struct prwlock, wpending),
	offsetof(struct prwlock, version),
	offsetof(struct prwlock, active),
	offsetof(struct prwlock, rwait),
	offsetof(struct prwlock, flags),
	offsetof(struct prwlock, wake_pending),
	offsetof(struct prwlock, setup),
	offsetof(struct prwlock, stat_active_unlocks),
	offsetof(struct prwlock, wstat),
	sizeof(struct prwlock_wstat),
	offsetof(struct prwlock, domain),
	offsetof(struct prwlock, wmutex),
	offsetof(struct prwlock, wwait),
	offsetof(struct prwlock, dep_map),
	sizeof(struct prwlock_pcpu),
	__alignof__(struct prwlock_pcpu),
	offsetof(struct prwlock_pcpu, seen),
	offsetof(struct prwlock_pcpu, wq),
};
