// SPDX-License-Identifier: GPL-2.0

//! loom models of the queue locks' memory ordering (`rust/sync/abql.rs`,
//! `rust/sync/ticket.rs`, `rust/sync/mrlock.rs`; issue 22).
//!
//! Each module models one lock's algorithm, with the orderings of the
//! kernel code as parameters, and runs it once as the code was (the model
//! must fail, and fail for the property it checks: mutual exclusion) and
//! once as fixed (loom must find no violating execution):
//!
//! * [`abql`]: Anderson's array lock.  Slot reuse: ticket `t + cap` spins
//!   on the slot of ticket `t`, and a `Relaxed` ticket `fetch_add` does
//!   not order `t`'s clear of its slot before the new taker's load of it,
//!   which can read the stale `1` that let `t` in.  The fix takes tickets
//!   with `fetch_add(AcqRel)` (and clears the slot on entry).  And
//!   `try_lock` of a held lock: with the slot cleared only at unlock, the
//!   holder's own slot stays set, so its `try_lock` succeeds once a waiter
//!   has moved `next` on by the capacity; a logic bug, sequentially
//!   consistent (x86 shows it).  The fix clears the slot on entry.
//! * [`ticket`]: the ticket lock's `try_lock` read `serving` `Relaxed`,
//!   and its `Acquire` CAS is on `next`, whose writers are `Relaxed`
//!   `fetch_add`s: nothing orders the previous holder's critical section
//!   before the try-locker's.  The fix reads `serving` with `Acquire`.
//! * [`mrlock`]: the MRLock queue.  A waiter could read the previous lap of
//!   a recycled cell (`seq <= pos`, `bits = 0`) and skip a live
//!   conflicting request, because the recycler stores `bits = ALL` and
//!   `seq` after its head CAS and the tail CAS was `Relaxed`.  The fix of
//!   issue 22 makes the tail CAS `AcqRel` and has `blocks()` treat a cell
//!   whose `seq` is below the position checked as blocking.  The model
//!   finds two more bugs in the recycling loop of `unlock()`, which that
//!   fix leaves.  Mixed laps: it reads a cell's `bits` before its `seq`, so
//!   it can pair the `bits = 0` of a released request with the `seq` of the
//!   next lap's live one and recycle the live cell; sequentially consistent
//!   (x86 shows it); reading `seq` first fixes it.  Lost recycle: the
//!   releaser's store of `bits = 0` then load of `head`, against the
//!   recycler's head CAS then load of `bits`, is store buffering, so
//!   neither may recycle the released cell and the lock can hang; an
//!   `smp_mb()` on both sides fixes it.
//!
//! The LKMM litmus tests of the weak-memory runs are in
//! `Documentation/litmus/queue-*.litmus` (herd7 is not installed here;
//! these models are the executed check).  Each module's documentation
//! names its litmus files.
//!
//! # How the code maps to the model
//!
//! loom checks the C11/Rust memory model; the kernel code is Rust with
//! `core::sync::atomic`, so each access is modelled with the ordering it
//! has in the code (`smp_mb()`, where a fix adds one, is `fence(SeqCst)`).
//! One loom thread is one CPU (preemption is disabled
//! from a lock's acquisition to its release); a spin loop's `cpu_relax()`
//! is [`loom::hint::spin_loop`], which also tells loom that the thread
//! waits for another (a model-only effect: loom then explores only the
//! runs in which a retried load reads a newer value).
//!
//! A critical section is a write of a loom `UnsafeCell` standing for the
//! protected data ([`Data`]).  loom reports a causality violation
//! ([`RACE`]) if two writes are not ordered by happens-before, which is
//! mutual exclusion in the memory model: every two critical sections of a
//! lock must be ordered by happens-before.  (A run in which two holders
//! are inside at once has two such unordered writes too.)
//!
//! Where a model runs "under SC" ([`Word`]) every atomic access is a
//! read-modify-write, which loom always lets read the newest value, so the
//! runs are the sequentially consistent interleavings: a model that fails
//! under SC shows a bug that x86 (or any CPU) can hit, one that fails only
//! with the code's orderings a weak-memory bug.
//!
//! loom explores every interleaving and every value a load may return under
//! the model.  The ABQL and ticket models are explored exhaustively; the
//! MRLock models (two CPUs, up to two requests each, a ring of two cells)
//! with a preemption bound ([`mrlock::PREEMPTION_BOUND`],
//! [`mrlock::ONE_LAP_PREEMPTION_BOUND`]).  A model that can break its
//! property panics in the run that breaks it; [`expect_violation`] turns
//! that panic into the message the tests check.

