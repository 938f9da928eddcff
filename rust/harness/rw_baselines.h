/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rw_baselines.c's functions that rust/harness/rw.rs calls (declared there
 * in an extern "C" block with the same signatures).
 */
#ifndef _ALOCK_RW_BASELINES_H
#define _ALOCK_RW_BASELINES_H

#include <linux/types.h>

struct prwlock;
struct alock_rwbase;

struct alock_rwbase *alock_rwbase_new(unsigned int kind);
void alock_rwbase_free(struct alock_rwbase *b);
void alock_rwbase_read_lock(struct alock_rwbase *b);
void alock_rwbase_read_unlock(struct alock_rwbase *b);
void alock_rwbase_write_lock(struct alock_rwbase *b);
void alock_rwbase_write_unlock(struct alock_rwbase *b);
u64 alock_rw_read_cost(unsigned int kind, struct prwlock *prw,
		       struct alock_rwbase *b, u32 iters);

#endif /* _ALOCK_RW_BASELINES_H */
