// SPDX-License-Identifier: GPL-2.0

//! prwlock's writer between its announcement and the active readers: the
//! version consensus (`W4`), its idle and domain skips, and the bounded
//! drain of the passive readers (`W5`), with the counters they keep.  The
//! rest of the writer (`W1`..`W3` are [`announce`], `W6` and the release)
//! and the list of its accesses are in [`super::raw`]; the reader's half of
//! the argument is at the top of `fast.c`.  The sweeps over the CPUs that
//! this file decides on (`alock_prw_sweep()`, `alock_prw_poll()`,
//! `alock_prw_passive_sweep()`) are C in `fast.c`: each of their steps is
//! a static inline that Rust would reach by a call per CPU, and those calls
//! were most of an uncontended write acquisition (under TCG, 2.2 -> 1.6 us
//! for the consensus, 0.9 -> 0.4 us for the release's sweep of the
//! queues, per write of the `mmap` benchmark).
//!
//! # Memory ordering: the consensus
//!
//! The reader's fast path (`R1` passive += 1, a plain store, then `R2`
//! load-acquire of `wpending`) and the writer (`W1` store, `W5` load) form
//! the store-buffering pattern, which the LKMM (and x86-TSO too: a store
//! may pass a later load) only forbids with a full barrier on both sides.
//! The reader has none; the version consensus replaces it:
//!
//! * **A reader that got in before its CPU reported is seen by `W5`.**  A
//!   CPU reports by `R4`, `smp_store_release(&seen, READ_ONCE(version))`,
//!   from a reader's unlock or back-off, or from the IPI handler
//!   `alock_prw_ipi_report()`, which runs on that CPU after everything the
//!   interrupted code did.  The release orders every earlier access of that
//!   CPU, `R1` included, before `seen`; `W4` reads `seen >= v` with acquire,
//!   so `R1` is visible to the po-later `W5` (release -> acquire,
//!   message passing).  The writer then spins in `W5` until the count
//!   drains: the decrement is `R5`, a store-release in the unlock (the read
//!   side's accesses happen before the writer's), in the back-off, or in
//!   the scheduler's conversion `C2` (after `C1`, the `active` increment,
//!   so `W6` sees it).
//! * **A reader that gets in after its CPU reported sees `W1`.**  The
//!   report's load of `version` (a load-acquire, `R4` in `fast.c`)
//!   returned `v`, so it read from `W2`, a store-release po-after `W1`:
//!   release -> acquire, and the CPU's po-later `R2` reads `W1` (or a later
//!   value).  Through an IPI the order also comes from the IPI itself:
//!   `smp_call_function_many()` queues the request with a fully ordered
//!   `llist_add()` after `W3`, and the target dequeues it with a fully
//!   ordered `llist_del_all()` before the handler runs.  (Before the
//!   load-acquire, a `READ_ONCE()` there left the two loads unordered in the
//!   LKMM and correct only on x86-TSO; `Documentation/litmus/` and the loom
//!   models in `tools/prwlock-model/` show the difference.)
//! * The writer's own CPU has no passive reader (a reader switched out for
//!   the writer was converted), so the writer reports for it with a plain
//!   store-release; a reader that runs there later runs after a context
//!   switch, whose full barriers (`smp_mb__after_spinlock()` in
//!   `__schedule()`) order it after `W3`.  The same holds for the CPU the
//!   writer sits on when it sends the IPIs (`smp_call_function_many()`
//!   skips it).
//! * **Idle CPUs.**  A CPU in an RCU extended quiescent state (idle, or
//!   user mode under nohz_full) holds no passive read lock: the idle task
//!   takes none, and the task that ran before was switched out, so its
//!   holds were converted (`C1`, `C2`); a task in user mode holds no kernel
//!   lock.  `W4` counts such a CPU as reported without asking it: after
//!   `W3` (`smp_mb()`) it reads the CPU's context-tracking state with
//!   acquire (`ct_rcu_watching_cpu_acquire()`, as expedited RCU does).
//!   The CPU entered that state with a fully ordered atomic RMW
//!   (`ct_kernel_exit()`), after all its earlier accesses, so the acquire
//!   makes them (the decrements of its passive counts) visible to `W5`.
//!   It leaves the state with another fully ordered RMW
//!   (`ct_kernel_enter()`) before it runs any reader; since `W4` read the
//!   state before that RMW, `W1` (before `W3`) is visible to every reader
//!   that runs there afterwards: the store-buffering pattern with a full
//!   barrier on both sides, the argument of expedited RCU.  Such CPUs are
//!   counted in [`IDLE_SKIPS`] instead of [`IPIS`].  The sweep looks at
//!   every CPU once, then polls the pending ones together (rechecking the
//!   idle state too) before it sends one IPI to the stragglers.
//! * **Spin or IPI.**  How long the writer polls before it sends the IPI
//!   is the ski-rental rule: as long as an IPI costs, measured
//!   ([`IPI_NS`], a running average of the report IPIs' round trips,
//!   bounded by [`REPORT_SPIN_MIN_NS`] and [`REPORT_SPIN_MAX_NS`]).  A CPU
//!   that would report soon (its reader unlocks, or its task enters the
//!   write side: a writer waiting for the writer mutex reports for its CPU
//!   first, `prwlock_write_lock_nested()` in `fast.c`) costs at most that
//!   wait; one that would not costs at most twice the IPI.  A microsecond
//!   or two on hardware; hundreds under emulation, where a halted vCPU is
//!   slow to take an interrupt.  Reports need no other condition than
//!   preemption off: a report states only that the CPU's later loads of
//!   `wpending` follow `W1`, which holds wherever it runs (the report IPI
//!   runs it at arbitrary points of readers).
//! * **Lock domain** ([`prwlock_set_domain`](super::raw::prwlock_set_domain)).
//!   `W4` does not look at an online CPU whose bit in the domain mask is
//!   clear, and counts it in [`DOMAIN_SKIPS`].  The owner of the mask
//!   promises that a passive reader runs only on a CPU whose bit is set,
//!   that the bit is set with a fully ordered atomic before such a reader
//!   runs there, and that it is cleared with one.  The mmap_lock provider
//!   (`rust/hooks/prwlock_mm.c`) uses `mm_cpumask(mm)` on x86 only, where
//!   `switch_mm_irqs_off()` sets and clears the bits with locked
//!   instructions (full barriers; the LKMM's `set_bit()` is unordered, so
//!   this is an x86 argument, and other architectures get no domain), and
//!   sends readers whose `current->mm` is not the lock's mm down the active
//!   path.  `W4` reads the bit after `W3` with acquire.  (a) If it read the
//!   bit clear and a reader then runs there, the bit was set after the read
//!   by a full barrier, before the reader's `R1`/`R2`: the store-buffering
//!   pattern with full barriers on both sides, so `R2` reads `W1` and the
//!   reader backs off.  (b) A reader whose `R1` came before its CPU's bit
//!   was cleared (it was switched out, and converted by `C1`/`C2` before
//!   `switch_mm`, or its task switched to a temporary mm such as
//!   `text_poke()`'s without being switched out) made `R1`, and `C1`/`C2`,
//!   visible before the clear; `W4` read the cleared bit with acquire, so
//!   `W5`, which reads the passive count of *every* online CPU, not only
//!   those of the domain, sees the count (and `W6` the converted active
//!   hold).  So a clear bit read by the writer is never a passive reader it
//!   does not wait for.
//! * **Bounded drain** ([`drain`], `W5`).  Once every CPU reported, the
//!   writer waits for the passive counts to reach zero, spinning at most
//!   [`DRAIN_SPIN_NS`].  Then it sends the CPUs that still count a reader
//!   an IPI (`alock_prw_ipi_convert()` in `fast.c`, counted in
//!   [`DRAIN_IPIS`]) whose handler converts the holds of this lock of the
//!   task it interrupted, as the scheduler does (`C1` fully ordered
//!   increment of `active`, then `C2` store-release of the passive count),
//!   if that task could have been preempted where it was interrupted (then
//!   its hold table is consistent: the task changes it with preemption off
//!   only).  A reader inside a section with preemption off is left alone;
//!   the writer sleeps a tick and asks again.  The IPI is queued and taken
//!   with fully ordered `llist` operations and the writer waits for the
//!   handlers (`wait = true`); its re-read of the passive count is an
//!   acquire that reads `C2` or later, so `C1` is visible to `W6`, which
//!   then sleeps until the converted reader's active unlock (a SeqCst
//!   decrement after its critical section).  The writer never waits for a
//!   passive reader without bound while it keeps the CPU.
//! * **CPU hotplug.**  The write side never takes `cpus_read_lock()`: a
//!   reader may hold it around its read side and sleep in the slow path
//!   behind a writer, and a pending hotplug write (`percpu_down_write()`)
//!   waits for that reader, so a writer that then waited for
//!   `cpus_read_lock()` (to acquire, or to wake the readers at release)
//!   would close a circle of waits.  Instead, preemption is off from the
//!   consensus sweep to the end of its IPIs (and around the release's
//!   wake-ups): a CPU goes down in `stop_machine()`, which must run on
//!   this CPU too, so every CPU the sweep read as online stays online until
//!   the IPIs are done.  An offline CPU has no passive reader (its tasks
//!   were switched out, hence converted).  A CPU that comes online after
//!   the sweep read the online mask is the store-buffering pattern with
//!   full barriers on both sides (`W3` before the writer's read of the
//!   mask; on that CPU, setting its online bit, then the scheduler's full
//!   barrier before a reader runs there): its readers see `W1`.  `W5` reads
//!   the mask again and waits for what it finds; a CPU that goes offline
//!   meanwhile has its readers converted, so its count drains.  The rule
//!   for users: a reader may hold `cpus_read_lock()` around its read side
//!   (the hotplug stress test does); the write side takes no hotplug lock
//!   of its own.
//!

