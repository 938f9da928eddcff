/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C glue of alock.ko: functions the Rust crate calls (declared there in an
 * extern "C" block with the same signatures).
 */
#ifndef _ALOCK_SHIM_H
#define _ALOCK_SHIM_H

#include <linux/types.h>

struct prwlock;
struct wait_queue_head;

void alock_shim_init_hook(void);

/* rust/sync/prwlock.rs, called by rust/prwlock_fast.c */
void alock_prw_read_slow(struct prwlock *l);
bool alock_prw_read_slow_killable(struct prwlock *l);
bool alock_prw_read_try_slow(struct prwlock *l);
bool alock_prw_write_acquire_locked(struct prwlock *l, bool killable);
void alock_prw_read_unlock_active(struct prwlock *l);

/* rust/prwlock_fast.c */
void alock_prw_record_active(struct prwlock *l);
void alock_prw_ipi_report(void *info);
void alock_prw_init_pcpu(struct prwlock *l);
void alock_prw_ipi_wake(void *info);
bool alock_waitqueue_active(struct wait_queue_head *wq);
unsigned int alock_prw_task_held(unsigned int *passive);
extern const unsigned long alock_prw_layout[];

/* rust/prwlock_mm.c, called by rust/mm.rs */
int alock_mm_register(void);
void alock_mm_unregister(void);
int alock_mm_optin(void);
int alock_mm_status(u32 *opted_in, u32 *nr_mms, u64 *writes, u64 *active_unlocks);
int alock_mm_hold(bool write, unsigned int ms, u64 *acquired_ns,
		  u64 *released_ns);

/* rust/rw_baselines.c */
struct alock_rwbase;
struct alock_rwbase *alock_rwbase_new(unsigned int kind);
void alock_rwbase_free(struct alock_rwbase *b);
void alock_rwbase_read_lock(struct alock_rwbase *b);
void alock_rwbase_read_unlock(struct alock_rwbase *b);
void alock_rwbase_write_lock(struct alock_rwbase *b);
void alock_rwbase_write_unlock(struct alock_rwbase *b);
u64 alock_rw_read_cost(unsigned int kind, struct prwlock *prw,
		       struct alock_rwbase *b, u32 iters);

#endif /* _ALOCK_SHIM_H */
