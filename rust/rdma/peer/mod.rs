// SPDX-License-Identifier: GPL-2.0

//! The connection to one peer node (or to this node, for loopback): its
//! states, its set-up and READY handshake, failure handling and teardown.
//!
//! * here: [`Peer`], its states, the CM events of its id
//!   ([`CmHandler`]) and the set-up up to ESTABLISHED (QP, connect,
//!   accept), failure handling, teardown, [`PeerStatus`];
//! * [`handshake`]: the handshake's steps after ESTABLISHED
//!   ([`Peer::progress`]), its wire format (the CM private data [`Hello`]
//!   and the READY message) and how it authenticates the peer: the
//!   cluster's [`Key`], a nonce per side, HMAC tags, a deadline;
//! * [`probe`]: liveness probes of a connection that is up, asked for by
//!   waiters that depend on the peer ([`Peer::probe`]);
//! * [`ops`]: the verbs a connection that is up offers (READ, WRITE,
//!   [`Peer::write_read`], compare-and-swap, fetch-and-add, messages), its
//!   scratch slots and how the issuer waits ([`Wait`]).
//!
//! [`super::cluster`] creates peers and drives their handshakes.
//!
//! Each connection registers the window for its peer with a REG_MR work
//! request into a memory region of its own (remote read, write and
//! atomics, zero-based), so each peer has its own rkey; the rkey and
//! length travel in the CM private data.  A node registers the window
//! only once the peer proved that it holds the cluster key (the passive
//! side: after the active side's READY, [`handshake`]); after the REG_MR
//! completed it sends its own READY, and a connection is *up* once both
//! READYs were exchanged: no peer can touch a window before it is
//! registered for it.
//!
//! A verb waits for its completion by polling the connection's CQ (never
//! sleeping).  A completion error other than a flush, a failed post, or a
//! verb outlasting the join's `op_timeout_ms` marks the connection failed;
//! the cluster's reaper thread (every 20 ms) then moves its QP to the error
//! state, waits until every verb in flight completed (flushed), and frees
//! the QP, MR, CQ and cm_id.  The peer stays in the table as failed, and
//! verbs to it fail with `ENOTCONN` at once.  The RC ACK timeout is set to
//! 134 ms with 5 retries, so a peer that stops answering fails the verbs
//! in flight within about 0.8 s, or `op_timeout_ms`, whichever is first.

use core::cell::UnsafeCell;
use core::ffi::c_void;
use core::ptr::null_mut;
use core::sync::atomic::{
    AtomicBool, AtomicI32, AtomicI64, AtomicPtr, AtomicU32, AtomicU64,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};

use kernel::{bindings, prelude::*, sync::Arc};

use super::cm::{CmHandler, CmId};
use super::ffi::{self, cm_event};
use super::verbs::{self, check, Comp, Cq, Device, DmaBuf, Mr, Pd, Qp};
use crate::support::util::{errno, now_ns};

pub mod handshake;
pub mod observe;
pub mod ops;
mod probe;

pub(super) use handshake::{refusal_log_due, Hello, Refusal};
pub use handshake::{Key, KEY_BYTES, MAX_PEER_WINDOW};
pub use ops::{relax, Verb, Wait, Xfer, CHAIN_MAX};

