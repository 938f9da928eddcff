// SPDX-License-Identifier: GPL-2.0

//! Anderson's array-based queue lock (ABQL, 1990).
//!
//! An acquirer takes a ticket with one fetch-and-increment and spins on
//! slot `ticket % capacity` of an array whose slots sit on separate cache
//! lines.  As in Anderson's original, the new holder clears its own slot's
//! flag as soon as it enters, and hands the lock on by setting the next
//! slot's.  FIFO, one cache line per waiter, and a hand-off touches only
//! the successor's line.
//!
//! # Memory ordering (LKMM terms)
//!
//! - Hand-off: the unlock's `store(1, Release)` to slot `t + 1` is read by
//!   the acquire load of its waiter, so the critical section of `t` happens
//!   before that of `t + 1` (a release-acquire pair, `smp_store_release` /
//!   `smp_load_acquire`).
//! - Slot reuse: ticket `t + cap` spins on the slot of `t`.  It must not see
//!   the `1` that let `t` in: `t` clears it (a relaxed store, i.e.
//!   `WRITE_ONCE()`: `try_lock` may read the slot at the same time) before
//!   its unlock, and every ticket is taken with a fully ordered
//!   `fetch_add(AcqRel)` on `next`.  Whoever takes `t + cap` does so after
//!   `t` left (at most `cap` acquirers hold or wait, below), so its
//!   `fetch_add` reads from a chain of `next` RMWs that includes one made
//!   after `t`'s clear had propagated to the taker of `t + 1`..`t + cap - 1`
//!   (through the hand-off's release-acquire); the RMW chain is a release
//!   sequence, so the clear happens before the new taker's first load of
//!   the slot.  A Relaxed `fetch_add` would let an arm64 or RISC-V CPU
//!   re-take a ticket before its clear is visible and admit two holders;
//!   x86 (TSO) cannot show it.
//! - `try_lock` reads `next` and the slot with Acquire and takes the ticket
//!   with an AcqRel CAS: it succeeds only if slot `next` is set, which only
//!   the release of ticket `next - 1` does and which its holder clears on
//!   entry, so a held lock (even by the caller) is never taken twice.
//!
//! # Capacity
//!
//! The slot array is sized at init (rounded up to a power of two).  Two
//! waiters must never share a slot, so at most `capacity` acquirers may
//! hold or wait at once.  Preemption is disabled from acquisition to
//! release and the lock is not for interrupt context, so there are never
//! more contenders than CPUs: with `capacity >= nr_cpu_ids` (the default)
//! the bound holds by construction.  A smaller capacity is honoured with an
//! admission gate: an acquirer first takes one of `capacity` permits (a
//! compare-and-swap loop on a counter) and only then a ticket.  Those past
//! the gate are served FIFO; the order in which gated acquirers get through
//! the gate is not FIFO.  Either way the queue never overflows.
//!
//! # Examples
//!
//! ```ignore
//! let l = KBox::pin_init(new_abql_lock!(0u64, 0, "my_abql"), GFP_KERNEL)?;
//! *l.lock() += 1;
//! ```

use crate::support::{
    cpu::cpu_relax,
    stats::{self, Kind},
    trace::{LazyWait, Site, LCB_F_SPIN},
};
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{bindings, prelude::*};

use super::lock::{init_dep_map, Backend, Fifo, Lock, QueueOrder};

/// A [`Lock`] with Anderson's algorithm.
pub type AbqlLock<T> = Lock<T, AbqlBackend>;

/// Creates an [`AbqlLock`] initialiser with `slots` slots (0: one per
/// possible CPU) and a new lockdep class.
#[macro_export]
macro_rules! new_abql_lock {
    ($inner:expr, $slots:expr $(, $name:literal)? $(,)?) => {
        $crate::sync::abql::AbqlLock::new(
            $inner, $slots, ::kernel::optional_name!($($name)?), ::kernel::static_lock_class!())
    };
}

/// Largest capacity.
pub const MAX_SLOTS: u32 = 1 << 16;

/// One slot, alone on its cache line.
#[repr(C, align(64))]
struct Slot {
    /// 1: the ticket of this slot may enter.
    can_serve: AtomicU32,
}

