// SPDX-License-Identifier: GPL-2.0
/*
 * C glue of alock.ko: what Rust cannot express or reach directly.
 */
#include <linux/alock.h>
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/prwlock.h>

#include "alock_shim.h"

/* The C API of include/linux/alock.h, implemented in rust/capi.rs. */
EXPORT_SYMBOL_GPL(__alock_ticket_init);
EXPORT_SYMBOL_GPL(alock_ticket_destroy);
EXPORT_SYMBOL_GPL(alock_ticket_lock);
EXPORT_SYMBOL_GPL(alock_ticket_trylock);
EXPORT_SYMBOL_GPL(alock_ticket_unlock);
EXPORT_SYMBOL_GPL(__alock_mcs_init);
EXPORT_SYMBOL_GPL(alock_mcs_destroy);
EXPORT_SYMBOL_GPL(alock_mcs_lock);
EXPORT_SYMBOL_GPL(alock_mcs_trylock);
EXPORT_SYMBOL_GPL(alock_mcs_unlock);
EXPORT_SYMBOL_GPL(__alock_abql_init);
EXPORT_SYMBOL_GPL(alock_abql_destroy);
EXPORT_SYMBOL_GPL(alock_abql_lock);
EXPORT_SYMBOL_GPL(alock_abql_trylock);
EXPORT_SYMBOL_GPL(alock_abql_unlock);
EXPORT_SYMBOL_GPL(alock_abql_capacity);
EXPORT_SYMBOL_GPL(__alock_mrlock_init);
EXPORT_SYMBOL_GPL(alock_mrlock_destroy);
EXPORT_SYMBOL_GPL(alock_mrlock_lock);
EXPORT_SYMBOL_GPL(alock_mrlock_unlock);

/* The distributed lock table of include/linux/alock.h, rust/alock/capi.rs. */
EXPORT_SYMBOL_GPL(alock_dl_get);
EXPORT_SYMBOL_GPL(alock_dl_put);
EXPORT_SYMBOL_GPL(alock_dl_lock);
EXPORT_SYMBOL_GPL(alock_dl_unlock);
EXPORT_SYMBOL_GPL(alock_dl_lock_many);
EXPORT_SYMBOL_GPL(alock_dl_unlock_all);
EXPORT_SYMBOL_GPL(alock_dl_keys);
EXPORT_SYMBOL_GPL(alock_dl_home);
EXPORT_SYMBOL_GPL(alock_dl_node);

/* include/linux/prwlock.h, write side and set-up in rust/sync/prwlock.rs. */
EXPORT_SYMBOL_GPL(__prwlock_init);
EXPORT_SYMBOL_GPL(prwlock_destroy);
EXPORT_SYMBOL_GPL(prwlock_write_lock);
EXPORT_SYMBOL_GPL(prwlock_write_trylock);
EXPORT_SYMBOL_GPL(prwlock_write_unlock);
EXPORT_SYMBOL_GPL(prwlock_downgrade_write);
EXPORT_SYMBOL_GPL(prwlock_set_flags);

/*
 * Called at module init.  With ALOCK_INJECT_WARN (make ALOCK_INJECT_WARN=1)
 * it fires a WARN_ON on purpose, to prove that the test harness fails a
 * run on any kernel splat.
 */
void alock_shim_init_hook(void)
{
#ifdef ALOCK_INJECT_WARN
	WARN_ON(1);
#endif
}
