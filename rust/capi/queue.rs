// SPDX-License-Identifier: GPL-2.0

//! The C API of the locks (`include/linux/alock.h`).
//!
//! Each C lock object is a handle (`struct { void *impl; }`) to a pinned,
//! boxed Rust lock.  The functions here are `#[no_mangle] extern "C"`; the
//! C file beside this one (`exports.c`) exports them with `EXPORT_SYMBOL_GPL`.  A
//! C holder unlocks explicitly, so the guard's state is parked inside the
//! lock's own data between lock and unlock (only the holder touches it),
//! beside the holding task, which unlock and destroy check: misuse is
//! refused and reported (`support::misuse`), never obeyed.

use core::ffi::{c_int, c_uint, c_void};
use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::{bindings, c_str, prelude::*, str::CStr, sync::LockClassKey};

use crate::support::misuse::{self, Misuse};

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

/// A queue lock as the C API holds it: the lock, whose data is the parked
/// guard state, and the task that holds it.
///
/// A C caller unlocks explicitly, so a buggy one can unlock a lock it does
/// not hold, or twice.  `owner` catches both before anything is touched: an
/// unlock by any other task than the holder is refused and reported
/// ([`misuse`]), and so is a destroy of a held lock.  The holder parks its
/// guard state only after it set `owner`, and takes it back only after it
/// checked it, so nobody but the holder ever reads the data.
#[pin_data]
struct CLock<B: Backend> {
    #[pin]
    lock: Lock<Option<<B as Backend>::GuardState>, B>,
    /// The holding task, null while free.  Relaxed: only the holder writes
    /// its own pointer and null; another task reads it only to see that it
    /// is not its own.
    owner: AtomicPtr<bindings::task_struct>,
}

impl<B: Backend> CLock<B> {
    fn new(
        params: B::Params,
        name: &'static CStr,
        key: &'static LockClassKey,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            lock <- Lock::new(None, params, name, key),
            owner: AtomicPtr::new(null_mut()),
        }? Error)
    }

    /// Parks `gs` as the holder's.
    fn hold(&self, gs: B::GuardState) {
        // SAFETY: No preconditions (in an interrupt, the interrupted task).
        let me = unsafe { bindings::get_current() };
        self.owner.store(me, Ordering::Relaxed);
        // SAFETY: We hold the lock, so we own its data.
        unsafe { *self.lock.data_ptr() = Some(gs) };
    }
}

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