/// The bare ABQL: no lockdep, no preemption control.
pub struct RawAbql {
    next: AtomicU32,
    /// Admission permits in use (only with `gated`).
    admitted: AtomicU32,
    mask: u32,
    gated: bool,
    slots: KVec<Slot>,
}

impl RawAbql {
    /// A free lock with at least `slots` slots (0: `nr_cpu_ids`).
    pub fn new(slots: u32) -> Result<Self> {
        if slots > MAX_SLOTS {
            return Err(EINVAL);
        }
        // SAFETY: No preconditions.
        let cpus = unsafe { bindings::get_nr_cpu_ids() }.max(1);
        let want = if slots == 0 { cpus } else { slots };
        let cap = want.next_power_of_two();
        let mut v = KVec::with_capacity(cap as usize, GFP_KERNEL)?;
        for i in 0..cap {
            v.push(
                Slot {
                    can_serve: AtomicU32::new(u32::from(i == 0)),
                },
                GFP_KERNEL,
            )?;
        }
        Ok(Self {
            next: AtomicU32::new(0),
            admitted: AtomicU32::new(0),
            mask: cap - 1,
            gated: cap < cpus,
            slots: v,
        })
    }

    /// Number of slots.
    pub fn capacity(&self) -> u32 {
        self.mask + 1
    }

    /// Whether the admission gate is on (capacity below the CPU count).
    pub fn gated(&self) -> bool {
        self.gated
    }

    fn slot(&self, ticket: u32) -> &Slot {
        &self.slots[(ticket & self.mask) as usize]
    }

    fn admit(&self) {
        let cap = self.capacity();
        let mut n = self.admitted.load(Ordering::Relaxed);
        loop {
            if n < cap {
                match self.admitted.compare_exchange_weak(
                    n,
                    n + 1,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return,
                    Err(cur) => n = cur,
                }
            } else {
                cpu_relax();
                n = self.admitted.load(Ordering::Relaxed);
            }
        }
    }

    /// Takes a ticket and waits for its slot; returns the ticket.
    pub fn lock(&self) -> u32 {
        self.lock_at(&Site::new(self, LCB_F_SPIN, Kind::Abql))
    }

    /// [`lock`](Self::lock), reporting a wait (at the gate or for the
    /// slot) at `site`.
    pub fn lock_at(&self, site: &Site) -> u32 {
        let mut wait = LazyWait::new(*site);
        if self.gated && !self.try_admit() {
            wait.waiting();
            self.admit();
        }
        // Tickets wrap at 2^32, a multiple of the power-of-two capacity.
        // AcqRel: orders the clears of earlier tickets before our loads of
        // a reused slot (see the top of the file).
        let t = self.next.fetch_add(1, Ordering::AcqRel);
        let s = self.slot(t);
        if s.can_serve.load(Ordering::Acquire) == 0 {
            wait.waiting();
            while s.can_serve.load(Ordering::Acquire) == 0 {
                cpu_relax();
            }
        }
        // Ours now: clear the flag so that nobody (a `try_lock`, or ticket
        // `t + cap`) takes it for a free lock.
        s.can_serve.store(0, Ordering::Relaxed);
        wait.end_with(0);
        t
    }

