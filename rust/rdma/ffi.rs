// SPDX-License-Identifier: GPL-2.0

//! Declarations of the RDMA shim (`rust/rdma/rdma_shim.c`, `rdma_shim.h`).
//!
//! The kernel objects are opaque here: only the shim looks inside them.
//! Everything is `unsafe` to call; the safe types of `verbs.rs` and
//! `cm.rs` state and uphold each function's requirements.

#![allow(non_camel_case_types)]

use core::ffi::{c_int, c_void};
use core::sync::atomic::AtomicU32;

macro_rules! opaque {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$m])*
            #[repr(C)]
            pub struct $name {
                _private: [u8; 0],
            }
        )*
    };
}

opaque!(
    /// `struct ib_device`.
    ib_device,
    /// `struct ib_pd`.
    ib_pd,
    /// `struct ib_cq`.
    ib_cq,
    /// `struct ib_qp`.
    ib_qp,
    /// `struct ib_mr`.
    ib_mr,
    /// `struct rdma_cm_id`.
    rdma_cm_id,
    /// `struct alock_rdma_buf` (DMA-mapped kernel memory, shim-private).
    alock_rdma_buf,
);

/// `struct alock_rdma_dev_info`.
#[repr(C)]
pub struct DevInfo {
    /// NUL-terminated device name.
    pub name: [u8; 64],
    /// Largest MR.
    pub max_mr_size: u64,
    /// Node GUID (host order).
    pub node_guid: u64,
    /// `enum ib_atomic_cap`: 0 none, 1 HCA, 2 global.
    pub atomic_cap: u32,
    /// Outstanding RDMA READ/atomics a QP accepts as responder.
    pub max_qp_rd_atom: u32,
    /// Outstanding RDMA READ/atomics a QP may issue.
    pub max_qp_init_rd_atom: u32,
    /// Pages per fast-registration MR.
    pub max_fast_reg_page_list_len: u32,
    /// Ports.
    pub phys_port_cnt: u32,
    /// Unused.
    pub reserved: u32,
}

/// `ALOCK_RDMA_WR_READ`.
pub const WR_READ: u32 = 0;
/// `ALOCK_RDMA_WR_WRITE`.
pub const WR_WRITE: u32 = 1;
/// `ALOCK_RDMA_WR_CAS`.
pub const WR_CAS: u32 = 2;
/// `ALOCK_RDMA_WR_FAA`.
pub const WR_FAA: u32 = 3;
/// `ALOCK_RDMA_CHAIN_MAX`: most work requests of one chain.
pub const CHAIN_MAX: usize = 4;

/// `struct alock_rdma_wr`: one work request of a chain.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawWr {
    /// Its completion record.
    pub op: *mut RawComp,
    /// Local DMA address (the data, or where an atomic's old value lands).
    pub laddr: u64,
    /// Remote address.
    pub raddr: u64,
    /// CAS: the expected value; FAA: the addend.
    pub compare_add: u64,
    /// CAS: the new value.
    pub swap: u64,
    /// READ/WRITE: bytes.
    pub len: u32,
    /// `WR_*`.
    pub opcode: u32,
    /// Whether it completes when it succeeds.
    pub signaled: u32,
    /// Unused.
    pub reserved: u32,
}

/// `struct alock_rdma_comp`: one posted work request's completion.
#[repr(C)]
pub struct RawComp {
    /// `struct ib_cqe` (its `done` function pointer, set by the shim).
    pub cqe: *const c_void,
    /// `enum ib_wc_status` of the completion.
    pub status: AtomicU32,
    /// Set to 1 with release order once the completion arrived.
    pub done: AtomicU32,
    /// Bytes received (receive completions).
    pub byte_len: AtomicU32,
    /// Unused.
    pub reserved: u32,
}

/// `struct alock_rdma_addr`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct RawAddr {
    /// `AF_INET` or `AF_INET6`.
    pub family: u16,
    /// Port, host byte order.
    pub port: u16,
    /// Address bytes, network order (IPv4 in the first four).
    pub addr: [u8; 16],
}

