// SPDX-License-Identifier: GPL-2.0

//! The in-kernel RDMA connection manager: an owned `rdma_cm_id`, the
//! context its event handler gets, and that handler.
//!
//! Every id the module creates carries a boxed [`CmCtx<T>`] as its
//! `context`, naming the object whose [`CmHandler`] gets the id's events:
//! the listener's names the cluster, a connection's names its peer.  This
//! file knows neither: it is generic over the handler's type `T`.  Each
//! context holds a reference (`Arc`) that is released when the id is
//! destroyed: `rdma_destroy_id` waits for a running handler and prevents
//! further calls, so the handler never sees a freed context.
//!
//! The shim's trampoline calls [`alock_rdma_cm_event`] for every id, which
//! does not know `T`: the context starts with the function
//! ([`CmCtx`]'s `dispatch`, monomorphised for `T`) that it calls.

use core::ffi::{c_int, c_void};
use core::ptr::{null_mut, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::{prelude::*, sync::Arc};

use super::ffi::{self, cm_event, RawAddr};
use super::verbs::{check, Device};

/// What gets the events of an id whose context names it.
///
/// # Safety (of the callers)
///
/// Both methods are called only by the CM event handler, in the id's
/// handler (its handler mutex held), with the event's own `id`, and with
/// `pdata` null or valid for `plen` bytes for the call.
pub trait CmHandler: Send + Sync + Sized {
    /// A CONNECT_REQUEST on a listening id; `id` is the request's new id
    /// (with the listener's context).  Non-zero makes the CM destroy `id`.
    /// By default the request is refused.
    ///
    /// # Safety
    ///
    /// As for the trait: called from the CM handler of `id`.
    unsafe fn on_connect_request(
        &self,
        _id: *mut ffi::rdma_cm_id,
        _pdata: *const c_void,
        _plen: u8,
    ) -> c_int {
        1
    }

    /// Any other event of the id; ignored by default.
    ///
    /// # Safety
    ///
    /// As for the trait: called from the CM handler of `id`.
    unsafe fn on_event(
        &self,
        _id: *mut ffi::rdma_cm_id,
        _event: i32,
        _status: i32,
        _pdata: *const c_void,
        _plen: u8,
    ) {
    }
}

/// The first field of every [`CmCtx`]: the handler for its `T`.
type Dispatch = unsafe fn(
    ctx: *const c_void,
    id: *mut ffi::rdma_cm_id,
    event: c_int,
    status: c_int,
    pdata: *const c_void,
    plen: u8,
) -> c_int;

/// What the event handler of one id works on (set once, before the events
/// it matters for can arrive).
#[repr(C)]
pub struct CmCtx<T: CmHandler> {
    /// `dispatch::<T>`; first, so [`alock_rdma_cm_event`] finds it without
    /// knowing `T`.
    dispatch: Dispatch,
    obj: AtomicPtr<T>,
}

impl<T: CmHandler> CmCtx<T> {
    fn new() -> Self {
        Self {
            dispatch: dispatch::<T>,
            obj: AtomicPtr::new(null_mut()),
        }
    }

    /// Makes the handler see `obj`; at most once.
    pub fn set(&self, obj: Arc<T>) {
        let old = self
            .obj
            .swap(Arc::into_raw(obj).cast_mut(), Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: `old` came from `Arc::into_raw` in an earlier call.
            drop(unsafe { Arc::from_raw(old) });
        }
    }

    /// The object the events go to, once set.
    pub fn get(&self) -> Option<&T> {
        // SAFETY: A non-null pointer here owns a reference, released only
        // when the context is dropped, after the id is destroyed.
        unsafe { self.obj.load(Ordering::Acquire).as_ref() }
    }
}

impl<T: CmHandler> Drop for CmCtx<T> {
    fn drop(&mut self) {
        let p = self.obj.load(Ordering::Acquire);
        if !p.is_null() {
            // SAFETY: Owned reference from `set`.
            drop(unsafe { Arc::from_raw(p) });
        }
    }
}

/// The events of an id whose context is a `CmCtx<T>`.
///
/// # Safety
///
/// `ctx` is that context, alive for the call; called from the CM handler
/// of `id` with the event's data (see [`CmHandler`]).
unsafe fn dispatch<T: CmHandler>(
    ctx: *const c_void,
    id: *mut ffi::rdma_cm_id,
    event: c_int,
    status: c_int,
    pdata: *const c_void,
    plen: u8,
) -> c_int {
    // SAFETY: The caller's contract.
    let ctx = unsafe { &*ctx.cast::<CmCtx<T>>() };
    if event == cm_event::CONNECT_REQUEST {
        return match ctx.get() {
            // SAFETY: We are the handler of `id`, with the CM's event data.
            Some(h) => unsafe { h.on_connect_request(id, pdata, plen) },
            None => 1,
        };
    }
    if let Some(h) = ctx.get() {
        // SAFETY: As above.
        unsafe { h.on_event(id, event, status, pdata, plen) };
    }
    0
}

/// The CM event handler of every id the module creates (called by the
/// shim's trampoline).
///
/// # Safety
///
/// Called by the rdma_cm with the id's handler mutex held; `ctx` is the
/// id's context, a `CmCtx<T>` of some `T` (set by [`CmId`]).
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
    // waits for this handler; every `CmCtx<T>` is `repr(C)` with its
    // `Dispatch` first, whatever `T` is.
    let f = unsafe { *ctx.cast::<Dispatch>() };
    // SAFETY: `f` is `dispatch::<T>` for the context's own `T`.
    unsafe { f(ctx, id, event, status, pdata, plen) }
}

/// An `rdma_cm_id` (RC, TCP port space, initial network namespace) and
/// its context; destroyed in `Drop` (which sleeps: process context only).
pub struct CmId<T: CmHandler> {
    id: NonNull<ffi::rdma_cm_id>,
    ctx: NonNull<CmCtx<T>>,
}

// SAFETY: The rdma_cm functions used here may be called from any thread;
// the context's `T` is `Send + Sync`.
unsafe impl<T: CmHandler> Send for CmId<T> {}
// SAFETY: `&CmId` only reads the id's fields through the shim.
unsafe impl<T: CmHandler> Sync for CmId<T> {}

impl<T: CmHandler> CmId<T> {
    /// Creates an id whose events go to the `T` set on its context.
    pub fn new() -> Result<Self> {
        let ctx = KBox::into_raw(KBox::new(CmCtx::<T>::new(), GFP_KERNEL)?);
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
        let ctx = KBox::into_raw(KBox::new(CmCtx::<T>::new(), GFP_KERNEL)?);
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
    pub fn ctx(&self) -> &CmCtx<T> {
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

impl<T: CmHandler> Drop for CmId<T> {
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
