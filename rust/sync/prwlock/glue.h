/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prwlock's Rust <-> C prototypes, private to alock.ko: the functions the
 * C fast paths of fast.c call in the Rust core (mod.rs), and those of fast.c
 * the Rust core calls (declared there in an extern "C" block with the same
 * signatures).  The public API is include/linux/prwlock.h.
 */
#ifndef _ALOCK_PRWLOCK_GLUE_H
#define _ALOCK_PRWLOCK_GLUE_H

#include <linux/types.h>

struct prwlock;
struct wait_queue_head;

/* rust/sync/prwlock/mod.rs, called by fast.c's slow paths */
void alock_prw_read_slow(struct prwlock *l);
bool alock_prw_read_slow_killable(struct prwlock *l);
bool alock_prw_read_try_slow(struct prwlock *l);
bool alock_prw_write_acquire_locked(struct prwlock *l, bool killable);
void alock_prw_read_unlock_active(struct prwlock *l);

/* fast.c, called by rust/sync/prwlock/mod.rs */
void alock_prw_record_active(struct prwlock *l);
void alock_prw_ipi_report(void *info);
void alock_prw_init_pcpu(struct prwlock *l);
void alock_prw_ipi_wake(void *info);
bool alock_waitqueue_active(struct wait_queue_head *wq);
unsigned int alock_prw_task_held(unsigned int *passive);
extern const unsigned long alock_prw_layout[];

#endif /* _ALOCK_PRWLOCK_GLUE_H */