// The shim's functions: one kernel call each, documented in rdma_shim.c.
extern "C" {
    pub(super) fn alock_rdma_client_register() -> c_int;
    pub(super) fn alock_rdma_client_unregister();
    pub(super) fn alock_rdma_dev_info(dev: *mut ib_device, info: *mut DevInfo);

    pub(super) static alock_rdma_comp_layout: [usize; 4];
    pub(super) fn alock_rdma_comp_init(op: *mut RawComp);
    pub(super) fn alock_rdma_alloc_cq(dev: *mut ib_device, nr_cqe: c_int) -> *mut ib_cq;
    pub(super) fn alock_rdma_free_cq(cq: *mut ib_cq);
    pub(super) fn alock_rdma_poll(cq: *mut ib_cq) -> c_int;
    pub(super) fn alock_rdma_relax(may_yield: bool);

    pub(super) fn alock_rdma_alloc_pd(dev: *mut ib_device) -> *mut ib_pd;
    pub(super) fn alock_rdma_dealloc_pd(pd: *mut ib_pd);
    pub(super) fn alock_rdma_pd_lkey(pd: *mut ib_pd) -> u32;
    pub(super) fn alock_rdma_buf_new(dev: *mut ib_device, len: usize) -> *mut alock_rdma_buf;
    pub(super) fn alock_rdma_buf_free(b: *mut alock_rdma_buf);
    pub(super) fn alock_rdma_buf_unmap(b: *mut alock_rdma_buf);
    pub(super) fn alock_rdma_buf_virt(b: *mut alock_rdma_buf) -> *mut c_void;
    pub(super) fn alock_rdma_buf_dma(b: *mut alock_rdma_buf) -> u64;
    pub(super) fn alock_rdma_buf_sync(
        b: *mut alock_rdma_buf,
        off: usize,
        len: usize,
        for_cpu: bool,
    );
    pub(super) fn alock_rdma_mr_new(pd: *mut ib_pd, b: *mut alock_rdma_buf) -> *mut ib_mr;
    pub(super) fn alock_rdma_mr_free(mr: *mut ib_mr);
    pub(super) fn alock_rdma_mr_info(mr: *mut ib_mr, rkey: *mut u32, iova: *mut u64, len: *mut u64);

    pub(super) fn alock_rdma_create_id(ctx: *mut c_void) -> *mut rdma_cm_id;
    pub(super) fn alock_rdma_destroy_id(id: *mut rdma_cm_id);
    pub(super) fn alock_rdma_set_context(id: *mut rdma_cm_id, ctx: *mut c_void);
    pub(super) fn alock_rdma_id_device(id: *mut rdma_cm_id) -> *mut ib_device;
    pub(super) fn alock_rdma_id_qp(id: *mut rdma_cm_id) -> *mut ib_qp;
    pub(super) fn alock_rdma_id_peer_addr(id: *mut rdma_cm_id, a: *mut RawAddr);
    pub(super) fn alock_rdma_bind(id: *mut rdma_cm_id, a: *const RawAddr) -> c_int;
    pub(super) fn alock_rdma_listen(id: *mut rdma_cm_id, backlog: c_int) -> c_int;
    pub(super) fn alock_rdma_resolve_addr(
        id: *mut rdma_cm_id,
        src: *const RawAddr,
        dst: *const RawAddr,
        timeout_ms: c_int,
    ) -> c_int;
    pub(super) fn alock_rdma_resolve_route(id: *mut rdma_cm_id, timeout_ms: c_int) -> c_int;
    pub(super) fn alock_rdma_create_qp(
        id: *mut rdma_cm_id,
        pd: *mut ib_pd,
        cq: *mut ib_cq,
        send_wr: u32,
        recv_wr: u32,
        ack_timeout: u8,
    ) -> c_int;
    pub(super) fn alock_rdma_destroy_qp(id: *mut rdma_cm_id);
    pub(super) fn alock_rdma_destroy_qp_raw(qp: *mut ib_qp);
    pub(super) fn alock_rdma_connect_locked(
        id: *mut rdma_cm_id,
        pdata: *const c_void,
        plen: u8,
        depth: u8,
    ) -> c_int;
    pub(super) fn alock_rdma_accept(
        id: *mut rdma_cm_id,
        pdata: *const c_void,
        plen: u8,
        depth: u8,
    ) -> c_int;
    pub(super) fn alock_rdma_reject(id: *mut rdma_cm_id) -> c_int;
    pub(super) fn alock_rdma_disconnect(id: *mut rdma_cm_id) -> c_int;
    pub(super) fn alock_rdma_qp_error(qp: *mut ib_qp) -> c_int;
    pub(super) fn alock_rdma_drain_qp(qp: *mut ib_qp);

    pub(super) fn alock_rdma_post_rw(
        qp: *mut ib_qp,
        op: *mut RawComp,
        write: bool,
        laddr: u64,
        lkey: u32,
        len: u32,
        raddr: u64,
        rkey: u32,
    ) -> c_int;
    pub(super) fn alock_rdma_post_atomic(
        qp: *mut ib_qp,
        op: *mut RawComp,
        cas: bool,
        laddr: u64,
        lkey: u32,
        raddr: u64,
        rkey: u32,
        compare_add: u64,
        swap: u64,
    ) -> c_int;
    pub(super) static alock_rdma_wr_layout: [usize; 4];
    pub(super) fn alock_rdma_post_chain(
        qp: *mut ib_qp,
        wrs: *const RawWr,
        n: u32,
        lkey: u32,
        rkey: u32,
    ) -> c_int;
    pub(super) fn alock_rdma_post_send(
        qp: *mut ib_qp,
        op: *mut RawComp,
        laddr: u64,
        lkey: u32,
        len: u32,
    ) -> c_int;
    pub(super) fn alock_rdma_post_recv(
        qp: *mut ib_qp,
        op: *mut RawComp,
        laddr: u64,
        lkey: u32,
        len: u32,
    ) -> c_int;
    pub(super) fn alock_rdma_post_reg_mr(qp: *mut ib_qp, op: *mut RawComp, mr: *mut ib_mr)
        -> c_int;
}

