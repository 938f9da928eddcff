// SPDX-License-Identifier: GPL-2.0

//! The RPC lock, a competitor of ALock: every acquire and release is a
//! two-sided message (SEND/RECV) to a lock server thread on the key's home
//! node, local threads included (through the loopback connection).  The
//! server keeps a holder and a FIFO queue per key and answers an acquire
//! with a GRANT message when the lock is the requester's.
//!
//! The requester waits for its grant word (a [`Mailbox`]), which its own
//! node's server thread sets when the GRANT arrives.  The server polls
//! every connection, yielding, and sleeps 200-400 us when idle.
//!
//! [`Rpc`] is a table's part of it: the grant words of this node's
//! waiters and the server of the keys homed here, whose thread runs
//! only once [`Rpc::serve`] was called (the RPC runs of the benchmark):
//! the ALock and loopback runs share no CPU with it.  Waiter ids: a handle's
//! index and held-lock slot make the local id, which the node's id makes
//! global.
//!
//! Messages are input from peers (`Documentation/rdma.rst`, "Threat
//! model"): a REQ or REL names a waiter of the node whose connection it
//! came on, or it is dropped (so no node redirects another's grants or
//! releases another's lock); a waiter queued or holding already cannot
//! queue again (its queue link would be overwritten); a GRANT counts only
//! from the key's home, for a waiter of this node that waits for that key
//! (its mailbox names the key).  Each pass takes at most [`BATCH`]
//! messages from one connection, so a flood neither starves the others
//! nor keeps the thread from its stop check and its yield.

use core::cell::UnsafeCell;
use core::ffi::{c_int, c_void};
use core::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};

use kernel::{bindings, c_str, prelude::*, sync::Arc};

use super::window::{home_of, Placement, MAX_HANDLES, MAX_HELD};
use crate::rdma::{relax, Cluster, Peer, Wait, MAX_NODES, MSG_BYTES};
use crate::support::util::{kvec_from_fn, now_ns};

/// Waiters of one node: one per handle and held-lock slot.
pub const WAITERS_PER_NODE: u32 = (MAX_HANDLES * MAX_HELD) as u32;

const REQ: u32 = 1;
const REL: u32 = 2;
const GRANT: u32 = 3;

/// One message.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Msg {
    kind: u32,
    key: u32,
    /// Global waiter id: node * WAITERS_PER_NODE + handle * MAX_HELD + slot.
    waiter: u32,
    magic: u32,
}

const MAGIC: u32 = 0x414c_5250;

impl Msg {
    fn bytes(&self) -> &[u8] {
        // SAFETY: Four `u32`s, no padding.
        unsafe {
            core::slice::from_raw_parts(
                (self as *const Self).cast::<u8>(),
                core::mem::size_of::<Self>(),
            )
        }
    }

    fn parse(b: &[u8]) -> Option<Self> {
        if b.len() < core::mem::size_of::<Self>() {
            return None;
        }
        // SAFETY: Enough bytes for a `Msg` (checked); any bytes are valid.
        let m = unsafe { core::ptr::read_unaligned(b.as_ptr().cast::<Self>()) };
        (m.magic == MAGIC).then_some(m)
    }
}

/// Sends message `kind` for `key` and `waiter` to `p`.
fn send(p: &Peer, kind: u32, key: u32, waiter: u32, w: Wait) -> Result {
    let m = Msg {
        kind,
        key,
        waiter,
        magic: MAGIC,
    };
    p.send_msg(m.bytes(), w)
}

/// Client side: an acquire request.
fn request(p: &Peer, key: u32, waiter: u32, w: Wait) -> Result {
    send(p, REQ, key, waiter, w)
}

/// Client side: a release.
fn release(p: &Peer, key: u32, waiter: u32, w: Wait) -> Result {
    send(p, REL, key, waiter, w)
}

/// Mailbox words of this node's waiters: 0, the key waited for + 1, or
/// that with [`GRANTED`] once its GRANT came.
pub type Mailbox = AtomicU32;

/// A mailbox's flag: the GRANT came.
const GRANTED: u32 = 1 << 31;

