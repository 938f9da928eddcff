// SPDX-License-Identifier: GPL-2.0

//! h-out-of-k stress runs (`ALOCK_IOC_MRLOCK`).
//!
//! Threads request random subsets of k resources through one of the
//! multi-resource schemes and, while holding them, check and update
//! per-resource records with plain loads and stores: an owner word (two
//! holders of one resource see each other), a counter (lost updates show at
//! the end), and, for FIFO grants, the queue position of the resource's
//! last holder (a grant that overtook an earlier conflicting request sees a
//! later position there).

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{bindings, new_spinlock, prelude::*, sync::SpinLock};

use crate::harness::run::{Stop, Timed};
use crate::harness::stress::{ExclusionResults, OrderCheck, ThreadStat};
use crate::new_multi_lock;
use crate::support::hist::{now_ns, Hist};
use crate::support::kthread::Job;
use crate::support::util::{kvec_from_fn, next_rand, spin};
use crate::sync::mrlock::{Grant, MultiLock, Scheme, MAX_RESOURCES};
use crate::sync::ticket::RawTicket;
use crate::uapi::*;

const K: usize = MAX_RESOURCES as usize;
/// `last` of a resource nobody has held through the queue yet.
const NONE: u64 = u64::MAX;

/// A way to hold a set of resources.
trait MrStressLock: Sync {
    /// Acquires `bits`, runs `f` with the grant's queue position if the
    /// grant is FIFO-ordered, releases.
    fn with(&self, bits: u64, f: impl FnOnce(Option<u64>));
    /// Adaptive mode switches so far.
    fn switches(&self) -> u64 {
        0
    }
}

impl MrStressLock for MultiLock {
    fn with(&self, bits: u64, f: impl FnOnce(Option<u64>)) {
        // `bits` is never empty here.
        if let Ok(g) = self.lock(bits) {
            match g.grant() {
                Grant::Queue(pos) => f(Some(pos)),
                Grant::Bitset => f(None),
            }
        }
    }

    fn switches(&self) -> u64 {
        self.mode_switches()
    }
}

/// Two-phase locking: one ticket lock per resource, taken in resource
/// order (no deadlock), all released after the critical section.
///
/// Bare ticket locks because lockdep follows at most 48 held locks per task
/// and would report dozens of locks of one class as recursion.
struct TwoPhase {
    locks: KVec<RawTicket>,
}

impl MrStressLock for TwoPhase {
    fn with(&self, bits: u64, f: impl FnOnce(Option<u64>)) {
        let mut tickets = [0u32; K];
        // SAFETY: Re-enabled below; spinning locks are held in between.
        unsafe { bindings::preempt_disable() };
        for (r, t) in tickets.iter_mut().enumerate() {
            if bits & (1 << r) != 0 {
                *t = self.locks[r].lock();
            }
        }
        f(None);
        for (r, t) in tickets.iter().enumerate() {
            if bits & (1 << r) != 0 {
                self.locks[r].unlock(*t);
            }
        }
        // SAFETY: Pairs with the `preempt_disable` above.
        unsafe { bindings::preempt_enable() };
    }
}

/// Grants every request at once: excludes nothing (self-test only).
struct NoExclusion;

impl MrStressLock for NoExclusion {
    fn with(&self, _bits: u64, f: impl FnOnce(Option<u64>)) {
        f(None);
    }
}

/// Runs the stress on a lock that excludes nothing and returns the number
/// of violations found (must be non-zero on two or more CPUs).
pub fn run_without_exclusion() -> Result<u64> {
    // SAFETY: No preconditions.
    let cpus = unsafe { bindings::num_online_cpus() };
    let mut a = AlockMrlock {
        lock: ALOCK_MR_GLOBAL,
        threads: cpus,
        duration_ms: 200,
        resources: 4,
        min_request: 2,
        max_request: 4,
        cs_spins: 200,
        seed: 1,
        ..Default::default()
    };
    run_on(&NoExclusion, &mut a)?;
    Ok(a.errors)
}

