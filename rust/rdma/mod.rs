// SPDX-License-Identifier: GPL-2.0

//! RDMA transport: safe Rust over the kernel's ib_core verbs and rdma_cm,
//! and the cluster membership that ALock's remote path runs on.
//!
//! * `rdma_shim.c` turns the static inlines and macros of
//!   `<rdma/ib_verbs.h>` and `<rdma/rdma_cm.h>` into plain functions
//!   ([`ffi`]); the module's bindings have no RDMA headers, and a C shim in
//!   the module keeps the kernel patch series and its rebuilds out of it.
//! * [`verbs`]: owned PD, CQ, DMA buffer, MR, QP and completion records.
//! * [`cm`]: owned `rdma_cm_id` with its event-handler context.
//! * [`cluster`]: join/leave/status, one RC connection per pair of nodes,
//!   the exported window, the verbs a [`cluster::Peer`] offers (READ,
//!   WRITE, compare-and-swap, fetch-and-add), failure handling.
//!
//! The `/dev/alock` commands that drive it from user space are in
//! [`crate::chardev`] (join, leave, status) and [`crate::harness::rdma`]
//! (single verbs, stress, benchmark).
//!
//! Kernel code uses [`cluster::cluster`] to get the node's cluster and
//! [`cluster::Cluster::peer`] for a connection; every verb polls for its
//! completion and never sleeps.  Documentation: `Documentation/rdma.rst`.

pub mod cm;
pub mod ffi;
pub mod peer;
pub mod verbs;

/// The old name of [`peer`] (until the membership moves out of it).
pub use self::peer as cluster;
pub use peer::{cluster, Cluster, Peer};
