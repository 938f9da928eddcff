// SPDX-License-Identifier: GPL-2.0

//! C API of the distributed lock table (`include/linux/alock.h`,
//! "Distributed lock table"): a handle per thread, lock and unlock by
//! key, multi-key acquire, on [`DlHandle`] of [`crate::dlock`].
//! Exported by `exports.c`.

use core::ffi::{c_int, c_uint};

use kernel::prelude::*;

use crate::dlock::{DlHandle, Mode, MAX_HELD};

fn err_ptr(e: Error) -> *mut DlHandle {
    // An ERR_PTR: the negative errno as a pointer value.
    e.to_errno() as isize as *mut DlHandle
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

/// C API: acquires `key` and fetches its value into `value` (two
/// words); `*torn` (if not null) says whether it may be torn.
///
/// # Safety
///
/// As for `alock_dl_lock`; `value` points to two writable `u64`s, `torn`
/// is null or writable.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_lock_fetch(
    h: *mut DlHandle,
    key: u32,
    value: *mut u64,
    torn: *mut bool,
) -> c_int {
    if value.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: Guaranteed by the caller.
    let d = unsafe { &mut *h };
    match d.lock_value(key) {
        Ok((v, t)) => {
            // SAFETY: `value` has two elements, `torn` is null or valid
            // (caller).
            unsafe {
                value.write(v[0]);
                value.add(1).write(v[1]);
                if !torn.is_null() {
                    torn.write(t);
                }
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `ALOCK_DL_RW` of `include/linux/alock.h`.
const DL_RW: c_uint = 1 << 0;
/// `ALOCK_DL_SHARED`.
const DL_SHARED: c_uint = 1 << 1;
/// `ALOCK_DL_TRY`.
const DL_TRY: c_uint = 1 << 2;
/// Shared implies ALock-RW.
const DL_RW_SHARED: c_uint = DL_RW | DL_SHARED;

/// C API: acquires `key` as `flags` say (ALock, or ALock-RW exclusive or
/// shared; without waiting with `ALOCK_DL_TRY`), and fetches its value
/// into `value` and `torn` where they are not null.
///
/// # Safety
///
/// As for `alock_dl_lock`; `value` is null or points to two writable
/// `u64`s, `torn` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_lock_flags(
    h: *mut DlHandle,
    key: u32,
    flags: c_uint,
    value: *mut u64,
    torn: *mut bool,
) -> c_int {
    let mode = match flags & !DL_TRY {
        0 => Mode::Exclusive,
        DL_RW => Mode::RwExclusive,
        DL_SHARED | DL_RW_SHARED => Mode::Shared,
        _ => return EINVAL.to_errno(),
    };
    // SAFETY: Guaranteed by the caller.
    let d = unsafe { &mut *h };
    match d.lock_value_with(key, mode, flags & DL_TRY != 0) {
        Ok((v, t)) => {
            // SAFETY: `value` is null or has two elements, `torn` is null
            // or valid (caller).
            unsafe {
                if !value.is_null() {
                    value.write(v[0]);
                    value.add(1).write(v[1]);
                }
                if !torn.is_null() {
                    torn.write(t);
                }
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// C API: releases `key`, writing `value` (two words) back with the
/// release.
///
/// # Safety
///
/// As for `alock_dl_lock`; `value` points to two readable `u64`s.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_unlock_store(
    h: *mut DlHandle,
    key: u32,
    value: *const u64,
) -> c_int {
    if value.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: Guaranteed by the caller.
    let d = unsafe { &mut *h };
    // SAFETY: `value` has two elements (caller).
    let v = unsafe { [value.read(), value.add(1).read()] };
    d.unlock_store(key, Some(v))
        .map_or_else(|e| e.to_errno(), |()| 0)
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
    if n == 0 || n as usize > MAX_HELD - d.held() || keys.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: `keys` has `n` elements (caller).
    let ks = unsafe { core::slice::from_raw_parts_mut(keys, n as usize) };
    d.lock_many(ks).map_or_else(|e| e.to_errno(), |()| 0)
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
    d.unlock_all().map_or_else(|e| e.to_errno(), |()| 0)
}

/// C API: the table's number of keys.
///
/// # Safety
///
/// `h` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_keys(h: *mut DlHandle) -> u32 {
    // SAFETY: Guaranteed by the caller.
    unsafe { &*h }.table().keys()
}

/// C API: the home node of `key`.
///
/// # Safety
///
/// `h` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_home(h: *mut DlHandle, key: u32) -> u32 {
    // SAFETY: Guaranteed by the caller.
    unsafe { &*h }.table().home(key)
}

/// C API: this node's id.
///
/// # Safety
///
/// `h` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn alock_dl_node(h: *mut DlHandle) -> u32 {
    // SAFETY: Guaranteed by the caller.
    unsafe { &*h }.table().node()
}
