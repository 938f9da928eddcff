// SPDX-License-Identifier: GPL-2.0

//! Gaps of the 6.12 `kernel` crate that the module fills itself: kernel
//! thread groups, CPU masks and iterators, a misc device, small helpers.
//!
//! This is the bottom layer: it imports nothing from the rest of the crate
//! and knows nothing of the `/dev/alock` ABI.

pub mod cpu;
pub mod kthread;
pub mod miscdev;
pub mod util;
