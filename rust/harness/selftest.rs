// SPDX-License-Identifier: GPL-2.0

//! In-kernel self-tests (`ALOCK_IOC_SELFTEST`).
//!
//! These check the module's foundations inside the running kernel: the
//! ioctl table, the per-CPU / cross-CPU-call helpers of the kernel patch
//! series, CPU-bound kernel threads, and the stress harness itself (which
//! must detect a lock that does not exclude).

use core::{
    ffi::{c_int, c_void},
    sync::atomic::{AtomicU32, AtomicU64, Ordering},
};
use kernel::{bindings, ioctl, prelude::*};

use super::{selftest_obs, selftest_prw, selftest_queue, ABI_TABLE};
use crate::harness::stress::{Record, StressLock};
use crate::support::cpu::online_cpus;
use crate::support::kthread::{run_threads, Job, Placement};
use crate::support::util::errno;
use crate::sync::lock::{Backend, Lock, QueueOrder};
use crate::sync::mrlock::{RawMrLock, Scheme};
use crate::sync::prwlock::{task_holds, PrwCore, PrwReadGuard, Prwlock};
use crate::uapi::*;
use crate::{new_abql_lock, new_mcs_lock, new_multi_lock, new_prwlock, new_ticket_lock};

/// `PRW_MAX_HELD` of `include/linux/prwlock_types.h`.
const PRW_MAX_HELD: usize = bindings::PRW_MAX_HELD as usize;

/// Outcome of one test: number of checks made, or the first failure.
pub type TestResult = core::result::Result<u32, Error>;

/// Counts checks and turns a false condition into a failure.
pub(super) struct Checker {
    pub(super) checks: u32,
    name: &'static str,
}

impl Checker {
    pub(super) fn new(name: &'static str) -> Self {
        Self { checks: 0, name }
    }

    pub(super) fn check(&mut self, ok: bool, what: &str) -> Result {
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
            Err(errno(bindings::EBADMSG))
        }
    }
}

