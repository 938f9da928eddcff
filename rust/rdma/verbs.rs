// SPDX-License-Identifier: GPL-2.0

//! Owned ib_core objects: protection domain, completion queue, DMA-mapped
//! memory, fast-registration memory region, queue pair, and the completion
//! records of posted work requests.
//!
//! Each type owns one kernel object and frees it in `Drop`; the order in
//! which they must go (QP before the MR and CQ it uses, everything before
//! the PD) is kept by their owners (`cluster.rs`).

use core::cell::UnsafeCell;
use core::ptr::NonNull;
use core::sync::atomic::Ordering;

use kernel::{bindings, error::from_err_ptr, prelude::*};

use super::ffi::{self, RawComp};
use crate::support::util::errno;

/// Converts a C `ERR_PTR`/pointer return into a `NonNull`.
fn nonnull<T>(p: *mut T) -> Result<NonNull<T>> {
    let p = from_err_ptr(p)?;
    NonNull::new(p).ok_or(ENOMEM)
}

/// Converts a C return code (0 or a negative errno).
pub(crate) fn check(ret: core::ffi::c_int) -> Result {
    if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        Ok(())
    }
}

/// An RDMA device found by the module's `ib_client`.
///
/// Not reference counted: ib_core keeps it alive until the client's
/// `remove` callback for it has returned, and that callback tears down
/// everything the module built on it (`membership::alock_rdma_dev_removed`,
/// `cluster::Cluster::shutdown`): QPs, MRs, CQs and PDs are
/// freed and every [`DmaBuf`] unmapped, so what outlives the callback (a
/// cluster or peer still referenced by the lock table or an ioctl) holds
/// only memory and never uses the device again.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Device(NonNull<ffi::ib_device>);

// SAFETY: An `ib_device` may be used from any thread; this is a pointer.
unsafe impl Send for Device {}
// SAFETY: As above.
unsafe impl Sync for Device {}

impl Device {
    /// Wraps a device pointer that ib_core handed to the module.
    ///
    /// # Safety
    ///
    /// `p` is a registered device, valid until the client's `remove`
    /// callback for it.
    pub unsafe fn from_raw(p: *mut ffi::ib_device) -> Option<Self> {
        NonNull::new(p).map(Self)
    }

    /// The C pointer.
    pub fn as_ptr(&self) -> *mut ffi::ib_device {
        self.0.as_ptr()
    }

    /// Name and capabilities.
    pub fn info(&self) -> ffi::DevInfo {
        let mut info = core::mem::MaybeUninit::<ffi::DevInfo>::uninit();
        // SAFETY: The device is valid (type invariant); the shim fills
        // every field of `info`.
        unsafe {
            ffi::alock_rdma_dev_info(self.as_ptr(), info.as_mut_ptr());
            info.assume_init()
        }
    }
}

/// A protection domain.
pub struct Pd {
    pd: NonNull<ffi::ib_pd>,
}

// SAFETY: PDs may be used and freed from any thread.
unsafe impl Send for Pd {}
// SAFETY: As above; `&Pd` only reads the local DMA key.
unsafe impl Sync for Pd {}

impl Pd {
    /// Allocates a PD on `dev`.
    pub fn new(dev: Device) -> Result<Self> {
        // SAFETY: `dev` is a registered device.
        let pd = nonnull(unsafe { ffi::alock_rdma_alloc_pd(dev.as_ptr()) })?;
        Ok(Self { pd })
    }

    /// The C pointer.
    pub fn as_ptr(&self) -> *mut ffi::ib_pd {
        self.pd.as_ptr()
    }

    /// The PD's local DMA lkey (any DMA address mapped for the device).
    pub fn lkey(&self) -> u32 {
        // SAFETY: The PD is valid.
        unsafe { ffi::alock_rdma_pd_lkey(self.as_ptr()) }
    }
}

impl Drop for Pd {
    fn drop(&mut self) {
        // SAFETY: Every object allocated on the PD is gone (the owners'
        // teardown order), so it may be freed.
        unsafe { ffi::alock_rdma_dealloc_pd(self.as_ptr()) };
    }
}

/// A completion queue polled directly by the waiters (`IB_POLL_DIRECT`).
pub struct Cq {
    cq: NonNull<ffi::ib_cq>,
}

// SAFETY: `ib_poll_cq` is serialised by the driver, so `poll` may run on
// several CPUs; the CQ may be freed from any thread.
unsafe impl Send for Cq {}
// SAFETY: As above.
unsafe impl Sync for Cq {}

