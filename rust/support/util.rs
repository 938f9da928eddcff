// SPDX-License-Identifier: GPL-2.0

//! Small helpers shared by the stress and benchmark runs.

use core::sync::atomic::{AtomicI64, Ordering::Relaxed};

use kernel::{bindings, prelude::*};

/// At most one event a period, for log lines that a peer or user space
/// could otherwise repeat without bound (the kernel's `ratelimit_state`
/// is macros and a spinlock; this is one word).
pub struct RateLimit {
    last_ns: AtomicI64,
    period_ns: i64,
}

impl RateLimit {
    /// One event every `period_ns`; the first is due at once.
    pub const fn new(period_ns: i64) -> Self {
        Self {
            last_ns: AtomicI64::new(i64::MIN / 2),
            period_ns,
        }
    }

    /// Whether an event may be reported now (it then counts as reported).
    pub fn due(&self) -> bool {
        let now = now_ns();
        let last = self.last_ns.load(Relaxed);
        now - last >= self.period_ns
            && self
                .last_ns
                .compare_exchange(last, now, Relaxed, Relaxed)
                .is_ok()
    }
}

/// A vector of `n` elements, each made by `f`.
pub fn kvec_from_fn<T>(n: usize, f: impl Fn() -> T) -> Result<KVec<T>> {
    let mut v = KVec::with_capacity(n, GFP_KERNEL)?;
    for _ in 0..n {
        v.push(f(), GFP_KERNEL)?;
    }
    Ok(v)
}

/// The `p`-th percentile (0..=100) of sorted, non-empty samples.
pub fn percentile(sorted: &[u64], p: usize) -> u64 {
    sorted[(sorted.len() - 1) * p / 100]
}

/// Monotonic time in nanoseconds.
pub fn now_ns() -> i64 {
    // SAFETY: `ktime_get` may be called from any context.
    unsafe { bindings::ktime_get() }
}

/// Busy-waits `n` iterations of `cpu_relax()` (work inside a critical
/// section).
pub fn spin(n: u32) {
    for _ in 0..n {
        super::cpu::cpu_relax();
    }
}

/// `Ok` if the calling task has capability `cap` (`bindings::CAP_*`) in
/// the initial user namespace, else `EPERM` (`capable()`: an audited
/// check that marks the task as having used its privilege).
pub fn require_cap(cap: u32) -> Result {
    // SAFETY: `capable` may be called from process context, which every
    // ioctl is; `cap` is a capability number (`bindings::CAP_*`).
    if unsafe { bindings::capable(cap as i32) } {
        Ok(())
    } else {
        Err(EPERM)
    }
}

/// An errno the kernel crate has no constant for (`bindings::E*`), as an
/// [`Error`].
pub fn errno(e: u32) -> Error {
    Error::from_errno(-(e as i32))
}

/// One xorshift64* step of the per-thread generators; `s` must not be 0.
pub fn next_rand(s: &mut u64) -> u64 {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    s.wrapping_mul(0x2545_f491_4f6c_dd1d)
}
