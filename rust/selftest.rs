// SPDX-License-Identifier: GPL-2.0

//! In-kernel self-tests (`ALOCK_IOC_SELFTEST`).
//!
//! These check the module's foundations inside the running kernel: the
//! ioctl table, the per-CPU / cross-CPU-call helpers of the kernel patch
//! series, CPU-bound kernel threads, and the stress harness itself (which
//! must detect a lock that does not exclude).

use core::{
    ffi::c_void,
    sync::atomic::{AtomicU32, AtomicU64, Ordering},
};
use kernel::{bindings, ioctl, prelude::*};

use crate::kthread::{online_cpus, run_threads, Job, Placement};
use crate::stress::{Record, StressLock};
use crate::uapi::*;

/// Outcome of one test: number of checks made, or the first failure.
pub type TestResult = core::result::Result<u32, Error>;

/// Counts checks and turns a false condition into a failure.
struct Checker {
    checks: u32,
    name: &'static str,
}

impl Checker {
    fn new(name: &'static str) -> Self {
        Self { checks: 0, name }
    }

    fn check(&mut self, ok: bool, what: &str) -> Result {
        self.checks += 1;
        if ok {
            Ok(())
        } else {
            pr_err!(
                "selftest {}: check {} failed: {}\n",
                self.name,
                self.checks,
                what
            );
            Err(Error::from_errno(-(bindings::EBADMSG as i32)))
        }
    }
}

