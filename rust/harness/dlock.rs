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
struct SharedStats([AtomicU64; 9]);

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
        }
    }
}

struct RunJob {
    t: Arc<Table>,
    /// The keys the run takes (`ALOCK_DLOCK_*_KEYS`, `homes`), homed here
    /// and elsewhere.
    local: KVec<u32>,
    remote: KVec<u32>,
    kind: Kind,
    local_pct: u32,
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
    /// Verbs of operations on local and on remote keys.
    local_verbs: AtomicU64,
    remote_verbs: AtomicU64,
    /// The handles' counters, summed when each thread ends.
    stats: SharedStats,
    failures: Failures,
    finished: AtomicU32,
    per_thread: KVec<AtomicU64>,
    /// `[thread][local = 0, remote = 1][SAMPLES]` acquire latencies.
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

    fn one(
        &self,
        h: &mut Handle<'_>,
        idx: u32,
        rng: &mut u64,
        held: &mut KVec<Held>,
    ) -> Result<(bool, u64)> {
        let local = (next_rand(rng) % 100) < u64::from(self.local_pct);
        let mut keys = [0u32; MAX_HELD];
        let n = self.keys_per_op as usize;
        for k in keys.iter_mut().take(n) {
            *k = self.pick(rng, local);
        }
        let t0 = now_ns();
        h.lock_many(self.kind, &mut keys[..n], held)?;
        let lat = (now_ns() - t0) as u64;
        let tag = (u64::from(self.t.node()) << 48) | (u64::from(idx) + 1);
        let mut r = Ok(());
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
        let u = unlock_all(h, held);
        r?;
        u?;
        Ok((local, lat))
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
        let (mut nl, mut nr) = (0usize, 0usize);
        let (mut hl, mut hr) = (Hist::new(), Hist::new());
        let base = idx as usize * 2 * SAMPLES;
        while !self.stop.load(Relaxed) {
            let before = h.stats().verbs();
            let r = self.one(&mut h, idx, &mut rng, &mut held);
            let spent = h.stats().verbs() - before;
            match r {
                Ok((local, lat)) => {
                    mine += 1;
                    if local {
                        self.local_verbs.fetch_add(spent, Relaxed);
                    } else {
                        self.remote_verbs.fetch_add(spent, Relaxed);
                    }
                    if local {
                        hl.record(lat);
                        self.local_ops.fetch_add(1, Relaxed);
                        if nl < SAMPLES {
                            self.samples[base + nl].store(lat, Relaxed);
                            nl += 1;
                        }
                    } else {
                        hr.record(lat);
                        self.remote_ops.fetch_add(1, Relaxed);
                        if nr < SAMPLES {
                            self.samples[base + SAMPLES + nr].store(lat, Relaxed);
                            nr += 1;
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
        self.nsamples[2 * idx as usize].store(nl as u32, Relaxed);
        self.nsamples[2 * idx as usize + 1].store(nr as u32, Relaxed);
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

/// `ALOCK_IOC_DLOCK_RUN`.
pub fn run(a: &mut AlockDlockRun) -> Result {
    let kind = match a.lock {
        ALOCK_DLOCK_ALOCK => Kind::Alock,
        ALOCK_DLOCK_SPIN_LB => Kind::SpinLoopback,
        ALOCK_DLOCK_MCS_LB => Kind::McsLoopback,
        ALOCK_DLOCK_RPC => Kind::Rpc,
        _ => return Err(EINVAL),
    };
    let ok = (1..=ALOCK_RDMA_MAX_THREADS).contains(&a.threads)
        && (1..=ALOCK_STRESS_MAX_MS).contains(&a.duration_ms)
        && a.local_pct <= 100
        && (1..=MAX_HELD as u32).contains(&a.keys_per_op)
        && a.timeout_ms <= ALOCK_CLUSTER_MAX_TIMEOUT_MS
        && a.flags & !(ALOCK_DLOCK_SPIN | ALOCK_DLOCK_EVEN_KEYS | ALOCK_DLOCK_ODD_KEYS) == 0
        && a.flags & (ALOCK_DLOCK_EVEN_KEYS | ALOCK_DLOCK_ODD_KEYS)
            != ALOCK_DLOCK_EVEN_KEYS | ALOCK_DLOCK_ODD_KEYS;
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
        local_verbs: AtomicU64::new(0),
        remote_verbs: AtomicU64::new(0),
        stats: SharedStats::default(),
        failures: Failures::default(),
        finished: AtomicU32::new(0),
        per_thread: kvec_from_fn(n, || AtomicU64::new(0))?,
        samples: kvec_from_fn(n * 2 * SAMPLES, || AtomicU64::new(0))?,
        nsamples: kvec_from_fn(2 * n, || AtomicU32::new(0))?,
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
    a.local_lat = to_uapi(&job.local_lat.snapshot());
    a.remote_lat = to_uapi(&job.remote_lat.snapshot());
    let per_thread = spread(&job.per_thread, |x| x);
    (a.min_thread_ops, a.max_thread_ops) = (per_thread.min, per_thread.max);
    for (which, out) in [0usize, 1].iter().zip([
        (&mut a.local_lat_median_ns, &mut a.local_lat_p99_ns),
        (&mut a.remote_lat_median_ns, &mut a.remote_lat_p99_ns),
    ]) {
        let mut v = KVec::new();
        for i in 0..n {
            let k = job.nsamples[2 * i + which].load(Relaxed) as usize;
            let base = i * 2 * SAMPLES + which * SAMPLES;
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
