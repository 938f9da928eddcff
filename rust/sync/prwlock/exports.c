// SPDX-License-Identifier: GPL-2.0
/*
 * The exports of include/linux/prwlock.h's write side and set-up, which
 * mod.rs defines in Rust: 6.12 has no way to export a symbol from Rust, so
 * EXPORT_SYMBOL_GPL sits here, in the folder of the definitions.  The read
 * side is defined and exported in fast.c.
 */
#include <linux/module.h>
#include <linux/prwlock.h>

EXPORT_SYMBOL_GPL(__prwlock_init);
EXPORT_SYMBOL_GPL(prwlock_destroy);
EXPORT_SYMBOL_GPL(prwlock_write_lock);
EXPORT_SYMBOL_GPL(prwlock_write_trylock);
EXPORT_SYMBOL_GPL(prwlock_write_unlock);
EXPORT_SYMBOL_GPL(prwlock_downgrade_write);
EXPORT_SYMBOL_GPL(prwlock_set_flags);