/// Verbs in flight per connection (one scratch slot each).
const NSLOTS: usize = 64;
/// Bytes of scratch per slot (atomics' results, control messages).
const SLOT_BYTES: usize = 64;
/// Receive buffers for messages (two-sided SEND/RECV) per connection.
const NMSG: usize = 32;
/// Largest message.
pub const MSG_BYTES: usize = SLOT_BYTES;
/// Scratch layout: NSLOTS slots, the READY send and receive buffers, then
/// the message receive buffers.
const CTRL_SEND_OFF: usize = NSLOTS * SLOT_BYTES;
const CTRL_RECV_OFF: usize = CTRL_SEND_OFF + SLOT_BYTES;
const MSG_OFF: usize = CTRL_RECV_OFF + SLOT_BYTES;
const SCRATCH_BYTES: usize = MSG_OFF + NMSG * SLOT_BYTES;
/// Send queue: the slots, REG_MR, READY and ib_drain_qp's marker.
const SEND_WR: u32 = NSLOTS as u32 + 4;
/// Receive queue: READY, the messages, ib_drain_qp's marker.
const RECV_WR: u32 = NMSG as u32 + 2;
const CQ_ENTRIES: u32 = SEND_WR + RECV_WR + 4;
/// Local ACK timeout exponent: 4.096 us * 2^15 = 134 ms.
const ACK_TIMEOUT: u8 = 15;
/// Outstanding RDMA READs/atomics per QP, each direction (capped by the device).
const RD_DEPTH: u32 = 16;
/// Address and route resolution timeout.
pub(super) const RESOLVE_MS: i32 = 2000;

const CTRL_REG: usize = 0;
const CTRL_SEND: usize = 1;
const CTRL_RECV: usize = 2;

// Connection states.
/// Active: resolving and connecting; passive: accepted.
const S_NEW: u32 = 0;
/// The CM reported ESTABLISHED.
const S_ESTABLISHED: u32 = 1;
/// REG_MR posted.
const S_REGISTERING: u32 = 2;
/// READY sent, waiting for the peer's.
const S_HANDSHAKE: u32 = 3;
/// Usable.
const S_UP: u32 = 4;
/// Set-up failed before it was up (the active side tries again).
const S_RETRY: u32 = 5;
/// Lost after it was up.
const S_FAILED: u32 = 6;
/// Disconnected by the peer, or by this node's leave.
const S_CLOSED: u32 = 7;

/// Reads a `T` from private data of at least its size.
pub(super) fn read_pdata<T: Copy + Default>(p: *const c_void, len: u8) -> Option<T> {
    if p.is_null() || (len as usize) < core::mem::size_of::<T>() {
        return None;
    }
    // SAFETY: The CM's private data is valid for `len` bytes, which cover
    // a `T` (checked); `T` is plain data, any bytes are valid.
    Some(unsafe { core::ptr::read_unaligned(p.cast::<T>()) })
}

/// Views a plain `repr(C)` value as bytes.
fn bytes_of<T>(v: &T) -> &[u8] {
    // SAFETY: `v` is `size_of::<T>()` initialised bytes (the callers' types
    // have no padding).
    unsafe { core::slice::from_raw_parts((v as *const T).cast::<u8>(), core::mem::size_of::<T>()) }
}

/// The state of a connection, as [`Peer::status`] reports it.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub enum PeerState {
    /// No connection to that node.
    #[default]
    Absent,
    /// Being set up.
    Connecting,
    /// Usable.
    Up,
    /// Failed (set-up failed or it was lost).
    Failed,
    /// Disconnected by the peer, or by this node's leave.
    Closed,
    /// This node itself, without loopback.
    ThisNode,
}

/// What one connection reports.
#[derive(Clone, Copy, Default)]
pub struct PeerStatus {
    /// The peer's node id.
    pub node: u32,
    /// Its state.
    pub state: PeerState,
    /// Verbs completed.
    pub ops: u64,
    /// Verbs failed.
    pub errors: u64,
    /// Why the connection went down (negative errno) or 0.
    pub last_error: i32,
    /// The peer's rkey for this node.
    pub rkey: u32,
    /// Size of the peer's window.
    pub remote_len: u64,
}

/// This node's side of every connection: what a new [`Peer`] takes from
/// the cluster.
pub(super) struct Local<'a> {
    /// This node.
    pub(super) me: u32,
    /// Nodes in the cluster.
    pub(super) nodes: u32,
    /// The RDMA device.
    pub(super) dev: Device,
    /// This node's window.
    pub(super) window: &'a Arc<DmaBuf>,
    /// Longest wait for one verb.
    pub(super) op_timeout_ns: i64,
    /// The cluster's key.
    pub(super) key: &'a Key,
}

