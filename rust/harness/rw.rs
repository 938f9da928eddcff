// SPDX-License-Identifier: GPL-2.0

//! Reader-writer stress runs and measurements (`ALOCK_IOC_RWSTRESS`,
//! `ALOCK_IOC_RWWAKE`, `ALOCK_IOC_RWCOST`).
//!
//! Writers fill a multi-word record with a new sequence number, word by
//! word with spins in between, flagging themselves in a writer word; readers
//! check that every word is equal and no writer is flagged, both when they
//! enter and when they leave (after sleeping, yielding or migrating inside
//! the read section, if asked).  Any overlap of a writer with a reader or
//! another writer shows as a torn record or a flag seen; a lost write shows
//! as a final sequence different from the number of writes.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::{bindings, prelude::*};

use crate::harness::run::{spread, Stop, Timed};
use crate::harness::stress::sum_hists;
use crate::support::cpu::CpuMask;
use crate::support::hist::{self, AtomicHist, Hist};
use crate::support::kthread::{Job, Placement};
use crate::support::util::{kvec_from_fn, now_ns, spin};
use crate::sync::brlock::BrLock;
use crate::sync::prwlock::{self, PrwCore, Prwlock, WAKE_SEQUENTIAL};
use crate::uapi::*;
use crate::{new_brlock, new_prwlock};

/// An opaque `struct alock_rwbase` of `rw_baselines.c` (beside this file).
#[repr(C)]
pub struct RwBase {
    _opaque: [u8; 0],
}

// `PrwCore` is `#[repr(C)]`; the lint objects to bindgen's empty structs
// deep inside its `struct mutex`.
#[allow(improper_ctypes)]
extern "C" {
    fn alock_rwbase_new(kind: u32) -> *mut RwBase;
    fn alock_rwbase_free(b: *mut RwBase);
    fn alock_rwbase_read_lock(b: *mut RwBase);
    fn alock_rwbase_read_unlock(b: *mut RwBase);
    fn alock_rwbase_write_lock(b: *mut RwBase);
    fn alock_rwbase_write_unlock(b: *mut RwBase);
    fn alock_rw_read_cost(kind: u32, prw: *mut PrwCore, b: *mut RwBase, iters: u32) -> u64;
}

/// A stock lock of `rw_baselines.c`, freed on drop.
struct Base(*mut RwBase);

impl Base {
    fn new(kind: u32) -> Result<Self> {
        // SAFETY: Any kind is accepted; NULL means no memory.
        let p = unsafe { alock_rwbase_new(kind) };
        if p.is_null() {
            Err(ENOMEM)
        } else {
            Ok(Self(p))
        }
    }
}

impl Drop for Base {
    fn drop(&mut self) {
        // SAFETY: Allocated by `alock_rwbase_new`, no holder left.
        unsafe { alock_rwbase_free(self.0) };
    }
}

// SAFETY: The stock locks are made for sharing between threads.
unsafe impl Sync for Base {}

/// A reader-writer lock the stress can drive.
trait RwLockOps: Sync {
    /// Runs `f` as a read section.
    fn read(&self, f: impl FnOnce());
    /// Runs `f` as a write section.
    fn write(&self, f: impl FnOnce());
    /// prwlock: active-path read unlocks so far.
    fn active_unlocks(&self) -> u64 {
        0
    }
}

impl RwLockOps for Prwlock<()> {
    fn read(&self, f: impl FnOnce()) {
        let _g = Prwlock::read(self);
        f();
    }

    fn write(&self, f: impl FnOnce()) {
        let _g = Prwlock::write(self);
        f();
    }

    fn active_unlocks(&self) -> u64 {
        Prwlock::active_unlocks(self)
    }
}

impl RwLockOps for Base {
    fn read(&self, f: impl FnOnce()) {
        // SAFETY: A live lock; unlocked below in the same task.
        unsafe { alock_rwbase_read_lock(self.0) };
        f();
        // SAFETY: Held above.
        unsafe { alock_rwbase_read_unlock(self.0) };
    }

    fn write(&self, f: impl FnOnce()) {
        // SAFETY: As above.
        unsafe { alock_rwbase_write_lock(self.0) };
        f();
        // SAFETY: Held above.
        unsafe { alock_rwbase_write_unlock(self.0) };
    }
}

impl RwLockOps for BrLock {
    fn read(&self, f: impl FnOnce()) {
        let h = self.read_lock();
        f();
        self.read_unlock(h);
    }

    fn write(&self, f: impl FnOnce()) {
        self.write_lock();
        f();
        self.write_unlock();
    }
}

