// SPDX-License-Identifier: GPL-2.0

//! prwlock: the passive reader-writer lock (Liu, Zhang, Chen, "Scalable
//! Read-mostly Synchronization Using Passive Reader-Writer Locks", USENIX
//! ATC 2014).
//!
//! # Readers
//!
//! A passive reader increments a counter of its own CPU, reads the lock's
//! writer word and reports the writer version it sees: no atomic
//! instruction, no memory barrier, nothing written outside its own CPU's
//! cache line.  That fast path is in `rust/prwlock_fast.c`, one call like
//! `rcu_read_lock()`, because it needs `preempt_disable()`,
//! `this_cpu_ptr()` and `current` inlined.  A reader may block, be
//! preempted or migrate inside its read side: the patched scheduler
//! (`patches/0002-sched-...`) converts the passive holds of a task it
//! switches out into *active* ones, counted in the lock's `active` atomic.
//! Readers that find a writer, and holds beyond `PRW_MAX_HELD` per task, are
//! active too ([`read_slow`]).
//!
//! # Writers
//!
//! Writers are serialised by a mutex.  A writer first waits until the
//! readers that slept through the previous writer are in (so readers do not
//! starve), sets the writer word and bumps the 64-bit version, and reaches
//! *version-based consensus*: it waits until every online CPU has reported
//! the new version, and after a short spin sends the stragglers an IPI whose
//! handler reports for them, so its latency is bounded even if a CPU never
//! takes the lock again.  A CPU that reported has made its passive counts
//! visible and its later readers see the writer word, so the writer then
//! waits for the passive counts to drain and for the active count to reach
//! zero.
//!
//! Readers that arrive while a writer is in sleep on the wait queue of
//! their CPU; when the writer leaves it sends one IPI to all CPUs with
//! sleepers, and each wakes its own queue, in parallel
//! (`PRWLOCK_WAKE_SEQUENTIAL` makes the writer wake every queue itself, for
//! comparison).
//!
//! The lock is `struct prwlock` of `include/linux/prwlock.h`, mirrored here
//! as [`PrwCore`] (checked field by field at module init).  Rust users take
//! it through [`Prwlock`]; C users through the header.

use crate::support::cpu::cpu_relax;
use core::{
    cell::UnsafeCell,
    ffi::{c_int, c_ulong, c_void},
    marker::{PhantomData, PhantomPinned},
    mem::{align_of, offset_of, size_of},
    sync::atomic::{fence, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering},
};
use kernel::{
    bindings,
    init::{self, PinInit},
    prelude::*,
    str::CStr,
    sync::LockClassKey,
    types::Opaque,
};

use crate::sync::lock::class_key_ptr;
use crate::support::cpu::{online_cpus, possible_cpus, CpuMask};

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
    wq: Opaque<bindings::wait_queue_head>,
}

/// `struct prwlock`: the lock itself, shared with the C fast paths.
#[repr(C)]
pub struct PrwCore {
    pcpu: *mut PrwPcpu,
    wpending: AtomicUsize,
    version: AtomicU64,
    active: AtomicI32,
    rwait: AtomicI32,
    flags: AtomicU32,
    wake_pending: AtomicI32,
    stat_active_unlocks: AtomicU64,
    wmutex: Opaque<bindings::mutex>,
    wwait: Opaque<bindings::wait_queue_head>,
    dep_map: Opaque<bindings::lockdep_map>,
}

// The structures are `#[repr(C)]` and checked against C at init; the lint
// objects to bindgen's empty structs deep inside `struct mutex`.
#[allow(improper_ctypes)]
extern "C" {
    fn prwlock_read_lock(l: *mut PrwCore);
    fn prwlock_read_trylock(l: *mut PrwCore) -> bool;
    fn prwlock_read_unlock(l: *mut PrwCore);
    fn prwlock_write_lock_nested(l: *mut PrwCore, subclass: c_int);
    fn alock_prw_record_active(l: *mut PrwCore);
    fn alock_prw_ipi_report(info: *mut c_void);
    fn alock_prw_init_pcpu(l: *mut PrwCore);
    fn alock_prw_ipi_wake(info: *mut c_void);
    fn alock_waitqueue_active(wq: *mut bindings::wait_queue_head) -> bool;
    fn alock_prw_task_held(passive: *mut u32) -> u32;
    static alock_prw_layout: [c_ulong; 16];
}

/// IPIs sent by writers (all locks), for tests and benchmarks.
pub static IPIS: AtomicU64 = AtomicU64::new(0);

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
        // SAFETY: A constant array defined in `prwlock_fast.c`.
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
    fn pc(&self, cpu: u32) -> &PrwPcpu {
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
}