/// The connection to one peer node (or to this node, for loopback).
pub struct Peer {
    node: u32,
    me: u32,
    active: bool,
    state: AtomicU32,
    /// Negative errno of what took the connection down, or 0.
    error: AtomicI32,
    /// Set once teardown started.
    torn: AtomicBool,
    /// Whether it was ever up.
    was_up: AtomicBool,
    /// Verbs between `enter` and their completion.
    inflight: AtomicU32,
    /// The cm_id; written before its first event, taken by `teardown`.
    id: UnsafeCell<Option<CmId<Peer>>>,
    /// Written at creation, taken by `teardown` after the id and QP.
    cq: UnsafeCell<Option<Cq>>,
    /// This node's window registered for the peer (same rule as `cq`).
    mr: UnsafeCell<Option<Mr>>,
    /// The connection's own PD (same rule; freed last): an rkey of this
    /// connection's MR is valid on this connection's QP only, so no
    /// member can use the rkey another member was given.
    pd_own: UnsafeCell<Option<Pd>>,
    /// The QP, set by the CM handler that creates it.
    qp: AtomicPtr<ffi::ib_qp>,
    cq_ptr: *mut ffi::ib_cq,
    pd: *mut ffi::ib_pd,
    lkey: u32,
    /// The device, only compared with a cm_id's (never used after
    /// teardown, so it may outlive the device: `verbs::Device`).
    dev: Device,
    /// Outstanding READs/atomics to offer (the device's limits, read at
    /// creation).
    depth: u8,
    /// Our Hello (with our nonce for this connection).
    hello: Hello,
    /// The cluster's key (the handshake's tags).
    key: Key,
    /// The peer's nonce, from its Hello.
    peer_nonce: AtomicU64,
    /// When the connection was created (`HANDSHAKE_MS` counts from here).
    born_ns: i64,
    window: Arc<DmaBuf>,
    remote_iova: AtomicU64,
    remote_len: AtomicU64,
    remote_rkey: AtomicU32,
    scratch: DmaBuf,
    slots: [Comp; NSLOTS],
    free: AtomicU64,
    /// Slots of detached verbs ([`Peer::fetch_and_add_detached`]): taken,
    /// each with an in-flight count, until `reap_detached` finds their
    /// completion; and when each was posted.
    detached: AtomicU64,
    detached_at: [AtomicI64; NSLOTS],
    ctrl: [Comp; 3],
    /// Message receives, consumed in posting order from `mhead`.
    mrecv: [Comp; NMSG],
    mhead: AtomicU32,
    /// Set while one caller consumes messages.
    mbusy: AtomicBool,
    ops: AtomicU64,
    errors: AtomicU64,
    op_timeout_ns: i64,
    /// A waiter asked for a liveness probe ([`Peer::probe`]).
    probe_req: AtomicBool,
    /// When the probe in flight was posted (0: none), and the last one.
    probe_at: AtomicI64,
    probe_last: AtomicI64,
    /// Verbs by kind and round trips ([`observe`]).
    counters: observe::PeerCounters,
}

// SAFETY: The raw pointers are the PD and CQ, usable from any thread and
// kept alive by the teardown protocol (`inflight`, `torn`); the cells are
// written only before the id's first event or by the one `teardown`.
unsafe impl Send for Peer {}
// SAFETY: As above.
unsafe impl Sync for Peer {}

