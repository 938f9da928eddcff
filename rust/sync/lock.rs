// SPDX-License-Identifier: GPL-2.0

//! Generic spinning lock with guards, modelled on upstream `kernel::sync::lock`.
//!
//! Upstream's [`kernel::sync::lock::Backend`] cannot express what the queue
//! locks need: a fallible initialiser with parameters (ABQL allocates its
//! slot array), a destructor, and a `try_lock`.  This module is the same
//! pattern with those three additions: a lock is a [`Lock<T, B>`] whose
//! backend `B` provides the algorithm; [`Lock::lock`] returns a [`Guard`]
//! that gives access to `T` and releases the lock when dropped.
//!
//! Every lock here is a spinning lock with the rules of `spinlock_t`:
//! preemption is disabled from the start of the acquisition until the
//! release, the holder must not sleep (`DEBUG_ATOMIC_SLEEP` reports it), and
//! the lock must not be taken in interrupt context.  lockdep sees each lock
//! as an exclusive lock of the class given at init.

use core::{cell::UnsafeCell, marker::PhantomData, marker::PhantomPinned};
use kernel::{
    bindings,
    init::{self, PinInit},
    prelude::*,
    str::CStr,
    sync::LockClassKey,
    types::Opaque,
};

use crate::support::{misuse, trace};

/// The algorithm of a [`Lock`].
///
/// # Safety
///
/// Implementers must ensure that only one caller at a time holds the lock,
/// that is, is between a successful [`lock`](Backend::lock) or
/// [`try_lock`](Backend::try_lock) and the matching
/// [`unlock`](Backend::unlock), and that the unlock makes the holder's
/// writes visible to the next holder (release/acquire).
pub unsafe trait Backend {
    /// The state of one lock.
    type State;
    /// What a holder keeps between lock and unlock.
    type GuardState;
    /// Parameters of [`init`](Backend::init) (capacity and the like).
    type Params: Copy;

    /// Initialises the state in place.
    ///
    /// # Safety
    ///
    /// `ptr` must be valid for writes; `name` and `key` must stay valid
    /// for as long as the lock exists.
    unsafe fn init(
        ptr: *mut Self::State,
        params: Self::Params,
        name: *const kernel::ffi::c_char,
        key: *mut bindings::lock_class_key,
    ) -> Result;

    /// Frees what [`init`](Backend::init) allocated.
    ///
    /// # Safety
    ///
    /// `ptr` was initialised by a successful `init`, the lock is free and
    /// is never used again.
    unsafe fn destroy(_ptr: *mut Self::State) {}

    /// Acquires the lock (spinning; the caller disabled preemption).
    ///
    /// # Safety
    ///
    /// `ptr` was initialised by `init`; preemption is disabled.
    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState;

    /// Acquires the lock if that needs no waiting.
    ///
    /// # Safety
    ///
    /// As for [`lock`](Backend::lock).
    unsafe fn try_lock(ptr: *mut Self::State) -> Option<Self::GuardState>;

    /// Releases the lock.
    ///
    /// # Safety
    ///
    /// The caller holds the lock through `guard`; preemption is still
    /// disabled.
    unsafe fn unlock(ptr: *mut Self::State, guard: &Self::GuardState);

    /// The lockdep map of the lock.
    ///
    /// # Safety
    ///
    /// `ptr` was initialised by `init`.
    unsafe fn dep_map(ptr: *mut Self::State) -> *mut bindings::lockdep_map;
}

/// Initialises a lockdep map for a lock named `name` of class `key`.
///
/// # Safety
///
/// `map` must be valid for writes; `name` and `key` must outlive the lock.
pub unsafe fn init_dep_map(
    map: *mut bindings::lockdep_map,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) {
    // SAFETY: Guaranteed by the caller.
    unsafe { bindings::lockdep_init_map(map, name, key, 0) };
}

