// SPDX-License-Identifier: GPL-2.0

//! prwlock's core: set-up and teardown, the writer (acquisition, release
//! and parallel wake-up), and the `#[no_mangle]` functions that implement
//! the C API's write side (`include/linux/prwlock.h`, exported by
//! `exports.c`).  How the writer waits for readers (announce, consensus,
//! IPIs, drain) is in [`super::consensus`], the lock's memory in
//! [`super::state`], the safe Rust API in [`super`] (`mod.rs`), the
//! readers' slow paths that `fast.c` calls in [`super::reader`], the
//! reader fast paths in `fast.c`.
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
//! [`drain`], [`write_acquire_locked_state`]):
//!
//! ```text
//! W1  wpending = 1                       relaxed store
//! W2  version = v                        store-release (orders W1 before it)
//! W3  smp_mb()                           fence(SeqCst)
//! W4  for each online CPU in the domain:  load-acquire; else idle, or IPI
//!     seen >= v ?
//! W5  for each online CPU: passive == 0  load-acquire; spin, then IPI to
//!                                        convert, sleep a tick, repeat
//! W6  active == 0                        SeqCst load, sleeping on wwait
//! ```
//!
//! `W4` and `W5`, the version consensus, its idle and domain skips and the
//! bounded drain, with their part of the argument, are in
//! [`super::consensus`] (`consensus.rs`).
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
//! with acquire by the next writer before `W1`.  [`alock_prw_downgrade_locked`]
//! (`prwlock_downgrade_write()`) adds its active hold
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
    ffi::{c_int, c_uint, c_void},
    mem::{align_of, size_of},
    sync::atomic::{fence, AtomicI32, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering},
};
use kernel::{bindings, c_str, prelude::*, types::Opaque};

use super::consensus::{announce, consensus};
use super::state::{PrwCore, PrwPcpu, PrwWstat};
use crate::support::cpu::CpuMask;
use crate::support::misuse::{self, Misuse};
use crate::support::stats::{self, Kind};
use crate::support::trace::{LazyWait, Site, LCB_F_WRITE};
use crate::sync::lock::class_key_ptr;

/// The writer wakes every CPU's queue itself instead of in parallel (a
/// benchmark switch of [`set_flags`]).
pub const WAKE_SEQUENTIAL: u32 = 1 << 0;

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
    pub(super) fn prwlock_read_lock_active(l: *mut PrwCore);
    // The public write side's entries and exits: C for `might_sleep()`,
    // the lockdep annotations with a subclass and the caller's `_RET_IP_`
    // (the Rust helper `lockdep_acquire()` has no subclass, and Rust no
    // return address), and `mutex_lock()` (a macro with lockdep); see
    // `fast.c`.  They go on in this file's `alock_prw_*` functions.
    fn prwlock_write_lock(l: *mut PrwCore);
    pub(super) fn prwlock_write_trylock(l: *mut PrwCore) -> bool;
    pub(super) fn prwlock_write_unlock(l: *mut PrwCore);
    pub(super) fn prwlock_downgrade_write(l: *mut PrwCore);
    // For the destroy's check: a sweep over the CPUs (`for_each_possible_cpu()`,
    // `per_cpu_ptr()`) and `mutex_is_locked()`, static inlines.
    fn prwlock_is_locked(l: *mut PrwCore) -> bool;
    // The task's hold table (`current->prw`, patch 0002), which the fast
    // path and the scheduler share: only C reaches `current` cheaply, and
    // keeping every access to the table in C keeps its rules in one file.
    pub(super) fn alock_prw_record_active(l: *mut PrwCore);
    fn alock_prw_task_held(passive: *mut u32) -> u32;
    // The wake-up IPI's handler: `this_cpu_ptr()`.
    fn alock_prw_ipi_wake(info: *mut c_void);
    // `for_each_possible_cpu()` and `init_waitqueue_head()`'s per-site
    // lockdep class, both macros.
    fn alock_prw_init_pcpu(l: *mut PrwCore);
    // The release's sweep over the CPUs' queues: `waitqueue_active()`,
    // `per_cpu_ptr()` and `cpu_online()` are static inlines.
    fn alock_prw_wake_sweep(
        l: *mut PrwCore,
        me: c_uint,
        all: bool,
        remote: *mut bindings::cpumask,
    ) -> c_uint;
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

