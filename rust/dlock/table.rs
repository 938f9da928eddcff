// SPDX-License-Identifier: GPL-2.0

//! The distributed lock table: `keys` locks spread over the nodes of the
//! cluster, each living in the registered window of its home node (the
//! layout is in [`super::window`]).
//!
//! This file holds what every lock kind shares: the [`Table`] (its
//! creation, which checks the window of every node, and its accessors),
//! the per-thread [`Handle`] with its descriptors and the primitives the
//! algorithms are built of (waits with timeout and broken-key detection,
//! WRITEs through a descriptor, MCS enqueue and release by RDMA CAS, the
//! tests' critical section); the node's one table is in [`super::node`].
//! The algorithms are in [`super::alock`], [`super::alock_rw`],
//! [`super::loopback`], [`super::dslr`] and [`super::rpc`]; the dispatch
//! by [`Kind`] in [`super`].

use core::sync::atomic::{
    fence, AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicU8,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};

use kernel::{bindings, prelude::*, sync::Arc};

use super::keystats::{key_stats, KeyStats};
use super::rpc::Rpc;
pub use super::stats::Stats;
use super::window::{
    addr, dec, desc_base, end, home_of, line, req_base, Placement, COUNTER, DESC, DESCS,
    MAX_HANDLES, MAX_HELD, NEXT, SCRATCH, TABLES_IN_WINDOW, TABLE_BASE,
};
use crate::rdma::{relax, Cluster, Peer, Verb, Wait, Xfer, MAX_NODES};
use crate::support::kthread::Periodic;
use crate::support::trace::{Site, Wait as ContentionWait};
use crate::support::util::{errno, kvec_from_fn, now_ns};

/// Default hand-offs inside one cohort before the other gets a turn.
pub const DEFAULT_BUDGET: u32 = 5;
/// How long a wait spins (or yields) before it sleeps between polls.
const SPIN_NS: i64 = 200_000;
/// Default lease of a remote holder (recovery).
pub const DEFAULT_LEASE_MS: u32 = 500;
/// Default longest wait for one lock.
const DEFAULT_TIMEOUT_MS: u32 = 10_000;

/// How a node's table is made (every node makes its own, with the same
/// configuration).
#[derive(Clone, Copy)]
pub struct Config {
    /// Number of keys.
    pub keys: u32,
    /// How keys are spread over the nodes.
    pub placement: Placement,
    /// ALock: hand-offs inside the local cohort (0: [`DEFAULT_BUDGET`]).
    pub local_budget: u32,
    /// ALock: hand-offs inside the remote cohort (0: [`DEFAULT_BUDGET`]).
    pub remote_budget: u32,
    /// ALock: the longest critical section of a remote holder, which
    /// recovery waits out (0: [`DEFAULT_LEASE_MS`]).
    pub lease_ms: u32,
}

/// What [`summary`] reports of the node's table.
#[derive(Clone, Copy)]
pub struct Summary {
    /// Number of keys.
    pub keys: u32,
    /// Keys homed on this node.
    pub homed: u32,
    /// Keys found broken on this node.
    pub broken: u32,
    /// Sum of the test counters of the keys homed here.
    pub counter_sum: u64,
    /// Keys this node reset after a lost node (recovery).
    pub resets: u32,
    /// ALock-RW keys whose reader counts of a lost node this node took
    /// back (recovery).
    pub reclaims: u32,
}

/// Which lock protects the table's lines in a run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// ALock.
    Alock,
    /// RDMA spin lock, loopback for local threads.
    SpinLoopback,
    /// RDMA MCS lock, loopback for local threads.
    McsLoopback,
    /// Two-sided messages to a lock server on the home node.
    Rpc,
    /// ALock-RW: ALock for writers, reader counts beside it
    /// ([`super::alock_rw`]); shared or exclusive.
    AlockRw,
    /// DSLR's reader-writer counters by RDMA fetch-and-add, loopback for
    /// local threads ([`super::dslr`]); shared or exclusive.
    DslrLoopback,
}

