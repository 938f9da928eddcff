// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test helper: prwlock's read trylock from a hard interrupt.
 *
 * An irq_work on this CPU calls the read trylock (without its one-time
 * warning, which would fail the test run) in hard-interrupt context; the
 * lock must refuse.  Called by selftest.rs (prwlock_irq_trylock).
 */
#include <linux/hardirq.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/prwlock.h>

#include "../sync/prwlock/glue.h"
#include "prw_irq.h"

struct prw_irq_try {
	struct irq_work work;
	struct prwlock *lock;
	bool in_hardirq;
	bool taken;
};

static void prw_irq_try_fn(struct irq_work *w)
{
	struct prw_irq_try *t = container_of(w, struct prw_irq_try, work);

	t->in_hardirq = in_hardirq();
	t->taken = alock_prw_read_trylock_quiet(t->lock);
}

/**
 * alock_prw_irq_trylock - try a read lock of @l from a hard interrupt
 * @l: an initialised prwlock the caller does not hold
 *
 * Return: 0 if the trylock ran in hard-interrupt context and was refused;
 * 1 if it took the lock there (the hold is then released here, from task
 * context, since it was recorded in this task's table); -EINVAL if the
 * irq_work did not run in hard-interrupt context.
 */
int alock_prw_irq_trylock(struct prwlock *l)
{
	struct prw_irq_try t = { .lock = l };

	init_irq_work(&t.work, prw_irq_try_fn);
	preempt_disable();
	irq_work_queue(&t.work);
	preempt_enable();
	irq_work_sync(&t.work);
	if (t.taken) {
		prwlock_read_unlock(l);
		return 1;
	}
	return t.in_hardirq ? 0 : -EINVAL;
}
