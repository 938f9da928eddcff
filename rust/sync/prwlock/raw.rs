// SPDX-License-Identifier: GPL-2.0

//! prwlock's core: set-up and teardown, the writer (announce, version
//! consensus, IPIs, release and parallel wake-up), and the `#[no_mangle]`
//! functions that implement the C API's write side
//! (`include/linux/prwlock.h`, exported by `exports.c`).  The safe Rust API
//! is in [`super`] (`mod.rs`), the readers' slow paths that `fast.c` calls
//! in [`super::reader`], the reader fast paths in `fast.c`.
//!
//! # Memory ordering: the writer's half
//!
//! In the terms of the Linux-kernel memory model (LKMM,
//! `tools/memory-model/`).  Rust atomics map as: `Ordering::Release` store
//! = `smp_store_release()`, `Ordering::Acquire` load = `smp_load_acquire()`,
//! `Ordering::Relaxed` = `WRITE_ONCE()`/`READ_ONCE()`, a `SeqCst`
//! read-modify-write = a fully ordered value-returning atomic
//! (`atomic_inc_return()`), `fence(SeqCst)` = `smp_mb()`.  The reader's
//! half (the fast paths, the scheduler's conversion) is at the top of
//! `fast.c`; the accesses named `R1`.. are defined there.
//!
//! The writer's accesses, in program order ([`announce`], [`consensus`],
//! [`write_acquire_locked_state`]):
//!
//! ```text
//! W1  wpending = 1                       relaxed store
//! W2  version = v                        store-release (orders W1 before it)
//! W3  smp_mb()                           fence(SeqCst)
//! W4  for each online CPU: seen >= v ?   load-acquire; else IPI (below)
//! W5  for each online CPU: passive == 0  load-acquire, spin
//! W6  active == 0                        SeqCst load, sleeping on wwait
//! ```
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
//!   every CPU once, then polls the pending ones together (up to
//!   `REPORT_SPINS` rounds, rechecking the idle state too) before it sends
//!   one IPI to the stragglers.
//! * CPU hotplug.  The write side never takes `cpus_read_lock()`: a
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
//! Active readers need no consensus: the slow path (`read_slow`) does
//! `active += 1` as a SeqCst RMW (fully ordered), then loads `wpending`
//! (SeqCst); the writer stores `W1`, `W3` `smp_mb()`, then loads `active`
//! in `W6`.  With a full barrier on both sides of this store-buffering
//! pair, at least one sees the other: the reader backs off, or the writer
//! waits for it.  An active hold ends with a SeqCst `active -= 1` (its
//! critical section before it), then a wake-up of `wwait` when it was the
//! last; the writer's sleep in [`wait_until_state`] rechecks `active` after
//! `prepare_to_wait_event()` (whose `set_current_state()` is `smp_mb()`),
//! and `__wake_up()` takes the queue's lock, so the wake-up is not lost.
//!
//! Release ([`write_release_locked`]): `wpending = 0` is a store-release,
//! paired with the readers' `R2` load-acquire, so a reader that sees it
//! clear sees the writer's critical section.  The `fence(SeqCst)` after it
//! is the `smp_mb()` of the `waitqueue_active()` pattern: it pairs with the
//! sleeping reader's `set_current_state()` in `prepare_to_wait_event()`,
//! so either the writer sees the sleeper on the queue, or the sleeper sees
//! `wpending == 0` and does not sleep.  `rwait` (readers that slept through
//! a writer) is counted with atomic RMWs (SeqCst up, AcqRel down) and read
//! with acquire by the next writer before `W1`.  [`prwlock_downgrade_write`] adds its active hold
//! (SeqCst RMW) before the release, so the next writer, which takes the
//! mutex after it, sees it in `W6`.
//!
//! Teardown: a wake-up IPI's last access to the lock is its
//! `atomic_dec(&wake_pending)` in `alock_prw_ipi_wake()`, after
//! `smp_mb__before_atomic()`, so the handler's `wake_up_all()` (its unlock
//! of the queue's lock) is ordered before the decrement; [`destroy`] waits
//! for 0 with a load-acquire before it frees (release -> acquire through
//! the barrier: the LKMM's fence-release pattern).  A bare `atomic_dec()`
//! is unordered in the LKMM and was correct only on x86, whose locked
//! decrement is a full barrier.

