// SPDX-License-Identifier: GPL-2.0

//! DSLR (Yoon, Chowdhury, Mozafari: "Distributed Lock Management with
//! RDMA: Decentralization without Starvation", SIGMOD 2018) as ALock-RW's
//! symmetric competitor: a reader-writer lock of four 16-bit counters in
//! one word of the key's line (`dslr`), changed only by RDMA fetch-and-add
//! and compare-and-swap, by every node alike: local threads through the
//! loopback connection (the cluster must be joined with
//! `ALOCK_CLUSTER_LOOPBACK`, as for the other competitors).
//!
//! ```text
//! bits 48..63 nX  exclusive releases    bits 16..31 maxX exclusive tickets
//! bits 32..47 nS  shared releases       bits  0..15 maxS shared tickets
//! ```
//!
//! A bakery by fetch-and-add: an acquire takes a ticket (FAA +1 on maxS or
//! maxX; the old word gives its tickets `(mx, ms)`); a reader enters once
//! `nX == mx` (every earlier writer released), a writer once
//! `nX == mx && nS == ms` (every earlier ticket released).  Releases add 1
//! to nS or nX.  Ticket order is FIFO across both classes, so neither
//! starves, and consecutive readers share the lock.  The acquire's FAA
//! and a READ of the value go in one post (lock-and-fetch), a waiter
//! polls the word and the value with two READs in one post (the word
//! first: the responder executes them in order, and a writer's release
//! WRITEs the value before its FAA), a writer's release WRITEs the value
//! and adds to nX in one post.
//!
//! Counters stay below 2^15 + 2^10 (no carry between fields): a request
//! whose FAA finds a maximum at 2^15 came after the last ticket; it
//! undoes its FAA and tries again.  The holder of the last ticket
//! (`maxX` or `maxS` + 1 == 2^15) resets the word after its release:
//! CAS(every ticket released -> 0), repeated while latecomers' undos are
//! in flight (or, for a reader, earlier readers still hold the lock).
//! A poll's READ of the word may be torn at byte boundaries (see
//! `super::window`); a field that carries into its high byte during the
//! copy can read up to 255 above its value, so a torn READ could show a
//! waiter its turn early only with 256 or more tickets of one class ahead
//! of it (more than the tests and benchmarks ever queue on one key).
//!
//! DSLR's lease-based reset of a lock whose holder died is not
//! implemented: like the other competitors, a failed acquire or release
//! marks the key broken on this node (`Documentation/alock.rst`).

use core::sync::atomic::Ordering::Acquire;

use kernel::prelude::*;

use super::table::{broken, Acq, Handle, Held, Phase};
use super::window::{line, DSLR, DSLR_READ};
use crate::rdma::{relax, Verb, Xfer};
use crate::support::util::now_ns;

const NX: u32 = 48;
const NS: u32 = 32;
const MX: u32 = 16;
/// Tickets per class before the word is reset.
const LIM: u64 = 1 << 15;
/// The holder's budget field: it holds the last ticket of its class and
/// resets the word after its release (the low 16 bits: the other class's
/// tickets when it took its own).
const RESET_FLAG: u32 = 1 << 31;
/// A waiter's pauses between two polls.
const POLL_MIN_NS: i64 = 2_000;
const POLL_MAX_NS: i64 = 128_000;

/// `(nX, nS, maxX, maxS)` of a `dslr` word.
fn fields(w: u64) -> (u64, u64, u64, u64) {
    (
        (w >> NX) & 0xffff,
        (w >> NS) & 0xffff,
        (w >> MX) & 0xffff,
        w & 0xffff,
    )
}

/// The word with the given fields.
fn word(nx: u64, ns: u64, mx: u64, ms: u64) -> u64 {
    (nx << NX) | (ns << NS) | (mx << MX) | ms
}

/// A release's addend: the holder's mode's `n` field + 1.
fn faa_add(shared: bool) -> u64 {
    if shared {
        1 << NS
    } else {
        1 << NX
    }
}