use core::{
    ffi::{c_uint, c_void},
    sync::atomic::{fence, AtomicI64, Ordering},
};
use kernel::bindings;

use super::state::{PrwCore, PrwWstat};
use crate::support::cpu::{cpu_relax, CpuMask};
use crate::support::stats::{self, Ctr, Kind};
use crate::support::trace::{self, LazyWait};
use crate::support::util::now_ns;

// The C side of the consensus, in `fast.c` (prototypes in `glue.h`).
extern "C" {
    // IPI handlers: they use `this_cpu_ptr()`, `current` and the fast
    // path's own `prw_report()` (one definition of what a report is).
    fn alock_prw_ipi_report(info: *mut c_void);
    fn alock_prw_ipi_convert(info: *mut c_void);
    // The sweeps over the CPUs: a static inline at every step (see there).
    fn alock_prw_sweep(
        l: *mut PrwCore,
        v: u64,
        me: c_uint,
        pending: *mut bindings::cpumask,
        idle: *mut c_uint,
        outside: *mut c_uint,
    ) -> c_uint;
    fn alock_prw_poll(
        l: *mut PrwCore,
        v: u64,
        pending: *mut bindings::cpumask,
        idle: *mut c_uint,
    ) -> c_uint;
    fn alock_prw_passive_sweep(
        l: *mut PrwCore,
        me: c_uint,
        busy: *mut bindings::cpumask,
        remote: *mut c_uint,
    ) -> c_uint;
}