//! # Crossings between Rust and C
//!
//! A write acquisition runs: [`Prwlock::write`](super::Prwlock::write)
//! (Rust) -> `prwlock_write_lock()` -> `prwlock_write_lock_nested()` (C,
//! `fast.c`: `might_sleep()`, lockdep, the mutex) ->
//! [`alock_prw_write_acquire_locked`] (Rust: consensus and waits) ->
//! `alock_prw_ipi_report()` on other CPUs (C).  Each remaining crossing is
//! explained where it happens: in `fast.c` at `prwlock_write_lock_nested()`
//! and at each call into this file, and here at each `extern "C"` function
//! this file calls.

use crate::support::cpu::cpu_relax;
use core::{
    ffi::{c_int, c_uint, c_ulong, c_void},
    mem::{align_of, offset_of, size_of},
    sync::atomic::{fence, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering},
};
use kernel::{bindings, prelude::*, types::Opaque};

use crate::support::cpu::{online_cpus, possible_cpus, CpuMask};
use crate::sync::lock::class_key_ptr;

/// `PRWLOCK_WAKE_SEQUENTIAL`: the writer wakes every CPU's queue itself.
pub const WAKE_SEQUENTIAL: u32 = 1 << 0;

/// Polls of a CPU's report before the writer sends it an IPI.
const REPORT_SPINS: u32 = 256;

/// `struct prwlock_pcpu`.
#[repr(C, align(64))]
pub struct PrwPcpu {
    passive: AtomicU32,
    _pad: u32,
    seen: AtomicU64,
    pub(super) wq: Opaque<bindings::wait_queue_head>,
}

/// `struct prwlock`: the lock itself, shared with the C fast paths.
#[repr(C)]
pub struct PrwCore {
    pcpu: *mut PrwPcpu,
    pub(super) wpending: AtomicUsize,
    version: AtomicU64,
    pub(super) active: AtomicI32,
    pub(super) rwait: AtomicI32,
    flags: AtomicU32,
    wake_pending: AtomicI32,
    pub(super) stat_active_unlocks: AtomicU64,
    wmutex: Opaque<bindings::mutex>,
    pub(super) wwait: Opaque<bindings::wait_queue_head>,
    dep_map: Opaque<bindings::lockdep_map>,
}

// The Rust side of the C functions of `fast.c` (their C prototypes are in
// `include/linux/prwlock.h` for the public ones, `glue.h` for the others).
// The structures are `#[repr(C)]` and checked against C at init; the lint
// objects to bindgen's empty structs deep inside `struct mutex`.
#[allow(improper_ctypes)]
extern "C" {
    // The public read side, for [`super::Prwlock`]: C because its fast path
    // inlines `preempt_disable()`, `this_cpu_ptr()` and `current`, and its
    // lockdep annotations compile away without lockdep.
    pub(super) fn prwlock_read_lock(l: *mut PrwCore);
    pub(super) fn prwlock_read_trylock(l: *mut PrwCore) -> bool;
    pub(super) fn prwlock_read_unlock(l: *mut PrwCore);
    // The public write side's entry: C for `might_sleep()`, the lockdep
    // annotation with a subclass and the caller's `_RET_IP_` (the Rust
    // helper `lockdep_acquire()` has no subclass, and Rust no return
    // address), and `mutex_lock()` (a macro with lockdep); see `fast.c`.
    fn prwlock_write_lock(l: *mut PrwCore);
    // The task's hold table (`current->prw`, patch 0002), which the fast
    // path and the scheduler share: only C reaches `current` cheaply, and
    // keeping every access to the table in C keeps its rules in one file.
    pub(super) fn alock_prw_record_active(l: *mut PrwCore);
    fn alock_prw_task_held(passive: *mut u32) -> u32;
    // IPI handlers: they use `this_cpu_ptr()` and the fast path's own
    // `prw_report()` (one definition of what a report is).
    fn alock_prw_ipi_report(info: *mut c_void);
    fn alock_prw_ipi_wake(info: *mut c_void);
    // `for_each_possible_cpu()` and `init_waitqueue_head()`'s per-site
    // lockdep class, both macros.
    fn alock_prw_init_pcpu(l: *mut PrwCore);
    // `waitqueue_active()`, a static inline with no Rust helper.
    fn alock_waitqueue_active(wq: *mut bindings::wait_queue_head) -> bool;
    fn alock_prw_cpu_in_eqs(cpu: c_uint) -> bool;
    // `sizeof`/`offsetof` of the C structures, for [`check_layout`].
    static alock_prw_layout: [c_ulong; 16];
}

