// SPDX-License-Identifier: GPL-2.0

//! Misuse of a lock caught instead of corrupting it (`misuse.c`,
//! `misuse.h`): an unlock by a non-holder, a double unlock, a stale
//! multi-resource hold, destroying a held lock, a spinning lock taken from
//! interrupt context.  Each is refused by the caller, counted
//! (`alock_misuse_count()` of the C API) and reported with a `WARN` (once
//! per kind, then ratelimited lines).

use core::ffi::{c_uint, c_void};
use kernel::str::CStr;

extern "C" {
    fn alock_misuse(kind: c_uint, what: *const kernel::ffi::c_char, lock: *const c_void);
}

#[cfg(CONFIG_LOCKDEP)]
extern "C" {
    fn alock_misuse_irq(lock: *const c_void) -> bool;
}

/// Kinds of misuse: `enum alock_misuse_kind` of `misuse.h`, same order.
#[derive(Clone, Copy)]
#[repr(u32)]
pub enum Misuse {
    /// An unlock by a task that does not hold the lock.
    NotOwner = 0,
    /// An unlock of a lock nobody holds (a double unlock).
    NotHeld = 1,
    /// A destroy of a held lock.
    DestroyHeld = 2,
    /// An empty, stale or foreign multi-resource hold.
    BadHold = 3,
    /// A spinning lock taken outside task context.
    Irq = 4,
}

/// Reports misuse `kind` of `lock`; `what` says what happened.
pub fn report<T>(kind: Misuse, what: &CStr, lock: &T) {
    let lock: *const T = lock;
    // SAFETY: `what` is a NUL-terminated string; `lock` is only printed.
    unsafe { alock_misuse(kind as c_uint, what.as_char_ptr(), lock.cast()) }
}

/// Debug kernels (lockdep): reports a spinning lock taken outside task
/// context (interrupts would break the per-CPU node pools and the
/// one-waiter-per-CPU bounds).  Returns whether it was reported.  Free on
/// kernels without lockdep.
#[inline(always)]
pub fn irq_check<T>(lock: &T) -> bool {
    #[cfg(CONFIG_LOCKDEP)]
    {
        let lock: *const T = lock;
        // SAFETY: `lock` is only printed.
        unsafe { alock_misuse_irq(lock.cast()) }
    }
    #[cfg(not(CONFIG_LOCKDEP))]
    {
        let _ = lock;
        false
    }
}