/// The shortest the writer polls for reports before it sends IPIs.
pub const REPORT_SPIN_MIN_NS: i64 = 1_000;

/// The longest the writer polls for reports before it sends IPIs (with
/// preemption off).
pub const REPORT_SPIN_MAX_NS: i64 = 200_000;

/// The running average (1/8 weight for each new sample) of the round trip
/// of the report IPIs, in ns: how long writers poll before sending them
/// ("Spin or IPI" at the top).  Starts at 10 us.
pub static IPI_NS: AtomicI64 = AtomicI64::new(10_000);

/// A writer-side counter of all prwlocks: one of the `prwlock_write`
/// statistics (`support::stats`, per CPU, summed when read; also shown in
/// `/sys/kernel/debug/alock/locks`).  Each lock counts its own too
/// ([`PrwCore::writer_stats`]): tests that must not see other locks'
/// writers read those.
pub struct WriterCounter(Ctr);

impl WriterCounter {
    /// The sum over the CPUs now (the order is not used: the counts are
    /// per CPU and only grow).
    pub fn load(&self, _order: Ordering) -> u64 {
        stats::sum(Kind::PrwWrite, self.0)
    }

    fn add(&self, n: u64) {
        stats::add(Kind::PrwWrite, self.0, n);
    }
}

/// IPIs sent by writers (all locks), for tests and benchmarks.
pub static IPIS: WriterCounter = WriterCounter(Ctr::Ipis);

/// CPUs a writer's consensus counted as reported because they were in an
/// RCU extended quiescent state (idle) instead of asking them (all locks).
pub static IDLE_SKIPS: WriterCounter = WriterCounter(Ctr::IdleSkips);

/// Online CPUs a writer's consensus did not look at because they were
/// outside the lock's domain (`prwlock_set_domain()`; all locks).
pub static DOMAIN_SKIPS: WriterCounter = WriterCounter(Ctr::DomainSkips);

/// Consensus rounds run by writers and write trylocks (all locks).
pub static ROUNDS: WriterCounter = WriterCounter(Ctr::Rounds);

/// IPIs sent by writers to convert the passive readers that stayed in past
/// the bounded drain spin (all locks); not counted in [`IPIS`].
pub static DRAIN_IPIS: WriterCounter = WriterCounter(Ctr::DrainIpis);

