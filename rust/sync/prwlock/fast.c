// SPDX-License-Identifier: GPL-2.0
/*
 * prwlock: the read-side fast paths and what touches task_struct.
 *
 * The algorithm lives in rust/sync/prwlock.rs; this file holds the parts
 * that must be inlined to be cheap (preempt_disable(), this_cpu_ptr(),
 * current, lockdep annotations that compile away without lockdep) and the
 * interrupt-context callbacks.  A read lock is one call here, like
 * rcu_read_lock() is one call to __rcu_read_lock() on PREEMPT_RCU.
 *
 * Memory ordering (see Documentation/prwlock.rst): a reader increments its
 * CPU's passive count, then loads the writer word (acquire), then reports
 * the version it sees (release).  The writer sets the writer word, bumps
 * the version, and waits until every CPU has reported the new version
 * before it reads the passive counts (acquire): a CPU that reported it has
 * made its earlier passive increments visible, and its later readers see
 * the writer word.  On x86 (TSO) none of this emits a fence.
 */
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

/* Reports the current version for this CPU. */
static __always_inline void prw_report(struct prwlock *l, struct prwlock_pcpu *pc)
{
	/* Release: the writer that sees it sees this CPU's passive counts. */
	smp_store_release(&pc->seen, READ_ONCE(l->version));
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
		} else {
			/* Back off; pairs with the writer's acquire of the count. */
			smp_store_release(&pc->passive, pc->passive - 1);
			prw_report(l, pc);
		}
	}
	preempt_enable();
	return ok;
}

void prwlock_read_lock(struct prwlock *l)
{
	might_sleep();
	lock_acquire_shared(&l->dep_map, 0, 0, NULL, _RET_IP_);
	if (unlikely(!prw_read_fast(l)))
		alock_prw_read_slow(l);
}
EXPORT_SYMBOL_GPL(prwlock_read_lock);

int prwlock_read_lock_killable(struct prwlock *l)
{
	might_sleep();
	lock_acquire_shared(&l->dep_map, 0, 0, NULL, _RET_IP_);
	if (likely(prw_read_fast(l)) || alock_prw_read_slow_killable(l))
		return 0;
	lock_release(&l->dep_map, _RET_IP_);
	return -EINTR;
}
EXPORT_SYMBOL_GPL(prwlock_read_lock_killable);

bool prwlock_read_trylock(struct prwlock *l)
{
	if (likely(prw_read_fast(l)) || alock_prw_read_try_slow(l)) {
		lock_acquire_shared(&l->dep_map, 0, 1, NULL, _RET_IP_);
		return true;
	}
	return false;
}
EXPORT_SYMBOL_GPL(prwlock_read_trylock);

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
	/* Converted, taken actively, or beyond PRW_MAX_HELD (no entry). */
	if (unlikely(!passive))
		alock_prw_read_unlock_active(l);
}
EXPORT_SYMBOL_GPL(prwlock_read_unlock);

void prwlock_write_lock_nested(struct prwlock *l, int subclass)
{
	might_sleep();
	lock_acquire_exclusive(&l->dep_map, subclass, 0, NULL, _RET_IP_);
	mutex_lock(&l->wmutex);
	alock_prw_write_acquire_locked(l, false);
}
EXPORT_SYMBOL_GPL(prwlock_write_lock_nested);

int prwlock_write_lock_killable(struct prwlock *l)
{
	might_sleep();
	lock_acquire_exclusive(&l->dep_map, 0, 0, NULL, _RET_IP_);
	/* On failure the Rust side has released the mutex already. */
	if (!mutex_lock_killable(&l->wmutex) &&
	    alock_prw_write_acquire_locked(l, true))
		return 0;
	lock_release(&l->dep_map, _RET_IP_);
	return -EINTR;
}
EXPORT_SYMBOL_GPL(prwlock_write_lock_killable);

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
 * IPI handler: wakes the readers sleeping on the CPU it runs on.  The
 * decrement is its last access to @l: prwlock_destroy() waits for it.
 */
void alock_prw_ipi_wake(void *info)
{
	struct prwlock *l = info;

	wake_up_all(&this_cpu_ptr(l->pcpu)->wq);
	atomic_dec(&l->wake_pending);
}

/* Initialises every possible CPU's wait queue. */
void alock_prw_init_pcpu(struct prwlock *l)
{
	static struct lock_class_key wq_key;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct prwlock_pcpu *pc = per_cpu_ptr(l->pcpu, cpu);

		pc->passive = 0;
		pc->seen = 0;
		__init_waitqueue_head(&pc->wq, "prwlock_pcpu_wq", &wq_key);
	}
}

/* For the writer's wake-up of each CPU's sleeping readers. */
bool alock_waitqueue_active(struct wait_queue_head *wq)
{
	/*
	 * The writer cleared the writer word and issued smp_mb() before
	 * asking; pairs with the barrier in the sleepers' prepare_to_wait.
	 */
	return waitqueue_active(wq);
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
	offsetof(struct prwlock, stat_active_unlocks),
	offsetof(struct prwlock, wmutex),
	offsetof(struct prwlock, wwait),
	offsetof(struct prwlock, dep_map),
	sizeof(struct prwlock_pcpu),
	__alignof__(struct prwlock_pcpu),
	offsetof(struct prwlock_pcpu, seen),
	offsetof(struct prwlock_pcpu, wq),
};