/// Returns the C pointer of a lock class key.
pub fn class_key_ptr(key: &'static LockClassKey) -> *mut bindings::lock_class_key {
    // `LockClassKey` is a `#[repr(transparent)]` wrapper of
    // `Opaque<lock_class_key>`, which is itself transparent.
    key as *const LockClassKey as *mut bindings::lock_class_key
}

/// A spinning lock protecting a `T`, with algorithm `B`.
#[pin_data(PinnedDrop)]
pub struct Lock<T, B: Backend> {
    #[pin]
    state: Opaque<B::State>,
    #[pin]
    _pin: PhantomPinned,
    data: UnsafeCell<T>,
}

// SAFETY: The lock can move between threads if its data can.
unsafe impl<T: Send, B: Backend> Send for Lock<T, B> {}
// SAFETY: The lock serialises access to the data, so sharing it is safe if
// the data may be sent to the thread that gets it.
unsafe impl<T: Send, B: Backend> Sync for Lock<T, B> {}

impl<T, B: Backend> Lock<T, B> {
    /// Returns an initialiser of a lock holding `t`.
    pub fn new(
        t: T,
        params: B::Params,
        name: &'static CStr,
        key: &'static LockClassKey,
    ) -> impl PinInit<Self, Error> {
        let init_state = move |slot: *mut Opaque<B::State>| -> Result {
            // SAFETY: `slot` is valid for writes; `name` and `key` are
            // static.
            unsafe {
                B::init(
                    Opaque::raw_get(slot),
                    params,
                    name.as_char_ptr(),
                    class_key_ptr(key),
                )
            }
        };
        // SAFETY: The closure initialises `state` fully or returns an
        // error (then `try_pin_init!` drops the fields made so far, and
        // `state` has nothing to drop).
        let state = unsafe { init::pin_init_from_closure::<_, Error>(init_state) };
        try_pin_init!(Self {
            state <- state,
            _pin: PhantomPinned,
            data: UnsafeCell::new(t),
        }? Error)
    }

    fn state(&self) -> *mut B::State {
        self.state.get()
    }

    /// The backend state, for backend-specific accessors.
    pub(crate) fn raw_state(&self) -> *mut B::State {
        self.state.get()
    }

    /// Acquires the lock, spinning as long as needed.
    pub fn lock(&self) -> Guard<'_, T, B> {
        self.lock_nested(0)
    }

    /// [`lock`](Self::lock) with lockdep subclass `subclass` (below
    /// `MAX_LOCKDEP_SUBCLASSES`, 8), for nesting two locks of one class in
    /// a fixed order, as `spin_lock_nested()` does.
    pub fn lock_nested(&self, subclass: u32) -> Guard<'_, T, B> {
        // Debug kernels: interrupt context is reported (and not refused:
        // `spin_lock` cannot fail either).
        misuse::irq_check(self);
        // SAFETY: No preconditions; re-enabled when the guard drops.
        unsafe { bindings::preempt_disable() };
        // SAFETY: The state was initialised by `new`.
        let map = unsafe { B::dep_map(self.state()) };
        // SAFETY: `map` was initialised by `init`.
        unsafe { trace::lockdep_acquire(map, subclass, false, lock_ip::<B>()) };
        // SAFETY: Initialised, preemption off.
        let gs = unsafe { B::lock(self.state()) };
        Guard {
            lock: self,
            state: gs,
            _not_send: PhantomData,
        }
    }

    /// Acquires the lock only if it is free and nobody waits for it.
    pub fn try_lock(&self) -> Option<Guard<'_, T, B>> {
        misuse::irq_check(self);
        // SAFETY: No preconditions.
        unsafe { bindings::preempt_disable() };
        // SAFETY: Initialised, preemption off.
        match unsafe { B::try_lock(self.state()) } {
            Some(gs) => {
                // SAFETY: As in `lock`.
                let map = unsafe { B::dep_map(self.state()) };
                // SAFETY: `map` was initialised by `init`.
                unsafe { bindings::lockdep_acquire(map, 0, 1, lock_ip::<B>()) };
                Some(Guard {
                    lock: self,
                    state: gs,
                    _not_send: PhantomData,
                })
            }
            None => {
                // SAFETY: Pairs with the `preempt_disable` above.
                unsafe { bindings::preempt_enable() };
                None
            }
        }
    }
}

