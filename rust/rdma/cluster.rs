// SPDX-License-Identifier: GPL-2.0

//! This node's membership of a cluster: the listener, one connection per
//! pair of nodes, the exported window and the reaper thread.
//!
//! `Cluster::new` binds a listening `rdma_cm_id` to this node's own
//! address (that picks the RDMA device) and allocates the exported
//! *window* (zeroed, DMA-mapped memory); then
//! `Cluster::connect_all` has node `i` connect to every node `j > i` and
//! accept `j < i`: one RC queue pair per pair of nodes, used by both sides
//! (each a [`Peer`]).  With [`Config::loopback`] a node also connects to
//! itself (one QP pair through the device's loopback), which is what the
//! loopback competitors of ALock and the loopback benchmarks use.
//!
//! The reaper thread (every 20 ms) completes the handshakes of late
//! connections and tears down lost ones.  [`super::membership`] creates
//! and shuts down the node's one cluster.

use core::cell::UnsafeCell;
use core::ffi::{c_int, c_void};
use core::sync::atomic::{
    AtomicBool,
    Ordering::{Acquire, Release},
};

use kernel::{
    bindings, c_str, new_spinlock,
    prelude::*,
    sync::{Arc, SpinLock},
};

use super::cm::{CmHandler, CmId};
use super::ffi::{self, RawAddr};
use super::peer::{
    read_pdata, refusal_log_due, Hello, Key, Local, Peer, Refusal, KEY_BYTES, RESOLVE_MS,
};
use super::verbs::{Device, DmaBuf};
use crate::support::kthread::{Periodic, Round};
use crate::support::util::errno;
use crate::support::util::now_ns;

/// Most nodes.
pub const MAX_NODES: usize = 16;
/// Pause before an active connection attempt is retried.
const RETRY_NS: i64 = 200_000_000;
/// Default longest wait for one verb.
const DEFAULT_OP_TIMEOUT_MS: u32 = 1000;
/// Reaper period.
const REAP_MS: u32 = 20;

/// A node's address: family (`AF_INET` or `AF_INET6`), port (host byte
/// order) and address (network byte order, IPv4 in the first four bytes).
pub type NodeAddr = RawAddr;

/// What a node joins a cluster with (the caller checked it: node ids and
/// count within [`MAX_NODES`], a window of whole pages, usable addresses).
#[derive(Clone, Copy)]
pub struct Config {
    /// This node.
    pub node_id: u32,
    /// Nodes in the cluster.
    pub nr_nodes: u32,
    /// Bytes this node exports.
    pub window_size: u32,
    /// Whether this node also connects to itself.
    pub loopback: bool,
    /// Wait for every peer this long.
    pub timeout_ms: u32,
    /// Longest wait for one verb (0: the default, 1 s).
    pub op_timeout_ms: u32,
    /// Every node's address, by node id (the first `nr_nodes`).
    pub nodes: [NodeAddr; MAX_NODES],
    /// The cluster's pre-shared key (not all zeros), the same on every
    /// node: a peer proves it holds it (`peer::handshake`).
    pub key: [u8; KEY_BYTES],
}

/// The connections, by node.
struct Table {
    peers: [Option<Arc<Peer>>; MAX_NODES],
    /// The accepting side of this node's own loopback connection.
    loop_passive: Option<Arc<Peer>>,
}

/// This node's membership of a cluster.
#[pin_data]
pub struct Cluster {
    me: u32,
    nodes: u32,
    loopback: bool,
    dev: Device,
    dev_name: [u8; 64],
    window: Arc<DmaBuf>,
    listener: UnsafeCell<Option<CmId<Cluster>>>,
    addrs: [RawAddr; MAX_NODES],
    key: Key,
    op_timeout_ns: i64,
    leaving: AtomicBool,
    reaper: Periodic,
    #[pin]
    table: SpinLock<Table>,
}

