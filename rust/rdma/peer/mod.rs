// SPDX-License-Identifier: GPL-2.0

//! Cluster membership and the connection to each peer.
//!
//! A node joins with its id, the number of nodes and every node's address
//! ([`join`]).  It binds a listening `rdma_cm_id` to its own address (that
//! picks the RDMA device), allocates a protection domain and its exported
//! *window* (zeroed, DMA-mapped memory), then node `i` connects to every
//! node `j > i` and accepts `j < i`: one RC queue pair per pair of nodes,
//! used by both sides.  With `ALOCK_CLUSTER_LOOPBACK` a node also connects
//! to itself (one QP pair through the device's loopback), which is what the
//! loopback competitors of ALock and the loopback benchmarks use.
//!
//! Each connection ([`Peer`]) registers the window for its peer with a
//! REG_MR work request into a memory region of its own (remote read, write
//! and atomics), so each peer has its own rkey; the rkey, address and
//! length travel in the CM private data.  Only after the REG_MR completed
//! does a node send its peer a READY message, and a connection is *up*
//! once both READYs were exchanged: no peer can touch a window before it
//! is registered for it.
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
use core::ffi::{c_int, c_void};
use core::ptr::null_mut;
use core::sync::atomic::{
    AtomicBool, AtomicI32, AtomicPtr, AtomicU32, AtomicU64,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};

use crate::support::cpu::cpu_relax;
use kernel::{
    bindings, c_str, new_mutex, new_spinlock,
    prelude::*,
    sync::{Arc, Mutex, SpinLock},
};

use super::cm::{raw_addr, CmCtx, CmId};
use super::ffi::{self, cm_event, RawAddr};
use super::verbs::{self, check, Comp, Cq, Device, DmaBuf, Mr, Pd, Qp};
use crate::support::util::errno;
use crate::support::util::now_ns;
use crate::uapi::*;

/// Most nodes.
pub const MAX_NODES: usize = ALOCK_CLUSTER_MAX_NODES;
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
const RESOLVE_MS: i32 = 2000;
/// Pause before an active connection attempt is retried.
const RETRY_NS: i64 = 200_000_000;
/// Default longest wait for one verb.
const DEFAULT_OP_TIMEOUT_MS: u32 = 1000;
/// Reaper period.
const REAP_MS: u32 = 20;

const HELLO_MAGIC: u32 = 0x414c_4b31;
const READY_MAGIC: u32 = 0x414c_4b52;
const HELLO_VERSION: u16 = 1;

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

/// CM private data of the connect request and of the reply.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Hello {
    magic: u32,
    from: u16,
    to: u16,
    nodes: u16,
    version: u16,
    rkey: u32,
    iova: u64,
    len: u64,
}

/// The READY message.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Ready {
    magic: u32,
    node: u32,
}

/// Reads a `T` from private data of at least its size.
fn read_pdata<T: Copy + Default>(p: *const c_void, len: u8) -> Option<T> {
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

/// How the issuer of a verb waits for its completion.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Poll and spin: any context, atomic included.
    Spin,
    /// Poll and `yield()` between polls: only for callers that may
    /// schedule (process context, no spinlock, no RCU read side).  With a
    /// software provider (rxe) on few CPUs this lets the provider's work
    /// items run, which complete the verb.
    Yield,
}

/// One pause of a caller that polls memory (a lock word, a descriptor)
/// with the given wait policy: `yield()` for [`Wait::Yield`] where the CPU
/// may be given away, else `cpu_relax()`.
pub fn relax(w: Wait) {
    // SAFETY: `Wait::Yield` is the caller's promise that it may schedule;
    // the shim also checks `preemptible()`.
    unsafe { ffi::alock_rdma_relax(w == Wait::Yield) };
}

/// One transfer between this node's window and a peer's.
#[derive(Clone, Copy)]
pub struct Xfer {
    /// Offset in the peer's window.
    pub remote: u64,
    /// Offset in this node's window.
    pub local: u64,
    /// Bytes.
    pub len: u32,
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
    id: UnsafeCell<Option<CmId>>,
    /// Written at creation, taken by `teardown` after the id and QP.
    cq: UnsafeCell<Option<Cq>>,
    /// This node's window registered for the peer (same rule as `cq`).
    mr: UnsafeCell<Option<Mr>>,
    /// The QP, set by the CM handler that creates it.
    qp: AtomicPtr<ffi::ib_qp>,
    cq_ptr: *mut ffi::ib_cq,
    pd: *mut ffi::ib_pd,
    lkey: u32,
    dev: Device,
    hello: Hello,
    window: Arc<DmaBuf>,
    remote_iova: AtomicU64,
    remote_len: AtomicU64,
    remote_rkey: AtomicU32,
    scratch: DmaBuf,
    slots: [Comp; NSLOTS],
    free: AtomicU64,
    ctrl: [Comp; 3],
    /// Message receives, consumed in posting order from `mhead`.
    mrecv: [Comp; NMSG],
    mhead: AtomicU32,
    /// Set while one caller consumes messages.
    mbusy: AtomicBool,
    ops: AtomicU64,
    errors: AtomicU64,
    op_timeout_ns: i64,
}

