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
//! tests' critical section), and the node's one table ([`init`], [`exit`],
//! [`table`], [`create`], [`destroy`], [`summary`]).  The algorithms are in
//! [`super::alock`], [`super::loopback`] and [`super::rpc`]; the dispatch
//! by [`Kind`] in [`super`].

use core::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU64, AtomicU8,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};

use kernel::{bindings, new_mutex, prelude::*, sync::Arc, sync::Mutex};

use super::rpc::Rpc;
use super::window::{
    addr, dec, desc_base, end, home_of, line, Placement, COUNTER, DESC, DESCS, MAX_HANDLES,
    MAX_HELD, NEXT, OWNER, SCRATCH, TABLE_BASE,
};
use crate::rdma::{relax, Cluster, Peer, Wait, MAX_NODES};
use crate::support::util::{errno, kvec_from_fn, now_ns};

/// Default hand-offs inside one cohort before the other gets a turn.
pub const DEFAULT_BUDGET: u32 = 5;
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

/// This node's part of the distributed lock table.
pub struct Table {
    /// RPC lock: this node's grant words and the server for the keys
    /// homed here.  First field: the server stops before the rest goes.
    pub(super) rpc: Rpc,
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
    /// Per handle index: descriptor slots retired after a failed acquire
    /// (a late hand-off may still write them), never used again.
    pub(super) retired: [AtomicU8; MAX_HANDLES],
    /// Keys found broken (a peer lost while the lock was held or queued).
    broken: KVec<AtomicBool>,
    /// Keys homed here, and elsewhere.
    local_keys: KVec<u32>,
    remote_keys: KVec<u32>,
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
}

impl Held {
    /// The key.
    pub fn key(&self) -> u32 {
        self.key
    }
}

/// One thread's use of the table: its descriptors and scratch space.
pub struct Handle<'a> {
    /// The table.
    pub(super) t: &'a Table,
    /// This handle's index (its descriptors, scratch space, waiter ids).
    pub(super) idx: usize,
    /// Held-lock slots in use or retired (a bit each).
    pub(super) used: u32,
    /// How to wait between polls.
    pub(super) wait: Wait,
    timeout_ns: i64,
}

impl Drop for Handle<'_> {
    fn drop(&mut self) {
        self.t.handles.fetch_and(!(1u64 << self.idx), Release);
    }
}