impl Cq {
    /// Allocates a CQ of `entries` on `dev`.
    pub fn new(dev: Device, entries: u32) -> Result<Self> {
        // SAFETY: `dev` is a registered device.
        let cq = nonnull(unsafe { ffi::alock_rdma_alloc_cq(dev.as_ptr(), entries as i32) })?;
        Ok(Self { cq })
    }

    /// The C pointer.
    pub fn as_ptr(&self) -> *mut ffi::ib_cq {
        self.cq.as_ptr()
    }

    /// Reaps completions (at most 8) and marks their records done; returns
    /// how many.  Never sleeps.
    pub fn poll(&self) -> i32 {
        // SAFETY: The CQ is valid; every WR posted on a QP of this CQ
        // carries a `Comp` that outlives its completion (owners' rule).
        unsafe { ffi::alock_rdma_poll(self.as_ptr()) }
    }
}

impl Drop for Cq {
    fn drop(&mut self) {
        // SAFETY: No QP uses the CQ any more (owners' teardown order).
        unsafe { ffi::alock_rdma_free_cq(self.as_ptr()) };
    }
}

/// Zeroed, physically contiguous kernel memory mapped for DMA by a device.
pub struct DmaBuf {
    buf: NonNull<ffi::alock_rdma_buf>,
    virt: NonNull<u8>,
    dma: u64,
    len: usize,
}

// SAFETY: The memory is shared with the device; concurrent CPU access goes
// through atomics or the documented volatile accessors.
unsafe impl Send for DmaBuf {}
// SAFETY: As above.
unsafe impl Sync for DmaBuf {}

impl DmaBuf {
    /// Allocates `len` bytes (at most `KMALLOC_MAX_SIZE`) mapped for `dev`.
    pub fn new(dev: Device, len: usize) -> Result<Self> {
        // SAFETY: `dev` is a registered device.
        let buf = nonnull(unsafe { ffi::alock_rdma_buf_new(dev.as_ptr(), len) })?;
        // SAFETY: `buf` is a valid, mapped buffer.
        let (virt, dma) = unsafe {
            (
                ffi::alock_rdma_buf_virt(buf.as_ptr()).cast::<u8>(),
                ffi::alock_rdma_buf_dma(buf.as_ptr()),
            )
        };
        Ok(Self {
            buf,
            virt: NonNull::new(virt).ok_or(ENOMEM)?,
            dma,
            len,
        })
    }