impl Handle<'_> {
    /// The READ of the value with its `vstamp` and `epoch`, where
    /// [`Handle::line_value`] finds them, and the READ of the word.
    fn dslr_xfers(&self, k: u32) -> (Xfer, Xfer) {
        let word = Xfer {
            remote: line(k) + DSLR,
            local: self.scratch() + DSLR_READ,
            len: 8,
        };
        (self.value_read(k), word)
    }

    /// Acquires key `k` with DSLR, `shared` or exclusive.
    // Inlined into `Handle::lock`, which ends the wait this may begin.
    #[inline(always)]
    pub(super) fn dslr_lock(&self, k: u32, shared: bool) -> Result<Acq> {
        let t = self.t;
        let home = t.home(k);
        let p = t.peer(home)?;
        let cnt = line(k) + DSLR;
        let add = if shared { 1 } else { 1 << MX };
        let (val, wx) = self.dslr_xfers(k);
        let start = self.op_start.get();
        self.blame(1 << home);
        if shared {
            self.count(|s| s.shared += 1);
        }
        let mut backoff = POLL_MIN_NS;
        loop {
            // From the FAA on, the ticket is taken: a failure leaves it
            // in the word (the key is broken: `Phase::Unknown`).
            self.phase(Phase::Unknown);
            self.verbs(1, 0, 1);
            let old = p.chain(
                &[Verb::Faa { remote: cnt, add }, Verb::Read(val)],
                self.wait,
            )?[0];
            let (nx, ns, mx, ms) = fields(old);
            if mx >= LIM || ms >= LIM {
                // After the last ticket: undo, wait for the reset.
                self.verbs(0, 0, 1);
                p.fetch_and_add(cnt, add.wrapping_neg(), self.wait)?;
                self.phase(Phase::Out);
                self.count(|s| s.rw_polls += 1);
                self.backoff(k, start, backoff)?;
                backoff = (backoff * 2).min(POLL_MAX_NS);
                continue;
            }
            let budget = if !shared && mx + 1 == LIM {
                RESET_FLAG | ms as u32
            } else if shared && ms + 1 == LIM {
                RESET_FLAG | mx as u32
            } else {
                0
            };
            let mine = |nx2: u64, ns2: u64| nx2 == mx && (shared || ns2 == ms);
            // The acquire, entered when `ns2` shared tickets were released.
            let enter = |ns2: u64, waited: bool| {
                self.phase(Phase::Out);
                if shared {
                    // Earlier shared tickets not released yet.
                    self.overlap(ms.wrapping_sub(ns2) & 0xffff);
                }
                self.count(|s| {
                    s.leaders += u64::from(!waited);
                    s.handoffs += u64::from(waited);
                });
                Acq {
                    budget,
                    value: self.line_value(),
                }
            };
            if mine(nx, ns) {
                return Ok(enter(ns, false));
            }
            self.waiting();
            let mut backoff = POLL_MIN_NS;
            loop {
                self.backoff(k, start, backoff)?;
                backoff = (backoff * 2).min(POLL_MAX_NS);
                self.verbs(2, 0, 0);
                p.chain(&[Verb::Read(wx), Verb::Read(val)], self.wait)?;
                let (nx2, ns2, _, _) = fields(t.word(wx.local).load(Acquire));
                if mine(nx2, ns2) {
                    return Ok(enter(ns2, true));
                }
                // Counters past this ticket: no reset can happen while
                // it is unreleased; a peer wrote the word.
                if nx2 > mx || (!shared && ns2 > ms) {
                    t.mark_broken(k);
                    return Err(broken());
                }
                self.count(|s| s.rw_polls += 1);
            }
        }
    }

    /// Releases `h` (DSLR), after the value's write-back `wb` (exclusive
    /// holders) in the same post; the last ticket's holder resets the word.
    pub(super) fn dslr_unlock(&self, h: &Held, wb: Option<Xfer>) -> Result {
        let t = self.t;
        let p = t.peer(t.home(h.key))?;
        let cnt = line(h.key) + DSLR;
        let faa = Verb::Faa {
            remote: cnt,
            add: faa_add(h.shared),
        };
        match wb {
            Some(x) if !h.shared => {
                self.verbs(0, 1, 1);
                p.chain(&[Verb::Write(x), faa], self.wait)?;
            }
            // Not the last ticket: nobody needs the old value, the FAA
            // is not waited for (as ALock-RW's readers' releases).
            _ if h.budget & RESET_FLAG == 0 => {
                self.verbs(0, 0, 1);
                return p.fetch_and_add_detached(cnt, faa_add(h.shared));
            }
            _ => {
                self.verbs(0, 0, 1);
                p.chain(&[faa], self.wait)?;
            }
        }
        if h.budget & RESET_FLAG == 0 {
            return Ok(());
        }
        let other = u64::from(h.budget & 0xffff);
        let full = if h.shared {
            word(other, LIM, other, LIM)
        } else {
            word(LIM, other, LIM, other)
        };
        let start = now_ns();
        loop {
            self.verbs(0, 0, 1);
            if p.compare_and_swap(cnt, full, 0, self.wait)? == full {
                return Ok(());
            }
            self.count(|s| s.cas_retries += 1);
            self.check_wait(h.key, start)?;
            relax(self.wait);
        }
    }
}