/// The "instruction pointer" lockdep records for locks of backend `B`.
fn lock_ip<B: Backend>() -> usize {
    Lock::<(), B>::lock as *const () as usize
}

#[pinned_drop]
impl<T, B: Backend> PinnedDrop for Lock<T, B> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: The state was initialised; a `&mut` means no guard exists.
        unsafe { B::destroy(self.state.get()) };
    }
}

/// Holder of a [`Lock`]: derefs to the data, unlocks on drop.
#[must_use = "the lock unlocks immediately when the guard is unused"]
pub struct Guard<'a, T, B: Backend> {
    lock: &'a Lock<T, B>,
    state: B::GuardState,
    _not_send: PhantomData<*mut ()>,
}

// SAFETY: The guard only gives shared access to `T` through `&Guard`.
unsafe impl<T: Sync, B: Backend> Sync for Guard<'_, T, B> {}

impl<T, B: Backend> Guard<'_, T, B> {
    /// What the backend recorded for this acquisition (queue position and
    /// the like; tests use it to check FIFO order).
    pub fn backend_state(&self) -> &B::GuardState {
        &self.state
    }

    /// Keeps the lock held past the guard: returns what
    /// [`Lock::unlock_raw`] needs (for the C API, whose callers unlock
    /// explicitly).  Preemption stays disabled until then.
    pub fn into_raw(self) -> B::GuardState {
        let me = core::mem::ManuallyDrop::new(self);
        // SAFETY: `me` is never used or dropped again, so the state moves
        // out exactly once.
        unsafe { core::ptr::read(&me.state) }
    }
}

impl<T, B: Backend> Lock<T, B> {
    /// Releases a lock kept by [`Guard::into_raw`].
    ///
    /// # Safety
    ///
    /// `gs` comes from `into_raw` of a guard of this lock, on this CPU, and
    /// is used once.
    pub unsafe fn unlock_raw(&self, gs: B::GuardState) {
        drop(Guard {
            lock: self,
            state: gs,
            _not_send: PhantomData,
        });
    }

    /// Pointer to the protected data; dereference only while holding.
    pub fn data_ptr(&self) -> *mut T {
        self.data.get()
    }
}

impl<T, B: Backend> core::ops::Deref for Guard<'_, T, B> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: The guard holds the lock.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T, B: Backend> core::ops::DerefMut for Guard<'_, T, B> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: The guard holds the lock.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T, B: Backend> Drop for Guard<'_, T, B> {
    fn drop(&mut self) {
        let st = self.lock.state();
        // lockdep first, as `spin_unlock()` does (`spin_release()` before
        // `do_raw_spin_unlock()`): once the lock is passed on, the next
        // holder's `lock_acquire` must not find it still held here.
        // SAFETY: Initialised map.
        unsafe { bindings::lockdep_release(B::dep_map(st), lock_ip::<B>()) };
        // SAFETY: The guard holds the lock; preemption is still off.
        unsafe { B::unlock(st, &self.state) };
        // SAFETY: Pairs with `preempt_disable` in `lock`/`try_lock`.
        unsafe { bindings::preempt_enable() };
    }
}

/// Where a grant stands in the lock's queue, for FIFO checks.
///
/// A FIFO lock gives every acquisition an `id`; an acquisition that queued
/// behind another one names it as `pred`, and must be granted the lock
/// right after `pred` released it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueOrder {
    /// Unique id of this acquisition (among those in flight).
    pub id: u64,
    /// The acquisition this one queued behind, if any.
    pub pred: Option<u64>,
}

/// Backends whose guards know their queue position.
pub trait Fifo: Backend {
    /// The queue position of a grant.
    fn order(guard: &Self::GuardState) -> QueueOrder;
}
