// SPDX-License-Identifier: GPL-2.0

//! ALock, the asymmetric lock for RDMA systems (Nelson-Slivon, Tseng,
//! Palmieri), on the module's RDMA transport, as the locks of a
//! distributed lock table; with its competitors (RDMA spin and MCS locks
//! that use loopback for local threads).
//!
//! * [`table`]: the lock lines, the algorithm, the Rust API
//!   ([`table::table`], [`table::Table::handle`], [`table::Handle::lock`],
//!   [`table::Handle::lock_many`]).
//! * [`rpc`]: the RPC lock (a lock server on each key's home node).
//!
//! Front ends: [`crate::capi::dlock`] (C API), `ALOCK_IOC_TABLE` in
//! [`crate::chardev`]; the stress and benchmark command is
//! [`crate::harness::dlock`].
//!
//! Documentation: `Documentation/alock.rst`.

pub mod rpc;
pub mod table;
