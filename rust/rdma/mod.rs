// SPDX-License-Identifier: GPL-2.0

//! RDMA transport: safe Rust over the kernel's ib_core verbs and rdma_cm,
//! and the cluster membership that ALock's remote path runs on.
//!
//! What is where, bottom-up (each file imports only the ones above it):
//!
//! * `rdma_shim.c` turns the static inlines and macros of
//!   `<rdma/ib_verbs.h>` and `<rdma/rdma_cm.h>` into plain functions
//!   ([`ffi`]); the module's bindings have no RDMA headers, and a C shim in
//!   the module keeps the kernel patch series and its rebuilds out of it.
//! * [`verbs`]: owned PD, CQ, DMA buffer, MR, QP and completion records.
//! * [`cm`]: owned `rdma_cm_id`, its event-handler context and the one CM
//!   event handler, generic over the handler's type ([`cm::CmHandler`]).
//! * [`peer`]: one connection ([`Peer`]): its states, set-up and READY
//!   handshake, failure handling and teardown; [`peer::handshake`]: the
//!   handshake's wire format and how it authenticates a peer (the cluster
//!   key, nonces, HMAC tags); [`peer::ops`]: the verbs it
//!   offers (READ, WRITE, `write_read`, compare-and-swap, fetch-and-add,
//!   messages).
//! * [`cluster`]: this node's [`Cluster`]: listener, one RC connection per
//!   pair of nodes (`Cluster::connect_all`), the exported window, the
//!   reaper thread; [`Config`], what a node joins with.
//! * [`membership`]: the `ib_client`, the node's one cluster, [`init`] and
//!   [`exit`], [`join`], [`leave`], [`status`] and [`cluster()`].
//!
//! No file here reads the ioctl ABI: [`init`] and [`exit`] are called by
//! the crate root; [`join`], [`leave`] and [`status`] by `crate::chardev`
//! (`cluster.rs` checks and converts the ABI structures); the single
//! verbs, stress and benchmark commands are in `crate::harness::rdma`.
//!
//! Kernel code (the lock table in `crate::dlock`) uses [`cluster()`] to
//! get the node's cluster and [`Cluster::peer`] for a connection; every
//! verb polls for its completion and never sleeps.  Other layers import
//! the names re-exported here.  Documentation: `Documentation/rdma.rst`.

pub mod cluster;
pub mod cm;
pub mod ffi;
pub mod membership;
pub mod peer;
pub mod verbs;

pub use cluster::{Cluster, Config, NodeAddr, MAX_NODES};
pub use membership::{cluster, exit, init, join, leave, status, ClusterStatus, Status};
pub use peer::{
    relax, Peer, PeerState, PeerStatus, Verb, Wait, Xfer, CHAIN_MAX, KEY_BYTES, MAX_PEER_WINDOW,
    MSG_BYTES,
};
pub use verbs::DmaBuf;
