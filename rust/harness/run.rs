// SPDX-License-Identifier: GPL-2.0

//! The timed run that every stress and benchmark ioctl goes through.
//!
//! A run is started with [`Timed::start`], its clock: the threads'
//! deadlines come from it ([`Timed::deadline`], [`Timed::stop_after`]).
//! [`Timed::run`] then starts the job's kernel threads, lets the calling
//! thread wait as the ioctl says, stops and joins the threads, and returns
//! the elapsed time and whether a signal cut the wait short.  The waits:
//!
//! * [`Timed::run_for`]: the fixed-time stress ioctls; sleeps the duration
//!   and ends the threads through their [`Stop`], which also holds their
//!   deadline; placement from the `ALOCK_STRESS_UNBOUND` flag.
//! * [`Timed::run_until`]: the RDMA and lock-table runs; sleeps until a
//!   condition or a deadline.
//! * [`Timed::run`] itself takes any wait (`ALOCK_IOC_RWWAKE`'s rounds).
//!
//! The ioctl then copies its per-thread counters out ([`spread`] sums them
//! and finds their extremes) and ends with [`Outcome::status`]: `EINTR`,
//! with the results so far, if a signal came.
//!
//! Runs are capped module-wide: at most [`MAX_RUNS`] at once with at most
//! [`MAX_RUN_THREADS`] kernel threads among them; a run beyond either
//! gets `EBUSY` and starts nothing (each run's own thread count is capped
//! by its ioctl).

use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, Ordering::Relaxed};
use kernel::{bindings, prelude::*};

use crate::support::kthread::{run_threads, Job, Placement};
use crate::support::util::now_ns;
use crate::uapi::ALOCK_STRESS_UNBOUND;

/// Where the threads of a run go, as `ALOCK_STRESS_UNBOUND` in `flags`
/// says (bound to one CPU each unless it is set).
pub fn placement(flags: u32) -> Placement {
    if flags & ALOCK_STRESS_UNBOUND != 0 {
        Placement::Unbound
    } else {
        Placement::Bound
    }
}

/// Most runs at once (every stress, benchmark and lock-table run).
pub const MAX_RUNS: u32 = 8;
/// Most kernel threads of those runs together.
pub const MAX_RUN_THREADS: u32 = 512;

/// Runs in progress, and their threads.
static RUNS: AtomicU32 = AtomicU32::new(0);
static RUN_THREADS: AtomicU32 = AtomicU32::new(0);

/// A run's place under the module-wide caps, given back when dropped.
struct Admitted(u32);

impl Admitted {
    /// Admits a run of `n` threads, or `EBUSY`.
    fn new(n: u32) -> Result<Self> {
        let take = |c: &AtomicU32, k: u32, max: u32| {
            c.fetch_update(Relaxed, Relaxed, |v| v.checked_add(k).filter(|&t| t <= max))
                .is_ok()
        };
        if !take(&RUNS, 1, MAX_RUNS) {
            return Err(EBUSY);
        }
        if !take(&RUN_THREADS, n, MAX_RUN_THREADS) {
            RUNS.fetch_sub(1, Relaxed);
            return Err(EBUSY);
        }
        Ok(Self(n))
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        RUN_THREADS.fetch_sub(self.0, Relaxed);
        RUNS.fetch_sub(1, Relaxed);
    }
}

/// How the threads of a fixed-time run know when to end: the waiting
/// thread asks them to, or their deadline passes.
pub struct Stop {
    flag: AtomicBool,
    deadline_ns: i64,
}

impl Stop {
    /// The waiting thread has asked the threads to end.
    pub fn requested(&self) -> bool {
        self.flag.load(Relaxed)
    }

    /// [`Stop::requested`], or the deadline has passed.
    pub fn due(&self) -> bool {
        self.requested() || now_ns() >= self.deadline_ns
    }
}

/// A timed run, started when made.
pub struct Timed {
    start: i64,
}

/// What a timed run did.
pub struct Outcome {
    /// Wall time from [`Timed::start`] until every thread was joined.
    pub elapsed_ns: u64,
    /// A signal cut the wait short.
    interrupted: bool,
}

impl Timed {
    /// Starts the clock of a run.
    pub fn start() -> Self {
        Self { start: now_ns() }
    }

    /// The time ([`now_ns`]) `ms` milliseconds after the start.
    pub fn deadline(&self, ms: u32) -> i64 {
        self.start + i64::from(ms) * 1_000_000
    }