/// The prwlock writers' counters (all locks) at one moment, or their
/// growth between two.
#[derive(Clone, Copy)]
struct WriterCounts {
    ipis: u64,
    idle_skips: u64,
    domain_skips: u64,
    rounds: u64,
    drain_ipis: u64,
}

impl WriterCounts {
    /// The counters now.
    fn now() -> Self {
        let get = |c: &prwlock::WriterCounter| c.load(Ordering::Relaxed);
        Self {
            ipis: get(&prwlock::IPIS),
            idle_skips: get(&prwlock::IDLE_SKIPS),
            domain_skips: get(&prwlock::DOMAIN_SKIPS),
            rounds: get(&prwlock::ROUNDS),
            drain_ipis: get(&prwlock::DRAIN_IPIS),
        }
    }

    /// Growth of each counter since `then`.
    fn since(&self, then: &Self) -> Self {
        Self {
            ipis: self.ipis.wrapping_sub(then.ipis),
            idle_skips: self.idle_skips.wrapping_sub(then.idle_skips),
            domain_skips: self.domain_skips.wrapping_sub(then.domain_skips),
            rounds: self.rounds.wrapping_sub(then.rounds),
            drain_ipis: self.drain_ipis.wrapping_sub(then.drain_ipis),
        }
    }
}

/// Words of the protected record.
const WORDS: usize = 8;

/// The protected record: plain loads and stores only.
struct RwRecord {
    words: [AtomicU64; WORDS],
    writer: AtomicU64,
}

/// Per-thread results.
#[derive(Default)]
struct Stat {
    ops: AtomicU64,
    errors: AtomicU64,
    sleeps: AtomicU64,
    migrations: AtomicU64,
    write_ns: AtomicU64,
    write_ns_max: AtomicU64,
    /// Acquire latencies (readers: one section in `ALOCK_RW_LAT_SAMPLE`).
    lat: AtomicHist,
}

struct RwJob<'a, L: RwLockOps> {
    lock: &'a L,
    rec: RwRecord,
    a: AlockRwstress,
    stop: Stop,
    stats: KVec<Stat>,
}

fn cpu() -> u32 {
    // SAFETY: No preconditions (a hint: the task may move right after).
    unsafe { bindings::raw_smp_processor_id() }
}

/// Moves the current (unbound) task to the online CPU after `from`, and
/// lets it run anywhere again afterwards.
fn move_to_next_cpu(from: u32) {
    let next = crate::support::cpu::online_cpus()
        .find(|&c| c > from)
        .or_else(|| crate::support::cpu::online_cpus().next())
        .unwrap_or(from);
    let mut mask = CpuMask::new();
    mask.set(next);
    // SAFETY: The current task is a live kernel thread that was not bound;
    // the masks are valid.  Failure (CPU went offline) only means no move.
    unsafe {
        let cur = bindings::get_current();
        bindings::set_cpus_allowed_ptr(cur, mask.as_ptr());
        bindings::set_cpus_allowed_ptr(cur, bindings::cpu_possible_mask());
    }
}

