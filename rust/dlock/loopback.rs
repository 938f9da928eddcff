// SPDX-License-Identifier: GPL-2.0

//! Two competitors of ALock on the same lines that go through the NIC for
//! every access, local threads included (through the loopback
//! connection, so the cluster must be joined with
//! `ALOCK_CLUSTER_LOOPBACK`):
//!
//! * the RDMA spin lock: every acquire is an RDMA CAS(0 -> me) on the
//!   line's `spin` word at the home until it succeeds; release is an RDMA
//!   CAS(me -> 0).  (A WRITE of 0 would not do: rxe's failed CAS writes
//!   the old value back, so a WRITE racing with a waiter's CAS could be
//!   undone.)
//! * the RDMA MCS lock: the tail `m_tail` is changed by RDMA CAS,
//!   predecessors are linked and successors released by RDMA WRITE, and
//!   waiters spin on their own window.

use kernel::prelude::*;

use super::table::{Acq, Handle, Phase};
use super::window::{addr, enc, line, M_TAIL, NEXT, SPIN, SRC_NEXT, SRC_STATE};
use crate::rdma::{relax, Verb, Xfer};
use crate::support::util::now_ns;

impl Handle<'_> {
    /// Acquires key `k` with the RDMA spin lock: each try is a CAS and a
    /// READ of the value in one post.
    // Inlined into `Handle::lock`, which ends the wait this may begin
    // (`support::trace`: one frame for both).
    #[inline(always)]
    pub(super) fn spin_lock(&self, k: u32) -> Result<Acq> {
        let t = self.t;
        let p = t.peer(t.home(k))?;
        let me = addr(t.me, self.desc(0));
        let start = now_ns();
        self.blame(1 << t.home(k));
        loop {
            // A failed CAS post leaves it unknown whether the word is ours.
            self.phase(Phase::Unknown);
            let cas = Verb::Cas {
                remote: line(k) + SPIN,
                expect: 0,
                new: me,
            };
            self.verbs(1, 0, 1);
            if p.chain(&[cas, Verb::Read(self.line_xfer(k))], self.wait)?[0] == 0 {
                self.count(|s| s.leaders += 1);
                return Ok(Acq {
                    budget: 0,
                    value: self.line_value(),
                });
            }
            self.phase(Phase::Out);
            self.count(|s| s.cas_retries += 1);
            self.waiting();
            self.check_wait(k, start)?;
            relax(self.wait);
        }
    }

    /// Releases key `k` of the RDMA spin lock, after the value's
    /// write-back `wb` (in the same post).
    pub(super) fn spin_unlock(&self, k: u32, wb: Option<Xfer>) -> Result {
        let t = self.t;
        let me = addr(t.me, self.desc(0));
        // A CAS, not a WRITE: rxe's failed CAS writes the old value back,
        // so a WRITE racing with a waiter's CAS could be undone.
        let old = self.release_post(t.peer(t.home(k))?, [wb, None], Some((line(k) + SPIN, me)))?;
        if old == me {
            Ok(())
        } else {
            Err(EIO)
        }
    }

    /// Acquires key `k` with the RDMA MCS lock and descriptor `d`; the
    /// enqueue reads the value in the same post.
    // Inlined into `Handle::lock`, which ends the wait this may begin
    // (`support::trace`: one frame for both).
    #[inline(always)]
    pub(super) fn mcs_lock(&self, k: u32, d: u64) -> Result<Acq> {
        let t = self.t;
        let me = addr(t.me, d);
        let start = now_ns();
        self.phase(Phase::Unknown);
        let (prev, fresh) = self.enqueue_read(k, start, t.home(k), line(k) + M_TAIL, me)?;
        if prev != 0 {
            let (pn, po) = self.t.split(prev)?;
            self.put(pn, po + NEXT, me, d + SRC_NEXT, true)?;
            self.phase(Phase::Queued);
            self.waiting();
            self.blame((1 << pn) | (1 << t.home(k)));
            self.wait_state(d, k, start)?;
            self.count(|s| s.handoffs += 1);
            return Ok(Acq::bare(0));
        }
        self.count(|s| s.leaders += 1);
        Ok(Acq {
            budget: 0,
            value: if fresh { self.line_value() } else { None },
        })
    }

    /// Releases key `k` of the RDMA MCS lock, taken with descriptor `d`,
    /// after the value's write-back `wb`.
    pub(super) fn mcs_unlock(&self, k: u32, d: u64, wb: Option<Xfer>) -> Result {
        let t = self.t;
        match self.rdma_release(k, d, t.home(k), line(k) + M_TAIL, [wb, None], None)? {
            None => Ok(()),
            Some((nn, no)) => self.put(nn, no, enc(1), d + SRC_STATE, true),
        }
    }
}
