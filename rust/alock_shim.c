// SPDX-License-Identifier: GPL-2.0
/*
 * C glue of alock.ko: what Rust cannot express or reach directly.
 */
#include <linux/bug.h>
#include <linux/module.h>

#include "alock_shim.h"

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
