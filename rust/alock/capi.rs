// SPDX-License-Identifier: GPL-2.0

//! C API of the distributed lock table (`include/linux/alock.h`,
//! "Distributed lock table"): a handle per thread, lock and unlock by
//! key, multi-key acquire.  Exported by `rust/alock_shim.c`.

use core::ffi::{c_int, c_uint};

use kernel::{prelude::*, sync::Arc};

use super::table::{table, unlock_all, Handle, Held, Kind, Table, MAX_HELD};
use crate::rdma::cluster::Wait;
use crate::rdma::verbs::errno;

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

fn err_ptr(e: Error) -> *mut DlHandle {
    // An ERR_PTR: the negative errno as a pointer value.
    e.to_errno() as isize as *mut DlHandle
}

/// C API: a handle on this node's lock table for the calling thread.
#[no_mangle]
pub extern "C" fn alock_dl_get(timeout_ms: c_uint) -> *mut DlHandle {
    let Some(t) = table() else {
        return err_ptr(ENOENT);
    };
    // SAFETY: The table lives in an `Arc` kept in the same `DlHandle` and
    // dropped after the handle (field order), so the reference outlives
    // every use; the `'static` lifetime never escapes the struct.
    let tref: &'static Table = unsafe { &*(&*t as *const Table) };
    let h = match tref.handle(Wait::Yield, timeout_ms) {
        Ok(h) => h,
        Err(e) => return err_ptr(e),
    };
    let held = match KVec::with_capacity(MAX_HELD, GFP_KERNEL) {
        Ok(v) => v,
        Err(_) => return err_ptr(ENOMEM),
    };
    match KBox::new(DlHandle { h, held, table: t }, GFP_KERNEL) {
        Ok(b) => KBox::into_raw(b),
        Err(_) => err_ptr(ENOMEM),
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
    if d.held.iter().any(|x| x.key() == key) {
        return edeadlk();
    }
    match d.h.lock(Kind::Alock, key) {
        Ok(x) => match d.held.push(x, GFP_KERNEL) {
            Ok(()) => 0,
            Err(_) => ENOMEM.to_errno(),
        },
        Err(e) => e.to_errno(),
    }
}

/// `EDEADLK`: the caller already holds the key.
fn edeadlk() -> c_int {
    errno(kernel::bindings::EDEADLK).to_errno()
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
    let Some(i) = d.held.iter().position(|x| x.key() == key) else {
        return ENOENT.to_errno();
    };
    // Keep the others: swap the one to release to the end and pop it.
    let n = d.held.len();
    d.held.swap(i, n - 1);
    let mut one = KVec::new();
    if let Some(x) = super::table::pop_last(&mut d.held) {
        if one.push(x, GFP_ATOMIC).is_err() {
            return ENOMEM.to_errno();
        }
    }
    match unlock_all(&mut d.h, &mut one) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
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
            while let Some(x) = super::table::pop_last(&mut got) {
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