#![deny(missing_docs)]

pub mod abql;
pub mod mrlock;
pub mod ticket;

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::panic::{catch_unwind, UnwindSafe};

/// The start of loom's message when two writes of an `UnsafeCell` (the
/// protected data: two critical sections) are not ordered by
/// happens-before: mutual exclusion is broken.
pub const RACE: &str = "Causality violation: Concurrent write accesses to `UnsafeCell`";

/// Whether a violation message is the mutual exclusion property the models
/// check ([`RACE`] on the protected data).
pub fn is_exclusion_failure(msg: &str) -> bool {
    msg.contains(RACE)
}

/// The data a lock protects.  [`Data::critical_section`] is the critical
/// section of every model: an increment of a loom `UnsafeCell`, whose
/// accesses loom checks for happens-before.
pub struct Data(UnsafeCell<u32>);

impl Data {
    /// Zero.
    pub fn new() -> Self {
        Self(UnsafeCell::new(0))
    }

    /// A critical section: reads and writes the data.  loom panics with
    /// [`RACE`] if an earlier critical section's write does not happen
    /// before this one.
    pub fn critical_section(&self) {
        // SAFETY: The model's lock is meant to give exclusive access; loom
        // checks it (and reports a race instead of running into one).
        self.0.with_mut(|p| unsafe { *p += 1 });
    }
}

impl Default for Data {
    fn default() -> Self {
        Self::new()
    }
}

/// The atomic accesses of the models, done with the code's ordering, or
/// under SC (`sc`): then every access is an `AcqRel` read-modify-write
/// (a load is `fetch_add(0)`, a store `swap`), which loom always lets read
/// the newest value of the location, so that the runs explored are the
/// sequentially consistent interleavings.  (loom treats a `SeqCst` access
/// as `AcqRel`, so `SeqCst` orderings alone would not do.)
pub trait Word {
    /// The value.
    type V: Copy;
    /// A load with `o`.
    fn ld(&self, o: Ordering, sc: bool) -> Self::V;
    /// A store with `o`.
    fn st(&self, v: Self::V, o: Ordering, sc: bool);
    /// A fetch-and-add with `o`.
    fn faa(&self, v: Self::V, o: Ordering, sc: bool) -> Self::V;
    /// A compare-and-swap with `ok` on success and `err` on failure.
    fn cas(
        &self,
        cur: Self::V,
        new: Self::V,
        ok: Ordering,
        err: Ordering,
        sc: bool,
    ) -> Result<Self::V, Self::V>;
}

macro_rules! word {
    ($atomic:ty, $v:ty) => {
        impl Word for $atomic {
            type V = $v;

            fn ld(&self, o: Ordering, sc: bool) -> $v {
                if sc {
                    self.fetch_add(0, Ordering::AcqRel)
                } else {
                    self.load(o)
                }
            }

            fn st(&self, v: $v, o: Ordering, sc: bool) {
                if sc {
                    self.swap(v, Ordering::AcqRel);
                } else {
                    self.store(v, o);
                }
            }

            fn faa(&self, v: $v, o: Ordering, sc: bool) -> $v {
                self.fetch_add(v, if sc { Ordering::AcqRel } else { o })
            }

            fn cas(
                &self,
                cur: $v,
                new: $v,
                ok: Ordering,
                err: Ordering,
                sc: bool,
            ) -> Result<$v, $v> {
                if sc {
                    self.compare_exchange(cur, new, Ordering::AcqRel, Ordering::Acquire)
                } else {
                    self.compare_exchange(cur, new, ok, err)
                }
            }
        }
    };
}

word!(AtomicU32, u32);
word!(AtomicU64, u64);

/// Runs `model` (a `loom::model` call) and returns the message of the panic
/// by which loom reported a violating execution.
///
/// Panics if the model passed: loom found no execution that breaks it.
pub fn expect_violation<F: FnOnce() + UnwindSafe>(model: F) -> String {
    match catch_unwind(model) {
        Ok(()) => panic!("loom found no violating execution, but the model must fail"),
        Err(payload) => {
            if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else if let Some(s) = payload.downcast_ref::<&str>() {
                (*s).to_string()
            } else {
                String::from("<panic payload not a string>")
            }
        }
    }
}
