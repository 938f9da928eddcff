// SPDX-License-Identifier: GPL-2.0

//! prwlock as the mmap_lock of opted-in address spaces (`ALOCK_IOC_MM`).
//!
//! The provider itself, the `struct mmap_lock_ops` that the patched kernel
//! (patches/0004) calls for every mmap_lock operation of an opted-in mm, is
//! C in `rust/prwlock_mm.c`: it is a table of one-line calls into the
//! prwlock's C fast paths.  This file registers it with the kernel for the
//! module's lifetime and serves the ioctl.  See
//! `Documentation/prwlock-mm.rst`.

use kernel::{error::to_result, ffi::c_int, prelude::*};

use crate::uapi::*;

extern "C" {
    fn alock_mm_register() -> c_int;
    fn alock_mm_unregister();
    fn alock_mm_optin() -> c_int;
    fn alock_mm_status(
        opted_in: *mut u32,
        nr_mms: *mut u32,
        writes: *mut u64,
        active_unlocks: *mut u64,
    ) -> c_int;
    fn alock_mm_hold(write: bool, ms: u32, acquired_ns: *mut u64, released_ns: *mut u64) -> c_int;
}

/// Makes the module the kernel's provider of mmap_locks (module init).
pub fn init() -> Result {
    // SAFETY: Called once at module init; undone by `exit`.
    to_result(unsafe { alock_mm_register() })
}

/// Stops providing mmap_locks (module exit).
///
/// No opted-in mm exists then: each holds a reference to the module.
pub fn exit() {
    // SAFETY: `init` succeeded (the module would not be loaded otherwise).
    unsafe { alock_mm_unregister() }
}

/// Checks the input fields of `a` for its operation.
fn validate(a: &AlockMmCtl) -> Result {
    if a.reserved != 0 {
        return Err(EINVAL);
    }
    match a.op {
        ALOCK_MM_STATUS | ALOCK_MM_OPTIN if a.flags == 0 && a.hold_ms == 0 => Ok(()),
        ALOCK_MM_HOLD
            if a.flags & !ALOCK_MM_HOLD_WRITE == 0
                && (1..=ALOCK_MM_MAX_HOLD_MS).contains(&a.hold_ms) =>
        {
            Ok(())
        }
        _ => Err(EINVAL),
    }
}

/// `ALOCK_IOC_MM`: runs the operation on the caller's mm, then reports.
pub fn ctl(a: &mut AlockMmCtl) -> Result {
    validate(a)?;
    a.acquired_ns = 0;
    a.released_ns = 0;
    let ret = match a.op {
        // SAFETY: Process context (an ioctl).
        ALOCK_MM_OPTIN => to_result(unsafe { alock_mm_optin() }),
        // SAFETY: Process context; the pointers are valid for writes.
        ALOCK_MM_HOLD => to_result(unsafe {
            alock_mm_hold(
                a.flags & ALOCK_MM_HOLD_WRITE != 0,
                a.hold_ms,
                &mut a.acquired_ns,
                &mut a.released_ns,
            )
        }),
        _ => Ok(()),
    };
    // SAFETY: Process context; the pointers are valid for writes.
    to_result(unsafe {
        alock_mm_status(
            &mut a.opted_in,
            &mut a.nr_mms,
            &mut a.writes,
            &mut a.active_unlocks,
        )
    })?;
    ret
}
