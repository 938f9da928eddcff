// SPDX-License-Identifier: GPL-2.0

//! Log2 latency histograms: bucket `i` counts the values `v` (ns) with
//! `fls64(v) == i`, the last bucket everything above.  The layout of
//! `struct alock_hist` in the uapi header; the front ends copy [`Hist`]
//! there (and check that [`BUCKETS`] equals `ALOCK_HIST_BUCKETS`).

use core::sync::atomic::{AtomicU64, Ordering};

/// Buckets of a histogram.
pub const BUCKETS: usize = 40;

/// The bucket of `ns`.
#[inline]
pub fn bucket(ns: u64) -> usize {
    ((u64::BITS - ns.leading_zeros()) as usize).min(BUCKETS - 1)
}

/// A histogram owned by one thread.
#[derive(Clone, Copy)]
pub struct Hist(pub [u64; BUCKETS]);

impl Hist {
    /// An empty histogram.
    pub const fn new() -> Self {
        Self([0; BUCKETS])
    }

    /// Counts one value.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.0[bucket(ns)] += 1;
    }

    /// Adds the counts of `other`.
    pub fn merge(&mut self, other: &Hist) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a = a.wrapping_add(*b);
        }
    }

    /// Samples counted.
    pub fn total(&self) -> u64 {
        self.0.iter().fold(0u64, |a, b| a.wrapping_add(*b))
    }
}

impl Default for Hist {
    fn default() -> Self {
        Self::new()
    }
}

/// A histogram several CPUs count into (slow paths only: each count is an
/// atomic add on a shared line).
pub struct AtomicHist([AtomicU64; BUCKETS]);

impl AtomicHist {
    /// An empty histogram.
    pub const fn new() -> Self {
        Self([const { AtomicU64::new(0) }; BUCKETS])
    }

    /// Counts one value.
    pub fn record(&self, ns: u64) {
        self.0[bucket(ns)].fetch_add(1, Ordering::Relaxed);
    }

    /// Adds the counts of `h`.
    pub fn add(&self, h: &Hist) {
        for (d, s) in self.0.iter().zip(h.0.iter()) {
            if *s != 0 {
                d.fetch_add(*s, Ordering::Relaxed);
            }
        }
    }

    /// The counts now (each bucket read once; not a consistent cut).
    pub fn snapshot(&self) -> Hist {
        let mut h = Hist::new();
        for (d, s) in h.0.iter_mut().zip(self.0.iter()) {
            *d = s.load(Ordering::Relaxed);
        }
        h
    }
}

impl Default for AtomicHist {
    fn default() -> Self {
        Self::new()
    }
}

extern "C" {
    /// `stats.c`: `local_clock()`.
    fn alock_local_clock() -> u64;
}

/// A cheap clock for latencies (`local_clock()`: sched_clock, monotonic
/// on one CPU, within a tick or so across CPUs).
#[inline]
pub fn now_ns() -> u64 {
    // SAFETY: `local_clock()` has no preconditions.
    unsafe { alock_local_clock() }
}