impl<L: RwLockOps> RwJob<'_, L> {
    /// Checks the record from a read section: returns its sequence and the
    /// number of inconsistencies.
    fn check(&self) -> (u64, u64) {
        let mut errors = 0;
        if self.rec.writer.load(Ordering::Relaxed) != 0 {
            errors += 1;
        }
        let w0 = self.rec.words[0].load(Ordering::Relaxed);
        for w in self.rec.words.iter().skip(1) {
            if w.load(Ordering::Relaxed) != w0 {
                errors += 1;
            }
        }
        (w0, errors)
    }

    fn reader(&self, st: &Stat) {
        let (mut ops, mut errors, mut sleeps, mut migrations) = (0u64, 0u64, 0u64, 0u64);
        let a = &self.a;
        let blocking = a.flags & (ALOCK_RW_SLEEP | ALOCK_RW_YIELD | ALOCK_RW_MIGRATE) != 0;
        let every = u64::from(a.sleep_every.max(1));
        let cpus_read = a.flags & ALOCK_RW_CPUS_READ != 0;
        let mut lat = Hist::new();
        loop {
            let nap = blocking && ops % every == 0;
            if cpus_read {
                // SAFETY: Process context; released after the read section.
                unsafe { bindings::cpus_read_lock() };
            }
            // Timing every section would cost more than a passive pair.
            let t0 = (ops % u64::from(ALOCK_RW_LAT_SAMPLE) == 0).then(hist::now_ns);
            self.lock.read(|| {
                if let Some(t0) = t0 {
                    lat.record(hist::now_ns().wrapping_sub(t0));
                }
                let c0 = cpu();
                let (seq, e) = self.check();
                errors += e;
                spin(a.read_spins);
                if nap {
                    if a.flags & ALOCK_RW_SLEEP != 0 {
                        // SAFETY: Process context; the lock allows it.
                        unsafe { bindings::msleep(1) };
                    }
                    if a.flags & ALOCK_RW_YIELD != 0 {
                        // SAFETY: As above; a yield.
                        unsafe { bindings::schedule() };
                    }
                    if a.flags & ALOCK_RW_MIGRATE != 0 {
                        move_to_next_cpu(c0);
                    }
                    sleeps += 1;
                }
                let (seq2, e2) = self.check();
                errors += e2 + u64::from(seq2 != seq);
                if cpu() != c0 {
                    migrations += 1;
                }
            });
            if cpus_read {
                // SAFETY: Taken above, in this thread.
                unsafe { bindings::cpus_read_unlock() };
            }
            ops += 1;
            if ops % 16 == 0 && self.stop.due() {
                break;
            }
        }
        st.ops.store(ops, Ordering::Relaxed);
        st.errors.store(errors, Ordering::Relaxed);
        st.sleeps.store(sleeps, Ordering::Relaxed);
        st.migrations.store(migrations, Ordering::Relaxed);
        st.lat.add(&lat);
    }

    fn writer(&self, me: u64, st: &Stat) {
        let (mut ops, mut errors, mut total, mut max) = (0u64, 0u64, 0u64, 0u64);
        let mut lat = Hist::new();
        let a = &self.a;
        loop {
            let t0 = now_ns();
            self.lock.write(|| {
                let dt = (now_ns() - t0) as u64;
                total += dt;
                max = max.max(dt);
                lat.record(dt);
                if self.rec.writer.load(Ordering::Relaxed) != 0 {
                    errors += 1;
                }
                self.rec.writer.store(me, Ordering::Relaxed);
                let seq = self.rec.words[0].load(Ordering::Relaxed) + 1;
                for w in self.rec.words.iter() {
                    w.store(seq, Ordering::Relaxed);
                    spin(a.write_spins / WORDS as u32);
                }
                if self.rec.writer.load(Ordering::Relaxed) != me {
                    errors += 1;
                }
                self.rec.writer.store(0, Ordering::Relaxed);
            });
            ops += 1;
            if self.stop.due() {
                break;
            }
            if a.write_pause_us > 0 {
                let us = u64::from(a.write_pause_us);
                // SAFETY: Process context.
                unsafe {
                    bindings::usleep_range_state(
                        us as _,
                        (us + us / 4 + 1) as _,
                        bindings::TASK_UNINTERRUPTIBLE,
                    )
                };
            }
        }
        st.ops.store(ops, Ordering::Relaxed);
        st.errors.store(errors, Ordering::Relaxed);
        st.write_ns.store(total, Ordering::Relaxed);
        st.write_ns_max.store(max, Ordering::Relaxed);
        st.lat.add(&lat);
    }
}

impl<L: RwLockOps> Job for RwJob<'_, L> {
    fn run(&self, idx: u32) {
        let st = &self.stats[idx as usize];
        if idx < self.a.writers {
            self.writer(u64::from(idx) + 1, st);
        } else {
            self.reader(st);
        }
    }
}

