// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the test harness, called by the crate root
 * (alock_main.rs) at module init.
 */
#include <linux/bug.h>

#include "inject_warn.h"

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
