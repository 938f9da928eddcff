// SPDX-License-Identifier: GPL-2.0
/*
 * Misuse of a lock that the module catches instead of corrupting it
 * (misuse.rs is the Rust side): an unlock by a task that does not hold
 * the lock, a double unlock, a stale multi-resource hold, destroying a held
 * lock, taking a spinning lock from interrupt context.  Each is refused,
 * counted, and reported with a WARN (once per kind, then ratelimited
 * lines), as lockdep and DEBUG_SPINLOCK report their own.
 */
#include <linux/alock.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/export.h>
#include <linux/preempt.h>
#include <linux/printk.h>

#include "misuse.h"

static atomic_t alock_misuses = ATOMIC_INIT(0);
static unsigned long alock_misuse_warned;

void alock_misuse(unsigned int kind, const char *what, const void *lock)
{
	atomic_inc(&alock_misuses);
	if (kind >= BITS_PER_LONG || !test_and_set_bit(kind, &alock_misuse_warned))
		WARN(1, "alock: %s (lock %p)\n", what, lock);
	else
		pr_err_ratelimited("alock: %s (lock %p)\n", what, lock);
}

bool alock_misuse_irq(const void *lock)
{
	if (likely(in_task()))
		return false;
	alock_misuse(ALOCK_MISUSE_IRQ, "spinning lock taken outside task context", lock);
	return true;
}

unsigned int alock_misuse_count(void)
{
	return atomic_read(&alock_misuses);
}
EXPORT_SYMBOL_GPL(alock_misuse_count);