/// IPIs sent by writers (all locks), for tests and benchmarks.
pub static IPIS: AtomicU64 = AtomicU64::new(0);

/// CPUs a writer's consensus counted as reported because they were in an
/// RCU extended quiescent state (idle) instead of asking them (all locks).
pub static IDLE_SKIPS: AtomicU64 = AtomicU64::new(0);

/// Online CPUs a writer's consensus did not look at because they were
/// outside the lock's domain (`prwlock_set_domain()`; all locks).
pub static DOMAIN_SKIPS: AtomicU64 = AtomicU64::new(0);

/// Consensus rounds run by writers and write trylocks (all locks).
pub static ROUNDS: AtomicU64 = AtomicU64::new(0);

/// IPIs sent by writers to convert the passive readers that stayed in past
/// the bounded drain spin (all locks); not counted in [`IPIS`].
pub static DRAIN_IPIS: AtomicU64 = AtomicU64::new(0);

/// Checks that [`PrwCore`] and [`PrwPcpu`] match the C structures.
pub fn check_layout() -> Result {
    let ours: [usize; 16] = [
        size_of::<PrwCore>(),
        align_of::<PrwCore>(),
        offset_of!(PrwCore, wpending),
        offset_of!(PrwCore, version),
        offset_of!(PrwCore, active),
        offset_of!(PrwCore, rwait),
        offset_of!(PrwCore, flags),
        offset_of!(PrwCore, wake_pending),
        offset_of!(PrwCore, stat_active_unlocks),
        offset_of!(PrwCore, wmutex),
        offset_of!(PrwCore, wwait),
        offset_of!(PrwCore, dep_map),
        size_of::<PrwPcpu>(),
        align_of::<PrwPcpu>(),
        offset_of!(PrwPcpu, seen),
        offset_of!(PrwPcpu, wq),
    ];
    for (i, v) in ours.iter().enumerate() {
        // SAFETY: A constant array defined in `fast.c`, never written.
        let c = unsafe { alock_prw_layout[i] } as usize;
        if c != *v {
            pr_err!("prwlock: layout entry {} is {} in C, {} in Rust\n", i, c, v);
            return Err(EINVAL);
        }
    }
    Ok(())
}

/// The "instruction pointer" lockdep records for writers.
fn ip() -> usize {
    write_lock as *const () as usize
}

impl PrwCore {
    pub(super) fn pc(&self, cpu: u32) -> &PrwPcpu {
        // SAFETY: `pcpu` is a live per-CPU allocation and `cpu` a possible
        // CPU; the per-CPU part lives as long as the lock.
        unsafe { &*bindings::per_cpu_ptr(self.pcpu.cast(), cpu).cast::<PrwPcpu>() }
    }

    fn map(&self) -> *mut bindings::lockdep_map {
        self.dep_map.get()
    }

    fn raw(&self) -> *mut PrwCore {
        self as *const PrwCore as *mut PrwCore
    }

    /// Read unlocks that took the active path since init.
    pub fn active_unlocks(&self) -> u64 {
        self.stat_active_unlocks.load(Ordering::Relaxed)
    }

    /// Readers currently sleeping until a writer leaves.
    pub fn waiting_readers(&self) -> i32 {
        self.rwait.load(Ordering::Relaxed)
    }
}

