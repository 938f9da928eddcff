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
//! remote leader: RDMA READ (l_tail, victim, value) -- with the tail CAS
//!                that made it leader, or alone after a `lead` hand-off;
//!                l_tail == 0: enter (no victim WRITE);
//!                else RDMA WRITE victim = REMOTE + READ (l_tail, victim)
//!                posted together; READ again while l_tail != 0 and
//!                victim == REMOTE
//! ```
//!
//! **The remote fast path keeps exclusion.**  A remote leader R that
//! enters because its READ found `l_tail == 0` has not written `victim`.
//! Its `r_tail` is non-zero from before that READ (its own CAS, executed
//! by the home before the READ: an RC QP's requests are executed in
//! order; or its predecessors' entries, for a `lead` hand-off) until the
//! remote cohort is empty.  `l_tail == 0` at the READ means no local
//! thread was queued then, so none was in its critical section (a local
//! holder stays in `l_tail` until its release).  A local thread L that
//! queues later swaps itself into `l_tail`, and as leader stores
//! `victim = LOCAL`, then (`smp_mb()`) loads `r_tail`: it finds R's cohort
//! and waits while `victim == LOCAL`.  Only a remote leader writes
//! `victim = REMOTE`, and only one that found `l_tail != 0`: R's cohort
//! lets L in when its budget is spent (the `lead` successor reads,
//! finds L and yields) or when it empties (`r_tail == 0`).  This is the
//! store-buffering shape of the published algorithm (R: store `r_tail`,
//! load `l_tail`; L: store `l_tail`, `smp_mb()`, load `r_tail`), with the
//! same requirement on the home as its victim WRITE + READ: the responder
//! makes the CAS visible before the READ's loads (rxe on x86, whose
//! locked instructions drain the store buffer; NICs that complete an
//! atomic before executing the next request of the QP).  The value read
//! with `l_tail == 0` is the last holder's: a local holder stores it
//! before its releasing `cmpxchg` of `l_tail`, a remote one WRITEs it
//! before its releasing CAS or hand-off; reading `l_tail` and the value in
//! one READ of one 64-byte line relies on the responder's loads not being
//! reordered (x86 TSO for rxe; one cache-line read for a NIC).  After a
//! Peterson wait the value is read again (a local holder may have been in
//! the middle of its section during the polls).
//!
use core::sync::atomic::{
    fence,
    Ordering::{AcqRel, Acquire, Release, SeqCst},
};

use kernel::prelude::*;

use super::recovery::stale;
use super::table::{Acq, Handle, Held, Phase, Table};
use super::window::{
    addr, dec, enc, line, L_TAIL, NEXT, RESET, R_TAIL, SRC_NEXT, SRC_STATE, VICTIM, V_LOCAL,
    V_REMOTE, WPHASE,
};
use crate::rdma::Xfer;
use crate::support::stats::fault_nolink;
use crate::support::util::now_ns;

/// The remote leader's first pause between two Peterson polls (doubled
/// after each, up to [`POLL_BACKOFF_MAX_NS`]).
const POLL_BACKOFF_MIN_NS: i64 = 2_000;
/// Its longest pause.
const POLL_BACKOFF_MAX_NS: i64 = 128_000;

