// SPDX-License-Identifier: GPL-2.0

//! loom models of prwlock's memory ordering (`rust/sync/prwlock/`).
//!
//! prwlock's reader fast path has no barrier; the writer's version
//! consensus stands in for it.  The argument is split between the top
//! comments of `rust/sync/prwlock/fast.c` (the reader's accesses `R1`..`R5`
//! and the scheduler's conversion `C1`, `C2`) and `rust/sync/prwlock/raw.rs`
//! (the writer's `W1`..`W6`, the IPI report, teardown).  Two places of that
//! argument relied on x86-TSO rather than on the Linux-kernel memory model
//! (LKMM).  Each module here models one piece of the protocol as a `loom`
//! test, run once with the ordering the code had (the model must fail, and
//! fail for the intended reason) and once with the ordering of the fix (the
//! model must pass):
//!
//! * [`report`]: a CPU's self-report (`R4`, at read unlock or back-off)
//!   followed by the next fast-path lock on that CPU (`R1`, `R2`), against
//!   the writer (`W1`..`W5`).  The report's load of `version` must be
//!   `smp_load_acquire()`, not `READ_ONCE()`.
//! * [`ipi`]: the report by the IPI handler, ordered after `W3` by the
//!   IPI's fully ordered queueing.  Holds with either load of `version`.
//! * [`teardown`]: the wake-up IPI handler's last use of the lock, then its
//!   `atomic_dec(&wake_pending)`, against `prwlock_destroy()`'s acquire
//!   load of `wake_pending == 0` and the free.  The decrement needs
//!   `smp_mb__before_atomic()` (or a release RMW).
//!
//! The LKMM litmus tests of the same runs are in `Documentation/litmus/`
//! (herd7 is not installed here; these models are the executed check).
//!
//! # How C maps to the model
//!
//! loom checks the C11/Rust memory model, which on these patterns agrees
//! with the LKMM: `WRITE_ONCE()`/`READ_ONCE()` = `Relaxed`,
//! `smp_store_release()` = `Release` store, `smp_load_acquire()` =
//! `Acquire` load, `smp_mb()` = `fence(SeqCst)`, a fully ordered RMW
//! (`xchg()`, `cmpxchg()`, `llist_add()`) = `SeqCst` RMW, `atomic_dec()`
//! = `Relaxed` RMW, `smp_mb__before_atomic(); atomic_dec()` =
//! `fence(SeqCst)` then a `Relaxed` RMW.  One loom thread is one CPU; a
//! per-CPU variable of the CPU modelled is a plain shared atomic.  The
//! lock's value `v` of the new version is 1 (the old one 0).
//!
//! loom explores every interleaving and every value a load may return under
//! the model (each model here is small enough to be explored exhaustively:
//! no preemption bound is set).  A model that can break its property
//! panics in the run that breaks it; [`expect_violation`] turns that panic
//! into the message the tests check.

#![deny(missing_docs)]

pub mod ipi;
pub mod report;
pub mod teardown;

use std::panic::{catch_unwind, UnwindSafe};

/// The message of the mutual-exclusion assertion in [`report`] and [`ipi`].
pub const EXCLUSION: &str = "mutual exclusion violated: a reader and the writer are both inside";

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
