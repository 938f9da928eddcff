// SPDX-License-Identifier: GPL-2.0

//! Self-tests of prwlock's writer past the consensus: the lock domain
//! (`prwlock_set_domain()` with active readers) and the bounded drain
//! (conversion IPIs to a passive reader that stays in, and a reader that
//! cannot be converted).  Listed in [`super::selftest::TESTS`].

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use kernel::{bindings, prelude::*};

use super::selftest::{passive_read, Checker, TestResult};
use crate::new_prwlock;
use crate::support::cpu::{cpu_relax, CpuMask};
use crate::support::kthread::{run_threads, Job, Placement};
use crate::support::util::{errno, now_ns};
use crate::sync::prwlock::{task_holds, Prwlock};

/// Online CPUs now; the tests need two.
fn online() -> u32 {
    // SAFETY: No preconditions.
    unsafe { bindings::num_online_cpus() }
}

/// Voluntary and involuntary context switches of the current task.
fn switches() -> u64 {
    // SAFETY: `current` is valid; only its own counters are read.
    unsafe {
        let t = bindings::get_current();
        ((*t).nvcsw + (*t).nivcsw) as u64
    }
}

/// Writer thread 0 and active readers on every CPU, on a lock whose domain
/// is empty (so every reader must be active).
struct DomainJob<'a> {
    lock: &'a Prwlock<(u64, u64)>,
    writes: u32,
    done: AtomicBool,
    /// Readers that have read once.
    reads_started: AtomicU64,
    reads: AtomicU64,
    torn: AtomicU64,
}

impl Job for DomainJob<'_> {
    fn run(&self, idx: u32) {
        if idx == 0 {
            // The writes overlap the reads: wait (bounded) until a reader
            // has read once (the reads are checked below).  Without it a writer that ran through its
            // writes before any reader was scheduled (a slow TCG guest,
            // 2026-12-04) left the readers nothing to do.
            let start = now_ns();
            while self.reads_started.load(Ordering::Acquire) == 0
                && now_ns() - start < 5_000_000_000
            {
                // SAFETY: A kernel thread of the run, which may sleep (and
                // so lets a reader bound to this CPU run).
                unsafe { bindings::usleep_range_state(50, 100, bindings::TASK_UNINTERRUPTIBLE) };
            }
            for _ in 0..self.writes {
                let mut g = self.lock.write();
                g.0 += 1;
                cpu_relax();
                g.1 += 1;
            }
            self.done.store(true, Ordering::Release);
            return;
        }
        let (mut reads, mut torn) = (0, 0);
        while !self.done.load(Ordering::Acquire) {
            let g = self.lock.read_active();
            torn += u64::from(g.0 != g.1);
            reads += 1;
            drop(g);
            if reads == 1 {
                self.reads_started.fetch_add(1, Ordering::Release);
            }
        }
        self.reads.fetch_add(reads, Ordering::Relaxed);
        self.torn.fetch_add(torn, Ordering::Relaxed);
    }
}