fn run_on<L: RwLockOps>(lock: &L, a: &mut AlockRwstress) -> Result {
    let n = a.readers + a.writers;
    let stats = kvec_from_fn(n as usize, Stat::default)?;
    let counts0 = WriterCounts::now();
    let active0 = lock.active_unlocks();
    let timed = Timed::start();
    let job = RwJob {
        lock,
        rec: RwRecord {
            words: [const { AtomicU64::new(0) }; WORDS],
            writer: AtomicU64::new(0),
        },
        a: *a,
        stop: timed.stop_after(a.duration_ms),
        stats,
    };
    // `ALOCK_RW_UNBOUND` is `ALOCK_STRESS_UNBOUND`.
    let out = timed.run_for(&job, n, a.flags, a.duration_ms, &job.stop)?;
    a.elapsed_ns = out.elapsed_ns;
    let (writers, readers) = job.stats.split_at(a.writers as usize);
    let writes = spread(writers, |s| &s.ops);
    let reads = spread(readers, |s| &s.ops);
    (a.writes, a.min_writer_ops) = (writes.sum, writes.min);
    (a.reads, a.min_reader_ops) = (reads.sum, reads.min);
    a.errors = spread(&job.stats, |s| &s.errors).sum;
    a.write_ns_total = spread(writers, |s| &s.write_ns).sum;
    a.write_ns_max = spread(writers, |s| &s.write_ns_max).max;
    a.read_sleeps = spread(readers, |s| &s.sleeps).sum;
    a.migrations = spread(readers, |s| &s.migrations).sum;
    a.read_lat = sum_hists(readers.iter().map(|s| &s.lat));
    a.write_lat = sum_hists(writers.iter().map(|s| &s.lat));
    a.errors += job.rec.words[0].load(Ordering::Relaxed).abs_diff(a.writes);
    a.active_unlocks = lock.active_unlocks() - active0;
    let counts = WriterCounts::now().since(&counts0);
    a.ipis = counts.ipis;
    a.idle_skips = counts.idle_skips;
    a.domain_skips = counts.domain_skips;
    a.rounds = counts.rounds;
    a.drain_ipis = counts.drain_ipis;
    if a.errors != 0 {
        pr_err!(
            "rwstress lock {}: {} violations in {} reads, {} writes\n",
            a.lock,
            a.errors,
            a.reads,
            a.writes
        );
    }
    out.status()
}

