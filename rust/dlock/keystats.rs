// SPDX-License-Identifier: GPL-2.0

//! Per-key counters of the lock table on this node, for
//! `/sys/kernel/debug/alock/table` ([`super::observe`] counts and shows
//! them; [`super::table::Table`] owns them).

use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;

/// Counters of one key on this node (its own threads' acquisitions),
/// counted only while statistics are enabled: the line is written by
/// every thread of this node that takes the key.
#[repr(align(64))]
#[derive(Default)]
pub struct KeyStats {
    local: AtomicU64,
    remote: AtomicU64,
    handoffs: AtomicU64,
    contended: AtomicU64,
}

impl KeyStats {
    /// Counts one acquisition of the key: on a `local` key or not, handed
    /// over by a predecessor or not, after a wait or not.
    pub fn count(&self, local: bool, handoff: bool, waited: bool) {
        let c = if local { &self.local } else { &self.remote };
        c.fetch_add(1, Relaxed);
        if handoff {
            self.handoffs.fetch_add(1, Relaxed);
        }
        if waited {
            self.contended.fetch_add(1, Relaxed);
        }
    }

    /// Writes the row of key `k` (homed on `home`), unless it was never
    /// taken here.
    pub fn write_row(&self, s: &mut impl Write, k: u32, home: u32) -> core::fmt::Result {
        let (l, r) = (self.local.load(Relaxed), self.remote.load(Relaxed));
        if l == 0 && r == 0 {
            return Ok(());
        }
        writeln!(
            s,
            "key{} home={} local={} remote={} handoffs={} contended={}",
            k,
            home,
            l,
            r,
            self.handoffs.load(Relaxed),
            self.contended.load(Relaxed)
        )
    }
}

/// The per-key counters of a new table.
pub fn key_stats(keys: u32) -> Result<KVec<KeyStats>> {
    crate::support::util::kvec_from_fn(keys as usize, KeyStats::default)
}