impl Kind {
    /// Whether the kind has a shared mode.
    pub fn is_rw(self) -> bool {
        matches!(self, Kind::AlockRw | Kind::DslrLoopback)
    }

    /// Whether its writers queue in ALock's queues (recovery).
    pub fn is_alock(self) -> bool {
        matches!(self, Kind::Alock | Kind::AlockRw)
    }
}

/// This node's part of the distributed lock table.
pub struct Table {
    /// RPC lock: this node's grant words and the server for the keys
    /// homed here.  First field: the server stops before the rest goes.
    pub(super) rpc: Rpc,
    /// The helper thread ([`super::failure`]), stopped by `Drop`.
    pub(super) helper: Periodic,
    /// Per descriptor: the record of an abandoned one, or 0.
    pub(super) abandoned: KVec<AtomicU64>,
    /// How many are abandoned.
    pub(super) nr_abandoned: AtomicU32,
    c: Arc<Cluster>,
    /// This node's id.
    pub(super) me: u32,
    nodes: u32,
    keys: u32,
    placement: Placement,
    /// ALock: hand-offs inside the local cohort.
    pub(super) budget_local: u32,
    /// ALock: hand-offs inside the remote cohort.
    pub(super) budget_remote: u32,
    desc_base: u64,
    peers: [Option<Arc<Peer>>; MAX_NODES],
    handles: AtomicU64,
    /// Per handle index: descriptor slots that a failed acquire left in a
    /// queue (a late hand-off or link may still write them): recycled by
    /// the helper after it passed them through, or never.
    pub(super) retired: [AtomicU8; MAX_HANDLES],
    /// Keys found broken (a peer lost while the lock was held or queued).
    pub(super) broken: KVec<AtomicBool>,
    /// Recovery: the lease of a remote holder.
    pub(super) lease_ns: i64,
    /// Recovery, per key homed here: when its closing era may be reset
    /// (0: open).
    pub(super) closing: KVec<AtomicI64>,
    /// Recovery: keys reset.
    pub(super) resets: AtomicU32,
    /// The lock kind in use on this table and how many users it has
    /// ([`Table::use_kind`]).
    kind_users: AtomicU64,
    /// ALock-RW was used on this table (the helper watches reader
    /// counts); per node, when this node found it lost (-1: its reader
    /// counts were taken back); reader counts taken back.
    pub(super) rw_used: AtomicBool,
    pub(super) lost_at: [AtomicI64; MAX_NODES],
    pub(super) rw_reclaims: AtomicU32,
    /// Per descriptor: when it was abandoned, the key's era it enqueued
    /// in, and when the helper last checked whether that era is over.
    pub(super) abandoned_at: KVec<AtomicI64>,
    pub(super) abandoned_era: KVec<AtomicU64>,
    pub(super) abandoned_checked: KVec<AtomicI64>,
    /// This node's acquisitions per key ([`super::observe`]).
    pub(super) key_stats: KVec<KeyStats>,
    /// Keys homed here, and elsewhere.
    local_keys: KVec<u32>,
    remote_keys: KVec<u32>,
}

/// Where a failed acquire left its descriptor ([`super::failure`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Not in any queue: the slot is free again.
    Out,
    /// In a queue, waiting for the hand-off (or the RPC grant).
    Queued,
    /// Had its hand-off (or led an empty queue): the cohort's leader.
    Leader,
    /// Unknown: a verb that changes the queue failed.
    Unknown,
}

