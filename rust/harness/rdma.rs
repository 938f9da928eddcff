// SPDX-License-Identifier: GPL-2.0

//! `/dev/alock` commands of the RDMA transport: one verb
//! (`ALOCK_IOC_RDMA_OP`), contended increments (`ALOCK_IOC_RDMA_STRESS`)
//! and verb latency/throughput (`ALOCK_IOC_RDMA_BENCH`).

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

use kernel::{
    bindings,
    prelude::*,
    sync::Arc,
    uaccess::{UserPtr, UserSlice},
};

use crate::harness::run::{Failures, Timed};
use crate::rdma::{cluster, Cluster, Peer, Wait};
use crate::support::kthread::{Job, Placement};
use crate::support::util::errno;
use crate::support::util::{kvec_from_fn, now_ns, percentile};
use crate::uapi::*;

fn joined() -> Result<Arc<Cluster>> {
    cluster().ok_or(errno(bindings::ENOTCONN))
}

// A SEND of the largest size the ABI allows fits a receive buffer.
const _: () = assert!(crate::rdma::MSG_BYTES == ALOCK_RDMA_MSG_MAX as usize);

/// `ALOCK_IOC_RDMA_OP`.
pub fn op(a: &mut AlockRdmaOp) -> Result {
    if a.flags != 0 || !(ALOCK_RDMA_READ..=ALOCK_RDMA_SEND).contains(&a.verb) {
        return Err(EINVAL);
    }
    let c = joined()?;
    let wlen = c.window().len() as u64;
    let start = now_ns();
    match a.verb {
        ALOCK_RDMA_LOCAL_READ | ALOCK_RDMA_LOCAL_WRITE => {
            if a.len == 0 || u64::from(a.len) > wlen {
                return Err(EINVAL);
            }
            match a.local_off.checked_add(u64::from(a.len)) {
                Some(end) if end <= wlen => {}
                _ => return Err(ERANGE),
            }
            let mut buf = KVec::from_elem(0u8, a.len as usize, GFP_KERNEL)?;
            let user = UserSlice::new(a.data as UserPtr, a.len as usize);
            if a.verb == ALOCK_RDMA_LOCAL_WRITE {
                user.reader().read_slice(&mut buf)?;
                c.window().write(a.local_off as usize, &buf)?;
            } else {
                c.window().read(a.local_off as usize, &mut buf)?;
                user.writer().write_slice(&buf)?;
            }
        }
        ALOCK_RDMA_SEND => {
            let n = a.len as usize;
            if n == 0 || n > ALOCK_RDMA_MSG_MAX as usize {
                return Err(EINVAL);
            }
            let mut msg = [0u8; ALOCK_RDMA_MSG_MAX as usize];
            UserSlice::new(a.data as UserPtr, n)
                .reader()
                .read_slice(&mut msg[..n])?;
            c.peer(a.node)?.send_msg(&msg[..n], Wait::Yield)?;
        }
        ALOCK_RDMA_READ | ALOCK_RDMA_WRITE => {
            if a.len == 0 || u64::from(a.len) > wlen {
                return Err(EINVAL);
            }
            let p = c.peer(a.node)?;
            if a.verb == ALOCK_RDMA_READ {
                p.read(a.remote_off, a.local_off, a.len, Wait::Yield)?;
            } else {
                p.write(a.remote_off, a.local_off, a.len, Wait::Yield)?;
            }
        }
        _ => {
            if a.len != 0 && a.len != 8 {
                return Err(EINVAL);
            }
            let p = c.peer(a.node)?;
            a.result = if a.verb == ALOCK_RDMA_CAS {
                p.compare_and_swap(a.remote_off, a.compare_add, a.swap, Wait::Yield)?
            } else {
                p.fetch_and_add(a.remote_off, a.compare_add, Wait::Yield)?
            };
        }
    }
    a.latency_ns = (now_ns() - start) as u64;
    Ok(())
}

/// Shared state of one stress run.
struct StressJob {
    peer: Arc<Peer>,
    cas: bool,
    off: u64,
    increments: u32,
    deadline: i64,
    stop: core::sync::atomic::AtomicBool,
    finished: AtomicU32,
    done: AtomicU64,
    attempts: AtomicU64,
    misses: AtomicU64,
    errors: Failures,
}

