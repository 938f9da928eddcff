// SPDX-License-Identifier: GPL-2.0

//! prwlock: the passive reader-writer lock.  Everything is in [`raw`] for
//! now (this step only renames the file, to keep its history).

pub mod raw;

pub use raw::*;