impl Handle<'_> {
    // ---- ALock, local cohort (CPU atomics on this node's window) --------

    /// Acquires key `k` (homed here) with descriptor `d`.
    // Inlined into `Handle::lock`, which ends the wait this may begin
    // (`support::trace`: one frame for both).
    #[inline(always)]
    pub(super) fn alock_local(&self, k: u32, d: u64) -> Result<Acq> {
        let t = self.t;
        let line = line(k);
        let me = addr(t.me, d);
        let start = self.op_start.get();
        // The era, for a report if the remote tail is on a lost node.
        let (era, closing) = t.epoch_here(k);
        self.enq_era.set(Some(Table::queue_era(era, closing)));
        self.phase(Phase::Unknown);
        let prev = t.word(line + L_TAIL).swap(me, AcqRel);
        if prev != 0 {
            let (_, po) = self.t.split(prev)?;
            t.word(po + NEXT).store(me, Release);
            // The predecessor is a thread of this node: the wait blames
            // no node (not even this one's loopback connection, which a
            // device removal takes down while local queues go on).
            self.phase(Phase::Queued);
            self.blame(0);
            self.waiting();
            let st = self.wait_state(d, k, start)?;
            if st != 0 {
                self.count(|s| s.handoffs += 1);
                return Ok(Acq::bare(st as u32));
            }
        }
        // Cohort leader: Peterson against the remote cohort.
        self.phase(Phase::Leader);
        self.count(|s| s.leaders += 1);
        t.word(line + VICTIM).store(V_LOCAL, SeqCst);
        fence(SeqCst);
        let since = now_ns();
        loop {
            let rt = t.word(line + R_TAIL).load(SeqCst);
            if rt == 0 || t.word(line + VICTIM).load(SeqCst) != V_LOCAL {
                break;
            }
            // The remote cohort's tail holds it up: blame its node.
            self.blame(self.t.split(rt).map_or(0, |(n, _)| 1 << n));
            self.peterson_poll();
            self.check_wait(k, start)?;
            self.pause(since);
        }
        Ok(Acq::bare(t.budget_local))
    }

    /// Releases `h` (homed here), taken with descriptor `d`.
    pub(super) fn alock_local_unlock(&self, h: &Held, d: u64) -> Result {
        self.alock_local_release(h.key, d, h.budget, false)
    }

    /// Releases key `k` (homed here), taken with descriptor `d` and
    /// `budget`: the next of the cohort gets `pass` with the budget left
    /// (`lead` once it is spent), or the tail goes back to 0.  With
    /// `phase` (an ALock-RW writer, [`super::alock_rw`]) the writer phase
    /// ends first (`wphase` = 0, release) unless a linked successor
    /// inherits it with `pass`; after the end the successor gets `lead`.
    pub(super) fn alock_local_release(&self, k: u32, d: u64, budget: u32, phase: bool) -> Result {
        let t = self.t;
        let line = line(k);
        let me = addr(t.me, d);
        // CPU stores and loads only: a wait here (for a successor of this
        // node that is linking itself in) depends on no node, whatever the
        // caller (`unlock`, the helper's pass-through) blamed.
        self.blame(0);
        let pass = budget.saturating_sub(1);
        let mut next = t.word(d + NEXT).load(Acquire);
        let ended = phase && !(next != 0 && pass >= 1);
        if ended {
            t.word(line + WPHASE).store(0, Release);
        }
        if next == 0 {
            if t.word(line + L_TAIL)
                .compare_exchange(me, 0, AcqRel, Acquire)
                .is_ok()
            {
                return Ok(());
            }
            next = self.wait_word(d + NEXT, k, now_ns())?;
        }
        let (_, no) = self.t.split(next)?;
        let st = if ended { 0 } else { pass };
        t.word(no).store(enc(u64::from(st)), Release);
        Ok(())
    }

    // ---- ALock, remote cohort (RDMA to the home, spinning at home) -----

    /// Acquires key `k` (homed elsewhere) with descriptor `d`; [`stale`]
    /// if the key's queue is being reset (recovery: enqueue again).
    // Inlined into `Handle::lock`, which ends the wait this may begin
    // (`support::trace`: one frame for both).
    #[inline(always)]
    pub(super) fn alock_remote(&self, k: u32, d: u64) -> Result<Acq> {
        let t = self.t;
        let home = t.home(k);
        let line = line(k);
        let me = addr(t.me, d);
        let start = self.op_start.get();
        self.phase(Phase::Unknown);
        let (prev, fresh) = self.enqueue_read(k, start, home, line + R_TAIL, me)?;
        // The era this acquire enqueued in, from the READ posted with the
        // CAS (before it, if the CAS was retried: a reset in between makes
        // this acquire enqueue again, which is safe).
        let enq = self
            .line_epoch()
            .map_or(0, |(era, closing)| Table::queue_era(era, closing));
        self.enq_era.set(Some(enq));
        let p = t.peer(home)?;
        if prev != 0 {
            let (pn, po) = self.t.split(prev)?;
            // The tests' fault (debugfs `fault_nolink`): no link, as a
            // node that dies right after its tail CAS.
            let link = if fault_nolink() {
                pr_info!("dlock: test fault: key {} enqueued without its link\n", k);
                Ok(())
            } else {
                self.put(pn, po + NEXT, me, d + SRC_NEXT, false)
            };
            if let Err(e) = link {
                // A predecessor on a lost node never hands over: wait
                // for the key's reset like the waiters behind it.
                if t.peer(pn).is_ok_and(|p| p.is_up()) || !t.can_recover() {
                    return Err(e);
                }
            }
            self.phase(Phase::Queued);
            self.waiting();
            self.blame((1 << pn) | (1 << home));
            let st = self.wait_state(d, k, start)?;
            if st == RESET {
                return Err(stale());
            }
            if st != 0 {
                self.count(|s| s.handoffs += 1);
                return Ok(Acq::bare(st as u32));
            }
        }
        self.phase(Phase::Leader);
        self.blame(1 << home);
        self.count(|s| s.leaders += 1);
        // Cohort leader.  Read the local cohort's tail (and the value, the
        // epoch) unless the enqueue did so already.
        let x = self.line_xfer(k);
        if prev != 0 || !fresh {
            self.verbs(1, 0, 0);
            p.read(x.remote, x.local, x.len, self.wait)?;
        }
        self.check_era(enq)?;
        if self.scratch_word(L_TAIL) == 0 {
            // No local thread interested: enter without the victim.
            self.count(|s| s.fast_entries += 1);
            return Ok(Acq {
                budget: t.budget_remote,
                value: self.line_value(),
            });
        }
        // Peterson: victim = remote, then read the local cohort's tail and
        // the victim (and the epoch) until one lets us in.  The victim
        // WRITE and the first READ in one post: the home executes the READ
        // after the WRITE.
        t.word(d + SRC_STATE).store(V_REMOTE, Release);
        self.verbs(1, 1, 0);
        p.write_read(
            Xfer {
                remote: line + VICTIM,
                local: d + SRC_STATE,
                len: 8,
            },
            x,
            self.wait,
        )?;
        let mut backoff = POLL_BACKOFF_MIN_NS;
        loop {
            self.check_era(enq)?;
            if self.scratch_word(L_TAIL) == 0 || self.scratch_word(VICTIM) != V_REMOTE {
                return Ok(Acq::bare(t.budget_remote));
            }
            self.peterson_poll();
            // Back off between polls: each is a verb of the fabric's
            // capacity, and the local cohort hands over at most its
            // budget of sections before it yields.
            self.backoff(k, start, backoff)?;
            backoff = (backoff * 2).min(POLL_BACKOFF_MAX_NS);
            self.verbs(1, 0, 0);
            p.read(x.remote, x.local, x.len, self.wait)?;
        }
    }

    /// [`stale`] unless the READ of a line in the scratch space shows the
    /// era `enq` open: no remote thread enters with a READ that shows its
    /// era closing or gone ([`super::recovery`]).
    fn check_era(&self, enq: u64) -> Result {
        match self.line_epoch() {
            Some((era, false)) if era == enq => Ok(()),
            _ => Err(stale()),
        }
    }

    /// Releases `h` (homed elsewhere), taken with descriptor `d`, after
    /// the value's write-back `wb` (in the same post as the tail CAS; a
    /// successor is on another node than the home, so a hand-off waits
    /// for the write-back's completion).  A successor on a lost node gets
    /// nothing: the key's home is asked to reset the key.
    pub(super) fn alock_remote_unlock(&self, h: &Held, d: u64, wb: Option<Xfer>) -> Result {
        self.alock_remote_release(h.key, d, h.budget, wb, h.qera, false)
    }

    /// Releases key `k` (homed elsewhere), taken with descriptor `d` and
    /// `budget` through the queue of era `qera`, after the value's
    /// write-back `wb`; `phase` as for [`Handle::alock_local_release`]
    /// (the `wphase` WRITE after the write-back, before the tail CAS or
    /// the hand-off).
    pub(super) fn alock_remote_release(
        &self,
        k: u32,
        d: u64,
        budget: u32,
        wb: Option<Xfer>,
        qera: u64,
        phase: bool,
    ) -> Result {
        let t = self.t;
        let pass = budget.saturating_sub(1);
        // A successor that links after this load finds the phase ended
        // (if it is) and gets `lead`.
        let linked = dec(t.word(d + NEXT).load(Acquire)).is_some();
        let end = (phase && !(linked && pass >= 1)).then(|| self.phase_end(k));
        let st = enc(u64::from(if end.is_some() { 0 } else { pass }));
        match self.rdma_release(k, d, t.home(k), line(k) + R_TAIL, [wb, end], Some(qera)) {
            Ok(None) => Ok(()),
            Ok(Some(n)) => self.hand_off_remote(k, n, st, d, qera),
            // A node enqueued behind this holder and was lost before it
            // linked; recovery reset the queue: nobody to hand on to.
            Err(e) if e == stale() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Hands the lock of key `k` on to the remote successor whose state
    /// word is `no` on node `nn`, with state `st`, through descriptor `d`
    /// of a holder that entered through the queue of era `qera`.  A
    /// successor on a lost node gets nothing: the key's home is asked to
    /// reset the key (the era of this holder's queue: the home ignores it
    /// once that queue was reset, so a late release cannot close the next
    /// era).
    pub(super) fn hand_off_remote(
        &self,
        k: u32,
        (nn, no): (u32, u64),
        st: u64,
        d: u64,
        qera: u64,
    ) -> Result {
        let t = self.t;
        let r = self.put(nn, no, st, d + SRC_STATE, false);
        let lost = t.peer(nn).map_or(true, |p| !p.is_up());
        if r.is_err() && lost && t.can_recover() {
            self.report_stuck(k, qera)?;
            return Ok(());
        }
        r
    }
}
