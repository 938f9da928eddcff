// SPDX-License-Identifier: GPL-2.0

//! A connection's set-up after the CM's ESTABLISHED ([`Peer::progress`]:
//! registration and the READY exchange), its wire format and how it
//! authenticates the peer: the CM private data ([`Hello`]) and the READY
//! message ([`Ready`]), each carrying an HMAC-SHA256 tag under the
//! cluster's pre-shared [`Key`] (`struct alock_cluster_join.key`).
//!
//! # The handshake
//!
//! Node `a` (the active side, lower id) connects to node `p`:
//!
//! 1. REQ, `a -> p`: `Hello{a, p, nodes, rkey_a, 0, len_a, n_a, t}` with a
//!    fresh random nonce `n_a` and `t = MAC(K, "req" | hello)`.  `p`
//!    checks the source address against its configured `addrs[a]`
//!    (`Cluster::on_connect_request`), the fields and the tag; a request
//!    that fails any is refused (REJ) before anything is allocated.  The
//!    tag keeps hosts without the key from making `p` allocate a
//!    connection; it is replayable, so it proves nothing more.
//! 2. REP, `p -> a`: `Hello{p, a, nodes, rkey_p, 0, len_p, n_p, t}` with
//!    `t = MAC(K, "rep" | hello | n_a)`: bound to `a`'s fresh nonce, it
//!    proves that `p` holds the key now.  `a` checks it on ESTABLISHED;
//!    only then does `a` register its window for `p` (REG_MR).
//! 3. READY, `a -> p` once `a`'s REG_MR completed: `Ready{a, t}` with
//!    `t = MAC(K, "ready" | a | p | n_p | n_a)`, bound to `p`'s nonce: it
//!    proves that `a` holds the key now.  `p` registers its window for
//!    `a` only after this tag checked out.
//! 4. READY, `p -> a` after `p`'s REG_MR: `Ready{p, t}`, the same with the
//!    roles swapped.  Both sides are up once both READYs were exchanged.
//!
//! So no window is registered for a connection before its peer proved it
//! holds the key: an rkey seen in a Hello before that names a memory
//! region that is not valid yet, and every verb on it fails.  Both nonces
//! come from the kernel's CRNG per connection attempt, so a recorded
//! handshake replayed later fails step 2 or 3.  A handshake that does not
//! finish within [`HANDSHAKE_MS`] is torn down (so a peer that never
//! sends READY cannot hold a node's slot), and the active side tries
//! again.  The RC connection itself is not encrypted or authenticated
//! per packet: a host on the path that can forge RoCE packets with the
//! QP's numbers and PSNs can still inject into an established connection
//! (`Documentation/rdma.rst`, "Threat model").
//!
//! The window is registered zero-based (`ib_map_mr_sg_zbva`): the iova in
//! a Hello is 0, and no kernel address leaves the node.

use core::ptr::null_mut;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use kernel::{bindings, prelude::*};

use super::verbs::{self, check};
use super::{
    bytes_of, ffi, read_pdata, Peer, CTRL_RECV, CTRL_RECV_OFF, CTRL_REG, CTRL_SEND, CTRL_SEND_OFF,
    S_ESTABLISHED, S_HANDSHAKE, S_REGISTERING, S_UP,
};
use crate::support::hmac;
use crate::support::util::{errno, now_ns, RateLimit};

/// Bytes of the cluster key.
pub const KEY_BYTES: usize = 32;
/// Bytes of a tag (HMAC-SHA256 truncated, RFC 2104 section 5).
const TAG_BYTES: usize = 16;
/// How long a connection may take from its creation to up.
pub(super) const HANDSHAKE_MS: i64 = 15_000;

const HELLO_MAGIC: u32 = 0x414c_4b31;
const READY_MAGIC: u32 = 0x414c_4b52;
/// 2: nonces and tags (1 had none).
const HELLO_VERSION: u16 = 2;

/// The cluster's pre-shared key; wiped when dropped.
#[derive(Clone)]
pub struct Key([u8; KEY_BYTES]);

impl Key {
    /// The key of `bytes`; `None` for all zeros (no key given).
    pub fn new(bytes: &[u8; KEY_BYTES]) -> Option<Self> {
        if bytes.iter().all(|&b| b == 0) {
            None
        } else {
            Some(Self(*bytes))
        }
    }

    /// The truncated HMAC of `parts` (a label first) under this key.
    fn tag(&self, parts: &[&[u8]]) -> [u8; TAG_BYTES] {
        let mut out = [0u8; TAG_BYTES];
        // The handshake's messages are far below `hmac::MAX_MSG`; were one
        // not, the all-zero tag would simply fail to check out.
        if let Some(d) = hmac::hmac_sha256(&self.0, parts) {
            out.copy_from_slice(&d[..TAG_BYTES]);
        }
        out
    }

    fn check(&self, parts: &[&[u8]], tag: &[u8; TAG_BYTES]) -> bool {
        hmac::ct_eq(&self.tag(parts), tag)
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        hmac::wipe(&mut self.0);
    }
}

