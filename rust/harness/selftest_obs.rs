// SPDX-License-Identifier: GPL-2.0

//! Self-test of what the locks report (`support::stats`, `support::hist`,
//! `support::trace`): the log2 buckets at their edges, and one forced wait
//! of a ticket lock counted exactly once as contended.  Listed in
//! [`super::selftest::TESTS`].

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{bindings, prelude::*};

use super::selftest::{Checker, TestResult};
use crate::new_ticket_lock;
use crate::support::cpu::cpu_relax;
use crate::support::hist::{bucket, Hist, BUCKETS};
use crate::support::kthread::{run_threads, Job, Placement};
use crate::support::stats::{self, Ctr, Kind};
use crate::sync::ticket::{queued, TicketLock};

/// Thread 0 holds the lock until thread 1 has taken its ticket: thread 1
/// has to wait.
struct ForcedWait {
    lock: Pin<KBox<TicketLock<u64>>>,
    /// 1 once thread 0 holds the lock.
    step: AtomicU32,
}

impl Job for ForcedWait {
    fn run(&self, idx: u32) {
        if idx == 0 {
            let mut g = self.lock.lock();
            self.step.store(1, Ordering::Release);
            // Thread 1 (bound to another CPU) takes its ticket soon.
            while queued(&self.lock) < 2 {
                cpu_relax();
            }
            *g += 1;
        } else {
            while self.step.load(Ordering::Acquire) < 1 {
                cpu_relax();
            }
            *self.lock.lock() += 1;
        }
    }
}

pub(super) fn test_stats_contention() -> TestResult {
    let mut c = Checker::new("stats_contention");
    c.check(
        bucket(0) == 0 && bucket(1) == 1,
        "0 and 1 ns have buckets of their own",
    )?;
    c.check(
        bucket(2) == 2 && bucket(3) == 2 && bucket(4) == 3,
        "[2, 4) is bucket 2",
    )?;
    c.check(
        bucket(1 << 37) == 38,
        "2^37 ns is in the last bounded bucket",
    )?;
    c.check(
        bucket(1 << 38) == BUCKETS - 1 && bucket(u64::MAX) == BUCKETS - 1,
        "2^38 ns and more are in the last bucket",
    )?;
    let mut h = Hist::new();
    for ns in [0, 5, 7, 1000] {
        h.record(ns);
    }
    c.check(
        h.total() == 4 && h.0[3] == 2 && h.0[10] == 1,
        "a histogram counts each value once",
    )?;
    // SAFETY: No preconditions.
    if unsafe { bindings::num_online_cpus() } < 2 {
        return Ok(c.checks);
    }
    let job = ForcedWait {
        lock: KBox::pin_init(new_ticket_lock!(0u64, "selftest_stats_ticket"), GFP_KERNEL)?,
        step: AtomicU32::new(0),
    };
    let before = stats::sum(Kind::Ticket, Ctr::Contended);
    run_threads(&job, 2, Placement::Bound, || ())?;
    let waits = stats::sum(Kind::Ticket, Ctr::Contended) - before;
    c.check(*job.lock.lock() == 2, "both threads held the lock")?;
    c.check(waits == 1, "the forced wait counted once as contended")?;
    Ok(c.checks)
}
