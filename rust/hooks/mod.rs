// SPDX-License-Identifier: GPL-2.0

//! Front ends that the kernel patches of `patches/` call into.  No uapi:
//! the ioctls that reach these are served in [`crate::chardev`].
//!
//! * [`mm`] with `prwlock_mm.c` (and `prwlock_mm.h`, the C functions
//!   `mm.rs` calls): prwlock as the mmap_lock of opted-in mms (patch 0004,
//!   `Documentation/prwlock-mm.rst`); registration at module init and the
//!   kernel-side operations (opt in, status, hold) behind `ALOCK_IOC_MM`,
//!   whose uapi side is `rust/chardev/mm.rs`.
//! * `prwlock_torture.c`: prwlock as a locktorture lock type (patch 0003),
//!   through the C API of `include/linux/prwlock.h` only.

pub mod mm;
