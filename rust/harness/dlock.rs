// SPDX-License-Identifier: GPL-2.0

//! `ALOCK_IOC_DLOCK_RUN`: threads of this node take locks of the table
//! (a given share of them homed here) and run the test critical section
//! under them: mutual exclusion, progress and acquire latency, for ALock
//! and its competitors.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};

use kernel::{prelude::*, sync::Arc};

use crate::dlock::{table, unlock_all, Handle, Held, Kind, Stats, Table, MAX_HELD};
use crate::harness::run::{spread, Failures, Timed};
use crate::harness::stress::to_uapi;
use crate::rdma::Wait;
use crate::support::hist::{AtomicHist, Hist};
use crate::support::kthread::{Job, Placement};
use crate::support::util::{kvec_from_fn, next_rand, now_ns, percentile};
use crate::uapi::*;

/// Latency samples kept per thread and locality.
const SAMPLES: usize = 2048;

/// [`Stats`] that the threads of a run add to.
#[derive(Default)]
struct SharedStats([AtomicU64; 14]);

impl SharedStats {
    fn add(&self, s: &Stats) {
        let v = [
            s.reads,
            s.writes,
            s.atomics,
            s.sends,
            s.peterson_polls,
            s.cas_retries,
            s.handoffs,
            s.leaders,
            s.fast_entries,
            s.shared,
            s.backouts,
            s.phases,
            s.rw_polls,
            s.overlaps,
        ];
        for (a, x) in self.0.iter().zip(v) {
            a.fetch_add(x, Relaxed);
        }
    }

    fn get(&self) -> Stats {
        let v = |i: usize| self.0[i].load(Relaxed);
        Stats {
            reads: v(0),
            writes: v(1),
            atomics: v(2),
            sends: v(3),
            peterson_polls: v(4),
            cas_retries: v(5),
            handoffs: v(6),
            leaders: v(7),
            fast_entries: v(8),
            shared: v(9),
            backouts: v(10),
            phases: v(11),
            rw_polls: v(12),
            overlaps: v(13),
        }
    }
}

/// Latency sample classes of a thread: by locality, by mode.
const CLASSES: usize = 4;
const C_LOCAL: usize = 0;
const C_REMOTE: usize = 1;
const C_SHARED: usize = 2;
const C_EXCL: usize = 3;

struct RunJob {
    t: Arc<Table>,
    /// The keys the run takes (`ALOCK_DLOCK_*_KEYS`, `homes`), homed here
    /// and elsewhere.
    local: KVec<u32>,
    remote: KVec<u32>,
    kind: Kind,
    local_pct: u32,
    /// Share of operations that take their keys shared.
    read_pct: u32,
    /// `ALOCK_DLOCK_ONE_WRITER` or `ALOCK_DLOCK_ONE_READER` (thread 0's
    /// mode is the other threads' opposite), or 0.
    roles: u32,
    keys_per_op: u32,
    timeout_ms: u32,
    wait: Wait,
    seed: u64,
    stop: AtomicBool,
    ops: AtomicU64,
    local_ops: AtomicU64,
    remote_ops: AtomicU64,
    errors: AtomicU64,
    increments: AtomicU64,
    /// Shared operations.
    shared_ops: AtomicU64,
    /// Most writer sections a local reader waited through after backing
    /// out (ALock-RW).
    max_waited: AtomicU64,
    /// Verbs of operations on local and on remote keys.
    local_verbs: AtomicU64,
    remote_verbs: AtomicU64,
    /// The handles' counters, summed when each thread ends.
    stats: SharedStats,
    failures: Failures,
    finished: AtomicU32,
    per_thread: KVec<AtomicU64>,
    /// `[thread][class: C_LOCAL, C_REMOTE, C_SHARED, C_EXCL][SAMPLES]`
    /// acquire latencies.
    samples: KVec<AtomicU64>,
    nsamples: KVec<AtomicU32>,
    /// Every acquire's latency, local and remote keys.
    local_lat: AtomicHist,
    remote_lat: AtomicHist,
}

impl RunJob {
    /// A key of the run, homed here if `local` (if the run has any).
    fn pick(&self, rng: &mut u64, local: bool) -> u32 {
        let (mine, other) = if local {
            (&self.local, &self.remote)
        } else {
            (&self.remote, &self.local)
        };
        let set = if mine.is_empty() { other } else { mine };
        set[(next_rand(rng) % set.len() as u64) as usize]
    }

