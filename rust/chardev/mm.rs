// SPDX-License-Identifier: GPL-2.0

//! `ALOCK_IOC_MM`: checks a `struct alock_mm_ctl`, runs its operation on
//! the caller's mm through [`crate::hooks::mm`] and reports the mm's state
//! back in it, with the prwlock writers' counters (all locks of the module,
//! read from [`crate::sync::prwlock`] here, not through the provider).

use core::sync::atomic::Ordering;
use kernel::prelude::*;

use crate::hooks::mm;
use crate::sync::prwlock;
use crate::uapi::*;

/// Checks the input fields of `a` for its operation.
fn validate(a: &AlockMmCtl) -> Result {
    if a.reserved != 0 {
        return Err(EINVAL);
    }
    match a.op {
        ALOCK_MM_STATUS | ALOCK_MM_OPTIN if a.flags == 0 && a.hold_ms == 0 => Ok(()),
        ALOCK_MM_HOLD
            if a.flags & !ALOCK_MM_HOLD_WRITE == 0
                && (1..=ALOCK_MM_MAX_HOLD_MS).contains(&a.hold_ms) =>
        {
            Ok(())
        }
        _ => Err(EINVAL),
    }
}

/// `ALOCK_IOC_MM`: runs the operation on the caller's mm, then reports.
pub fn ctl(a: &mut AlockMmCtl) -> Result {
    validate(a)?;
    a.acquired_ns = 0;
    a.released_ns = 0;
    let ret = match a.op {
        ALOCK_MM_OPTIN => mm::optin(),
        ALOCK_MM_HOLD => {
            let (t, ret) = mm::hold(a.flags & ALOCK_MM_HOLD_WRITE != 0, a.hold_ms);
            a.acquired_ns = t.acquired_ns;
            a.released_ns = t.released_ns;
            ret
        }
        _ => Ok(()),
    };
    let s = mm::status()?;
    a.opted_in = s.opted_in;
    a.nr_mms = s.nr_mms;
    a.writes = s.writes;
    a.active_unlocks = s.active_unlocks;
    let get = |c: &prwlock::WriterCounter| c.load(Ordering::Relaxed);
    a.ipis = get(&prwlock::IPIS);
    a.idle_skips = get(&prwlock::IDLE_SKIPS);
    a.domain_skips = get(&prwlock::DOMAIN_SKIPS);
    a.rounds = get(&prwlock::ROUNDS);
    a.drain_ipis = get(&prwlock::DRAIN_IPIS);
    ret
}
