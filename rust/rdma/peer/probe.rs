// SPDX-License-Identifier: GPL-2.0

//! Liveness probes: a waiter that depends on a peer but has no verb of its
//! own in flight (one spinning on its descriptor for a hand-off) asks for
//! one ([`Peer::probe`]); the reaper posts an 8-byte READ to the peer, at
//! most one in flight and one per [`PROBE_NS`].  A dead peer does not
//! answer: the transport's retries run out (about 0.8 s, see [`super`])
//! and the failed probe fails the connection, which ends the wait.  No
//! probe costs a verb while nobody waits.

use core::sync::atomic::Ordering::Relaxed;

use super::super::ffi;
use super::super::verbs::{self, check};
use super::{Peer, CTRL_REG, CTRL_SEND_OFF};
use crate::support::util::now_ns;

/// Shortest time between two liveness probes.
pub(super) const PROBE_NS: i64 = 100_000_000;

impl Peer {
    /// Asks for a liveness probe (module doc).  Any context.
    pub fn probe(&self) {
        self.probe_req.store(true, Relaxed);
    }

    /// The reaper's part of [`Peer::probe`] on a connection that is up:
    /// completes the probe in flight, posts a new one if asked.
    pub(super) fn probe_step(&self, qp: *mut ffi::ib_qp) {
        let c = &self.ctrl[CTRL_REG];
        if self.probe_at.load(Relaxed) != 0 {
            // SAFETY: The CQ is alive (not torn down; only the reaper
            // tears down).
            unsafe { ffi::alock_rdma_poll(self.cq_ptr) };
            if !c.is_done() {
                return;
            }
            self.probe_at.store(0, Relaxed);
            if c.status() != ffi::IB_WC_SUCCESS {
                return self.fail(verbs::wc_error(c.status()));
            }
        }
        let now = now_ns();
        if !self.probe_req.load(Relaxed) || now - self.probe_last.load(Relaxed) < PROBE_NS {
            return;
        }
        self.probe_req.store(false, Relaxed);
        let Ok((raddr, rkey)) = self.remote(0, 8, 8) else {
            return;
        };
        c.reset();
        let laddr = self.scratch.dma(CTRL_SEND_OFF);
        // The probe's buffer (the READY send buffer, unused once up) and
        // record live as long as the peer; at most one probe is in flight.
        // SAFETY: The QP is valid until teardown, which only this caller
        // does; buffer and record outlive the verb (above).
        let posted = unsafe {
            ffi::alock_rdma_post_rw(qp, c.as_ptr(), false, laddr, self.lkey, 8, raddr, rkey)
        };
        match check(posted) {
            Ok(()) => {
                self.probe_at.store(now, Relaxed);
                self.probe_last.store(now, Relaxed);
            }
            Err(e) => self.fail(e),
        }
    }
}