/// `TASK_KILLABLE`: a sleep that only a fatal signal interrupts.
const KILLABLE: c_int = (bindings::TASK_WAKEKILL | bindings::TASK_UNINTERRUPTIBLE) as c_int;

/// Sleeps on `wq` in task state `state` until `cond` holds; false if a
/// signal that `state` lets in (for [`KILLABLE`], a fatal one) came first.
fn wait_until_state(
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
fn wake_all(wq: *mut bindings::wait_queue_head) {
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
    // SAFETY: Keeps the set of online CPUs stable; released below.
    unsafe { bindings::cpus_read_lock() };
    // SAFETY: No preconditions.
    let me = unsafe { bindings::raw_smp_processor_id() };
    // This CPU runs the writer, so none of its readers is passive (a
    // switched-out reader was converted): report for it directly.
    l.pc(me).seen.store(v, Ordering::Release);
    let mut mask = CpuMask::new();
    let mut stragglers = 0;
    for cpu in online_cpus() {
        if cpu == me {
            continue;
        }
        let pc = l.pc(cpu);
        let mut seen = false;
        for _ in 0..REPORT_SPINS {
            if pc.seen.load(Ordering::Acquire) >= v {
                seen = true;
                break;
            }
            cpu_relax();
        }
        if !seen {
            mask.set(cpu);
            stragglers += 1;
        }
    }
    if stragglers > 0 {
        // SAFETY: `smp_call_function_many` needs preemption disabled.
        unsafe { bindings::preempt_disable() };
        // SAFETY: No preconditions.
        let cur = unsafe { bindings::raw_smp_processor_id() };
        // The writer may have moved to a straggler: report it directly
        // (`smp_call_function_many` skips the calling CPU).
        l.pc(cur).seen.store(v, Ordering::Release);
        IPIS.fetch_add(stragglers, Ordering::Relaxed);
        // SAFETY: The mask holds online CPUs (hotplug is held off); the
        // handler only reports the version of `l`, alive until all
        // handlers returned (wait = true).
        unsafe {
            bindings::smp_call_function_many(
                mask.as_ptr(),
                Some(alock_prw_ipi_report),
                l.raw().cast(),
                true,
            );
            bindings::preempt_enable();
        }
    }
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
    // SAFETY: Pairs with `cpus_read_lock` above.
    unsafe { bindings::cpus_read_unlock() };
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
    // SAFETY: Keeps CPUs from going offline with sleepers being signalled.
    unsafe { bindings::cpus_read_lock() };
    // SAFETY: Preemption is re-enabled below.
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
        // SAFETY: Preemption is disabled, the CPUs in the mask are online
        // (hotplug held off); the handler wakes its CPU's queue of `l` and
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
        bindings::cpus_read_unlock();
        bindings::mutex_unlock(l.wmutex.get());
    }
}

/// `prwlock_write_lock()`.
///
/// # Safety
///
/// `l` is an initialised lock; process context.
#[no_mangle]
pub unsafe extern "C" fn prwlock_write_lock(l: *mut PrwCore) {
    // SAFETY: Guaranteed by the caller; subclass 0 is the plain lock.
    unsafe { prwlock_write_lock_nested(l, 0) }
}

/// Rust name of [`prwlock_write_lock`].
///
/// # Safety
///
/// As for [`prwlock_write_lock`].
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
    // SAFETY: Initialised map: the write hold becomes a read hold.
    unsafe {
        bindings::lockdep_release(lr.map(), ip());
        bindings::lockdep_acquire(lr.map(), 1, 0, ip());
    }
    write_release_locked(lr);
}

/// Reader slow path (C fast path failed): enters as an active reader,
/// sleeping on this CPU's queue while a writer is in.
///
/// # Safety
///
/// `l` is an initialised lock; process context; the caller annotated the
/// acquisition for lockdep.
#[no_mangle]
pub unsafe extern "C" fn alock_prw_read_slow(l: *mut PrwCore) {
    // SAFETY: Guaranteed by the caller.
    unsafe { read_slow(l, bindings::TASK_UNINTERRUPTIBLE as c_int) };
}

/// Killable reader slow path: as [`alock_prw_read_slow`], but returns
/// false without the lock if a fatal signal comes while it waits.
///
/// # Safety
///
/// As for [`alock_prw_read_slow`].
#[no_mangle]
pub unsafe extern "C" fn alock_prw_read_slow_killable(l: *mut PrwCore) -> bool {
    // SAFETY: Guaranteed by the caller.
    unsafe { read_slow(l, KILLABLE) }
}

