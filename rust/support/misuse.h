/* SPDX-License-Identifier: GPL-2.0 */
/*
 * misuse.c's functions for the Rust side (misuse.rs mirrors the kinds).
 * alock_misuse_count() is part of the C API (include/linux/alock.h).
 */
#ifndef _ALOCK_SUPPORT_MISUSE_H
#define _ALOCK_SUPPORT_MISUSE_H

#include <linux/types.h>

/* Kinds of misuse: each WARNs once, then logs ratelimited lines. */
enum alock_misuse_kind {
	ALOCK_MISUSE_NOT_OWNER,		/* unlock by a task that does not hold it */
	ALOCK_MISUSE_NOT_HELD,		/* unlock of a free lock (double unlock) */
	ALOCK_MISUSE_DESTROY_HELD,	/* destroy of a held lock */
	ALOCK_MISUSE_BAD_HOLD,		/* empty, stale or foreign mrlock hold */
	ALOCK_MISUSE_IRQ,		/* spinning lock outside task context */
};

void alock_misuse(unsigned int kind, const char *what, const void *lock);
/* In task context: false.  Otherwise reports it and returns true. */
bool alock_misuse_irq(const void *lock);

#endif /* _ALOCK_SUPPORT_MISUSE_H */
