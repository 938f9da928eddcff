// SPDX-License-Identifier: GPL-2.0

//! ALock, the asymmetric lock for RDMA systems (Nelson-Slivon, Tseng,
//! Palmieri), on the module's RDMA transport, as the locks of a
//! distributed lock table; with its competitors (RDMA spin and MCS locks
//! that use loopback for local threads, and an RPC lock).
//!
//! What is where (each file imports only those above it in this list):
//!
//! * [`window`]: the layout of the table in every node's RDMA window
//!   (diagram), the encoding of the words two agents write, offsets and
//!   limits, where a key lives ([`Placement`], [`window::home_of`]).
//! * [`rpc`]: the RPC lock (a lock server on each key's home node, the
//!   grant words of this node's waiters).
//! * [`table`]: the [`Table`] and its [`Handle`]s with the primitives
//!   every algorithm uses; the node's one table ([`table()`],
//!   [`table::create`], [`table::destroy`], [`table::summary`], module
//!   [`table::init`]/[`table::exit`]).
//! * [`alock`]: ALock (local and remote cohorts, Peterson between their
//!   leaders).
//! * [`loopback`]: the RDMA spin and MCS locks.
//! * this file: [`Handle::lock`], [`Handle::unlock`] and
//!   [`Handle::lock_many`], which dispatch on the [`Kind`]; [`DlHandle`],
//!   a handle that owns its table reference and the keys it holds.
//!
//! Rust API: [`table()`], [`Table::handle`], [`Handle::lock`],
//! [`Handle::lock_many`], [`Handle::unlock`].  No part of it reads the
//! uapi: the front ends convert.  Front ends: [`crate::capi::dlock`] (the
//! C API, on [`DlHandle`]), [`crate::chardev`] (`ALOCK_IOC_TABLE`, which
//! makes a [`Config`], and the keys a `/dev/alock` file holds); the stress
//! and benchmark command is [`crate::harness::dlock`].
//!
//! Documentation: `Documentation/alock.rst`.

pub mod alock;
pub mod loopback;
pub mod rpc;
pub mod table;
pub mod window;

use core::sync::atomic::Ordering::{AcqRel, Relaxed, Release};

use kernel::{bindings, prelude::*, sync::Arc};

pub use table::{table, Config, Handle, Held, Kind, Summary, Table, DEFAULT_BUDGET};
pub use window::{Placement, MAX_HANDLES, MAX_HELD};

use table::broken;
use window::{NEXT, STATE};

use crate::rdma::Wait;
use crate::support::util::errno;