impl StressJob {
    fn body(&self) {
        let p = &*self.peer;
        let mut expect = match p.read_u64(self.off, Wait::Yield) {
            Ok(v) => v,
            Err(e) => return self.errors.record(e),
        };
        let mut made = 0u32;
        while made < self.increments && !self.stop.load(Relaxed) && now_ns() < self.deadline {
            self.attempts.fetch_add(1, Relaxed);
            let r = if self.cas {
                p.compare_and_swap(self.off, expect, expect.wrapping_add(1), Wait::Yield)
            } else {
                p.fetch_and_add(self.off, 1, Wait::Yield)
            };
            match r {
                Ok(old) if !self.cas || old == expect => {
                    made += 1;
                    expect = old.wrapping_add(1);
                }
                Ok(old) => {
                    self.misses.fetch_add(1, Relaxed);
                    expect = old;
                }
                Err(e) => return self.errors.record(e),
            }
        }
        self.done.fetch_add(u64::from(made), Relaxed);
    }
}

impl Job for StressJob {
    fn run(&self, _idx: u32) {
        self.body();
        self.finished.fetch_add(1, Relaxed);
    }
}

/// `ALOCK_IOC_RDMA_STRESS`.
pub fn stress(a: &mut AlockRdmaStress) -> Result {
    let ok = (a.verb == ALOCK_RDMA_CAS || a.verb == ALOCK_RDMA_FAA)
        && (1..=ALOCK_RDMA_MAX_THREADS).contains(&a.threads)
        && (1..=1_000_000).contains(&a.increments)
        && (1..=ALOCK_CLUSTER_MAX_TIMEOUT_MS).contains(&a.timeout_ms)
        && a.flags == 0
        && a.reserved == 0
        && a.remote_off % 8 == 0;
    if !ok {
        return Err(EINVAL);
    }
    let peer = joined()?.peer(a.node)?;
    // `remote_off` comes from user space: checked, as `remote_off + 8`
    // overflows (a panic with overflow checks) for offsets near u64::MAX.
    let end = a.remote_off.checked_add(8).ok_or(ERANGE)?;
    if end > peer.remote_len() {
        return Err(ERANGE);
    }
    let timed = Timed::start();
    let job = StressJob {
        peer,
        cas: a.verb == ALOCK_RDMA_CAS,
        off: a.remote_off,
        increments: a.increments,
        deadline: timed.deadline(a.timeout_ms),
        stop: core::sync::atomic::AtomicBool::new(false),
        finished: AtomicU32::new(0),
        done: AtomicU64::new(0),
        attempts: AtomicU64::new(0),
        misses: AtomicU64::new(0),
        errors: Failures::default(),
    };
    let n = a.threads;
    let done = || job.finished.load(Relaxed) == n;
    let out = timed.run_until(&job, n, Placement::Unbound, a.timeout_ms, done, &job.stop)?;
    a.elapsed_ns = out.elapsed_ns;
    a.done = job.done.load(Relaxed);
    a.attempts = job.attempts.load(Relaxed);
    a.cas_misses = job.misses.load(Relaxed);
    a.errors = job.errors.count();
    a.first_error = job.errors.first();
    out.status()
}

/// Latency samples kept per thread.
const SAMPLES: usize = 4096;

/// Shared state of one bench run.
struct BenchJob {
    peer: Arc<Peer>,
    verb: u32,
    len: u32,
    wait: Wait,
    remote_base: u64,
    local_base: u64,
    span_remote: u64,
    span_local: u64,
    stop: core::sync::atomic::AtomicBool,
    ops: AtomicU64,
    errors: AtomicU64,
    /// `threads * SAMPLES` latencies; thread `i` writes its own part.
    samples: KVec<AtomicU64>,
    nsamples: KVec<AtomicU32>,
}