/// The reader slow path, sleeping in task state `state`; false if a
/// signal for `state` came first.
///
/// # Safety
///
/// As for [`alock_prw_read_slow`].
unsafe fn read_slow(l: *mut PrwCore, state: c_int) -> bool {
    // SAFETY: Guaranteed by the caller.
    let lr = unsafe { &*l };
    let mut counted = false;
    loop {
        lr.active.fetch_add(1, Ordering::SeqCst);
        if lr.wpending.load(Ordering::SeqCst) == 0 {
            if counted && lr.rwait.fetch_sub(1, Ordering::AcqRel) == 1 {
                wake_all(lr.wwait.get());
            }
            // SAFETY: Process context; `l` is initialised.
            unsafe { alock_prw_record_active(l) };
            return true;
        }
        // A writer is in: back off and wait on this CPU's queue.
        if lr.active.fetch_sub(1, Ordering::SeqCst) == 1 {
            wake_all(lr.wwait.get());
        }
        if !counted {
            lr.rwait.fetch_add(1, Ordering::SeqCst);
            counted = true;
        }
        // SAFETY: No preconditions.
        let cpu = unsafe { bindings::raw_smp_processor_id() };
        if !wait_until_state(lr.pc(cpu).wq.get(), state, || {
            lr.wpending.load(Ordering::Acquire) == 0
        }) {
            // Given up: the writer no longer waits for this reader.
            if lr.rwait.fetch_sub(1, Ordering::AcqRel) == 1 {
                wake_all(lr.wwait.get());
            }
            return false;
        }
    }
}

/// Reader try slow path: an active hold if no writer is in.
///
/// # Safety
///
/// `l` is an initialised lock; process context.
#[no_mangle]
pub unsafe extern "C" fn alock_prw_read_try_slow(l: *mut PrwCore) -> bool {
    // SAFETY: Guaranteed by the caller.
    let lr = unsafe { &*l };
    lr.active.fetch_add(1, Ordering::SeqCst);
    if lr.wpending.load(Ordering::SeqCst) == 0 {
        // SAFETY: As above.
        unsafe { alock_prw_record_active(l) };
        return true;
    }
    if lr.active.fetch_sub(1, Ordering::SeqCst) == 1 {
        wake_all(lr.wwait.get());
    }
    false
}

/// Releases an active read hold (converted, slow-path or untracked).
///
/// # Safety
///
/// The caller held an active read hold of `l` and its entry is gone.
#[no_mangle]
pub unsafe extern "C" fn alock_prw_read_unlock_active(l: *mut PrwCore) {
    // SAFETY: Guaranteed by the caller.
    let lr = unsafe { &*l };
    lr.stat_active_unlocks.fetch_add(1, Ordering::Relaxed);
    if lr.active.fetch_sub(1, Ordering::SeqCst) == 1 && lr.wpending.load(Ordering::SeqCst) != 0 {
        wake_all(lr.wwait.get());
    }
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

/// A passive reader-writer lock protecting a `T`.
///
/// Readers share `&T` through [`Prwlock::read`]; a writer gets `&mut T`
/// through [`Prwlock::write`].  Both may sleep: process context only.
/// Create with [`new_prwlock!`](crate::new_prwlock).
///
/// # Examples
///
/// ```ignore
/// let l = KBox::pin_init(new_prwlock!(0u64, "my_prwlock"), GFP_KERNEL)?;
/// let v = *l.read();
/// *l.write() = v + 1;
/// let w = l.write();
/// let r = w.downgrade(); // still no writer in between
/// ```
#[pin_data(PinnedDrop)]
pub struct Prwlock<T> {
    #[pin]
    core: Opaque<PrwCore>,
    #[pin]
    _pin: PhantomPinned,
    data: UnsafeCell<T>,
}

// SAFETY: The lock may move between threads if its data can.
unsafe impl<T: Send> Send for Prwlock<T> {}
// SAFETY: Readers share `&T` concurrently (needs `Sync`), a writer gets
// `&mut T` on another thread (needs `Send`).
unsafe impl<T: Send + Sync> Sync for Prwlock<T> {}

/// Creates a [`Prwlock`] initialiser with a new lockdep class.
#[macro_export]
macro_rules! new_prwlock {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::sync::prwlock::Prwlock::new(
            $inner, ::kernel::optional_name!($($name)?), ::kernel::static_lock_class!())
    };
}

