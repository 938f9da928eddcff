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
//! * [`stats`]: what a handle's operations cost (verbs, steps).
//! * [`table`]: the [`Table`] and its [`Handle`]s with the primitives
//!   every algorithm uses, one lock kind at a time ([`Table::use_kind`]).
//! * [`node`]: the node's one table ([`table()`], [`node::create`],
//!   [`node::destroy`], [`node::summary`], module
//!   [`node::init`]/[`node::exit`]).
//! * [`failure`]: what a failed wait blames, what a failed acquire leaves
//!   in a queue and the helper thread that passes it through.
//! * [`value`]: the value a key's lock protects (lock-and-fetch,
//!   write-back-and-release, torn values).
//! * [`recovery`]: a key's home resets its queue after a node died in it
//!   (closing, lease, reset, eras).
//! * [`alock`]: ALock (local and remote cohorts, Peterson between their
//!   leaders).
//! * [`alock_rw`]: ALock-RW, ALock with a shared mode (reader counts
//!   beside ALock, writer phases).
//! * [`loopback`]: the RDMA spin and MCS locks.
//! * [`dslr`]: DSLR, the symmetric reader-writer competitor.
//! * [`trylock`]: ALock's and ALock-RW's acquires that do not wait.
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
pub mod alock_rw;
pub mod dslr;
pub mod failure;
pub mod keystats;
pub mod loopback;
pub mod node;
pub mod observe;
pub mod recovery;
pub mod rpc;
pub mod stats;
pub mod table;
pub mod trylock;
pub mod value;
pub mod window;

use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

use kernel::{bindings, prelude::*, sync::Arc};

pub use node::table;
pub use table::{Config, Handle, Held, Kind, Stats, Summary, Table, Value, DEFAULT_BUDGET};
pub use window::{Placement, MAX_HANDLES, MAX_HELD};

use recovery::stale;
use table::{broken, Acq, Phase};
use window::{NEXT, STATE};

use crate::rdma::Wait;
use crate::support::util::{errno, now_ns};