/// `IB_WC_SUCCESS`.
pub const IB_WC_SUCCESS: u32 = 0;
/// `IB_WC_REM_INV_REQ_ERR`.
pub const IB_WC_REM_INV_REQ_ERR: u32 = 9;
/// `IB_WC_REM_ACCESS_ERR`.
pub const IB_WC_REM_ACCESS_ERR: u32 = 10;
/// `IB_WC_REM_OP_ERR`.
pub const IB_WC_REM_OP_ERR: u32 = 11;
/// `IB_WC_RETRY_EXC_ERR`.
pub const IB_WC_RETRY_EXC_ERR: u32 = 12;
/// `IB_WC_RNR_RETRY_EXC_ERR`.
pub const IB_WC_RNR_RETRY_EXC_ERR: u32 = 13;
/// `IB_WC_WR_FLUSH_ERR`.
pub const IB_WC_WR_FLUSH_ERR: u32 = 5;

/// `enum rdma_cm_event_type` values the module handles.
pub mod cm_event {
    /// `RDMA_CM_EVENT_ADDR_RESOLVED`.
    pub const ADDR_RESOLVED: i32 = 0;
    /// `RDMA_CM_EVENT_ADDR_ERROR`.
    pub const ADDR_ERROR: i32 = 1;
    /// `RDMA_CM_EVENT_ROUTE_RESOLVED`.
    pub const ROUTE_RESOLVED: i32 = 2;
    /// `RDMA_CM_EVENT_ROUTE_ERROR`.
    pub const ROUTE_ERROR: i32 = 3;
    /// `RDMA_CM_EVENT_CONNECT_REQUEST`.
    pub const CONNECT_REQUEST: i32 = 4;
    /// `RDMA_CM_EVENT_CONNECT_ERROR`.
    pub const CONNECT_ERROR: i32 = 6;
    /// `RDMA_CM_EVENT_UNREACHABLE`.
    pub const UNREACHABLE: i32 = 7;
    /// `RDMA_CM_EVENT_REJECTED`.
    pub const REJECTED: i32 = 8;
    /// `RDMA_CM_EVENT_ESTABLISHED`.
    pub const ESTABLISHED: i32 = 9;
    /// `RDMA_CM_EVENT_DISCONNECTED`.
    pub const DISCONNECTED: i32 = 10;
    /// `RDMA_CM_EVENT_DEVICE_REMOVAL`.
    pub const DEVICE_REMOVAL: i32 = 11;
    /// `RDMA_CM_EVENT_ADDR_CHANGE`.
    pub const ADDR_CHANGE: i32 = 14;
    /// `RDMA_CM_EVENT_TIMEWAIT_EXIT`.
    pub const TIMEWAIT_EXIT: i32 = 15;
}