/// `TASK_KILLABLE`: a sleep that only a fatal signal interrupts.
pub(super) const KILLABLE: c_int =
    (bindings::TASK_WAKEKILL | bindings::TASK_UNINTERRUPTIBLE) as c_int;

/// Sleeps on `wq` in task state `state` until `cond` holds; false if a
/// signal that `state` lets in (for [`KILLABLE`], a fatal one) came first.
pub(super) fn wait_until_state(
    wq: *mut bindings::wait_queue_head,
    state: c_int,
    cond: impl Fn() -> bool,
) -> bool {
    if cond() {
        return true;
    }
    let mut done = true;
    let mut entry = core::mem::MaybeUninit::<bindings::wait_queue_entry>::zeroed();
    // SAFETY: `entry` is valid for writes and lives until `finish_wait`.
    unsafe { bindings::init_wait_entry(entry.as_mut_ptr(), 0) };
    loop {
        // SAFETY: `wq` is a live wait queue, `entry` initialised.
        let pending = unsafe { bindings::prepare_to_wait_event(wq, entry.as_mut_ptr(), state) };
        if cond() {
            break;
        }
        if pending != 0 {
            // A signal for `state`: the entry is off the queue already.
            done = false;
            break;
        }
        // SAFETY: Process context, no spinlock held.
        unsafe { bindings::schedule() };
    }
    // SAFETY: Pairs with `prepare_to_wait_event`.
    unsafe { bindings::finish_wait(wq, entry.as_mut_ptr()) };
    done
}

/// Wakes every sleeper of `wq`.
pub(super) fn wake_all(wq: *mut bindings::wait_queue_head) {
    // SAFETY: `wq` is a live wait queue.
    unsafe { bindings::__wake_up(wq, bindings::TASK_NORMAL, 0, core::ptr::null_mut()) };
}

/// Initialises the lock at `l`.
///
/// # Safety
///
/// `l` is valid for writes; `name` and `key` live as long as the lock.
pub unsafe fn init(
    l: *mut PrwCore,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) -> Result {
    // SAFETY: Valid size and alignment; freed in `destroy`.
    let pcpu = unsafe { bindings::alloc_percpu(size_of::<PrwPcpu>(), align_of::<PrwPcpu>()) };
    if pcpu.is_null() {
        return Err(ENOMEM);
    }
    let wwait_key = class_key_ptr(kernel::static_lock_class!());
    // Writers of two prwlocks may nest: the inner mutex is not validated
    // (the lock's own map is).  Only the address of the static is taken.
    #[cfg(CONFIG_LOCKDEP)]
    let wmutex_key = core::ptr::addr_of_mut!(bindings::__lockdep_no_validate__);
    #[cfg(not(CONFIG_LOCKDEP))]
    let wmutex_key = class_key_ptr(kernel::static_lock_class!());
    // SAFETY: `l` is valid for writes; each field is initialised once.
    unsafe {
        core::ptr::addr_of_mut!((*l).pcpu).write(pcpu.cast());
        core::ptr::addr_of_mut!((*l).wpending).write(AtomicUsize::new(0));
        core::ptr::addr_of_mut!((*l).version).write(AtomicU64::new(0));
        core::ptr::addr_of_mut!((*l).active).write(AtomicI32::new(0));
        core::ptr::addr_of_mut!((*l).rwait).write(AtomicI32::new(0));
        core::ptr::addr_of_mut!((*l).flags).write(AtomicU32::new(0));
        core::ptr::addr_of_mut!((*l).wake_pending).write(AtomicI32::new(0));
        core::ptr::addr_of_mut!((*l).stat_active_unlocks).write(AtomicU64::new(0));
        bindings::__mutex_init(
            Opaque::raw_get(core::ptr::addr_of!((*l).wmutex)),
            c"prwlock_wmutex".as_ptr().cast(),
            wmutex_key,
        );
        bindings::__init_waitqueue_head(
            Opaque::raw_get(core::ptr::addr_of!((*l).wwait)),
            c"prwlock_wwait".as_ptr().cast(),
            wwait_key,
        );
        bindings::lockdep_init_map(
            Opaque::raw_get(core::ptr::addr_of!((*l).dep_map)),
            name,
            key,
            0,
        );
        alock_prw_init_pcpu(l);
    }
    Ok(())
}

