// SPDX-License-Identifier: GPL-2.0

//! The cluster commands of `/dev/alock` (`ALOCK_IOC_CLUSTER_JOIN`,
//! `_LEAVE`, `_STATUS`): checks the uapi structures, converts them to and
//! from the kernel-side types of [`crate::rdma`], and calls it.

use kernel::{bindings, prelude::*};

use super::{OpenFile, CLUSTER_OWNER};
use crate::rdma::{self, Config, NodeAddr, PeerState};
use crate::support::util::require_cap;
use crate::uapi::*;

// The uapi's node limit is the transport's.
const _: () = assert!(rdma::MAX_NODES == ALOCK_CLUSTER_MAX_NODES as usize);
// The transport refuses a peer's window larger than the largest a join
// accepts here: the two limits are one.
const _: () = assert!(rdma::MAX_PEER_WINDOW == ALOCK_CLUSTER_MAX_WINDOW as u64);
// The uapi's key is the transport's.
const _: () = assert!(rdma::KEY_BYTES == ALOCK_CLUSTER_KEY_SIZE as usize);

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
    let ok = (1..=ALOCK_CLUSTER_MAX_NODES as usize).contains(&n)
        && a.node_id < a.nr_nodes
        && (ALOCK_CLUSTER_MIN_WINDOW..=ALOCK_CLUSTER_MAX_WINDOW).contains(&a.window_size)
        && a.window_size % 4096 == 0
        && a.flags & !ALOCK_CLUSTER_FLAGS == 0
        && (1..=ALOCK_CLUSTER_MAX_TIMEOUT_MS).contains(&a.timeout_ms)
        && (a.op_timeout_ms == 0 || (10..=60_000).contains(&a.op_timeout_ms))
        && a.reserved == [0, 0]
        && a.key.iter().any(|&b| b != 0)
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

/// The transport's configuration of a checked join.
fn config(a: &AlockClusterJoin) -> Config {
    Config {
        node_id: a.node_id,
        nr_nodes: a.nr_nodes,
        window_size: a.window_size,
        loopback: a.flags & ALOCK_CLUSTER_LOOPBACK != 0,
        timeout_ms: a.timeout_ms,
        op_timeout_ms: a.op_timeout_ms,
        nodes: a.nodes.map(|n| NodeAddr {
            family: n.family,
            port: n.port,
            addr: n.addr,
        }),
        key: a.key,
    }
}

/// Whether the caller runs in the initial network namespace.  The
/// cluster's connections are made there (`rdma_create_id(&init_net)`,
/// and rxe's UDP socket lives there too): a join from another namespace
/// would reach addresses its caller cannot, so it is refused.
fn in_init_net() -> bool {
    // SAFETY: `get_current` returns the running task, valid while it
    // runs; its `nsproxy` changes only by the task itself (not now), and a
    // task in an ioctl is not exiting, so it is not NULL (checked anyway).
    unsafe {
        let ns = (*bindings::get_current()).nsproxy;
        !ns.is_null() && core::ptr::eq((*ns).net_ns, core::ptr::addr_of!(bindings::init_net))
    }
}

/// `ALOCK_IOC_CLUSTER_JOIN` through `file`, which then owns the
/// membership ([`super::Owner`]).
pub fn join(file: &OpenFile, args: &AlockClusterJoin) -> Result {
    validate(args)?;
    if !in_init_net() {
        return Err(crate::support::util::errno(bindings::EAFNOSUPPORT));
    }
    rdma::join(&config(args))?;
    CLUSTER_OWNER.set(file);
    Ok(())
}

/// `ALOCK_IOC_CLUSTER_LEAVE` through `file`: `EBUSY` while another open
/// file owns the membership.
pub fn leave(file: &OpenFile) -> Result {
    // Not joined (any more) says so, whoever asks.
    if rdma::cluster().is_some() {
        CLUSTER_OWNER.check(file)?;
    }
    rdma::leave()?;
    CLUSTER_OWNER.clear();
    Ok(())
}

/// `enum alock_peer_state` of a connection's state.
fn peer_state(s: PeerState) -> u32 {
    match s {
        PeerState::Absent => ALOCK_PEER_NONE,
        PeerState::Connecting => ALOCK_PEER_CONNECTING,
        PeerState::Up => ALOCK_PEER_UP,
        PeerState::Failed => ALOCK_PEER_FAILED,
        PeerState::Closed => ALOCK_PEER_CLOSED,
        PeerState::ThisNode => ALOCK_PEER_SELF,
    }
}

/// `ALOCK_IOC_CLUSTER_STATUS`.
pub fn status(s: &mut AlockClusterStatus) -> Result {
    if s.flags & !ALOCK_STATUS_PROBE != 0 {
        return Err(EINVAL);
    }
    // A probe sends a READ to every peer: CAP_NET_ADMIN, as the verbs.
    if s.flags & ALOCK_STATUS_PROBE != 0 {
        require_cap(bindings::CAP_NET_ADMIN)?;
    }
    let flags = s.flags;
    let st = rdma::status(flags & ALOCK_STATUS_PROBE != 0);
    *s = AlockClusterStatus::default();
    s.flags = flags;
    s.nr_devices = st.nr_devices;
    let Some(c) = st.cluster else {
        return Ok(());
    };
    s.joined = 1;
    s.node_id = c.node_id;
    s.nr_nodes = c.nr_nodes;
    s.window_size = c.window_size;
    s.cluster_flags = if c.loopback {
        ALOCK_CLUSTER_LOOPBACK
    } else {
        0
    };
    s.device = c.device;
    for (out, p) in s
        .peers
        .iter_mut()
        .zip(c.peers.iter())
        .take(c.nr_nodes as usize)
    {
        out.node = p.node;
        out.state = peer_state(p.state);
        out.ops = p.ops;
        out.errors = p.errors;
        out.last_error = p.last_error;
        out.rkey = p.rkey;
        out.remote_len = p.remote_len;
        if out.state == ALOCK_PEER_UP {
            s.nr_up += 1;
        }
    }
    Ok(())
}