impl Peer {
    /// A new connection to `node`: the active side (which connects,
    /// `req_nonce` `None`) or the passive one, which accepts a request
    /// with that nonce.
    pub(super) fn new(c: &Local<'_>, node: u32, req_nonce: Option<u64>) -> Result<Arc<Self>> {
        let active = req_nonce.is_none();
        let pd = Pd::new(c.dev)?;
        let cq = Cq::new(c.dev, CQ_ENTRIES)?;
        let mr = Mr::new(&pd, c.window)?;
        let scratch = DmaBuf::new(c.dev, SCRATCH_BYTES)?;
        let info = c.dev.info();
        let depth = core::cmp::min(
            RD_DEPTH,
            core::cmp::min(info.max_qp_init_rd_atom, info.max_qp_rd_atom),
        )
        .max(1) as u8;
        let hello = Hello::new(
            c.key,
            c.me,
            node,
            c.nodes,
            mr.rkey(),
            mr.iova(),
            mr.len(),
            req_nonce,
        );
        let cq_ptr = cq.as_ptr();
        Ok(Arc::new(
            Self {
                node,
                me: c.me,
                active,
                state: AtomicU32::new(S_NEW),
                error: AtomicI32::new(0),
                torn: AtomicBool::new(false),
                was_up: AtomicBool::new(false),
                inflight: AtomicU32::new(0),
                id: UnsafeCell::new(None),
                cq: UnsafeCell::new(Some(cq)),
                mr: UnsafeCell::new(Some(mr)),
                qp: AtomicPtr::new(null_mut()),
                cq_ptr,
                pd: pd.as_ptr(),
                lkey: pd.lkey(),
                pd_own: UnsafeCell::new(Some(pd)),
                dev: c.dev,
                depth,
                hello,
                key: c.key.clone(),
                peer_nonce: AtomicU64::new(req_nonce.unwrap_or(0)),
                born_ns: now_ns(),
                window: c.window.clone(),
                remote_iova: AtomicU64::new(0),
                remote_len: AtomicU64::new(0),
                remote_rkey: AtomicU32::new(0),
                scratch,
                slots: [const { Comp::new() }; NSLOTS],
                free: AtomicU64::new(u64::MAX),
                detached: AtomicU64::new(0),
                detached_at: [const { AtomicI64::new(0) }; NSLOTS],
                ctrl: [const { Comp::new() }; 3],
                mrecv: [const { Comp::new() }; NMSG],
                mhead: AtomicU32::new(0),
                mbusy: AtomicBool::new(false),
                ops: AtomicU64::new(0),
                errors: AtomicU64::new(0),
                counters: observe::PeerCounters::new(),
                op_timeout_ns: c.op_timeout_ns,
                probe_req: AtomicBool::new(false),
                probe_at: AtomicI64::new(0),
                probe_last: AtomicI64::new(0),
            },
            GFP_KERNEL,
        )?)
    }

    /// The peer's node id.
    pub fn node(&self) -> u32 {
        self.node
    }

    /// Size of the peer's window.
    pub fn remote_len(&self) -> u64 {
        self.remote_len.load(Relaxed)
    }

    /// Whether verbs may be posted.
    pub fn is_up(&self) -> bool {
        self.state.load(Acquire) == S_UP
    }

    /// Gives the connection its cm_id.
    pub(super) fn set_id(&self, id: CmId<Peer>) {
        // SAFETY: Called once, before the id can deliver an event that
        // reads the cell (no resolve/accept has been started on it yet).
        unsafe { *self.id.get() = Some(id) };
    }

    /// The connection's cm_id, until teardown.
    pub(super) fn id(&self) -> Option<&CmId<Peer>> {
        // SAFETY: Shared reads happen only while `teardown` has not taken
        // it (callers hold `inflight` or run before teardown can start).
        unsafe { (*self.id.get()).as_ref() }
    }

    /// Records the peer's window and nonce (from its hello).
    pub(super) fn set_remote(&self, h: &Hello) {
        self.peer_nonce.store(h.nonce, Relaxed);
        self.remote_iova.store(h.iova, Relaxed);
        self.remote_rkey.store(h.rkey, Relaxed);
        self.remote_len.store(h.len, Release);
    }

    /// Records why the connection went down and marks it `to` (failed or
    /// closed) unless it already is down; before it was up, `S_RETRY`.
    fn down(&self, to: u32, e: Error) {
        let _ = self
            .error
            .compare_exchange(0, e.to_errno(), AcqRel, Relaxed);
        let mut s = self.state.load(Acquire);
        loop {
            let new = match s {
                S_FAILED | S_CLOSED | S_RETRY => return,
                S_UP => to,
                _ => S_RETRY,
            };
            match self.state.compare_exchange(s, new, AcqRel, Acquire) {
                Ok(_) => return self.observe_state(s, new, e.to_errno()),
                Err(cur) => s = cur,
            }
        }
    }

