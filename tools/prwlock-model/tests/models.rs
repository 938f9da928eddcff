// SPDX-License-Identifier: GPL-2.0

//! The loom models of `prwlock_model`, each run with the ordering the code
//! had before the fix (loom must find the violating run, and its panic must
//! be the property the model checks: mutual exclusion, or the race of the
//! free with the IPI handler) and with the fixed ordering (loom must find
//! none).  See the modules of `src/` for what each model maps to in
//! `rust/sync/prwlock/fast.c` and `raw.rs` (`R1`..`R5`, `W1`..`W5`).

use loom::sync::atomic::Ordering;
use prwlock_model::ipi::{ipi_report, Interrupted, IpiOrderings};
use prwlock_model::report::report_then_fast_path;
use prwlock_model::teardown::{teardown, Decrement};
use prwlock_model::{expect_violation, EXCLUSION};

/// The causality violation loom reports for two unordered writes to an
/// `UnsafeCell`.
const RACE: &str = "Causality violation: Concurrent write accesses to `UnsafeCell`";

#[test]
fn report_then_fast_path_old_read_once_fails() {
    let msg = expect_violation(|| report_then_fast_path(Ordering::Relaxed));
    assert!(
        msg.contains(EXCLUSION),
        "READ_ONCE(version): loom failed for another reason: {msg}"
    );
}

#[test]
fn report_then_fast_path_new_load_acquire_holds() {
    report_then_fast_path(Ordering::Acquire);
}

#[test]
fn ipi_report_holds() {
    // Before and after the fix: the IPI path needs no acquire of version.
    for version_load in [Ordering::Relaxed, Ordering::Acquire] {
        for at in [Interrupted::Reader, Interrupted::Nothing] {
            let o = IpiOrderings {
                queue: Ordering::SeqCst,
                version_load,
            };
            ipi_report(o, at);
        }
    }
}

#[test]
fn ipi_report_relaxed_queueing_fails() {
    // Negative control: without the ordered queueing a reader that locks
    // after the handler can miss W1.
    let o = IpiOrderings {
        queue: Ordering::Relaxed,
        version_load: Ordering::Relaxed,
    };
    let msg = expect_violation(|| ipi_report(o, Interrupted::Nothing));
    assert!(
        msg.contains(EXCLUSION),
        "relaxed IPI queueing: loom failed for another reason: {msg}"
    );
}

#[test]
fn teardown_old_atomic_dec_fails() {
    let msg = expect_violation(|| teardown(Decrement::Relaxed));
    assert!(
        msg.contains(RACE),
        "atomic_dec(): loom failed for another reason: {msg}"
    );
}

#[test]
fn teardown_new_mb_before_atomic_holds() {
    teardown(Decrement::MbBeforeAtomic);
}

#[test]
fn teardown_new_release_rmw_holds() {
    teardown(Decrement::Release);
}
