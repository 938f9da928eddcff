// SPDX-License-Identifier: GPL-2.0

//! The C API of the locks (`include/linux/alock.h`).
//!
//! Each C lock object is a handle (`struct { void *impl; }`) to a pinned,
//! boxed Rust lock.  The functions here are `#[no_mangle] extern "C"`; the
//! C file beside this one (`exports.c`) exports them with `EXPORT_SYMBOL_GPL`.  A
//! C holder unlocks explicitly, so the guard's state is parked inside the
//! lock's own data between lock and unlock (only the holder touches it).

use core::ffi::{c_int, c_uint, c_void};
use core::ptr::null_mut;
use kernel::{bindings, prelude::*, str::CStr, sync::LockClassKey};

use crate::sync::abql::AbqlBackend;
use crate::sync::lock::{Backend, Lock};
use crate::sync::mcs::McsBackend;
use crate::sync::mrlock::{Grant, MultiLock, Scheme};
use crate::sync::ticket::TicketBackend;

/// `struct alock_ticket`, `struct alock_mcs`, ...: a handle.
#[repr(C)]
pub struct CHandle {
    imp: *mut c_void,
}

/// `struct alock_mr_hold`.
#[repr(C)]
pub struct CMrHold {
    resources: u64,
    grant: u64,
}

/// A queue lock as the C API holds it: the data is the parked guard state.
type CLock<B> = Lock<Option<<B as Backend>::GuardState>, B>;

/// Turns C name and key pointers into the statics the initialisers want.
///
/// # Safety
///
/// Both point to objects that live as long as the lock (a string literal
/// and a static key, as the C init macros pass).
unsafe fn name_key(
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) -> (&'static CStr, &'static LockClassKey) {
    // SAFETY: Guaranteed by the caller; `LockClassKey` is a transparent
    // wrapper of `lock_class_key`.
    unsafe { (CStr::from_char_ptr(name), &*(key as *const LockClassKey)) }
}

