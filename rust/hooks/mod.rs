// SPDX-License-Identifier: GPL-2.0

//! Front ends that the kernel patches of `patches/` call into.
//!
//! * [`mm`] with `prwlock_mm.c`: prwlock as the mmap_lock of opted-in mms
//!   (patch 0004, `Documentation/prwlock-mm.rst`).
//! * `prwlock_torture.c`: prwlock as a locktorture lock type (patch 0003).

pub mod mm;
