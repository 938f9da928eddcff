// SPDX-License-Identifier: GPL-2.0
/*
 * prwlock as the mmap_lock of opted-in address spaces.
 *
 * The kernel patch "mm: let a module provide the mmap_lock of opted-in
 * mms" (patches/0004) dispatches every mmap_lock wrapper of an opted-in mm
 * to a struct mmap_lock_ops; this file is alock.ko's provider.  Each
 * opted-in mm gets a struct alock_mm: the kernel's struct mmap_lock_alt
 * header, a prwlock, and two fields the rwsem has and the prwlock does
 * not need for itself (the write holder and a count of waiting writers,
 * for the contention check).  See Documentation/prwlock-mm.rst.
 *
 * The lock domain (the paper's term, Documentation/prwlock.rst): a read
 * hold is passive only for a task of the mm itself (current->mm is the
 * lock's mm, which the kernel records in alt.mm); foreign readers
 * (/proc/PID/ files, process_vm_readv(), GUP on another process,
 * khugepaged, the oom reaper) take the active path.  On x86 a task of the
 * mm runs only on a CPU whose bit in mm_cpumask(mm) switch_mm_irqs_off()
 * set with a locked instruction, and the bit is cleared, again with one,
 * only after the task was switched out (its holds converted) or switched
 * to a temporary mm: so the writer's consensus covers mm_cpumask(mm) only
 * (prwlock_set_domain(); the argument is in rust/sync/prwlock/consensus.rs,
 * "Lock domain").  Other architectures do not keep the mask that way (arm64
 * does not maintain it): there the consensus covers every online CPU and
 * skips the idle ones.
 *
 * Rules the mmap_lock adds to the prwlock's own: the read side may be
 * taken killably and tried from any task context (trylock refuses outside
 * task context or with interrupts off, where the holder could not be
 * switched out and converted, and where bpf releases it from irq_work);
 * the free of a lock may come from the last mmdrop() in atomic context.
 */
#include <linux/atomic.h>
#include <linux/container_of.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/prwlock.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "../sync/prwlock/glue.h"
#include "prwlock_mm.h"

/**
 * struct alock_mm - the mmap_lock of one opted-in mm
 * @alt:	what the kernel sees (ops, lockdep map)
 * @writer:	the task holding the write side, or NULL
 * @wwaiters:	writers between their lock call and getting the lock
 * @domain_set:	the lock's domain is mm_cpumask(alt.mm) (x86; set by the
 *		first writer, under the write side)
 * @lock:	the lock
 */
struct alock_mm {
	struct mmap_lock_alt	alt;
	struct task_struct	*writer;
	atomic_t		wwaiters;
	bool			domain_set;
	struct prwlock		lock;
};

/* Every mm's prwlock is one lockdep class, as every mm's rwsem is. */
static struct lock_class_key alock_mm_key;
/* Opted-in mms alive (each also holds a module reference). */
static atomic_t alock_mm_count = ATOMIC_INIT(0);

static const struct mmap_lock_ops alock_mm_ops;

static struct alock_mm *to_am(const struct mmap_lock_alt *alt)
{
	return container_of(alt, struct alock_mm, alt);
}

static struct alock_mm *am_alloc(void)
{
	struct alock_mm *m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);

	if (!m)
		return NULL;
	if (alock_prw_init_account(&m->lock, "mmap_lock_prw", &alock_mm_key)) {
		kfree(m);
		return NULL;
	}
	m->alt.ops = &alock_mm_ops;
	m->alt.dep_map = &m->lock.dep_map;
	atomic_inc(&alock_mm_count);
	return m;
}

static void am_free(struct mmap_lock_alt *alt)
{
	struct alock_mm *m = to_am(alt);

	/* Waits for wake-up IPIs still touching the lock, then frees. */
	prwlock_destroy(&m->lock);
	kfree(m);
	atomic_dec(&alock_mm_count);
}

/*
 * Whether the caller is a task of the lock's mm, whose holds may be
 * passive; any other reader is foreign and takes the active path.
 */
static bool am_own(const struct mmap_lock_alt *alt)
{
	return current->mm == alt->mm;
}

static void am_down_read(struct mmap_lock_alt *alt)
{
	if (am_own(alt))
		prwlock_read_lock(&to_am(alt)->lock);
	else
		prwlock_read_lock_active(&to_am(alt)->lock);
}

