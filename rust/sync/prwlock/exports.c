// SPDX-License-Identifier: GPL-2.0
/*
 * The exports of include/linux/prwlock.h's functions that raw.rs defines in
 * Rust (#[no_mangle]): set-up, and the write side but for its lock calls.
 * 6.12 has no way to export a symbol from Rust, so EXPORT_SYMBOL_GPL sits here,
 * in the folder of the definitions; the prototypes are the header's.  The
 * functions defined in C (the read side, prwlock_write_lock(), _nested()
 * and _killable()) are exported in fast.c, each after its definition.
 */
#include <linux/module.h>
#include <linux/prwlock.h>

EXPORT_SYMBOL_GPL(__prwlock_init);
EXPORT_SYMBOL_GPL(prwlock_destroy);
EXPORT_SYMBOL_GPL(prwlock_write_trylock);
EXPORT_SYMBOL_GPL(prwlock_write_unlock);
EXPORT_SYMBOL_GPL(prwlock_downgrade_write);
EXPORT_SYMBOL_GPL(prwlock_set_flags);
EXPORT_SYMBOL_GPL(prwlock_set_domain);
