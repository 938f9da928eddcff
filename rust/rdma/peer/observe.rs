// SPDX-License-Identifier: GPL-2.0

//! What a connection shows the kernel's tools: its verbs by kind and the
//! round trip of each signalled post in a log2 histogram
//! (`/sys/kernel/debug/alock/rdma`, one row per connection), each
//! completion as `alock:alock_rdma_verb` (errors included: `status`), and
//! each state change as `alock:alock_rdma_peer_state`.
//!
//! Counting is on the verbs' slow path (a completion polled for after a
//! round trip of microseconds): atomics on the connection's own lines.

use core::ffi::{c_int, c_void};
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::bindings;

use super::Peer;
use crate::support::hist::AtomicHist;
use crate::support::stats::{write_hist, Seq};
use crate::support::trace::{self, Verb as TVerb};

/// Names of the verb kinds, indexed by [`TVerb`].
const VERB_NAMES: [&str; 6] = ["reads", "writes", "cas", "faa", "sends", "chains"];

/// A connection's counters.
pub(super) struct PeerCounters {
    /// Completed signalled posts by kind (a chain counts once, in
    /// `chains`, with its verbs in `chained`).
    verbs: [AtomicU64; 6],
    /// Verbs posted in chains.
    chained: AtomicU64,
    /// Round trip of each signalled post, ns.
    rtt: AtomicHist,
}

impl PeerCounters {
    /// Nothing counted.
    pub(super) const fn new() -> Self {
        Self {
            verbs: [const { AtomicU64::new(0) }; 6],
            chained: AtomicU64::new(0),
            rtt: AtomicHist::new(),
        }
    }
}

impl Peer {
    /// A signalled post of `nr` verbs of kind `v` completed with `status`
    /// (0 or a negative errno) after `ns`.
    pub(super) fn observe_completion(&self, v: TVerb, nr: u32, status: i32, ns: i64) {
        let ns = ns.max(0) as u64;
        if status == 0 {
            self.counters.verbs[v as usize].fetch_add(1, Relaxed);
            if v == TVerb::Chain {
                self.counters.chained.fetch_add(u64::from(nr), Relaxed);
            }
            self.counters.rtt.record(ns);
        }
        trace::rdma_verb_event(self.node, v, nr, status, ns);
    }

    /// A detached verb of kind `v` was collected with `status`, `ns`
    /// after its post (an upper bound on its round trip: not recorded in
    /// the histogram).
    pub(super) fn observe_detached(&self, v: TVerb, status: i32, ns: i64) {
        if status == 0 {
            self.counters.verbs[v as usize].fetch_add(1, Relaxed);
        }
        trace::rdma_verb_event(self.node, v, 1, status, ns.max(0) as u64);
    }

    /// The connection went from state `old` to `new` (the `S_*` values of
    /// `peer/mod.rs`); `err` why, for a failure.
    pub(super) fn observe_state(&self, old: u32, new: u32, err: i32) {
        trace::rdma_peer_state_event(self.node, old, new, err);
    }

    fn write_row(&self, s: &mut Seq, passive_loop: bool) -> core::fmt::Result {
        let st = self.status();
        let state = match st.state {
            super::PeerState::Up => "up",
            super::PeerState::Connecting => "connecting",
            super::PeerState::Failed => "failed",
            super::PeerState::Closed => "closed",
            super::PeerState::Absent => "absent",
            super::PeerState::ThisNode => "self",
        };
        write!(
            s,
            "peer{}{} node={} state={}",
            self.node,
            if passive_loop { "_loop_in" } else { "" },
            self.node,
            state
        )?;
        for (name, c) in VERB_NAMES.iter().zip(self.counters.verbs.iter()) {
            write!(s, " {}={}", name, c.load(Relaxed))?;
        }
        write!(
            s,
            " chained={} errors={} last_error={} rtt_hist=",
            self.counters.chained.load(Relaxed),
            st.errors,
            st.last_error
        )?;
        write_hist(s, &self.counters.rtt.snapshot().0)?;
        writeln!(s)
    }
}

/// `/sys/kernel/debug/alock/rdma`: one row per connection of this node's
/// cluster (none without one).
///
/// # Safety
///
/// Called by `seq_file` with the live `m` of a read of the file.
pub unsafe extern "C" fn show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is live for this call (guaranteed by the caller).
    let mut s = unsafe { Seq::new(m) };
    let _ = writeln!(
        s,
        "# alock RDMA connections of this node: signalled posts by kind, round trips (ns)"
    );
    if let Some(c) = crate::rdma::cluster() {
        for (_, passive_loop, p) in c.snapshot() {
            if p.write_row(&mut s, passive_loop).is_err() {
                break;
            }
        }
    }
    0
}
