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

use super::table::Handle;
use super::window::{addr, enc, line, M_TAIL, NEXT, SPIN, SRC_NEXT, SRC_STATE};
use crate::rdma::relax;
use crate::support::util::now_ns;

impl Handle<'_> {
    /// Acquires key `k` with the RDMA spin lock.
    pub(super) fn spin_lock(&self, k: u32) -> Result<u32> {
        let t = self.t;
        let p = t.peer(t.home(k))?;
        let me = addr(t.me, self.desc(0));
        let start = now_ns();
        loop {
            if p.compare_and_swap(line(k) + SPIN, 0, me, self.wait)? == 0 {
                return Ok(0);
            }
            self.check_wait(k, start)?;
            relax(self.wait);
        }
    }

    /// Releases key `k` of the RDMA spin lock.
    pub(super) fn spin_unlock(&self, k: u32) -> Result {
        let t = self.t;
        let me = addr(t.me, self.desc(0));
        // A CAS, not a WRITE: rxe's failed CAS writes the old value back,
        // so a WRITE racing with a waiter's CAS could be undone.
        let old = t
            .peer(t.home(k))?
            .compare_and_swap(line(k) + SPIN, me, 0, self.wait)?;
        if old == me {
            Ok(())
        } else {
            Err(EIO)
        }
    }

    /// Acquires key `k` with the RDMA MCS lock and descriptor `d`.
    pub(super) fn mcs_lock(&self, k: u32, d: u64) -> Result<u32> {
        let t = self.t;
        let me = addr(t.me, d);
        let start = now_ns();
        let prev = self.swap_tail(t.home(k), line(k) + M_TAIL, me)?;
        if prev != 0 {
            let (pn, po) = self.t.split(prev)?;
            self.put(pn, po + NEXT, me, d + SRC_NEXT, true)?;
            self.wait_state(d, k, start)?;
        }
        Ok(0)
    }

    /// Releases key `k` of the RDMA MCS lock, taken with descriptor `d`.
    pub(super) fn mcs_unlock(&self, k: u32, d: u64) -> Result {
        let t = self.t;
        match self.rdma_release(k, d, t.home(k), line(k) + M_TAIL)? {
            None => Ok(()),
            Some((nn, no)) => self.put(nn, no, enc(1), d + SRC_STATE, true),
        }
    }
}
