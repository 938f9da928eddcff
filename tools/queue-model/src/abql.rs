// SPDX-License-Identifier: GPL-2.0

//! Anderson's array lock (`RawAbql` in `rust/sync/abql.rs`): slot reuse
//! and `try_lock` of a held lock.  Litmus tests:
//! `Documentation/litmus/queue-abql-reuse-*.litmus`.
//!
//! The lock has two slots (capacity 2) and the models two loom threads
//! (two CPUs): `RawAbql::new(0)` on a machine with `nr_cpu_ids` = 2, so
//! the admission gate is off (`gated` = capacity < CPUs) and at most two
//! acquirers hold or wait, by the CPU bound.  (Three CPUs with two slots
//! would turn the gate on, whose `Acquire` CAS on `admitted` reads the
//! `Release` decrement of the unlock and orders the clear by itself.)
//!
//! ```text
//! lock()                        before the fix            the fix
//!   t = next.fetch_add(1)       Relaxed                   AcqRel
//!   spin while slot(t) == 0     Acquire loads             Acquire loads
//!   slot(t) = 0                 -                         Relaxed (on entry)
//! unlock(t)
//!   slot(t) = 0                 Relaxed                   - (cleared on entry)
//!   slot(t + 1) = 1             Release                   Release
//! try_lock()
//!   t = next                    Relaxed load              Acquire load
//!   slot(t) != 0 ?              Acquire load              Acquire load
//!   next: t -> t + 1            CAS Acquire/Relaxed       CAS AcqRel/Relaxed
//!   slot(t) = 0                 -                         Relaxed (on entry)
//! ```
//!
//! # Slot reuse ([`slot_reuse`])
//!
//! CPU A takes the lock twice, CPU B once; each critical section writes the
//! data.  The run of the bug: A takes ticket 0 and enters (slot 0 is 1 at
//! the start), unlocks (clears slot 0, sets slot 1), and takes ticket 1
//! and enters; B takes ticket 2, whose slot is slot 0.  B's `fetch_add`
//! reads A's second one, but a `Relaxed` RMW does not synchronise, so
//! nothing orders A's clear of slot 0 before B's load of it: B may read
//! the stale `1` that let ticket 0 in, and enters while A holds ticket 1.
//! x86's locked `xadd` is a full barrier (A's clear is visible before its
//! ticket), so x86 cannot show it; the LKMM, arm64 and RISC-V allow it.
//!
//! With `fetch_add(AcqRel)` B's RMW reads from A's release RMW, and A's
//! clear, before it in program order, happens before B's loads of slot 0:
//! B waits for A's unlock of ticket 1.  Where the slot is cleared does not
//! matter for reuse (the clear on entry is for `try_lock`): a `Relaxed`
//! ticket with the clear on entry fails the same way, and `AcqRel` with the
//! clear at unlock holds.
//!
//! With two CPUs and two slots this is the smallest run: ticket `t + 2`
//! must be taken by a CPU that took neither `t` (its own clear comes
//! before, in program order) nor `t + 1` (it entered through the hand-off
//! of `t`, after the clear), so the other CPU takes both.
//!
//! # `try_lock` of a held lock ([`try_lock_held`])
//!
//! CPU H takes the lock (ticket 0), then calls `try_lock`; CPU W takes the
//! lock once.  The run of the bug (the old code keeps the holder's slot
//! set until unlock): W takes ticket 1 and spins, so `next` = 2, whose slot
//! is slot 0, still 1: H's `try_lock` wins ticket 2.  H now has two guards.
//! It drops the first (unlock of ticket 0: W enters) and keeps the second,
//! in whose critical section it writes the data while W is inside.  Every
//! step is sequentially consistent, so it fails under SC as well: a logic
//! bug that x86 shows.  With the clear on entry, slot 0 is 0 while ticket 0
//! holds and slot 1 is 0 until its unlock: `try_lock` fails whatever it
//! reads of `next`.

use crate::{Data, Word};
use loom::hint::spin_loop;
use loom::sync::atomic::{AtomicU32, Ordering};
use loom::sync::Arc;
use loom::thread;

/// Where a ticket's holder clears its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clear {
    /// In `unlock`, before setting the next slot (the code before the fix).
    OnUnlock,
    /// Right after entering, in `lock` and `try_lock` (the fix; Anderson's
    /// original).
    OnEntry,
}

/// The orderings and clear placement of a version of `RawAbql`.
#[derive(Clone, Copy, Debug)]
pub struct AbqlCode {
    /// The ticket `fetch_add` on `next` in `lock`.
    pub ticket: Ordering,
    /// Where the holder clears its slot.
    pub clear: Clear,
    /// `try_lock`'s load of `next`.
    pub try_next: Ordering,
    /// `try_lock`'s CAS on `next` (success ordering; failure is `Relaxed`).
    pub try_cas: Ordering,
    /// Every atomic access `SeqCst`: the model runs under SC.
    pub sc: bool,
}