impl<T> Prwlock<T> {
    /// Returns an initialiser of a lock holding `t` (allocates per-CPU
    /// memory, so it may fail).
    pub fn new(t: T, name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self, Error> {
        let init_core = move |slot: *mut Opaque<PrwCore>| -> Result {
            // SAFETY: `slot` is valid for writes; name and key are static.
            unsafe {
                init(
                    Opaque::raw_get(slot),
                    name.as_char_ptr(),
                    class_key_ptr(key),
                )
            }
        };
        // SAFETY: The closure initialises the core fully or fails, leaving
        // nothing to drop.
        let core = unsafe { init::pin_init_from_closure::<_, Error>(init_core) };
        try_pin_init!(Self {
            core <- core,
            _pin: PhantomPinned,
            data: UnsafeCell::new(t),
        }? Error)
    }

    /// The C lock (`struct prwlock *`).
    pub fn as_raw(&self) -> *mut PrwCore {
        self.core.get()
    }

    /// Takes the read side (may sleep while a writer is in).
    pub fn read(&self) -> PrwReadGuard<'_, T> {
        // SAFETY: Initialised; process context is the API's rule.
        unsafe { prwlock_read_lock(self.as_raw()) };
        PrwReadGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Takes the read side if no writer is in.
    pub fn try_read(&self) -> Option<PrwReadGuard<'_, T>> {
        // SAFETY: Initialised.
        if unsafe { prwlock_read_trylock(self.as_raw()) } {
            Some(PrwReadGuard {
                lock: self,
                _not_send: PhantomData,
            })
        } else {
            None
        }
    }

    /// Takes the write side (sleeps until readers and writers are out).
    pub fn write(&self) -> PrwWriteGuard<'_, T> {
        // SAFETY: Initialised.
        unsafe { prwlock_write_lock(self.as_raw()) };
        PrwWriteGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Takes the write side if nobody is in.
    pub fn try_write(&self) -> Option<PrwWriteGuard<'_, T>> {
        // SAFETY: Initialised.
        if unsafe { prwlock_write_trylock(self.as_raw()) } {
            Some(PrwWriteGuard {
                lock: self,
                _not_send: PhantomData,
            })
        } else {
            None
        }
    }

    /// Read unlocks that took the active path (converted or slow-path
    /// readers) since init.
    pub fn active_unlocks(&self) -> u64 {
        // SAFETY: Initialised core.
        unsafe { (*self.as_raw()).stat_active_unlocks.load(Ordering::Relaxed) }
    }

    /// Sets `PRWLOCK_*` flags ([`WAKE_SEQUENTIAL`]).
    pub fn set_flags(&self, flags: u32) {
        // SAFETY: Initialised core.
        unsafe { prwlock_set_flags(self.as_raw(), flags) };
    }

    /// Readers currently sleeping until a writer leaves.
    pub fn waiting_readers(&self) -> i32 {
        // SAFETY: Initialised core.
        unsafe { (*self.as_raw()).rwait.load(Ordering::Relaxed) }
    }
}

#[pinned_drop]
impl<T> PinnedDrop for Prwlock<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: Initialised; `&mut` means no guard exists.
        unsafe { destroy(self.core.get()) };
    }
}

/// A read hold of a [`Prwlock`].
#[must_use = "the lock unlocks immediately when the guard is unused"]
pub struct PrwReadGuard<'a, T> {
    lock: &'a Prwlock<T>,
    _not_send: PhantomData<*mut ()>,
}

impl<T> core::ops::Deref for PrwReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: Readers exclude writers.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> Drop for PrwReadGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: This guard holds the read side, in this task.
        unsafe { prwlock_read_unlock(self.lock.as_raw()) };
    }
}

/// A write hold of a [`Prwlock`].
#[must_use = "the lock unlocks immediately when the guard is unused"]
pub struct PrwWriteGuard<'a, T> {
    lock: &'a Prwlock<T>,
    _not_send: PhantomData<*mut ()>,
}

impl<'a, T> PrwWriteGuard<'a, T> {
    /// Turns the write hold into a read hold, with no writer in between.
    pub fn downgrade(self) -> PrwReadGuard<'a, T> {
        let lock = self.lock;
        core::mem::forget(self);
        // SAFETY: The forgotten guard held the write side.
        unsafe { prwlock_downgrade_write(lock.as_raw()) };
        PrwReadGuard {
            lock,
            _not_send: PhantomData,
        }
    }
}

impl<T> core::ops::Deref for PrwWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: The writer is alone.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> core::ops::DerefMut for PrwWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: The writer is alone.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for PrwWriteGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: This guard holds the write side.
        unsafe { prwlock_write_unlock(self.lock.as_raw()) };
    }
}