/// A lock held by a [`Handle`].
pub struct Held {
    /// The key.
    pub(super) key: u32,
    /// The held-lock slot (descriptor, RPC waiter id) it was taken with.
    pub(super) slot: usize,
    /// ALock: hand-offs left to this cohort.
    pub(super) budget: u32,
    /// The lock kind it was taken with.
    pub(super) kind: Kind,
    /// Taken shared (reader-writer kinds).
    pub(super) shared: bool,
    /// The key's value, if the acquire fetched it (lock-and-fetch).
    pub(super) value: Option<Value>,
    /// The key's era, if it was read with the value.
    pub(super) era: Option<u64>,
    /// Whether the value may be torn (the key was reset since its last
    /// write-back: a holder may have died in its critical section).
    pub(super) torn: bool,
    /// ALock: the era of the queue it entered through (what a release
    /// behind a lost successor reports; the home ignores a reset era).
    pub(super) qera: u64,
    /// A value to write back with the release (write-back-and-release).
    pub(super) write_back: Option<Value>,
}

/// The 16 bytes of a key's line that its lock protects (the tests keep
/// an owner tag and a counter there): read with the lock
/// ([`Handle::value`], fetched by the acquire where that costs no verb),
/// written back with the release ([`Handle::set_value`]).
pub type Value = [u64; 2];

/// What an acquire found: the budget it leaves to its cohort and the
/// key's value, if it was read on the way.
pub(super) struct Acq {
    /// ALock: hand-offs left to the cohort.
    pub(super) budget: u32,
    /// The key's value, the era of its last write-back and the key's era.
    pub(super) value: Option<(Value, u64, u64)>,
}

impl Acq {
    /// An acquire that fetched nothing.
    pub(super) fn bare(budget: u32) -> Self {
        Self {
            budget,
            value: None,
        }
    }
}

impl Held {
    /// The key.
    pub fn key(&self) -> u32 {
        self.key
    }

    /// Whether it is held shared.
    pub fn shared(&self) -> bool {
        self.shared
    }
}

/// One thread's use of the table: its descriptors and scratch space.
pub struct Handle<'a> {
    /// The table.
    pub(super) t: &'a Table,
    /// This handle's index (its descriptors, scratch space, waiter ids).
    pub(super) idx: usize,
    /// Held-lock slots in use (a bit each), and the key of each.
    pub(super) used: u32,
    pub(super) keys: [u32; MAX_HELD],
    /// How to wait between polls.
    pub(super) wait: Wait,
    pub(super) timeout_ns: i64,
    /// What this handle's operations cost.
    pub(super) stats: core::cell::Cell<Stats>,
    /// The nodes the current wait depends on ([`super::failure`]).
    pub(super) blame: core::cell::Cell<u64>,
    /// Where the acquire in progress stands ([`super::failure`]).
    pub(super) phase: core::cell::Cell<Phase>,
    /// The kind of the acquire in progress.
    pub(super) kind: core::cell::Cell<Kind>,
    /// When the acquire in progress started (its deadline's base).
    pub(super) op_start: core::cell::Cell<i64>,
    /// ALock remote: the key's era when this acquire enqueued (recovery).
    pub(super) enq_era: core::cell::Cell<Option<u64>>,
    /// Recovery: when this handle last reported a stuck key, and last
    /// read a key's epoch while stuck.
    pub(super) reported: core::cell::Cell<i64>,
    pub(super) polled: core::cell::Cell<i64>,
    /// Where the acquire in progress reports its wait, the wait if one
    /// began, and when its first Peterson poll was ([`super::observe`]).
    pub(super) site: core::cell::Cell<Option<Site>>,
    pub(super) wait_begun: core::cell::Cell<Option<ContentionWait>>,
    pub(super) peterson_since: core::cell::Cell<i64>,
    /// ALock-RW: the key and its value's counter word when a local reader
    /// of it last backed out (R3), for the bound check of
    /// [`Handle::take_backout`].
    pub(super) backed_out: core::cell::Cell<Option<(u32, u64)>>,
}

impl Drop for Handle<'_> {
    fn drop(&mut self) {
        self.t.handles.fetch_and(!(1u64 << self.idx), Release);
    }
}