// SAFETY: The cell is written only during set-up (before the listener
// listens) and by the one `shutdown`.
unsafe impl Send for Cluster {}
// SAFETY: As above.
unsafe impl Sync for Cluster {}

impl Cluster {
    /// This node's id.
    pub fn node_id(&self) -> u32 {
        self.me
    }

    /// Nodes in the cluster.
    pub fn nr_nodes(&self) -> u32 {
        self.nodes
    }

    /// This node's exported window (CPU access: atomics only on words no
    /// peer changes with RDMA atomics).
    pub fn window(&self) -> &DmaBuf {
        &self.window
    }

    /// A new connection to `node` on this node's device and window:
    /// active, or accepting a request with nonce `req_nonce`; `ENOTCONN`
    /// once the node is leaving (the device may be going away).
    fn new_peer(&self, node: u32, req_nonce: Option<u64>) -> Result<Arc<Peer>> {
        if self.leaving.load(Acquire) {
            return Err(errno(bindings::ENOTCONN));
        }
        let local = Local {
            me: self.me,
            nodes: self.nodes,
            dev: self.dev,
            window: &self.window,
            op_timeout_ns: self.op_timeout_ns,
            key: &self.key,
        };
        Peer::new(&local, node, req_nonce)
    }

    /// The RDMA device, until the node leaves: afterwards the device may
    /// be gone (device removal), and the cluster, still referenced by the
    /// lock table or an ioctl, must not use it.
    pub(super) fn device(&self) -> Option<Device> {
        (!self.leaving.load(Acquire)).then_some(self.dev)
    }

    /// The RDMA device's name (NUL-terminated): copied at the join, so it
    /// stays valid after the device is gone.
    pub(super) fn device_name(&self) -> [u8; 64] {
        self.dev_name
    }

    /// Every usable connection, the accepting side of the loopback
    /// included (where messages to this node through loopback arrive).
    pub fn connections(&self) -> KVec<Arc<Peer>> {
        let mut v = KVec::new();
        for (_, _, p) in self.snapshot() {
            if p.is_up() {
                // On allocation failure the connection is left out.
                let _ = v.push(p, GFP_KERNEL);
            }
        }
        v
    }

    /// The usable connection to `node`: `ENOTCONN` if there is none.
    pub fn peer(&self, node: u32) -> Result<Arc<Peer>> {
        if node >= self.nodes {
            return Err(errno(bindings::ENOTCONN));
        }
        let t = self.table.lock();
        match &t.peers[node as usize] {
            Some(p) if p.is_up() => Ok(p.clone()),
            _ => Err(errno(bindings::ENOTCONN)),
        }
    }

    /// Every connection in the table: its node, whether it is the
    /// accepting side of the loopback, the peer.
    pub(super) fn snapshot(&self) -> KVec<(usize, bool, Arc<Peer>)> {
        let mut v = KVec::new();
        let t = self.table.lock();
        for (i, p) in t.peers.iter().enumerate() {
            if let Some(p) = p {
                // On allocation failure the peer is skipped this round.
                let _ = v.push((i, false, p.clone()), GFP_ATOMIC);
            }
        }
        if let Some(p) = &t.loop_passive {
            let _ = v.push((self.me as usize, true, p.clone()), GFP_ATOMIC);
        }
        v
    }

    fn remove(&self, node: usize, passive_loop: bool, p: &Arc<Peer>) {
        let mut t = self.table.lock();
        let slot = if passive_loop {
            &mut t.loop_passive
        } else {
            &mut t.peers[node]
        };
        if slot.as_ref().is_some_and(|q| Arc::ptr_eq(q, p)) {
            *slot = None;
        }
    }

