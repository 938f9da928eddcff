// SPDX-License-Identifier: GPL-2.0

//! The distributed lock table: `keys` locks spread over the nodes of the
//! cluster, each living in the registered window of its home node, with
//! ALock (local and remote cohorts, Peterson between their leaders) and
//! three competitors on the same lines: an RDMA spin lock and an RDMA MCS
//! lock that go through the NIC for every access (loopback for local
//! threads), and an RPC lock served by a kernel thread on the home node.
//!
//! Window layout (the same on every node; offsets from [`TABLE_BASE`]):
//!
//! ```text
//! lines        keys x 64 B, line k at TABLE_BASE + 64 k (used at k's home)
//!   +0  r_tail   remote cohort's MCS tail     RDMA CAS only
//!   +8  l_tail   local cohort's MCS tail      CPU atomics only
//!   +16 victim   Peterson victim (1 local, 2 remote: byte 0 only)
//!                                             CPU store / RDMA WRITE
//!   +24 spin     RDMA spin lock word          RDMA CAS only (loopback)
//!   +32 owner    test: holder's tag, 0 free   inside the lock only
//!   +40 counter  test: critical sections      inside the lock only
//!   +48 m_tail   RDMA MCS tail                RDMA CAS only (loopback)
//! descriptors  MAX_HANDLES x MAX_HELD x 32 B, this node's threads
//!   +0  state    0 waiting; enc(0) lead; enc(b) pass with budget b
//!   +8  next     0 or enc(successor's descriptor address)
//!   +16 +24      sources of this thread's RDMA WRITEs
//! scratch      MAX_HANDLES x 64 B, destinations of RDMA READs
//! ```
//!
//! Every word that two agents write with different means (a CPU store and
//! an RDMA WRITE, which rxe performs with `memcpy`) holds either small
//! values that differ in one byte (`victim`) or values [`enc`]oded so that
//! every byte has its top bit set: a reader that meets a half-copied word
//! sees a byte with a clear top bit and knows the value is not there yet;
//! a tail is never mistaken for 0.  No word is changed by both a CPU
//! atomic and an RDMA atomic: `Documentation/alock.rst` has the argument.

use core::sync::atomic::{
    fence, AtomicBool, AtomicU64,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};

use kernel::{bindings, new_mutex, prelude::*, sync::Arc, sync::Mutex};

use crate::rdma::{relax, Cluster, Peer, Wait, Xfer, MAX_NODES};
use crate::support::util::errno;
use crate::support::util::{kvec_from_fn, now_ns};
use crate::uapi::*;

/// Where the table starts in every window (below: the transport tests'
/// words and barriers).
pub const TABLE_BASE: u64 = 65536;
/// Bytes per lock line.
pub const LINE: u64 = 64;
/// Threads (handles) per node.
pub const MAX_HANDLES: usize = 64;
/// Locks one handle may hold at once (multi-key acquire).
pub const MAX_HELD: usize = 8;
const DESC: u64 = 32;
const SCRATCH: u64 = 64;

const R_TAIL: u64 = 0;
const L_TAIL: u64 = 8;
const VICTIM: u64 = 16;
const SPIN: u64 = 24;
const OWNER: u64 = 32;
const COUNTER: u64 = 40;
const M_TAIL: u64 = 48;

const V_LOCAL: u64 = 1;
const V_REMOTE: u64 = 2;

/// Default hand-offs inside one cohort before the other gets a turn.
pub const DEFAULT_BUDGET: u32 = 5;
/// Default longest wait for one lock.
const DEFAULT_TIMEOUT_MS: u32 = 10_000;

const TOP_BITS: u64 = 0x8080_8080_8080_8080;

/// Spreads a 56-bit payload over the low 7 bits of each byte and sets
/// every byte's top bit.
pub const fn enc(x: u64) -> u64 {
    let mut v = 0;
    let mut i = 0;
    while i < 8 {
        v |= (0x80 | ((x >> (7 * i)) & 0x7f)) << (8 * i);
        i += 1;
    }
    v
}

