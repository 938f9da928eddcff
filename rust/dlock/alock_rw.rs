// SPDX-License-Identifier: GPL-2.0

//! ALock-RW: ALock with a shared mode.  Writers take ALock as it is
//! ([`super::alock`]); readers never queue, they count themselves in
//! words of the key's line, local readers with CPU atomics and remote
//! readers with RDMA fetch-and-add, in different words (an RDMA atomic
//! is not atomic with a CPU atomic on the same word: rxe performs it with
//! plain loads and stores under its own lock).  The design and its
//! sources (ShiftLock, DSLR) are in `Documentation/alock.rst`,
//! "Reader-writer mode".
//!
//! Words of the line (`super::window`): `l_rw` (byte 0: local readers
//! *present*, byte 1: local readers *waiting*; home CPU atomics only),
//! `r_rw` (four words, 16 bits per node: present, waiting; RDMA FAA only)
//! and `wphase` (0, or the cohort of the writers whose phase it is: 1
//! local, 2 remote; written only by the ALock holder, a CPU store at the
//! home or an RDMA WRITE, and by recovery for a dead remote holder).
//!
//! ```text
//! reader:  R1 present+1   R2 wphase == 0: enter
//!          R3 present-1, waiting+1 (one atomic)
//!          R4 wphase == 0: waiting-1, back to R1 (a remote reader: in
//!             R1's FAA)
//!          R5 wait until wphase == 0
//!          R6 present+1, waiting-1 (one atomic): enter, no check
//!          release: present-1
//! writer:  ALock acquire; a `pass` hand-off (budget left in the cohort)
//!          inherits the phase and enters; any other (leader, `lead`)
//!          opens one: W1 wait until no reader is waiting,
//!          W2 wphase = cohort, full barrier, W3 wait until no reader is
//!          present; enter
//!          release: `pass` to a linked successor while budget is left
//!          (wphase stays); else wphase = 0 before the ALock release
//!          (a successor that links meanwhile gets `lead`, not `pass`)
//! ```
//!
//! A remote opener checks W1 after W2, in one post with W3's first READ;
//! if a reader still waits for the phase before, it takes its phase back
//! (`wphase` = 0) and goes through W1, W2, W3 in order
//! (`open_phase_remote`).
//!
//! A local reader posts no verb; a remote one posts an FAA and one READ
//! of `wphase` and the value in one post (R1, R2 and the value:
//! lock-and-fetch) and one FAA to release,
//! which it does not wait for ([`Peer::fetch_and_add_detached`]): its
//! old value is not needed, and the home executes it before any later
//! verb of the node's connection.
//!
//! **Exclusion (a writer and a reader).**  A reader that enters at R2 and
//! the writer W that opened the phase form a store-buffering pair: the
//! reader's `present+1` then its load of `wphase`, W's store of `wphase`
//! then its loads of the present bytes.  Local reader and local writer:
//! `fetch_add(SeqCst)` then `load(SeqCst)` against `store(SeqCst)`,
//! `fence(SeqCst)`, `load(SeqCst)`: in LKMM terms a full barrier on both
//! sides (`smp_mb()` after the RMW, `smp_mb()` after the store), so one of
//! them sees the other.  Where one side is remote, its FAA (or WRITE) and
//! the READ after it are executed in order by the home's responder, which
//! makes the first visible before the second loads: the same requirement
//! ALock's fast path and its victim WRITE + READ put on the home (rxe on
//! x86: locked instructions between requests; see `alock.rs`).  So either
//! W sees the reader present and waits in W3 until it leaves, or the
//! reader sees `wphase != 0` and backs out.  A writer that inherits the
//! phase (`pass`) enters while `wphase` stays set from the opener's W2
//! until the phase's last writer clears it, so no reader entered at R2 in
//! between.  A reader that enters at R6 was counted *waiting* (R3) before
//! it read the phase Φ set (R4); Φ's clearing store comes later in
//! `wphase`'s order, so the next opener, which reads the waiting bytes
//! after that clear (a local one after its ALock acquire and barrier; a
//! remote one with a READ posted after its acquire, which the releasing
//! writer's clear precedes: the clear is before its tail release or its
//! `lead` hand-off), waits in W1 until R6 turned the reader's waiting
//! count into a present one, and then in W3 until it left.  Writers
//! exclude writers: ALock.  The value a reader fetches is read after its
//! `wphase` load, and a writer writes the value back before it clears
//! `wphase` (release store; WRITE before WRITE).  At the home, CPU loads
//! after an acquiring load.  Remote: `wphase` (+24) lies below the value
//! (+32..+64) in the first 64 bytes of the line, and R2 reads both in one
//! READ, which relies on the responder loading one READ's bytes in
//! address order: x86 TSO with rxe's forward copy, one cache-line read
//! for a NIC; the same requirement as ALock's fast path, which reads
//! `l_tail` and the value in one READ (`alock.rs`).  R6 and the polls
//! read `wphase` or the value alone, in order.
//!
//! **Torn reads.**  Every byte of `l_rw` and `r_rw` stays in 0..64 (one
//! count per handle, [`super::window::MAX_HANDLES`]; a handle holds a key
//! once), and every change is +-1 on a byte, so no change carries into
//! the next byte: a READ that the responder copies byte by byte while an
//! FAA changes the word gives each byte an old or a new value, and the
//! writer's "every byte 0" test is the test of independent per-node
//! indicators, like a per-CPU reader indicator read CPU by CPU.
//!
//! **Fairness.**  Writers do not starve: readers that arrive during a
//! phase back out and wait for its end, and W1/W3 wait only for readers
//! that arrived before the phase (each thread adds at most one transient
//! count).  Readers do not starve: a phase lasts at most the cohort's
//! budget of writer sections (`local_budget`, `remote_budget`: the bound
//! on consecutive writers, like ShiftLock's), and a reader that waited
//! for one enters before the next one opens (W1), or at most one phase
//! later where the phase ended between its R2 and R3.  Measured in every
//! lock table run: a local reader that backed out enters within
//! [`Table::reader_wait_bound`] writer sections (`harness/dlock.rs`).
//!
//! **Failures.**  A reader that gives up (timeout, signal) undoes its own
//! count.  A writer that fails in W1-W3 holds ALock: it closes its phase
//! and releases ALock like any holder.  A dead remote writer's phase is
//! cleared by the home's recovery before it resets the queue
//! ([`super::recovery`]); a reader that waits long for a remote phase
//! looks at the remote cohort's tail and asks the home for that reset if
//! the tail's node is lost (with no writer behind the dead holder, nobody
//! else would); a dead node's reader counts at a home are
//! reclaimed by that home once its own connection to the node is down
//! and a lease has passed (the node's exact 16 bits, by loopback FAA).

