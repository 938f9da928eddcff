// SPDX-License-Identifier: GPL-2.0

//! The lock table's `/dev/alock` commands: `ALOCK_IOC_TABLE` (create,
//! destroy, sum up the node's table of [`crate::dlock`]: the uapi
//! structure is checked and converted here) and the keys an open file
//! holds ([`UserLocks`]: `ALOCK_IOC_DLOCK_LOCK`, `ALOCK_IOC_DLOCK_UNLOCK`).

use core::sync::atomic::{
    AtomicBool, AtomicPtr,
    Ordering::{AcqRel, Acquire, Release},
};

use kernel::{bindings, prelude::*};

use super::{OpenFile, TABLE_OWNER};
use crate::dlock::{self, Config, DlHandle, Mode, Placement};
use crate::support::util::{now_ns, require_cap};
use crate::uapi::*;

/// `ALOCK_IOC_TABLE` through `file`: the file that creates the table owns
/// it, and while it stays open another file's DESTROY is `EBUSY`
/// ([`super::Owner`]).
pub fn ctl(file: &OpenFile, a: &mut AlockTableCtl) -> Result {
    if a.reclaims != 0 {
        return Err(EINVAL);
    }
    // Creating or destroying the node's table is an administrator's
    // (the sum is a read).
    if a.op == ALOCK_TABLE_CREATE || a.op == ALOCK_TABLE_DESTROY {
        require_cap(bindings::CAP_SYS_ADMIN)?;
    }
    match a.op {
        ALOCK_TABLE_CREATE => {
            let placement = match a.placement {
                ALOCK_PLACE_HASH => Placement::Hash,
                ALOCK_PLACE_MOD => Placement::Mod,
                _ => return Err(EINVAL),
            };
            let ok = (1..=ALOCK_TABLE_MAX_KEYS).contains(&a.keys)
                && a.local_budget <= ALOCK_TABLE_MAX_BUDGET
                && a.remote_budget <= ALOCK_TABLE_MAX_BUDGET
                && a.lease_ms <= ALOCK_TABLE_MAX_LEASE_MS;
            if !ok {
                return Err(EINVAL);
            }
            a.homed = dlock::node::create(&Config {
                keys: a.keys,
                placement,
                local_budget: a.local_budget,
                remote_budget: a.remote_budget,
                lease_ms: a.lease_ms,
            })?;
            TABLE_OWNER.set(file);
        }
        ALOCK_TABLE_DESTROY => {
            // No table says so, whoever asks.
            if dlock::node::table().is_some() {
                TABLE_OWNER.check(file)?;
            }
            dlock::node::destroy()?;
            TABLE_OWNER.clear();
        }
        ALOCK_TABLE_SUM => {
            let s = dlock::node::summary()?;
            a.counter_sum = s.counter_sum;
            a.homed = s.homed;
            a.keys = s.keys;
            a.broken = s.broken;
            a.resets = s.resets;
            a.reclaims = s.reclaims;
        }
        _ => return Err(EINVAL),
    }
    Ok(())
}

/// The lock table as seen from one open `/dev/alock` file: keys locked
/// with `ALOCK_IOC_DLOCK_LOCK` stay held until `ALOCK_IOC_DLOCK_UNLOCK` or
/// until the file is closed.  One ioctl at a time per file (`EBUSY`).
pub struct UserLocks {
    h: AtomicPtr<DlHandle>,
    busy: AtomicBool,
}

impl UserLocks {
    /// No handle yet (made by the first lock).
    pub const fn new() -> Self {
        Self {
            h: AtomicPtr::new(core::ptr::null_mut()),
            busy: AtomicBool::new(false),
        }
    }

    /// `ALOCK_IOC_DLOCK_LOCK` (`lock`) and `ALOCK_IOC_DLOCK_UNLOCK`.
    ///
    /// A wait for a key is bounded as `ALOCK_IOC_DLOCK_RUN`'s: `timeout_ms`
    /// is 0 (the table's default) or at most
    /// `ALOCK_CLUSTER_MAX_TIMEOUT_MS`, else `EINVAL` (on both commands, so
    /// that no value above the bound is ever accepted); and a signal ends
    /// it with `EINTR` (`Handle::check_wait` of `dlock::failure`, between
    /// the polls: the handle waits with `Wait::Yield`).
    pub fn ioctl(&self, a: &mut AlockDlockKey, lock: bool) -> Result {
        let flags = if lock {
            ALOCK_DLOCK_KEY_SHARED | ALOCK_DLOCK_KEY_RW | ALOCK_DLOCK_KEY_TRY
        } else {
            ALOCK_DLOCK_KEY_STORE
        };
        let mode = match a.flags & (ALOCK_DLOCK_KEY_SHARED | ALOCK_DLOCK_KEY_RW) {
            0 => Mode::Exclusive,
            ALOCK_DLOCK_KEY_RW => Mode::RwExclusive,
            ALOCK_DLOCK_KEY_SHARED => Mode::Shared,
            _ => return Err(EINVAL),
        };
        if a.flags & !flags != 0
            || a.timeout_ms > ALOCK_CLUSTER_MAX_TIMEOUT_MS
            || a.reserved != 0
            || a.reserved2 != 0
            || a.reserved3 != 0
        {
            return Err(EINVAL);
        }
        if self.busy.swap(true, AcqRel) {
            return Err(EBUSY);
        }
        let r = (|| {
            let mut p = self.h.load(Acquire);
            if p.is_null() {
                if !lock {
                    return Err(ENOENT);
                }
                p = KBox::into_raw(DlHandle::new(a.timeout_ms)?);
                self.h.store(p, Release);
            }
            // SAFETY: `p` came from `KBox::into_raw` and is only used by
            // the holder of `busy`.
            let d = unsafe { &mut *p };
            if a.key >= d.table().keys() {
                return Err(EINVAL);
            }
            a.home = d.table().home(a.key);
            let t0 = now_ns();
            if lock {
                let try_ = a.flags & ALOCK_DLOCK_KEY_TRY != 0;
                let (v, torn) = d.lock_value_with(a.key, mode, try_)?;
                a.value = v;
                a.torn = u32::from(torn);
            } else {
                let store = a.flags & ALOCK_DLOCK_KEY_STORE != 0;
                d.unlock_store(a.key, store.then_some(a.value))?;
            }
            a.latency_ns = (now_ns() - t0) as u64;
            Ok(())
        })();
        self.busy.store(false, Release);
        r
    }
}

impl Default for UserLocks {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for UserLocks {
    fn drop(&mut self) {
        let p = *self.h.get_mut();
        if !p.is_null() {
            // SAFETY: From `KBox::into_raw`; the file is being released,
            // nothing uses it.  Dropping releases the keys still held.
            drop(unsafe { KBox::from_raw(p) });
        }
    }
}