    /// Binds the listener to this node's address, allocates the window,
    /// and listens.
    pub(super) fn new(args: &Config) -> Result<Arc<Self>> {
        let me = args.node_id as usize;
        let key = Key::new(&args.key).ok_or(EINVAL)?;
        let listener = CmId::new()?;
        listener.bind(&args.nodes[me])?;
        let dev = listener.device().ok_or(errno(bindings::EADDRNOTAVAIL))?;
        let info = dev.info();
        if info.atomic_cap == 0 {
            return Err(errno(bindings::EOPNOTSUPP));
        }
        let window = Arc::new(DmaBuf::new(dev, args.window_size as usize)?, GFP_KERNEL)?;
        let addrs = args.nodes;
        let op_ms = if args.op_timeout_ms == 0 {
            DEFAULT_OP_TIMEOUT_MS
        } else {
            args.op_timeout_ms
        };
        let c = Arc::pin_init(
            pin_init!(Self {
                me: args.node_id,
                nodes: args.nr_nodes,
                loopback: args.loopback,
                dev,
                dev_name: info.name,
                window,
                listener: UnsafeCell::new(None),
                addrs,
                key,
                op_timeout_ns: i64::from(op_ms) * 1_000_000,
                leaving: AtomicBool::new(false),
                reaper: Periodic::new(),
                table <- new_spinlock!(
                    Table {
                        peers: [const { None }; MAX_NODES],
                        loop_passive: None,
                    },
                    "alock_rdma_table"
                ),
            }),
            GFP_KERNEL,
        )?;
        listener.ctx().set(c.clone());
        // SAFETY: Set-up: nobody else sees the cluster yet, and the
        // listener delivers no CONNECT_REQUEST before `listen`.
        unsafe { *c.listener.get() = Some(listener) };
        // SAFETY: Just set.
        let l = unsafe { (*c.listener.get()).as_ref().unwrap_unchecked() };
        if let Err(e) = l.listen(MAX_NODES as i32) {
            c.shutdown();
            return Err(e);
        }
        Ok(c)
    }

    /// Whether this node also connects to itself.
    pub(super) fn loopback(&self) -> bool {
        self.loopback
    }

    /// Starts an active connection to `node`.
    fn start_active(&self, node: u32) -> Result {
        let p = self.new_peer(node, None)?;
        let id = CmId::new()?;
        id.ctx().set(p.clone());
        p.set_id(id);
        {
            let mut t = self.table.lock();
            t.peers[node as usize] = Some(p.clone());
        }
        let r = p.id().map_or(Err(EINVAL), |id| {
            id.resolve_addr(
                &self.addrs[self.me as usize],
                &self.addrs[node as usize],
                RESOLVE_MS,
            )
        });
        if let Err(e) = r {
            p.fail(e);
        }
        Ok(())
    }

    /// Advances the connection in one slot; whether it is up.  A failed
    /// set-up is torn down and removed (`Some(false)` then).
    fn check_slot(&self, node: usize, passive_loop: bool) -> Option<bool> {
        let p = {
            let t = self.table.lock();
            if passive_loop {
                t.loop_passive.clone()
            } else {
                t.peers[node].clone()
            }
        }?;
        p.progress();
        if p.is_up() {
            return Some(true);
        }
        if p.needs_teardown() {
            p.teardown();
            self.remove(node, passive_loop, &p);
        }
        Some(false)
    }

    /// Connects to every peer and waits until all are up.
    pub(super) fn connect_all(&self, timeout_ms: u32) -> Result {
        let deadline = now_ns() + i64::from(timeout_ms) * 1_000_000;
        let mut retry_at = [0i64; MAX_NODES];
        loop {
            let now = now_ns();
            let mut all_up = true;
            for j in 0..self.nodes {
                let jj = j as usize;
                let active = j > self.me || (j == self.me && self.loopback());
                let passive = j < self.me || (j == self.me && self.loopback());
                if active {
                    match self.check_slot(jj, false) {
                        Some(true) => {}
                        Some(false) => {
                            all_up = false;
                            if self.table.lock().peers[jj].is_none() {
                                retry_at[jj] = now + RETRY_NS;
                            }
                        }
                        None => {
                            all_up = false;
                            if now >= retry_at[jj] {
                                self.start_active(j)?;
                            }
                        }
                    }
                }
                if passive && self.check_slot(jj, j == self.me) != Some(true) {
                    all_up = false;
                }
            }
            if all_up {
                return Ok(());
            }
            if now > deadline {
                return Err(errno(bindings::ETIMEDOUT));
            }
            // SAFETY: Process context (the join ioctl).
            if unsafe { bindings::msleep_interruptible(5) } != 0 {
                return Err(EINTR);
            }
        }
    }