    /// Marks the connection failed (see `down`).
    pub(super) fn fail(&self, e: Error) {
        self.down(S_FAILED, e);
    }

    fn advance(&self, from: u32, to: u32) -> bool {
        let ok = self
            .state
            .compare_exchange(from, to, AcqRel, Acquire)
            .is_ok();
        if ok {
            self.observe_state(from, to, 0);
        }
        ok
    }

    /// Whether it is down and not torn down yet.
    pub(super) fn needs_teardown(&self) -> bool {
        matches!(self.state.load(Acquire), S_RETRY | S_FAILED | S_CLOSED)
            && !self.torn.load(Acquire)
    }

    /// Creates the QP on `id` (inside its CM handler) and posts the READY
    /// receive.
    fn create_qp(&self, id: *mut ffi::rdma_cm_id) -> Result {
        // SAFETY: `id` is the handler's id; the PD and CQ are alive (the
        // peer is not torn down: the handler checked, and teardown destroys
        // the id, waiting for this handler, before it frees them).
        check(unsafe {
            ffi::alock_rdma_create_qp(id, self.pd, self.cq_ptr, SEND_WR, RECV_WR, ACK_TIMEOUT)
        })?;
        // SAFETY: The id has a QP now.
        let qp = unsafe { ffi::alock_rdma_id_qp(id) };
        self.qp.store(qp, Release);
        let c = &self.ctrl[CTRL_RECV];
        c.reset();
        // SAFETY: The QP is valid; the record and buffer live as long as
        // the peer, which outlives the QP (teardown order).
        check(unsafe {
            ffi::alock_rdma_post_recv(
                qp,
                c.as_ptr(),
                self.scratch.dma(CTRL_RECV_OFF),
                self.lkey,
                SLOT_BYTES as u32,
            )
        })?;
        // Behind READY (the first message a peer sends) in the queue.
        for i in 0..NMSG {
            self.post_msg_recv(qp, i)?;
        }
        Ok(())
    }

    fn post_msg_recv(&self, qp: *mut ffi::ib_qp, i: usize) -> Result {
        let c = &self.mrecv[i];
        c.reset();
        // SAFETY: As in `create_qp`: the QP is valid (set-up, or inside
        // `enter`), the record and buffer outlive it.
        check(unsafe {
            ffi::alock_rdma_post_recv(
                qp,
                c.as_ptr(),
                self.scratch.dma(MSG_OFF + i * SLOT_BYTES),
                self.lkey,
                SLOT_BYTES as u32,
            )
        })
    }

    /// ROUTE_RESOLVED: the QP, then the connect request with our hello.
    fn on_route_resolved(&self, id: *mut ffi::rdma_cm_id) -> Result {
        // SAFETY: The handler's id.
        let dev = unsafe { ffi::alock_rdma_id_device(id) };
        if dev != self.dev.as_ptr() {
            return Err(errno(bindings::EADDRNOTAVAIL));
        }
        self.create_qp(id)?;
        // SAFETY: The handler's id, with a QP; `hello` is plain data that
        // the CM copies.
        check(unsafe {
            ffi::alock_rdma_connect_locked(
                id,
                (&self.hello as *const Hello).cast::<c_void>(),
                core::mem::size_of::<Hello>() as u8,
                self.depth,
            )
        })
    }

    /// Accepts the connection request `id` (inside the listener's
    /// handler, on the request's id): the QP, then the reply with our
    /// hello.
    pub(super) fn accept(&self, id: *mut ffi::rdma_cm_id) -> Result {
        self.create_qp(id).and_then(|()| {
            // SAFETY: The handler's id with its QP; `hello` is copied.
            check(unsafe {
                ffi::alock_rdma_accept(
                    id,
                    (&self.hello as *const Hello).cast::<c_void>(),
                    core::mem::size_of::<Hello>() as u8,
                    self.depth,
                )
            })
        })
    }