impl Table {
    fn new(c: Arc<Cluster>, cfg: &Config) -> Result<Self> {
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
        let budget = |b: u32| if b == 0 { DEFAULT_BUDGET } else { b };
        let rpc = Rpc::start(&c, me, nodes, cfg.keys, cfg.placement)?;
        Ok(Self {
            rpc,
            c,
            me,
            nodes,
            keys: cfg.keys,
            placement: cfg.placement,
            budget_local: budget(cfg.local_budget),
            budget_remote: budget(cfg.remote_budget),
            desc_base,
            peers,
            handles: AtomicU64::new(0),
            retired: [const { AtomicU8::new(0) }; MAX_HANDLES],
            broken,
            local_keys,
            remote_keys,
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

    /// This node's cluster.
    pub fn cluster(&self) -> &Cluster {
        &self.c
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
            .map(|&k| self.word(line(k) + COUNTER).load(Acquire))
            .sum()
    }

    /// Zeroes this node's lines and descriptors: a window may hold words
    /// of an earlier table (of another size).  Every node creates its
    /// table before any node uses it (the caller's rule).
    fn clear(&self) {
        let end = end(self.keys);
        let mut off = TABLE_BASE;
        while off < end {
            self.word(off).store(0, Relaxed);
            off += 8;
        }
        fence(SeqCst);
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

    /// This thread's scratch space.
    pub(super) fn scratch(&self) -> u64 {
        self.t.desc_base + DESCS + self.idx as u64 * SCRATCH
    }

    /// Waits until the word `off` of this thread's descriptor holds a
    /// complete [`enc`](super::window::enc) value (a hand-off in `state`,
    /// a successor's address in `next`) and returns it.
    pub(super) fn wait_word(&self, off: u64, k: u32, start: i64) -> Result<u64> {
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
    pub(super) fn wait_state(&self, d: u64, k: u32, start: i64) -> Result<u64> {
        dec(self.wait_word(d, k, start)?).ok_or(EIO)
    }

    /// Gives up a wait that outlasted the timeout (`ETIMEDOUT`), or one
    /// that cannot end because a peer is lost (`EPIPE`); either way the
    /// key is marked broken: this thread may still be in its queue.
    pub(super) fn check_wait(&self, k: u32, start: i64) -> Result {
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
    pub(super) fn put(&self, node: u32, off: u64, val: u64, src: u64, nic: bool) -> Result {
        if node == self.t.me && !nic {
            self.t.word(off).store(val, Release);
            return Ok(());
        }
        self.t.word(src).store(val, Release);
        self.t.peer(node)?.write(off, src, 8, self.wait)
    }

    /// Enqueues descriptor `d` on the MCS tail at `tail` (node `home`) with
    /// a CAS loop; returns the predecessor (0: none).
    pub(super) fn swap_tail(&self, home: u32, tail: u64, me: u64) -> Result<u64> {
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

    /// Release of an MCS queue whose tail at `tail` (node `home`) is
    /// changed by RDMA CAS: without a successor in `d.next` the tail goes
    /// back to 0; if a successor is linking itself in, wait for it.
    /// Returns the successor's descriptor address, or `None`.
    pub(super) fn rdma_release(
        &self,
        k: u32,
        d: u64,
        home: u32,
        tail: u64,
    ) -> Result<Option<(u32, u64)>> {
        let t = self.t;
        let me = addr(t.me, d);
        let mut next = t.word(d + NEXT).load(Acquire);
        if dec(next).is_none() {
            if t.peer(home)?.compare_and_swap(tail, me, 0, self.wait)? == me {
                return Ok(None);
            }
            next = self.wait_word(d + NEXT, k, now_ns())?;
        }
        t.split(next).map(Some)
    }

    // ---- the protected data of the tests --------------------------------

    /// The critical section of the tests on key `k` (held): the owner word
    /// must be free on entry; it is set to `tag`, the counter incremented,
    /// the owner cleared.  A local holder uses the CPU, a remote one RDMA.
    /// Returns whether the owner word was free.
    pub fn critical(&self, k: u32, tag: u64) -> Result<bool> {
        let t = self.t;
        let line = line(k);
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

/// The node's table, if one was created.
#[pin_data]
struct Global {
    #[pin]
    table: Mutex<Option<Arc<Table>>>,
}

static GLOBAL: AtomicPtr<Global> = AtomicPtr::new(core::ptr::null_mut());

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

/// Creates the node's table (`EBUSY` if there is one, `ENOTCONN` without
/// a cluster, `ENOSPC` if a window is too small for it); returns the
/// number of keys homed here.  Every node creates its table, with the
/// same configuration, before any node uses it.
pub fn create(cfg: &Config) -> Result<u32> {
    let mut g = global().table.lock();
    if g.is_some() {
        return Err(EBUSY);
    }
    let c = crate::rdma::cluster().ok_or(errno(bindings::ENOTCONN))?;
    let t = Arc::new(Table::new(c, cfg)?, GFP_KERNEL)?;
    // Every node creates its table before any node runs on it.
    t.clear();
    let homed = t.local_keys.len() as u32;
    *g = Some(t);
    Ok(homed)
}

/// Drops the node's table (`ENOENT` without one); it goes when its last
/// handle does.
pub fn destroy() -> Result {
    global().table.lock().take().ok_or(ENOENT)?;
    Ok(())
}

/// The node's table's counts (`ENOENT` without one).
pub fn summary() -> Result<Summary> {
    let g = global().table.lock();
    let t = g.as_ref().ok_or(ENOENT)?;
    Ok(Summary {
        counter_sum: t.counter_sum(),
        homed: t.local_keys.len() as u32,
        keys: t.keys,
        broken: t.broken.iter().filter(|b| b.load(Relaxed)).count() as u32,
    })
}
