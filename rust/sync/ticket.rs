// SPDX-License-Identifier: GPL-2.0

//! Ticket spinlock: the classic FIFO baseline for the queue locks.
//!
//! An acquirer takes a ticket with one fetch-and-add on `next` and spins
//! until `serving` reaches it; the holder passes the lock on by
//! incrementing `serving`.  FIFO, but every waiter spins on the same cache
//! line, which every hand-off invalidates: the cost MCS and ABQL avoid.
//!
//! # Examples
//!
//! ```ignore
//! let l = KBox::pin_init(new_ticket_lock!(0u32, "my_ticket"), GFP_KERNEL)?;
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

/// A [`Lock`] with the ticket algorithm.
pub type TicketLock<T> = Lock<T, TicketBackend>;

/// Creates a [`TicketLock`] initialiser with a new lockdep class.
#[macro_export]
macro_rules! new_ticket_lock {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::sync::ticket::TicketLock::new(
            $inner, (), ::kernel::optional_name!($($name)?), ::kernel::static_lock_class!())
    };
}

/// The bare ticket lock: two counters, no lockdep, no preemption control.
///
/// Used as is where lockdep cannot follow (two-phase locking over dozens of
/// locks of one class); everything else should use [`TicketLock`].
#[repr(C, align(64))]
pub struct RawTicket {
    next: AtomicU32,
    serving: AtomicU32,
}

impl RawTicket {
    /// A free lock.
    pub const fn new() -> Self {
        Self {
            next: AtomicU32::new(0),
            serving: AtomicU32::new(0),
        }
    }

    /// Takes a ticket and waits for it; returns the ticket.  A wait is
    /// reported as one of the ticket lock at `self`, without lockstat.
    pub fn lock(&self) -> u32 {
        self.lock_at(&Site::new(self, LCB_F_SPIN, Kind::Ticket))
    }

    /// Takes a ticket and waits for it, reporting a wait at `site`.
    #[inline]
    pub fn lock_at(&self, site: &Site) -> u32 {
        let mut w = LazyWait::new(*site);
        let t = self.lock_lazy(&mut w);
        w.end_with(0);
        t
    }

    /// Takes a ticket and waits for it, beginning `wait` if it has to
    /// (and leaving it to the caller to end: a lock made of several
    /// ticket locks reports one wait).
    #[inline(always)]
    pub fn lock_lazy(&self, wait: &mut LazyWait) -> u32 {
        let t = self.next.fetch_add(1, Ordering::Relaxed);
        if self.serving.load(Ordering::Acquire) != t {
            wait.waiting();
            while self.serving.load(Ordering::Acquire) != t {
                cpu_relax();
            }
        }
        t
    }

    /// Takes the lock if nobody holds or waits for it.
    pub fn try_lock(&self) -> Option<u32> {
        // Acquire: pairs with the last unlock's release store of
        // `serving`, so its critical section happens before ours.  The
        // CAS below is on `next`, whose other writers are `fetch_add`s with
        // no release: its Acquire alone would order nothing
        // (`Documentation/litmus/queue-ticket-trylock*.litmus`).
        let s = self.serving.load(Ordering::Acquire);
        self.next
            .compare_exchange(s, s.wrapping_add(1), Ordering::Acquire, Ordering::Relaxed)
            .ok()
    }

    /// Tickets taken and not yet done with: the holder's and the waiters'
    /// (a snapshot, for tests).
    pub fn queued(&self) -> u32 {
        let s = self.serving.load(Ordering::Relaxed);
        self.next.load(Ordering::Relaxed).wrapping_sub(s)
    }

    /// Passes the lock on, for a holder that did not keep its ticket
    /// (the ticket being served is the holder's).
    pub fn unlock_held(&self) {
        let t = self.serving.load(Ordering::Relaxed);
        self.unlock(t);
    }

    /// Passes the lock to the next ticket.
    pub fn unlock(&self, ticket: u32) {
        self.serving
            .store(ticket.wrapping_add(1), Ordering::Release);
    }
}

impl Default for RawTicket {
    fn default() -> Self {
        Self::new()
    }
}

/// Tickets taken and not done with in `lock` (see [`RawTicket::queued`]).
pub fn queued<T>(lock: &TicketLock<T>) -> u32 {
    // SAFETY: The state of a live lock is initialised.
    unsafe { (*lock.raw_state()).raw.queued() }
}

/// State of a [`TicketLock`].
pub struct TicketState {
    raw: RawTicket,
    dep_map: bindings::lockdep_map,
}

/// The [`Backend`] of [`TicketLock`].
pub struct TicketBackend;

// SAFETY: One ticket is served at a time; `serving` is stored with release
// and loaded with acquire.
unsafe impl Backend for TicketBackend {
    type State = TicketState;
    type GuardState = u32;
    type Params = ();

    unsafe fn init(
        ptr: *mut TicketState,
        _params: (),
        name: *const kernel::ffi::c_char,
        key: *mut bindings::lock_class_key,
    ) -> Result {
        // SAFETY: `ptr` is valid for writes.
        unsafe {
            core::ptr::addr_of_mut!((*ptr).raw).write(RawTicket::new());
            init_dep_map(core::ptr::addr_of_mut!((*ptr).dep_map), name, key);
        }
        Ok(())
    }

    unsafe fn lock(ptr: *mut TicketState) -> u32 {
        // SAFETY: Initialised state; `Lock::lock` announced the
        // acquisition to lockdep before calling here.
        let site = unsafe { Site::new(ptr, LCB_F_SPIN, Kind::Ticket).with_map(Self::dep_map(ptr)) };
        stats::acquired(Kind::Ticket);
        // SAFETY: Initialised state.
        unsafe { (*ptr).raw.lock_at(&site) }
    }

    unsafe fn try_lock(ptr: *mut TicketState) -> Option<u32> {
        // SAFETY: Initialised state.
        let t = unsafe { (*ptr).raw.try_lock() };
        if t.is_some() {
            stats::acquired(Kind::Ticket);
        }
        t
    }

    unsafe fn unlock(ptr: *mut TicketState, guard: &u32) {
        // SAFETY: Initialised state, held with ticket `guard`.
        unsafe { (*ptr).raw.unlock(*guard) }
    }

    unsafe fn dep_map(ptr: *mut TicketState) -> *mut bindings::lockdep_map {
        // SAFETY: Initialised state.
        unsafe { core::ptr::addr_of_mut!((*ptr).dep_map) }
    }
}

impl Fifo for TicketBackend {
    fn order(guard: &u32) -> QueueOrder {
        // Ticket t is served right after ticket t - 1, whoever held it.
        QueueOrder {
            id: u64::from(*guard),
            pred: Some(u64::from(guard.wrapping_sub(1))),
        }
    }
}
