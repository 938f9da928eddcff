// SPDX-License-Identifier: GPL-2.0
/*
 * The exports of the C API of include/linux/alock.h.  Its functions are
 * defined in Rust (rust/capi/queue.rs, rust/capi/dlock.rs), and 6.12 has no
 * way to export a symbol from Rust, so EXPORT_SYMBOL_GPL sits here, in the
 * folder of its definition.  prwlock's exports are in rust/sync/prwlock/fast.c.
 */
#include <linux/alock.h>
#include <linux/module.h>

/* The C API of include/linux/alock.h, defined in queue.rs. */
EXPORT_SYMBOL_GPL(__alock_ticket_init);
EXPORT_SYMBOL_GPL(alock_ticket_destroy);
EXPORT_SYMBOL_GPL(alock_ticket_lock);
EXPORT_SYMBOL_GPL(alock_ticket_lock_nested);
EXPORT_SYMBOL_GPL(alock_ticket_trylock);
EXPORT_SYMBOL_GPL(alock_ticket_unlock);
EXPORT_SYMBOL_GPL(__alock_mcs_init);
EXPORT_SYMBOL_GPL(alock_mcs_destroy);
EXPORT_SYMBOL_GPL(alock_mcs_lock);
EXPORT_SYMBOL_GPL(alock_mcs_lock_nested);
EXPORT_SYMBOL_GPL(alock_mcs_trylock);
EXPORT_SYMBOL_GPL(alock_mcs_unlock);
EXPORT_SYMBOL_GPL(__alock_abql_init);
EXPORT_SYMBOL_GPL(alock_abql_destroy);
EXPORT_SYMBOL_GPL(alock_abql_lock);
EXPORT_SYMBOL_GPL(alock_abql_lock_nested);
EXPORT_SYMBOL_GPL(alock_abql_trylock);
EXPORT_SYMBOL_GPL(alock_abql_unlock);
EXPORT_SYMBOL_GPL(alock_abql_capacity);
EXPORT_SYMBOL_GPL(__alock_mrlock_init);
EXPORT_SYMBOL_GPL(alock_mrlock_destroy);
EXPORT_SYMBOL_GPL(alock_mrlock_lock);
EXPORT_SYMBOL_GPL(alock_mrlock_lock_nested);
EXPORT_SYMBOL_GPL(alock_mrlock_unlock);

/* The distributed lock table of include/linux/alock.h, defined in dlock.rs. */
EXPORT_SYMBOL_GPL(alock_dl_get);
EXPORT_SYMBOL_GPL(alock_dl_put);
EXPORT_SYMBOL_GPL(alock_dl_lock);
EXPORT_SYMBOL_GPL(alock_dl_unlock);
EXPORT_SYMBOL_GPL(alock_dl_lock_fetch);
EXPORT_SYMBOL_GPL(alock_dl_lock_flags);
EXPORT_SYMBOL_GPL(alock_dl_unlock_store);
EXPORT_SYMBOL_GPL(alock_dl_lock_many);
EXPORT_SYMBOL_GPL(alock_dl_unlock_all);
EXPORT_SYMBOL_GPL(alock_dl_keys);
EXPORT_SYMBOL_GPL(alock_dl_home);
EXPORT_SYMBOL_GPL(alock_dl_node);