static int am_down_read_killable(struct mmap_lock_alt *alt)
{
	if (am_own(alt))
		return prwlock_read_lock_killable(&to_am(alt)->lock);
	return prwlock_read_lock_active_killable(&to_am(alt)->lock);
}

static bool am_down_read_trylock(struct mmap_lock_alt *alt)
{
	/*
	 * A hold belongs to current: in an interrupt it would be the
	 * interrupted task's, and with interrupts off it could not be
	 * converted if released elsewhere (bpf's irq_work).  Refusing is
	 * what a contended rwsem would do.
	 */
	if (!in_task() || irqs_disabled())
		return false;
	if (am_own(alt))
		return prwlock_read_trylock(&to_am(alt)->lock);
	return prwlock_read_trylock_active(&to_am(alt)->lock);
}

static void am_up_read(struct mmap_lock_alt *alt)
{
	prwlock_read_unlock(&to_am(alt)->lock);
}

/*
 * Narrows the lock's domain to mm_cpumask() on x86 (see the top of this
 * file), once, holding the write side; the first writer's consensus covers
 * every online CPU.
 */
static void am_write_locked(struct alock_mm *m)
{
	WRITE_ONCE(m->writer, current);
	if (IS_ENABLED(CONFIG_X86) && unlikely(!m->domain_set)) {
		prwlock_set_domain(&m->lock, mm_cpumask(m->alt.mm));
		m->domain_set = true;
	}
}

static void am_down_write(struct mmap_lock_alt *alt, int subclass)
{
	struct alock_mm *m = to_am(alt);

	atomic_inc(&m->wwaiters);
	prwlock_write_lock_nested(&m->lock, subclass);
	atomic_dec(&m->wwaiters);
	am_write_locked(m);
}

static int am_down_write_killable(struct mmap_lock_alt *alt)
{
	struct alock_mm *m = to_am(alt);
	int ret;

	atomic_inc(&m->wwaiters);
	ret = prwlock_write_lock_killable(&m->lock);
	atomic_dec(&m->wwaiters);
	if (!ret)
		am_write_locked(m);
	return ret;
}

static void am_up_write(struct mmap_lock_alt *alt)
{
	struct alock_mm *m = to_am(alt);

	WRITE_ONCE(m->writer, NULL);
	prwlock_write_unlock(&m->lock);
}

static void am_downgrade_write(struct mmap_lock_alt *alt)
{
	struct alock_mm *m = to_am(alt);

	WRITE_ONCE(m->writer, NULL);
	prwlock_downgrade_write(&m->lock);
}

/*
 * rwsem_is_contended() for a holder: a writer sees readers sleeping until
 * it leaves, or writers queued behind it; a reader sees a writer that
 * announced itself (it waits for this reader) or is queued.
 */
static int am_is_contended(struct mmap_lock_alt *alt)
{
	struct alock_mm *m = to_am(alt);

	if (atomic_read(&m->wwaiters) > 0)
		return 1;
	if (READ_ONCE(m->writer) == current)
		return atomic_read(&m->lock.rwait) > 0;
	return READ_ONCE(m->lock.wpending) != 0;
}

/* Whether current holds @m at all, from state the lock keeps anyway. */
static bool am_held_by_current(const struct alock_mm *m)
{
	const struct prw_task *t = &current->prw;
	unsigned int i;

	if (READ_ONCE(m->writer) == current)
		return true;
	/* Beyond PRW_MAX_HELD a hold is not recorded: cannot tell. */
	if (t->nr_held >= PRW_MAX_HELD)
		return true;
	for (i = 0; i < t->nr_held; i++)
		if (t->held[i].lock == &m->lock)
			return true;
	return false;
}

static void am_assert_held(const struct mmap_lock_alt *alt, bool write)
{
	const struct alock_mm *m = to_am(alt);

	if (IS_ENABLED(CONFIG_LOCKDEP)) {
		lockdep_assert(lock_is_held_type(&m->lock.dep_map,
						 write ? 0 : -1) !=
			       LOCK_STATE_NOT_HELD);
		return;
	}
	/* Without lockdep, as rwsem_assert_held_nolockdep(), but cheaper. */
	if (write)
		WARN_ON_ONCE(READ_ONCE(m->writer) != current);
	else
		WARN_ON_ONCE(!am_held_by_current(m));
}