/// A writer's consensus skips the CPUs outside the lock's domain (no IPI,
/// counted as a domain skip), and active readers still exclude writers.
/// The lock's own counters: other prwlocks' writers may run meanwhile.
pub(super) fn test_prwlock_domain() -> TestResult {
    let mut c = Checker::new("prwlock_domain");
    let cpus = online();
    if cpus < 2 {
        return Err(errno(bindings::EOPNOTSUPP));
    }
    // Declared before the lock: it outlives it, as the domain must.
    let empty = KBox::new(CpuMask::new(), GFP_KERNEL)?;
    let l = KBox::pin_init(
        new_prwlock!((0u64, 0u64), "selftest_prw_domain"),
        GFP_KERNEL,
    )?;
    // SAFETY: The mask outlives the lock (dropped after it); nobody holds
    // the lock; every reader below is active, as an empty domain requires.
    unsafe { l.set_domain(empty.as_ptr()) };
    let job = DomainJob {
        lock: &l,
        writes: 500,
        done: AtomicBool::new(false),
        reads_started: AtomicU64::new(0),
        reads: AtomicU64::new(0),
        torn: AtomicU64::new(0),
    };
    let w0 = l.writer_stats();
    let unlocks0 = l.active_unlocks();
    run_threads(&job, cpus * 2, Placement::Bound, || ())?;
    let w = l.writer_stats();
    let rounds = w.rounds - w0.rounds;
    let skips = w.domain_skips - w0.domain_skips;
    let reads = job.reads.load(Ordering::Relaxed);
    c.check(reads > 0, "active readers ran")?;
    c.check(
        job.torn.load(Ordering::Relaxed) == 0,
        "no reader saw a half-done write",
    )?;
    c.check(
        l.active_unlocks() - unlocks0 == reads,
        "every read hold was active",
    )?;
    c.check(
        rounds == u64::from(job.writes),
        "one consensus round per write",
    )?;
    c.check(
        skips == rounds * u64::from(cpus - 1),
        "each round skipped every other online CPU as outside the domain",
    )?;
    c.check(
        w.ipis == w0.ipis,
        "no report IPI to a CPU outside the domain",
    )?;
    let g = l.read_active();
    c.check(
        g.0 == u64::from(job.writes) && g.1 == g.0,
        "every write counted",
    )?;
    drop(g);
    Ok(c.checks)
}

/// Thread 0 holds a passive read lock and keeps it (spinning, with
/// preemption off if `preempt_off`); thread 1 then takes the write side.
struct DrainJob<'a> {
    lock: &'a Prwlock<u64>,
    preempt_off: bool,
    /// 0: starting; 1: the reader is in; 2: the reader could not start.
    state: AtomicU32,
    /// The reader's hold became active while it kept it.
    converted: AtomicBool,
    /// The reader was switched out while it kept the hold.
    switched: AtomicBool,
    /// The reader is about to unlock (set before the unlock).
    released: AtomicBool,
    /// What the writer found when it got in.
    writer_saw_released: AtomicBool,
    drain_ipis: AtomicU64,
}

impl DrainJob<'_> {
    fn reader(&self) {
        let mut tries = 0;
        let g = loop {
            let Some(g) = passive_read(self.lock) else {
                self.state.store(2, Ordering::Release);
                return;
            };
            if !self.preempt_off {
                break g;
            }
            // SAFETY: Re-enabled below, before the unlock; nothing in
            // between sleeps.
            unsafe { bindings::preempt_disable() };
            // A switch-out between the lock and `preempt_disable()`
            // converted the hold already (seen under TCG): take it again.
            tries += 1;
            if task_holds().1 != 0 || tries == 10 {
                break g;
            }
            // SAFETY: Pairs with the call just above.
            unsafe { bindings::preempt_enable() };
            drop(g);
        };
        let sw = switches();
        let drain_ipis0 = self.lock.writer_stats().drain_ipis;
        self.state.store(1, Ordering::Release);
        // A preemptible reader is converted by the writer's IPI (then it
        // leaves).  One with preemption off stays until the writer sent
        // its first conversion IPI and a little longer (the writer's next
        // rounds), bounded: without an IPI, check 3 fails.
        let limit = if self.preempt_off {
            200_000_000
        } else {
            2_000_000_000
        };
        let start = now_ns();
        let mut asked_at = None;
        while now_ns() - start < limit {
            if task_holds().1 == 0 {
                self.converted.store(true, Ordering::Relaxed);
                break;
            }
            if self.preempt_off && self.lock.writer_stats().drain_ipis != drain_ipis0 {
                let t = *asked_at.get_or_insert_with(now_ns);
                if now_ns() - t > 1_000_000 {
                    break;
                }
            }
            cpu_relax();
        }
        self.switched.store(switches() != sw, Ordering::Relaxed);
        self.released.store(true, Ordering::Release);
        // The unlock before preemption is back on: a switch-out in
        // between would convert the hold (and the unlock go active).
        drop(g);
        if self.preempt_off {
            // SAFETY: Pairs with the call above.
            unsafe { bindings::preempt_enable() };
        }
    }

    fn writer(&self) {
        let start = now_ns();
        while self.state.load(Ordering::Acquire) == 0 {
            if now_ns() - start > 5_000_000_000 {
                return;
            }
            cpu_relax();
        }
        if self.state.load(Ordering::Acquire) != 1 {
            return;
        }
        let before = self.lock.writer_stats().drain_ipis;
        let g = self.lock.write();
        self.writer_saw_released
            .store(self.released.load(Ordering::Acquire), Ordering::Relaxed);
        self.drain_ipis.store(
            self.lock.writer_stats().drain_ipis - before,
            Ordering::Relaxed,
        );
        drop(g);
    }
}