impl Handle<'_> {
    /// Acquires key `k` exclusively.
    pub fn lock(&mut self, kind: Kind, k: u32) -> Result<Held> {
        self.lock_mode(kind, k, false)
    }

    /// Acquires key `k`, `shared` or exclusively: `EINVAL` for a shared
    /// acquire of a kind without a shared mode ([`Kind::is_rw`]),
    /// `EDEADLK` if this handle holds `k`.
    pub fn lock_mode(&mut self, kind: Kind, k: u32, shared: bool) -> Result<Held> {
        self.acquire(kind, k, shared, false)
    }

    /// [`Handle::lock_mode`] without waiting: `EAGAIN` if the key is
    /// busy (ALock and ALock-RW only, else `EOPNOTSUPP`; [`trylock`]).
    pub fn try_lock_mode(&mut self, kind: Kind, k: u32, shared: bool) -> Result<Held> {
        if !kind.is_alock() {
            return Err(errno(bindings::EOPNOTSUPP));
        }
        self.acquire(kind, k, shared, true)
    }

    fn acquire(&mut self, kind: Kind, k: u32, shared: bool, try_: bool) -> Result<Held> {
        if k >= self.t.keys() || (shared && !kind.is_rw()) {
            return Err(EINVAL);
        }
        if (0..MAX_HELD).any(|s| self.used & (1 << s) != 0 && self.keys[s] == k) {
            return Err(errno(bindings::EDEADLK));
        }
        if self.t.is_broken(k) {
            return Err(broken());
        }
        self.kind.set(kind);
        self.op_start.set(now_ns());
        self.enq_era.set(None);
        self.observe_start(kind, k, shared);
        let before = self.stats.get();
        let r = self.lock_observed(kind, k, shared, try_);
        // The wait ends in the frame that began it (`support::trace`).
        let waited = self.end_wait(r.as_ref().err().map_or(0, |e| e.to_errno()));
        let acq = r.as_ref().map(|(_, acq)| acq).map_err(|e| *e);
        self.observe_end(kind, k, shared, &before, waited, acq);
        r.map(|(h, _)| h)
    }

    /// [`Handle::lock`] once its wait is set up: the held lock and how it
    /// was acquired.  Inlined, with the acquire paths it calls, into
    /// `lock`, which ends the wait they may begin.
    #[inline(always)]
    fn lock_observed(
        &mut self,
        kind: Kind,
        k: u32,
        shared: bool,
        try_: bool,
    ) -> Result<(Held, Acq)> {
        loop {
            // Slots held, and slots a failed acquire left in a queue.
            let busy = self.used | u32::from(self.t.retired[self.idx].load(Acquire));
            let slot = (!busy).trailing_zeros() as usize;
            if slot >= MAX_HELD {
                return Err(EBUSY);
            }
            let d = self.desc(slot);
            self.t.word(d + STATE).store(0, Relaxed);
            self.t.word(d + NEXT).store(0, Release);
            self.phase(Phase::Out);
            self.blame(0);
            let local = self.t.home(k) == self.t.me;
            if kind == Kind::AlockRw && !self.t.rw_used.load(Relaxed) {
                self.t.rw_used.store(true, Release);
            }
            let r = match kind {
                _ if try_ => self.try_acquire(kind, k, d, shared),
                Kind::Alock if local => self.alock_local(k, d),
                Kind::Alock => self.alock_remote(k, d),
                Kind::AlockRw if shared && local => self.rw_read_local(k),
                Kind::AlockRw if shared => self.rw_read_remote(k),
                Kind::AlockRw => self.rw_write(k, d),
                Kind::SpinLoopback => self.spin_lock(k),
                Kind::McsLoopback => self.mcs_lock(k, d),
                Kind::DslrLoopback => self.dslr_lock(k, shared),
                Kind::Rpc => self.rpc_lock(k, slot),
            };
            match r {
                Ok(acq) => {
                    self.used |= 1 << slot;
                    self.keys[slot] = k;
                    let mut h = Held {
                        key: k,
                        slot,
                        budget: acq.budget,
                        kind,
                        shared,
                        value: None,
                        era: None,
                        torn: false,
                        qera: self.enq_era.get().unwrap_or(0),
                        write_back: None,
                    };
                    Self::take_value(&mut h, acq.value);
                    return Ok((h, Acq::bare(acq.budget)));
                }
                Err(e) if e == stale() => {
                    // The key's queue is being reset: leave this place
                    // (passed through), enqueue again once it is open.
                    self.abandon(slot, kind, k, true);
                    let era = self.enq_era.get().unwrap_or(0);
                    self.wait_open(k, era, self.op_start.get())?;
                }
                Err(e) => {
                    // The descriptor (or RPC waiter id) may still be in a
                    // queue and get a late hand-off: pass it through.
                    self.abandon(slot, kind, k, false);
                    return Err(e);
                }
            }
        }
    }

    /// Releases a lock taken with [`Handle::lock`], writing back the
    /// value given to [`Handle::set_value`] first (in the same post as
    /// the release where the release goes to the key's home).
    pub fn unlock(&mut self, h: Held) -> Result {
        self.used &= !(1 << h.slot);
        // What `check_wait` does about a lost node depends on the kind.
        self.kind.set(h.kind);
        let d = self.desc(h.slot);
        // Readers write nothing back.
        let wb = if h.shared { None } else { self.write_back(&h) };
        self.blame(1 << self.t.home(h.key));
        let r = match h.kind {
            Kind::Alock if self.t.home(h.key) == self.t.me => self.alock_local_unlock(&h, d),
            Kind::Alock => self.alock_remote_unlock(&h, d, wb),
            Kind::AlockRw if h.shared => self.rw_read_unlock(h.key),
            Kind::AlockRw => self.rw_write_unlock(&h, d, wb),
            Kind::SpinLoopback => self.spin_unlock(h.key, wb),
            Kind::McsLoopback => self.mcs_unlock(h.key, d, wb),
            Kind::DslrLoopback => self.dslr_unlock(&h, wb),
            Kind::Rpc => {
                if let Some(x) = wb {
                    self.verbs(0, 1, 0);
                    self.t
                        .peer(self.t.home(h.key))?
                        .write(x.remote, x.local, x.len, self.wait)?;
                }
                self.rpc_unlock(h.key, h.slot)
            }
        };
        if r.is_err() {
            // The hand-off or the release may not have happened: the
            // queue behind this holder is stuck.
            self.t.mark_broken(h.key);
            // A successor's late link may still land in the descriptor:
            // the slot is never used again by this handle.
            self.t.retired[self.idx].fetch_or(1 << h.slot, AcqRel);
        }
        r
    }

    /// Acquires every key of `keys` in ascending order (deadlock-free: all
    /// threads of all nodes order keys the same way).  On failure the
    /// locks taken so far are released.  `keys` is sorted and deduplicated.
    pub fn lock_many(&mut self, kind: Kind, keys: &mut [u32], out: &mut KVec<Held>) -> Result {
        self.lock_many_mode(kind, keys, false, out)
    }

    /// [`Handle::lock_many`], `shared` or exclusively
    /// ([`Handle::lock_mode`]).
    pub fn lock_many_mode(
        &mut self,
        kind: Kind,
        keys: &mut [u32],
        shared: bool,
        out: &mut KVec<Held>,
    ) -> Result {
        keys.sort_unstable();
        let mut last = None;
        for &k in keys.iter() {
            if last == Some(k) {
                continue;
            }
            last = Some(k);
            match self.lock_mode(kind, k, shared) {
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
    #[inline(always)]
    fn rpc_lock(&self, k: u32, slot: usize) -> Result<Acq> {
        let t = self.t;
        let p = t.peer(t.home(k))?;
        t.rpc.serve()?;
        self.blame(1 << t.home(k));
        self.phase(Phase::Unknown);
        t.rpc.lock(p, k, self.waiter(slot), self.wait, |start| {
            self.phase(Phase::Queued);
            self.waiting();
            self.check_wait(k, start)
        })?;
        self.count(|s| {
            s.sends += 1;
            s.leaders += 1;
        });
        Ok(Acq::bare(0))
    }

    /// Releases key `k` of the RPC lock, held as waiter `slot`.
    fn rpc_unlock(&self, k: u32, slot: usize) -> Result {
        let t = self.t;
        self.count(|s| s.sends += 1);
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

/// How a [`DlHandle`] takes a key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Exclusive, with ALock.
    Exclusive,
    /// Exclusive, with ALock-RW (it excludes the key's readers).
    RwExclusive,
    /// Shared, with ALock-RW.
    Shared,
}

impl Mode {
    /// The lock kind.
    pub fn kind(self) -> Kind {
        if self == Mode::Exclusive {
            Kind::Alock
        } else {
            Kind::AlockRw
        }
    }
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
    /// The kind it uses the table with ([`Table::use_kind`]) while it
    /// holds keys.
    in_use: Option<Kind>,
    table: Arc<Table>,
}

impl Drop for DlHandle {
    fn drop(&mut self) {
        let _ = unlock_all(&mut self.h, &mut self.held);
        self.done_if_empty();
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
        Ok(KBox::new(
            DlHandle {
                h,
                held,
                in_use: None,
                table: t,
            },
            GFP_KERNEL,
        )?)
    }

    /// Becomes a user of `kind` on the table (`EBUSY` while another kind
    /// uses it: a run, or this handle's own keys), unless it is one.
    fn use_table(&mut self, kind: Kind) -> Result {
        match self.in_use {
            Some(k) if k == kind => Ok(()),
            Some(_) => Err(EBUSY),
            None => {
                self.table.use_kind(kind)?;
                self.in_use = Some(kind);
                Ok(())
            }
        }
    }

    /// Ends its use of the table once it holds no key.
    fn done_if_empty(&mut self) {
        if self.in_use.is_some() && self.held.is_empty() {
            self.table.leave_kind();
            self.in_use = None;
        }
    }

    /// Acquires `key` as `mode` says, without waiting if `try_` (`EAGAIN`
    /// if it is busy); `EDEADLK` if this handle holds it, `EBUSY` if the
    /// handle (or a run on this node) holds keys with the other kind
    /// (ALock and ALock-RW do not mix on a node).
    pub fn lock_with(&mut self, key: u32, mode: Mode, try_: bool) -> Result {
        if self.held.iter().any(|x| x.key() == key) {
            return Err(errno(bindings::EDEADLK));
        }
        let kind = mode.kind();
        self.use_table(kind)?;
        let shared = mode == Mode::Shared;
        let r = if try_ {
            self.h.try_lock_mode(kind, key, shared)
        } else {
            self.h.lock_mode(kind, key, shared)
        };
        // `held` has room for every slot of the handle: no allocation.
        let r = r.and_then(|x| Ok(self.held.push(x, GFP_KERNEL)?));
        self.done_if_empty();
        r
    }

    /// [`DlHandle::lock_with`], then the key's value and whether it may be
    /// torn ([`Handle::torn`]).
    pub fn lock_value_with(&mut self, key: u32, mode: Mode, try_: bool) -> Result<(Value, bool)> {
        self.lock_with(key, mode, try_)?;
        let n = self.held.len();
        let x = &mut self.held[n - 1];
        match self.h.value(x) {
            Ok(v) => Ok((v, self.h.torn(x))),
            Err(e) => {
                let _ = self.unlock(key);
                Err(e)
            }
        }
    }

    /// Acquires `key` with ALock; `EDEADLK` if this handle holds it.
    pub fn lock(&mut self, key: u32) -> Result {
        self.lock_with(key, Mode::Exclusive, false)
    }

    /// Acquires `key` with ALock and returns its value and whether it
    /// may be torn ([`Handle::torn`]); `EDEADLK` if this handle holds it.
    pub fn lock_value(&mut self, key: u32) -> Result<(Value, bool)> {
        self.lock_value_with(key, Mode::Exclusive, false)
    }

    /// Releases `key`, writing `value` back first if given; `ENOENT` if
    /// this handle does not hold it.
    ///
    /// A key held shared writes nothing back: it is released, then
    /// `EPERM` if a value was given.
    pub fn unlock_store(&mut self, key: u32, value: Option<Value>) -> Result {
        let mut shared = false;
        if let Some(v) = value {
            let x = self
                .held
                .iter_mut()
                .find(|x| x.key() == key)
                .ok_or(ENOENT)?;
            shared = x.shared();
            self.h.set_value(x, v);
        }
        self.unlock(key)?;
        if shared {
            return Err(EPERM);
        }
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
        let r = unlock_all(&mut self.h, &mut one);
        self.done_if_empty();
        r
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
        // ALock, or ALock-RW (exclusive) while the handle uses that.
        let kind = self.in_use.unwrap_or(Kind::Alock);
        self.use_table(kind)?;
        let mut got = KVec::new();
        let mut r = self.h.lock_many(kind, keys, &mut got);
        while let Some(x) = pop_last(&mut got) {
            if self.held.push(x, GFP_KERNEL).is_err() {
                r = Err(ENOMEM);
                break;
            }
        }
        self.done_if_empty();
        r
    }

    /// Releases every key this handle holds.
    pub fn unlock_all(&mut self) -> Result {
        let r = unlock_all(&mut self.h, &mut self.held);
        self.done_if_empty();
        r
    }

    /// The table.
    pub fn table(&self) -> &Table {
        &self.table
    }
}