/// Allocates the lock that `make` returns the initialiser of and keeps it
/// in `h`.  A failed init leaves `h` empty, which destroy accepts (as a
/// no-op), not whatever the caller's memory held.
///
/// # Safety
///
/// `h` is valid for writes (or null); `name` and `key` as for [`name_key`].
unsafe fn install<T, I: PinInit<T, Error>>(
    h: *mut CHandle,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
    make: impl FnOnce(&'static CStr, &'static LockClassKey) -> Result<I>,
) -> c_int {
    if h.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: `h` is valid for writes.
    unsafe { (*h).imp = null_mut() };
    if name.is_null() || key.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: Guaranteed by the caller.
    let (name, key) = unsafe { name_key(name, key) };
    match make(name, key).and_then(|i| KBox::pin_init(i, GFP_KERNEL)) {
        Ok(b) => {
            // SAFETY: The lock is never moved out of the box: only the raw
            // pointer is kept, and `uninstall` rebuilds the box.
            let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(b) });
            // SAFETY: `h` is valid.
            unsafe { (*h).imp = raw.cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// Frees the lock of `h` and empties `h`, unless `busy` says it is in use:
/// then freeing it would pull the memory from under its holders and from
/// under any waiter spinning on it, so it is refused and reported (`what`).
///
/// # Safety
///
/// `h` was filled by [`install`] with the same `T` (or is zeroed, or its
/// init failed), and no task waits for the lock.
unsafe fn uninstall<T>(h: *mut CHandle, busy: impl FnOnce(&T) -> bool, what: &CStr) {
    // SAFETY: `h` is valid.
    let p = unsafe { (*h).imp }.cast::<T>();
    if p.is_null() {
        return;
    }
    // SAFETY: Made by `install`, not destroyed yet.
    let l = unsafe { &*p };
    if busy(l) {
        misuse::report(Misuse::DestroyHeld, what, l);
        return;
    }
    // SAFETY: Made by `KBox::into_raw` in `install`; unused from now on.
    drop(unsafe { KBox::from_raw(p) });
    // SAFETY: `h` is valid.
    unsafe { (*h).imp = null_mut() };
}

/// # Safety
///
/// As for [`install`].
unsafe fn init<B: Backend>(
    h: *mut CHandle,
    params: B::Params,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) -> c_int {
    // SAFETY: Guaranteed by the caller.
    unsafe { install::<CLock<B>, _>(h, name, key, |n, k| Ok(CLock::<B>::new(params, n, k))) }
}

/// # Safety
///
/// As for [`uninstall`].
unsafe fn destroy<B: Backend>(h: *mut CHandle) {
    let held = |l: &CLock<B>| !l.owner.load(Ordering::Relaxed).is_null();
    // SAFETY: Guaranteed by the caller.
    unsafe { uninstall(h, held, c_str!("destroy of a held lock refused")) }
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
unsafe fn lock<B: Backend>(h: *mut CHandle, subclass: c_uint) {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { lock_of::<B>(h) };
    l.hold(l.lock.lock_nested(subclass).into_raw());
}

/// # Safety
///
/// As for [`lock_of`].
unsafe fn trylock<B: Backend>(h: *mut CHandle) -> bool {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { lock_of::<B>(h) };
    match l.lock.try_lock() {
        Some(g) => {
            l.hold(g.into_raw());
            true
        }
        None => false,
    }
}

/// # Safety
///
/// As for [`lock_of`].  Misuse (a caller that does not hold the lock) is
/// refused and reported, not undefined.
unsafe fn unlock<B: Backend>(h: *mut CHandle) {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { lock_of::<B>(h) };
    let owner = l.owner.load(Ordering::Relaxed);
    // SAFETY: `current` is always valid in task context.
    let me = unsafe { bindings::get_current() };
    if owner != me {
        let (kind, what) = if owner.is_null() {
            (Misuse::NotHeld, c_str!("unlock of a lock that is not held"))
        } else {
            (
                Misuse::NotOwner,
                c_str!("unlock by a task that does not hold the lock"),
            )
        };
        misuse::report(kind, what, l);
        return;
    }
    l.owner.store(null_mut(), Ordering::Relaxed);
    // SAFETY: We hold the lock (`owner` is us), so we own its data.
    match unsafe { (*l.lock.data_ptr()).take() } {
        // SAFETY: Parked by `lock`/`trylock` of this holder, on this CPU
        // (preemption has stayed off since).
        Some(gs) => unsafe { l.lock.unlock_raw(gs) },
        None => misuse::report(
            Misuse::NotHeld,
            c_str!("unlock of a lock with no parked state"),
            l,
        ),
    }
}

macro_rules! c_queue_lock {
    ($b:ty, $destroy:ident, $lock:ident, $nested:ident, $try:ident, $unlock:ident) => {
        /// C API: free a lock that is not held (a held one is refused).
        ///
        /// # Safety
        ///
        /// `h` was initialised (or is zeroed, or its init failed); no task
        /// waits for the lock.
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
            unsafe { lock::<$b>(h, 0) }
        }

        /// C API: acquire with a lockdep subclass (`*_lock_nested`).
        ///
        /// # Safety
        ///
        /// `h` was initialised and not destroyed.
        #[no_mangle]
        pub unsafe extern "C" fn $nested(h: *mut CHandle, subclass: c_uint) {
            // SAFETY: Guaranteed by the caller.
            unsafe { lock::<$b>(h, subclass) }
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

        /// C API: release (refused unless the caller holds the lock).
        ///
        /// # Safety
        ///
        /// `h` was initialised and not destroyed.
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
    alock_abql_lock_nested,
    alock_abql_trylock,
    alock_abql_unlock
);

c_queue_lock!(
    TicketBackend,
    alock_ticket_destroy,
    alock_ticket_lock,
    alock_ticket_lock_nested,
    alock_ticket_trylock,
    alock_ticket_unlock
);
c_queue_lock!(
    McsBackend,
    alock_mcs_destroy,
    alock_mcs_lock,
    alock_mcs_lock_nested,
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
    unsafe { lock_of::<AbqlBackend>(h) }.lock.capacity()
}

/// `grant` of a hold that went through the bitset word.
const GRANT_BITSET: u64 = u64::MAX;

/// C API: initialise a multi-resource lock.
///
/// # Safety
///
/// `h` is valid for writes; `name` and `key` live as long as the lock.
#[no_mangle]
pub unsafe extern "C" fn __alock_mrlock_init(
    h: *mut CHandle,
    scheme: c_uint,
    cells: c_uint,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) -> c_int {
    let make = |name, key| {
        let scheme = match scheme {
            0 => Scheme::Queue,
            1 => Scheme::Bitset,
            2 => Scheme::Adaptive,
            _ => return Err(EINVAL),
        };
        Ok(MultiLock::new(scheme, cells, name, key))
    };
    // SAFETY: Guaranteed by the caller.
    unsafe { install(h, name, key, make) }
}

/// C API: free a multi-resource lock nobody holds (refused while held).
///
/// # Safety
///
/// `h` was initialised by `__alock_mrlock_init` (or is zeroed, or its init
/// failed); nobody requests resources of it any more.
#[no_mangle]
pub unsafe extern "C" fn alock_mrlock_destroy(h: *mut CHandle) {
    let what = c_str!("destroy of a multi-resource lock with holders refused");
    // SAFETY: Guaranteed by the caller.
    unsafe { uninstall(h, |l: &MultiLock| !l.is_idle(), what) }
}

/// # Safety
///
/// `h` was initialised and not destroyed; `hold` is valid for writes.
unsafe fn mrlock_lock(h: *mut CHandle, resources: u64, hold: *mut CMrHold, sub: c_uint) -> c_int {
    if hold.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { &*(*h).imp.cast::<MultiLock>() };
    match l.lock_nested(resources, sub) {
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
    unsafe { mrlock_lock(h, resources, hold, 0) }
}

/// C API: acquire a set of resources with a lockdep subclass.
///
/// # Safety
///
/// `h` was initialised and not destroyed; `hold` is valid for writes.
#[no_mangle]
pub unsafe extern "C" fn alock_mrlock_lock_nested(
    h: *mut CHandle,
    resources: u64,
    hold: *mut CMrHold,
    subclass: c_uint,
) -> c_int {
    // SAFETY: Guaranteed by the caller.
    unsafe { mrlock_lock(h, resources, hold, subclass) }
}

/// C API: release a set of resources and empty `hold`.  An empty hold (a
/// double unlock), or one that this lock does not hold now (stale or
/// foreign), is refused and reported.
///
/// # Safety
///
/// `h` was initialised and not destroyed; `hold` is valid for reads and
/// writes.
#[no_mangle]
pub unsafe extern "C" fn alock_mrlock_unlock(h: *mut CHandle, hold: *mut CMrHold) {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { &*(*h).imp.cast::<MultiLock>() };
    if hold.is_null() {
        misuse::report(
            Misuse::BadHold,
            c_str!("multi-resource unlock without a hold"),
            l,
        );
        return;
    }
    // SAFETY: Guaranteed by the caller.
    let hd = unsafe { &mut *hold };
    let grant = if hd.grant == GRANT_BITSET {
        Grant::Bitset
    } else {
        Grant::Queue(hd.grant)
    };
    if !l.holds(hd.resources, grant) {
        let what = if hd.resources == 0 {
            c_str!("multi-resource unlock of an empty hold (double unlock?)")
        } else {
            c_str!("multi-resource unlock of a hold this lock does not have")
        };
        misuse::report(Misuse::BadHold, what, l);
        return;
    }
    let bits = hd.resources;
    hd.resources = 0;
    hd.grant = 0;
    // SAFETY: `holds` says the hold is this lock's and current; the caller
    // took it on this CPU (preemption has stayed off since).
    unsafe { l.unlock_raw(bits, grant) };
}