/// Frees what [`init`] allocated.
///
/// # Safety
///
/// `l` was initialised, nobody holds or waits for it, and it is not used
/// again.
pub unsafe fn destroy(l: *mut PrwCore) {
    // SAFETY: Initialised.
    let lr = unsafe { &*l };
    // Wake-up IPIs still running touch the lock until their last decrement.
    while lr.wake_pending.load(Ordering::Acquire) != 0 {
        cpu_relax();
    }
    // SAFETY: Nothing uses the per-CPU part any more.
    unsafe { bindings::free_percpu(lr.pcpu.cast()) };
}

/// Reaches version consensus for version `v` and waits for the passive
/// readers found; with `wait_passive == false` returns whether there were
/// none instead of waiting.
fn consensus(l: &PrwCore, v: u64, wait_passive: bool) -> bool {
    ROUNDS.fetch_add(1, Ordering::Relaxed);
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
    // One sweep: a CPU has reported, or is in an RCU extended quiescent
    // state (idle; see "Idle CPUs" at the top), or it is pending.
    let mut mask = CpuMask::new();
    let mut stragglers = 0u64;
    let mut idle = 0u64;
    for cpu in online_cpus() {
        if cpu == me || l.pc(cpu).seen.load(Ordering::Acquire) >= v {
            continue;
        }
        // SAFETY: `cpu` is a possible CPU.
        if unsafe { alock_prw_cpu_in_eqs(cpu) } {
            idle += 1;
            continue;
        }
        mask.set(cpu);
        stragglers += 1;
    }
    // Then poll the pending ones together for a while before asking them.
    for _ in 0..REPORT_SPINS {
        if stragglers == 0 {
            break;
        }
        cpu_relax();
        for cpu in online_cpus() {
            if !mask.contains(cpu) {
                continue;
            }
            let done = l.pc(cpu).seen.load(Ordering::Acquire) >= v;
            // SAFETY: As above.
            if done || unsafe { alock_prw_cpu_in_eqs(cpu) } {
                mask.clear(cpu);
                stragglers -= 1;
                idle += u64::from(!done);
            }
        }
    }
    IDLE_SKIPS.fetch_add(idle, Ordering::Relaxed);
    if stragglers > 0 {
        IPIS.fetch_add(stragglers, Ordering::Relaxed);
        // SAFETY: Preemption is off, so the CPUs in the mask are still
        // online; the handler only reports the version of `l`, alive until
        // all handlers returned (wait = true).
        unsafe {
            bindings::smp_call_function_many(
                mask.as_ptr(),
                Some(alock_prw_ipi_report),
                l.raw().cast(),
                true,
            );
        }
    }
    // SAFETY: Pairs with `preempt_disable()` above.
    unsafe { bindings::preempt_enable() };
    // Every CPU reported `v`: its passive counts are visible and its new
    // readers see `wpending`.  Wait for the passive readers to leave.
    let mut none = true;
    for cpu in online_cpus() {
        let pc = l.pc(cpu);
        while pc.passive.load(Ordering::Acquire) != 0 {
            none = false;
            if !wait_passive {
                break;
            }
            cpu_relax();
        }
    }
    none
}

/// Sets the writer word and bumps the version; returns the new version.
fn announce(l: &PrwCore) -> u64 {
    l.wpending.store(1, Ordering::Relaxed);
    let v = l.version.load(Ordering::Relaxed) + 1;
    // Release: a CPU that reads `v` also sees `wpending`.
    l.version.store(v, Ordering::Release);
    fence(Ordering::SeqCst);
    v
}

