// SPDX-License-Identifier: GPL-2.0

//! prwlock as the mmap_lock of opted-in address spaces: the kernel side.
//!
//! The provider itself, the `struct mmap_lock_ops` that the patched kernel
//! (patches/0004) calls for every mmap_lock operation of an opted-in mm, is
//! C in `rust/hooks/prwlock_mm.c`: it is a table of one-line calls into
//! the prwlock's C API.  This file registers it with the kernel for the
//! module's lifetime and wraps what the caller's mm can be asked for: opt
//! in ([`optin`]), its state ([`status`]) and a timed hold ([`hold`]).  The
//! ioctl `ALOCK_IOC_MM` that serves them is `rust/chardev/mm.rs`.  See
//! `Documentation/prwlock-mm.rst`.

use kernel::{error::to_result, ffi::c_int, prelude::*};

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

/// Protects the caller's mm by a prwlock from now on: `EINVAL` without a
/// user address space, `EEXIST` if it already has an alternative lock,
/// `ENOMEM`.  Process context.
pub fn optin() -> Result {
    // SAFETY: Called from process context (an ioctl), as the contract says.
    to_result(unsafe { alock_mm_optin() })
}

/// The caller's mm lock, as [`status`] reports it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Status {
    /// Whether the caller's mm uses a prwlock of this module (0 or 1).
    pub opted_in: u32,
    /// Opted-in mms alive.
    pub nr_mms: u32,
    /// The lock's writer version (write acquisitions); 0 if not opted in.
    pub writes: u64,
    /// Read unlocks that took the active path; 0 if not opted in.
    pub active_unlocks: u64,
}

/// Reports the caller's mm lock: `EINVAL` without a user address space.
pub fn status() -> Result<Status> {
    let mut s = Status::default();
    // SAFETY: Process context; the pointers are valid for writes.
    to_result(unsafe {
        alock_mm_status(
            &mut s.opted_in,
            &mut s.nr_mms,
            &mut s.writes,
            &mut s.active_unlocks,
        )
    })?;
    Ok(s)
}

/// When a [`hold`] took and released the lock (`CLOCK_MONOTONIC`, ns; 0
/// where it did not get that far).
#[derive(Clone, Copy, Debug, Default)]
pub struct HoldTimes {
    /// When the lock was taken.
    pub acquired_ns: u64,
    /// When it was released.
    pub released_ns: u64,
}

/// Holds the caller's mm lock (the write side if `write`) for `ms`
/// milliseconds, waiting for it killably and sleeping interruptibly:
/// the times, and `EINTR` if a signal came (the lock is released then),
/// `EINVAL` without a user address space.  The times are valid in every
/// case.  Process context.
pub fn hold(write: bool, ms: u32) -> (HoldTimes, Result) {
    let mut t = HoldTimes::default();
    let (acquired, released) = (&mut t.acquired_ns, &mut t.released_ns);
    // SAFETY: Process context; the pointers are valid for writes.
    let ret = unsafe { alock_mm_hold(write, ms, acquired, released) };
    (t, to_result(ret))
}