extern "C" {
    /// `mm/percpu.c`: what `__alloc_percpu_gfp()` expands to (without
    /// the allocation-profiling tag, a macro Rust cannot use; off in the
    /// project's kernels).
    fn pcpu_alloc_noprof(
        size: usize,
        align: usize,
        reserved: bool,
        gfp: bindings::gfp_t,
    ) -> *mut c_void;
}

/// Initialises the lock at `l`, its per-CPU part allocated with `gfp`
/// (`GFP_KERNEL`, or `GFP_KERNEL_ACCOUNT` for a lock a user process makes
/// the kernel create: the mmap_lock of an opted-in mm).
///
/// # Safety
///
/// `l` is valid for writes; `name` and `key` live as long as the lock.
pub unsafe fn init(
    l: *mut PrwCore,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
    gfp: bindings::gfp_t,
) -> Result {
    // SAFETY: Valid size and alignment; process context (`gfp` may
    // sleep); freed in `destroy`.
    let pcpu =
        unsafe { pcpu_alloc_noprof(size_of::<PrwPcpu>(), align_of::<PrwPcpu>(), false, gfp) };
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
        core::ptr::addr_of_mut!((*l).setup).write(AtomicU32::new(0));
        core::ptr::addr_of_mut!((*l).stat_active_unlocks).write(AtomicU64::new(0));
        core::ptr::addr_of_mut!((*l).wstat).write(PrwWstat::new());
        core::ptr::addr_of_mut!((*l).domain).write(AtomicPtr::new(core::ptr::null_mut()));
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

/// Frees what [`init`] allocated (nothing for a `DEFINE_PRWLOCK()`
/// lock), after the last wake-up IPIs; returns false, freeing nothing, if
/// the lock is still held or waited for.
///
/// That misuse is reported (`support::misuse`: a `WARN` once, counted in
/// `alock_misuse_count()`) and refused: the per-CPU part stays, so that
/// the holders and sleepers do not touch freed memory, and the lock stays
/// usable (and can be destroyed again once free).
///
/// # Safety
///
/// `l` was initialised (or defined by `DEFINE_PRWLOCK()`) and is not used
/// again if this returns true (a `DEFINE_PRWLOCK()` lock may be: nothing
/// of it was freed).
pub unsafe fn destroy(l: *mut PrwCore) -> bool {
    // SAFETY: Initialised.
    let lr = unsafe { &*l };
    // Wake-up IPIs still running touch the lock until their last decrement.
    while lr.wake_pending.load(Ordering::Acquire) != 0 {
        cpu_relax();
    }
    // SAFETY: Initialised; only reads the lock.
    if unsafe { prwlock_is_locked(l) } || lr.rwait.load(Ordering::Acquire) != 0 {
        misuse::report(
            Misuse::DestroyHeld,
            c_str!("prwlock_destroy() of a lock held or waited for"),
            lr,
        );
        return false;
    }
    if !lr.is_static() {
        // SAFETY: Nothing uses the per-CPU part any more.
        unsafe { bindings::free_percpu(lr.pcpu.cast()) };
    }
    true
}

/// Takes the write side with the mutex already held, sleeping in task
/// state `state`; false (lock not taken, mutex released, readers that came
/// meanwhile let in) if a signal for `state` came first.
///
/// A wait for readers (those that slept through the previous writer, the
/// passive ones past the consensus, the active ones) is reported as the
/// write side's contention (`lock:contention_begin` with `LCB_F_WRITE`,
/// lockstat); the consensus alone is not a wait for a reader.  A wait for
/// another writer is the mutex's own.
fn write_acquire_locked_state(l: &PrwCore, state: c_int) -> bool {
    stats::acquired(Kind::PrwWrite);
    // lockstat too: `fast.c` announced the acquisition to lockdep.
    let mut wait = LazyWait::new(Site::new(l.raw(), LCB_F_WRITE, Kind::PrwWrite).with_map(l.map()));
    // Let in the readers that slept through the previous writer first.
    let no_sleepers = || l.rwait.load(Ordering::Acquire) <= 0;
    if !no_sleepers() {
        wait.waiting();
    }
    if !wait_until_state(l.wwait.get(), state, no_sleepers) {
        wait.end_with(-(bindings::EINTR as i32));
        // SAFETY: The caller holds the mutex.
        unsafe { bindings::mutex_unlock(l.wmutex.get()) };
        return false;
    }
    let v = announce(l);
    consensus(l, v, true, &mut wait);
    let no_active = || l.active.load(Ordering::SeqCst) == 0;
    if !no_active() {
        wait.waiting();
    }
    if !wait_until_state(l.wwait.get(), state, no_active) {
        wait.end_with(-(bindings::EINTR as i32));
        write_release_locked(l);
        return false;
    }
    wait.end_with(0);
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
    // No `cpus_read_lock()` (see "CPU hotplug" in `consensus.rs`): with
    // preemption off no CPU found online below can go offline before the
    // wake-up IPIs are sent; queues of offline CPUs are woken from here.
    // SAFETY: Preemption is re-enabled below; nothing in between sleeps.
    unsafe { bindings::preempt_disable() };
    // SAFETY: `l` is live, preemption is off, `mask` is empty; the writer
    // word was cleared and the barrier issued above.
    let remote = unsafe {
        alock_prw_wake_sweep(
            l.raw(),
            bindings::raw_smp_processor_id(),
            sequential,
            mask.as_mut_ptr(),
        )
    };
    if remote > 0 {
        l.wake_pending.fetch_add(remote as i32, Ordering::AcqRel);
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
/// in [`alock_prw_write_acquire_locked`]).
///
/// # Safety
///
/// `l` is an initialised lock; process context.
pub unsafe fn write_lock(l: *mut PrwCore) {
    // SAFETY: Guaranteed by the caller.
    unsafe { prwlock_write_lock(l) }
}

/// `prwlock_write_trylock()` once `fast.c` took the writer mutex (without
/// waiting): the write side if no reader is in; does not wait for readers
/// (its consensus may send IPIs: process context).  On failure the mutex
/// is released (and the readers that came meanwhile let in); `fast.c`
/// annotates a success for lockdep.
///
/// # Safety
///
/// `l` is an initialised lock whose writer mutex the caller holds;
/// process context.
#[no_mangle]
pub unsafe extern "C" fn alock_prw_write_try_locked(l: *mut PrwCore) -> bool {
    // SAFETY: Guaranteed by the caller.
    let l = unsafe { &*l };
    if l.rwait.load(Ordering::Acquire) > 0 {
        // SAFETY: Held above.
        unsafe { bindings::mutex_unlock(l.wmutex.get()) };
        return false;
    }
    let v = announce(l);
    // A trylock does not wait: `consensus` never begins this.
    let mut nowait = LazyWait::new(Site::new(l.raw(), LCB_F_WRITE, Kind::PrwWrite));
    if !consensus(l, v, false, &mut nowait) || l.active.load(Ordering::SeqCst) != 0 {
        write_release_locked(l);
        return false;
    }
    stats::acquired(Kind::PrwWrite);
    true
}

/// `prwlock_write_unlock()` after `fast.c`'s lockdep release: clears the
/// writer word, wakes the readers, drops the mutex.
///
/// # Safety
///
/// The caller holds the write side of `l`.
#[no_mangle]
pub unsafe extern "C" fn alock_prw_write_release(l: *mut PrwCore) {
    // SAFETY: Guaranteed by the caller.
    write_release_locked(unsafe { &*l });
}

/// `prwlock_downgrade_write()` after `fast.c` turned lockdep's write hold
/// into a read hold (`lock_downgrade()`, which keeps its subclass): the
/// writer becomes an (active) reader and lets other readers in, with no
/// writer in between.
///
/// # Safety
///
/// The caller holds the write side of `l`.
#[no_mangle]
pub unsafe extern "C" fn alock_prw_downgrade_locked(l: *mut PrwCore) {
    // SAFETY: Guaranteed by the caller.
    let lr = unsafe { &*l };
    lr.active.fetch_add(1, Ordering::SeqCst);
    // SAFETY: `l` is initialised; records the hold for the unlock.
    unsafe { alock_prw_record_active(l) };
    write_release_locked(lr);
}

/// [`init`] for C: NULL arguments are `-EINVAL`, an error its errno.
///
/// # Safety
///
/// As for [`init`] where the pointers are not NULL.
unsafe fn init_c(
    l: *mut PrwCore,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
    gfp: bindings::gfp_t,
) -> c_int {
    if l.is_null() || name.is_null() || key.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: Guaranteed by the caller; not NULL (checked).
    match unsafe { init(l, name, key, gfp) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
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
    // SAFETY: Guaranteed by the caller.
    unsafe { init_c(l, name, key, bindings::GFP_KERNEL) }
}

/// `__prwlock_init()` with the per-CPU part charged to the caller's
/// memory cgroup (glue.h; the opted-in mmap_lock of `hooks/prwlock_mm.c`).
///
/// # Safety
///
/// As for [`__prwlock_init`].
#[no_mangle]
pub unsafe extern "C" fn alock_prw_init_account(
    l: *mut PrwCore,
    name: *const kernel::ffi::c_char,
    key: *mut bindings::lock_class_key,
) -> c_int {
    // SAFETY: Guaranteed by the caller.
    unsafe { init_c(l, name, key, bindings::GFP_KERNEL_ACCOUNT) }
}

/// `prwlock_destroy()`.
///
/// # Safety
///
/// As for [`destroy`].
#[no_mangle]
pub unsafe extern "C" fn prwlock_destroy(l: *mut PrwCore) {
    // SAFETY: Guaranteed by the caller.
    unsafe { destroy(l) };
}

/// Sets the benchmark switches ([`WAKE_SEQUENTIAL`]); alock.ko only, not
/// part of the C API.
///
/// # Safety
///
/// `l` is an initialised lock.
pub unsafe fn set_flags(l: *mut PrwCore, flags: u32) {
    // SAFETY: Guaranteed by the caller.
    unsafe { (*l).flags.store(flags, Ordering::Relaxed) };
}

/// `prwlock_set_domain()`: narrows writers' consensus to the CPUs of
/// `domain` (null: every online CPU).  See "Lock domain" in
/// `consensus.rs` for the rules the owner of the mask keeps.
///
/// # Safety
///
/// `l` is an initialised lock with no holder, or whose write side the
/// caller holds; `domain` is null or a `struct cpumask` that lives as long
/// as the lock.
#[no_mangle]
pub unsafe extern "C" fn prwlock_set_domain(l: *mut PrwCore, domain: *const bindings::cpumask) {
    // SAFETY: Guaranteed by the caller.
    unsafe { (*l).domain.store(domain.cast_mut(), Ordering::Relaxed) };
}

/// Read holds of the current task: `(held, passive)` (self-tests).
pub fn task_holds() -> (u32, u32) {
    let mut passive = 0;
    // SAFETY: Reads the current task's own state.
    let held = unsafe { alock_prw_task_held(&mut passive) };
    (held, passive)
}