/// `RawAbql` before the fix.
pub const OLD: AbqlCode = AbqlCode {
    ticket: Ordering::Relaxed,
    clear: Clear::OnUnlock,
    try_next: Ordering::Relaxed,
    try_cas: Ordering::Acquire,
    sc: false,
};

/// `RawAbql` as fixed (`rust/sync/abql.rs`, "Memory ordering").
pub const NEW: AbqlCode = AbqlCode {
    ticket: Ordering::AcqRel,
    clear: Clear::OnEntry,
    try_next: Ordering::Acquire,
    try_cas: Ordering::AcqRel,
    sc: false,
};

/// Slots of the modelled lock (a power of two; the capacity).
const SLOTS: u32 = 2;

/// The words of `RawAbql` (ungated: no `admitted`).
struct Abql {
    next: AtomicU32,
    slots: [AtomicU32; SLOTS as usize],
    code: AbqlCode,
}

impl Abql {
    /// A free lock: slot 0 set.
    fn new(code: AbqlCode) -> Self {
        Self {
            next: AtomicU32::new(0),
            slots: [AtomicU32::new(1), AtomicU32::new(0)],
            code,
        }
    }

    fn slot(&self, ticket: u32) -> &AtomicU32 {
        &self.slots[(ticket & (SLOTS - 1)) as usize]
    }

    /// `RawAbql::lock_at()`: takes a ticket and waits for its slot.
    fn lock(&self) -> u32 {
        let sc = self.code.sc;
        let t = self.next.faa(1, self.code.ticket, sc);
        let s = self.slot(t);
        while s.ld(Ordering::Acquire, sc) == 0 {
            spin_loop();
        }
        if self.code.clear == Clear::OnEntry {
            s.st(0, Ordering::Relaxed, sc);
        }
        t
    }

    /// `RawAbql::try_lock()`, ungated.
    fn try_lock(&self) -> Option<u32> {
        let sc = self.code.sc;
        let t = self.next.ld(self.code.try_next, sc);
        let s = self.slot(t);
        if s.ld(Ordering::Acquire, sc) != 0
            && self
                .next
                .cas(
                    t,
                    t.wrapping_add(1),
                    self.code.try_cas,
                    Ordering::Relaxed,
                    sc,
                )
                .is_ok()
        {
            if self.code.clear == Clear::OnEntry {
                s.st(0, Ordering::Relaxed, sc);
            }
            return Some(t);
        }
        None
    }

    /// `RawAbql::unlock()`: passes the lock to ticket `t + 1`.
    fn unlock(&self, t: u32) {
        let sc = self.code.sc;
        if self.code.clear == Clear::OnUnlock {
            self.slot(t).st(0, Ordering::Relaxed, sc);
        }
        self.slot(t.wrapping_add(1)).st(1, Ordering::Release, sc);
    }

    /// A whole acquisition: lock, critical section, unlock.
    fn locked(&self, data: &Data) {
        let t = self.lock();
        data.critical_section();
        self.unlock(t);
    }
}

/// Explores slot reuse with `code`: CPU A takes the lock twice, CPU B
/// once.  Panics with [`crate::RACE`] if two critical sections can be
/// unordered.
pub fn slot_reuse(code: AbqlCode) {
    loom::model(move || {
        let l = Arc::new(Abql::new(code));
        let data = Arc::new(Data::new());
        let (lb, db) = (l.clone(), data.clone());
        let b = thread::spawn(move || lb.locked(&db));
        l.locked(&data);
        l.locked(&data);
        b.join().unwrap();
    });
}

/// Explores `try_lock` of a held lock with `code`: CPU H holds the lock
/// and calls `try_lock`; if that succeeds it unlocks its first ticket and
/// runs a critical section under the second.  CPU W takes the lock once.
/// Panics with [`crate::RACE`] if two critical sections can be unordered.
pub fn try_lock_held(code: AbqlCode) {
    loom::model(move || {
        let l = Arc::new(Abql::new(code));
        let data = Arc::new(Data::new());
        let (lw, dw) = (l.clone(), data.clone());
        let w = thread::spawn(move || lw.locked(&dw));
        let t0 = l.lock();
        data.critical_section();
        match l.try_lock() {
            Some(t2) => {
                // A second guard of a held lock: drop the first, keep the
                // second.
                l.unlock(t0);
                data.critical_section();
                l.unlock(t2);
            }
            None => l.unlock(t0),
        }
        w.join().unwrap();
    });
}
