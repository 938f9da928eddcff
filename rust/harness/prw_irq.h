/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prw_irq.c's function that rust/harness/selftest.rs calls (declared there
 * in an extern "C" block with the same signature).
 */
#ifndef _ALOCK_PRW_IRQ_H
#define _ALOCK_PRW_IRQ_H

struct prwlock;

int alock_prw_irq_trylock(struct prwlock *l);

#endif /* _ALOCK_PRW_IRQ_H */
