// SPDX-License-Identifier: GPL-2.0

//! Self-tests of the queue locks' fixes of issue 22 that x86 can show:
//! ABQL's `try_lock` on a lock held (by the caller) while a waiter queues
//! must fail.  Before the fix the holder's slot stayed set until its
//! unlock, so with `capacity - 1` waiters queued the next ticket mapped to
//! it and `try_lock` granted a second ticket: two holders after the first
//! unlock.  Listed in [`super::selftest::TESTS`].  The orderings only weak
//! memory shows are checked on the host (`tools/queue-model`).

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{bindings, prelude::*};

use super::selftest::{Checker, TestResult};
use crate::new_abql_lock;
use crate::support::cpu::cpu_relax;
use crate::support::kthread::{run_threads, Job, Placement};
use crate::sync::abql::AbqlLock;

/// Thread 0 holds a 2-slot ABQL until thread 1 waits for it, then tries to
/// take it again; thread 1 then takes it and counts.
struct TryHeld {
    lock: Pin<KBox<AbqlLock<u64>>>,
    /// 1 once thread 0 holds the lock.
    step: AtomicU32,
    /// 1 if thread 0's `try_lock` was granted (the bug).
    granted: AtomicU32,
}

impl Job for TryHeld {
    fn run(&self, idx: u32) {
        if idx == 0 {
            let mut g = self.lock.lock();
            let first = self.lock.tickets();
            self.step.store(1, Ordering::Release);
            // Thread 1 (bound to another CPU) takes the next ticket soon.
            while self.lock.tickets().wrapping_sub(first) < 1 {
                cpu_relax();
            }
            // Held by us, one waiter: the ring's next slot is ours.
            if let Some(g2) = self.lock.try_lock() {
                self.granted.store(1, Ordering::Relaxed);
                drop(g);
                // Keep the second "hold" while thread 1 gets in: it is
                // the overlap the fix prevents.
                drop(g2);
                return;
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

pub(super) fn test_abql_try_held() -> TestResult {
    let mut c = Checker::new("abql_try_held");
    // SAFETY: No preconditions.
    if unsafe { bindings::num_online_cpus() } < 2 {
        // The waiter needs a CPU of its own.
        return Err(crate::support::util::errno(bindings::EOPNOTSUPP));
    }
    let job = TryHeld {
        lock: KBox::pin_init(
            new_abql_lock!(0u64, 2, "selftest_abql_try_held"),
            GFP_KERNEL,
        )?,
        step: AtomicU32::new(0),
        granted: AtomicU32::new(0),
    };
    c.check(job.lock.capacity() == 2, "two slots")?;
    run_threads(&job, 2, Placement::Bound, || ())?;
    c.check(
        job.granted.load(Ordering::Relaxed) == 0,
        "try_lock of a held ABQL with a waiter queued fails",
    )?;
    c.check(*job.lock.lock() == 2, "both threads held the lock")?;
    c.check(
        job.lock.try_lock().is_some(),
        "the free lock is granted to try_lock",
    )?;
    Ok(c.checks)
}