// SAFETY: The raw pointers are the PD and CQ, usable from any thread and
// kept alive by the teardown protocol (`inflight`, `torn`); the cells are
// written only before the id's first event or by the one `teardown`.
unsafe impl Send for Peer {}
// SAFETY: As above.
unsafe impl Sync for Peer {}

/// A verb in flight (keeps the connection's resources alive).
struct Inflight<'a>(&'a Peer);

impl Drop for Inflight<'_> {
    fn drop(&mut self) {
        self.0.inflight.fetch_sub(1, SeqCst);
    }
}

/// A scratch slot owned by one verb.
struct Slot<'a> {
    peer: &'a Peer,
    idx: usize,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.peer.free.fetch_or(1 << self.idx, Release);
    }
}

impl Peer {
    fn new(c: &Cluster, node: u32, active: bool) -> Result<Arc<Self>> {
        let cq = Cq::new(c.dev, CQ_ENTRIES)?;
        // SAFETY: The PD lives until the cluster's shutdown, which tears
        // down every peer first; the reference ends with this function.
        let mr = Mr::new(unsafe { c.pd() }, &c.window)?;
        let scratch = DmaBuf::new(c.dev, SCRATCH_BYTES)?;
        let hello = Hello {
            magic: HELLO_MAGIC,
            from: c.me as u16,
            to: node as u16,
            nodes: c.nodes as u16,
            version: HELLO_VERSION,
            rkey: mr.rkey(),
            iova: mr.iova(),
            len: mr.len(),
        };
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
                pd: c.pd_ptr,
                lkey: c.lkey,
                dev: c.dev,
                hello,
                window: c.window.clone(),
                remote_iova: AtomicU64::new(0),
                remote_len: AtomicU64::new(0),
                remote_rkey: AtomicU32::new(0),
                scratch,
                slots: [const { Comp::new() }; NSLOTS],
                free: AtomicU64::new(u64::MAX),
                ctrl: [const { Comp::new() }; 3],
                mrecv: [const { Comp::new() }; NMSG],
                mhead: AtomicU32::new(0),
                mbusy: AtomicBool::new(false),
                ops: AtomicU64::new(0),
                errors: AtomicU64::new(0),
                op_timeout_ns: c.op_timeout_ns,
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

    fn set_id(&self, id: CmId) {
        // SAFETY: Called once, before the id can deliver an event that
        // reads the cell (no resolve/accept has been started on it yet).
        unsafe { *self.id.get() = Some(id) };
    }

    fn id(&self) -> Option<&CmId> {
        // SAFETY: Shared reads happen only while `teardown` has not taken
        // it (callers hold `inflight` or run before teardown can start).
        unsafe { (*self.id.get()).as_ref() }
    }

    fn set_remote(&self, h: &Hello) {
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
                Ok(_) => return,
                Err(cur) => s = cur,
            }
        }
    }

    fn fail(&self, e: Error) {
        self.down(S_FAILED, e);
    }

    fn advance(&self, from: u32, to: u32) -> bool {
        self.state
            .compare_exchange(from, to, AcqRel, Acquire)
            .is_ok()
    }

    fn needs_teardown(&self) -> bool {
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

    /// Sends a message (at most [`MSG_BYTES`]) to the peer's receive
    /// queue (two-sided), waiting for its completion.
    pub fn send_msg(&self, msg: &[u8], w: Wait) -> Result {
        if msg.is_empty() || msg.len() > MSG_BYTES {
            return Err(EINVAL);
        }
        let _g = self.enter()?;
        let s = self.slot();
        let c = &self.slots[s.idx];
        c.reset();
        let off = s.idx * SLOT_BYTES;
        self.scratch.write(off, msg)?;
        let start = now_ns();
        // SAFETY: Inside `enter`: the QP is valid; the slot's buffer and
        // record belong to this send until `s` drops, after its completion.
        self.post_result(unsafe {
            ffi::alock_rdma_post_send(
                self.qp.load(Acquire),
                c.as_ptr(),
                self.scratch.dma(off),
                self.lkey,
                msg.len() as u32,
            )
        })?;
        self.wait(c, start, w)
    }

    /// The next message the peer sent, if one arrived: copied to `out`,
    /// its length returned, its buffer posted again.  One consumer at a
    /// time: a concurrent call gets `None`.  Never sleeps.
    pub fn poll_msg(&self, out: &mut [u8; MSG_BYTES]) -> Result<Option<usize>> {
        let _g = self.enter()?;
        if self.mbusy.swap(true, Acquire) {
            return Ok(None);
        }
        let r = (|| {
            // SAFETY: Inside `enter`: the CQ is alive.
            unsafe { ffi::alock_rdma_poll(self.cq_ptr) };
            let i = self.mhead.load(Relaxed) as usize;
            let c = &self.mrecv[i];
            if !c.is_done() {
                return Ok(None);
            }
            if c.status() != ffi::IB_WC_SUCCESS {
                let e = verbs::wc_error(c.status());
                self.fail(e);
                return Err(e);
            }
            let n = core::cmp::min(c.byte_len() as usize, MSG_BYTES);
            self.scratch.read(MSG_OFF + i * SLOT_BYTES, &mut out[..n])?;
            self.post_msg_recv(self.qp.load(Acquire), i)
                .inspect_err(|&e| self.fail(e))?;
            self.mhead.store(((i + 1) % NMSG) as u32, Relaxed);
            Ok(Some(n))
        })();
        self.mbusy.store(false, Release);
        r
    }

    fn depth(&self) -> u8 {
        let info = self.dev.info();
        core::cmp::min(
            RD_DEPTH,
            core::cmp::min(info.max_qp_init_rd_atom, info.max_qp_rd_atom),
        )
        .max(1) as u8
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
                self.depth(),
            )
        })
    }

    /// CM events of this connection's id (the handler mutex is held).
    fn on_event(
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
                        Some(h)
                            if h.magic == HELLO_MAGIC
                                && u32::from(h.from) == self.node
                                && u32::from(h.to) == self.me =>
                        {
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

    /// Advances the READY handshake; process context (join, reaper).
    fn progress(&self) {
        let qp = self.qp.load(Acquire);
        match self.state.load(Acquire) {
            S_ESTABLISHED => {
                let c = &self.ctrl[CTRL_REG];
                c.reset();
                let mr = {
                    // SAFETY: Not torn down (state is not down), so the MR is there.
                    let mr = unsafe { &*self.mr.get() };
                    mr.as_ref().map_or(null_mut(), |m| m.as_ptr())
                };
                // SAFETY: The QP and MR are valid while the peer is not torn
                // down (only this process-context caller tears it down).
                let r = check(unsafe { ffi::alock_rdma_post_reg_mr(qp, c.as_ptr(), mr) });
                match r {
                    Ok(()) => {
                        self.advance(S_ESTABLISHED, S_REGISTERING);
                    }
                    Err(e) => self.fail(e),
                }
            }
            S_REGISTERING => {
                // SAFETY: The CQ is alive (not torn down).
                unsafe { ffi::alock_rdma_poll(self.cq_ptr) };
                let c = &self.ctrl[CTRL_REG];
                if !c.is_done() {
                    return;
                }
                if c.status() != ffi::IB_WC_SUCCESS {
                    return self.fail(verbs::wc_error(c.status()));
                }
                let msg = Ready {
                    magic: READY_MAGIC,
                    node: self.me,
                };
                if self.scratch.write(CTRL_SEND_OFF, bytes_of(&msg)).is_err() {
                    return self.fail(EINVAL);
                }
                let s = &self.ctrl[CTRL_SEND];
                s.reset();
                // SAFETY: As above; the buffer lives as long as the peer.
                let r = check(unsafe {
                    ffi::alock_rdma_post_send(
                        qp,
                        s.as_ptr(),
                        self.scratch.dma(CTRL_SEND_OFF),
                        self.lkey,
                        core::mem::size_of::<Ready>() as u32,
                    )
                });
                match r {
                    Ok(()) => {
                        self.advance(S_REGISTERING, S_HANDSHAKE);
                    }
                    Err(e) => self.fail(e),
                }
            }
            S_HANDSHAKE => {
                // SAFETY: As above.
                unsafe { ffi::alock_rdma_poll(self.cq_ptr) };
                let (s, r) = (&self.ctrl[CTRL_SEND], &self.ctrl[CTRL_RECV]);
                for c in [s, r] {
                    if c.is_done() && c.status() != ffi::IB_WC_SUCCESS {
                        return self.fail(verbs::wc_error(c.status()));
                    }
                }
                if !(s.is_done() && r.is_done()) {
                    return;
                }
                let mut buf = [0u8; core::mem::size_of::<Ready>()];
                let ok = r.byte_len() as usize >= buf.len()
                    && self.scratch.read(CTRL_RECV_OFF, &mut buf).is_ok()
                    && read_pdata::<Ready>(buf.as_ptr().cast(), buf.len() as u8)
                        .is_some_and(|m| m.magic == READY_MAGIC && m.node == self.node);
                if !ok {
                    return self.fail(errno(bindings::EPROTO));
                }
                if self.advance(S_HANDSHAKE, S_UP) {
                    self.was_up.store(true, Release);
                }
            }
            _ => {}
        }
    }

    /// Frees the connection's resources (process context, once): the QP
    /// goes to the error state, every verb in flight completes (flushed),
    /// then the cm_id, QP, MR and CQ are freed in that order.
    fn teardown(&self) {
        if self.torn.swap(true, SeqCst) {
            return;
        }
        // New verbs see a state that is not up.
        self.down(S_CLOSED, errno(bindings::ESHUTDOWN));
        if let Some(id) = self.id() {
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
        let (id, mr, cq) = unsafe {
            (
                (*self.id.get()).take(),
                (*self.mr.get()).take(),
                (*self.cq.get()).take(),
            )
        };
        // The id first: afterwards no handler runs (so none creates a QP).
        drop(id);
        // SAFETY: The id is destroyed; nothing else destroys the QP.
        drop(unsafe { Qp::from_raw(self.qp.swap(null_mut(), AcqRel)) });
        drop(mr);
        drop(cq);
    }

    fn enter(&self) -> Result<Inflight<'_>> {
        self.inflight.fetch_add(1, SeqCst);
        let g = Inflight(self);
        if self.state.load(SeqCst) != S_UP {
            return Err(errno(bindings::ENOTCONN));
        }
        Ok(g)
    }

    fn slot(&self) -> Slot<'_> {
        loop {
            let f = self.free.load(Acquire);
            if f == 0 {
                // SAFETY: Called inside `enter`: the CQ is alive.
                unsafe { ffi::alock_rdma_poll(self.cq_ptr) };
                cpu_relax();
                continue;
            }
            let idx = f.trailing_zeros() as usize;
            if self
                .free
                .compare_exchange(f, f & !(1 << idx), AcqRel, Relaxed)
                .is_ok()
            {
                return Slot { peer: self, idx };
            }
        }
    }

    /// Polls until `c` completes; marks the connection failed on an error
    /// or when the verb outlasts the op timeout (the reaper then flushes
    /// the QP, so the wait ends).
    fn wait(&self, c: &Comp, start: i64, w: Wait) -> Result {
        let deadline = start + self.op_timeout_ns;
        let mut timed_out = false;
        while !c.is_done() {
            // SAFETY: Inside `enter`: the CQ is alive.
            unsafe { ffi::alock_rdma_poll(self.cq_ptr) };
            if !timed_out && now_ns() > deadline {
                timed_out = true;
                self.fail(errno(bindings::ETIMEDOUT));
            }
            relax(w);
        }
        let st = c.status();
        if st == ffi::IB_WC_SUCCESS && !timed_out {
            self.ops.fetch_add(1, Relaxed);
            return Ok(());
        }
        self.errors.fetch_add(1, Relaxed);
        let e = if timed_out {
            errno(bindings::ETIMEDOUT)
        } else {
            verbs::wc_error(st)
        };
        if st != ffi::IB_WC_WR_FLUSH_ERR {
            self.fail(e);
        }
        Err(e)
    }

    fn remote(&self, off: u64, len: u64, align: u64) -> Result<(u64, u32)> {
        if off % align != 0 {
            return Err(EINVAL);
        }
        match off.checked_add(len) {
            Some(end) if end <= self.remote_len.load(Acquire) => {}
            _ => return Err(ERANGE),
        }
        Ok((
            self.remote_iova.load(Relaxed) + off,
            self.remote_rkey.load(Relaxed),
        ))
    }

    fn post_result(&self, r: c_int) -> Result {
        check(r).inspect_err(|&e| {
            self.errors.fetch_add(1, Relaxed);
            self.fail(e);
        })
    }

    fn rw(&self, write: bool, remote_off: u64, local_off: u64, len: u32, w: Wait) -> Result {
        if len == 0 {
            return Err(EINVAL);
        }
        match local_off.checked_add(u64::from(len)) {
            Some(end) if end <= self.window.len() as u64 => {}
            _ => return Err(ERANGE),
        }
        let (raddr, rkey) = self.remote(remote_off, u64::from(len), 1)?;
        let _g = self.enter()?;
        let s = self.slot();
        let c = &self.slots[s.idx];
        c.reset();
        if write {
            self.window
                .sync_for_device(local_off as usize, len as usize);
        }
        let start = now_ns();
        let qp = self.qp.load(Acquire);
        // SAFETY: Inside `enter`: the QP is valid; the window range is
        // checked and mapped; `c` outlives the completion (`wait`).
        self.post_result(unsafe {
            ffi::alock_rdma_post_rw(
                qp,
                c.as_ptr(),
                write,
                self.window.dma(local_off as usize),
                self.lkey,
                len,
                raddr,
                rkey,
            )
        })?;
        self.wait(c, start, w)?;
        if !write {
            self.window.sync_for_cpu(local_off as usize, len as usize);
        }
        Ok(())
    }

    /// An RDMA WRITE `wr` (this node's window to the peer's) and in the
    /// same round trip an RDMA READ `rd` (the peer's window to this
    /// node's): both posted at once, the READ
    /// executed by the peer after the WRITE (RC requests are executed in
    /// order), so it sees what the WRITE wrote.
    pub fn write_read(&self, wr: Xfer, rd: Xfer, w: Wait) -> Result {
        let (wremote, wlocal, wlen) = (wr.remote, wr.local, wr.len);
        let (rremote, rlocal, rlen) = (rd.remote, rd.local, rd.len);
        let wl = self.window.len() as u64;
        for (off, len) in [(wlocal, wlen), (rlocal, rlen)] {
            match off.checked_add(u64::from(len)) {
                Some(end) if len > 0 && end <= wl => {}
                _ => return Err(ERANGE),
            }
        }
        let (wa, rkey) = self.remote(wremote, u64::from(wlen), 1)?;
        let (ra, _) = self.remote(rremote, u64::from(rlen), 1)?;
        let _g = self.enter()?;
        let (s1, s2) = (self.slot(), self.slot());
        let (c1, c2) = (&self.slots[s1.idx], &self.slots[s2.idx]);
        c1.reset();
        c2.reset();
        self.window.sync_for_device(wlocal as usize, wlen as usize);
        let qp = self.qp.load(Acquire);
        let start = now_ns();
        // SAFETY: Inside `enter`: the QP is valid; the window ranges are
        // checked and mapped; `c1`, `c2` outlive their completions.
        self.post_result(unsafe {
            ffi::alock_rdma_post_rw(
                qp,
                c1.as_ptr(),
                true,
                self.window.dma(wlocal as usize),
                self.lkey,
                wlen,
                wa,
                rkey,
            )
        })?;
        // SAFETY: As above.
        let r = self.post_result(unsafe {
            ffi::alock_rdma_post_rw(
                qp,
                c2.as_ptr(),
                false,
                self.window.dma(rlocal as usize),
                self.lkey,
                rlen,
                ra,
                rkey,
            )
        });
        let r1 = self.wait(c1, start, w);
        r?;
        let r2 = self.wait(c2, start, w);
        r1?;
        r2?;
        self.window.sync_for_cpu(rlocal as usize, rlen as usize);
        Ok(())
    }

    /// RDMA READ of `len` bytes at `remote_off` of the peer's window into
    /// this node's window at `local_off`.
    pub fn read(&self, remote_off: u64, local_off: u64, len: u32, w: Wait) -> Result {
        self.rw(false, remote_off, local_off, len, w)
    }

    /// RDMA WRITE of `len` bytes of this node's window at `local_off` to
    /// the peer's window at `remote_off`.
    pub fn write(&self, remote_off: u64, local_off: u64, len: u32, w: Wait) -> Result {
        self.rw(true, remote_off, local_off, len, w)
    }

    /// One verb whose 8-byte result lands in a scratch slot.
    fn scratch_verb(&self, raddr: u64, rkey: u32, op: u8, a: u64, b: u64, w: Wait) -> Result<u64> {
        let _g = self.enter()?;
        let s = self.slot();
        let c = &self.slots[s.idx];
        c.reset();
        let off = s.idx * SLOT_BYTES;
        let laddr = self.scratch.dma(off);
        let qp = self.qp.load(Acquire);
        let start = now_ns();
        // SAFETY: Inside `enter`: the QP is valid; the slot's buffer and
        // record belong to this verb until `s` drops, after the completion.
        let r = unsafe {
            match op {
                0 => {
                    ffi::alock_rdma_post_rw(qp, c.as_ptr(), false, laddr, self.lkey, 8, raddr, rkey)
                }
                1 => ffi::alock_rdma_post_atomic(
                    qp,
                    c.as_ptr(),
                    true,
                    laddr,
                    self.lkey,
                    raddr,
                    rkey,
                    a,
                    b,
                ),
                _ => ffi::alock_rdma_post_atomic(
                    qp,
                    c.as_ptr(),
                    false,
                    laddr,
                    self.lkey,
                    raddr,
                    rkey,
                    a,
                    0,
                ),
            }
        };
        self.post_result(r)?;
        self.wait(c, start, w)?;
        self.scratch.sync_for_cpu(off, 8);
        Ok(self.scratch.word(off).load(Relaxed))
    }

    /// Reads the 8-byte word at `remote_off` (8-aligned) of the peer's
    /// window.
    pub fn read_u64(&self, remote_off: u64, w: Wait) -> Result<u64> {
        let (raddr, rkey) = self.remote(remote_off, 8, 8)?;
        self.scratch_verb(raddr, rkey, 0, 0, 0, w)
    }

    /// Atomic compare-and-swap of the word at `remote_off` (8-aligned):
    /// if it equals `expect` it becomes `new`; returns the old value.
    pub fn compare_and_swap(&self, remote_off: u64, expect: u64, new: u64, w: Wait) -> Result<u64> {
        let (raddr, rkey) = self.remote(remote_off, 8, 8)?;
        self.scratch_verb(raddr, rkey, 1, expect, new, w)
    }

    /// Atomic fetch-and-add on the word at `remote_off` (8-aligned);
    /// returns the old value.
    pub fn fetch_and_add(&self, remote_off: u64, add: u64, w: Wait) -> Result<u64> {
        let (raddr, rkey) = self.remote(remote_off, 8, 8)?;
        self.scratch_verb(raddr, rkey, 2, add, 0, w)
    }

    fn uapi_state(&self) -> u32 {
        match self.state.load(Acquire) {
            S_UP => ALOCK_PEER_UP,
            S_RETRY | S_FAILED => ALOCK_PEER_FAILED,
            S_CLOSED => ALOCK_PEER_CLOSED,
            _ => ALOCK_PEER_CONNECTING,
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
    flags: u32,
    dev: Device,
    dev_name: [u8; 64],
    window: Arc<DmaBuf>,
    pd: UnsafeCell<Option<Pd>>,
    pd_ptr: *mut ffi::ib_pd,
    lkey: u32,
    listener: UnsafeCell<Option<CmId>>,
    addrs: [RawAddr; MAX_NODES],
    op_timeout_ns: i64,
    leaving: AtomicBool,
    reaper: AtomicPtr<bindings::task_struct>,
    #[pin]
    table: SpinLock<Table>,
}

// SAFETY: The cells are written only during set-up (before the listener
// listens) and by the one `shutdown`; the raw PD pointer is kept alive
// until `shutdown`, after every peer is torn down.
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

    /// # Safety
    ///
    /// The cluster is not shut down, and the reference is not kept past
    /// the caller's own use.
    unsafe fn pd(&self) -> &Pd {
        // SAFETY: Set at creation, taken only by `shutdown` (the caller's
        // contract keeps us before it).
        unsafe { (*self.pd.get()).as_ref().unwrap_unchecked() }
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

    fn snapshot(&self) -> KVec<(usize, bool, Arc<Peer>)> {
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

    fn new(args: &AlockClusterJoin) -> Result<Arc<Self>> {
        let me = args.node_id as usize;
        let listener = CmId::new()?;
        listener.bind(&raw_addr(&args.nodes[me]))?;
        let dev = listener.device().ok_or(errno(bindings::EADDRNOTAVAIL))?;
        let info = dev.info();
        if info.atomic_cap == 0 {
            return Err(errno(bindings::EOPNOTSUPP));
        }
        let pd = Pd::new(dev)?;
        let window = Arc::new(DmaBuf::new(dev, args.window_size as usize)?, GFP_KERNEL)?;
        let mut addrs = [RawAddr::default(); MAX_NODES];
        for (a, n) in addrs.iter_mut().zip(args.nodes.iter()) {
            *a = raw_addr(n);
        }
        let op_ms = if args.op_timeout_ms == 0 {
            DEFAULT_OP_TIMEOUT_MS
        } else {
            args.op_timeout_ms
        };
        let (pd_ptr, lkey) = (pd.as_ptr(), pd.lkey());
        let c = Arc::pin_init(
            pin_init!(Self {
                me: args.node_id,
                nodes: args.nr_nodes,
                flags: args.flags,
                dev,
                dev_name: info.name,
                window,
                pd: UnsafeCell::new(Some(pd)),
                pd_ptr,
                lkey,
                listener: UnsafeCell::new(None),
                addrs,
                op_timeout_ns: i64::from(op_ms) * 1_000_000,
                leaving: AtomicBool::new(false),
                reaper: AtomicPtr::new(null_mut()),
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
        listener.ctx().set_cluster(c.clone());
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

    fn loopback(&self) -> bool {
        self.flags & ALOCK_CLUSTER_LOOPBACK != 0
    }

    /// Starts an active connection to `node`.
    fn start_active(&self, node: u32) -> Result {
        let p = Peer::new(self, node, true)?;
        let id = CmId::new()?;
        id.ctx().set_peer(p.clone());
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
            p.down(S_FAILED, e);
        }
        Ok(())
    }

    /// The listener's CONNECT_REQUEST (inside its handler, on the new id).
    fn on_connect_request(
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
        let h = match read_pdata::<Hello>(pdata, plen) {
            Some(h) if h.magic == HELLO_MAGIC && h.version == HELLO_VERSION => h,
            _ => return reject(),
        };
        let from = u32::from(h.from);
        let ok = u32::from(h.to) == self.me
            && u32::from(h.nodes) == self.nodes
            && (from < self.me || (from == self.me && self.loopback()));
        if !ok {
            pr_warn!(
                "rdma: refused a connection from node {} (bad membership)\n",
                from
            );
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
            if slot.as_ref().is_some_and(|p| !p.torn.load(Acquire)) {
                return reject();
            }
        }
        let p = match Peer::new(self, from, false) {
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
        cid.ctx().set_peer(p.clone());
        let r = p.create_qp(id).and_then(|()| {
            // SAFETY: The handler's id with its QP; `hello` is copied.
            check(unsafe {
                ffi::alock_rdma_accept(
                    id,
                    (&p.hello as *const Hello).cast::<c_void>(),
                    core::mem::size_of::<Hello>() as u8,
                    p.depth(),
                )
            })
        });
        if r.is_err() {
            if !cid.qp().is_null() {
                // SAFETY: In the id's handler; the CM destroys the id next.
                unsafe { ffi::alock_rdma_destroy_qp(id) };
                p.qp.store(null_mut(), Release);
            }
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
    fn connect_all(&self, timeout_ms: u32) -> Result {
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
                if !p.was_up.load(Acquire) {
                    self.remove(*node, *passive_loop, p);
                }
            }
        }
    }

    fn start_reaper(self: &Arc<Self>) -> Result {
        let data = (&**self as *const Self).cast_mut().cast::<c_void>();
        // SAFETY: `reaper_fn` matches the kthread signature; `data` stays
        // valid until `shutdown` stops the thread (the membership holds a
        // reference until after that).
        let t = unsafe {
            bindings::kthread_create(Some(reaper_fn), data, c_str!("alock-rdma").as_char_ptr())
        };
        let t = kernel::error::from_err_ptr(t)?;
        self.reaper.store(t, Release);
        // SAFETY: A new kthread.
        unsafe { bindings::wake_up_process(t) };
        Ok(())
    }

    /// Leaves: stops the reaper and the listener, disconnects and tears
    /// down every connection, frees the PD.  Process context; once.
    fn shutdown(&self) {
        self.leaving.store(true, Release);
        let t = self.reaper.swap(null_mut(), AcqRel);
        if !t.is_null() {
            // SAFETY: Our kthread, not stopped yet; it exits on the stop.
            unsafe { bindings::kthread_stop(t) };
        }
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
        // SAFETY: Every MR and QP of the PD is gone.
        drop(unsafe { (*self.pd.get()).take() });
    }
}

/// The reaper kthread: one [`Cluster::reap`] every `REAP_MS`.
///
/// # Safety
///
/// `data` is a cluster that outlives the thread.
unsafe extern "C" fn reaper_fn(data: *mut c_void) -> c_int {
    // SAFETY: `data` is the cluster, alive until `shutdown` stops us.
    let c = unsafe { &*data.cast::<Cluster>() };
    // SAFETY: A kthread may test this.
    while !unsafe { bindings::kthread_should_stop() } {
        c.reap();
        // SAFETY: Process context.
        unsafe { bindings::msleep_interruptible(REAP_MS) };
    }
    0
}

/// The CM event handler of every id the module creates (called by the
/// shim's trampoline).
///
/// # Safety
///
/// Called by the rdma_cm with the id's handler mutex held; `ctx` is the
/// id's `CmCtx`.
#[no_mangle]
pub unsafe extern "C" fn alock_rdma_cm_event(
    id: *mut ffi::rdma_cm_id,
    ctx: *mut c_void,
    event: c_int,
    status: c_int,
    pdata: *const c_void,
    plen: u8,
) -> c_int {
    // SAFETY: The context of an id lives until the id is destroyed, which
    // waits for this handler.
    let ctx = unsafe { &*ctx.cast::<CmCtx>() };
    if event == cm_event::CONNECT_REQUEST {
        return match ctx.cluster() {
            Some(c) => c.on_connect_request(id, pdata, plen),
            None => 1,
        };
    }
    if let Some(p) = ctx.peer() {
        p.on_event(id, event, status, pdata, plen);
    }
    0
}

/// The module's membership state and the RDMA devices its client sees.
#[pin_data]
struct Membership {
    #[pin]
    inner: Mutex<Inner>,
}

struct Inner {
    cluster: Option<Arc<Cluster>>,
    /// The devices seen (at most `MAX_DEVICES`).
    devices: [Option<Device>; MAX_DEVICES],
}

/// Most RDMA devices the module keeps track of.
const MAX_DEVICES: usize = 16;

static MEMBERSHIP: AtomicPtr<Membership> = AtomicPtr::new(null_mut());

fn membership() -> &'static Membership {
    // SAFETY: Set by `init` before /dev/alock or the ib_client can call
    // in, cleared by `exit` after both are gone.
    unsafe { &*MEMBERSHIP.load(Acquire) }
}

/// Module init: the membership state and the `ib_client`.
pub fn init() -> Result {
    verbs::check_layout()?;
    let m = KBox::pin_init(
        pin_init!(Membership {
            inner <- new_mutex!(
                Inner {
                    cluster: None,
                    devices: [None; MAX_DEVICES],
                },
                "alock_rdma_membership"
            ),
        }),
        GFP_KERNEL,
    )?;
    // SAFETY: Never moved: freed as a box again in `exit`.
    let p = KBox::into_raw(unsafe { Pin::into_inner_unchecked(m) });
    MEMBERSHIP.store(p, Release);
    // SAFETY: The callbacks only need `MEMBERSHIP`, set above.
    if let Err(e) = check(unsafe { ffi::alock_rdma_client_register() }) {
        MEMBERSHIP.store(null_mut(), Release);
        // SAFETY: From `into_raw` above, no other user.
        drop(unsafe { KBox::from_raw(p) });
        return Err(e);
    }
    Ok(())
}

/// Module exit: leaves the cluster, unregisters the client.
pub fn exit() {
    let _ = leave();
    // SAFETY: Registered in `init`; the remove callbacks run now.
    unsafe { ffi::alock_rdma_client_unregister() };
    let p = MEMBERSHIP.swap(null_mut(), AcqRel);
    // SAFETY: From `init`; nothing calls in any more.
    drop(unsafe { KBox::from_raw(p) });
}

/// `ib_client.add`.
///
/// # Safety
///
/// `dev` is a registered device (ib_core's call).
#[no_mangle]
pub unsafe extern "C" fn alock_rdma_dev_added(dev: *mut ffi::ib_device) -> c_int {
    // SAFETY: ib_core hands us a registered device.
    if let Some(d) = unsafe { Device::from_raw(dev) } {
        let mut g = membership().inner.lock();
        match g.devices.iter_mut().find(|d| d.is_none()) {
            Some(slot) => *slot = Some(d),
            None => return ENOMEM.to_errno(),
        }
        let info = d.info();
        let n = info.name.iter().position(|&b| b == 0).unwrap_or(0);
        pr_info!(
            "rdma: device {} (atomics {})\n",
            core::str::from_utf8(&info.name[..n]).unwrap_or("?"),
            if info.atomic_cap != 0 { "yes" } else { "no" }
        );
    }
    0
}

/// `ib_client.remove`: a cluster on the device leaves first.
#[no_mangle]
pub extern "C" fn alock_rdma_dev_removed(dev: *mut ffi::ib_device) {
    let mut g = membership().inner.lock();
    for d in g.devices.iter_mut() {
        if d.is_some_and(|d| d.as_ptr() == dev) {
            *d = None;
        }
    }
    if g.cluster.as_ref().is_some_and(|c| c.dev.as_ptr() == dev) {
        if let Some(c) = g.cluster.take() {
            pr_warn!("rdma: device removed: leaving the cluster\n");
            c.shutdown();
        }
    }
}

/// The cluster this node is in, if any (the Rust API's entry point).
pub fn cluster() -> Option<Arc<Cluster>> {
    membership().inner.lock().cluster.clone()
}

/// `AF_INET`.
const AF_INET: u16 = 2;
/// `AF_INET6`.
const AF_INET6: u16 = 10;

fn validate_addr(a: &AlockNodeAddr) -> bool {
    a.reserved == 0
        && a.port != 0
        && (a.family == AF_INET6 || (a.family == AF_INET && a.addr[4..].iter().all(|&b| b == 0)))
}

fn validate(a: &AlockClusterJoin) -> Result {
    let n = a.nr_nodes as usize;
    let ok = (1..=MAX_NODES).contains(&n)
        && a.node_id < a.nr_nodes
        && (ALOCK_CLUSTER_MIN_WINDOW..=ALOCK_CLUSTER_MAX_WINDOW).contains(&a.window_size)
        && a.window_size % 4096 == 0
        && a.flags & !ALOCK_CLUSTER_FLAGS == 0
        && (1..=ALOCK_CLUSTER_MAX_TIMEOUT_MS).contains(&a.timeout_ms)
        && (a.op_timeout_ms == 0 || (10..=60_000).contains(&a.op_timeout_ms))
        && a.reserved == [0, 0]
        && a.nodes[..n].iter().all(validate_addr)
        && a.nodes[n..].iter().all(|x| {
            x.family == 0 && x.port == 0 && x.reserved == 0 && x.addr.iter().all(|&b| b == 0)
        });
    if ok {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

/// `ALOCK_IOC_CLUSTER_JOIN`.
pub fn join(args: &AlockClusterJoin) -> Result {
    validate(args)?;
    let mut g = membership().inner.lock();
    if g.cluster.is_some() {
        return Err(EBUSY);
    }
    let c = Cluster::new(args)?;
    if let Err(e) = c
        .connect_all(args.timeout_ms)
        .and_then(|()| c.start_reaper())
    {
        c.shutdown();
        return Err(e);
    }
    pr_info!(
        "rdma: node {} joined a cluster of {} ({} KiB window)\n",
        c.me,
        c.nodes,
        args.window_size / 1024
    );
    g.cluster = Some(c);
    Ok(())
}

/// `ALOCK_IOC_CLUSTER_LEAVE`.
pub fn leave() -> Result {
    let c = membership()
        .inner
        .lock()
        .cluster
        .take()
        .ok_or(errno(bindings::ENOTCONN))?;
    c.shutdown();
    pr_info!("rdma: node {} left the cluster\n", c.me);
    Ok(())
}

/// `ALOCK_IOC_CLUSTER_STATUS`.
pub fn status(s: &mut AlockClusterStatus) -> Result {
    if s.flags & !ALOCK_STATUS_PROBE != 0 {
        return Err(EINVAL);
    }
    let flags = s.flags;
    let (c, ndev) = {
        let g = membership().inner.lock();
        (g.cluster.clone(), g.devices.iter().flatten().count() as u32)
    };
    // SAFETY: All-zero is a valid `AlockClusterStatus` (plain integers).
    *s = unsafe { core::mem::zeroed() };
    s.flags = flags;
    s.nr_devices = ndev;
    let Some(c) = c else {
        return Ok(());
    };
    s.joined = 1;
    s.node_id = c.me;
    s.nr_nodes = c.nodes;
    s.window_size = c.window.len() as u32;
    s.cluster_flags = c.flags;
    s.device = c.dev_name;
    let t = c.snapshot();
    for j in 0..c.nodes as usize {
        let out = &mut s.peers[j];
        out.node = j as u32;
        let p = t
            .iter()
            .find(|(n, pl, _)| *n == j && !*pl)
            .map(|(_, _, p)| p);
        let Some(p) = p else {
            out.state = if j == c.me as usize && !c.loopback() {
                ALOCK_PEER_SELF
            } else {
                ALOCK_PEER_NONE
            };
            continue;
        };
        if flags & ALOCK_STATUS_PROBE != 0 && p.is_up() {
            let _ = p.read_u64(0, Wait::Yield);
        }
        out.state = p.uapi_state();
        out.ops = p.ops.load(Relaxed);
        out.errors = p.errors.load(Relaxed);
        out.last_error = p.last_error();
        out.rkey = p.remote_rkey.load(Relaxed);
        out.remote_len = p.remote_len();
        if out.state == ALOCK_PEER_UP {
            s.nr_up += 1;
        }
    }
    Ok(())
}