/// A named self-test.
pub type Test = (&'static str, fn() -> TestResult);

/// The self-tests, in id order (id = index + 1).
pub const TESTS: [Test; 4] = [
    ("abi_table", test_abi_table),
    ("percpu_ipi", test_percpu_ipi),
    ("kthread_bound", test_kthread_bound),
    ("stress_detects_race", test_stress_detects_race),
];

/// Runs test `id` (1-based) and fills in `out`.
pub fn run(out: &mut AlockSelftest) -> Result {
    if out.flags != 0 || out.test == 0 || out.test as usize > TESTS.len() {
        return Err(EINVAL);
    }
    let (name, f) = TESTS[out.test as usize - 1];
    fill_name(&mut out.name, name.as_bytes());
    match f() {
        Ok(checks) => {
            out.result = 0;
            out.checks = checks;
        }
        Err(e) => {
            out.result = e.to_errno();
            out.checks = 0;
        }
    }
    Ok(())
}

/// Every command has our type, a distinct number and the size of its
/// structure encoded.
fn test_abi_table() -> TestResult {
    let mut c = Checker::new("abi_table");
    for (i, e) in ABI_TABLE.iter().enumerate() {
        c.check(ioctl::_IOC_TYPE(e.cmd) == ALOCK_IOC_MAGIC, "ioctl type")?;
        c.check(ioctl::_IOC_NR(e.cmd) == i as u32, "ioctl number")?;
        c.check(ioctl::_IOC_SIZE(e.cmd) == e.arg_size as usize, "ioctl size")?;
        c.check(ioctl::_IOC_DIR(e.cmd) != 0, "ioctl direction")?;
    }
    Ok(c.checks)
}

/// IPI handler: adds `cpu + 1` to this CPU's slot of a per-CPU `u64`.
///
/// # Safety
///
/// `info` must be a live per-CPU allocation of (at least) a `u64`.
unsafe extern "C" fn mark_cpu(info: *mut c_void) {
    // SAFETY: `info` is the per-CPU pointer passed by `test_percpu_ipi`,
    // alive until `on_each_cpu`/`smp_call_function_single` returned.
    let slot = unsafe { bindings::this_cpu_ptr(info) } as *mut u64;
    // SAFETY: The IPI handler runs with interrupts off on this CPU, so it
    // is the only writer of this CPU's slot right now.
    unsafe { *slot += u64::from(bindings::smp_processor_id()) + 1 };
}

/// `on_each_cpu` and `smp_call_function_single` reach every online CPU and
/// `this_cpu_ptr`/`per_cpu_ptr` agree on each CPU's slot.
fn test_percpu_ipi() -> TestResult {
    let mut c = Checker::new("percpu_ipi");
    // SAFETY: Allocation of a zeroed per-CPU u64; freed below.
    let pcp = unsafe { bindings::alloc_percpu(8, 8) };
    c.check(!pcp.is_null(), "alloc_percpu")?;
    // Hold off CPU hotplug so the online set is stable during the test.
    // SAFETY: Paired with `cpus_read_unlock` below.
    unsafe { bindings::cpus_read_lock() };
    // SAFETY: `mark_cpu` only touches the slot of the CPU it runs on.
    unsafe { bindings::on_each_cpu(Some(mark_cpu), pcp, 1) };
    let mut res = Ok(());
    for cpu in online_cpus() {
        // SAFETY: `cpu` is online and `pcp` is a live per-CPU allocation.
        let r = unsafe { bindings::smp_call_function_single(cpu as i32, Some(mark_cpu), pcp, 1) };
        res = res.and(c.check(r == 0, "smp_call_function_single"));
        // SAFETY: As above; all IPIs have completed (wait = 1).
        let v = unsafe { *(bindings::per_cpu_ptr(pcp, cpu) as *const u64) };
        res = res.and(c.check(v == 2 * (u64::from(cpu) + 1), "per-CPU slot value"));
    }
    // SAFETY: Paired with `cpus_read_lock` above.
    unsafe { bindings::cpus_read_unlock() };
    // SAFETY: Allocated above, no IPI uses it any more.
    unsafe { bindings::free_percpu(pcp) };
    res.map(|()| c.checks)
}

struct CpuCheck {
    wrong: AtomicU32,
    ran: AtomicU32,
}

impl Job for CpuCheck {
    fn run(&self, idx: u32) {
        let want = crate::kthread::nth_online_cpu(idx);
        // SAFETY: `raw_smp_processor_id` has no preconditions.
        let cpu = unsafe { bindings::raw_smp_processor_id() };
        if cpu != want {
            self.wrong.fetch_add(1, Ordering::Relaxed);
        }
        self.ran.fetch_add(1, Ordering::Relaxed);
    }
}

/// Bound kernel threads run on their CPU and all of them run.
fn test_kthread_bound() -> TestResult {
    let mut c = Checker::new("kthread_bound");
    // SAFETY: No preconditions.
    let n = unsafe { bindings::num_online_cpus() } * 2;
    let job = CpuCheck {
        wrong: AtomicU32::new(0),
        ran: AtomicU32::new(0),
    };
    run_threads(&job, n, Placement::Bound, || ())?;
    c.check(job.ran.load(Ordering::Relaxed) == n, "every thread ran")?;
    c.check(
        job.wrong.load(Ordering::Relaxed) == 0,
        "threads on their CPU",
    )?;
    Ok(c.checks)
}

/// A "lock" that excludes nothing: the stress harness must catch it.
struct NoLock;

impl StressLock for NoLock {
    fn critical(&self, f: impl FnOnce(Option<crate::sync::lock::QueueOrder>)) {
        f(None);
    }
}

struct Racer<'a> {
    lock: &'a NoLock,
    rec: &'a Record,
    errors: AtomicU64,
    ops: AtomicU64,
}

impl Job for Racer<'_> {
    fn run(&self, idx: u32) {
        let mut errors = 0;
        for _ in 0..20_000 {
            self.lock
                .critical(|_| errors += self.rec.enter(u64::from(idx) + 1, 200));
        }
        self.errors.fetch_add(errors, Ordering::Relaxed);
        self.ops.fetch_add(20_000, Ordering::Relaxed);
    }
}

/// With no exclusion and two or more CPUs, the record must report
/// violations; otherwise the stress test could never fail.
fn test_stress_detects_race() -> TestResult {
    let mut c = Checker::new("stress_detects_race");
    // SAFETY: No preconditions.
    let cpus = unsafe { bindings::num_online_cpus() };
    if cpus < 2 {
        // Nothing can overlap on one CPU; report the test as skipped.
        return Err(Error::from_errno(-(bindings::EOPNOTSUPP as i32)));
    }
    let rec = Record::new();
    let job = Racer {
        lock: &NoLock,
        rec: &rec,
        errors: AtomicU64::new(0),
        ops: AtomicU64::new(0),
    };
    run_threads(&job, cpus, Placement::Bound, || ())?;
    let lost = rec.count().abs_diff(job.ops.load(Ordering::Relaxed));
    c.check(
        job.errors.load(Ordering::Relaxed) + lost > 0,
        "racing critical sections detected",
    )?;
    Ok(c.checks)
}