/// Most messages one pass takes from one connection.
const BATCH: usize = 64;

/// Whether the GRANT of `mb` came (the caller waits, with its timeout
/// checks).
fn granted(mb: &Mailbox) -> bool {
    mb.load(Acquire) & GRANTED != 0
}

/// The server's state, owned by its thread.
struct Server {
    /// This node's cluster.
    c: Arc<Cluster>,
    /// This node's id, the number of nodes, keys and their placement.
    me: u32,
    nodes: u32,
    keys: u32,
    placement: Placement,
    /// The grant words of this node's waiters (shared with the clients).
    mail: Arc<KVec<Mailbox>>,
    /// Per key: holder waiter id + 1, or 0.
    holder: KVec<u32>,
    /// Per key: first and last queued waiter id + 1.
    head: KVec<u32>,
    tail: KVec<u32>,
    /// Per waiter id: the next queued waiter id + 1.
    next: KVec<u32>,
    /// Per waiter id: the key it holds or is queued for + 1, or 0.
    busy: KVec<u32>,
    /// Per node: the connection its requests come on (answers go back on it).
    reply: [Option<Arc<Peer>>; MAX_NODES],
    conns: KVec<Arc<Peer>>,
    /// Messages that made no sense (counted, dropped).
    bad: u64,
}

impl Server {
    fn grant(&self, key: u32, waiter: u32) {
        let node = (waiter / WAITERS_PER_NODE) as usize;
        if let Some(Some(p)) = self.reply.get(node) {
            // A dead requester: the lock stays with it (its key is lost),
            // as with ALock.
            let _ = send(p, GRANT, key, waiter, Wait::Yield);
        }
    }

    fn handle(&mut self, from: &Arc<Peer>, m: Msg) {
        let waiters = (MAX_NODES as u32) * WAITERS_PER_NODE;
        if m.key >= self.keys || m.waiter >= waiters {
            self.bad += 1;
            return;
        }
        let home = home_of(m.key, self.nodes, self.placement);
        if m.kind == GRANT {
            // From the key's home, for a waiter here that waits for it.
            let mb = &self.mail[(m.waiter % WAITERS_PER_NODE) as usize];
            let ok = from.node() == home
                && m.waiter / WAITERS_PER_NODE == self.me
                && mb
                    .compare_exchange(m.key + 1, (m.key + 1) | GRANTED, Release, Relaxed)
                    .is_ok();
            if !ok {
                self.bad += 1;
            }
            return;
        }
        // A REQ or REL: for a key homed here, from the waiter's own node.
        if home != self.me || m.waiter / WAITERS_PER_NODE != from.node() {
            self.bad += 1;
            return;
        }
        let (k, w) = (m.key as usize, m.waiter);
        match m.kind {
            REQ if self.busy[w as usize] == 0 => {
                self.busy[w as usize] = m.key + 1;
                self.reply[(w / WAITERS_PER_NODE) as usize] = Some(from.clone());
                if self.holder[k] == 0 {
                    self.holder[k] = w + 1;
                    self.grant(m.key, w);
                } else {
                    self.next[w as usize] = 0;
                    if self.tail[k] == 0 {
                        self.head[k] = w + 1;
                    } else {
                        self.next[(self.tail[k] - 1) as usize] = w + 1;
                    }
                    self.tail[k] = w + 1;
                }
            }
            REL if self.holder[k] == w + 1 => {
                self.busy[w as usize] = 0;
                let n = self.head[k];
                self.holder[k] = n;
                if n != 0 {
                    self.head[k] = self.next[(n - 1) as usize];
                    if self.head[k] == 0 {
                        self.tail[k] = 0;
                    }
                    self.grant(m.key, n - 1);
                }
            }
            _ => self.bad += 1,
        }
    }