static struct mmap_lock_alt *am_dup(struct mmap_lock_alt *parent)
{
	struct alock_mm *m = am_alloc();

	return m ? &m->alt : NULL;
}

static const struct mmap_lock_ops alock_mm_ops = {
	.owner			= THIS_MODULE,
	.down_read		= am_down_read,
	.down_read_killable	= am_down_read_killable,
	.down_read_trylock	= am_down_read_trylock,
	.up_read		= am_up_read,
	.down_write		= am_down_write,
	.down_write_killable	= am_down_write_killable,
	.up_write		= am_up_write,
	.downgrade_write	= am_downgrade_write,
	.is_contended		= am_is_contended,
	.assert_held		= am_assert_held,
	.dup			= am_dup,
	.free			= am_free,
};

/* Module init: become the kernel's provider of alternative mmap_locks. */
int alock_mm_register(void)
{
	return mmap_lock_alt_register(&alock_mm_ops);
}

/* Module exit: no opted-in mm exists (each pins the module). */
void alock_mm_unregister(void)
{
	mmap_lock_alt_unregister(&alock_mm_ops);
}

/* The caller's mm, if it is a user address space. */
static struct mm_struct *am_current_mm(void)
{
	if (current->flags & PF_KTHREAD)
		return NULL;
	return current->mm;
}

/* Protects the caller's mm by a prwlock from now on. */
int alock_mm_optin(void)
{
	struct mm_struct *mm = am_current_mm();
	struct alock_mm *m;
	int ret;

	if (!mm)
		return -EINVAL;
	if (mmap_lock_alt(mm))
		return -EEXIST;
	m = am_alloc();
	if (!m)
		return -ENOMEM;
	ret = mmap_lock_alt_install(mm, &m->alt);
	if (ret)
		am_free(&m->alt);
	return ret;
}

/**
 * alock_mm_status - the caller's mm lock
 * @opted_in:	out: whether the caller's mm uses a prwlock of this module
 * @nr_mms:	out: opted-in mms alive
 * @writes:	out: the lock's writer version (write acquisitions)
 * @active_unlocks: out: read unlocks that took the active path
 *
 * Return: 0, or -EINVAL if the caller has no user address space.
 */
int alock_mm_status(u32 *opted_in, u32 *nr_mms, u64 *writes, u64 *active_unlocks)
{
	struct mm_struct *mm = am_current_mm();
	struct mmap_lock_alt *alt;

	if (!mm)
		return -EINVAL;
	alt = mmap_lock_alt(mm);
	*nr_mms = atomic_read(&alock_mm_count);
	*opted_in = alt && alt->ops == &alock_mm_ops;
	*writes = 0;
	*active_unlocks = 0;
	if (*opted_in) {
		*writes = READ_ONCE(to_am(alt)->lock.version);
		*active_unlocks = READ_ONCE(to_am(alt)->lock.stat_active_unlocks);
	}
	return 0;
}

/**
 * alock_mm_hold - hold the caller's mm lock for a while (tests)
 * @write:	the write side instead of the read side
 * @ms:		how long
 * @acquired_ns: out: when it was taken (CLOCK_MONOTONIC)
 * @released_ns: out: when it was released
 *
 * Waits killably for the lock (rwsem or prwlock, whichever the mm uses)
 * and sleeps interruptibly while holding it, so a signal ends the hold
 * early and SIGKILL kills a holder.
 *
 * Return: 0, -EINTR if a signal came (the lock is released), -EINVAL if
 * the caller has no user address space.
 */
int alock_mm_hold(bool write, unsigned int ms, u64 *acquired_ns,
		  u64 *released_ns)
{
	struct mm_struct *mm = am_current_mm();
	unsigned long left;

	*acquired_ns = 0;
	*released_ns = 0;
	if (!mm)
		return -EINVAL;
	if (write ? mmap_write_lock_killable(mm) : mmap_read_lock_killable(mm))
		return -EINTR;
	*acquired_ns = ktime_get_ns();
	left = msleep_interruptible(ms);
	/* Taken before the release: nobody else can have it earlier. */
	*released_ns = ktime_get_ns();
	if (write)
		mmap_write_unlock(mm);
	else
		mmap_read_unlock(mm);
	return left || signal_pending(current) ? -EINTR : 0;
}
