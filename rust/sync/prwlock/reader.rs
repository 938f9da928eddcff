// SPDX-License-Identifier: GPL-2.0

//! prwlock's reader slow paths, called by the C fast paths of `fast.c`
//! (declared in `glue.h`) when a writer is in or the task's hold table is
//! full: an active hold (`active += 1`, a fully ordered RMW, then a check
//! of `wpending`; see "Active readers" in the ordering argument at the top
//! of `raw.rs`), sleeping on this CPU's queue while a writer is in, and the
//! release of an active hold.

use core::ffi::c_int;
use core::sync::atomic::Ordering;
use kernel::bindings;

use super::raw::{alock_prw_record_active, wait_until_state, wake_all, KILLABLE};
use super::state::PrwCore;
use crate::support::stats::{self, Ctr, Kind};
use crate::support::trace::{LazyWait, Site, LCB_F_READ};

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
    // A sleep behind a writer is the read side's contention, reported with
    // `LCB_F_READ` (a sleeping reader, as rwsem's) and to lockstat: the
    // callers in `fast.c` announced the acquisition to lockdep.
    let mut wait = LazyWait::new(Site::new(l, LCB_F_READ, Kind::PrwRead).with_map(lr.map()));
    loop {
        lr.active.fetch_add(1, Ordering::SeqCst);
        if lr.wpending.load(Ordering::SeqCst) == 0 {
            if counted && lr.rwait.fetch_sub(1, Ordering::AcqRel) == 1 {
                wake_all(lr.wwait.get());
            }
            // SAFETY: Process context; `l` is initialised.
            unsafe { alock_prw_record_active(l) };
            stats::acquired(Kind::PrwRead);
            wait.end_with(0);
            return true;
        }
        // A writer is in: back off and wait on this CPU's queue.
        if lr.active.fetch_sub(1, Ordering::SeqCst) == 1 {
            wake_all(lr.wwait.get());
        }
        if !counted {
            lr.rwait.fetch_add(1, Ordering::SeqCst);
            counted = true;
            stats::add(Kind::PrwRead, Ctr::Sleeps, 1);
            wait.waiting();
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
            wait.end_with(-(bindings::EINTR as i32));
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
        stats::acquired(Kind::PrwRead);
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