    /// One pass over every connection; whether a message came.
    fn round(&mut self) -> bool {
        let mut any = false;
        let mut buf = [0u8; MSG_BYTES];
        let conns = core::mem::take(&mut self.conns);
        for p in conns.iter() {
            for _ in 0..BATCH {
                let Ok(Some(n)) = p.poll_msg(&mut buf) else {
                    break;
                };
                any = true;
                match Msg::parse(&buf[..n]) {
                    Some(m) => self.handle(p, m),
                    None => self.bad += 1,
                }
            }
        }
        self.conns = conns;
        any
    }
}

fn zeros(n: usize) -> Result<KVec<u32>> {
    kvec_from_fn(n, || 0)
}

/// The server thread.
///
/// # Safety
///
/// `data` is the `Server` of an [`RpcServer`], which outlives the thread.
unsafe extern "C" fn server_fn(data: *mut c_void) -> c_int {
    // SAFETY: The function's contract; only this thread uses it.
    let s = unsafe { &mut *data.cast::<Server>() };
    let mut idle = 0u32;
    let mut refresh = 0u32;
    // SAFETY: A kthread may test this.
    while !unsafe { bindings::kthread_should_stop() } {
        if refresh == 0 {
            // The set of usable connections (peers fail, loopback sides).
            s.conns = s.c.connections();
            refresh = 1000;
        }
        refresh -= 1;
        if s.round() {
            idle = 0;
        } else {
            idle = idle.saturating_add(1);
        }
        if idle > 64 {
            // SAFETY: Process context.
            unsafe { bindings::usleep_range_state(200, 400, bindings::TASK_INTERRUPTIBLE) };
        } else {
            relax(Wait::Yield);
        }
    }
    s.conns = KVec::new();
    s.reply = [const { None }; MAX_NODES];
    0
}

/// A running lock server: its thread and its state.
struct RpcServer {
    task: *mut bindings::task_struct,
    state: *mut Server,
}

// SAFETY: The pointers are a kthread and the state it uses, both only
// released by `Drop` (stop, then free).
unsafe impl Send for RpcServer {}
// SAFETY: `&RpcServer` gives no access to either.
unsafe impl Sync for RpcServer {}

impl RpcServer {
    /// Starts the server thread with state `s`.
    fn start(s: Server) -> Result<Self> {
        let s = KBox::new(s, GFP_KERNEL)?;
        let state = KBox::into_raw(s);
        // SAFETY: `server_fn` matches the kthread signature; `state` lives
        // until `Drop`, after the thread is stopped.
        let task = unsafe {
            bindings::kthread_create(
                Some(server_fn),
                state.cast::<c_void>(),
                c_str!("alock-rpc").as_char_ptr(),
            )
        };
        match kernel::error::from_err_ptr(task) {
            Ok(task) => {
                // SAFETY: A new kthread.
                unsafe { bindings::wake_up_process(task) };
                Ok(Self { task, state })
            }
            Err(e) => {
                // SAFETY: No thread uses it.
                drop(unsafe { KBox::from_raw(state) });
                Err(e)
            }
        }
    }
}

impl Drop for RpcServer {
    fn drop(&mut self) {
        // SAFETY: Our kthread, not stopped yet (it may not have run at
        // all: then it never will); afterwards nothing uses the state.
        unsafe {
            bindings::kthread_stop(self.task);
            let s = KBox::from_raw(self.state);
            if s.bad != 0 {
                pr_warn!("rpc lock server: {} bad messages\n", s.bad);
            }
        }
    }
}

/// The RPC lock's part of one node's table: the grant words of this
/// node's waiters and the lock server of the keys homed here, started by
/// [`Rpc::serve`] (only RPC runs need its thread, which polls every
/// connection) and stopped when this drops.
pub struct Rpc {
    me: u32,
    mail: Arc<KVec<Mailbox>>,
    /// `IDLE`, `STARTING`, `RUNNING` or `FAILED`: who may touch the cells
    /// below.
    state: AtomicU32,
    /// The server's state until it starts (`IDLE`: the starter's).
    pending: UnsafeCell<Option<Server>>,
    /// The running server (written once by the starter, then read-only).
    server: UnsafeCell<Option<RpcServer>>,
}

const IDLE: u32 = 0;
const STARTING: u32 = 1;
const RUNNING: u32 = 2;
const FAILED: u32 = 3;