use core::sync::atomic::{
    fence,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
};

use kernel::prelude::*;

use super::failure::PROBE_AFTER_NS;
use super::table::{Acq, Handle, Held, Phase, Table};
use super::window::{
    line, r_rw, COUNTER, EPOCH, LINE_READ, L_RW, L_TAIL, R_RW, R_TAIL, SRC_STATE, V_LOCAL,
    V_REMOTE, WPHASE, ZERO_SRC,
};
use crate::rdma::{Peer, Verb, Xfer};
use crate::support::util::now_ns;

/// `l_rw`: one local reader present, waiting.
const L_PRESENT: u64 = 1;
const L_WAITING: u64 = 1 << 8;
/// The present and the waiting bytes of every node of an `r_rw` word.
const R_PRESENT_MASK: u64 = 0x00ff_00ff_00ff_00ff;
const R_WAITING_MASK: u64 = 0xff00_ff00_ff00_ff00;
/// A remote reader's pauses between two READs of `wphase` (doubled from
/// the first up to the longest): a writer's W1 waits for readers to
/// notice the end of the phase before.
const READER_BACKOFF_MIN_NS: i64 = 2_000;
const READER_BACKOFF_MAX_NS: i64 = 32_000;
/// A remote writer's pauses between two READs of the reader counts.
const WRITER_BACKOFF_MIN_NS: i64 = 2_000;
const WRITER_BACKOFF_MAX_NS: i64 = 128_000;
/// Bytes of `l_rw` and the four `r_rw` words.
const COUNTS_LEN: u32 = 40;