/// Runs `handler(l)` on the CPUs of `mask` and waits until all returned.
///
/// # Safety
///
/// Preemption is off (the CPUs of `mask`, found online with it off, stay
/// online), and `handler` only touches `l` and its CPU's state; `l` stays
/// alive because this waits for the handlers.
unsafe fn ipi_and_wait(l: &PrwCore, mask: &CpuMask, handler: unsafe extern "C" fn(*mut c_void)) {
    // SAFETY: Guaranteed by the caller; wait = true.
    unsafe { bindings::smp_call_function_many(mask.as_ptr(), Some(handler), l.raw().cast(), true) };
}

/// Reaches version consensus for version `v` and waits for the passive
/// readers found; with `wait_passive == false` returns whether there were
/// none instead of waiting.
///
/// `wait` begins (a contended write acquisition) if passive readers have to
/// be waited for.
// Inlined: the wait it may begin is ended by the caller (`support::trace`).
#[inline(always)]
pub(super) fn consensus(l: &PrwCore, v: u64, wait_passive: bool, wait: &mut LazyWait) -> bool {
    ROUNDS.add(1);
    PrwWstat::bump(&l.wstat.rounds, 1);
    // Timed only for `alock:prwlock_consensus`, when it is on.
    let traced = trace::prw_consensus_enabled().then(now_ns);
    // No `cpus_read_lock()` here or anywhere on the write side: see "CPU
    // hotplug" at the top.  Preemption stays off from the sweep to the end
    // of the IPIs instead, which keeps every CPU the sweep saw online until
    // the IPIs are done (taking a CPU down needs `stop_machine()` to run on
    // this CPU too).
    // SAFETY: Re-enabled below; nothing in between sleeps (bounded spins,
    // `smp_call_function_many()`, which wants preemption off).
    unsafe { bindings::preempt_disable() };
    // SAFETY: No preconditions.
    let me = unsafe { bindings::raw_smp_processor_id() };
    // This CPU runs the writer, so none of its readers is passive (a
    // switched-out reader was converted): report for it directly.
    l.pc(me).seen.store(v, Ordering::Release);
    // One sweep (`alock_prw_sweep()` in `fast.c`): a CPU is outside the
    // lock's domain, or has reported, or is in an RCU extended quiescent
    // state (idle; see "Idle CPUs" at the top), or it is pending.
    let mut mask = CpuMask::new();
    let mut idle: c_uint = 0;
    let mut outside: c_uint = 0;
    let (pending, lr) = (mask.as_mut_ptr(), l.raw());
    // SAFETY: `l` is live, preemption is off, `mask` is empty and the
    // counters are valid for writes.
    let mut stragglers = unsafe { alock_prw_sweep(lr, v, me, pending, &mut idle, &mut outside) };
    let polled = stragglers;
    // Then poll the pending ones together for as long as an IPI costs
    // before asking them ("Spin or IPI" at the top).
    if stragglers > 0 {
        let start = now_ns();
        let bound = IPI_NS
            .load(Ordering::Relaxed)
            .clamp(REPORT_SPIN_MIN_NS, REPORT_SPIN_MAX_NS);
        while stragglers > 0 && now_ns() - start < bound {
            cpu_relax();
            // SAFETY: As above; `mask` holds the pending CPUs.
            stragglers = unsafe { alock_prw_poll(l.raw(), v, mask.as_mut_ptr(), &mut idle) };
        }
    }
    if idle > 0 {
        IDLE_SKIPS.add(u64::from(idle));
        PrwWstat::bump(&l.wstat.idle_skips, u64::from(idle));
    }
    if outside > 0 {
        DOMAIN_SKIPS.add(u64::from(outside));
        PrwWstat::bump(&l.wstat.domain_skips, u64::from(outside));
    }
    let ipis = stragglers;
    if stragglers > 0 {
        IPIS.add(u64::from(stragglers));
        PrwWstat::bump(&l.wstat.ipis, u64::from(stragglers));
        let sent = now_ns();
        // SAFETY: Preemption is off; the handler only reports the version
        // of `l`.
        unsafe { ipi_and_wait(l, &mask, alock_prw_ipi_report) };
        // Racy read-modify-write of a hint: a lost update costs nothing.
        let took = now_ns() - sent;
        let avg = IPI_NS.load(Ordering::Relaxed);
        IPI_NS.store(avg + (took - avg) / 8, Ordering::Relaxed);
    }
    // SAFETY: Pairs with `preempt_disable()` above.
    unsafe { bindings::preempt_enable() };
    if let Some(t0) = traced {
        let ns = (now_ns() - t0).max(0) as u64;
        trace::prw_consensus_event(l.raw(), v, polled, idle + outside, ipis, ns);
    }
    // Every CPU in the domain reported `v` or was idle: its passive counts
    // are visible and its new readers see `wpending`.  Wait for the passive
    // readers to leave, on every online CPU (see "Lock domain" at the top
    // for why the CPUs outside the domain are read too).
    drain(l, wait_passive, wait)
}

