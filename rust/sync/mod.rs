// SPDX-License-Identifier: GPL-2.0

//! The module's locks, one algorithm per file.
//!
//! - [`lock`]: the generic spinning [`lock::Lock`] with guards and the
//!   [`lock::Backend`] trait the queue locks implement.
//! - [`ticket`]: ticket lock (FIFO baseline).
//! - [`mcs`]: MCS queue lock.
//! - [`abql`]: Anderson's array-based queue lock.
//! - [`mrlock`]: multi-resource lock (h-out-of-k) and its adaptive scheme.
//! - [`prwlock`]: passive reader-writer lock (reader fast paths in
//!   `rust/prwlock_fast.c`).
//! - [`brlock`]: big-reader lock (per-CPU spinlocks), prwlock's baseline.
//! - [`lockmgr`]: picotm-style lock manager (record reader/writer locks,
//!   transactions, exclusive mode, waiting queues).

pub mod abql;
pub mod brlock;
pub mod lock;
pub mod lockmgr;
pub mod mcs;
pub mod mrlock;
pub mod prwlock;
pub mod ticket;