/// # Safety
///
/// `h` is a valid handle; `name` and `key` as for [`name_key`].
unsafe fn init<B: Backend>(
    h: *mut CHandle,
    params: B::Params,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) -> c_int {
    if h.is_null() || name.is_null() || key.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: Guaranteed by the caller.
    let (name, key) = unsafe { name_key(name, key) };
    match KBox::pin_init(CLock::<B>::new(None, params, name, key), GFP_KERNEL) {
        Ok(b) => {
            // SAFETY: The lock is never moved out of the box: only the raw
            // pointer is kept, and `destroy` rebuilds the pinned box.
            let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(b) });
            // SAFETY: `h` is valid.
            unsafe { (*h).imp = raw.cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// `h` was initialised by [`init`] with the same `B`, and the lock is free.
unsafe fn destroy<B: Backend>(h: *mut CHandle) {
    // SAFETY: `h` is valid.
    let p = unsafe { (*h).imp }.cast::<CLock<B>>();
    if !p.is_null() {
        // SAFETY: Made by `KBox::into_raw` in `init`; unused from now on.
        drop(unsafe { KBox::from_raw(p) });
        // SAFETY: `h` is valid.
        unsafe { (*h).imp = null_mut() };
    }
}

/// # Safety
///
/// `h` was initialised by [`init`] with the same `B` and not destroyed.
unsafe fn lock_of<'a, B: Backend>(h: *mut CHandle) -> &'a CLock<B> {
    // SAFETY: Guaranteed by the caller.
    unsafe { &*(*h).imp.cast::<CLock<B>>() }
}

/// # Safety
///
/// As for [`lock_of`].
unsafe fn lock<B: Backend>(h: *mut CHandle) {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { lock_of::<B>(h) };
    let gs = l.lock().into_raw();
    // SAFETY: We hold the lock, so we own its data.
    unsafe { *l.data_ptr() = Some(gs) };
}

/// # Safety
///
/// As for [`lock_of`].
unsafe fn trylock<B: Backend>(h: *mut CHandle) -> bool {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { lock_of::<B>(h) };
    match l.try_lock() {
        Some(g) => {
            let gs = g.into_raw();
            // SAFETY: We hold the lock.
            unsafe { *l.data_ptr() = Some(gs) };
            true
        }
        None => false,
    }
}

/// # Safety
///
/// As for [`lock_of`]; the caller holds the lock.
unsafe fn unlock<B: Backend>(h: *mut CHandle) {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { lock_of::<B>(h) };
    // SAFETY: The caller holds the lock, so it owns the data.
    match unsafe { (*l.data_ptr()).take() } {
        // SAFETY: Parked by `lock`/`trylock` of this holder.
        Some(gs) => unsafe { l.unlock_raw(gs) },
        None => pr_err!("C API: unlock of a lock that is not held\n"),
    }
}

macro_rules! c_queue_lock {
    ($b:ty, $destroy:ident, $lock:ident, $try:ident, $unlock:ident) => {
        /// C API: free a lock that is not held.
        ///
        /// # Safety
        ///
        /// `h` was initialised (or is zeroed); the lock is free.
        #[no_mangle]
        pub unsafe extern "C" fn $destroy(h: *mut CHandle) {
            // SAFETY: Guaranteed by the caller.
            unsafe { destroy::<$b>(h) }
        }

        /// C API: acquire.
        ///
        /// # Safety
        ///
        /// `h` was initialised and not destroyed.
        #[no_mangle]
        pub unsafe extern "C" fn $lock(h: *mut CHandle) {
            // SAFETY: Guaranteed by the caller.
            unsafe { lock::<$b>(h) }
        }

        /// C API: acquire if free.
        ///
        /// # Safety
        ///
        /// `h` was initialised and not destroyed.
        #[no_mangle]
        pub unsafe extern "C" fn $try(h: *mut CHandle) -> bool {
            // SAFETY: Guaranteed by the caller.
            unsafe { trylock::<$b>(h) }
        }

        /// C API: release.
        ///
        /// # Safety
        ///
        /// The caller holds the lock.
        #[no_mangle]
        pub unsafe extern "C" fn $unlock(h: *mut CHandle) {
            // SAFETY: Guaranteed by the caller.
            unsafe { unlock::<$b>(h) }
        }
    };
}

/// C API: initialise a ticket lock.
///
/// # Safety
///
/// `h` is valid; `name` and `key` live as long as the lock.
#[no_mangle]
pub unsafe extern "C" fn __alock_ticket_init(
    h: *mut CHandle,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) -> c_int {
    // SAFETY: Guaranteed by the caller.
    unsafe { init::<TicketBackend>(h, (), name, key) }
}

/// C API: initialise an MCS lock.
///
/// # Safety
///
/// `h` is valid; `name` and `key` live as long as the lock.
#[no_mangle]
pub unsafe extern "C" fn __alock_mcs_init(
    h: *mut CHandle,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) -> c_int {
    // SAFETY: Guaranteed by the caller.
    unsafe { init::<McsBackend>(h, (), name, key) }
}

/// C API: initialise an ABQL with `slots` slots.
///
/// # Safety
///
/// `h` is valid; `name` and `key` live as long as the lock.
#[no_mangle]
pub unsafe extern "C" fn __alock_abql_init(
    h: *mut CHandle,
    slots: c_uint,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) -> c_int {
    // SAFETY: Guaranteed by the caller.
    unsafe { init::<AbqlBackend>(h, slots, name, key) }
}

c_queue_lock!(
    AbqlBackend,
    alock_abql_destroy,
    alock_abql_lock,
    alock_abql_trylock,
    alock_abql_unlock
);

c_queue_lock!(
    TicketBackend,
    alock_ticket_destroy,
    alock_ticket_lock,
    alock_ticket_trylock,
    alock_ticket_unlock
);
c_queue_lock!(
    McsBackend,
    alock_mcs_destroy,
    alock_mcs_lock,
    alock_mcs_trylock,
    alock_mcs_unlock
);

/// C API: slots of an ABQL.
///
/// # Safety
///
/// `h` was initialised and not destroyed.
#[no_mangle]
pub unsafe extern "C" fn alock_abql_capacity(h: *mut CHandle) -> c_uint {
    // SAFETY: Guaranteed by the caller.
    unsafe { lock_of::<AbqlBackend>(h) }.capacity()
}

/// `grant` of a hold that went through the bitset word.
const GRANT_BITSET: u64 = u64::MAX;

/// C API: initialise a multi-resource lock.
///
/// # Safety
///
/// `h` is valid; `name` and `key` live as long as the lock.
#[no_mangle]
pub unsafe extern "C" fn __alock_mrlock_init(
    h: *mut CHandle,
    scheme: c_uint,
    cells: c_uint,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) -> c_int {
    let scheme = match scheme {
        0 => Scheme::Queue,
        1 => Scheme::Bitset,
        2 => Scheme::Adaptive,
        _ => return EINVAL.to_errno(),
    };
    if h.is_null() || name.is_null() || key.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: Guaranteed by the caller.
    let (name, key) = unsafe { name_key(name, key) };
    match KBox::pin_init(MultiLock::new(scheme, cells, name, key), GFP_KERNEL) {
        Ok(b) => {
            // SAFETY: Never moved: only the raw pointer is kept.
            let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(b) });
            // SAFETY: `h` is valid.
            unsafe { (*h).imp = raw.cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// C API: free a multi-resource lock nobody holds.
///
/// # Safety
///
/// `h` was initialised by `__alock_mrlock_init` (or is zeroed).
#[no_mangle]
pub unsafe extern "C" fn alock_mrlock_destroy(h: *mut CHandle) {
    // SAFETY: `h` is valid.
    let p = unsafe { (*h).imp }.cast::<MultiLock>();
    if !p.is_null() {
        // SAFETY: Made by `KBox::into_raw`; unused from now on.
        drop(unsafe { KBox::from_raw(p) });
        // SAFETY: `h` is valid.
        unsafe { (*h).imp = null_mut() };
    }
}

/// C API: acquire a set of resources.
///
/// # Safety
///
/// `h` was initialised and not destroyed; `hold` is valid for writes.
#[no_mangle]
pub unsafe extern "C" fn alock_mrlock_lock(
    h: *mut CHandle,
    resources: u64,
    hold: *mut CMrHold,
) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { &*(*h).imp.cast::<MultiLock>() };
    match l.lock(resources) {
        Ok(g) => {
            let (bits, grant) = g.into_raw();
            let grant = match grant {
                Grant::Queue(pos) => pos,
                Grant::Bitset => GRANT_BITSET,
            };
            // SAFETY: `hold` is valid for writes.
            unsafe {
                (*hold).resources = bits;
                (*hold).grant = grant;
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// C API: release a set of resources.
///
/// # Safety
///
/// `hold` was filled by `alock_mrlock_lock` on this lock and is released
/// once.
#[no_mangle]
pub unsafe extern "C" fn alock_mrlock_unlock(h: *mut CHandle, hold: *mut CMrHold) {
    // SAFETY: Guaranteed by the caller.
    let (l, hold) = unsafe { (&*(*h).imp.cast::<MultiLock>(), &*hold) };
    let grant = if hold.grant == GRANT_BITSET {
        Grant::Bitset
    } else {
        Grant::Queue(hold.grant)
    };
    // SAFETY: Guaranteed by the caller.
    unsafe { l.unlock_raw(hold.resources, grant) };
}