    /// The shim's object.
    pub fn as_ptr(&self) -> *mut ffi::alock_rdma_buf {
        self.buf.as_ptr()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer is empty (never: `new` rejects 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Unmaps the buffer for its device; idempotent.  Afterwards the
    /// device may no longer read or write the memory (and must not be
    /// given its DMA addresses: the caller destroyed every QP and MR that
    /// used it first), while the CPU still may, through every accessor
    /// here, until the buffer is dropped; `sync_for_cpu` and
    /// `sync_for_device` do nothing any more.  Once it returns nothing
    /// uses the device for this buffer (a sync in progress has ended), so
    /// it may go away.  Process context: it sleeps (an RCU grace period).
    /// The shim serialises unmaps and waits for syncs in progress, so
    /// concurrent calls through other `&self`s are sound.
    pub fn unmap(&self) {
        // SAFETY: The buffer is valid (owned by `self`); its memory stays
        // allocated until `Drop`, so the CPU accessors stay valid.
        unsafe { ffi::alock_rdma_buf_unmap(self.as_ptr()) };
    }

    /// DMA address of byte `off`.
    pub fn dma(&self, off: usize) -> u64 {
        self.dma + off as u64
    }

    /// Kernel address of byte `off`.
    pub fn virt(&self, off: usize) -> *mut u8 {
        self.virt.as_ptr().wrapping_add(off)
    }

    /// The 8-byte word at byte `off` (8-aligned, in bounds) as an atomic.
    pub fn word(&self, off: usize) -> &core::sync::atomic::AtomicU64 {
        assert!(off % 8 == 0 && off + 8 <= self.len);
        // SAFETY: In bounds and 8-aligned (kmalloc memory is), lives as
        // long as `self`; every CPU access to the buffer is atomic or
        // through `read`/`write` below (volatile).
        unsafe { &*self.virt(off).cast::<core::sync::atomic::AtomicU64>() }
    }

    /// Makes device writes to `[off, off+len)` visible to the CPU
    /// (nothing once [`DmaBuf::unmap`]ped).  Never sleeps.
    pub fn sync_for_cpu(&self, off: usize, len: usize) {
        // SAFETY: The range is in the buffer (callers check); the shim
        // reads the device under RCU and skips the sync once unmapped.
        unsafe { ffi::alock_rdma_buf_sync(self.as_ptr(), off, len, true) };
    }

    /// Makes CPU writes to `[off, off+len)` visible to the device
    /// (nothing once [`DmaBuf::unmap`]ped).  Never sleeps.
    pub fn sync_for_device(&self, off: usize, len: usize) {
        // SAFETY: As above.
        unsafe { ffi::alock_rdma_buf_sync(self.as_ptr(), off, len, false) };
    }

    /// Copies `dst.len()` bytes from byte `off` (in bounds) to `dst`.
    ///
    /// Not atomic with concurrent device or CPU writes: the copy may tear.
    pub fn read(&self, off: usize, dst: &mut [u8]) -> Result {
        let end = off.checked_add(dst.len()).ok_or(EINVAL)?;
        if end > self.len {
            return Err(EINVAL);
        }
        self.sync_for_cpu(off, dst.len());
        // Volatile byte loads (READ_ONCE): the NIC (rxe: a `memcpy` on
        // another CPU) and other CPUs' atomics (`word`) may write the
        // range at the same time; a plain copy would be a data race.
        for (i, b) in dst.iter_mut().enumerate() {
            // SAFETY: `off + i` is in bounds (checked above), and every
            // concurrent access to the byte is atomic, volatile or DMA.
            *b = unsafe { self.virt(off + i).read_volatile() };
        }
        Ok(())
    }

    /// Copies `src` to byte `off` (in bounds); may tear like `read`.
    pub fn write(&self, off: usize, src: &[u8]) -> Result {
        let end = off.checked_add(src.len()).ok_or(EINVAL)?;
        if end > self.len {
            return Err(EINVAL);
        }
        // Volatile byte stores (WRITE_ONCE): the NIC may read or write
        // the range, and other CPUs access it, at the same time.
        for (i, &b) in src.iter().enumerate() {
            // SAFETY: `off + i` is in bounds (checked above), and every
            // concurrent access to the byte is atomic, volatile or DMA.
            unsafe { self.virt(off + i).write_volatile(b) };
        }
        self.sync_for_device(off, src.len());
        Ok(())
    }
}

/// A buffer still mapped when it drops is one whose device is still there:
/// the owners unmap theirs before the device's remove callback returns
/// (`Cluster::shutdown`, `Peer::teardown`).
impl Drop for DmaBuf {
    fn drop(&mut self) {
        // SAFETY: No work request refers to the buffer any more (owners'
        // teardown order), nothing else reaches it (`&mut self`); no sleep.
        unsafe { ffi::alock_rdma_buf_free(self.as_ptr()) };
    }
}

/// A fast-registration memory region over a whole `DmaBuf`, registered
/// for remote read, write and atomics by a REG_MR work request
/// (`IB_PD_UNSAFE_GLOBAL_RKEY` would grant no atomics).
pub struct Mr {
    mr: NonNull<ffi::ib_mr>,
    rkey: u32,
    iova: u64,
    len: u64,
}

// SAFETY: MRs may be used and freed from any thread.
unsafe impl Send for Mr {}
// SAFETY: `&Mr` only reads the keys.
unsafe impl Sync for Mr {}

impl Mr {
    /// Allocates an MR on `pd` and maps all of `buf` into it.  The caller
    /// keeps `buf` alive for as long as the MR is registered.
    pub fn new(pd: &Pd, buf: &DmaBuf) -> Result<Self> {
        // SAFETY: `pd` and `buf` are valid.
        let mr = nonnull(unsafe { ffi::alock_rdma_mr_new(pd.as_ptr(), buf.as_ptr()) })?;
        let (mut rkey, mut iova, mut len) = (0u32, 0u64, 0u64);
        // SAFETY: `mr` is valid; the out pointers are.
        unsafe { ffi::alock_rdma_mr_info(mr.as_ptr(), &mut rkey, &mut iova, &mut len) };
        Ok(Self {
            mr,
            rkey,
            iova,
            len,
        })
    }

    /// The C pointer.
    pub fn as_ptr(&self) -> *mut ffi::ib_mr {
        self.mr.as_ptr()
    }

    /// Remote key a peer uses.
    pub fn rkey(&self) -> u32 {
        self.rkey
    }

    /// I/O virtual address of the first byte.
    pub fn iova(&self) -> u64 {
        self.iova
    }

    /// Registered length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the region is empty (never).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for Mr {
    fn drop(&mut self) {
        // SAFETY: The QP that registered it is destroyed (owners' order).
        unsafe { ffi::alock_rdma_mr_free(self.as_ptr()) };
    }
}

/// A queue pair whose `rdma_cm_id` is already destroyed: owned alone.
pub struct Qp {
    qp: NonNull<ffi::ib_qp>,
}

impl Qp {
    /// Takes ownership of a QP created with `rdma_create_qp`.
    ///
    /// # Safety
    ///
    /// The cm_id the QP was created on is destroyed, and nothing else will
    /// destroy the QP.
    pub unsafe fn from_raw(qp: *mut ffi::ib_qp) -> Option<Self> {
        NonNull::new(qp).map(|qp| Self { qp })
    }
}

impl Drop for Qp {
    fn drop(&mut self) {
        // SAFETY: We own the QP (constructor's contract).  Draining moves
        // it to the error state and waits for every posted WR to complete
        // (their `Comp`s are still alive: owners' rule), then it is freed.
        unsafe {
            ffi::alock_rdma_drain_qp(self.qp.as_ptr());
            ffi::alock_rdma_destroy_qp_raw(self.qp.as_ptr());
        }
    }
}

/// The completion record of one work request at a time.
///
/// The shim's `->done` callback writes the status and then sets `done`
/// with release order; `wait` reads it with acquire order.
pub struct Comp(UnsafeCell<RawComp>);

// SAFETY: The fields the callback writes are atomics; `cqe` is written
// only by `reset`, which callers run before posting, never concurrently.
unsafe impl Sync for Comp {}
// SAFETY: As above.
unsafe impl Send for Comp {}

impl Comp {
    /// A record, not yet usable (call `reset` before each post).
    pub const fn new() -> Self {
        Self(UnsafeCell::new(RawComp {
            cqe: core::ptr::null(),
            status: core::sync::atomic::AtomicU32::new(0),
            done: core::sync::atomic::AtomicU32::new(0),
            byte_len: core::sync::atomic::AtomicU32::new(0),
            reserved: 0,
        }))
    }

    /// The C pointer (for posting).
    pub fn as_ptr(&self) -> *mut RawComp {
        self.0.get()
    }

    /// Prepares the record for one new work request.
    pub fn reset(&self) {
        // SAFETY: No work request using this record is outstanding (the
        // caller's slot protocol), so nothing writes it concurrently.
        unsafe { ffi::alock_rdma_comp_init(self.as_ptr()) };
    }

    fn raw(&self) -> &RawComp {
        // SAFETY: Shared access to the atomics only.
        unsafe { &*self.0.get() }
    }

    /// Whether the completion arrived.
    pub fn is_done(&self) -> bool {
        self.raw().done.load(Ordering::Acquire) != 0
    }

    /// `enum ib_wc_status` of the completion (after `is_done`).
    pub fn status(&self) -> u32 {
        self.raw().status.load(Ordering::Relaxed)
    }

    /// Bytes received (receive completions, after `is_done`).
    pub fn byte_len(&self) -> u32 {
        self.raw().byte_len.load(Ordering::Relaxed)
    }
}

impl Default for Comp {
    fn default() -> Self {
        Self::new()
    }
}

/// Checks that `RawComp` and `RawWr` match the shim's `struct
/// alock_rdma_comp` and `struct alock_rdma_wr`.
pub fn check_layout() -> Result {
    // SAFETY: A constant array in the shim.
    let l = unsafe { &ffi::alock_rdma_comp_layout };
    // SAFETY: As above.
    let w = unsafe { &ffi::alock_rdma_wr_layout };
    let ok = l[0] == core::mem::size_of::<RawComp>()
        && l[1] == core::mem::offset_of!(RawComp, status)
        && l[2] == core::mem::offset_of!(RawComp, done)
        && l[3] == core::mem::offset_of!(RawComp, byte_len)
        && w[0] == core::mem::size_of::<ffi::RawWr>()
        && w[1] == core::mem::offset_of!(ffi::RawWr, laddr)
        && w[2] == core::mem::offset_of!(ffi::RawWr, len)
        && w[3] == core::mem::offset_of!(ffi::RawWr, signaled);
    if ok {
        Ok(())
    } else {
        pr_err!("rdma: struct alock_rdma_comp or alock_rdma_wr layout mismatch\n");
        Err(EINVAL)
    }
}

/// Maps a completion status to an errno: a lost peer (`ETIMEDOUT`), a
/// flushed request on a connection being torn down (`ECONNRESET`), a
/// remote refusal (`EREMOTEIO`), anything else `EIO`.
pub fn wc_error(status: u32) -> Error {
    match status {
        ffi::IB_WC_RETRY_EXC_ERR | ffi::IB_WC_RNR_RETRY_EXC_ERR => errno(bindings::ETIMEDOUT),
        ffi::IB_WC_WR_FLUSH_ERR => errno(bindings::ECONNRESET),
        ffi::IB_WC_REM_ACCESS_ERR | ffi::IB_WC_REM_OP_ERR | ffi::IB_WC_REM_INV_REQ_ERR => {
            errno(bindings::EREMOTEIO)
        }
        _ => EIO,
    }
}
