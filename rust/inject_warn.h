/* SPDX-License-Identifier: GPL-2.0 */
/* inject_warn.c's function, called by alock_main.rs at module init. */
#ifndef _ALOCK_INJECT_WARN_H
#define _ALOCK_INJECT_WARN_H

void alock_shim_init_hook(void);

#endif /* _ALOCK_INJECT_WARN_H */