impl Job for DrainJob<'_> {
    fn run(&self, idx: u32) {
        match idx {
            0 => self.reader(),
            _ => self.writer(),
        }
    }
}

fn run_drain(preempt_off: bool, name: &'static str) -> Result<(Checker, DrainResult)> {
    let c = Checker::new(name);
    let l = KBox::pin_init(new_prwlock!(0u64, "selftest_prw_drain"), GFP_KERNEL)?;
    let job = DrainJob {
        lock: &l,
        preempt_off,
        state: AtomicU32::new(0),
        converted: AtomicBool::new(false),
        switched: AtomicBool::new(false),
        released: AtomicBool::new(false),
        writer_saw_released: AtomicBool::new(false),
        drain_ipis: AtomicU64::new(0),
    };
    let unlocks0 = l.active_unlocks();
    // Two bound threads: the reader on the first online CPU, the writer on
    // the second.
    run_threads(&job, 2, Placement::Bound, || ())?;
    Ok((
        c,
        DrainResult {
            started: job.state.load(Ordering::Relaxed) == 1,
            converted: job.converted.load(Ordering::Relaxed),
            switched: job.switched.load(Ordering::Relaxed),
            writer_saw_released: job.writer_saw_released.load(Ordering::Relaxed),
            drain_ipis: job.drain_ipis.load(Ordering::Relaxed),
            active_unlocks: l.active_unlocks() - unlocks0,
        },
    ))
}

/// What [`run_drain`] saw.
struct DrainResult {
    started: bool,
    converted: bool,
    switched: bool,
    writer_saw_released: bool,
    drain_ipis: u64,
    active_unlocks: u64,
}

/// A passive reader that keeps its hold, preemptible, is converted to
/// active by the writer's IPI after the bounded spin; the writer then waits
/// for it to leave.
pub(super) fn test_prwlock_drain_convert() -> TestResult {
    if online() < 2 {
        return Err(errno(bindings::EOPNOTSUPP));
    }
    let (mut c, r) = run_drain(false, "prwlock_drain_convert")?;
    c.check(r.started, "the reader held the lock passively")?;
    c.check(
        r.converted,
        "the hold became active while the reader kept it",
    )?;
    c.check(
        r.drain_ipis >= 1 || r.switched,
        "converted by the writer's IPI (or by a switch-out)",
    )?;
    c.check(
        r.writer_saw_released,
        "the writer got in only after the reader left",
    )?;
    c.check(
        r.active_unlocks == 1,
        "the reader's unlock took the active path",
    )?;
    Ok(c.checks)
}

/// A passive reader with preemption off cannot be converted: the writer
/// asks, sleeps between rounds, and gets in once the reader left.
pub(super) fn test_prwlock_drain_preempt_off() -> TestResult {
    if online() < 2 {
        return Err(errno(bindings::EOPNOTSUPP));
    }
    let (mut c, r) = run_drain(true, "prwlock_drain_preempt_off")?;
    c.check(r.started, "the reader held the lock passively")?;
    c.check(!r.converted, "the hold stayed passive (preemption off)")?;
    c.check(r.drain_ipis >= 1, "the writer asked by IPI after its spin")?;
    c.check(
        r.writer_saw_released,
        "the writer got in only after the reader left",
    )?;
    c.check(
        r.active_unlocks == 0,
        "the reader's unlock took the passive path",
    )?;
    Ok(c.checks)
}