    /// After a failed [`Peer::accept`], still in the handler: destroys the
    /// QP created on `id`, if any (the CM destroys the id next).
    pub(super) fn abort_accept(&self, id: &CmId<Peer>) {
        if !id.qp().is_null() {
            // SAFETY: In the id's handler; the CM destroys the id next.
            unsafe { ffi::alock_rdma_destroy_qp(id.as_ptr()) };
            self.qp.store(null_mut(), Release);
        }
    }

    /// Whether teardown started.
    pub(super) fn is_torn(&self) -> bool {
        self.torn.load(Acquire)
    }

    /// Whether it was ever up.
    pub(super) fn was_up(&self) -> bool {
        self.was_up.load(Acquire)
    }

    /// Frees the connection's resources (process context, once): the QP
    /// goes to the error state, every verb in flight completes (flushed),
    /// then the cm_id, QP, MR, CQ and PD are freed in that order and the
    /// scratch buffer is unmapped.  A connection this node is still
    /// opening loses its cm_id first.  Afterwards the peer uses the device
    /// no more: what is left is memory, which may outlive the device (a
    /// table or an ioctl may still hold the peer when the device goes).
    pub(super) fn teardown(&self) {
        if self.torn.swap(true, SeqCst) {
            return;
        }
        // Active and not ESTABLISHED yet: our REQ may be out and the
        // peer's REP on its way.  rdma_disconnect() cannot cancel that (no
        // DREQ before ESTABLISHED) and moves the QP to ERR; a REP handled
        // afterwards has the rdma_cm move the QP ERR -> INIT (cma_rep_recv
        // -> cma_modify_qp_rtr), which rxe refuses: "rxe_modify_qp:
        // returned err = -22", then a REJ.  Destroying the id first waits
        // for a handler in progress and sends the REJ itself (the ib_cm's
        // REQ_SENT state), so no REP is handled on an ERR QP
        // (Documentation/rdma.rst, "Teardown of a connection being opened").
        let opening = self.active && self.state.load(Acquire) == S_NEW;
        // New verbs see a state that is not up.
        self.down(S_CLOSED, errno(bindings::ESHUTDOWN));
        if opening {
            // No verb is in flight on a connection that was never up; once
            // the id is destroyed no handler runs: the QP read below is
            // final.  The cell's other reader, `Cluster::start_active`,
            // runs on the joining thread before a teardown can start.
            // SAFETY: Only this single (`torn`) teardown takes the cell.
            drop(unsafe { (*self.id.get()).take() });
        } else if let Some(id) = self.id() {
            id.disconnect();
        }
        let qp = self.qp.load(Acquire);
        if !qp.is_null() {
            // SAFETY: The QP is valid until destroyed below.
            let _ = unsafe { ffi::alock_rdma_qp_error(qp) };
        }
        let mut waited = 0u32;
        while self.inflight.load(SeqCst) != 0 {
            // SAFETY: The CQ is alive until freed below.
            unsafe { ffi::alock_rdma_poll(self.cq_ptr) };
            // Detached verbs hold in-flight counts until reaped.
            self.reap_detached();
            // SAFETY: Process context.
            unsafe { bindings::usleep_range_state(100, 200, bindings::TASK_UNINTERRUPTIBLE) };
            waited += 1;
            if waited % 20_000 == 0 {
                pr_warn!(
                    "rdma: node {}: verbs still in flight after {} s\n",
                    self.node,
                    waited / 10_000
                );
            }
        }
        // SAFETY: Only this (single) teardown takes the cells; no verb is
        // in flight and none can start.
        let (id, mr, cq, pd) = unsafe {
            (
                (*self.id.get()).take(),
                (*self.mr.get()).take(),
                (*self.cq.get()).take(),
                (*self.pd_own.get()).take(),
            )
        };
        // The id first: afterwards no handler runs (so none creates a QP).
        drop(id);
        // SAFETY: The id is destroyed; nothing else destroys the QP.
        drop(unsafe { Qp::from_raw(self.qp.swap(null_mut(), AcqRel)) });
        drop(mr);
        drop(cq);
        // Nothing is left on it.
        drop(pd);
        // No QP can reach the scratch buffer any more (its memory stays
        // until the peer goes).
        self.scratch.unmap();
    }