/// A named self-test.
pub type Test = (&'static str, fn() -> TestResult);

/// The self-tests, in id order (id = index + 1).
pub const TESTS: [Test; 17] = [
    ("abi_table", test_abi_table),
    ("percpu_ipi", test_percpu_ipi),
    ("kthread_bound", test_kthread_bound),
    ("stress_detects_race", test_stress_detects_race),
    ("queue_lock_try", test_queue_lock_try),
    ("order_check_detects", test_order_check_detects),
    ("mrlock_semantics", test_mrlock_semantics),
    ("mrstress_detects_overlap", test_mrstress_detects_overlap),
    ("prwlock_semantics", test_prwlock_semantics),
    ("prwlock_sched_conversion", test_prwlock_conversion),
    ("prwlock_ipi_consensus", test_prwlock_ipi),
    ("prwlock_irq_trylock", test_prwlock_irq_trylock),
    ("prwlock_domain", selftest_prw::test_prwlock_domain),
    (
        "prwlock_drain_convert",
        selftest_prw::test_prwlock_drain_convert,
    ),
    (
        "prwlock_drain_preempt_off",
        selftest_prw::test_prwlock_drain_preempt_off,
    ),
    ("stats_contention", selftest_obs::test_stats_contention),
    ("abql_try_held", selftest_queue::test_abql_try_held),
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
        // Only a command without an argument (_IO) has no direction.
        c.check(
            (ioctl::_IOC_DIR(e.cmd) != 0) == (e.arg_size != 0),
            "ioctl direction",
        )?;
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
        let want = crate::support::cpu::nth_online_cpu(idx);
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
        return Err(errno(bindings::EOPNOTSUPP));
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

/// `lock`, `try_lock` and the guard of one queue lock: a held lock refuses
/// `try_lock`, a free one grants it, the data is reachable through guards.
fn check_try<B: Backend>(c: &mut Checker, l: &Lock<u64, B>) -> Result {
    {
        let mut g = l.lock();
        *g += 1;
        c.check(l.try_lock().is_none(), "try_lock of a held lock fails")?;
    }
    let g = l.try_lock();
    c.check(g.is_some(), "try_lock of a free lock succeeds")?;
    if let Some(mut g) = g {
        *g += 1;
    }
    c.check(*l.lock() == 2, "data updated through both guards")
}

/// Try-lock semantics and guards of the ticket, MCS and ABQL locks, and
/// ABQL's capacity rounding.
fn test_queue_lock_try() -> TestResult {
    let mut c = Checker::new("queue_lock_try");
    let t = KBox::pin_init(new_ticket_lock!(0u64, "selftest_ticket"), GFP_KERNEL)?;
    check_try(&mut c, &t)?;
    let m = KBox::pin_init(new_mcs_lock!(0u64, "selftest_mcs"), GFP_KERNEL)?;
    check_try(&mut c, &m)?;
    let a = KBox::pin_init(new_abql_lock!(0u64, 0, "selftest_abql"), GFP_KERNEL)?;
    check_try(&mut c, &a)?;
    // SAFETY: No preconditions.
    let ids = unsafe { bindings::get_nr_cpu_ids() };
    c.check(
        a.capacity() >= ids,
        "default ABQL capacity covers every CPU",
    )?;
    let a3 = KBox::pin_init(new_abql_lock!(0u64, 3, "selftest_abql3"), GFP_KERNEL)?;
    check_try(&mut c, &a3)?;
    c.check(
        a3.capacity() == 4,
        "ABQL capacity rounded up to a power of two",
    )?;
    let big = KBox::pin_init(
        new_abql_lock!(0u64, crate::sync::abql::MAX_SLOTS + 1, "selftest_abql_big"),
        GFP_KERNEL,
    );
    c.check(big.is_err(), "ABQL beyond the maximum capacity is refused")?;
    // Nested MCS locks on one CPU take distinct pool nodes.
    {
        let _g1 = t.lock();
        let _g2 = m.lock();
        let m2 = KBox::pin_init(new_mcs_lock!(0u64, "selftest_mcs2"), GFP_ATOMIC)?;
        let g3 = m2.try_lock();
        c.check(g3.is_some(), "nested MCS lock with a second node")?;
    }
    Ok(c.checks)
}

/// The FIFO check of the stress harness flags a grant that did not follow
/// the one it queued behind, and accepts one that did.
fn test_order_check_detects() -> TestResult {
    let mut c = Checker::new("order_check_detects");
    let rec = Record::new();
    let first = rec.check_order(Some(QueueOrder { id: 10, pred: None }));
    c.check(first.checks == 0, "first grant is not checked")?;
    let good = rec.check_order(Some(QueueOrder {
        id: 11,
        pred: Some(10),
    }));
    c.check(
        good.checks == 1 && good.errors == 0,
        "in-order grant accepted",
    )?;
    let bad = rec.check_order(Some(QueueOrder {
        id: 13,
        pred: Some(12),
    }));
    c.check(
        bad.checks == 1 && bad.errors == 1,
        "overtaking grant flagged",
    )?;
    Ok(c.checks)
}

/// Multi-resource lock: empty requests are refused, disjoint requests are
/// granted together, every scheme hands out the bits it was asked for.
fn test_mrlock_semantics() -> TestResult {
    let mut c = Checker::new("mrlock_semantics");
    for scheme in [Scheme::Queue, Scheme::Bitset, Scheme::Adaptive] {
        let l = KBox::pin_init(new_multi_lock!(scheme, 4, "selftest_mr"), GFP_KERNEL)?;
        c.check(l.lock(0).is_err(), "empty request refused")?;
        for i in 0..20u32 {
            // More requests than ring cells: cells are recycled.
            let bits = (1u64 << (i % 64)) | (1 << 63);
            let g = l.lock(bits)?;
            c.check(g.resources() == bits, "guard holds the requested bits")?;
        }
        let bad = KBox::pin_init(new_multi_lock!(scheme, 3, "selftest_mr_bad"), GFP_KERNEL);
        c.check(bad.is_err(), "ring size not a power of two refused")?;
    }
    let raw = RawMrLock::new(8)?;
    let a = raw.lock(0b0011);
    let b = raw.lock(0b1100);
    c.check(
        b == a + 1,
        "disjoint request granted while the first is held",
    )?;
    raw.unlock(a);
    raw.unlock(b);
    let d = raw.lock(0b0110);
    c.check(d == b + 1, "queue positions advance")?;
    raw.unlock(d);
    Ok(c.checks)
}

/// The h-out-of-k stress must catch a lock that ignores resources.
fn test_mrstress_detects_overlap() -> TestResult {
    let mut c = Checker::new("mrstress_detects_overlap");
    // SAFETY: No preconditions.
    if unsafe { bindings::num_online_cpus() } < 2 {
        return Err(errno(bindings::EOPNOTSUPP));
    }
    let errors = crate::harness::mrstress::run_without_exclusion()?;
    c.check(errors > 0, "overlapping holders detected")?;
    Ok(c.checks)
}

/// Read, write, try and downgrade semantics of prwlock, from one task.
fn test_prwlock_semantics() -> TestResult {
    let mut c = Checker::new("prwlock_semantics");
    let l = KBox::pin_init(new_prwlock!(0u64, "selftest_prwlock"), GFP_KERNEL)?;
    *l.write() = 5;
    {
        let r = l.read();
        c.check(*r == 5, "reader sees the writer's value")?;
        c.check(
            l.try_write().is_none(),
            "try_write fails while a reader holds",
        )?;
        // Passive, or already converted if the test was preempted.
        let (held, passive) = task_holds();
        c.check(held == 1 && passive <= 1, "one read hold recorded")?;
    }
    let r = passive_read(&l);
    c.check(r.is_some(), "a read hold observed in passive mode")?;
    drop(r);
    c.check(task_holds() == (0, 0), "hold gone after unlock")?;
    {
        let w = l.try_write();
        c.check(w.is_some(), "try_write succeeds on a free lock")?;
        c.check(
            l.try_read().is_none(),
            "try_read fails while a writer holds",
        )?;
        if let Some(mut w) = w {
            *w = 6;
            let r = w.downgrade();
            c.check(*r == 6, "downgraded reader sees its own write")?;
            c.check(task_holds() == (1, 0), "downgraded hold is active")?;
            c.check(l.try_write().is_none(), "try_write fails after downgrade")?;
        }
    }
    c.check(task_holds() == (0, 0), "downgraded hold gone after unlock")?;
    let r = l.try_read();
    c.check(r.is_some(), "try_read succeeds after the writer left")?;
    drop(r);
    // More read locks than the task can record: the extra one is active.
    // Each lock gets its own lockdep class (one per macro call site):
    // nested read locks of one class would be reported as recursion.
    macro_rules! locks {
        ($($n:literal),*) => {
            [$(KBox::pin_init(new_prwlock!(0u64, $n), GFP_KERNEL)?),*]
        };
    }
    let locks = locks!("sp0", "sp1", "sp2", "sp3", "sp4", "sp5", "sp6", "sp7", "sp8");
    const _: () = assert!(PRW_MAX_HELD + 1 == 9);
    {
        let mut guards = KVec::new();
        for l in locks.iter() {
            guards.push(l.read(), GFP_KERNEL)?;
        }
        let (held, passive) = task_holds();
        c.check(
            held == PRW_MAX_HELD as u32 && passive <= held,
            "holds beyond the task's table are untracked",
        )?;
    }
    c.check(task_holds() == (0, 0), "every hold released")?;
    let extra = locks.iter().map(|l| l.active_unlocks()).sum::<u64>();
    c.check(extra >= 1, "the untracked hold took the active path")?;
    Ok(c.checks)
}

/// Takes a read hold and returns it once observed in passive mode with
/// preemption off (a tick may preempt the task, and convert the hold,
/// before it looks: then it tries again).
pub(super) fn passive_read<T>(l: &Prwlock<T>) -> Option<PrwReadGuard<'_, T>> {
    for _ in 0..1000 {
        let g = l.read();
        // SAFETY: Re-enabled right below.
        unsafe { bindings::preempt_disable() };
        let holds = task_holds();
        // SAFETY: Pairs with the call above.
        unsafe { bindings::preempt_enable() };
        if holds == (1, 1) {
            return Some(g);
        }
    }
    None
}

/// The patched scheduler converts a passive hold to active when the
/// holder is switched out.
fn test_prwlock_conversion() -> TestResult {
    let mut c = Checker::new("prwlock_sched_conversion");
    let l = KBox::pin_init(new_prwlock!(0u64, "selftest_prwlock_conv"), GFP_KERNEL)?;
    let before = l.active_unlocks();
    {
        let r = passive_read(&l);
        c.check(r.is_some(), "hold is passive before sleeping")?;
        // Sleep until the task has really been switched out: under TCG the
        // timer may fire before `schedule()`, which then does not switch.
        let switches = || {
            // SAFETY: `current` is valid; only its own counters are read.
            unsafe {
                let t = bindings::get_current();
                (*t).nvcsw + (*t).nivcsw
            }
        };
        let before_switch = switches();
        for _ in 0..100 {
            // SAFETY: Process context; sleeping in the read side is allowed.
            unsafe { bindings::msleep(2) };
            if switches() != before_switch {
                break;
            }
        }
        c.check(switches() != before_switch, "the task was switched out")?;
        c.check(
            task_holds() == (1, 0),
            "hold is active after a context switch",
        )?;
    }
    c.check(l.active_unlocks() > before, "unlock took the active path")?;
    c.check(task_holds() == (0, 0), "no hold left")?;
    // A writer now finds no reader anywhere.
    let w = l.try_write();
    c.check(
        w.is_some(),
        "writer gets in after the converted reader left",
    )?;
    Ok(c.checks)
}

/// A writer on a lock no CPU has touched must IPI every other online CPU
/// to reach consensus, unless the CPU is idle (counted as reported).
/// Counted with the lock's own counters: writers of other prwlocks (the
/// mmap_lock of an opted-in process, a stress run) may run meanwhile.
fn test_prwlock_ipi() -> TestResult {
    let mut c = Checker::new("prwlock_ipi_consensus");
    // SAFETY: Keeps the online set stable during the test.
    unsafe { bindings::cpus_read_lock() };
    // SAFETY: No preconditions.
    let others = u64::from(unsafe { bindings::num_online_cpus() }) - 1;
    // SAFETY: Pairs with the lock above (released before the writer runs;
    // a CPU going offline or online meanwhile would upset the count, and
    // the guest runs start no hotplug during the self-tests).
    unsafe { bindings::cpus_read_unlock() };
    let l = KBox::pin_init(new_prwlock!(0u64, "selftest_prwlock_ipi"), GFP_KERNEL)?;
    let before = l.writer_stats();
    drop(l.write());
    let w = l.writer_stats();
    c.check(
        w.rounds - before.rounds == 1,
        "one consensus round, counted for this lock",
    )?;
    c.check(
        (w.ipis - before.ipis) + (w.idle_skips - before.idle_skips) == others,
        "each other online CPU asked by IPI or found idle",
    )?;
    c.check(
        w.domain_skips == before.domain_skips && w.drain_ipis == before.drain_ipis,
        "no domain skip and no drain IPI on a lock without domain or reader",
    )?;
    Ok(c.checks)
}

extern "C" {
    /// `prw_irq.c`: a read trylock of `l` from a hard interrupt (0: refused).
    fn alock_prw_irq_trylock(l: *mut PrwCore) -> c_int;
}

/// A read trylock in a hard interrupt is refused (it would record the hold
/// in the interrupted task's table), and leaves the lock as it was.
fn test_prwlock_irq_trylock() -> TestResult {
    let mut c = Checker::new("prwlock_irq_trylock");
    let l = KBox::pin_init(new_prwlock!(0u64, "selftest_prw_irq"), GFP_KERNEL)?;
    // SAFETY: `l` is initialised, not held by this task, and outlives the
    // call, which waits for its irq_work.
    let r = unsafe { alock_prw_irq_trylock(l.as_raw()) };
    c.check(
        r != -(bindings::EINVAL as c_int),
        "the irq_work ran in hard-irq context",
    )?;
    c.check(r == 0, "read trylock refused in hard-irq context")?;
    c.check(
        task_holds() == (0, 0),
        "no hold recorded for the interrupted task",
    )?;
    let g = l.try_read();
    c.check(g.is_some(), "read trylock works in task context")?;
    drop(g);
    c.check(
        l.try_write().is_some(),
        "no read hold left behind: the write side is free",
    )?;
    Ok(c.checks)
}
