// SPDX-License-Identifier: GPL-2.0

//! Mutual-exclusion stress runs (`ALOCK_IOC_STRESS`).
//!
//! Every lock of the module (and the stock kernel locks it is compared
//! with) implements [`StressLock`].  A run starts kernel threads that
//! hammer one lock instance for a fixed time; inside each critical section
//! a [`Record`] is checked and updated with plain loads and stores, so an
//! overlap of two critical sections shows up as a claimed owner word or as
//! a lost counter update.

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{
    new_mutex, new_spinlock,
    prelude::*,
    sync::{Mutex, SpinLock},
};

use crate::harness::run::{spread, Outcome, Stop, Timed};
use crate::support::hist::{now_ns, AtomicHist, Hist};
use crate::support::kthread::Job;
use crate::support::util::{kvec_from_fn, spin};
use crate::sync::lock::{Backend, Fifo, Lock, QueueOrder};
use crate::uapi::*;
use crate::{new_abql_lock, new_mcs_lock, new_ticket_lock};

/// A lock that can be stressed: runs a closure as its critical section.
pub trait StressLock: Sync {
    /// Takes the lock, runs `f` with the grant's queue position (FIFO
    /// locks) or `None`, releases the lock.
    fn critical(&self, f: impl FnOnce(Option<QueueOrder>));
}

impl StressLock for SpinLock<()> {
    fn critical(&self, f: impl FnOnce(Option<QueueOrder>)) {
        let _guard = self.lock();
        f(None);
    }
}

impl StressLock for Mutex<()> {
    fn critical(&self, f: impl FnOnce(Option<QueueOrder>)) {
        let _guard = self.lock();
        f(None);
    }
}

impl<B: Backend + Fifo> StressLock for Lock<(), B> {
    fn critical(&self, f: impl FnOnce(Option<QueueOrder>)) {
        let guard = self.lock();
        f(Some(B::order(guard.backend_state())));
    }
}

/// Data that only critical sections touch.
///
/// Relaxed loads and stores compile to plain moves: they are not
/// read-modify-write operations, so two overlapping critical sections lose
/// an increment or see each other's owner mark.
pub struct Record {
    owner: AtomicU64,
    counter: AtomicU64,
    /// Queue id of the last FIFO grant, `NO_GRANT` before the first.
    last: AtomicU64,
}

/// `Record::last` before any FIFO grant.
const NO_GRANT: u64 = u64::MAX;

/// Outcome of a FIFO check inside a critical section.
#[derive(Default, Clone, Copy)]
pub struct OrderCheck {
    /// Hand-offs checked.
    pub checks: u64,
    /// Hand-offs out of queue order.
    pub errors: u64,
}

impl Record {
    /// A free record with a zero counter.
    pub const fn new() -> Self {
        Self {
            owner: AtomicU64::new(0),
            counter: AtomicU64::new(0),
            last: AtomicU64::new(NO_GRANT),
        }
    }

    /// Checks, inside a critical section, that a FIFO grant came right
    /// after the grant it queued behind, and records it as the last one.
    pub fn check_order(&self, order: Option<QueueOrder>) -> OrderCheck {
        let mut r = OrderCheck::default();
        if let Some(o) = order {
            let last = self.last.load(Ordering::Relaxed);
            if let Some(p) = o.pred {
                if last != NO_GRANT {
                    r.checks = 1;
                    r.errors = u64::from(last != p);
                }
            }
            self.last.store(o.id, Ordering::Relaxed);
        }
        r
    }

    /// Body of one critical section for thread `me` (non-zero); returns the
    /// number of violations it saw.
    pub fn enter(&self, me: u64, spins: u32) -> u64 {
        let mut errors = 0;
        if self.owner.load(Ordering::Relaxed) != 0 {
            errors += 1;
        }
        self.owner.store(me, Ordering::Relaxed);
        let c = self.counter.load(Ordering::Relaxed);
        spin(spins);
        self.counter.store(c + 1, Ordering::Relaxed);
        if self.owner.load(Ordering::Relaxed) != me {
            errors += 1;
        }
        self.owner.store(0, Ordering::Relaxed);
        errors
    }

    /// The counter: must equal the number of critical sections run.
    pub fn count(&self) -> u64 {
        self.counter.load(Ordering::Relaxed)
    }
}

impl Default for Record {
    fn default() -> Self {
        Self::new()
    }
}

/// Per-thread results of a mutual-exclusion run (also of
/// [`super::mrstress`]).
#[derive(Default)]
pub struct ThreadStat {
    ops: AtomicU64,
    errors: AtomicU64,
    order_checks: AtomicU64,
    order_errors: AtomicU64,
    /// Acquire latencies.
    lat: AtomicHist,
}

impl ThreadStat {
    /// Records the results of one thread: critical sections run, the
    /// violations they saw, and its FIFO checks.
    pub fn store(&self, ops: u64, errors: u64, order: OrderCheck) {
        self.ops.store(ops, Ordering::Relaxed);
        self.errors.store(errors, Ordering::Relaxed);
        self.order_checks.store(order.checks, Ordering::Relaxed);
        self.order_errors.store(order.errors, Ordering::Relaxed);
    }

    /// Records the thread's acquire latencies.
    pub fn store_lat(&self, lat: &Hist) {
        self.lat.add(lat);
    }
}

/// The latency histograms of `stats`, summed, as the ABI's histogram.
pub fn sum_lat(stats: &[ThreadStat]) -> AlockHist {
    sum_hists(stats.iter().map(|s| &s.lat))
}

/// Histograms summed, as the ABI's histogram.
pub fn sum_hists<'a>(hists: impl Iterator<Item = &'a AtomicHist>) -> AlockHist {
    let mut h = Hist::new();
    for a in hists {
        h.merge(&a.snapshot());
    }
    to_uapi(&h)
}