impl MrStressLock for SpinLock<()> {
    fn with(&self, _bits: u64, f: impl FnOnce(Option<u64>)) {
        let _g = self.lock();
        f(None);
    }
}

/// Per-resource records, touched only by holders of the resource.
struct Records {
    owner: [AtomicU64; K],
    counter: [AtomicU64; K],
    last: [AtomicU64; K],
    /// Grants per resource, summed from the threads at the end.
    expected: [AtomicU64; K],
}

struct MrJob<'a, L: MrStressLock> {
    lock: &'a L,
    rec: KBox<Records>,
    args: AlockMrlock,
    stop: Stop,
    stats: KVec<ThreadStat>,
}

/// A random subset of `h` of the first `k` resources.
fn random_set(s: &mut u64, k: u32, h: u32) -> u64 {
    let all = if k == 64 { u64::MAX } else { (1u64 << k) - 1 };
    if h >= k {
        return all;
    }
    // Set h bits, or clear k - h bits of the full set, whichever is fewer.
    let (mut set, target, flip) = if h <= k / 2 {
        (0u64, h, false)
    } else {
        (all, k - h, true)
    };
    let mut n = 0;
    while n < target {
        let r = (next_rand(s) % u64::from(k)) as u32;
        let bit = 1u64 << r;
        if flip && set & bit != 0 {
            set &= !bit;
            n += 1;
        } else if !flip && set & bit == 0 {
            set |= bit;
            n += 1;
        }
    }
    set
}

impl<L: MrStressLock> MrJob<'_, L> {
    /// The critical section: returns (errors, order checks, order errors).
    fn critical(&self, me: u64, bits: u64, pos: Option<u64>) -> (u64, u64, u64) {
        let rec = &self.rec;
        let (mut errors, mut checks, mut order_errors) = (0, 0, 0);
        let mut b = bits;
        while b != 0 {
            let r = b.trailing_zeros() as usize;
            b &= b - 1;
            if rec.owner[r].load(Ordering::Relaxed) != 0 {
                errors += 1;
            }
            rec.owner[r].store(me, Ordering::Relaxed);
            if let Some(p) = pos {
                let last = rec.last[r].load(Ordering::Relaxed);
                if last != NONE {
                    checks += 1;
                    if last >= p {
                        order_errors += 1;
                    }
                }
                rec.last[r].store(p, Ordering::Relaxed);
            }
            let c = rec.counter[r].load(Ordering::Relaxed);
            rec.counter[r].store(c + 1, Ordering::Relaxed);
        }
        spin(self.args.cs_spins);
        let mut b = bits;
        while b != 0 {
            let r = b.trailing_zeros() as usize;
            b &= b - 1;
            if rec.owner[r].load(Ordering::Relaxed) != me {
                errors += 1;
            }
            rec.owner[r].store(0, Ordering::Relaxed);
        }
        (errors, checks, order_errors)
    }
}

impl<L: MrStressLock> Job for MrJob<'_, L> {
    fn run(&self, idx: u32) {
        let me = u64::from(idx) + 1;
        let a = &self.args;
        let mut seed = a.seed ^ (me.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        if seed == 0 {
            seed = 1;
        }
        let mut grants = [0u64; K];
        let (mut ops, mut errors, mut checks, mut order_errors) = (0u64, 0u64, 0u64, 0u64);
        let mut lat = Hist::new();
        loop {
            let span = a.max_request - a.min_request + 1;
            let h = a.min_request + (next_rand(&mut seed) % u64::from(span)) as u32;
            let bits = random_set(&mut seed, a.resources, h);
            let t0 = now_ns();
            self.lock.with(bits, |pos| {
                lat.record(now_ns().wrapping_sub(t0));
                let (e, c, o) = self.critical(me, bits, pos);
                errors += e;
                checks += c;
                order_errors += o;
            });
            let mut b = bits;
            while b != 0 {
                grants[b.trailing_zeros() as usize] += 1;
                b &= b - 1;
            }
            ops += 1;
            if ops % 16 == 0 && self.stop.due() {
                break;
            }
        }
        for (r, g) in grants.iter().enumerate() {
            self.rec.expected[r].fetch_add(*g, Ordering::Relaxed);
        }
        let order = OrderCheck {
            checks,
            errors: order_errors,
        };
        self.stats[idx as usize].store(ops, errors, order);
        self.stats[idx as usize].store_lat(&lat);
    }
}

