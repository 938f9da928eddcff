// SPDX-License-Identifier: GPL-2.0

//! The module's cluster membership: the `ib_client` that tracks RDMA
//! devices, the one [`Cluster`] this node is in, and the entry points
//! [`init`]/[`exit`] (module load and unload, from the crate root),
//! [`join`], [`leave`] and [`status`] (from `/dev/alock`'s cluster
//! commands in `crate::chardev`) and [`cluster`] (for kernel code: the
//! lock table, the RDMA harness).
//!
//! Everything here speaks kernel-side types ([`Config`], [`Status`]): the
//! ioctl ABI structures and their checks are the front end's business.

use core::ffi::c_int;
use core::ptr::null_mut;
use core::sync::atomic::{
    AtomicPtr,
    Ordering::{AcqRel, Acquire, Release},
};

use kernel::{
    bindings, new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};

use super::cluster::{Cluster, Config, MAX_NODES};
use super::ffi;
use super::peer::{PeerState, PeerStatus, Wait};
use super::verbs::{self, check, Device};
use crate::support::util::errno;

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
    // The handshake's tags (`peer::handshake`) rest on it.
    if !crate::support::hmac::self_test() {
        pr_err!("rdma: HMAC-SHA256 fails its known answers\n");
        return Err(EINVAL);
    }
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
    if g.cluster
        .as_ref()
        .and_then(|c| c.device())
        .is_some_and(|d| d.as_ptr() == dev)
    {
        if let Some(c) = g.cluster.take() {
            pr_warn!("rdma: device removed: leaving the cluster\n");
            // Frees or unmaps everything of the cluster on the device
            // before ib_core frees it; the lock table and ioctls may keep
            // the cluster (memory only) until they let go.
            c.shutdown();
        }
    }
}

/// The cluster this node is in, if any (the Rust API's entry point).
pub fn cluster() -> Option<Arc<Cluster>> {
    membership().inner.lock().cluster.clone()
}

/// What [`status`] reports.
pub struct Status {
    /// RDMA devices the module's client sees.
    pub nr_devices: u32,
    /// The cluster this node is in, if any.
    pub cluster: Option<ClusterStatus>,
}

/// What [`status`] reports of the cluster this node is in.
pub struct ClusterStatus {
    /// This node.
    pub node_id: u32,
    /// Nodes in the cluster.
    pub nr_nodes: u32,
    /// Bytes this node exports.
    pub window_size: u32,
    /// Whether this node also connects to itself.
    pub loopback: bool,
    /// The RDMA device's name (NUL-terminated).
    pub device: [u8; 64],
    /// The connection to each node, by node id (the first `nr_nodes`).
    pub peers: [PeerStatus; MAX_NODES],
}

/// Joins a cluster (`cfg` checked by the caller); `EBUSY` if this node is
/// in one already.  Process context: waits up to `cfg.timeout_ms` for
/// every connection to come up.
pub fn join(cfg: &Config) -> Result {
    let n = cfg.nr_nodes as usize;
    if !(1..=MAX_NODES).contains(&n) || cfg.node_id >= cfg.nr_nodes {
        return Err(EINVAL);
    }
    let mut g = membership().inner.lock();
    if g.cluster.is_some() {
        return Err(EBUSY);
    }
    let c = Cluster::new(cfg)?;
    if let Err(e) = c
        .connect_all(cfg.timeout_ms)
        .and_then(|()| c.start_reaper())
    {
        c.shutdown();
        return Err(e);
    }
    pr_info!(
        "rdma: node {} joined a cluster of {} ({} KiB window)\n",
        c.node_id(),
        c.nr_nodes(),
        cfg.window_size / 1024
    );
    g.cluster = Some(c);
    Ok(())
}

/// Leaves the cluster: every connection is torn down; `ENOTCONN` if this
/// node is in none.  Process context.
pub fn leave() -> Result {
    let c = membership()
        .inner
        .lock()
        .cluster
        .take()
        .ok_or(errno(bindings::ENOTCONN))?;
    c.shutdown();
    pr_info!("rdma: node {} left the cluster\n", c.node_id());
    Ok(())
}

/// The devices seen, and the cluster and each connection if this node is
/// in one.  With `probe`, each connection that is up is first tested with
/// an 8-byte RDMA READ (process context: the READ may yield).
pub fn status(probe: bool) -> Status {
    let (c, nr_devices) = {
        let g = membership().inner.lock();
        (g.cluster.clone(), g.devices.iter().flatten().count() as u32)
    };
    let Some(c) = c else {
        return Status {
            nr_devices,
            cluster: None,
        };
    };
    let mut s = ClusterStatus {
        node_id: c.node_id(),
        nr_nodes: c.nr_nodes(),
        window_size: c.window().len() as u32,
        loopback: c.loopback(),
        device: c.device_name(),
        peers: [PeerStatus::default(); MAX_NODES],
    };
    let t = c.snapshot();
    for j in 0..c.nr_nodes() as usize {
        let out = &mut s.peers[j];
        out.node = j as u32;
        let p = t
            .iter()
            .find(|(n, pl, _)| *n == j && !*pl)
            .map(|(_, _, p)| p);
        let Some(p) = p else {
            out.state = if j == c.node_id() as usize && !c.loopback() {
                PeerState::ThisNode
            } else {
                PeerState::Absent
            };
            continue;
        };
        if probe && p.is_up() {
            let _ = p.read_u64(0, Wait::Yield);
        }
        *out = PeerStatus {
            node: j as u32,
            ..p.status()
        };
    }
    Status {
        nr_devices,
        cluster: Some(s),
    }
}
