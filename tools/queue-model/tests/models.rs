// SPDX-License-Identifier: GPL-2.0

//! The loom models of `queue_model`, each run with the code before the fix
//! (loom must find the violating run, and its panic must be the property
//! the models check: mutual exclusion, two critical sections not ordered
//! by happens-before) and with the fixed code (loom must find none).  See
//! the modules of `src/` for what each model maps to in `rust/sync/`.
//! Runs "under SC" make every atomic access a read-modify-write
//! ([`queue_model::Word`]), so that loom explores the sequentially
//! consistent interleavings only: a model that fails there fails on x86
//! too.

use loom::sync::atomic::Ordering;
use queue_model::abql::{self, slot_reuse, try_lock_held, AbqlCode, Clear};
use queue_model::mrlock::{
    self, one_lap, two_laps, MrCode, LOST_RECYCLE, ONE_LAP_PREEMPTION_BOUND, PREEMPTION_BOUND,
};
use queue_model::ticket::try_lock_after_holder;
use queue_model::{expect_violation, is_exclusion_failure};

/// Runs `model`, which must fail, and checks that it failed for mutual
/// exclusion; `what` names the variant in the message.
fn expect_exclusion_failure<F: FnOnce() + std::panic::UnwindSafe>(what: &str, model: F) {
    let msg = expect_violation(model);
    assert!(
        is_exclusion_failure(&msg),
        "{what}: loom failed for another reason: {msg}"
    );
}

/// `code` run under SC.
fn sc_abql(code: AbqlCode) -> AbqlCode {
    AbqlCode { sc: true, ..code }
}

/// `code` run under SC.
fn sc_mr(code: MrCode) -> MrCode {
    MrCode { sc: true, ..code }
}

// ABQL slot reuse.

#[test]
fn abql_slot_reuse_old_relaxed_ticket_fails() {
    expect_exclusion_failure("ABQL slot reuse, old code", || slot_reuse(abql::OLD));
}

#[test]
fn abql_slot_reuse_old_holds_under_sc() {
    // A weak-memory bug: every sequentially consistent run is fine.
    slot_reuse(sc_abql(abql::OLD));
}

#[test]
fn abql_slot_reuse_new_acqrel_ticket_holds() {
    slot_reuse(abql::NEW);
}

#[test]
fn abql_slot_reuse_relaxed_ticket_clear_on_entry_fails() {
    // Control: the clear on entry alone does not fix reuse...
    let code = AbqlCode {
        ticket: Ordering::Relaxed,
        ..abql::NEW
    };
    expect_exclusion_failure("ABQL slot reuse, Relaxed ticket, clear on entry", || {
        slot_reuse(code)
    });
}

#[test]
fn abql_slot_reuse_acqrel_ticket_clear_on_unlock_holds() {
    // ...the AcqRel ticket does, wherever the slot is cleared.
    let code = AbqlCode {
        ticket: Ordering::AcqRel,
        ..abql::OLD
    };
    slot_reuse(code);
}

// ABQL try_lock of a held lock.

#[test]
fn abql_try_lock_held_old_fails() {
    expect_exclusion_failure("ABQL try_lock of a held lock, old code", || {
        try_lock_held(abql::OLD)
    });
}

#[test]
fn abql_try_lock_held_old_fails_under_sc() {
    // A logic bug: x86 shows it.
    expect_exclusion_failure("ABQL try_lock of a held lock, old code, SC", || {
        try_lock_held(sc_abql(abql::OLD))
    });
}

#[test]
fn abql_try_lock_held_new_holds() {
    try_lock_held(abql::NEW);
}

#[test]
fn abql_try_lock_held_old_orderings_clear_on_entry_holds() {
    // The clear on entry is what fixes try_lock; its orderings are for
    // the hand-off and reuse (shown by the slot-reuse models).
    let code = AbqlCode {
        clear: Clear::OnEntry,
        ..abql::OLD
    };
    try_lock_held(code);
}

// Ticket lock try_lock.