/// The payload of a complete [`enc`] word; `None` for 0 or a word whose
/// copy is not finished.
pub const fn dec(v: u64) -> Option<u64> {
    if v & TOP_BITS != TOP_BITS {
        return None;
    }
    let mut x = 0;
    let mut i = 0;
    while i < 8 {
        x |= ((v >> (8 * i)) & 0x7f) << (7 * i);
        i += 1;
    }
    Some(x)
}

fn addr(node: u32, off: u64) -> u64 {
    enc((u64::from(node) << 32) | off)
}

/// Which lock protects the table's lines in a run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// ALock.
    Alock,
    /// RDMA spin lock, loopback for local threads.
    SpinLoopback,
    /// RDMA MCS lock, loopback for local threads.
    McsLoopback,
    /// Two-sided messages to a lock server on the home node.
    Rpc,
}

impl Kind {
    /// From `enum alock_dlock_id`.
    pub fn from_uapi(id: u32) -> Option<Self> {
        match id {
            ALOCK_DLOCK_ALOCK => Some(Self::Alock),
            ALOCK_DLOCK_SPIN_LB => Some(Self::SpinLoopback),
            ALOCK_DLOCK_MCS_LB => Some(Self::McsLoopback),
            ALOCK_DLOCK_RPC => Some(Self::Rpc),
            _ => None,
        }
    }
}

/// This node's part of the distributed lock table.
pub struct Table {
    c: Arc<Cluster>,
    me: u32,
    nodes: u32,
    keys: u32,
    placement: u32,
    budget_local: u32,
    budget_remote: u32,
    desc_base: u64,
    peers: [Option<Arc<Peer>>; MAX_NODES],
    handles: AtomicU64,
    /// Per handle index: descriptor slots retired after a failed acquire
    /// (a late hand-off may still write them), never used again.
    retired: [core::sync::atomic::AtomicU8; MAX_HANDLES],
    /// Keys found broken (a peer lost while the lock was held or queued).
    broken: KVec<AtomicBool>,
    /// Keys homed here, and elsewhere.
    local_keys: KVec<u32>,
    remote_keys: KVec<u32>,
    /// RPC lock: one GRANT word per waiter of this node.
    mail: KVec<super::rpc::Mailbox>,
    /// RPC lock: the server for the keys homed here (started once the
    /// table has its final address).
    rpc: core::sync::atomic::AtomicPtr<super::rpc::RpcServer>,
}

/// A lock held by a [`Handle`].
pub struct Held {
    key: u32,
    slot: usize,
    budget: u32,
    kind: Kind,
}

impl Held {
    /// The key.
    pub fn key(&self) -> u32 {
        self.key
    }
}

/// One thread's use of the table: its descriptors and scratch space.
pub struct Handle<'a> {
    t: &'a Table,
    idx: usize,
    used: u32,
    wait: Wait,
    timeout_ns: i64,
}

impl Drop for Handle<'_> {
    fn drop(&mut self) {
        self.t.handles.fetch_and(!(1u64 << self.idx), Release);
    }
}

/// Where key `k` lives.
pub fn home_of(k: u32, nodes: u32, placement: u32) -> u32 {
    // `max(1)`: no division by zero (and no panic path) for a bad count.
    let n = nodes.max(1);
    if placement == ALOCK_PLACE_MOD {
        k % n
    } else {
        // Fibonacci hashing of the key.
        ((u64::from(k).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) % u64::from(n)) as u32
    }
}

