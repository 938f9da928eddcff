/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prwlock_mm.c's functions that rust/hooks/mm.rs calls (declared there in
 * an extern "C" block with the same signatures).
 */
#ifndef _ALOCK_PRWLOCK_MM_H
#define _ALOCK_PRWLOCK_MM_H

#include <linux/types.h>

int alock_mm_register(void);
void alock_mm_unregister(void);
int alock_mm_optin(void);
int alock_mm_status(u32 *opted_in, u32 *nr_mms, u64 *writes, u64 *active_unlocks);
int alock_mm_hold(bool write, unsigned int ms, u64 *acquired_ns,
		  u64 *released_ns);

#endif /* _ALOCK_PRWLOCK_MM_H */