#[test]
fn ticket_try_lock_old_relaxed_serving_fails() {
    expect_exclusion_failure("ticket try_lock, Relaxed load of serving", || {
        try_lock_after_holder(Ordering::Relaxed, false)
    });
}

#[test]
fn ticket_try_lock_old_holds_under_sc() {
    // A weak-memory bug.
    try_lock_after_holder(Ordering::Relaxed, true);
}

#[test]
fn ticket_try_lock_new_acquire_serving_holds() {
    try_lock_after_holder(Ordering::Acquire, false);
}

// MRLock queue: exclusion over two laps of a two-cell ring.

#[test]
fn mrlock_old_fails() {
    expect_exclusion_failure("MRLock, old code", || {
        two_laps(mrlock::OLD, PREEMPTION_BOUND)
    });
}

/// The old waiter (tail CAS Relaxed, no stale-lap test in blocks()) with
/// the recycling fixed.
const OLD_WAITER: MrCode = MrCode {
    tail_cas: Ordering::Relaxed,
    stale_lap_blocks: false,
    ..mrlock::FIXED
};

#[test]
fn mrlock_stale_lap_old_waiter_fails() {
    expect_exclusion_failure("MRLock, old waiter", || {
        two_laps(OLD_WAITER, PREEMPTION_BOUND)
    });
}

#[test]
fn mrlock_stale_lap_old_waiter_holds_under_sc() {
    // A weak-memory bug.
    two_laps(sc_mr(OLD_WAITER), PREEMPTION_BOUND);
}

#[test]
fn mrlock_stale_lap_acqrel_tail_alone_holds() {
    let code = MrCode {
        stale_lap_blocks: false,
        ..mrlock::FIXED
    };
    two_laps(code, PREEMPTION_BOUND);
}

#[test]
fn mrlock_stale_lap_blocks_alone_holds() {
    let code = MrCode {
        tail_cas: Ordering::Relaxed,
        ..mrlock::FIXED
    };
    two_laps(code, PREEMPTION_BOUND);
}

#[test]
fn mrlock_issue_fix_mixed_laps_fails_under_sc() {
    // The first fix of issue 22 left the recycler's mixed laps, a sequentially
    // consistent run (so it fails with any orderings, fences or not); it
    // needs three preemptions.
    expect_exclusion_failure("MRLock, issue-22 fix, SC", || {
        two_laps(sc_mr(mrlock::ISSUE_FIX), PREEMPTION_BOUND + 1)
    });
}

#[test]
fn mrlock_fixed_holds() {
    two_laps(mrlock::FIXED, PREEMPTION_BOUND);
}

#[test]
#[ignore = "about 5 minutes: the fixed MRLock with two more preemptions"]
fn mrlock_fixed_holds_deeper() {
    two_laps(mrlock::FIXED, PREEMPTION_BOUND + 2);
}

// MRLock queue: progress (no cell left unrecycled) over one lap.

/// Runs `one_lap(code, ONE_LAP_PREEMPTION_BOUND)`, which must fail with a lost recycle.
fn expect_lost_recycle(what: &str, code: MrCode) {
    let msg = expect_violation(|| one_lap(code, ONE_LAP_PREEMPTION_BOUND));
    assert!(
        msg.contains(LOST_RECYCLE),
        "{what}: loom failed for another reason: {msg}"
    );
}

#[test]
fn mrlock_recycle_old_no_fences_lost() {
    expect_lost_recycle("MRLock recycling, old code", mrlock::OLD);
    expect_lost_recycle("MRLock recycling, issue-22 fix", mrlock::ISSUE_FIX);
    let code = MrCode {
        fences: false,
        ..mrlock::FIXED
    };
    expect_lost_recycle("MRLock recycling, seq first, no fences", code);
}

#[test]
fn mrlock_recycle_old_holds_under_sc() {
    // Store buffering: no SC run loses a recycle.
    one_lap(sc_mr(mrlock::OLD), ONE_LAP_PREEMPTION_BOUND);
}

#[test]
fn mrlock_recycle_fixed_holds() {
    one_lap(mrlock::FIXED, ONE_LAP_PREEMPTION_BOUND);
}
