// SPDX-License-Identifier: GPL-2.0

//! The loom models of `prwlock_model`, each run with the ordering the code
//! had before the fix (loom must find the violating run, and its panic must
//! be the property the model checks: mutual exclusion, or the race of the
//! free with the IPI handler) and with the fixed ordering (loom must find
//! none).  See the modules of `src/` for what each model maps to in
//! `rust/sync/prwlock/` (`R1`..`R5`, `C1`, `C2`, `W1`..`W6`).  The models
//! of the idle skip, the lock domain and the bounded drain check mutual
//! exclusion both ways ([`is_exclusion_failure`]): both inside at once, or
//! a reader's read side not happening before the writer's write side.

use loom::sync::atomic::Ordering;
use prwlock_model::domain::{domain_clear, domain_set, BitOp, ClearOrder, W5Scope};
use prwlock_model::drain::{drain, Conversion, DrainOrderings, Interrupt};
use prwlock_model::idle::{idle_skip, IdleOrderings, IdleRun};
use prwlock_model::ipi::{ipi_report, Interrupted, IpiOrderings};
use prwlock_model::report::report_then_fast_path;
use prwlock_model::teardown::{teardown, Decrement};
use prwlock_model::{expect_violation, is_exclusion_failure, EXCLUSION};

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

/// Runs `model`, which must fail, and checks that it failed for mutual
/// exclusion; `what` names the variant in the message.
fn expect_exclusion_failure<F: FnOnce() + std::panic::UnwindSafe>(what: &str, model: F) {
    let msg = expect_violation(model);
    assert!(
        is_exclusion_failure(&msg),
        "{what}: loom failed for another reason: {msg}"
    );
}

#[test]
fn idle_skip_holds() {
    for run in [IdleRun::Exit, IdleRun::Enter] {
        idle_skip(prwlock_model::idle::KERNEL, run);
    }
}

#[test]
fn idle_skip_relaxed_eqs_exit_fails() {
    let o = IdleOrderings {
        ct_fully_ordered: false,
        w3: true,
    };
    expect_exclusion_failure("relaxed EQS exit", || idle_skip(o, IdleRun::Exit));
}

#[test]
fn idle_skip_relaxed_eqs_entry_fails() {
    let o = IdleOrderings {
        ct_fully_ordered: false,
        w3: true,
    };
    expect_exclusion_failure("relaxed EQS entry", || idle_skip(o, IdleRun::Enter));
}

#[test]
fn idle_skip_without_w3_fails() {
    let o = IdleOrderings {
        ct_fully_ordered: true,
        w3: false,
    };
    expect_exclusion_failure("no smp_mb() in W3", || idle_skip(o, IdleRun::Exit));
}

#[test]
fn domain_set_locked_holds() {
    for scope in [W5Scope::AllOnline, W5Scope::DomainOnly] {
        domain_set(BitOp::Locked, scope);
    }
}

#[test]
fn domain_set_unordered_fails() {
    // The LKMM's set_bit(), without x86's full barrier; fails whether or
    // not W5 reads the CPU's count.
    for scope in [W5Scope::AllOnline, W5Scope::DomainOnly] {
        expect_exclusion_failure("unordered set_bit()", || {
            domain_set(BitOp::Unordered, scope)
        });
    }
}

#[test]
fn domain_clear_after_conversion_holds() {
    // The rule, with x86's locked clear; and with an unordered clear too:
    // C1's smp_mb__after_atomic() orders it.
    for clear in [BitOp::Locked, BitOp::Unordered] {
        for scope in [W5Scope::AllOnline, W5Scope::DomainOnly] {
            domain_clear(clear, ClearOrder::AfterConversion, scope);
        }
    }
}

#[test]
fn domain_clear_before_conversion_fails() {
    // A writer that skips the CPU's count: the clear says nothing of C1.
    expect_exclusion_failure("clear before the conversion, W5 in the domain only", || {
        domain_clear(
            BitOp::Locked,
            ClearOrder::BeforeConversion,
            W5Scope::DomainOnly,
        )
    });
    // The code's W5 reads every CPU's count, but an unordered clear before
    // the conversion lets it read the count from before R1.
    expect_exclusion_failure("unordered clear before the conversion", || {
        domain_clear(
            BitOp::Unordered,
            ClearOrder::BeforeConversion,
            W5Scope::AllOnline,
        )
    });
}

#[test]
fn domain_clear_before_conversion_locked_all_online_holds() {
    // The code's writer (W5 reads every online CPU's count) with x86's
    // locked clear: R1 happens before W5, which sees the count.
    domain_clear(
        BitOp::Locked,
        ClearOrder::BeforeConversion,
        W5Scope::AllOnline,
    );
}

const INTERRUPTS: [Interrupt; 3] = [
    Interrupt::Preemptible,
    Interrupt::AfterUnlock,
    Interrupt::NotPreemptibleThenPreemptible,
];

#[test]
fn drain_holds() {
    // The kernel's (wait = true), and a writer that polls the count while
    // the handler runs: the conversion's order suffices on its own.
    for wait in [true, false] {
        let o = DrainOrderings {
            wait,
            ..prwlock_model::drain::KERNEL
        };
        for at in INTERRUPTS {
            drain(o, at);
        }
    }
}

#[test]
fn drain_c2_before_c1_fails() {
    let o = DrainOrderings {
        conversion: Conversion::C2ThenC1,
        wait: false,
        csd_ordered: true,
    };
    expect_exclusion_failure("C2 before C1", || drain(o, Interrupt::Preemptible));
}

#[test]
fn drain_unordered_conversion_fails() {
    let o = DrainOrderings {
        conversion: Conversion::Unordered,
        wait: false,
        csd_ordered: true,
    };
    expect_exclusion_failure("C1, C2 without barrier or release", || {
        drain(o, Interrupt::Preemptible)
    });
}

#[test]
fn drain_c2_before_c1_waiting_writer() {
    // With wait = true the IPI's handshake orders the handler's C1 before
    // the writer's next poll by itself...
    let o = DrainOrderings {
        conversion: Conversion::C2ThenC1,
        ..prwlock_model::drain::KERNEL
    };
    drain(o, Interrupt::Preemptible);
    // ...and without it (relaxed queueing and csd_unlock()), C2 before C1
    // fails there too.
    let o = DrainOrderings {
        csd_ordered: false,
        ..o
    };
    expect_exclusion_failure("C2 before C1, relaxed IPI handshake", || {
        drain(o, Interrupt::Preemptible)
    });
}
