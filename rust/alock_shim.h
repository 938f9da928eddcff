/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C glue of alock.ko: functions the Rust crate calls (declared there in an
 * extern "C" block with the same signatures).
 */
#ifndef _ALOCK_SHIM_H
#define _ALOCK_SHIM_H

void alock_shim_init_hook(void);

#endif /* _ALOCK_SHIM_H */