fn run_on<L: MrStressLock>(lock: &L, args: &mut AlockMrlock) -> Result {
    let stats = kvec_from_fn(args.threads as usize, ThreadStat::default)?;
    let rec = KBox::new(
        Records {
            owner: [const { AtomicU64::new(0) }; K],
            counter: [const { AtomicU64::new(0) }; K],
            last: [const { AtomicU64::new(NONE) }; K],
            expected: [const { AtomicU64::new(0) }; K],
        },
        GFP_KERNEL,
    )?;
    let timed = Timed::start();
    let job = MrJob {
        lock,
        rec,
        args: *args,
        stop: timed.stop_after(args.duration_ms),
        stats,
    };
    let out = timed.run_for(&job, args.threads, args.flags, args.duration_ms, &job.stop)?;
    args.set_results(&out, &job.stats);
    for r in 0..K {
        args.errors += job.rec.counter[r]
            .load(Ordering::Relaxed)
            .abs_diff(job.rec.expected[r].load(Ordering::Relaxed));
    }
    args.mode_switches = lock.switches();
    if args.errors != 0 {
        pr_err!(
            "mrlock scheme {}: {} violations ({} out of order) in {} requests\n",
            args.lock,
            args.errors,
            args.order_errors,
            args.ops
        );
    }
    out.status()
}

/// Checks the input fields of an h-out-of-k request.
pub fn validate(a: &AlockMrlock) -> Result {
    let ok = (ALOCK_MR_MRLOCK..=ALOCK_MR_BITSET).contains(&a.lock)
        && (1..=ALOCK_STRESS_MAX_THREADS).contains(&a.threads)
        && (1..=ALOCK_STRESS_MAX_MS).contains(&a.duration_ms)
        && a.flags & !ALOCK_STRESS_UNBOUND == 0
        && (1..=ALOCK_MR_MAX_RESOURCES).contains(&a.resources)
        && a.min_request >= 1
        && a.min_request <= a.max_request
        && a.max_request <= a.resources
        && a.cs_spins <= ALOCK_STRESS_MAX_CS_SPINS
        && (a.queue_size == 0
            || (a.queue_size >= 2
                && a.queue_size <= ALOCK_MR_MAX_QUEUE
                && a.queue_size.is_power_of_two()))
        && a.reserved == 0;
    if ok {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

/// Runs one h-out-of-k stress request.
pub fn run(args: &mut AlockMrlock) -> Result {
    validate(args)?;
    if args.seed == 0 {
        args.seed = 0x5eed_a10c;
    }
    let scheme = match args.lock {
        ALOCK_MR_MRLOCK => Some(Scheme::Queue),
        ALOCK_MR_ADAPTIVE => Some(Scheme::Adaptive),
        ALOCK_MR_BITSET => Some(Scheme::Bitset),
        _ => None,
    };
    if let Some(scheme) = scheme {
        let lock = KBox::pin_init(
            new_multi_lock!(scheme, args.queue_size, "alock_stress_mrlock"),
            GFP_KERNEL,
        )?;
        return run_on(&*lock, args);
    }
    if args.lock == ALOCK_MR_2PL {
        let mut locks = KVec::with_capacity(K, GFP_KERNEL)?;
        for _ in 0..K {
            locks.push(RawTicket::new(), GFP_KERNEL)?;
        }
        return run_on(&TwoPhase { locks }, args);
    }
    let lock = KBox::pin_init(new_spinlock!((), "alock_stress_mr_global"), GFP_KERNEL)?;
    run_on(&*lock, args)
}
