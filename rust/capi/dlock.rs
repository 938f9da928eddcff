// SPDX-License-Identifier: GPL-2.0

//! C API of the distributed lock table (`include/linux/alock.h`,
//! "Distributed lock table"): a handle per thread, lock and unlock by
//! key, multi-key acquire.  Exported by `rust/alock_shim.c`.

use core::ffi::{c_int, c_uint};

use kernel::{prelude::*, sync::Arc};

use crate::dlock::table::{table, unlock_all, Handle, Held, Kind, Table, MAX_HELD};
use crate::rdma::Wait;
use crate::support::util::errno;

/// What `struct alock_dl *` points to.
pub struct DlHandle {
    // Declared before `table`: dropped first, while the table it borrows
    // is still alive.
    h: Handle<'static>,
    held: KVec<Held>,
    table: Arc<Table>,
}

impl Drop for DlHandle {
    fn drop(&mut self) {
        let _ = unlock_all(&mut self.h, &mut self.held);
    }
}

/// `EDEADLK`: the caller already holds the key.
fn edeadlk() -> c_int {
    errno(kernel::bindings::EDEADLK).to_errno()
}

/// The lock table as seen from one open `/dev/alock` file: keys locked
/// with `ALOCK_IOC_DLOCK_LOCK` stay held until `ALOCK_IOC_DLOCK_UNLOCK` or
/// until the file is closed.  One ioctl at a time per file (`EBUSY`).
pub struct UserLocks {
    h: core::sync::atomic::AtomicPtr<DlHandle>,
    busy: core::sync::atomic::AtomicBool,
}

impl UserLocks {
    /// No handle yet (made by the first lock).
    pub const fn new() -> Self {
        Self {
            h: core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()),
            busy: core::sync::atomic::AtomicBool::new(false),
        }
    }

    /// `ALOCK_IOC_DLOCK_LOCK` (`lock`) and `ALOCK_IOC_DLOCK_UNLOCK`.
    pub fn ioctl(&self, a: &mut crate::uapi::AlockDlockKey, lock: bool) -> Result {
        use core::sync::atomic::Ordering::{AcqRel, Acquire, Release};
        if a.flags != 0 || a.reserved != 0 {
            return Err(EINVAL);
        }
        if self.busy.swap(true, AcqRel) {
            return Err(EBUSY);
        }
        let r = (|| {
            let mut p = self.h.load(Acquire);
            if p.is_null() {
                if !lock {
                    return Err(ENOENT);
                }
                p = KBox::into_raw(DlHandle::new(a.timeout_ms)?);
                self.h.store(p, Release);
            }
            // SAFETY: `p` came from `KBox::into_raw` and is only used by
            // the holder of `busy`.
            let d = unsafe { &mut *p };
            if a.key >= d.table().keys() {
                return Err(EINVAL);
            }
            a.home = d.table().home(a.key);
            let t0 = crate::support::util::now_ns();
            if lock {
                d.lock(a.key)?;
            } else {
                d.unlock(a.key)?;
            }
            a.latency_ns = (crate::support::util::now_ns() - t0) as u64;
            Ok(())
        })();
        self.busy.store(false, Release);
        r
    }
}

impl Default for UserLocks {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for UserLocks {
    fn drop(&mut self) {
        let p = *self.h.get_mut();
        if !p.is_null() {
            // SAFETY: From `KBox::into_raw`; the file is being released,
            // nothing uses it.  Dropping releases the keys still held.
            drop(unsafe { KBox::from_raw(p) });
        }
    }
}

fn err_ptr(e: Error) -> *mut DlHandle {
    // An ERR_PTR: the negative errno as a pointer value.
    e.to_errno() as isize as *mut DlHandle
}

impl DlHandle {
    /// A handle on this node's lock table (`ENOENT` without one), with
    /// `timeout_ms` for each wait (0: the default).
    pub fn new(timeout_ms: u32) -> Result<KBox<Self>> {
        let t = table().ok_or(ENOENT)?;
        // SAFETY: The table lives in an `Arc` kept in the same `DlHandle`
        // and dropped after the handle (field order), so the reference
        // outlives every use; the `'static` lifetime never escapes.
        let tref: &'static Table = unsafe { &*(&*t as *const Table) };
        let h = tref.handle(Wait::Yield, timeout_ms)?;
        let held = KVec::with_capacity(MAX_HELD, GFP_KERNEL)?;
        Ok(KBox::new(DlHandle { h, held, table: t }, GFP_KERNEL)?)
    }