impl Job for BenchJob {
    fn run(&self, idx: u32) {
        let p = &*self.peer;
        let step = u64::from(self.len.div_ceil(8) * 8).max(64);
        let ro = self.remote_base + (u64::from(idx) * step) % self.span_remote;
        let lo = self.local_base + (u64::from(idx) * step) % self.span_local;
        let mut n = 0usize;
        let base = idx as usize * SAMPLES;
        while !self.stop.load(Relaxed) {
            let t0 = now_ns();
            let r = match self.verb {
                ALOCK_RDMA_READ => p.read(ro, lo, self.len, self.wait),
                ALOCK_RDMA_WRITE => p.write(ro, lo, self.len, self.wait),
                ALOCK_RDMA_CAS => p.compare_and_swap(ro, 0, 0, self.wait).map(|_| ()),
                _ => p.fetch_and_add(ro, 1, self.wait).map(|_| ()),
            };
            let dt = (now_ns() - t0) as u64;
            if r.is_err() {
                self.errors.fetch_add(1, Relaxed);
                break;
            }
            self.ops.fetch_add(1, Relaxed);
            if n < SAMPLES {
                self.samples[base + n].store(dt, Relaxed);
                n += 1;
            }
        }
        self.nsamples[idx as usize].store(n as u32, Relaxed);
    }
}

/// `ALOCK_IOC_RDMA_BENCH`.
pub fn bench(a: &mut AlockRdmaBench) -> Result {
    let atomic = a.verb == ALOCK_RDMA_CAS || a.verb == ALOCK_RDMA_FAA;
    if atomic && a.len == 0 {
        a.len = 8;
    }
    let ok = (ALOCK_RDMA_READ..=ALOCK_RDMA_FAA).contains(&a.verb)
        && (if atomic {
            a.len == 8
        } else {
            (8..=4096).contains(&a.len)
        })
        && (1..=ALOCK_RDMA_MAX_THREADS).contains(&a.threads)
        && (1..=ALOCK_STRESS_MAX_MS).contains(&a.duration_ms)
        && a.flags & !ALOCK_RDMA_BENCH_SPIN == 0;
    if !ok {
        return Err(EINVAL);
    }
    let c = joined()?;
    let peer = c.peer(a.node)?;
    // The upper half of both windows; each thread its own words.
    let len = u64::from(a.len);
    let (rh, lh) = (peer.remote_len() / 2, c.window().len() as u64 / 2);
    // Each thread's offset is taken modulo the spans: a window (ours, or
    // the length the peer advertised) too small for one aligned `len` would
    // make a span 0, a division by zero.
    let (span_remote, span_local) = match (rh.checked_sub(len), lh.checked_sub(len)) {
        (Some(r), Some(l)) => ((r + 1) & !7, (l + 1) & !7),
        _ => return Err(ERANGE),
    };
    if span_remote == 0 || span_local == 0 {
        return Err(ERANGE);
    }
    let n = a.threads as usize;
    let samples = kvec_from_fn(n * SAMPLES, || AtomicU64::new(0))?;
    let nsamples = kvec_from_fn(n, || AtomicU32::new(0))?;
    let job = BenchJob {
        peer,
        verb: a.verb,
        len: a.len,
        wait: Wait::spin_if(a.flags & ALOCK_RDMA_BENCH_SPIN != 0),
        remote_base: rh,
        local_base: lh,
        span_remote,
        span_local,
        stop: core::sync::atomic::AtomicBool::new(false),
        ops: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        samples,
        nsamples,
    };
    let done = || job.errors.load(Relaxed) != 0;
    let ms = a.duration_ms;
    let out = Timed::start().run_until(&job, a.threads, Placement::Unbound, ms, done, &job.stop)?;
    a.elapsed_ns = out.elapsed_ns;
    a.ops = job.ops.load(Relaxed);
    a.errors = job.errors.load(Relaxed);
    let mut lat = KVec::with_capacity(n * SAMPLES, GFP_KERNEL)?;
    for t in 0..n {
        let k = job.nsamples[t].load(Relaxed) as usize;
        for s in &job.samples[t * SAMPLES..t * SAMPLES + k] {
            lat.push(s.load(Relaxed), GFP_KERNEL)?;
        }
    }
    lat.sort_unstable();
    if let (Some(&min), Some(&max)) = (lat.first(), lat.last()) {
        a.lat_min_ns = min;
        a.lat_median_ns = percentile(&lat, 50);
        a.lat_p99_ns = percentile(&lat, 99);
        a.lat_max_ns = max;
    }
    out.status()
}