    /// One reaper round: handshakes of late connections, teardown of lost
    /// ones.
    fn reap(&self) {
        for (node, passive_loop, p) in self.snapshot().iter() {
            p.progress();
            if p.needs_teardown() {
                p.teardown();
                if !p.was_up() {
                    self.remove(*node, *passive_loop, p);
                }
            }
        }
    }

    /// Starts the reaper thread.
    pub(super) fn start_reaper(self: &Arc<Self>) -> Result {
        // SAFETY: The cluster outlives the thread: `shutdown` stops it, and
        // the membership holds a reference until after that.
        unsafe { self.reaper.start(&**self, c_str!("alock-rdma")) }
    }

    /// Leaves: stops the reaper and the listener, disconnects and tears
    /// down every connection, unmaps the window.  Process context; once.
    ///
    /// Afterwards nothing of the cluster uses the RDMA device: every QP,
    /// MR, CQ and PD is freed, every peer's scratch buffer and the window
    /// are unmapped, and no new connection is made (`leaving`), so the
    /// device's `remove` callback may return even while the lock table or
    /// an ioctl still holds the cluster or its peers (their verbs fail
    /// with `ENOTCONN`, the window stays readable and writable by the
    /// CPU).  This is done on every leave, not only on device removal:
    /// once no QP is left the mapping serves nothing, and one path for
    /// both is the one every leave of the tests runs.
    pub(super) fn shutdown(&self) {
        self.leaving.store(true, Release);
        self.reaper.stop();
        // SAFETY: Only `shutdown` takes it.  Destroying the listener waits
        // for a CONNECT_REQUEST handler in progress, so none runs after.
        drop(unsafe { (*self.listener.get()).take() });
        let mut peers = KVec::new();
        {
            let mut t = self.table.lock();
            let Table {
                peers: table,
                loop_passive,
            } = &mut *t;
            for p in Iterator::chain(table.iter_mut(), core::iter::once(loop_passive)) {
                if let Some(p) = p.take() {
                    // On allocation failure the peer is torn down by its
                    // `Drop` when the table's reference goes (just below).
                    let _ = peers.push(p, GFP_ATOMIC);
                }
            }
        }
        for p in peers.iter() {
            p.teardown();
        }
        drop(peers);
        // Every peer whose MR covered the window is torn down: the ones
        // just now, the ones the reaper or `connect_all` removed from the
        // table before (torn down first), and a failed accept's (its
        // `Drop`, inside the listener's handler, which is gone).
        self.window.unmap();
    }
}