    /// One admission attempt without waiting.
    fn try_admit(&self) -> bool {
        let n = self.admitted.load(Ordering::Relaxed);
        n < self.capacity()
            && self
                .admitted
                .compare_exchange(n, n + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }

    /// Takes the lock if it is free and nobody waits.
    pub fn try_lock(&self) -> Option<u32> {
        if self.gated {
            let n = self.admitted.load(Ordering::Relaxed);
            if n >= self.capacity()
                || self
                    .admitted
                    .compare_exchange(n, n + 1, Ordering::Acquire, Ordering::Relaxed)
                    .is_err()
            {
                return None;
            }
        }
        let t = self.next.load(Ordering::Acquire);
        // The slot of ticket `t` is set only from the release of ticket
        // `t - 1` to the entry of ticket `t`, so if it is set and we win
        // ticket `t`, nobody holds or waits.  A holder's own slot is
        // cleared, so a `try_lock` of a held lock fails, whoever calls it.
        let s = self.slot(t);
        if s.can_serve.load(Ordering::Acquire) != 0
            && self
                .next
                .compare_exchange(t, t.wrapping_add(1), Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            s.can_serve.store(0, Ordering::Relaxed);
            return Some(t);
        }
        if self.gated {
            self.admitted.fetch_sub(1, Ordering::Release);
        }
        None
    }

    /// Passes the lock to ticket `ticket + 1`.
    pub fn unlock(&self, ticket: u32) {
        // Our own slot was cleared on entry.
        self.slot(ticket.wrapping_add(1))
            .can_serve
            .store(1, Ordering::Release);
        if self.gated {
            self.admitted.fetch_sub(1, Ordering::Release);
        }
    }
}

/// State of an [`AbqlLock`].
pub struct AbqlState {
    raw: RawAbql,
    dep_map: bindings::lockdep_map,
}

/// The [`Backend`] of [`AbqlLock`].
pub struct AbqlBackend;

// SAFETY: At most `capacity` acquirers hold tickets at once (by the CPU
// bound or the gate), so each slot has one waiter; slots are set one at a
// time in ticket order with release/acquire and cleared by their holder on
// entry (see the top of the file).
unsafe impl Backend for AbqlBackend {
    type State = AbqlState;
    type GuardState = u32;
    /// Slots (0: one per possible CPU).
    type Params = u32;

    unsafe fn init(
        ptr: *mut AbqlState,
        slots: u32,
        name: *const kernel::ffi::c_char,
        key: *mut bindings::lock_class_key,
    ) -> Result {
        let raw = RawAbql::new(slots)?;
        // SAFETY: `ptr` is valid for writes.
        unsafe {
            core::ptr::addr_of_mut!((*ptr).raw).write(raw);
            init_dep_map(core::ptr::addr_of_mut!((*ptr).dep_map), name, key);
        }
        Ok(())
    }

    unsafe fn destroy(ptr: *mut AbqlState) {
        // SAFETY: Initialised by `init`, never used again.
        unsafe { core::ptr::drop_in_place(core::ptr::addr_of_mut!((*ptr).raw)) };
    }

    unsafe fn lock(ptr: *mut AbqlState) -> u32 {
        // SAFETY: Initialised state; `Lock::lock` announced the
        // acquisition to lockdep before calling here.
        let site = unsafe { Site::new(ptr, LCB_F_SPIN, Kind::Abql).with_map(Self::dep_map(ptr)) };
        stats::acquired(Kind::Abql);
        // SAFETY: Initialised state.
        unsafe { (*ptr).raw.lock_at(&site) }
    }

    unsafe fn try_lock(ptr: *mut AbqlState) -> Option<u32> {
        // SAFETY: Initialised state.
        let t = unsafe { (*ptr).raw.try_lock() };
        if t.is_some() {
            stats::acquired(Kind::Abql);
        }
        t
    }

    unsafe fn unlock(ptr: *mut AbqlState, guard: &u32) {
        // SAFETY: Held with ticket `guard`.
        unsafe { (*ptr).raw.unlock(*guard) }
    }

    unsafe fn dep_map(ptr: *mut AbqlState) -> *mut bindings::lockdep_map {
        // SAFETY: Initialised state.
        unsafe { core::ptr::addr_of_mut!((*ptr).dep_map) }
    }
}

impl Fifo for AbqlBackend {
    fn order(guard: &u32) -> QueueOrder {
        QueueOrder {
            id: u64::from(*guard),
            pred: Some(u64::from(guard.wrapping_sub(1))),
        }
    }
}

impl<T> AbqlLock<T> {
    /// Tickets taken so far (a snapshot, for tests: the holder's and each
    /// waiter's ticket count once).
    pub fn tickets(&self) -> u32 {
        // SAFETY: The state is initialised while the lock exists.
        unsafe { (*self.raw_state()).raw.next.load(Ordering::Relaxed) }
    }

    /// Number of slots of the lock.
    pub fn capacity(&self) -> u32 {
        // SAFETY: The state is initialised while the lock exists.
        unsafe { (*self.raw_state()).raw.capacity() }
    }
}