    /// The [`Stop`] of a run that lasts `ms` milliseconds from the start.
    pub fn stop_after(&self, ms: u32) -> Stop {
        Stop {
            flag: AtomicBool::new(false),
            deadline_ns: self.deadline(ms),
        }
    }

    /// Runs `job` on `n` kernel threads placed as `placement` says, calls
    /// `wait` on the calling thread (it returns whether a signal came, and
    /// must make the job end), then joins the threads.
    ///
    /// Returns an error (and runs nothing) if a thread cannot be created,
    /// or `EBUSY` if the module-wide caps ([`MAX_RUNS`],
    /// [`MAX_RUN_THREADS`]) leave no room for it.
    pub fn run<J: Job>(
        self,
        job: &J,
        n: u32,
        placement: Placement,
        wait: impl FnOnce() -> bool,
    ) -> Result<Outcome> {
        let _slot = Admitted::new(n)?;
        let interrupted = run_threads(job, n, placement, wait)?;
        Ok(Outcome {
            elapsed_ns: (now_ns() - self.start) as u64,
            interrupted,
        })
    }

    /// [`Timed::run`] of the fixed-time stress ioctls: threads placed as
    /// [`placement`] reads `flags`; the calling thread sleeps `ms`
    /// milliseconds (a signal cuts the sleep short), then asks the threads
    /// to end through `stop`.
    pub fn run_for<J: Job>(
        self,
        job: &J,
        n: u32,
        flags: u32,
        ms: u32,
        stop: &Stop,
    ) -> Result<Outcome> {
        self.run(job, n, placement(flags), || {
            // SAFETY: Sleeping is allowed here (ioctl, process context).
            let left = unsafe { bindings::msleep_interruptible(ms) };
            stop.flag.store(true, Relaxed);
            left != 0
        })
    }

    /// [`Timed::run`] of the benchmarks: the calling thread sleeps in
    /// steps of 10 ms until `done()`, a signal or `ms` milliseconds after
    /// the start, then asks the threads to end through `stop`.
    pub fn run_until<J: Job>(
        self,
        job: &J,
        n: u32,
        placement: Placement,
        ms: u32,
        done: impl Fn() -> bool,
        stop: &AtomicBool,
    ) -> Result<Outcome> {
        let deadline = self.deadline(ms);
        self.run(job, n, placement, || {
            let mut signalled = false;
            while !done() && now_ns() < deadline {
                // SAFETY: Sleeping is allowed here (ioctl, process context).
                if unsafe { bindings::msleep_interruptible(10) } != 0 {
                    signalled = true;
                    break;
                }
            }
            stop.store(true, Relaxed);
            signalled
        })
    }
}

impl Outcome {
    /// What the ioctl returns once it has written its results: `EINTR` if
    /// a signal cut the run short.
    pub fn status(&self) -> Result {
        if self.interrupted {
            Err(EINTR)
        } else {
            Ok(())
        }
    }
}

/// Sum, smallest and largest of one counter over the threads of a run.
#[derive(Clone, Copy, Default)]
pub struct Spread {
    /// All threads together.
    pub sum: u64,
    /// The thread with the fewest (0 if there is no thread).
    pub min: u64,
    /// The thread with the most (0 if there is no thread).
    pub max: u64,
}

/// The [`Spread`] of the counter `field` picks from each per-thread result
/// in `stats`.
pub fn spread<T>(stats: &[T], field: impl Fn(&T) -> &AtomicU64) -> Spread {
    let mut it = stats.iter().map(|s| field(s).load(Relaxed));
    let Some(first) = it.next() else {
        return Spread::default();
    };
    it.fold(
        Spread {
            sum: first,
            min: first,
            max: first,
        },
        |s, c| Spread {
            sum: s.sum + c,
            min: s.min.min(c),
            max: s.max.max(c),
        },
    )
}

/// The failed operations of a run's threads: how many, and the errno of
/// the first one (what `first_error` of a uapi result reports).
#[derive(Default)]
pub struct Failures {
    count: AtomicU64,
    first: AtomicI32,
}

impl Failures {
    /// Counts `e`; keeps its errno if it is the first failure.
    pub fn record(&self, e: Error) {
        self.count.fetch_add(1, Relaxed);
        let _ = self
            .first
            .compare_exchange(0, e.to_errno(), Relaxed, Relaxed);
    }

    /// Failures so far.
    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }

    /// The negative errno of the first failure, or 0.
    pub fn first(&self) -> i32 {
        self.first.load(Relaxed)
    }
}