impl CmHandler for Cluster {
    /// The listener's CONNECT_REQUEST (inside its handler, on the new id).
    unsafe fn on_connect_request(
        &self,
        id: *mut ffi::rdma_cm_id,
        pdata: *const c_void,
        plen: u8,
    ) -> c_int {
        let reject = || {
            // SAFETY: The handler's id; returning non-zero then destroys it.
            unsafe { ffi::alock_rdma_reject(id) };
            1
        };
        if self.leaving.load(Acquire) {
            return reject();
        }
        // Who is asking, before anything is allocated for them: the
        // configured address of the node it claims to be, and a Hello with
        // the cluster key's tag (`peer::handshake`).
        let mut src = RawAddr::default();
        // SAFETY: The handler's id; `src` is a valid out-parameter.
        unsafe { ffi::alock_rdma_id_peer_addr(id, &mut src) };
        let h = match read_pdata::<Hello>(pdata, plen) {
            Some(h) if h.request_ok(&self.key) => h,
            _ => {
                if refusal_log_due(Refusal::Tag) {
                    pr_warn!(
                        "rdma: refused a connection from {}: no Hello with the cluster key's tag\n",
                        AddrFmt(&src)
                    );
                }
                return reject();
            }
        };
        let from = u32::from(h.from);
        let ok = u32::from(h.to) == self.me
            && u32::from(h.nodes) == self.nodes
            && (from < self.me || (from == self.me && self.loopback()));
        if !ok {
            if refusal_log_due(Refusal::Membership) {
                pr_warn!(
                    "rdma: refused a connection from {} as node {} (bad membership)\n",
                    AddrFmt(&src),
                    from
                );
            }
            return reject();
        }
        let want = &self.addrs[from as usize];
        let n = if want.family == AF_INET6 { 16 } else { 4 };
        if src.family != want.family || src.addr[..n] != want.addr[..n] {
            if refusal_log_due(Refusal::Address) {
                pr_warn!(
                    "rdma: refused a connection from {} as node {} (its address is {})\n",
                    AddrFmt(&src),
                    from,
                    AddrFmt(want)
                );
            }
            return reject();
        }
        let is_loop = from == self.me;
        {
            let t = self.table.lock();
            let slot = if is_loop {
                &t.loop_passive
            } else {
                &t.peers[from as usize]
            };
            if slot.as_ref().is_some_and(|p| !p.is_torn()) {
                return reject();
            }
        }
        if !h.window_ok() {
            if refusal_log_due(Refusal::Window) {
                pr_warn!(
                    "rdma: refused node {}: its Hello advertises an unusable window (iova {:#x}, {} bytes, from {})\n",
                    from,
                    h.iova,
                    h.len,
                    AddrFmt(&src)
                );
            }
            return reject();
        }
        let p = match self.new_peer(from, Some(h.nonce)) {
            Ok(p) => p,
            Err(_) => return reject(),
        };
        p.set_remote(&h);
        // SAFETY: `id` is this CONNECT_REQUEST's id; we return 0 unless we
        // give it back with `release_to_cm`.
        let cid = match unsafe { CmId::adopt(id) } {
            Ok(c) => c,
            Err(_) => return reject(),
        };
        cid.ctx().set(p.clone());
        let r = p.accept(id);
        if r.is_err() {
            p.abort_accept(&cid);
            // `p` goes with its last reference (its `Drop` frees the MR and
            // CQ; no id or QP is left on it).
            cid.release_to_cm();
            // SAFETY: As in `reject`.
            unsafe { ffi::alock_rdma_reject(id) };
            return 1;
        }
        p.set_id(cid);
        let mut t = self.table.lock();
        if is_loop {
            t.loop_passive = Some(p);
        } else {
            t.peers[from as usize] = Some(p);
        }
        0
    }
}

/// `AF_INET6` (`AF_INET` is the default of an address).
const AF_INET6: u16 = bindings::AF_INET6 as u16;

/// An address for the log: dotted IPv4, or IPv6 in hex groups.
struct AddrFmt<'a>(&'a RawAddr);

impl core::fmt::Display for AddrFmt<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let a = &self.0.addr;
        if self.0.family == AF_INET6 {
            for (i, w) in a.chunks(2).enumerate() {
                let sep = if i == 0 { "" } else { ":" };
                write!(f, "{}{:x}", sep, u16::from_be_bytes([w[0], w[1]]))?;
            }
            Ok(())
        } else {
            write!(f, "{}.{}.{}.{}", a[0], a[1], a[2], a[3])
        }
    }
}

/// The reaper's round: one [`Cluster::reap`] every `REAP_MS`.
impl Round for Cluster {
    fn round(&self) -> u32 {
        self.reap();
        REAP_MS
    }
}
