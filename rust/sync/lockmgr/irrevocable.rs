// SPDX-License-Identifier: GPL-2.0

//! The irrevocability lock: a sleeping reader/writer semaphore that
//! revocable transactions read-lock and an irrevocable one write-locks,
//! both killably (a fatal signal ends the wait with `EINTR`).

use kernel::{bindings, c_str, error::to_result, prelude::*, types::Opaque};

/// A lockdep class key in static memory.
#[repr(transparent)]
struct StaticKey(Opaque<bindings::lock_class_key>);

// SAFETY: lockdep synchronises its use of class keys itself.
unsafe impl Sync for StaticKey {}

/// Lockdep class of every irrevocability semaphore.
static IRREVOCABILITY_KEY: StaticKey = StaticKey(Opaque::uninit());

/// A `struct rw_semaphore`: the irrevocability lock.
#[pin_data]
pub(super) struct RwSem {
    #[pin]
    sem: Opaque<bindings::rw_semaphore>,
}

// SAFETY: A `rw_semaphore` may be used and released from any thread.
unsafe impl Send for RwSem {}
// SAFETY: All operations on a `rw_semaphore` are thread-safe.
unsafe impl Sync for RwSem {}

impl RwSem {
    pub(super) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            sem <- Opaque::ffi_init(|slot: *mut bindings::rw_semaphore| {
                // SAFETY: `slot` is valid for writes and pinned; the name
                // and the class key are static.
                unsafe {
                    bindings::__init_rwsem(
                        slot,
                        c_str!("alock_lockmgr_irrevocability").as_char_ptr(),
                        IRREVOCABILITY_KEY.0.get(),
                    )
                }
            }),
        })
    }

    /// Read-locks the semaphore; `EINTR` if a fatal signal came first.
    pub(super) fn down_read_killable(&self) -> Result {
        // SAFETY: The semaphore was initialised by `new`; sleeping is
        // allowed where transactions begin (see `Txn::begin`).
        to_result(unsafe { bindings::down_read_killable(self.sem.get()) })
    }

    pub(super) fn up_read(&self) {
        // SAFETY: The caller read-locked the semaphore.
        unsafe { bindings::up_read(self.sem.get()) }
    }

    /// Write-locks the semaphore; `EINTR` if a fatal signal came first.
    pub(super) fn down_write_killable(&self) -> Result {
        // SAFETY: As for `down_read_killable`.
        to_result(unsafe { bindings::down_write_killable(self.sem.get()) })
    }

    pub(super) fn up_write(&self) {
        // SAFETY: The caller write-locked the semaphore.
        unsafe { bindings::up_write(self.sem.get()) }
    }
}