/// CM private data of the connect request and of the reply: 56 bytes,
/// the most a REQ carries through the rdma_cm (92 bytes less its 36-byte
/// header).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(in crate::rdma) struct Hello {
    /// `HELLO_MAGIC`.
    pub(in crate::rdma) magic: u32,
    /// The sender's node id.
    pub(in crate::rdma) from: u16,
    /// The receiver's node id.
    pub(in crate::rdma) to: u16,
    /// Nodes in the cluster.
    pub(in crate::rdma) nodes: u16,
    /// `HELLO_VERSION`.
    pub(in crate::rdma) version: u16,
    /// The sender's window, registered for the receiver.
    pub(in crate::rdma) rkey: u32,
    /// Its address (0: registered zero-based).
    pub(in crate::rdma) iova: u64,
    /// Its length.
    pub(in crate::rdma) len: u64,
    /// The sender's nonce for this connection.
    pub(in crate::rdma) nonce: u64,
    /// `MAC(K, "req" | body)` or `MAC(K, "rep" | body | request nonce)`.
    tag: [u8; TAG_BYTES],
}

const _: () = assert!(core::mem::size_of::<Hello>() == 56);

/// Bytes of a [`Hello`] before its tag.
const HELLO_BODY: usize = core::mem::size_of::<Hello>() - TAG_BYTES;

/// The largest window a peer may advertise: `ALOCK_CLUSTER_MAX_WINDOW`
/// of the uapi, which the front end's join accepts at most (it asserts
/// that the two agree).
pub const MAX_PEER_WINDOW: u64 = 1 << 20;

impl Hello {
    /// This node's Hello to `to`, with a fresh nonce; `req_nonce` is the
    /// nonce of the request it answers (`None`: it is the request).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        key: &Key,
        from: u32,
        to: u32,
        nodes: u32,
        rkey: u32,
        iova: u64,
        len: u64,
        req_nonce: Option<u64>,
    ) -> Self {
        // The tests' bad Hello (debugfs `fault_hello`), tagged with the
        // key like a member's: the others must refuse it all the same.
        let (iova, len) = match crate::support::stats::fault_hello() {
            1 => (u64::MAX - 4095, len),
            2 => (iova, 2 * MAX_PEER_WINDOW),
            _ => (iova, len),
        };
        let mut h = Self {
            magic: HELLO_MAGIC,
            from: from as u16,
            to: to as u16,
            nodes: nodes as u16,
            version: HELLO_VERSION,
            rkey,
            iova,
            len,
            nonce: hmac::random_u64(),
            tag: [0; TAG_BYTES],
        };
        h.tag = match req_nonce {
            None => key.tag(&[b"alock req", h.body()]),
            Some(n) => key.tag(&[b"alock rep", h.body(), &n.to_le_bytes()]),
        };
        h
    }

    fn body(&self) -> &[u8] {
        &super::bytes_of(self)[..HELLO_BODY]
    }

    /// Whether a connect request's Hello is well formed and carries the
    /// key's tag.
    pub(in crate::rdma) fn request_ok(&self, key: &Key) -> bool {
        self.magic == HELLO_MAGIC
            && self.version == HELLO_VERSION
            && key.check(&[b"alock req", self.body()], &self.tag)
    }

    /// Whether the reply to our request with nonce `req_nonce` is well
    /// formed and carries the key's tag over that nonce.
    pub(super) fn reply_ok(&self, key: &Key, req_nonce: u64) -> bool {
        self.magic == HELLO_MAGIC
            && self.version == HELLO_VERSION
            && key.check(
                &[b"alock rep", self.body(), &req_nonce.to_le_bytes()],
                &self.tag,
            )
    }

    /// Whether the window this Hello advertises can be addressed: at most
    /// [`MAX_PEER_WINDOW`] long, its end not past `u64::MAX`.  A peer's
    /// words are input: `Peer::remote` adds offsets to `iova`.
    pub(in crate::rdma) fn window_ok(&self) -> bool {
        self.len <= MAX_PEER_WINDOW && self.iova.checked_add(self.len).is_some()
    }
}

/// The READY message: the sender's proof that it holds the key, bound to
/// both nonces of this connection.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(super) struct Ready {
    magic: u32,
    node: u32,
    tag: [u8; TAG_BYTES],
}

impl Ready {
    /// `MAC(K, "ready" | from | to | to_nonce | from_nonce)`.
    fn tag(key: &Key, from: u32, to: u32, from_nonce: u64, to_nonce: u64) -> [u8; TAG_BYTES] {
        key.tag(&[
            b"alock ready",
            &from.to_le_bytes(),
            &to.to_le_bytes(),
            &to_nonce.to_le_bytes(),
            &from_nonce.to_le_bytes(),
        ])
    }

    /// `from`'s READY to `to`, whose nonces are `from_nonce` and
    /// `to_nonce`.
    pub(super) fn new(key: &Key, from: u32, to: u32, from_nonce: u64, to_nonce: u64) -> Self {
        Self {
            magic: READY_MAGIC,
            node: from,
            tag: Self::tag(key, from, to, from_nonce, to_nonce),
        }
    }