    /// One operation: returns whether it was on local keys, whether
    /// shared, and its acquire latency.
    fn one(
        &self,
        h: &mut Handle<'_>,
        idx: u32,
        rng: &mut u64,
        held: &mut KVec<Held>,
    ) -> Result<(bool, bool, u64)> {
        let local = (next_rand(rng) % 100) < u64::from(self.local_pct);
        let shared = match self.roles {
            ALOCK_DLOCK_ONE_WRITER => idx != 0,
            ALOCK_DLOCK_ONE_READER => idx == 0,
            _ => (next_rand(rng) % 100) < u64::from(self.read_pct),
        };
        let mut keys = [0u32; MAX_HELD];
        let n = self.keys_per_op as usize;
        for k in keys.iter_mut().take(n) {
            *k = self.pick(rng, local);
        }
        let _ = h.take_backout();
        let t0 = now_ns();
        h.lock_many_mode(self.kind, &mut keys[..n], shared, held)?;
        let lat = (now_ns() - t0) as u64;
        let backout = h.take_backout();
        let tag = (u64::from(self.t.node()) << 48) | (u64::from(idx) + 1);
        let mut r = Ok(());
        if shared {
            // A reader: no writer's tag may be in the value (a writer
            // sets it inside its section and clears it with its release).
            for x in held.iter_mut() {
                match h.value(x) {
                    Ok(v) if v[0] != 0 && !h.torn(x) => {
                        self.errors.fetch_add(1, Relaxed);
                    }
                    Ok(v) => match backout {
                        // Writer sections (one counter increment each)
                        // from its back-out to its entry: the bound.
                        Some((k, from)) if k == x.key() && !h.torn(x) => {
                            self.reader_waited(v[1].wrapping_sub(from));
                        }
                        _ => {}
                    },
                    Err(e) => {
                        r = Err(e);
                        break;
                    }
                }
            }
        } else {
            for x in held.iter_mut() {
                match h.critical(x, tag) {
                    Ok(true) => {
                        self.increments.fetch_add(1, Relaxed);
                    }
                    Ok(false) => {
                        self.increments.fetch_add(1, Relaxed);
                        self.errors.fetch_add(1, Relaxed);
                    }
                    Err(e) => {
                        r = Err(e);
                        break;
                    }
                }
            }
        }
        let u = unlock_all(h, held);
        r?;
        u?;
        Ok((local, shared, lat))
    }
}

impl RunJob {
    /// A local reader that backed out entered `n` writer sections later;
    /// more than the bound is an error (phase fairness broken).
    fn reader_waited(&self, n: u64) {
        let bound = self.t.reader_wait_bound();
        self.max_waited.fetch_max(n, Relaxed);
        if n > bound {
            self.errors.fetch_add(1, Relaxed);
            pr_warn!(
                "dlock run: a reader waited through {} writer sections (bound {})\n",
                n,
                bound
            );
        }
    }
}