/// How long the writer spins for passive readers to leave before it asks
/// them to convert (`W5`, "Bounded drain" at the top).
const DRAIN_SPIN_NS: i64 = 50_000;

/// `W5`: waits until no CPU counts a passive reader of `l`; with
/// `wait_passive == false` returns whether there were none instead.
///
/// Spins for [`DRAIN_SPIN_NS`], then sends the CPUs that still count one
/// an IPI that converts the holds of the task it interrupts to active mode
/// (`alock_prw_ipi_convert()` in `fast.c`), and sleeps a tick between
/// further rounds while some reader could not be converted (it was inside
/// a section with preemption off).  The active holds are waited for in
/// `W6`.
// Inlined: the wait it may begin is ended by the caller (`support::trace`).
#[inline(always)]
pub(super) fn drain(l: &PrwCore, wait_passive: bool, wait: &mut LazyWait) -> bool {
    // Read the clock only once a reader has to be waited for.
    let mut start = None;
    let mut none = true;
    loop {
        let mut mask = CpuMask::new();
        let mut remote: c_uint = 0;
        let mut spinning = true;
        // SAFETY: Re-enabled below; nothing in between sleeps.
        unsafe { bindings::preempt_disable() };
        // SAFETY: No preconditions.
        let me = unsafe { bindings::raw_smp_processor_id() };
        // This CPU runs the writer, so its passive readers (if a back-off
        // is in flight) are not running: their count falls without help,
        // and the sweep leaves it out of `mask`.
        // SAFETY: `l` is live, preemption is off, `mask` is empty.
        let busy = unsafe { alock_prw_passive_sweep(l.raw(), me, mask.as_mut_ptr(), &mut remote) };
        none &= busy == 0;
        if busy == 0 || !wait_passive {
            // SAFETY: Pairs with the call above.
            unsafe { bindings::preempt_enable() };
            return none;
        }
        wait.waiting();
        let begun = *start.get_or_insert_with(now_ns);
        if remote > 0 && now_ns() - begun >= DRAIN_SPIN_NS {
            spinning = false;
            DRAIN_IPIS.add(u64::from(remote));
            PrwWstat::bump(&l.wstat.drain_ipis, u64::from(remote));
            // SAFETY: Preemption is off; the handler converts holds of `l`.
            unsafe { ipi_and_wait(l, &mask, alock_prw_ipi_convert) };
        }
        // SAFETY: Pairs with the call above.
        unsafe { bindings::preempt_enable() };
        if spinning {
            cpu_relax();
        } else if passive_anywhere(l) {
            // A reader the IPI could not convert: wait a tick, ask again.
            // SAFETY: Process context, no spinlock held (the writer mutex
            // is a mutex).
            unsafe { bindings::schedule_timeout_uninterruptible(1) };
        }
    }
}

/// Sets the writer word and bumps the version; returns the new version.
/// The caller holds the writer mutex.
pub(super) fn announce(l: &PrwCore) -> u64 {
    // A `DEFINE_PRWLOCK()` lock's first writer initialises the per-CPU
    // wait queues first (a no-op for every other writer).
    l.init_lazy_queues();
    l.wpending.store(1, Ordering::Relaxed);
    let v = l.version.load(Ordering::Relaxed) + 1;
    // Release: a CPU that reads `v` also sees `wpending`.
    l.version.store(v, Ordering::Release);
    fence(Ordering::SeqCst);
    v
}

/// Whether any online CPU counts a passive reader of `l` (after a round of
/// conversion IPIs).
fn passive_anywhere(l: &PrwCore) -> bool {
    let mut mask = CpuMask::new();
    let mut remote: c_uint = 0;
    // SAFETY: Re-enabled below; nothing in between sleeps.
    unsafe { bindings::preempt_disable() };
    // SAFETY: `l` is live, preemption is off, `mask` is empty.
    let busy = unsafe {
        alock_prw_passive_sweep(
            l.raw(),
            bindings::raw_smp_processor_id(),
            mask.as_mut_ptr(),
            &mut remote,
        )
    };
    // SAFETY: Pairs with the call above.
    unsafe { bindings::preempt_enable() };
    busy > 0
}