    /// Acquires `key` with ALock; `EDEADLK` if this handle holds it.
    pub fn lock(&mut self, key: u32) -> Result {
        if self.held.iter().any(|x| x.key() == key) {
            return Err(errno(kernel::bindings::EDEADLK));
        }
        let x = self.h.lock(Kind::Alock, key)?;
        self.held.push(x, GFP_KERNEL)?;
        Ok(())
    }

    /// Releases `key`; `ENOENT` if this handle does not hold it.
    pub fn unlock(&mut self, key: u32) -> Result {
        let i = self
            .held
            .iter()
            .position(|x| x.key() == key)
            .ok_or(ENOENT)?;
        // Keep the others: move the one to release to the end, take it.
        let n = self.held.len();
        self.held.swap(i, n - 1);
        let mut one = KVec::with_capacity(1, GFP_KERNEL)?;
        if let Some(x) = crate::dlock::table::pop_last(&mut self.held) {
            one.push(x, GFP_KERNEL)?;
        }
        unlock_all(&mut self.h, &mut one)
    }

    /// The table.
    pub fn table(&self) -> &Table {
        &self.table
    }
}

/// C API: a handle on this node's lock table for the calling thread.
#[no_mangle]
pub extern "C" fn alock_dl_get(timeout_ms: c_uint) -> *mut DlHandle {
    match DlHandle::new(timeout_ms) {
        Ok(b) => KBox::into_raw(b),
        Err(e) => err_ptr(e),
    }
}

/// C API: releases the locks still held and frees the handle.
///
/// # Safety
///
/// `h` came from `alock_dl_get` and is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_put(h: *mut DlHandle) {
    // SAFETY: Guaranteed by the caller.
    drop(unsafe { KBox::from_raw(h) });
}

/// C API: acquires `key` with ALock.
///
/// # Safety
///
/// `h` is a live handle used by one thread at a time.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_lock(h: *mut DlHandle, key: u32) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let d = unsafe { &mut *h };
    d.lock(key).map_or_else(|e| e.to_errno(), |()| 0)
}

/// C API: releases `key`.
///
/// # Safety
///
/// As for `alock_dl_lock`.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_unlock(h: *mut DlHandle, key: u32) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let d = unsafe { &mut *h };
    d.unlock(key).map_or_else(|e| e.to_errno(), |()| 0)
}

/// C API: acquires `n` keys (sorted in place, duplicates taken once) in
/// ascending order; on failure none is held.
///
/// # Safety
///
/// As for `alock_dl_lock`; `keys` points to `n` writable keys.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_lock_many(h: *mut DlHandle, keys: *mut u32, n: c_uint) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let d = unsafe { &mut *h };
    if n == 0 || n as usize > MAX_HELD - d.held.len() || keys.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: `keys` has `n` elements (caller).
    let ks = unsafe { core::slice::from_raw_parts_mut(keys, n as usize) };
    if ks.iter().any(|k| d.held.iter().any(|x| x.key() == *k)) {
        return edeadlk();
    }
    let mut got = KVec::new();
    match d.h.lock_many(Kind::Alock, ks, &mut got) {
        Ok(()) => {
            while let Some(x) = crate::dlock::table::pop_last(&mut got) {
                if d.held.push(x, GFP_KERNEL).is_err() {
                    return ENOMEM.to_errno();
                }
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// C API: releases every key the handle holds.
///
/// # Safety
///
/// As for `alock_dl_lock`.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_unlock_all(h: *mut DlHandle) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let d = unsafe { &mut *h };
    match unlock_all(&mut d.h, &mut d.held) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// C API: the table's number of keys.
///
/// # Safety
///
/// `h` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_keys(h: *mut DlHandle) -> u32 {
    // SAFETY: Guaranteed by the caller.
    unsafe { &*h }.table.keys()
}

/// C API: the home node of `key`.
///
/// # Safety
///
/// `h` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_home(h: *mut DlHandle, key: u32) -> u32 {
    // SAFETY: Guaranteed by the caller.
    unsafe { &*h }.table.home(key)
}

/// C API: this node's id.
///
/// # Safety
///
/// `h` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_node(h: *mut DlHandle) -> u32 {
    // SAFETY: Guaranteed by the caller.
    unsafe { &*h }.table.node()
}