    fn peer_state(&self) -> PeerState {
        match self.state.load(Acquire) {
            S_UP => PeerState::Up,
            S_RETRY | S_FAILED => PeerState::Failed,
            S_CLOSED => PeerState::Closed,
            _ => PeerState::Connecting,
        }
    }

    /// Why the connection went down (0 if up, or closed by our leave).
    fn last_error(&self) -> i32 {
        let e = self.error.load(Relaxed);
        if e == errno(bindings::ESHUTDOWN).to_errno() {
            0
        } else {
            e
        }
    }

    /// What the connection reports: state, verbs completed and failed,
    /// why it went down, the peer's window.
    pub(super) fn status(&self) -> PeerStatus {
        PeerStatus {
            node: self.node,
            state: self.peer_state(),
            ops: self.ops.load(Relaxed),
            errors: self.errors.load(Relaxed),
            last_error: self.last_error(),
            rkey: self.remote_rkey.load(Relaxed),
            remote_len: self.remote_len(),
        }
    }
}

impl CmHandler for Peer {
    /// CM events of this connection's id (the handler mutex is held).
    unsafe fn on_event(
        &self,
        id: *mut ffi::rdma_cm_id,
        event: i32,
        status: i32,
        pdata: *const c_void,
        plen: u8,
    ) {
        if self.torn.load(Acquire) {
            return;
        }
        let setup = |r: Result| {
            if let Err(e) = r {
                self.down(S_FAILED, e);
            }
        };
        match event {
            cm_event::ADDR_RESOLVED => {
                // SAFETY: The handler's id.
                setup(check(unsafe {
                    ffi::alock_rdma_resolve_route(id, RESOLVE_MS)
                }));
            }
            cm_event::ROUTE_RESOLVED => setup(self.on_route_resolved(id)),
            cm_event::ESTABLISHED => {
                if self.active {
                    match read_pdata::<Hello>(pdata, plen) {
                        Some(h) if u32::from(h.from) == self.node && u32::from(h.to) == self.me => {
                            if !h.reply_ok(&self.key, self.hello.nonce) {
                                return self
                                    .refuse("its reply does not carry the cluster key's tag");
                            }
                            // A member's reply (its tag checked out) with a
                            // window that cannot be addressed.
                            if !h.window_ok() {
                                if refusal_log_due(Refusal::Window) {
                                    pr_warn!(
                                        "rdma: refused node {}: its Hello advertises an unusable window (iova {:#x}, {} bytes)\n",
                                        self.node,
                                        h.iova,
                                        h.len
                                    );
                                }
                                return self.down(S_FAILED, errno(bindings::EPROTO));
                            }
                            self.set_remote(&h)
                        }
                        _ => return self.down(S_FAILED, errno(bindings::EPROTO)),
                    }
                }
                self.advance(S_NEW, S_ESTABLISHED);
            }
            cm_event::ADDR_ERROR
            | cm_event::ROUTE_ERROR
            | cm_event::CONNECT_ERROR
            | cm_event::UNREACHABLE
            | cm_event::REJECTED => {
                let e = if status < 0 {
                    Error::from_errno(status)
                } else {
                    errno(bindings::ECONNREFUSED)
                };
                self.down(S_FAILED, e);
            }
            cm_event::DISCONNECTED => self.down(S_CLOSED, errno(bindings::ECONNRESET)),
            cm_event::DEVICE_REMOVAL => self.down(S_FAILED, ENODEV),
            _ => {}
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Only memory is left after `teardown` (so the last reference may
        // go in any context).  Every peer in a table is torn down before
        // the table lets go of it; one dropped without a teardown (a failed
        // set-up, in process context) frees its MR and CQ here.
        if !self.torn.load(Relaxed) {
            self.teardown();
        }
    }
}
