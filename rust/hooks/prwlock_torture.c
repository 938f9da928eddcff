// SPDX-License-Identifier: GPL-2.0
/*
 * prwlock for the kernel's own locktorture: exports the
 * locktorture_ext ops of patches/0003, so that with alock.ko loaded
 * "modprobe locktorture torture_type=ext_rwlock" tortures a prwlock
 * through the C API of include/linux/prwlock.h.
 */
#include <linux/export.h>
#include <linux/locktorture_ext.h>
#include <linux/prwlock.h>

/* A global lock: no allocation at init, so nothing there can fail. */
DEFINE_STATIC_PRWLOCK(torture_prwlock);

static int prw_torture_init(void)
{
	return 0;
}

/* Frees nothing: waits for the last wake-up IPIs, checks the lock is free. */
static void prw_torture_exit(void)
{
	prwlock_destroy(&torture_prwlock);
}

static void prw_torture_write_lock(void)
{
	prwlock_write_lock(&torture_prwlock);
}

static void prw_torture_write_unlock(void)
{
	prwlock_write_unlock(&torture_prwlock);
}

static void prw_torture_read_lock(void)
{
	prwlock_read_lock(&torture_prwlock);
}

static void prw_torture_read_unlock(void)
{
	prwlock_read_unlock(&torture_prwlock);
}

const struct locktorture_ext_ops locktorture_ext = {
	.name		= "prwlock",
	.init		= prw_torture_init,
	.exit		= prw_torture_exit,
	.writelock	= prw_torture_write_lock,
	.writeunlock	= prw_torture_write_unlock,
	.readlock	= prw_torture_read_lock,
	.readunlock	= prw_torture_read_unlock,
};
EXPORT_SYMBOL_GPL(locktorture_ext);