impl Handle<'_> {
    /// Acquires key `k`.
    pub fn lock(&mut self, kind: Kind, k: u32) -> Result<Held> {
        if k >= self.t.keys() {
            return Err(EINVAL);
        }
        if self.t.is_broken(k) {
            return Err(broken());
        }
        let slot = (!self.used).trailing_zeros() as usize;
        if slot >= MAX_HELD {
            // All held, or retired after failures.
            return Err(EBUSY);
        }
        let d = self.desc(slot);
        self.t.word(d + STATE).store(0, Relaxed);
        self.t.word(d + NEXT).store(0, Release);
        let r = match kind {
            Kind::Alock if self.t.home(k) == self.t.me => self.alock_local(k, d),
            Kind::Alock => self.alock_remote(k, d),
            Kind::SpinLoopback => self.spin_lock(k),
            Kind::McsLoopback => self.mcs_lock(k, d),
            Kind::Rpc => self.rpc_lock(k, slot),
        };
        let budget = match r {
            Ok(b) => b,
            Err(e) => {
                // The descriptor (and RPC waiter id) may still be in a
                // queue and get a late hand-off: never use it again.
                self.used |= 1 << slot;
                self.t.retired[self.idx].fetch_or(1 << slot, AcqRel);
                return Err(e);
            }
        };
        self.used |= 1 << slot;
        Ok(Held {
            key: k,
            slot,
            budget,
            kind,
        })
    }

    /// Releases a lock taken with [`Handle::lock`].
    pub fn unlock(&mut self, h: Held) -> Result {
        self.used &= !(1 << h.slot);
        let d = self.desc(h.slot);
        match h.kind {
            Kind::Alock if self.t.home(h.key) == self.t.me => self.alock_local_unlock(&h, d),
            Kind::Alock => self.alock_remote_unlock(&h, d),
            Kind::SpinLoopback => self.spin_unlock(h.key),
            Kind::McsLoopback => self.mcs_unlock(h.key, d),
            Kind::Rpc => self.rpc_unlock(h.key, h.slot),
        }
    }

    /// Acquires every key of `keys` in ascending order (deadlock-free: all
    /// threads of all nodes order keys the same way).  On failure the
    /// locks taken so far are released.  `keys` is sorted and deduplicated.
    pub fn lock_many(&mut self, kind: Kind, keys: &mut [u32], out: &mut KVec<Held>) -> Result {
        keys.sort_unstable();
        let mut last = None;
        for &k in keys.iter() {
            if last == Some(k) {
                continue;
            }
            last = Some(k);
            match self.lock(kind, k) {
                Ok(h) => out.push(h, GFP_KERNEL)?,
                Err(e) => {
                    while let Some(h) = pop_last(out) {
                        let _ = self.unlock(h);
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// The RPC lock's waiter id of held-lock slot `slot` on this node.
    fn waiter(&self, slot: usize) -> u32 {
        (self.idx * MAX_HELD + slot) as u32
    }

    /// Acquires key `k` with the RPC lock, as waiter `slot`.
    fn rpc_lock(&self, k: u32, slot: usize) -> Result<u32> {
        let t = self.t;
        let p = t.peer(t.home(k))?;
        t.rpc.lock(p, k, self.waiter(slot), self.wait, |start| {
            self.check_wait(k, start)
        })?;
        Ok(0)
    }

    /// Releases key `k` of the RPC lock, held as waiter `slot`.
    fn rpc_unlock(&self, k: u32, slot: usize) -> Result {
        let t = self.t;
        t.rpc
            .unlock(t.peer(t.home(k))?, k, self.waiter(slot), self.wait)
    }
}

/// Takes the last element out of a vector (`KVec` of 6.12 has no `pop`).
pub fn pop_last<T>(v: &mut KVec<T>) -> Option<T> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    // SAFETY: The last element is initialised; after `set_len(n - 1)` the
    // vector no longer owns it, so it is read out exactly once.
    unsafe {
        let x = core::ptr::read(v.as_ptr().add(n - 1));
        v.set_len(n - 1);
        Some(x)
    }
}

/// Releases every lock of `held`, in reverse order of acquisition.
pub fn unlock_all(h: &mut Handle<'_>, held: &mut KVec<Held>) -> Result {
    let mut ret = Ok(());
    while let Some(x) = pop_last(held) {
        if let Err(e) = h.unlock(x) {
            ret = Err(e);
        }
    }
    ret
}

/// A handle on the node's table that keeps the table alive and knows the
/// keys it holds (ALock only): what `struct alock_dl *` of the C API
/// points to, and what a `/dev/alock` file locks keys with.  Dropping it
/// releases the keys still held.
pub struct DlHandle {
    // Declared before `table`: dropped first, while the table it borrows
    // is still alive.
    h: Handle<'static>,
    held: KVec<Held>,
    table: Arc<Table>,
}

impl Drop for DlHandle {
    fn drop(&mut self) {
        let _ = unlock_all(&mut self.h, &mut self.held);
    }
}

impl DlHandle {
    /// A handle on this node's lock table (`ENOENT` without one), with
    /// `timeout_ms` for each wait (0: the default).
    pub fn new(timeout_ms: u32) -> Result<KBox<Self>> {
        let t = table().ok_or(ENOENT)?;
        // SAFETY: The table lives in an `Arc` kept in the same `DlHandle`
        // and dropped after the handle (field order), so the reference
        // outlives every use; the `'static` lifetime never escapes.
        let tref: &'static Table = unsafe { &*(&*t as *const Table) };
        let h = tref.handle(Wait::Yield, timeout_ms)?;
        let held = KVec::with_capacity(MAX_HELD, GFP_KERNEL)?;
        Ok(KBox::new(DlHandle { h, held, table: t }, GFP_KERNEL)?)
    }

    /// Acquires `key` with ALock; `EDEADLK` if this handle holds it.
    pub fn lock(&mut self, key: u32) -> Result {
        if self.held.iter().any(|x| x.key() == key) {
            return Err(errno(bindings::EDEADLK));
        }
        let x = self.h.lock(Kind::Alock, key)?;
        self.held.push(x, GFP_KERNEL)?;
        Ok(())
    }

    /// Releases `key`; `ENOENT` if this handle does not hold it.
    pub fn unlock(&mut self, key: u32) -> Result {
        let i = self
            .held
            .iter()
            .position(|x| x.key() == key)
            .ok_or(ENOENT)?;
        // Keep the others: move the one to release to the end, take it.
        let n = self.held.len();
        self.held.swap(i, n - 1);
        let mut one = KVec::with_capacity(1, GFP_KERNEL)?;
        if let Some(x) = pop_last(&mut self.held) {
            one.push(x, GFP_KERNEL)?;
        }
        unlock_all(&mut self.h, &mut one)
    }

    /// Number of keys held.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Acquires the keys of `keys` (sorted in place, duplicates taken
    /// once) with ALock in ascending order; on failure none of them is
    /// held.  `EDEADLK` if this handle holds one of them already.
    pub fn lock_many(&mut self, keys: &mut [u32]) -> Result {
        if keys.iter().any(|k| self.held.iter().any(|x| x.key() == *k)) {
            return Err(errno(bindings::EDEADLK));
        }
        let mut got = KVec::new();
        self.h.lock_many(Kind::Alock, keys, &mut got)?;
        while let Some(x) = pop_last(&mut got) {
            if self.held.push(x, GFP_KERNEL).is_err() {
                return Err(ENOMEM);
            }
        }
        Ok(())
    }

    /// Releases every key this handle holds.
    pub fn unlock_all(&mut self) -> Result {
        unlock_all(&mut self.h, &mut self.held)
    }

    /// The table.
    pub fn table(&self) -> &Table {
        &self.table
    }
}
