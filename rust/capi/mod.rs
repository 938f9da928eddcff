// SPDX-License-Identifier: GPL-2.0

//! The C API of `include/linux/alock.h`, for C kernel code.
//!
//! * [`queue`]: ticket, MCS, ABQL and the multi-resource lock.
//! * [`dlock`]: the distributed lock table (on [`crate::dlock::DlHandle`];
//!   the keys a `/dev/alock` file holds are in [`crate::chardev::table`]).
//! * `exports.c`: the `EXPORT_SYMBOL_GPL` of every function defined here
//!   (a Rust function cannot be exported from Rust in 6.12).
//!
//! prwlock's C API (`include/linux/prwlock.h`) lives with the lock, in
//! [`crate::sync::prwlock`].

pub mod dlock;
pub mod queue;
