// SPDX-License-Identifier: GPL-2.0

//! ALock (Nelson-Slivon, Tseng, Palmieri: "ALock: Asymmetric Lock
//! Primitive for RDMA Systems", SPAA 2024) on the lines of the table.
//!
//! The threads that want a lock form two *cohorts*, each an MCS queue with
//! its own tail in the lock's line at its home node: the local cohort
//! (threads of the home node, CPU atomics on `l_tail`, never the NIC) and
//! the remote cohort (threads of other nodes, RDMA CAS on `r_tail`).  A
//! waiter spins on its own node's descriptor until its predecessor hands
//! the lock on.  The first thread of a cohort to find its queue empty is
//! the cohort's leader; the two leaders decide with Peterson's algorithm,
//! the tails being the "interested" flags and `victim` the turn:
//!
//! ```text
//! local leader:  victim = LOCAL; smp_mb()
//!                wait while r_tail != 0 and victim == LOCAL   (CPU loads)
//! remote leader: RDMA WRITE victim = REMOTE, RDMA READ (l_tail, victim)
//!                posted together; READ again while l_tail != 0 and
//!                victim == REMOTE
//! ```
//!
//! Release hands the lock to the successor in `d.next` by writing its
//! `state` (CPU store, or RDMA WRITE into the successor's own window):
//! `pass(b - 1)` while the cohort's budget `b` lasts, else `lead` (the
//! successor runs the Peterson step again, as the victim, so a waiting
//! leader of the other cohort goes first).  Without a successor the tail
//! goes back to 0 (`cmpxchg` locally, RDMA CAS remotely).  No word is
//! changed by both CPU and RDMA atomics; `Documentation/alock.rst` has the
//! whole argument.

use core::sync::atomic::{
    fence,
    Ordering::{AcqRel, Acquire, Release, SeqCst},
};

use kernel::prelude::*;

use super::table::{Handle, Held};
use super::window::{
    addr, enc, line, L_TAIL, NEXT, R_TAIL, SRC_NEXT, SRC_STATE, VICTIM, V_LOCAL, V_REMOTE,
};
use crate::rdma::{relax, Xfer};
use crate::support::util::now_ns;

impl Handle<'_> {
    // ---- ALock, local cohort (CPU atomics on this node's window) --------

    /// Acquires key `k` (homed here) with descriptor `d`; the budget.
    pub(super) fn alock_local(&self, k: u32, d: u64) -> Result<u32> {
        let t = self.t;
        let line = line(k);
        let me = addr(t.me, d);
        let start = now_ns();
        let prev = t.word(line + L_TAIL).swap(me, AcqRel);
        if prev != 0 {
            let (_, po) = self.t.split(prev)?;
            t.word(po + NEXT).store(me, Release);
            let st = self.wait_state(d, k, start)?;
            if st != 0 {
                return Ok(st as u32);
            }
        }
        // Cohort leader: Peterson against the remote cohort.
        t.word(line + VICTIM).store(V_LOCAL, SeqCst);
        fence(SeqCst);
        while t.word(line + R_TAIL).load(SeqCst) != 0
            && t.word(line + VICTIM).load(SeqCst) == V_LOCAL
        {
            self.check_wait(k, start)?;
            relax(self.wait);
        }
        Ok(t.budget_local)
    }

    /// Releases `h` (homed here), taken with descriptor `d`.
    pub(super) fn alock_local_unlock(&self, h: &Held, d: u64) -> Result {
        let t = self.t;
        let line = line(h.key);
        let me = addr(t.me, d);
        let mut next = t.word(d + NEXT).load(Acquire);
        if next == 0 {
            if t.word(line + L_TAIL)
                .compare_exchange(me, 0, AcqRel, Acquire)
                .is_ok()
            {
                return Ok(());
            }
            next = self.wait_word(d + NEXT, h.key, now_ns())?;
        }
        let (_, no) = self.t.split(next)?;
        let st = h.budget.saturating_sub(1);
        t.word(no).store(enc(u64::from(st)), Release);
        Ok(())
    }

    // ---- ALock, remote cohort (RDMA to the home, spinning at home) -----

    /// Acquires key `k` (homed elsewhere) with descriptor `d`; the budget.
    pub(super) fn alock_remote(&self, k: u32, d: u64) -> Result<u32> {
        let t = self.t;
        let home = t.home(k);
        let line = line(k);
        let me = addr(t.me, d);
        let start = now_ns();
        let prev = self.swap_tail(home, line + R_TAIL, me)?;
        if prev != 0 {
            let (pn, po) = self.t.split(prev)?;
            self.put(pn, po + NEXT, me, d + SRC_NEXT, false)?;
            let st = self.wait_state(d, k, start)?;
            if st != 0 {
                return Ok(st as u32);
            }
        }
        // Cohort leader: victim = remote, then read the local cohort's
        // tail and the victim until one lets us in.
        let p = t.peer(home)?;
        t.word(d + SRC_STATE).store(V_REMOTE, Release);
        let s = self.scratch();
        // The victim WRITE and the first READ in one round trip: the home
        // executes the READ after the WRITE.
        p.write_read(
            Xfer {
                remote: line + VICTIM,
                local: d + SRC_STATE,
                len: 8,
            },
            Xfer {
                remote: line + L_TAIL,
                local: s,
                len: 16,
            },
            self.wait,
        )?;
        loop {
            let lt = t.word(s).load(Acquire);
            let v = t.word(s + 8).load(Acquire);
            if lt == 0 || v != V_REMOTE {
                return Ok(t.budget_remote);
            }
            self.check_wait(k, start)?;
            relax(self.wait);
            p.read(line + L_TAIL, s, 16, self.wait)?;
        }
    }

    /// Releases `h` (homed elsewhere), taken with descriptor `d`.
    pub(super) fn alock_remote_unlock(&self, h: &Held, d: u64) -> Result {
        let t = self.t;
        let home = t.home(h.key);
        match self.rdma_release(h.key, d, home, line(h.key) + R_TAIL)? {
            None => Ok(()),
            Some((nn, no)) => {
                let st = h.budget.saturating_sub(1);
                self.put(nn, no, enc(u64::from(st)), d + SRC_STATE, false)
            }
        }
    }
}
