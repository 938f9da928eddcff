// SPDX-License-Identifier: GPL-2.0

//! Big-reader lock: one spinlock per CPU (baseline for prwlock).
//!
//! A reader takes its own CPU's lock, so readers on different CPUs never
//! share a cache line; a writer takes every CPU's lock, in CPU order.
//! Readers must not sleep (preemption stays disabled while they hold), and
//! the writer's cost grows with the number of CPUs: the trade-off prwlock
//! removes.  The per-CPU locks are bare ticket locks; lockdep sees the whole
//! brlock as one reader-writer lock.

use kernel::{bindings, prelude::*, str::CStr, sync::LockClassKey, types::Opaque};

use super::lock::{class_key_ptr, init_dep_map};
use super::ticket::RawTicket;
use crate::support::{
    stats::{self, Kind},
    trace::{LazyWait, Site, LCB_F_PERCPU, LCB_F_READ, LCB_F_SPIN, LCB_F_WRITE},
};

/// A big-reader lock (no data; a baseline).
#[pin_data]
pub struct BrLock {
    locks: KVec<RawTicket>,
    #[pin]
    dep_map: Opaque<bindings::lockdep_map>,
}

// SAFETY: The per-CPU locks are atomics; lockdep synchronises its map.
unsafe impl Send for BrLock {}
// SAFETY: See above.
unsafe impl Sync for BrLock {}

/// Creates a [`BrLock`] initialiser with a new lockdep class.
#[macro_export]
macro_rules! new_brlock {
    ($($name:literal)?) => {
        $crate::sync::brlock::BrLock::new(
            ::kernel::optional_name!($($name)?), ::kernel::static_lock_class!())
    };
}

fn ip() -> usize {
    BrLock::read_lock as *const () as usize
}

impl BrLock {
    /// Returns an initialiser: one lock per possible CPU id.
    pub fn new(name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self, Error> {
        // SAFETY: No preconditions.
        let ids = unsafe { bindings::get_nr_cpu_ids() } as usize;
        let init_map = move |slot: *mut bindings::lockdep_map| {
            // SAFETY: `slot` is valid for writes; name and key are static.
            unsafe { init_dep_map(slot, name.as_char_ptr(), class_key_ptr(key)) }
        };
        try_pin_init!(Self {
            locks: {
                let mut v = KVec::with_capacity(ids, GFP_KERNEL)?;
                for _ in 0..ids {
                    v.push(RawTicket::new(), GFP_KERNEL)?;
                }
                v
            },
            dep_map <- Opaque::ffi_init(init_map),
        }? Error)
    }

    /// Takes this CPU's lock; returns what [`BrLock::read_unlock`] needs.
    pub fn read_lock(&self) -> (usize, u32) {
        // SAFETY: Re-enabled in `read_unlock`.
        unsafe { bindings::preempt_disable() };
        // SAFETY: Initialised map.
        unsafe { bindings::lockdep_acquire(self.dep_map.get(), 1, 0, ip()) };
        // SAFETY: No preconditions; preemption is off.
        let cpu = unsafe { bindings::raw_smp_processor_id() } as usize;
        stats::acquired(Kind::Brlock);
        (cpu, self.locks[cpu].lock_at(&self.site(LCB_F_READ)))
    }

    /// Releases a read hold.
    pub fn read_unlock(&self, hold: (usize, u32)) {
        self.locks[hold.0].unlock(hold.1);
        // SAFETY: Initialised map.
        unsafe { bindings::lockdep_release(self.dep_map.get(), ip()) };
        // SAFETY: Pairs with `read_lock`.
        unsafe { bindings::preempt_enable() };
    }

    /// Takes every CPU's lock, in order.
    pub fn write_lock(&self) {
        // SAFETY: Re-enabled in `write_unlock`.
        unsafe { bindings::preempt_disable() };
        // SAFETY: Initialised map.
        unsafe { bindings::lockdep_acquire(self.dep_map.get(), 0, 0, ip()) };
        stats::acquired(Kind::Brlock);
        // One wait for the whole sweep, however many CPUs' locks were held.
        let mut wait = LazyWait::new(self.site(LCB_F_WRITE));
        for l in self.locks.iter() {
            l.lock_lazy(&mut wait);
        }
        wait.end_with(0);
    }

    /// Where this lock reports its waits (lockstat included: the callers
    /// announce the acquisition to lockdep first).
    fn site(&self, flags: u32) -> Site {
        Site::new(self, LCB_F_SPIN | LCB_F_PERCPU | flags, Kind::Brlock)
            .with_map(self.dep_map.get())
    }

    /// Releases every CPU's lock.
    pub fn write_unlock(&self) {
        for l in self.locks.iter() {
            // The holder of every lock may read `serving` to find its ticket.
            l.unlock_held();
        }
        // SAFETY: Initialised map.
        unsafe { bindings::lockdep_release(self.dep_map.get(), ip()) };
        // SAFETY: Pairs with `write_lock`.
        unsafe { bindings::preempt_enable() };
    }
}