/// `h` as `struct alock_hist`.
pub fn to_uapi(h: &Hist) -> AlockHist {
    const _: () = assert!(crate::support::hist::BUCKETS == ALOCK_HIST_BUCKETS as usize);
    AlockHist { count: h.0 }
}

/// Requests whose results are those of a mutual-exclusion run: the out
/// fields that `struct alock_stress` and `struct alock_mrlock` share.
pub trait ExclusionResults {
    /// Writes the run's wall time and its threads' results; the caller adds
    /// what its records show to `errors`.
    fn set_results(&mut self, out: &Outcome, stats: &[ThreadStat]);
}

/// Implements [`ExclusionResults`] for uapi structures with those fields.
macro_rules! exclusion_results {
    ($($t:ty),*) => {$(
        impl ExclusionResults for $t {
            fn set_results(&mut self, out: &Outcome, stats: &[ThreadStat]) {
                let ops = spread(stats, |s| &s.ops);
                self.elapsed_ns = out.elapsed_ns;
                (self.ops, self.min_thread_ops, self.max_thread_ops) = (ops.sum, ops.min, ops.max);
                self.order_checks = spread(stats, |s| &s.order_checks).sum;
                self.order_errors = spread(stats, |s| &s.order_errors).sum;
                self.errors = spread(stats, |s| &s.errors).sum + self.order_errors;
                self.lat = sum_lat(stats);
            }
        }
    )*};
}

exclusion_results!(AlockStress, AlockMrlock);

/// One stress run over lock `L`.
struct StressJob<'a, L: StressLock> {
    lock: &'a L,
    rec: Record,
    stop: Stop,
    cs_spins: u32,
    stats: KVec<ThreadStat>,
}

impl<L: StressLock> Job for StressJob<'_, L> {
    fn run(&self, idx: u32) {
        let me = u64::from(idx) + 1;
        let (mut ops, mut errors) = (0u64, 0u64);
        let mut order = OrderCheck::default();
        let mut lat = Hist::new();
        // At least one critical section per thread, however short the run.
        loop {
            let t0 = now_ns();
            self.lock.critical(|o| {
                lat.record(now_ns().wrapping_sub(t0));
                let c = self.rec.check_order(o);
                order.checks += c.checks;
                order.errors += c.errors;
                errors += self.rec.enter(me, self.cs_spins);
            });
            ops += 1;
            if ops % 16 == 0 && self.stop.due() {
                break;
            }
        }
        self.stats[idx as usize].store(ops, errors, order);
        self.stats[idx as usize].store_lat(&lat);
    }
}

/// Runs `args` against `lock` and fills in the results.
fn run_on<L: StressLock>(lock: &L, args: &mut AlockStress) -> Result {
    let stats = kvec_from_fn(args.threads as usize, ThreadStat::default)?;
    let timed = Timed::start();
    let job = StressJob {
        lock,
        rec: Record::new(),
        stop: timed.stop_after(args.duration_ms),
        cs_spins: args.cs_spins,
        stats,
    };
    let out = timed.run_for(&job, args.threads, args.flags, args.duration_ms, &job.stop)?;
    args.set_results(&out, &job.stats);
    args.errors += job.rec.count().abs_diff(args.ops);
    if args.errors != 0 {
        pr_err!(
            "stress lock {}: {} violations ({} out of queue order) in {} ops\n",
            args.lock,
            args.errors,
            args.order_errors,
            args.ops
        );
    }
    out.status()
}

/// Checks the input fields of a stress request.
pub fn validate(args: &AlockStress) -> Result {
    let ok = (1..=NR_LOCKS).contains(&args.lock)
        && (1..=ALOCK_STRESS_MAX_THREADS).contains(&args.threads)
        && (1..=ALOCK_STRESS_MAX_MS).contains(&args.duration_ms)
        && args.flags & !ALOCK_STRESS_FLAGS == 0
        && args.cs_spins <= ALOCK_STRESS_MAX_CS_SPINS
        && (args.lock_param == 0
            || (args.lock == ALOCK_LOCK_ABQL && args.lock_param <= ALOCK_ABQL_MAX_SLOTS));
    if ok {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

/// Number of lock ids `ALOCK_IOC_STRESS` accepts (1..=NR_LOCKS).
pub const NR_LOCKS: u32 = ALOCK_LOCK_ABQL;

/// Runs one validated stress request on a fresh lock instance.
pub fn stress(args: &mut AlockStress) -> Result {
    validate(args)?;
    match args.lock {
        ALOCK_LOCK_SPINLOCK => {
            let lock = KBox::pin_init(new_spinlock!((), "alock_stress_spinlock"), GFP_KERNEL)?;
            run_on(&*lock, args)
        }
        ALOCK_LOCK_MUTEX => {
            let lock = KBox::pin_init(new_mutex!((), "alock_stress_mutex"), GFP_KERNEL)?;
            run_on(&*lock, args)
        }
        ALOCK_LOCK_TICKET => {
            let lock = KBox::pin_init(new_ticket_lock!((), "alock_stress_ticket"), GFP_KERNEL)?;
            run_on(&*lock, args)
        }
        ALOCK_LOCK_MCS => {
            let lock = KBox::pin_init(new_mcs_lock!((), "alock_stress_mcs"), GFP_KERNEL)?;
            run_on(&*lock, args)
        }
        ALOCK_LOCK_ABQL => {
            let lock = KBox::pin_init(
                new_abql_lock!((), args.lock_param, "alock_stress_abql"),
                GFP_KERNEL,
            )?;
            run_on(&*lock, args)
        }
        _ => Err(EINVAL),
    }
}