    /// Whether this is `from`'s READY to `to` of the connection with
    /// those nonces.
    pub(super) fn check(
        &self,
        key: &Key,
        from: u32,
        to: u32,
        from_nonce: u64,
        to_nonce: u64,
    ) -> bool {
        self.magic == READY_MAGIC
            && self.node == from
            && hmac::ct_eq(&Self::tag(key, from, to, from_nonce, to_nonce), &self.tag)
    }
}

/// Why a handshake was refused (each reason is rate-limited on its own,
/// so that one kind of refusal cannot hide another).
#[derive(Clone, Copy)]
pub(in crate::rdma) enum Refusal {
    /// A request without the key's tag.
    Tag = 0,
    /// A request whose ids or node count do not fit this cluster.
    Membership = 1,
    /// A request from another address than the node's configured one.
    Address = 2,
    /// A reply or READY without the key's tag.
    Handshake = 3,
    /// A Hello (with the key's tag: a member's) whose window cannot be
    /// addressed.
    Window = 4,
}

/// Refusals of each kind, logged at most once a second each, so that a
/// host that keeps trying cannot flood the log.
static REFUSALS: [RateLimit; 5] = [const { RateLimit::new(1_000_000_000) }; 5];

/// Whether a refused handshake of kind `why` may be logged now.
pub(in crate::rdma) fn refusal_log_due(why: Refusal) -> bool {
    REFUSALS[why as usize].due()
}

/// The handshake's steps on a [`Peer`] (after the CM's ESTABLISHED).
impl Peer {
    /// Whether the READY received is the peer's, for this connection
    /// (`handshake`: its tag binds both nonces).
    fn ready_ok(&self) -> bool {
        let r = &self.ctrl[CTRL_RECV];
        let mut buf = [0u8; core::mem::size_of::<Ready>()];
        r.byte_len() as usize >= buf.len()
            && self.scratch.read(CTRL_RECV_OFF, &mut buf).is_ok()
            && read_pdata::<Ready>(buf.as_ptr().cast(), buf.len() as u8).is_some_and(|m| {
                m.check(
                    &self.key,
                    self.node,
                    self.me,
                    self.peer_nonce.load(Relaxed),
                    self.hello.nonce,
                )
            })
    }

    /// Whether control completion `i` (`CTRL_*`) arrived; `Err` if it
    /// failed.
    fn ctrl_done(&self, i: usize) -> Result<bool> {
        let c = &self.ctrl[i];
        if !c.is_done() {
            return Ok(false);
        }
        if c.status() != ffi::IB_WC_SUCCESS {
            return Err(verbs::wc_error(c.status()));
        }
        Ok(true)
    }

    /// Fails a handshake that failed to authenticate the peer, saying so
    /// (rate-limited).
    pub(super) fn refuse(&self, what: &str) {
        if refusal_log_due(Refusal::Handshake) {
            pr_warn!(
                "rdma: refused node {}: {} (not a member, or another cluster key)\n",
                self.node,
                what
            );
        }
        self.fail(errno(bindings::EACCES));
    }

    /// Advances the READY handshake; process context (join, reaper).
    pub(in crate::rdma) fn progress(&self) {
        let qp = self.qp.load(Acquire);
        let state = self.state.load(Acquire);
        if state < S_UP && now_ns() - self.born_ns > HANDSHAKE_MS * 1_000_000 {
            pr_warn!(
                "rdma: the handshake with node {} did not finish within {} s\n",
                self.node,
                HANDSHAKE_MS / 1000
            );
            return self.fail(errno(bindings::ETIMEDOUT));
        }
        match state {
            S_ESTABLISHED => {
                // The passive side registers its window only for a peer
                // that proved it holds the key: the active side's READY
                // comes first (`handshake`, step 3).
                if !self.active {
                    // SAFETY: The CQ is alive (not torn down).
                    unsafe { ffi::alock_rdma_poll(self.cq_ptr) };
                    match self.ctrl_done(CTRL_RECV) {
                        Ok(true) => {}
                        Ok(false) => return,
                        Err(e) => return self.fail(e),
                    }
                    if !self.ready_ok() {
                        return self.refuse("its READY does not carry the cluster key's tag");
                    }
                }
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
                match self.ctrl_done(CTRL_REG) {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => return self.fail(e),
                }
                let msg = Ready::new(
                    &self.key,
                    self.me,
                    self.node,
                    self.hello.nonce,
                    self.peer_nonce.load(Relaxed),
                );
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
                let (s, r) = match (self.ctrl_done(CTRL_SEND), self.ctrl_done(CTRL_RECV)) {
                    (Err(e), _) | (_, Err(e)) => return self.fail(e),
                    (Ok(s), Ok(r)) => (s, r),
                };
                if !(s && r) {
                    return;
                }
                // The passive side checked the READY before its REG_MR.
                if self.active && !self.ready_ok() {
                    return self.refuse("its READY does not carry the cluster key's tag");
                }
                if self.advance(S_HANDSHAKE, S_UP) {
                    self.was_up.store(true, Release);
                }
            }
            S_UP => self.probe_step(qp),
            _ => {}
        }
    }
}