/// Takes the write side with the mutex already held, sleeping in task
/// state `state`; false (lock not taken, mutex released, readers that came
/// meanwhile let in) if a signal for `state` came first.
fn write_acquire_locked_state(l: &PrwCore, state: c_int) -> bool {
    // Let in the readers that slept through the previous writer first.
    if !wait_until_state(l.wwait.get(), state, || {
        l.rwait.load(Ordering::Acquire) <= 0
    }) {
        // SAFETY: The caller holds the mutex.
        unsafe { bindings::mutex_unlock(l.wmutex.get()) };
        return false;
    }
    let v = announce(l);
    consensus(l, v, true);
    if !wait_until_state(l.wwait.get(), state, || {
        l.active.load(Ordering::SeqCst) == 0
    }) {
        write_release_locked(l);
        return false;
    }
    true
}

/// `prwlock_write_lock_nested()` and `prwlock_write_lock_killable()` after
/// their lockdep annotation and mutex: the rest of the write acquisition,
/// killable if `killable`; false if a fatal signal came first (the mutex
/// is then released).
///
/// The C -> Rust crossing of a write acquisition: `fast.c` keeps only what
/// needs C (lockdep with the caller's `_RET_IP_`, `might_sleep()`, the
/// mutex macros); the algorithm stays here, in one language.
///
/// # Safety
///
/// `l` is an initialised lock whose writer mutex the caller holds; process
/// context.
#[no_mangle]
pub unsafe extern "C" fn alock_prw_write_acquire_locked(l: *mut PrwCore, killable: bool) -> bool {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { &*l };
    let state = if killable {
        KILLABLE
    } else {
        bindings::TASK_UNINTERRUPTIBLE as c_int
    };
    write_acquire_locked_state(l, state)
}

/// Clears the writer word, wakes the waiting readers, drops the mutex.
///
/// Parallel wake-up: one IPI to every other CPU with sleepers, whose
/// handler wakes that CPU's queue there, all at once; the writer wakes its
/// own CPU's queue (and, with [`WAKE_SEQUENTIAL`], every queue) itself.
/// The writer does not wait for the IPIs: `wake_pending` counts them and
/// [`destroy`] waits for the count to drop.
fn write_release_locked(l: &PrwCore) {
    l.wpending.store(0, Ordering::Release);
    // Pairs with the barrier in the readers' `prepare_to_wait_event`.
    fence(Ordering::SeqCst);
    let sequential = l.flags.load(Ordering::Relaxed) & WAKE_SEQUENTIAL != 0;
    let mut mask = CpuMask::new();
    let mut remote = 0;
    // No `cpus_read_lock()` (see "CPU hotplug" at the top): with
    // preemption off no CPU found online below can go offline before the
    // wake-up IPIs are sent; queues of offline CPUs are woken from here.
    // SAFETY: Preemption is re-enabled below; nothing in between sleeps.
    unsafe { bindings::preempt_disable() };
    // SAFETY: No preconditions.
    let me = unsafe { bindings::raw_smp_processor_id() };
    for cpu in possible_cpus() {
        let pc = l.pc(cpu);
        // SAFETY: A live wait queue.
        if !unsafe { alock_waitqueue_active(pc.wq.get()) } {
            continue;
        }
        // SAFETY: As above.
        let online = unsafe { bindings::cpu_online(cpu) };
        if sequential || cpu == me || !online {
            wake_all(pc.wq.get());
        } else {
            mask.set(cpu);
            remote += 1;
        }
    }
    if remote > 0 {
        l.wake_pending.fetch_add(remote, Ordering::AcqRel);
        // SAFETY: Preemption is disabled, so the CPUs in the mask are
        // still online; the handler wakes its CPU's queue of `l` and
        // decrements `wake_pending`, which `destroy` waits for.
        unsafe {
            bindings::smp_call_function_many(
                mask.as_ptr(),
                Some(alock_prw_ipi_wake),
                l.raw().cast(),
                false,
            )
        };
    }
    // SAFETY: Pairs with the calls above.
    unsafe {
        bindings::preempt_enable();
        bindings::mutex_unlock(l.wmutex.get());
    }
}