// SAFETY: The cells are touched only by the one caller that moved
// `state` from `IDLE` to `STARTING`, and by `Drop` (exclusive).
unsafe impl Sync for Rpc {}
// SAFETY: As above; the server's parts are `Send`.
unsafe impl Send for Rpc {}

impl Rpc {
    /// Makes the grant words and the (not yet started) server of node
    /// `me`'s keys, for a table of `keys` keys spread over `nodes` nodes
    /// by `placement`.
    pub fn new(
        c: &Arc<Cluster>,
        me: u32,
        nodes: u32,
        keys: u32,
        placement: Placement,
    ) -> Result<Self> {
        let mail = Arc::new(
            kvec_from_fn(WAITERS_PER_NODE as usize, || Mailbox::new(0))?,
            GFP_KERNEL,
        )?;
        let k = keys as usize;
        let server = Server {
            c: c.clone(),
            me,
            nodes,
            keys,
            placement,
            mail: mail.clone(),
            holder: zeros(k)?,
            head: zeros(k)?,
            tail: zeros(k)?,
            next: zeros(MAX_NODES * WAITERS_PER_NODE as usize)?,
            busy: zeros(MAX_NODES * WAITERS_PER_NODE as usize)?,
            reply: [const { None }; MAX_NODES],
            conns: KVec::new(),
            bad: 0,
        };
        Ok(Self {
            me,
            mail,
            state: AtomicU32::new(IDLE),
            pending: UnsafeCell::new(Some(server)),
            server: UnsafeCell::new(None),
        })
    }

    /// Starts the server thread if it is not running (every node of an
    /// RPC run calls this; requests that arrive before wait in the
    /// connection's receive queue).
    pub fn serve(&self) -> Result {
        loop {
            match self
                .state
                .compare_exchange(IDLE, STARTING, Acquire, Acquire)
            {
                Ok(_) => break,
                Err(RUNNING) => return Ok(()),
                Err(FAILED) => return Err(ENOMEM),
                // Another caller is starting it.
                Err(_) => relax(Wait::Yield),
            }
        }
        // SAFETY: This caller moved the state to `STARTING`: it alone
        // touches the cells until it leaves that state.
        let r = unsafe {
            match (*self.pending.get()).take() {
                Some(s) => RpcServer::start(s).map(|srv| *self.server.get() = Some(srv)),
                None => Err(EINVAL),
            }
        };
        match r {
            Ok(()) => {
                self.state.store(RUNNING, Release);
                Ok(())
            }
            Err(e) => {
                // The state went with the failed start: no second try.
                self.state.store(FAILED, Release);
                Err(e)
            }
        }
    }

    /// The global id of local waiter `lw`.
    fn global(&self, lw: u32) -> u32 {
        self.me * WAITERS_PER_NODE + lw
    }

    /// Client side: acquires `key` at its home `p` for local waiter `lw`
    /// (`< WAITERS_PER_NODE`): requests it, then waits for the GRANT,
    /// calling `check` with the time the wait started between polls (its
    /// error ends the wait).  Inlined: `check` may begin a wait that the
    /// caller ends (`support::trace`).
    #[inline(always)]
    pub fn lock(
        &self,
        p: &Peer,
        key: u32,
        lw: u32,
        w: Wait,
        check: impl Fn(i64) -> Result,
    ) -> Result {
        let mb = &self.mail[lw as usize];
        mb.store(key + 1, Release);
        request(p, key, self.global(lw), w)?;
        let start = now_ns();
        while !granted(mb) {
            check(start)?;
            relax(w);
        }
        Ok(())
    }

    /// Whether local waiter `lw`'s grant came.
    pub fn granted(&self, lw: u32) -> bool {
        self.mail.get(lw as usize).is_some_and(granted)
    }

    /// Client side: releases `key` at its home `p` for local waiter `lw`.
    pub fn unlock(&self, p: &Peer, key: u32, lw: u32, w: Wait) -> Result {
        release(p, key, self.global(lw), w)
    }
}
