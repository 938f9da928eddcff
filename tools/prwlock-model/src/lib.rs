// SPDX-License-Identifier: GPL-2.0

//! loom models of prwlock's memory ordering (`rust/sync/prwlock/`).
//!
//! prwlock's reader fast path has no barrier; the writer's version
//! consensus stands in for it.  The argument is split between the top
//! comments of `rust/sync/prwlock/fast.c` (the reader's accesses `R1`..`R5`
//! and the scheduler's conversion `C1`, `C2`), `rust/sync/prwlock/raw.rs`
//! (the writer's `W1`..`W6`, teardown) and `rust/sync/prwlock/consensus.rs`
//! (the consensus and the IPI report, the idle skip, the lock domain, the
//! bounded drain).  Two places of that
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
//! * [`idle`]: the idle skip.  `W4` reads a CPU's context-tracking state
//!   (`ct_rcu_watching_cpu_acquire()`) and counts a CPU in an extended
//!   quiescent state as reported; the CPU leaves and enters that state with
//!   fully ordered RMWs.  A relaxed transition, or no `smp_mb()` in `W3`,
//!   breaks it.
//! * [`domain`]: the lock domain (`prwlock_set_domain()`, `mm_cpumask(mm)`
//!   on x86).  `W4` skips a CPU whose bit is clear; the CPU sets its bit
//!   with a fully ordered RMW (x86's locked instruction) before it runs a
//!   passive reader, and clears it after the conversion of the task it
//!   switches out.  An unordered `set_bit()`, or a clear before the
//!   conversion, breaks it (the latter only for a writer whose `W5` skips
//!   the CPUs outside the domain too, or with an unordered clear).
//! * [`drain`]: the bounded drain.  After the consensus the writer asks a
//!   CPU whose passive count stays up to convert the holds of the task it
//!   interrupts (`C1`, `C2` in the IPI handler), asks again while the
//!   handler could not, then waits for `active == 0` (`W6`).  `C2` before
//!   `C1` breaks it when the writer reads the count while the handler runs.
//!
//! The LKMM litmus tests of the same runs are in `Documentation/litmus/`
//! (herd7 is not installed here; these models are the executed check).
//! Each module's documentation names its litmus files.
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
//! loom treats a `SeqCst` read-modify-write as `AcqRel` (its documented
//! limitation; only `fence(SeqCst)` has the full sequentially consistent
//! semantics), so a *fully ordered* RMW of the kernel (`atomic_add_return()`,
//! x86's `lock`-prefixed instructions: `smp_mb()` on both sides) is written
//! [`fully_ordered`]: `fence(SeqCst)`, the RMW, `fence(SeqCst)`.  Where an
//! argument needs the full barrier (the store-buffering pattern of the idle
//! and domain skips), the fences carry it.  A reader's critical section is
//! a read of a loom `UnsafeCell` standing for the protected data, the
//! writer's a write to it: loom reports a causality violation
//! ([`OVERLAP`]) if the two are not ordered by happens-before, which is the
//! exclusion property for a reader that has left by the time the writer
//! enters.
//!
//! loom explores every interleaving and every value a load may return under
//! the model (each model here is small enough to be explored exhaustively:
//! no preemption bound is set).  A model that can break its property
//! panics in the run that breaks it; [`expect_violation`] turns that panic
//! into the message the tests check.

#![deny(missing_docs)]

pub mod domain;
pub mod drain;
pub mod idle;
pub mod ipi;
pub mod report;
pub mod teardown;

use loom::sync::atomic::{fence, Ordering};
use std::panic::{catch_unwind, UnwindSafe};

/// The message of the mutual-exclusion assertion of the models.
pub const EXCLUSION: &str = "mutual exclusion violated: a reader and the writer are both inside";

/// The start of loom's message when a read and a write of an `UnsafeCell`
/// (the protected data: a reader's critical section and the writer's) are
/// not ordered by happens-before.
pub const OVERLAP: &str = "Causality violation: Concurrent read and write accesses";

/// Whether a violation message is the exclusion property of the models
/// that check it both ways: both inside at once ([`EXCLUSION`]), or a
/// reader's critical section not ordered before the writer's ([`OVERLAP`]).
pub fn is_exclusion_failure(msg: &str) -> bool {
    msg.contains(EXCLUSION) || msg.contains(OVERLAP)
}

/// A fully ordered RMW (`atomic_add_return()`, `xchg()`, an x86 `lock`
/// instruction): `rmw` (a `SeqCst` RMW, which loom treats as `AcqRel`)
/// between two `fence(SeqCst)` (`smp_mb()`).
pub fn fully_ordered<R>(rmw: impl FnOnce() -> R) -> R {
    fence(Ordering::SeqCst);
    let r = rmw();
    fence(Ordering::SeqCst);
    r
}

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