/// Takes the write side: `prwlock_write_lock()` of `fast.c` (which goes on
/// in [`alock_prw_write_acquire_locked`]).  Its address is also the
/// instruction pointer that this file's lockdep annotations record.
///
/// # Safety
///
/// `l` is an initialised lock; process context.
pub unsafe fn write_lock(l: *mut PrwCore) {
    // SAFETY: Guaranteed by the caller.
    unsafe { prwlock_write_lock(l) }
}

/// `prwlock_write_trylock()`: the write side if no reader or writer is in;
/// does not wait for readers (it may sleep briefly on the CPU-hotplug lock
/// and sends IPIs: process context).
///
/// # Safety
///
/// `l` is an initialised lock; process context.
#[no_mangle]
pub unsafe extern "C" fn prwlock_write_trylock(l: *mut PrwCore) -> bool {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { &*l };
    // SAFETY: Initialised mutex.
    if unsafe { bindings::mutex_trylock(l.wmutex.get()) } == 0 {
        return false;
    }
    if l.rwait.load(Ordering::Acquire) > 0 {
        // SAFETY: Held above.
        unsafe { bindings::mutex_unlock(l.wmutex.get()) };
        return false;
    }
    let v = announce(l);
    if !consensus(l, v, false) || l.active.load(Ordering::SeqCst) != 0 {
        write_release_locked(l);
        return false;
    }
    // SAFETY: Initialised map.
    unsafe { bindings::lockdep_acquire(l.map(), 0, 1, ip()) };
    true
}

/// `prwlock_write_unlock()`.
///
/// # Safety
///
/// The caller holds the write side of `l`.
#[no_mangle]
pub unsafe extern "C" fn prwlock_write_unlock(l: *mut PrwCore) {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { &*l };
    // SAFETY: Initialised map.
    unsafe { bindings::lockdep_release(l.map(), ip()) };
    write_release_locked(l);
}

/// `prwlock_downgrade_write()`: the writer becomes an (active) reader and
/// lets other readers in, with no writer in between.
///
/// # Safety
///
/// The caller holds the write side of `l`.
#[no_mangle]
pub unsafe extern "C" fn prwlock_downgrade_write(l: *mut PrwCore) {
    // SAFETY: Guaranteed by the caller.
    let lr = unsafe { &*l };
    lr.active.fetch_add(1, Ordering::SeqCst);
    // SAFETY: `l` is initialised; records the hold for the unlock.
    unsafe { alock_prw_record_active(l) };
    // The write hold becomes a read hold for lockdep, in place, as
    // `downgrade_write()` does for rwsems (without lockdep there is no map
    // to update, and no binding).
    // SAFETY: Initialised map, write-held by this task.
    #[cfg(CONFIG_LOCKDEP)]
    unsafe {
        bindings::lock_downgrade(lr.map(), ip())
    };
    write_release_locked(lr);
}

/// `__prwlock_init()`.
///
/// # Safety
///
/// `l` is valid for writes; `name` and `key` live as long as the lock.
#[no_mangle]
pub unsafe extern "C" fn __prwlock_init(
    l: *mut PrwCore,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) -> c_int {
    if l.is_null() || name.is_null() || key.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: Guaranteed by the caller.
    match unsafe { init(l, name, key) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `prwlock_destroy()`.
///
/// # Safety
///
/// As for [`destroy`].
#[no_mangle]
pub unsafe extern "C" fn prwlock_destroy(l: *mut PrwCore) {
    // SAFETY: Guaranteed by the caller.
    unsafe { destroy(l) }
}

/// `prwlock_set_flags()`.
///
/// # Safety
///
/// `l` is an initialised lock.
#[no_mangle]
pub unsafe extern "C" fn prwlock_set_flags(l: *mut PrwCore, flags: u32) {
    // SAFETY: Guaranteed by the caller.
    unsafe { (*l).flags.store(flags, Ordering::Relaxed) };
}

/// Read holds of the current task: `(held, passive)` (self-tests).
pub fn task_holds() -> (u32, u32) {
    let mut passive = 0;
    // SAFETY: Reads the current task's own state.
    let held = unsafe { alock_prw_task_held(&mut passive) };
    (held, passive)
}