impl Table {
    fn new(c: Arc<Cluster>, a: &AlockTableCtl) -> Result<Self> {
        let me = c.node_id();
        let nodes = c.nr_nodes();
        let desc_base = TABLE_BASE + u64::from(a.keys) * LINE;
        let end = desc_base + (MAX_HANDLES * MAX_HELD) as u64 * DESC + MAX_HANDLES as u64 * SCRATCH;
        if end > c.window().len() as u64 {
            return Err(ENOSPC);
        }
        let mut peers = [const { None }; MAX_NODES];
        for (j, p) in peers.iter_mut().enumerate().take(nodes as usize) {
            *p = c.peer(j as u32).ok();
            if p.is_none() && j as u32 != me {
                return Err(errno(bindings::ENOTCONN));
            }
            if let Some(p) = p {
                if p.remote_len() < end {
                    return Err(ENOSPC);
                }
            }
        }
        let broken = kvec_from_fn(a.keys as usize, || AtomicBool::new(false))?;
        let (mut local_keys, mut remote_keys) = (KVec::new(), KVec::new());
        for k in 0..a.keys {
            if home_of(k, nodes, a.placement) == me {
                local_keys.push(k, GFP_KERNEL)?;
            } else {
                remote_keys.push(k, GFP_KERNEL)?;
            }
        }
        let budget = |b: u32| if b == 0 { DEFAULT_BUDGET } else { b };
        let mail = kvec_from_fn(super::rpc::WAITERS_PER_NODE as usize, || {
            super::rpc::Mailbox::new(0)
        })?;
        Ok(Self {
            c,
            me,
            nodes,
            keys: a.keys,
            placement: a.placement,
            budget_local: budget(a.local_budget),
            budget_remote: budget(a.remote_budget),
            desc_base,
            peers,
            handles: AtomicU64::new(0),
            retired: [const { core::sync::atomic::AtomicU8::new(0) }; MAX_HANDLES],
            broken,
            local_keys,
            remote_keys,
            mail,
            rpc: core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()),
        })
    }

    /// This node's id.
    pub fn node(&self) -> u32 {
        self.me
    }

    /// Number of keys.
    pub fn keys(&self) -> u32 {
        self.keys
    }

    /// The home node of key `k`.
    pub fn home(&self, k: u32) -> u32 {
        home_of(k, self.nodes, self.placement)
    }

    /// Keys homed on this node.
    pub fn local_keys(&self) -> &[u32] {
        &self.local_keys
    }

    /// Keys homed elsewhere.
    pub fn remote_keys(&self) -> &[u32] {
        &self.remote_keys
    }

    /// Whether key `k` was found broken.
    pub fn is_broken(&self, k: u32) -> bool {
        self.broken[k as usize].load(Relaxed)
    }

    /// Decodes a descriptor address read from a tail or a `next` word;
    /// `EIO` for anything that is not a descriptor of this table.
    fn split(&self, v: u64) -> Result<(u32, u64)> {
        let x = dec(v).ok_or(EIO)?;
        let (node, off) = ((x >> 32) as u32, x & 0xffff_ffff);
        let descs = self.desc_base..self.desc_base + (MAX_HANDLES * MAX_HELD) as u64 * DESC;
        if node >= self.nodes || !descs.contains(&off) || (off - self.desc_base) % DESC != 0 {
            return Err(EIO);
        }
        Ok((node, off))
    }

    fn line(&self, k: u32) -> u64 {
        TABLE_BASE + u64::from(k) * LINE
    }

    fn word(&self, off: u64) -> &AtomicU64 {
        self.c.window().word(off as usize)
    }

    fn peer(&self, node: u32) -> Result<&Peer> {
        match self.peers.get(node as usize) {
            Some(Some(p)) => Ok(p),
            _ => Err(errno(bindings::EOPNOTSUPP)),
        }
    }

    /// A handle for one thread (at most `MAX_HANDLES` at once): `EBUSY`
    /// when all are taken.  `timeout_ms` bounds each wait for a lock.
    pub fn handle(&self, wait: Wait, timeout_ms: u32) -> Result<Handle<'_>> {
        loop {
            let h = self.handles.load(Acquire);
            if h == u64::MAX {
                return Err(EBUSY);
            }
            let idx = (!h).trailing_zeros() as usize;
            if self
                .handles
                .compare_exchange(h, h | (1 << idx), AcqRel, Relaxed)
                .is_ok()
            {
                let ms = if timeout_ms == 0 {
                    DEFAULT_TIMEOUT_MS
                } else {
                    timeout_ms
                };
                return Ok(Handle {
                    t: self,
                    idx,
                    used: u32::from(self.retired[idx].load(Acquire)),
                    wait,
                    timeout_ns: i64::from(ms) * 1_000_000,
                });
            }
        }
    }

    /// Sums the test counters of the keys homed here.
    pub fn counter_sum(&self) -> u64 {
        self.local_keys
            .iter()
            .map(|&k| self.word(self.line(k) + COUNTER).load(Acquire))
            .sum()
    }

    /// Zeroes this node's lines and descriptors: a window may hold words
    /// of an earlier table (of another size).  Every node creates its
    /// table before any node uses it (the caller's rule).
    fn clear(&self) {
        let end =
            self.desc_base + (MAX_HANDLES * MAX_HELD) as u64 * DESC + MAX_HANDLES as u64 * SCRATCH;
        let mut off = TABLE_BASE;
        while off < end {
            self.word(off).store(0, Relaxed);
            off += 8;
        }
        fence(SeqCst);
    }
}

