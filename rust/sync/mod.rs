// SPDX-License-Identifier: GPL-2.0

//! Locks and lock managers of the module.

pub mod lockmgr;