impl Table {
    pub(super) fn new(c: Arc<Cluster>, cfg: &Config) -> Result<Self> {
        let me = c.node_id();
        let nodes = c.nr_nodes();
        let desc_base = desc_base(cfg.keys);
        let end = end(cfg.keys);
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
        let broken = kvec_from_fn(cfg.keys as usize, || AtomicBool::new(false))?;
        let (mut local_keys, mut remote_keys) = (KVec::new(), KVec::new());
        for k in 0..cfg.keys {
            if home_of(k, nodes, cfg.placement) == me {
                local_keys.push(k, GFP_KERNEL)?;
            } else {
                remote_keys.push(k, GFP_KERNEL)?;
            }
        }
        let or = |v: u32, d: u32| if v == 0 { d } else { v };
        let rpc = Rpc::new(&c, me, nodes, cfg.keys, cfg.placement)?;
        let t = Self {
            key_stats: key_stats(cfg.keys)?,
            rpc,
            helper: Periodic::new(),
            abandoned: kvec_from_fn(MAX_HANDLES * MAX_HELD, || AtomicU64::new(0))?,
            abandoned_at: kvec_from_fn(MAX_HANDLES * MAX_HELD, || AtomicI64::new(0))?,
            abandoned_era: kvec_from_fn(MAX_HANDLES * MAX_HELD, || AtomicU64::new(0))?,
            abandoned_checked: kvec_from_fn(MAX_HANDLES * MAX_HELD, || AtomicI64::new(0))?,
            lease_ns: i64::from(or(cfg.lease_ms, DEFAULT_LEASE_MS)) * 1_000_000,
            closing: kvec_from_fn(cfg.keys as usize, || AtomicI64::new(0))?,
            resets: AtomicU32::new(0),
            kind_users: AtomicU64::new(0),
            rw_used: AtomicBool::new(false),
            lost_at: [const { AtomicI64::new(0) }; MAX_NODES],
            rw_reclaims: AtomicU32::new(0),
            nr_abandoned: AtomicU32::new(0),
            c,
            me,
            nodes,
            keys: cfg.keys,
            placement: cfg.placement,
            budget_local: or(cfg.local_budget, DEFAULT_BUDGET),
            budget_remote: or(cfg.remote_budget, DEFAULT_BUDGET),
            desc_base,
            peers,
            handles: AtomicU64::new(0),
            retired: [const { AtomicU8::new(0) }; MAX_HANDLES],
            broken,
            local_keys,
            remote_keys,
        };
        // Its `Drop` takes it off again.
        TABLES_IN_WINDOW.fetch_add(1, AcqRel);
        Ok(t)
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

    /// Registers a user of `kind` (a run, a handle holding keys): kinds
    /// use different words of the lines (and ALock's holders do not see
    /// ALock-RW's readers), so one kind at a time per node: `EBUSY` while
    /// another kind has users.  [`Table::leave_kind`] undoes it.
    pub fn use_kind(&self, kind: Kind) -> Result {
        let code = kind as u64 + 1;
        let mut v = self.kind_users.load(Acquire);
        loop {
            if v >> 56 != code && v & 0xff_ffff_ffff_ffff != 0 {
                return Err(EBUSY);
            }
            let new = (code << 56) | ((v & 0xff_ffff_ffff_ffff) + 1);
            match self.kind_users.compare_exchange(v, new, AcqRel, Acquire) {
                Ok(_) => return Ok(()),
                Err(x) => v = x,
            }
        }
    }

    /// Ends a use of [`Table::use_kind`].
    pub fn leave_kind(&self) {
        self.kind_users.fetch_sub(1, AcqRel);
    }

    /// Starts this node's RPC lock server (once; every node of a run of
    /// [`Kind::Rpc`] calls it before taking locks).
    pub fn serve_rpc(&self) -> Result {
        self.rpc.serve()
    }

    /// This node's cluster.
    pub fn cluster(&self) -> &Cluster {
        &self.c
    }

    /// Where the descriptors start in this node's window.
    pub(super) fn desc_base(&self) -> u64 {
        self.desc_base
    }

    /// Where the reset requests start in this node's window.
    pub(super) fn req_base(&self) -> u64 {
        req_base(self.keys)
    }

    /// Number of nodes.
    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    /// Decodes a descriptor address read from a tail or a `next` word;
    /// `EIO` for anything that is not a descriptor of this table.
    pub(super) fn split(&self, v: u64) -> Result<(u32, u64)> {
        let x = dec(v).ok_or(EIO)?;
        let (node, off) = ((x >> 32) as u32, x & 0xffff_ffff);
        let descs = self.desc_base..self.desc_base + DESCS;
        if node >= self.nodes || !descs.contains(&off) || (off - self.desc_base) % DESC != 0 {
            return Err(EIO);
        }
        Ok((node, off))
    }

    /// The word at `off` of this node's window.
    pub(super) fn word(&self, off: u64) -> &AtomicU64 {
        self.c.window().word(off as usize)
    }

    /// The connection to node `node` (loopback for this one, if joined
    /// with it): `EOPNOTSUPP` without one.
    pub(super) fn peer(&self, node: u32) -> Result<&Peer> {
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
                    used: 0,
                    keys: [0; MAX_HELD],
                    wait,
                    timeout_ns: i64::from(ms) * 1_000_000,
                    stats: core::cell::Cell::new(Stats::default()),
                    blame: core::cell::Cell::new(0),
                    phase: core::cell::Cell::new(Phase::Out),
                    kind: core::cell::Cell::new(Kind::Alock),
                    op_start: core::cell::Cell::new(0),
                    enq_era: core::cell::Cell::new(None),
                    reported: core::cell::Cell::new(i64::MIN / 2),
                    polled: core::cell::Cell::new(i64::MIN / 2),
                    site: core::cell::Cell::new(None),
                    wait_begun: core::cell::Cell::new(None),
                    peterson_since: core::cell::Cell::new(0),
                    backed_out: core::cell::Cell::new(None),
                });
            }
        }
    }

    /// Sums the test counters of the keys homed here, modulo 2^64: the
    /// words are remote-writable, and a peer (or the caller's own RDMA
    /// verbs) may leave any value there; the sum must not overflow-panic.
    pub fn counter_sum(&self) -> u64 {
        self.local_keys.iter().fold(0u64, |s, &k| {
            s.wrapping_add(self.word(line(k) + COUNTER).load(Acquire))
        })
    }

    /// Zeroes this node's lines and descriptors: a window may hold words
    /// of an earlier table (of another size).  Every node creates its
    /// table before any node uses it (the caller's rule).
    pub(super) fn clear(&self) {
        let end = end(self.keys);
        let mut off = TABLE_BASE;
        while off < end {
            self.word(off).store(0, Relaxed);
            off += 8;
        }
        fence(SeqCst);
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        self.stop_helper();
        TABLES_IN_WINDOW.fetch_sub(1, AcqRel);
    }
}

