// SPDX-License-Identifier: GPL-2.0
/*
 * The stock reader-writer locks that prwlock is compared with, wrapped for
 * rust/harness/rw.rs (their init and fast paths are macros or inlines), and
 * the read-side cost loop, run in C so that every lock pays the same
 * single call per operation (rcu_read_lock() is one call to
 * __rcu_read_lock() on PREEMPT_RCU; prwlock_read_lock() is one call).
 */
#include <linux/ktime.h>
#include <linux/percpu-rwsem.h>
#include <linux/prwlock.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <uapi/linux/alock.h>

#include "rw_baselines.h"

struct alock_rwbase {
	unsigned int kind;
	bool pcpu_inited;
	struct rw_semaphore rwsem;
	struct percpu_rw_semaphore pcpu;
	rwlock_t rwlock;
};

struct alock_rwbase *alock_rwbase_new(unsigned int kind)
{
	struct alock_rwbase *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return NULL;
	b->kind = kind;
	init_rwsem(&b->rwsem);
	rwlock_init(&b->rwlock);
	if (kind == ALOCK_RW_PERCPU_RWSEM) {
		if (percpu_init_rwsem(&b->pcpu)) {
			kfree(b);
			return NULL;
		}
		b->pcpu_inited = true;
	}
	return b;
}

void alock_rwbase_free(struct alock_rwbase *b)
{
	if (b->pcpu_inited)
		percpu_free_rwsem(&b->pcpu);
	kfree(b);
}

void alock_rwbase_read_lock(struct alock_rwbase *b)
{
	switch (b->kind) {
	case ALOCK_RW_RWSEM:
		down_read(&b->rwsem);
		break;
	case ALOCK_RW_PERCPU_RWSEM:
		percpu_down_read(&b->pcpu);
		break;
	case ALOCK_RW_RWLOCK:
		read_lock(&b->rwlock);
		break;
	default:
		rcu_read_lock();
		break;
	}
}

void alock_rwbase_read_unlock(struct alock_rwbase *b)
{
	switch (b->kind) {
	case ALOCK_RW_RWSEM:
		up_read(&b->rwsem);
		break;
	case ALOCK_RW_PERCPU_RWSEM:
		percpu_up_read(&b->pcpu);
		break;
	case ALOCK_RW_RWLOCK:
		read_unlock(&b->rwlock);
		break;
	default:
		rcu_read_unlock();
		break;
	}
}

void alock_rwbase_write_lock(struct alock_rwbase *b)
{
	switch (b->kind) {
	case ALOCK_RW_RWSEM:
		down_write(&b->rwsem);
		break;
	case ALOCK_RW_PERCPU_RWSEM:
		percpu_down_write(&b->pcpu);
		break;
	case ALOCK_RW_RWLOCK:
		write_lock(&b->rwlock);
		break;
	}
}

void alock_rwbase_write_unlock(struct alock_rwbase *b)
{
	switch (b->kind) {
	case ALOCK_RW_RWSEM:
		up_write(&b->rwsem);
		break;
	case ALOCK_RW_PERCPU_RWSEM:
		percpu_up_write(&b->pcpu);
		break;
	case ALOCK_RW_RWLOCK:
		write_unlock(&b->rwlock);
		break;
	}
}

/* Runs @iters read lock+unlock pairs of @kind; returns the time taken. */
u64 alock_rw_read_cost(unsigned int kind, struct prwlock *prw,
		       struct alock_rwbase *b, u32 iters)
{
	u64 t0 = ktime_get_ns();
	u32 i;

	switch (kind) {
	case ALOCK_RW_PRWLOCK:
		for (i = 0; i < iters; i++) {
			prwlock_read_lock(prw);
			prwlock_read_unlock(prw);
		}
		break;
	case ALOCK_RW_RWSEM:
		for (i = 0; i < iters; i++) {
			down_read(&b->rwsem);
			up_read(&b->rwsem);
		}
		break;
	case ALOCK_RW_PERCPU_RWSEM:
		for (i = 0; i < iters; i++) {
			percpu_down_read(&b->pcpu);
			percpu_up_read(&b->pcpu);
		}
		break;
	case ALOCK_RW_RWLOCK:
		for (i = 0; i < iters; i++) {
			read_lock(&b->rwlock);
			read_unlock(&b->rwlock);
		}
		break;
	case ALOCK_RW_RCU:
		for (i = 0; i < iters; i++) {
			rcu_read_lock();
			rcu_read_unlock();
		}
		break;
	}
	return ktime_get_ns() - t0;
}