/// Checks the input of a reader-writer stress request.
pub fn validate(a: &AlockRwstress) -> Result {
    let sleepy = matches!(
        a.lock,
        ALOCK_RW_PRWLOCK | ALOCK_RW_RWSEM | ALOCK_RW_PERCPU_RWSEM
    );
    let blocking = a.flags & (ALOCK_RW_SLEEP | ALOCK_RW_YIELD | ALOCK_RW_MIGRATE) != 0;
    let ok = (ALOCK_RW_PRWLOCK..=ALOCK_RW_RCU).contains(&a.lock)
        && a.readers <= ALOCK_STRESS_MAX_THREADS
        && a.writers <= ALOCK_STRESS_MAX_THREADS
        && a.readers + a.writers >= 1
        && (a.lock != ALOCK_RW_RCU || a.writers == 0)
        && (1..=ALOCK_STRESS_MAX_MS).contains(&a.duration_ms)
        && a.flags & !ALOCK_RW_FLAGS == 0
        && (!blocking || (sleepy && (1..=1_000_000).contains(&a.sleep_every)))
        && (blocking || a.sleep_every == 0)
        && (a.flags & ALOCK_RW_SEQ_WAKE == 0 || a.lock == ALOCK_RW_PRWLOCK)
        && (a.flags & ALOCK_RW_MIGRATE == 0 || a.flags & ALOCK_RW_UNBOUND != 0)
        && a.read_spins <= ALOCK_STRESS_MAX_CS_SPINS
        && a.write_spins <= ALOCK_STRESS_MAX_CS_SPINS
        && a.write_pause_us <= ALOCK_RW_MAX_PAUSE_US
        && a.reserved == 0;
    if ok {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

/// Runs one validated reader-writer stress request.
pub fn stress(a: &mut AlockRwstress) -> Result {
    validate(a)?;
    match a.lock {
        ALOCK_RW_PRWLOCK => {
            let l = KBox::pin_init(new_prwlock!((), "alock_rwstress_prwlock"), GFP_KERNEL)?;
            if a.flags & ALOCK_RW_SEQ_WAKE != 0 {
                l.set_flags(WAKE_SEQUENTIAL);
            }
            run_on(&*l, a)
        }
        ALOCK_RW_BRLOCK => {
            let l = KBox::pin_init(new_brlock!("alock_rwstress_brlock"), GFP_KERNEL)?;
            run_on(&*l, a)
        }
        kind => run_on(&Base::new(kind)?, a),
    }
}

/// Shared state of a wake-up measurement.
struct WakeJob<'a> {
    lock: &'a Prwlock<()>,
    /// Round the readers may start (they block behind the writer).
    round: AtomicU64,
    /// Readers done with the current round.
    done: AtomicU64,
    /// Time the writer unlocked in the current round.
    unlock_ns: AtomicU64,
    /// Latest time a reader got in, this round.
    last_in_ns: AtomicU64,
    /// A reader got in before the unlock.
    early: AtomicU64,
    rounds: u64,
    abort: AtomicBool,
}

impl Job for WakeJob<'_> {
    fn run(&self, _idx: u32) {
        for r in 1..=self.rounds {
            while self.round.load(Ordering::Acquire) < r {
                if self.abort.load(Ordering::Relaxed) {
                    return;
                }
                // SAFETY: Process context.
                unsafe { bindings::schedule_timeout_uninterruptible(1) };
            }
            {
                let _g = self.lock.read();
                let t = now_ns() as u64;
                if t < self.unlock_ns.load(Ordering::Acquire)
                    || self.unlock_ns.load(Ordering::Acquire) == 0
                {
                    self.early.fetch_add(1, Ordering::Relaxed);
                }
                self.last_in_ns.fetch_max(t, Ordering::AcqRel);
            }
            self.done.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// Measures how long the readers sleeping behind a writer take to get in
/// once it leaves, with parallel (one IPI per CPU) or sequential wake-up.
pub fn wake(a: &mut AlockRwwake) -> Result {
    if !(1..=ALOCK_STRESS_MAX_THREADS).contains(&a.readers)
        || !(1..=ALOCK_RWWAKE_MAX_ROUNDS).contains(&a.rounds)
        || a.flags & !ALOCK_RW_SEQ_WAKE != 0
        || a.reserved != 0
    {
        return Err(EINVAL);
    }
    let l = KBox::pin_init(new_prwlock!((), "alock_rwwake_prwlock"), GFP_KERNEL)?;
    if a.flags & ALOCK_RW_SEQ_WAKE != 0 {
        l.set_flags(WAKE_SEQUENTIAL);
    }
    let job = WakeJob {
        lock: &l,
        round: AtomicU64::new(0),
        done: AtomicU64::new(0),
        unlock_ns: AtomicU64::new(0),
        last_in_ns: AtomicU64::new(0),
        early: AtomicU64::new(0),
        rounds: u64::from(a.rounds),
        abort: AtomicBool::new(false),
    };
    let readers = i32::try_from(a.readers).map_err(|_| EINVAL)?;
    let (mut total, mut max) = (0u64, 0u64);
    let out = Timed::start().run(&job, a.readers, Placement::Bound, || {
        let mut interrupted = false;
        for r in 1..=job.rounds {
            let w = l.write();
            job.unlock_ns.store(0, Ordering::Release);
            job.last_in_ns.store(0, Ordering::Release);
            job.done.store(0, Ordering::Release);
            job.round.store(r, Ordering::Release);
            // Wait until every reader sleeps behind the writer.
            while l.waiting_readers() < readers {
                // SAFETY: Process context.
                if unsafe { bindings::signal_pending(bindings::get_current()) } != 0 {
                    interrupted = true;
                    break;
                }
                // SAFETY: Process context.
                unsafe { bindings::schedule_timeout_uninterruptible(1) };
            }
            // Let the last sleepers settle into their queues.
            // SAFETY: Process context.
            unsafe { bindings::msleep(2) };
            let t0 = now_ns() as u64;
            job.unlock_ns.store(t0, Ordering::Release);
            drop(w);
            if interrupted {
                job.abort.store(true, Ordering::Relaxed);
                break;
            }
            while job.done.load(Ordering::Acquire) < u64::from(a.readers) {
                // SAFETY: Process context.
                unsafe { bindings::schedule_timeout_uninterruptible(1) };
            }
            let dt = job.last_in_ns.load(Ordering::Acquire).saturating_sub(t0);
            total += dt;
            max = max.max(dt);
        }
        interrupted
    })?;
    a.total_ns = total;
    a.max_ns = max;
    a.errors = job.early.load(Ordering::Relaxed);
    out.status()
}

/// Measures `iterations` read lock+unlock pairs on this CPU.
pub fn cost(a: &mut AlockRwcost) -> Result {
    if !(1..=100_000_000).contains(&a.iterations) {
        return Err(EINVAL);
    }
    match a.lock {
        ALOCK_RW_PRWLOCK => {
            let l = KBox::pin_init(new_prwlock!((), "alock_rwcost_prwlock"), GFP_KERNEL)?;
            // SAFETY: A live lock, nobody else uses it.
            a.ns = unsafe {
                alock_rw_read_cost(a.lock, l.as_raw(), core::ptr::null_mut(), a.iterations)
            };
        }
        ALOCK_RW_RWSEM | ALOCK_RW_PERCPU_RWSEM | ALOCK_RW_RWLOCK | ALOCK_RW_RCU => {
            let b = Base::new(a.lock)?;
            // SAFETY: A live lock, nobody else uses it.
            a.ns = unsafe { alock_rw_read_cost(a.lock, core::ptr::null_mut(), b.0, a.iterations) };
        }
        _ => return Err(EINVAL),
    }
    Ok(())
}