impl Job for RunJob {
    fn run(&self, idx: u32) {
        let mut rng = self.seed ^ (u64::from(idx) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        if rng == 0 {
            rng = 1;
        }
        let mut held = KVec::with_capacity(MAX_HELD, GFP_KERNEL).unwrap_or_default();
        let mut h = match self.t.handle(self.wait, self.timeout_ms) {
            Ok(h) => h,
            Err(e) => {
                self.failures.record(e);
                self.finished.fetch_add(1, Relaxed);
                return;
            }
        };
        let mut mine = 0u64;
        let mut ns = [0usize; CLASSES];
        let (mut hl, mut hr) = (Hist::new(), Hist::new());
        let base = idx as usize * CLASSES * SAMPLES;
        while !self.stop.load(Relaxed) {
            let before = h.stats().verbs();
            let r = self.one(&mut h, idx, &mut rng, &mut held);
            let spent = h.stats().verbs() - before;
            match r {
                Ok((local, shared, lat)) => {
                    mine += 1;
                    if local {
                        self.local_verbs.fetch_add(spent, Relaxed);
                        hl.record(lat);
                        self.local_ops.fetch_add(1, Relaxed);
                    } else {
                        self.remote_verbs.fetch_add(spent, Relaxed);
                        hr.record(lat);
                        self.remote_ops.fetch_add(1, Relaxed);
                    }
                    if shared {
                        self.shared_ops.fetch_add(1, Relaxed);
                    }
                    let by_place = if local { C_LOCAL } else { C_REMOTE };
                    let by_mode = if shared { C_SHARED } else { C_EXCL };
                    for c in [by_place, by_mode] {
                        if ns[c] < SAMPLES {
                            self.samples[base + c * SAMPLES + ns[c]].store(lat, Relaxed);
                            ns[c] += 1;
                        }
                    }
                }
                Err(e) => {
                    self.failures.record(e);
                    break;
                }
            }
        }
        self.ops.fetch_add(mine, Relaxed);
        self.local_lat.add(&hl);
        self.remote_lat.add(&hr);
        self.stats.add(&h.stats());
        self.per_thread[idx as usize].store(mine, Relaxed);
        for (c, n) in ns.iter().enumerate() {
            self.nsamples[CLASSES * idx as usize + c].store(*n as u32, Relaxed);
        }
        self.finished.fetch_add(1, Relaxed);
    }
}

/// The keys of `from` that a run with `flags` and `homes` takes.
fn run_keys(t: &Table, from: &[u32], flags: u32, homes: u32) -> Result<KVec<u32>> {
    let mut v = KVec::new();
    for &k in from {
        let parity = match flags & (ALOCK_DLOCK_EVEN_KEYS | ALOCK_DLOCK_ODD_KEYS) {
            ALOCK_DLOCK_EVEN_KEYS => k % 2 == 0,
            ALOCK_DLOCK_ODD_KEYS => k % 2 == 1,
            _ => true,
        };
        if parity && (homes == 0 || homes & (1 << t.home(k)) != 0) {
            v.push(k, GFP_KERNEL)?;
        }
    }
    Ok(v)
}

fn percentiles(v: &mut KVec<u64>) -> (u64, u64) {
    if v.is_empty() {
        return (0, 0);
    }
    v.sort_unstable();
    (percentile(v, 50), percentile(v, 99))
}

/// The flags that give thread 0 the other threads' opposite mode.
const ROLES: u32 = ALOCK_DLOCK_ONE_WRITER | ALOCK_DLOCK_ONE_READER;

/// `ALOCK_IOC_DLOCK_RUN`.
pub fn run(a: &mut AlockDlockRun) -> Result {
    let kind = match a.lock {
        ALOCK_DLOCK_ALOCK => Kind::Alock,
        ALOCK_DLOCK_SPIN_LB => Kind::SpinLoopback,
        ALOCK_DLOCK_MCS_LB => Kind::McsLoopback,
        ALOCK_DLOCK_RPC => Kind::Rpc,
        ALOCK_DLOCK_ALOCK_RW => Kind::AlockRw,
        ALOCK_DLOCK_DSLR_LB => Kind::DslrLoopback,
        _ => return Err(EINVAL),
    };
    let ok = (1..=ALOCK_RDMA_MAX_THREADS).contains(&a.threads)
        && (1..=ALOCK_STRESS_MAX_MS).contains(&a.duration_ms)
        && a.local_pct <= 100
        && (a.read_pct == 0 || (a.read_pct <= 100 && kind.is_rw()))
        && (1..=MAX_HELD as u32).contains(&a.keys_per_op)
        && a.timeout_ms <= ALOCK_CLUSTER_MAX_TIMEOUT_MS
        && a.flags & !(ALOCK_DLOCK_SPIN | ALOCK_DLOCK_EVEN_KEYS | ALOCK_DLOCK_ODD_KEYS | ROLES)
            == 0
        && a.flags & (ALOCK_DLOCK_EVEN_KEYS | ALOCK_DLOCK_ODD_KEYS)
            != ALOCK_DLOCK_EVEN_KEYS | ALOCK_DLOCK_ODD_KEYS
        && (a.flags & ROLES == 0 || (a.flags & ROLES != ROLES && kind.is_rw() && a.read_pct == 0));
    if !ok {
        return Err(EINVAL);
    }
    let t = table().ok_or(ENOENT)?;
    // Nodes beyond the cluster's, or a run without keys.
    if u64::from(a.homes) >> t.nodes() != 0 {
        return Err(EINVAL);
    }
    let local = run_keys(&t, t.local_keys(), a.flags, a.homes)?;
    let remote = run_keys(&t, t.remote_keys(), a.flags, a.homes)?;
    if local.is_empty() && remote.is_empty() {
        return Err(EINVAL);
    }
    // One lock kind at a time on the table (its users' words differ).
    t.use_kind(kind)?;
    let user = t.clone();
    let r = run_kind(a, t, kind, local, remote);
    user.leave_kind();
    r
}

/// [`run`] once the table's kind is `kind`.
fn run_kind(
    a: &mut AlockDlockRun,
    t: Arc<Table>,
    kind: Kind,
    local: KVec<u32>,
    remote: KVec<u32>,
) -> Result {
    if kind == Kind::Rpc {
        t.serve_rpc()?;
    }
    let n = a.threads as usize;
    let job = RunJob {
        t,
        local,
        remote,
        kind,
        local_pct: a.local_pct,
        read_pct: a.read_pct,
        roles: a.flags & ROLES,
        keys_per_op: a.keys_per_op,
        timeout_ms: a.timeout_ms,
        wait: Wait::spin_if(a.flags & ALOCK_DLOCK_SPIN != 0),
        seed: if a.seed == 0 { 0x5eed } else { a.seed },
        stop: AtomicBool::new(false),
        ops: AtomicU64::new(0),
        local_ops: AtomicU64::new(0),
        remote_ops: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        increments: AtomicU64::new(0),
        shared_ops: AtomicU64::new(0),
        max_waited: AtomicU64::new(0),
        local_verbs: AtomicU64::new(0),
        remote_verbs: AtomicU64::new(0),
        stats: SharedStats::default(),
        failures: Failures::default(),
        finished: AtomicU32::new(0),
        per_thread: kvec_from_fn(n, || AtomicU64::new(0))?,
        samples: kvec_from_fn(n * CLASSES * SAMPLES, || AtomicU64::new(0))?,
        nsamples: kvec_from_fn(CLASSES * n, || AtomicU32::new(0))?,
        local_lat: AtomicHist::new(),
        remote_lat: AtomicHist::new(),
    };
    let done = || job.finished.load(Relaxed) == a.threads;
    let ms = a.duration_ms;
    let out = Timed::start().run_until(&job, a.threads, Placement::Unbound, ms, done, &job.stop)?;
    a.elapsed_ns = out.elapsed_ns;
    a.ops = job.ops.load(Relaxed);
    a.local_ops = job.local_ops.load(Relaxed);
    a.remote_ops = job.remote_ops.load(Relaxed);
    a.errors = job.errors.load(Relaxed);
    a.increments = job.increments.load(Relaxed);
    a.failures = job.failures.count();
    a.first_error = job.failures.first();
    a.local_verbs = job.local_verbs.load(Relaxed);
    a.remote_verbs = job.remote_verbs.load(Relaxed);
    let st = job.stats.get();
    (a.reads, a.writes, a.atomics, a.sends) = (st.reads, st.writes, st.atomics, st.sends);
    a.peterson_polls = st.peterson_polls;
    a.cas_retries = st.cas_retries;
    a.handoffs = st.handoffs;
    a.leaders = st.leaders;
    a.fast_entries = st.fast_entries;
    a.shared_ops = job.shared_ops.load(Relaxed);
    a.overlaps = st.overlaps;
    a.backouts = st.backouts;
    a.phases = st.phases;
    a.rw_polls = st.rw_polls;
    if kind == Kind::AlockRw && st.backouts > 0 {
        pr_info!(
            "dlock run: {} reader back-outs, at most {} writer sections until a local reader entered (bound {})\n",
            st.backouts,
            job.max_waited.load(Relaxed),
            job.t.reader_wait_bound()
        );
    }
    a.local_lat = to_uapi(&job.local_lat.snapshot());
    a.remote_lat = to_uapi(&job.remote_lat.snapshot());
    let per_thread = spread(&job.per_thread, |x| x);
    (a.min_thread_ops, a.max_thread_ops) = (per_thread.min, per_thread.max);
    for (which, out) in [C_LOCAL, C_REMOTE, C_SHARED, C_EXCL].iter().zip([
        (&mut a.local_lat_median_ns, &mut a.local_lat_p99_ns),
        (&mut a.remote_lat_median_ns, &mut a.remote_lat_p99_ns),
        (&mut a.shared_lat_median_ns, &mut a.shared_lat_p99_ns),
        (&mut a.excl_lat_median_ns, &mut a.excl_lat_p99_ns),
    ]) {
        let mut v = KVec::new();
        for i in 0..n {
            let k = job.nsamples[CLASSES * i + which].load(Relaxed) as usize;
            let base = i * CLASSES * SAMPLES + which * SAMPLES;
            for s in &job.samples[base..base + k] {
                v.push(s.load(Relaxed), GFP_KERNEL)?;
            }
        }
        let (m, p) = percentiles(&mut v);
        *out.0 = m;
        *out.1 = p;
    }
    out.status()
}
