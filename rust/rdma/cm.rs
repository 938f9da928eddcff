// SPDX-License-Identifier: GPL-2.0

//! The in-kernel RDMA connection manager: an owned `rdma_cm_id` and the
//! context its event handler gets.
//!
//! Every id the module creates carries a boxed [`CmCtx`] as its
//! `context`: the listener's names the cluster, a connection's names its
//! peer.  Each holds a reference (`Arc`) that is released when the id is
//! destroyed: `rdma_destroy_id` waits for a running handler and prevents
//! further calls, so the handler never sees a freed context.

use core::ffi::c_void;
use core::ptr::{null_mut, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::{prelude::*, sync::Arc};

use super::cluster::{Cluster, Peer};
use super::ffi::{self, RawAddr};
use super::verbs::{check, Device};

/// What the event handler of one id works on (set once, before the events
/// it matters for can arrive).
pub struct CmCtx {
    cluster: AtomicPtr<Cluster>,
    peer: AtomicPtr<Peer>,
}

impl CmCtx {
    fn new() -> Self {
        Self {
            cluster: AtomicPtr::new(null_mut()),
            peer: AtomicPtr::new(null_mut()),
        }
    }

    /// Makes the handler see `c` (the listener's context); at most once.
    pub fn set_cluster(&self, c: Arc<Cluster>) {
        let old = self
            .cluster
            .swap(Arc::into_raw(c).cast_mut(), Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: `old` came from `Arc::into_raw` in an earlier call.
            drop(unsafe { Arc::from_raw(old) });
        }
    }

    /// Makes the handler see `p` (a connection's context); at most once.
    pub fn set_peer(&self, p: Arc<Peer>) {
        let old = self
            .peer
            .swap(Arc::into_raw(p).cast_mut(), Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: As in `set_cluster`.
            drop(unsafe { Arc::from_raw(old) });
        }
    }

    /// The cluster, for the listener's events.
    pub fn cluster(&self) -> Option<&Cluster> {
        // SAFETY: Non-null pointers here own a reference, released only
        // when the context is dropped, after the id is destroyed.
        unsafe { self.cluster.load(Ordering::Acquire).as_ref() }
    }

    /// The peer, for a connection's events.
    pub fn peer(&self) -> Option<&Peer> {
        // SAFETY: As in `cluster`.
        unsafe { self.peer.load(Ordering::Acquire).as_ref() }
    }
}

impl Drop for CmCtx {
    fn drop(&mut self) {
        let c = self.cluster.load(Ordering::Acquire);
        if !c.is_null() {
            // SAFETY: Owned reference from `set_cluster`.
            drop(unsafe { Arc::from_raw(c) });
        }
        let p = self.peer.load(Ordering::Acquire);
        if !p.is_null() {
            // SAFETY: Owned reference from `set_peer`.
            drop(unsafe { Arc::from_raw(p) });
        }
    }
}

/// An `rdma_cm_id` (RC, TCP port space, initial network namespace) and
/// its context; destroyed in `Drop` (which sleeps: process context only).
pub struct CmId {
    id: NonNull<ffi::rdma_cm_id>,
    ctx: NonNull<CmCtx>,
}

// SAFETY: The rdma_cm functions used here may be called from any thread.
unsafe impl Send for CmId {}
// SAFETY: `&CmId` only reads the id's fields through the shim.
unsafe impl Sync for CmId {}

impl CmId {
    /// Creates an id whose handler is `cluster::cm_event`.
    pub fn new() -> Result<Self> {
        let ctx = KBox::into_raw(KBox::new(CmCtx::new(), GFP_KERNEL)?);
        // SAFETY: `ctx` is a valid context for the handler until the id is
        // destroyed (`Drop`).
        let id = unsafe { ffi::alock_rdma_create_id(ctx.cast::<c_void>()) };
        match kernel::error::from_err_ptr(id).and_then(|p| NonNull::new(p).ok_or(ENOMEM)) {
            Ok(id) => Ok(Self {
                id,
                // SAFETY: From `KBox::into_raw`, non-null.
                ctx: unsafe { NonNull::new_unchecked(ctx) },
            }),
            Err(e) => {
                // SAFETY: No id refers to `ctx`.
                drop(unsafe { KBox::from_raw(ctx) });
                Err(e)
            }
        }
    }

    /// Takes over the new id of a connection request (inside the
    /// listener's handler), giving it a context of its own.
    ///
    /// # Safety
    ///
    /// `id` is the id of the CONNECT_REQUEST event being handled; the
    /// handler returns 0 unless it gives the id back with
    /// [`CmId::release_to_cm`].
    pub unsafe fn adopt(id: *mut ffi::rdma_cm_id) -> Result<Self> {
        let id = NonNull::new(id).ok_or(EINVAL)?;
        let ctx = KBox::into_raw(KBox::new(CmCtx::new(), GFP_KERNEL)?);
        // SAFETY: The handler mutex of `id` is held (the caller runs in
        // its handler), so no other event reads the context meanwhile.
        unsafe { ffi::alock_rdma_set_context(id.as_ptr(), ctx.cast::<c_void>()) };
        Ok(Self {
            id,
            // SAFETY: From `KBox::into_raw`.
            ctx: unsafe { NonNull::new_unchecked(ctx) },
        })
    }

    /// For a handler about to return non-zero (the CM then destroys the
    /// id itself): frees the context only.
    pub fn release_to_cm(self) {
        let ctx = self.ctx;
        core::mem::forget(self);
        // SAFETY: The CM destroys the id after the handler returns and
        // calls no further handler for it.
        drop(unsafe { KBox::from_raw(ctx.as_ptr()) });
    }

    /// The C pointer.
    pub fn as_ptr(&self) -> *mut ffi::rdma_cm_id {
        self.id.as_ptr()
    }

    /// The handler's context.
    pub fn ctx(&self) -> &CmCtx {
        // SAFETY: Owned by `self`, freed in `Drop`.
        unsafe { self.ctx.as_ref() }
    }

    /// The device the id is bound to, once bound or resolved.
    pub fn device(&self) -> Option<Device> {
        // SAFETY: The id is valid; a device bound to an id stays until the
        // id goes (device removal destroys the cluster first).
        unsafe { Device::from_raw(ffi::alock_rdma_id_device(self.as_ptr())) }
    }

    /// Binds to a local address (chooses the device).
    pub fn bind(&self, a: &RawAddr) -> Result {
        // SAFETY: The id and address are valid.
        check(unsafe { ffi::alock_rdma_bind(self.as_ptr(), a) })
    }

    /// Starts listening.
    pub fn listen(&self, backlog: i32) -> Result {
        // SAFETY: The id is bound.
        check(unsafe { ffi::alock_rdma_listen(self.as_ptr(), backlog) })
    }

    /// Starts address resolution (ADDR_RESOLVED or ADDR_ERROR follows).
    pub fn resolve_addr(&self, src: &RawAddr, dst: &RawAddr, timeout_ms: i32) -> Result {
        // SAFETY: The id and addresses are valid.
        check(unsafe { ffi::alock_rdma_resolve_addr(self.as_ptr(), src, dst, timeout_ms) })
    }

    /// Sends a disconnect request (the QP moves to the error state).
    pub fn disconnect(&self) {
        // SAFETY: The id is valid; disconnecting an unconnected id fails
        // harmlessly.
        let _ = unsafe { ffi::alock_rdma_disconnect(self.as_ptr()) };
    }

    /// The QP created on the id, or null.
    pub fn qp(&self) -> *mut ffi::ib_qp {
        // SAFETY: The id is valid.
        unsafe { ffi::alock_rdma_id_qp(self.as_ptr()) }
    }
}

impl Drop for CmId {
    fn drop(&mut self) {
        // SAFETY: We own the id; after this returns no handler runs for it,
        // so its context may go.  A QP on it is not destroyed here: its
        // owner takes it (`verbs::Qp`) and destroys it afterwards.
        unsafe {
            ffi::alock_rdma_destroy_id(self.as_ptr());
            drop(KBox::from_raw(self.ctx.as_ptr()));
        }
    }
}

/// Converts a uapi node address.
pub fn raw_addr(a: &crate::uapi::AlockNodeAddr) -> RawAddr {
    RawAddr {
        family: a.family,
        port: a.port,
        addr: a.addr,
    }
}
