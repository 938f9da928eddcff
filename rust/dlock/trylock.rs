// SPDX-License-Identifier: GPL-2.0

//! Try-locks of ALock and ALock-RW: an acquire that does not wait.
//!
//! * ALock, home node: one `cmpxchg` of `l_tail` from 0 (a queue that is
//!   not empty is busy), then one round of Peterson's wait (`victim`,
//!   full barrier, `r_tail`); if the remote cohort holds the turn, the
//!   thread leaves as a leader leaves: its successor, if one linked
//!   meanwhile, gets `lead` and waits in Peterson itself.
//! * ALock, other nodes: the enqueue CAS of `r_tail` from 0 with the READ
//!   of the line (one post); a busy queue changes nothing; the lock is
//!   taken if the READ shows no local thread (the fast path), else the
//!   thread leaves as above (a CAS back to 0, or `lead` to a successor).
//! * ALock-RW, shared: R1 and R2 of `alock_rw` once; a writer phase undoes
//!   the count.  Exclusive: the ALock try, then W1-W3 once without
//!   waiting: readers there end the phase and release.
//!
//! Every busy outcome is `EAGAIN`, and leaves nothing behind.

use core::sync::atomic::{
    fence,
    Ordering::{AcqRel, Acquire, SeqCst},
};

use kernel::{bindings, prelude::*};

use super::table::{Acq, Handle, Held, Kind, Phase, Table};
use super::window::{addr, line, L_TAIL, R_TAIL, VICTIM, V_LOCAL};
use crate::support::util::errno;

/// `EAGAIN`: the lock is busy (try-locks).
pub fn busy() -> Error {
    errno(bindings::EAGAIN)
}

impl Handle<'_> {
    /// Tries to take key `k` with `kind` (ALock or ALock-RW), `shared` or
    /// exclusively, with descriptor `d`: [`busy`] if it cannot at once.
    pub(super) fn try_acquire(&self, kind: Kind, k: u32, d: u64, shared: bool) -> Result<Acq> {
        let t = self.t;
        let local = t.home(k) == t.me;
        if shared {
            return if local {
                self.try_read_local(k)
            } else {
                self.try_read_remote(k)
            };
        }
        let acq = if local {
            self.try_alock_local(k, d)?
        } else {
            self.try_alock_remote(k, d)?
        };
        if kind == Kind::AlockRw {
            let r = self.open_phase(k, d, false);
            if !matches!(r, Ok(true)) {
                self.abort_phase(k, d);
                return Err(r.err().unwrap_or_else(busy));
            }
        }
        Ok(acq)
    }

    /// ALock's try on key `k`, homed here.
    fn try_alock_local(&self, k: u32, d: u64) -> Result<Acq> {
        let t = self.t;
        let me = addr(t.me, d);
        let (era, closing) = t.epoch_here(k);
        self.enq_era.set(Some(Table::queue_era(era, closing)));
        if t.word(line(k) + L_TAIL)
            .compare_exchange(0, me, AcqRel, Acquire)
            .is_err()
        {
            return Err(busy());
        }
        self.phase(Phase::Leader);
        t.word(line(k) + VICTIM).store(V_LOCAL, SeqCst);
        fence(SeqCst);
        if t.word(line(k) + R_TAIL).load(SeqCst) == 0
            || t.word(line(k) + VICTIM).load(SeqCst) != V_LOCAL
        {
            self.count(|s| s.leaders += 1);
            return Ok(Acq::bare(t.budget_local));
        }
        self.leave_as_leader(k, d)?;
        Err(busy())
    }

    /// ALock's try on key `k`, homed elsewhere.
    fn try_alock_remote(&self, k: u32, d: u64) -> Result<Acq> {
        let t = self.t;
        let p = t.peer(t.home(k))?;
        let me = addr(t.me, d);
        self.blame(1 << t.home(k));
        self.phase(Phase::Unknown);
        if self.enqueue_post(p, k, line(k) + R_TAIL, me)? != 0 {
            self.phase(Phase::Out);
            return Err(busy());
        }
        self.phase(Phase::Leader);
        let ep = self.line_epoch();
        self.enq_era
            .set(ep.map(|(era, closing)| Table::queue_era(era, closing)));
        // No remote thread enters with a READ that shows the key closing
        // (`recovery`).
        let open = matches!(ep, Some((_, false)));
        if open && self.scratch_word(L_TAIL) == 0 {
            self.count(|s| {
                s.leaders += 1;
                s.fast_entries += 1;
            });
            return Ok(Acq {
                budget: t.budget_remote,
                value: self.line_value(),
            });
        }
        self.leave_as_leader(k, d)?;
        Err(busy())
    }

    /// A cohort leader that did not enter leaves: its queue goes back to
    /// empty, or its successor gets `lead` (as an abandoned leader's,
    /// `failure`).
    fn leave_as_leader(&self, k: u32, d: u64) -> Result {
        let held = Held {
            key: k,
            slot: 0,
            budget: 0,
            kind: Kind::Alock,
            shared: false,
            value: None,
            era: None,
            torn: false,
            qera: self.enq_era.get().unwrap_or(0),
            write_back: None,
        };
        let r = if self.t.home(k) == self.t.me {
            self.alock_local_unlock(&held, d)
        } else {
            self.alock_remote_unlock(&held, d, None)
        };
        if r.is_err() {
            // Its successor may never get the lock.
            self.t.mark_broken(k);
        }
        self.phase(Phase::Out);
        r
    }

    /// A shared try of key `k`, homed here.
    fn try_read_local(&self, k: u32) -> Result<Acq> {
        self.count(|s| s.shared += 1);
        if self.reader_arrives_here(k) {
            return Ok(Acq::bare(0));
        }
        self.rw_read_unlock(k)?;
        Err(busy())
    }

    /// A shared try of key `k`, homed elsewhere.
    fn try_read_remote(&self, k: u32) -> Result<Acq> {
        let t = self.t;
        let p = t.peer(t.home(k))?;
        self.blame(1 << t.home(k));
        self.count(|s| s.shared += 1);
        if let Some(acq) = self.reader_arrives(p, k, false)? {
            return Ok(acq);
        }
        self.rw_read_unlock(k)?;
        Err(busy())
    }
}