impl Table {
    /// Starts the RPC lock server (once the table is in its `Arc`).
    fn start_rpc(&self) -> Result {
        let srv = KBox::new(super::rpc::RpcServer::start(self)?, GFP_KERNEL)?;
        self.rpc.store(KBox::into_raw(srv), Release);
        Ok(())
    }

    /// This node's cluster.
    pub fn cluster(&self) -> &Cluster {
        &self.c
    }

    /// The GRANT word of local waiter `w` (RPC lock).
    pub fn mailbox(&self, w: u32) -> &super::rpc::Mailbox {
        &self.mail[w as usize]
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        let p = self.rpc.swap(core::ptr::null_mut(), AcqRel);
        if !p.is_null() {
            // SAFETY: From `start_rpc`; dropping it stops the server
            // thread, the last user of the table's memory but ours.
            drop(unsafe { KBox::from_raw(p) });
        }
    }
}

/// `EPIPE`: the lock is broken (a peer was lost while it held or queued).
fn broken() -> Error {
    EPIPE
}

impl Handle<'_> {
    fn desc(&self, slot: usize) -> u64 {
        self.t.desc_base + ((self.idx * MAX_HELD + slot) as u64) * DESC
    }

    fn scratch(&self) -> u64 {
        self.t.desc_base + (MAX_HANDLES * MAX_HELD) as u64 * DESC + self.idx as u64 * SCRATCH
    }

    /// Waits until the word `off` of this thread's descriptor holds a
    /// complete [`enc`] value (a hand-off in `state`, a successor's address
    /// in `next`) and returns it.
    fn wait_word(&self, off: u64, k: u32, start: i64) -> Result<u64> {
        let w = self.t.word(off);
        loop {
            let v = w.load(Acquire);
            if dec(v).is_some() {
                return Ok(v);
            }
            self.check_wait(k, start)?;
            relax(self.wait);
        }
    }

    /// Waits for the hand-off into descriptor `d`; its payload.
    fn wait_state(&self, d: u64, k: u32, start: i64) -> Result<u64> {
        dec(self.wait_word(d, k, start)?).ok_or(EIO)
    }

    /// Gives up a wait that outlasted the timeout (`ETIMEDOUT`), or one
    /// that cannot end because a peer is lost (`EPIPE`); either way the
    /// key is marked broken: this thread may still be in its queue.
    fn check_wait(&self, k: u32, start: i64) -> Result {
        let waited = now_ns() - start;
        if waited > self.timeout_ns {
            self.t.broken[k as usize].store(true, Relaxed);
            return Err(errno(bindings::ETIMEDOUT));
        }
        if waited > 1_000_000_000 && self.t.peers.iter().flatten().any(|p| !p.is_up()) {
            self.t.broken[k as usize].store(true, Relaxed);
            return Err(broken());
        }
        Ok(())
    }

    /// Writes `val` into the word `off` of node `node`'s window, through
    /// the source word `src` of this thread's descriptor; a word of this
    /// node is stored by the CPU unless `nic` (the loopback competitors).
    fn put(&self, node: u32, off: u64, val: u64, src: u64, nic: bool) -> Result {
        if node == self.t.me && !nic {
            self.t.word(off).store(val, Release);
            return Ok(());
        }
        self.t.word(src).store(val, Release);
        self.t.peer(node)?.write(off, src, 8, self.wait)
    }

    /// Enqueues descriptor `d` on the MCS tail at `tail` (node `home`) with
    /// a CAS loop; returns the predecessor (0: none).
    fn swap_tail(&self, home: u32, tail: u64, me: u64) -> Result<u64> {
        let p = self.t.peer(home)?;
        let mut expect = 0;
        loop {
            let old = p.compare_and_swap(tail, expect, me, self.wait)?;
            if old == expect {
                return Ok(old);
            }
            expect = old;
        }
    }

    /// Acquires key `k`.
    pub fn lock(&mut self, kind: Kind, k: u32) -> Result<Held> {
        if k >= self.t.keys {
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
        self.t.word(d).store(0, Relaxed);
        self.t.word(d + 8).store(0, Release);
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

    // ---- ALock, local cohort (CPU atomics on this node's window) --------

    fn alock_local(&self, k: u32, d: u64) -> Result<u32> {
        let t = self.t;
        let line = t.line(k);
        let me = addr(t.me, d);
        let start = now_ns();
        let prev = t.word(line + L_TAIL).swap(me, AcqRel);
        if prev != 0 {
            let (_, po) = self.t.split(prev)?;
            t.word(po + 8).store(me, Release);
            let st = self.wait_state(d, k, start)?;
            if st != 0 {
                return Ok(st as u32);
            }
        }
        // Cohort leader: Peterson against the remote cohort.
        t.word(line + VICTIM).store(V_LOCAL, SeqCst);
        fence(SeqCst);
        while t.word(line + R_TAIL).load(SeqCst) != 0
            && t.word(line + VICTIM).load(SeqCst) == V_LOCAL
        {
            self.check_wait(k, start)?;
            relax(self.wait);
        }
        Ok(t.budget_local)
    }

    fn alock_local_unlock(&self, h: &Held, d: u64) -> Result {
        let t = self.t;
        let line = t.line(h.key);
        let me = addr(t.me, d);
        let mut next = t.word(d + 8).load(Acquire);
        if next == 0 {
            if t.word(line + L_TAIL)
                .compare_exchange(me, 0, AcqRel, Acquire)
                .is_ok()
            {
                return Ok(());
            }
            next = self.wait_word(d + 8, h.key, now_ns())?;
        }
        let (_, no) = self.t.split(next)?;
        let st = h.budget.saturating_sub(1);
        t.word(no).store(enc(u64::from(st)), Release);
        Ok(())
    }

    // ---- ALock, remote cohort (RDMA to the home, spinning at home) -----

    fn alock_remote(&self, k: u32, d: u64) -> Result<u32> {
        let t = self.t;
        let home = t.home(k);
        let line = t.line(k);
        let me = addr(t.me, d);
        let start = now_ns();
        let prev = self.swap_tail(home, line + R_TAIL, me)?;
        if prev != 0 {
            let (pn, po) = self.t.split(prev)?;
            self.put(pn, po + 8, me, d + 16, false)?;
            let st = self.wait_state(d, k, start)?;
            if st != 0 {
                return Ok(st as u32);
            }
        }
        // Cohort leader: victim = remote, then read the local cohort's
        // tail and the victim until one lets us in.
        let p = t.peer(home)?;
        t.word(d + 24).store(V_REMOTE, Release);
        let s = self.scratch();
        // The victim WRITE and the first READ in one round trip: the home
        // executes the READ after the WRITE.
        p.write_read(
            Xfer {
                remote: line + VICTIM,
                local: d + 24,
                len: 8,
            },
            Xfer {
                remote: line + L_TAIL,
                local: s,
                len: 16,
            },
            self.wait,
        )?;
        loop {
            let lt = t.word(s).load(Acquire);
            let v = t.word(s + 8).load(Acquire);
            if lt == 0 || v != V_REMOTE {
                return Ok(t.budget_remote);
            }
            self.check_wait(k, start)?;
            relax(self.wait);
            p.read(line + L_TAIL, s, 16, self.wait)?;
        }
    }

    fn alock_remote_unlock(&self, h: &Held, d: u64) -> Result {
        let t = self.t;
        let home = t.home(h.key);
        match self.rdma_release(h.key, d, home, t.line(h.key) + R_TAIL)? {
            None => Ok(()),
            Some((nn, no)) => {
                let st = h.budget.saturating_sub(1);
                self.put(nn, no, enc(u64::from(st)), d + 24, false)
            }
        }
    }

    /// Release of an MCS queue whose tail at `tail` (node `home`) is
    /// changed by RDMA CAS: without a successor in `d.next` the tail goes
    /// back to 0; if a successor is linking itself in, wait for it.
    /// Returns the successor's descriptor address, or `None`.
    fn rdma_release(&self, k: u32, d: u64, home: u32, tail: u64) -> Result<Option<(u32, u64)>> {
        let t = self.t;
        let me = addr(t.me, d);
        let mut next = t.word(d + 8).load(Acquire);
        if dec(next).is_none() {
            if t.peer(home)?.compare_and_swap(tail, me, 0, self.wait)? == me {
                return Ok(None);
            }
            next = self.wait_word(d + 8, k, now_ns())?;
        }
        t.split(next).map(Some)
    }

    // ---- competitors: everything through the NIC ------------------------

    fn spin_lock(&self, k: u32) -> Result<u32> {
        let t = self.t;
        let p = t.peer(t.home(k))?;
        let me = addr(t.me, self.desc(0));
        let start = now_ns();
        loop {
            if p.compare_and_swap(t.line(k) + SPIN, 0, me, self.wait)? == 0 {
                return Ok(0);
            }
            self.check_wait(k, start)?;
            relax(self.wait);
        }
    }

    fn spin_unlock(&self, k: u32) -> Result {
        let t = self.t;
        let me = addr(t.me, self.desc(0));
        // A CAS, not a WRITE: rxe's failed CAS writes the old value back,
        // so a WRITE racing with a waiter's CAS could be undone.
        let old = t
            .peer(t.home(k))?
            .compare_and_swap(t.line(k) + SPIN, me, 0, self.wait)?;
        if old == me {
            Ok(())
        } else {
            Err(EIO)
        }
    }

    fn mcs_lock(&self, k: u32, d: u64) -> Result<u32> {
        let t = self.t;
        let me = addr(t.me, d);
        let start = now_ns();
        let prev = self.swap_tail(t.home(k), t.line(k) + M_TAIL, me)?;
        if prev != 0 {
            let (pn, po) = self.t.split(prev)?;
            self.put(pn, po + 8, me, d + 16, true)?;
            self.wait_state(d, k, start)?;
        }
        Ok(0)
    }

    fn mcs_unlock(&self, k: u32, d: u64) -> Result {
        let t = self.t;
        match self.rdma_release(k, d, t.home(k), t.line(k) + M_TAIL)? {
            None => Ok(()),
            Some((nn, no)) => self.put(nn, no, enc(1), d + 24, true),
        }
    }

    /// RPC lock waiter ids: this node's and the global one.
    fn waiter(&self, slot: usize) -> (u32, u32) {
        let lw = (self.idx * MAX_HELD + slot) as u32;
        (lw, self.t.me * super::rpc::WAITERS_PER_NODE + lw)
    }

    fn rpc_lock(&self, k: u32, slot: usize) -> Result<u32> {
        let t = self.t;
        let (lw, gw) = self.waiter(slot);
        let mb = t.mailbox(lw);
        mb.store(0, Release);
        super::rpc::request(t.peer(t.home(k))?, k, gw, self.wait)?;
        let start = now_ns();
        while !super::rpc::granted(mb) {
            self.check_wait(k, start)?;
            relax(self.wait);
        }
        Ok(0)
    }

    fn rpc_unlock(&self, k: u32, slot: usize) -> Result {
        let t = self.t;
        super::rpc::release(t.peer(t.home(k))?, k, self.waiter(slot).1, self.wait)
    }

    // ---- the protected data of the tests --------------------------------

    /// The critical section of the tests on key `k` (held): the owner word
    /// must be free on entry; it is set to `tag`, the counter incremented,
    /// the owner cleared.  A local holder uses the CPU, a remote one RDMA.
    /// Returns whether the owner word was free.
    pub fn critical(&self, k: u32, tag: u64) -> Result<bool> {
        let t = self.t;
        let line = t.line(k);
        let home = t.home(k);
        if home == t.me {
            let owner = t.word(line + OWNER);
            let free = owner.load(Acquire) == 0;
            owner.store(tag, Release);
            let c = t.word(line + COUNTER);
            c.store(c.load(Relaxed) + 1, Relaxed);
            owner.store(0, Release);
            return Ok(free);
        }
        let p = t.peer(home)?;
        let s = self.scratch() + 16;
        p.read(line + OWNER, s, 16, self.wait)?;
        let free = t.word(s).load(Acquire) == 0;
        let cnt = t.word(s + 8).load(Acquire);
        t.word(s).store(tag, Relaxed);
        t.word(s + 8).store(cnt + 1, Release);
        p.write(line + OWNER, s, 16, self.wait)?;
        t.word(s).store(0, Release);
        p.write(line + OWNER, s, 8, self.wait)?;
        Ok(free)
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

/// The node's table, if one was created.
#[pin_data]
struct Global {
    #[pin]
    table: Mutex<Option<Arc<Table>>>,
}

static GLOBAL: core::sync::atomic::AtomicPtr<Global> =
    core::sync::atomic::AtomicPtr::new(core::ptr::null_mut());

fn global() -> &'static Global {
    // SAFETY: Set by `init` before /dev/alock exists, cleared by `exit`.
    unsafe { &*GLOBAL.load(Acquire) }
}

/// Module init.
pub fn init() -> Result {
    let g = KBox::pin_init(
        pin_init!(Global {
            table <- new_mutex!(None, "alock_dlock_table"),
        }),
        GFP_KERNEL,
    )?;
    // SAFETY: Never moved; freed as a box in `exit`.
    GLOBAL.store(
        KBox::into_raw(unsafe { Pin::into_inner_unchecked(g) }),
        Release,
    );
    Ok(())
}

/// Module exit (after the device is gone).
pub fn exit() {
    let p = GLOBAL.swap(core::ptr::null_mut(), AcqRel);
    // SAFETY: From `init`; no user is left.
    drop(unsafe { KBox::from_raw(p) });
}

/// The node's lock table (the Rust API's entry point).
pub fn table() -> Option<Arc<Table>> {
    global().table.lock().clone()
}

/// `ALOCK_IOC_TABLE`.
pub fn ctl(a: &mut AlockTableCtl) -> Result {
    if a.reserved != 0 {
        return Err(EINVAL);
    }
    let mut g = global().table.lock();
    match a.op {
        ALOCK_TABLE_CREATE => {
            let ok = (1..=ALOCK_TABLE_MAX_KEYS).contains(&a.keys)
                && (a.placement == ALOCK_PLACE_HASH || a.placement == ALOCK_PLACE_MOD)
                && a.local_budget <= ALOCK_TABLE_MAX_BUDGET
                && a.remote_budget <= ALOCK_TABLE_MAX_BUDGET;
            if !ok {
                return Err(EINVAL);
            }
            if g.is_some() {
                return Err(EBUSY);
            }
            let c = crate::rdma::cluster().ok_or(errno(bindings::ENOTCONN))?;
            let t = Arc::new(Table::new(c, a)?, GFP_KERNEL)?;
            t.start_rpc()?;
            // Every node creates its table before any node runs on it.
            t.clear();
            a.homed = t.local_keys.len() as u32;
            *g = Some(t);
        }
        ALOCK_TABLE_DESTROY => {
            g.take().ok_or(ENOENT)?;
        }
        ALOCK_TABLE_SUM => {
            let t = g.as_ref().ok_or(ENOENT)?;
            a.counter_sum = t.counter_sum();
            a.homed = t.local_keys.len() as u32;
            a.keys = t.keys;
            a.broken = t.broken.iter().filter(|b| b.load(Relaxed)).count() as u32;
        }
        _ => return Err(EINVAL),
    }
    Ok(())
}