/// The nodes with readers in the counts `c` (`l_rw`, `r_rw0..3`) of a key
/// homed at `home`: present ones (`waiting` false) or waiting ones.
fn busy_nodes(c: [u64; 5], home: u32, waiting: bool) -> u64 {
    let (lm, rm) = if waiting {
        (0xff00, R_WAITING_MASK)
    } else {
        (0xff, R_PRESENT_MASK)
    };
    let mut nodes = u64::from(c[0] & lm != 0) << home;
    for (w, v) in c[1..].iter().enumerate() {
        let v = v & rm;
        for i in 0..4 {
            if (v >> (16 * i)) & 0xffff != 0 {
                nodes |= 1 << (4 * w + i);
            }
        }
    }
    nodes
}

impl Table {
    /// ALock-RW: the most writer sections a reader waits through from a
    /// back-out to its entry: the rest of the phase it met and, if that
    /// phase ended before its R3, one more (W1 lets no third open), each
    /// at most a cohort's budget.
    pub fn reader_wait_bound(&self) -> u64 {
        2 * u64::from(self.budget_local.max(self.budget_remote))
    }
}

impl Handle<'_> {
    // ---- readers --------------------------------------------------------

    /// Shared acquire of key `k`, homed here: CPU atomics, no verb.
    // Inlined into `Handle::lock`, which ends the wait this may begin.
    #[inline(always)]
    pub(super) fn rw_read_local(&self, k: u32) -> Result<Acq> {
        let t = self.t;
        let lrw = t.word(line(k) + L_RW);
        let ph = t.word(line(k) + WPHASE);
        let start = self.op_start.get();
        self.count(|s| s.shared += 1);
        loop {
            if self.reader_arrives_here(k) {
                return Ok(Acq::bare(0));
            }
            // R3, R4.
            self.count(|s| s.backouts += 1);
            // Inside the lock only: a snapshot for `take_backout`.
            let c = t.word(line(k) + COUNTER).load(Relaxed);
            self.backed_out.set(Some((k, c)));
            lrw.fetch_add(L_WAITING.wrapping_sub(L_PRESENT), SeqCst);
            if ph.load(SeqCst) & 0xff == 0 {
                lrw.fetch_sub(L_WAITING, SeqCst);
                continue;
            }
            // R5: a phase lasts at most a cohort's budget of sections.
            self.waiting();
            let since = now_ns();
            loop {
                let p = ph.load(Acquire) & 0xff;
                if p == 0 {
                    break;
                }
                self.count(|s| s.rw_polls += 1);
                if p == V_REMOTE && now_ns() - since > PROBE_AFTER_NS {
                    self.phase_holder_lost(k, t.word(line(k) + R_TAIL).load(Acquire));
                }
                if let Err(e) = self.check_wait(k, start) {
                    lrw.fetch_sub(L_WAITING, SeqCst);
                    return Err(e);
                }
                self.pause(since);
            }
            // R6.
            let old = lrw.fetch_add(L_PRESENT.wrapping_sub(L_WAITING), SeqCst);
            self.overlap(old & 0xff);
            return Ok(Acq::bare(0));
        }
    }

    /// R1 and R2 of a local reader of key `k`: whether it entered (else
    /// it is counted present still).
    #[inline(always)]
    pub(super) fn reader_arrives_here(&self, k: u32) -> bool {
        let t = self.t;
        // A full barrier between the count and the load.
        let old = t.word(line(k) + L_RW).fetch_add(L_PRESENT, SeqCst);
        if t.word(line(k) + WPHASE).load(SeqCst) & 0xff != 0 {
            return false;
        }
        self.overlap(old & 0xff);
        true
    }

    /// The key and the value's counter word (`Value[1]`) when a local
    /// reader of this handle last backed out, taken (`None` if none did
    /// since the last call).  Test workloads that count writer sections
    /// in the counter check the reader bound with it: from a back-out to
    /// the entry, at most [`Table::reader_wait_bound`] writer sections.
    pub fn take_backout(&self) -> Option<(u32, u64)> {
        self.backed_out.take()
    }

    /// A reader entered with `others` readers of its node present.
    pub(super) fn overlap(&self, others: u64) {
        if others > 0 {
            self.count(|s| s.overlaps += 1);
        }
    }

    /// The READ of key `k`'s `wphase` alone, where a READ of the line
    /// puts it ([`Handle::line_xfer`]).
    pub(super) fn phase_xfer(&self, k: u32) -> Xfer {
        Xfer {
            remote: line(k) + WPHASE,
            local: self.scratch() + LINE_READ + (WPHASE - L_TAIL),
            len: 8,
        }
    }

    /// `wphase` as the last READ of it left it in the scratch space.
    pub(super) fn phase_read(&self) -> u64 {
        self.scratch_word(WPHASE) & 0xff
    }

    /// R1 and R2 of a remote reader of key `k` at its home `p` with the
    /// value, in one post: the FAA and one READ of `wphase` up to `epoch`
    /// (`wphase` below the value: loaded first); the acquire if `wphase`
    /// was 0 (else the reader is counted present still).  `undo_wait`:
    /// the same FAA also takes back the reader's waiting count (after an
    /// R4 that found the phase over; the reader is counted waiting until
    /// it is counted present, and checks `wphase` after, as at R1).
    pub(super) fn reader_arrives(&self, p: &Peer, k: u32, undo_wait: bool) -> Result<Option<Acq>> {
        let (w, s) = r_rw(self.t.me);
        let ph = self.phase_xfer(k);
        let x = Xfer {
            len: (EPOCH + 8 - WPHASE) as u32,
            ..ph
        };
        let waiting = if undo_wait { 1u64 << (s + 8) } else { 0 };
        let faa = Verb::Faa {
            remote: line(k) + w,
            add: (1u64 << s).wrapping_sub(waiting),
        };
        self.verbs(1, 0, 1);
        let old = p.chain(&[faa, Verb::Read(x)], self.wait)?[0];
        if self.phase_read() != 0 {
            return Ok(None);
        }
        self.overlap((old >> s) & 0xff);
        Ok(Some(Acq {
            budget: 0,
            value: self.line_value(),
        }))
    }

    /// Shared acquire of key `k`, homed elsewhere: one post for R1, R2
    /// and the value; R3/R4 in another; R5 polls `wphase`.
    // Inlined into `Handle::lock`, which ends the wait this may begin.
    #[inline(always)]
    pub(super) fn rw_read_remote(&self, k: u32) -> Result<Acq> {
        let t = self.t;
        let home = t.home(k);
        let p = t.peer(home)?;
        let (w, s) = r_rw(t.me);
        let (present, waiting) = (1u64 << s, 1u64 << (s + 8));
        let cnt = line(k) + w;
        let (ph, val) = (self.phase_xfer(k), self.value_read(k));
        let start = self.op_start.get();
        self.blame(1 << home);
        self.count(|s| s.shared += 1);
        let mut undo_wait = false;
        loop {
            if let Some(acq) = self.reader_arrives(p, k, undo_wait)? {
                return Ok(acq);
            }
            self.count(|s| s.backouts += 1);
            self.verbs(1, 0, 1);
            let faa = Verb::Faa {
                remote: cnt,
                add: waiting.wrapping_sub(present),
            };
            p.chain(&[faa, Verb::Read(ph)], self.wait)?;
            if self.phase_read() == 0 {
                // Back to R1, with the waiting count's undo in its FAA.
                undo_wait = true;
                continue;
            }
            self.waiting();
            let since = now_ns();
            let mut backoff = READER_BACKOFF_MIN_NS;
            loop {
                if let Err(e) = self.backoff(k, start, backoff) {
                    self.verbs(0, 0, 1);
                    let _ = p.fetch_and_add(cnt, waiting.wrapping_neg(), self.wait);
                    return Err(e);
                }
                backoff = (backoff * 2).min(READER_BACKOFF_MAX_NS);
                // With the remote cohort's tail, once the wait is long.
                let long = now_ns() - since > PROBE_AFTER_NS;
                let tail = Xfer {
                    remote: line(k) + R_TAIL,
                    local: self.scratch() + LINE_READ,
                    len: 8,
                };
                if long {
                    self.verbs(2, 0, 0);
                    p.chain(&[Verb::Read(ph), Verb::Read(tail)], self.wait)?;
                } else {
                    self.verbs(1, 0, 0);
                    p.read(ph.remote, ph.local, ph.len, self.wait)?;
                }
                let phase = self.phase_read();
                if phase == 0 {
                    break;
                }
                self.count(|s| s.rw_polls += 1);
                if long && phase == V_REMOTE {
                    self.phase_holder_lost(k, t.word(tail.local).load(Acquire));
                }
            }
            self.verbs(1, 0, 1);
            let faa = Verb::Faa {
                remote: cnt,
                add: present.wrapping_sub(waiting),
            };
            let old = p.chain(&[faa, Verb::Read(val)], self.wait)?[0];
            self.overlap((old >> s) & 0xff);
            return Ok(Acq {
                budget: 0,
                value: self.line_value(),
            });
        }
    }

    /// A reader that waits long for the end of a remote writer phase of
    /// key `k`, whose remote cohort's tail is `rt`: if the tail's node is
    /// lost, the key's home is asked to reset the key (recovery ends the
    /// dead holder's phase; a dead waiter's live predecessors report it
    /// themselves); else the node is probed.  Nothing else would: no
    /// writer may wait behind a holder that died.
    fn phase_holder_lost(&self, k: u32, rt: u64) {
        let t = self.t;
        let Ok((n, _)) = t.split(rt) else {
            return;
        };
        let Ok(p) = t.peer(n) else {
            return;
        };
        if p.is_up() {
            p.probe();
        } else if (t.can_recover() || t.home(k) != t.me)
            && now_ns() - self.reported.get() >= PROBE_AFTER_NS
        {
            // `report_stuck` spaces the reports; this, the READs.
            if let Ok((era, false)) = self.read_epoch(k) {
                let _ = self.report_stuck(k, era);
            }
        }
    }

    /// Releases key `k`, held shared.
    pub(super) fn rw_read_unlock(&self, k: u32) -> Result {
        let t = self.t;
        let home = t.home(k);
        if home == t.me {
            t.word(line(k) + L_RW).fetch_sub(L_PRESENT, Release);
            return Ok(());
        }
        // Nobody needs the old count: the FAA is not waited for (the
        // connection collects its completion later; its failure fails the
        // connection, and the home reclaims the count with the node's).
        let (w, s) = r_rw(t.me);
        self.verbs(0, 0, 1);
        t.peer(home)?
            .fetch_and_add_detached(line(k) + w, (1u64 << s).wrapping_neg())
    }

    // ---- writers --------------------------------------------------------

    /// Exclusive acquire of key `k` with descriptor `d`: ALock, then a new
    /// phase unless the hand-off passed the current one on.
    // Inlined into `Handle::lock`, which ends the wait this may begin.
    #[inline(always)]
    pub(super) fn rw_write(&self, k: u32, d: u64) -> Result<Acq> {
        let t = self.t;
        let local = t.home(k) == t.me;
        let (acq, full) = if local {
            (self.alock_local(k, d)?, t.budget_local)
        } else {
            (self.alock_remote(k, d)?, t.budget_remote)
        };
        // A leader (or a `lead` hand-off) starts with the full budget;
        // a `pass` leaves less.
        if acq.budget < full {
            return Ok(acq);
        }
        if let Err(e) = self.open_phase(k, d, true) {
            self.abort_phase(k, d);
            return Err(e);
        }
        Ok(acq)
    }

    /// A writer of key `k` (descriptor `d`) that holds ALock and gives up
    /// in W1-W3: closes the phase and releases, leaving no trace (a failed
    /// release leaves the queue stuck: the key is broken).
    pub(super) fn abort_phase(&self, k: u32, d: u64) {
        let qera = self.enq_era.get().unwrap_or(0);
        if self.rw_write_release(k, d, 0, None, qera).is_err() {
            self.t.mark_broken(k);
        }
        self.phase(Phase::Out);
    }

    /// W1-W3 of the ALock holder of key `k` (descriptor `d`): waits for
    /// the readers if `wait`, else (try-locks) returns whether there were
    /// none; a `false` after W2 leaves `wphase` set: the caller's release
    /// clears it.
    pub(super) fn open_phase(&self, k: u32, d: u64, wait: bool) -> Result<bool> {
        self.count(|s| s.phases += 1);
        if self.t.home(k) == self.t.me {
            self.open_phase_local(k, wait)
        } else {
            self.open_phase_remote(k, d, wait)
        }
    }

    /// Probes the nodes of `nodes` (readers) once the wait that began at
    /// `start` is long: the home reclaims a lost node's counts only once
    /// its own connection to it failed.
    fn probe_readers(&self, nodes: u64, start: i64) {
        if now_ns() - start < PROBE_AFTER_NS {
            return;
        }
        let mut b = nodes & !(1 << self.t.me);
        while b != 0 {
            let n = b.trailing_zeros();
            b &= b - 1;
            if let Ok(p) = self.t.peer(n) {
                p.probe();
            }
        }
    }

    /// A poll of W1 or W3 that found readers on the nodes of `busy`:
    /// `Some(true)` if there were none, `Some(false)` if there were and
    /// the writer does not `wait` (a try); else `None` (the poll counted,
    /// long waits' readers probed): wait on.
    fn drained(&self, busy: u64, wait: bool, start: i64) -> Option<bool> {
        if busy == 0 {
            return Some(true);
        }
        if !wait {
            return Some(false);
        }
        self.count(|s| s.rw_polls += 1);
        self.probe_readers(busy, start);
        None
    }

    /// The reader counts of key `k`, homed here (CPU loads).
    fn counts_here(&self, k: u32) -> [u64; 5] {
        let t = self.t;
        let mut c = [0u64; 5];
        c[0] = t.word(line(k) + L_RW).load(SeqCst);
        for (i, x) in c[1..].iter_mut().enumerate() {
            *x = t.word(line(k) + R_RW + 8 * i as u64).load(SeqCst);
        }
        c
    }

    /// W1-W3 of a local writer of key `k`: no verb.
    fn open_phase_local(&self, k: u32, wait: bool) -> Result<bool> {
        let t = self.t;
        let start = self.op_start.get();
        for waiting in [true, false] {
            if !waiting {
                // W2, then a full barrier before the loads of W3.
                t.word(line(k) + WPHASE).store(V_LOCAL, SeqCst);
                fence(SeqCst);
            }
            let since = now_ns();
            loop {
                match self.drained(busy_nodes(self.counts_here(k), t.me, waiting), wait, start) {
                    Some(true) => break,
                    Some(false) => return Ok(false),
                    None => {}
                }
                self.blame(0);
                self.check_wait(k, start)?;
                self.pause(since);
            }
        }
        Ok(true)
    }

    /// The counts as the last READ of them left them in the scratch space.
    fn counts_read(&self) -> [u64; 5] {
        let base = self.scratch() + LINE_READ;
        let mut c = [0u64; 5];
        for (i, x) in c.iter_mut().enumerate() {
            *x = self.t.word(base + 8 * i as u64).load(Acquire);
        }
        c
    }

    /// W1-W3 of a remote writer of key `k` with descriptor `d`, W1 first
    /// checked after W2: the `wphase` WRITE and a READ of the counts in
    /// one post; if a reader still waits for the phase before, the phase
    /// is taken back (a WRITE of 0 with the next READ) and W1 (READ until
    /// no reader waits), W2 and W3 follow in order; W3 READs while
    /// readers are present.  Each READ repeated with backoff (if `wait`).
    ///
    /// W1 after W2 is W1: the READ comes after this writer's acquire as
    /// before, so it finds every reader that was counted waiting before
    /// the last phase's clear (the argument at the top); a reader that
    /// backs out because of this writer's `wphase` waits for this
    /// writer's clear (the one of the undo, or of its release), not for
    /// an earlier one.
    fn open_phase_remote(&self, k: u32, d: u64, wait: bool) -> Result<bool> {
        let t = self.t;
        let home = t.home(k);
        let p = t.peer(home)?;
        let x = Xfer {
            remote: line(k) + L_RW,
            local: self.scratch() + LINE_READ,
            len: COUNTS_LEN,
        };
        t.word(d + SRC_STATE).store(V_REMOTE, Release);
        let set = Xfer {
            remote: line(k) + WPHASE,
            local: d + SRC_STATE,
            len: 8,
        };
        self.verbs(1, 1, 0);
        p.write_read(set, x, self.wait)?;
        if busy_nodes(self.counts_read(), home, true) != 0 {
            if !wait {
                // A try: the caller's release clears `wphase`.
                return Ok(false);
            }
            self.verbs(1, 1, 0);
            p.write_read(self.phase_end(k), x, self.wait)?;
            self.await_readers(k, x, true)?;
            self.verbs(1, 1, 0);
            p.write_read(set, x, self.wait)?;
        }
        if !wait {
            return Ok(busy_nodes(self.counts_read(), home, false) == 0);
        }
        self.await_readers(k, x, false)?;
        Ok(true)
    }

    /// READs the counts of key `k` (`x`, at its home) with backoff until
    /// no reader is `waiting` (W1) or present (W3); the first test is of
    /// the counts in the scratch space.
    fn await_readers(&self, k: u32, x: Xfer, waiting: bool) -> Result {
        let t = self.t;
        let home = t.home(k);
        let p = t.peer(home)?;
        let start = self.op_start.get();
        let mut backoff = WRITER_BACKOFF_MIN_NS;
        while self
            .drained(busy_nodes(self.counts_read(), home, waiting), true, start)
            .is_none()
        {
            self.blame(1 << home);
            self.backoff(k, start, backoff)?;
            backoff = (backoff * 2).min(WRITER_BACKOFF_MAX_NS);
            self.verbs(1, 0, 0);
            p.read(x.remote, x.local, x.len, self.wait)?;
        }
        Ok(())
    }

    /// Releases `h` (exclusive), taken with descriptor `d`, after the
    /// value's write-back `wb` (see the module doc: `pass` keeps the
    /// phase, anything else ends it first).
    pub(super) fn rw_write_unlock(&self, h: &Held, d: u64, wb: Option<Xfer>) -> Result {
        self.rw_write_release(h.key, d, h.budget, wb, h.qera)
    }

    /// The release of a writer of key `k` with descriptor `d` and
    /// `budget`, that entered through the queue of era `qera`: ALock's,
    /// with the phase's end.
    pub(super) fn rw_write_release(
        &self,
        k: u32,
        d: u64,
        budget: u32,
        wb: Option<Xfer>,
        qera: u64,
    ) -> Result {
        if self.t.home(k) == self.t.me {
            self.alock_local_release(k, d, budget, true)
        } else {
            self.alock_remote_release(k, d, budget, wb, qera, true)
        }
    }

    /// The WRITE of `wphase` = 0 of key `k` (from the scratch space) that
    /// ends a remote writer's phase.
    pub(super) fn phase_end(&self, k: u32) -> Xfer {
        let z = self.scratch() + ZERO_SRC;
        self.t.word(z).store(0, Release);
        Xfer {
            remote: line(k) + WPHASE,
            local: z,
            len: 8,
        }
    }
}