/// `EPIPE`: the lock is broken (a peer was lost while it held or queued).
pub(super) fn broken() -> Error {
    EPIPE
}

impl Handle<'_> {
    /// The descriptor of held-lock slot `slot`.
    pub(super) fn desc(&self, slot: usize) -> u64 {
        self.t.desc_base + ((self.idx * MAX_HELD + slot) as u64) * DESC
    }

    /// This thread's scratch space (layout: [`super::window`]).
    pub(super) fn scratch(&self) -> u64 {
        self.t.desc_base + DESCS + self.idx as u64 * SCRATCH
    }

    /// What this handle's operations cost so far.
    pub fn stats(&self) -> Stats {
        self.stats.get()
    }

    /// Counts with `f`.
    pub(super) fn count(&self, f: impl FnOnce(&mut Stats)) {
        let mut s = self.stats.get();
        f(&mut s);
        self.stats.set(s);
    }

    /// Counts `r` READs, `w` WRITEs and `a` atomics.
    pub(super) fn verbs(&self, r: u64, w: u64, a: u64) {
        self.count(|s| {
            s.reads += r;
            s.writes += w;
            s.atomics += a;
        });
    }

    /// Waits until the word `off` of this thread's descriptor holds a
    /// complete [`enc`](super::window::enc) value (a hand-off in `state`,
    /// a successor's address in `next`) and returns it.
    pub(super) fn wait_word(&self, off: u64, k: u32, start: i64) -> Result<u64> {
        let w = self.t.word(off);
        let since = now_ns();
        loop {
            let v = w.load(Acquire);
            if dec(v).is_some() {
                return Ok(v);
            }
            self.check_wait(k, start)?;
            self.pause(since);
        }
    }

    /// One pause of a wait that began at `since`: `relax()` for the first
    /// [`SPIN_NS`], then (callers that may sleep) a sleep of 50-100 us, so
    /// that long waits leave the CPU to the RDMA provider's work and to
    /// the holder.
    pub(super) fn pause(&self, since: i64) {
        if self.wait == Wait::Yield && now_ns() - since > SPIN_NS {
            // SAFETY: `Wait::Yield` is the caller's promise that it may
            // sleep; a signal ends the sleep early (`check_wait` sees it).
            unsafe { bindings::usleep_range_state(50, 100, bindings::TASK_INTERRUPTIBLE) };
        } else {
            relax(self.wait);
        }
    }

    /// The successor linked in descriptor `d`, if one is.
    pub(super) fn linked(&self, d: u64) -> Option<(u32, u64)> {
        let next = self.t.word(d + NEXT).load(Acquire);
        dec(next)?;
        self.t.split(next).ok()
    }

    /// Waits for the hand-off into descriptor `d`; its payload.
    pub(super) fn wait_state(&self, d: u64, k: u32, start: i64) -> Result<u64> {
        dec(self.wait_word(d, k, start)?).ok_or(EIO)
    }

    /// Writes `val` into the word `off` of node `node`'s window, through
    /// the source word `src` of this thread's descriptor; a word of this
    /// node is stored by the CPU unless `nic` (the loopback competitors).
    pub(super) fn put(&self, node: u32, off: u64, val: u64, src: u64, nic: bool) -> Result {
        if node == self.t.me && !nic {
            self.t.word(off).store(val, Release);
            return Ok(());
        }
        self.t.word(src).store(val, Release);
        self.verbs(0, 1, 0);
        self.t.peer(node)?.write(off, src, 8, self.wait)
    }

    /// Enqueues `me` on the MCS tail at `tail` (node `home`) of key `k`
    /// with a CAS loop, the first CAS expecting `expect`; returns the
    /// predecessor (0: none).  A peer may keep changing the tail: each
    /// failed CAS goes through [`Handle::check_wait`] (timeout since
    /// `start`, signal, the home lost), after which nothing is enqueued.
    pub(super) fn swap_tail(
        &self,
        k: u32,
        start: i64,
        home: u32,
        tail: u64,
        mut expect: u64,
        me: u64,
    ) -> Result<u64> {
        let p = self.t.peer(home)?;
        // The wait depends on the home alone (node ids are checked).
        self.blame(1u64 << home);
        loop {
            self.verbs(0, 0, 1);
            let old = p.compare_and_swap(tail, expect, me, self.wait)?;
            if old == expect {
                return Ok(old);
            }
            self.count(|s| s.cas_retries += 1);
            self.check_wait(k, start)?;
            expect = old;
        }
    }

    /// Enqueues `me` on the MCS tail at `tail` (node `home`) and, in the
    /// same round trip, reads the line of key `k` from `l_tail` to the
    /// value into the scratch space ([`Handle::line_read`]).  Returns the
    /// predecessor (0: none) and whether the scratch space holds a READ
    /// made after the enqueue (false when a retried CAS found the queue
    /// empty: the caller reads again).  `start`: when the acquire began
    /// (its timeout, for a retried CAS: [`Handle::swap_tail`]).
    pub(super) fn enqueue_read(
        &self,
        k: u32,
        start: i64,
        home: u32,
        tail: u64,
        me: u64,
    ) -> Result<(u64, bool)> {
        let old = self.enqueue_post(self.t.peer(home)?, k, tail, me)?;
        if old == 0 {
            return Ok((0, true));
        }
        self.count(|s| s.cas_retries += 1);
        let prev = self.swap_tail(k, start, home, tail, old, me)?;
        Ok((prev, false))
    }

    /// The CAS of the tail at `tail` of `p` from 0 to `me` and the READ of
    /// key `k`'s line after it, in one post: the tail's old value.
    pub(super) fn enqueue_post(&self, p: &Peer, k: u32, tail: u64, me: u64) -> Result<u64> {
        let cas = Verb::Cas {
            remote: tail,
            expect: 0,
            new: me,
        };
        self.verbs(1, 0, 1);
        Ok(p.chain(&[cas, Verb::Read(self.line_xfer(k))], self.wait)?[0])
    }

    /// Posts the WRITEs of `w` (the value's write-back, the end of a
    /// writer phase; `None`s are skipped) and, with `cas` = `Some((off,
    /// expect))`, a CAS of the word `off` of `p`'s window from `expect` to 0
    /// after them, in one post; the CAS's old value (0 without one).
    pub(super) fn release_post(
        &self,
        p: &Peer,
        w: [Option<Xfer>; 2],
        cas: Option<(u64, u64)>,
    ) -> Result<u64> {
        let writes = w.iter().flatten().count();
        self.verbs(0, writes as u64, u64::from(cas.is_some()));
        match (w, cas) {
            ([None, None], None) => Ok(0),
            ([None, None], Some((off, expect))) => p.compare_and_swap(off, expect, 0, self.wait),
            ([Some(x), None] | [None, Some(x)], None) => {
                p.write(x.remote, x.local, x.len, self.wait).map(|()| 0)
            }
            (w, cas) => {
                // The first entry is overwritten: at least two verbs.
                let mut v = [Verb::Faa { remote: 0, add: 0 }; 3];
                let mut n = 0;
                for x in w.into_iter().flatten() {
                    v[n] = Verb::Write(x);
                    n += 1;
                }
                if let Some((off, expect)) = cas {
                    v[n] = Verb::Cas {
                        remote: off,
                        expect,
                        new: 0,
                    };
                    n += 1;
                }
                let r = p.chain(&v[..n], self.wait)?;
                Ok(if cas.is_some() { r[n - 1] } else { 0 })
            }
        }
    }

    /// Release of an MCS queue whose tail at `tail` (node `home`) is
    /// changed by RDMA CAS: without a successor in `d.next` the tail goes
    /// back to 0 (after the WRITEs `w`, the value's write-back and the end
    /// of a writer phase, in the same post); if a successor is linking
    /// itself in, wait for it.  Returns the successor's descriptor
    /// address, or `None`; `w` is written before either.  `qera`: an
    /// ALock queue, which recovery resets, entered in that era: the wait
    /// for the link also ends with `ESTALE` once the queue was reset (a
    /// successor died before it linked: `Handle::wait_link`; the caller
    /// then has nobody to hand on to).
    pub(super) fn rdma_release(
        &self,
        k: u32,
        d: u64,
        home: u32,
        tail: u64,
        w: [Option<Xfer>; 2],
        qera: Option<u64>,
    ) -> Result<Option<(u32, u64)>> {
        let t = self.t;
        let me = addr(t.me, d);
        let p = t.peer(home)?;
        let mut next = t.word(d + NEXT).load(Acquire);
        let mut w = w;
        if dec(next).is_none() {
            let last = self.release_post(p, w, Some((tail, me)))?;
            if last == me {
                return Ok(None);
            }
            w = [None, None];
            next = match qera {
                Some(q) => self.wait_link(d, k, q, last)?,
                None => self.wait_word(d + NEXT, k, now_ns())?,
            };
        }
        self.release_post(p, w, None)?;
        t.split(next).map(Some)
    }
}
