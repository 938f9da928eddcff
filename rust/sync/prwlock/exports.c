// SPDX-License-Identifier: GPL-2.0
/*
 * The exports of include/linux/prwlock.h's functions that raw.rs defines in
 * Rust (#[no_mangle]): set-up and teardown, and the lock domain.
 * 6.12 has no way to export a symbol from Rust, so EXPORT_SYMBOL_GPL sits here,
 * in the folder of the definitions; the prototypes are the header's.  The
 * functions defined in C (the read and write sides' entries and exits,
 * prwlock_is_locked()) are exported in fast.c, each after its definition.
 */
#include <linux/module.h>
#include <linux/prwlock.h>

EXPORT_SYMBOL_GPL(__prwlock_init);
EXPORT_SYMBOL_GPL(prwlock_destroy);
EXPORT_SYMBOL_GPL(prwlock_set_domain);
