// SPDX-License-Identifier: GPL-2.0

//! Miscellaneous character devices (`struct miscdevice`).
//!
//! Linux 6.12's `kernel` crate has no abstraction for misc devices, so the
//! module carries its own, shaped like the one upstream gained later: a
//! [`MiscDevice`] trait with the file operations, and a
//! [`MiscDeviceRegistration`] that registers the device on creation and
//! deregisters it on drop.
//!
//! C header: [`include/linux/miscdevice.h`](srctree/include/linux/miscdevice.h)
//!
//! # Module lifetime
//!
//! The `file_operations` carry the module as their `owner`, so every open
//! file holds a reference on the module: `rmmod` is refused with `-EBUSY`
//! while `/dev/alock` is open, and the registration (which owns the
//! `file_operations`) can only be dropped once no file refers to it.

use core::marker::PhantomData;
use kernel::{
    bindings,
    error::{from_result, to_result},
    ffi::{c_int, c_long, c_uint, c_ulong},
    prelude::*,
    str::CStr,
    types::ForeignOwnable,
};

/// A misc device driver: what happens on `open`, `release` and `ioctl`.
pub trait MiscDevice: Sized {
    /// Per-open-file state, stored in `file->private_data`.
    type Ptr: ForeignOwnable + Send + Sync;

    /// Called on each `open(2)` of the device node.
    fn open() -> Result<Self::Ptr>;

    /// Called when the last reference to an open file goes away.
    fn release(device: Self::Ptr) {
        drop(device);
    }

    /// Handles `ioctl(2)`; `arg` is the raw (user pointer) argument.
    ///
    /// Unknown commands must return `ENOTTY`.
    fn ioctl(
        device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        cmd: u32,
        arg: usize,
    ) -> Result<isize>;
}

/// The C structures of a registration; boxed so their addresses are stable.
struct Inner {
    misc: bindings::miscdevice,
    fops: bindings::file_operations,
}

/// A registered misc device; deregistered when dropped.
pub struct MiscDeviceRegistration<T: MiscDevice> {
    inner: KBox<Inner>,
    _t: PhantomData<T>,
}

// SAFETY: The registration only holds C structures that the misc core
// accesses under its own lock; deregistration may happen on any thread.
unsafe impl<T: MiscDevice> Send for MiscDeviceRegistration<T> {}
// SAFETY: `&MiscDeviceRegistration` gives no access to the C structures.
unsafe impl<T: MiscDevice> Sync for MiscDeviceRegistration<T> {}

impl<T: MiscDevice> MiscDeviceRegistration<T> {
    /// Registers a misc device with a dynamic minor as `/dev/<name>`.
    ///
    /// `module` becomes the owner of the file operations, so open files
    /// pin the module.
    pub fn register(name: &'static CStr, module: &'static ThisModule) -> Result<Self> {
        let fops = bindings::file_operations {
            owner: module.as_ptr(),
            open: Some(open_callback::<T>),
            release: Some(release_callback::<T>),
            unlocked_ioctl: Some(ioctl_callback::<T>),
            // SAFETY: All-zero is a valid `file_operations` (no callbacks).
            ..unsafe { core::mem::zeroed() }
        };
        let mut inner = KBox::new(
            Inner {
                // SAFETY: All-zero is a valid, unregistered `miscdevice`.
                misc: unsafe { core::mem::zeroed() },
                fops,
            },
            GFP_KERNEL,
        )?;
        let i: &mut Inner = &mut inner;
        i.misc.minor = bindings::MISC_DYNAMIC_MINOR as c_int;
        i.misc.name = name.as_char_ptr();
        i.misc.fops = &i.fops;
        // SAFETY: `misc` is fully initialised, lives in a box that is not
        // freed before `misc_deregister` (see `Drop`; on failure here the
        // box is simply freed), and its `fops` point into the same box.
        to_result(unsafe { bindings::misc_register(&mut i.misc) })?;
        Ok(Self {
            inner,
            _t: PhantomData,
        })
    }

    /// The minor number the misc core assigned.
    pub fn minor(&self) -> i32 {
        self.inner.misc.minor
    }
}

impl<T: MiscDevice> Drop for MiscDeviceRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: Only constructed after a successful `misc_register` (the
        // error path of `register` never drops a `Self`).
        unsafe { bindings::misc_deregister(&mut self.inner.misc) };
    }
}

/// # Safety
///
/// Called by the VFS through `misc_open` with valid `inode` and `file`.
unsafe extern "C" fn open_callback<T: MiscDevice>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    match T::open() {
        Ok(ptr) => {
            // SAFETY: `file` is valid for the duration of the call and not
            // yet shared; `private_data` is ours to set.
            unsafe { (*file).private_data = ptr.into_foreign() as *mut _ };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the VFS once for each file that `open_callback` succeeded on.
unsafe extern "C" fn release_callback<T: MiscDevice>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `private_data` was set by `into_foreign` in `open_callback`
    // and is given back exactly once, here.
    let ptr = unsafe { T::Ptr::from_foreign((*file).private_data) };
    T::release(ptr);
    0
}

/// # Safety
///
/// Called by the VFS with a `file` opened through `open_callback`.
unsafe extern "C" fn ioctl_callback<T: MiscDevice>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: `private_data` holds the value of `into_foreign`, and the file
    // (so the value) stays alive for the whole call.
    let device = unsafe { T::Ptr::borrow((*file).private_data) };
    from_result(|| Ok(T::ioctl(device, cmd, arg)? as c_long))
}

// `unlocked_ioctl` passes the argument as `unsigned long`; we use `usize`.
const _: () = assert!(core::mem::size_of::<c_ulong>() == core::mem::size_of::<usize>());
