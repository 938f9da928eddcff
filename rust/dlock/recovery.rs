// SPDX-License-Identifier: GPL-2.0

//! Recovery of an ALock key after a node died holding it or queued in it.
//!
//! A dead node D in a key's remote queue stops it: as the holder or the
//! remote leader it never releases, as a waiter it never passes the lock
//! on, and whoever waits behind it (remote waiters, the home's local
//! leader, which waits while `r_tail != 0`) waits for ever.  Only the
//! key's home H can start the queue again: `r_tail` lives there.
//!
//! * **Detection.**  A wait blames the nodes it depends on
//!   ([`super::failure`]) and probes them; a waiter whose predecessor (or
//!   the home's local leader whose remote tail) is on a lost node asks H
//!   to reset the key ([`Handle::report_stuck`]: an RDMA WRITE of
//!   `enc(key, era)` into one of the requesting node's request slots at
//!   H, repeated while the wait lasts; a CPU store at H itself).
//! * **Closing.**  H's helper thread ([`Table::recovery_round`]) takes a
//!   request for the key's current era and moves the line's `epoch` word
//!   to the next era, marked *closing* (so that a holder that enters after
//!   the reset reads the new era).  From then on no remote thread enters with a
//!   READ of the line (a remote leader's entry READ and its Peterson polls
//!   read `epoch` with `l_tail`): one that sees `closing`, or another era
//!   than the one it enqueued in, leaves its descriptor behind (passed
//!   through by the helper, [`super::failure`]) and enqueues again once
//!   the key is open.
//! * **Lease.**  Threads that entered before, and the successors they
//!   pass the lock to inside the cohort (at most the remote budget, with
//!   no READ), must be out of their critical sections before the queue is
//!   reset: H waits `(remote budget + 1) x lease` after closing.  The
//!   lease is the longest critical section the table's users promise
//!   (`Config::lease_ms`); a holder that overruns it may overlap the next
//!   era's holder (the limit of every lease).
//! * **Reset.**  H changes `r_tail` back to 0 with an RDMA CAS through
//!   its loopback connection (the only means that word is changed by; a
//!   table without loopback cannot recover and marks the key broken),
//!   then opens the new era.  Waiters of the old queue learn it: the
//!   first behind the dead node polls `epoch` while its predecessor is
//!   lost, the others get `RESET` from their predecessor's helper, which
//!   forwards it when it passes their abandoned predecessor through.
//! * **Fencing.**  A late WRITE or release of the dead node cannot reach
//!   H: H's connection to it is torn down (its QP is in the error state)
//!   before H learns of the loss.  Old-era hand-offs reach only
//!   descriptors of the old queue, which are retired until no WRITE can
//!   reach them ([`super::failure`]).  The value of a reset key is stamped
//!   with an old era: its next holder learns it may be torn
//!   ([`Handle::torn`]).
//!
//! The model is crash-stop with a fabric that may lose a node: a
//! partition that leaves D alive is safe as long as D's critical sections
//! respect the lease.  Keys homed on a lost node are lost (`EPIPE`): the
//! table keeps no replica.  The competitors (spin, MCS, RPC) have no
//! recovery: their keys are marked broken.

use core::sync::atomic::Ordering::{Acquire, Release};

use kernel::{bindings, prelude::*};

use super::table::{Handle, Table};
use super::window::{
    dec, enc, epoch_of, epoch_word, line, r_rw, EPOCH, NEXT, REQ_SLOTS, REQ_SRC, R_RW, R_TAIL,
    V_REMOTE, WPHASE,
};
use crate::support::util::{errno, now_ns};

/// The shortest time between two reports, and between two reads of the
/// epoch by a waiter behind a lost node.
const REPORT_NS: i64 = 100_000_000;
/// CAS attempts of one reset before the helper tries again next round.
const RESET_TRIES: u32 = 16;

/// A request's payload: the key and the low 24 bits of its era.
fn request(key: u32, era: u64) -> u64 {
    (u64::from(key) << 24) | (era & 0xff_ffff)
}

/// `ESTALE`: the acquire's queue was reset; enqueue again (never returned
/// to callers).
pub(super) fn stale() -> Error {
    errno(bindings::ESTALE)
}

impl Table {
    /// The era of the queue a thread joins when key `k`'s epoch word
    /// shows `era` and `closing`: a closing word already names the next
    /// era, and the queue still belongs to the one before.
    pub(super) fn queue_era(era: u64, closing: bool) -> u64 {
        if closing {
            era.saturating_sub(1)
        } else {
            era
        }
    }

    /// The era and closing flag of key `k`, homed here.
    pub(super) fn epoch_here(&self, k: u32) -> (u64, bool) {
        epoch_of(self.word(line(k) + EPOCH).load(Acquire)).unwrap_or((0, true))
    }

    /// Whether this node can reset its keys (it has a loopback
    /// connection, which changes `r_tail` by RDMA CAS).
    pub(super) fn can_recover(&self) -> bool {
        self.peer(self.me).is_ok()
    }

    /// The helper's recovery round: takes the reset requests of every
    /// node, closes the eras they name, resets the keys whose lease ran
    /// out.
    pub(super) fn recovery_round(&self) {
        let base = self.req_base();
        let now = now_ns();
        for slot in 0..u64::from(self.nodes()) * REQ_SLOTS {
            let w = self.word(base + 8 * slot);
            let v = w.load(Acquire);
            if v == 0 {
                continue;
            }
            w.store(0, Release);
            let Some(x) = dec(v) else {
                // A copy still in progress: its sender asks again.
                continue;
            };
            let k = (x >> 24) as u32;
            if k >= self.keys() || self.home(k) != self.me {
                continue;
            }
            let (era, closing) = self.epoch_here(k);
            if closing || era & 0xff_ffff != x & 0xff_ffff {
                continue;
            }
            // The next era, closing: a holder that enters once the reset
            // cleared `r_tail` reads the new era (its value is torn).
            self.word(line(k) + EPOCH)
                .store(epoch_word(era + 1, true), Release);
            let wait = i64::from(self.budget_remote + 1) * self.lease_ns;
            self.closing[k as usize].store(now + wait, Release);
        }
        for &k in self.local_keys() {
            let deadline = self.closing[k as usize].load(Acquire);
            if deadline != 0 && now >= deadline {
                self.reset(k);
            }
        }
        if self.rw_used.load(Acquire) {
            self.reader_round(now);
        }
    }

    /// ALock-RW's reader counts of the keys homed here: probes the nodes
    /// whose counts somebody waits for (present readers of a key in a
    /// writer phase, whose writer waits in W3 or is in its section;
    /// waiting readers, which a writer's W1 waits for), so a node that
    /// died holding a shared lock is found even if nothing else here
    /// talks to it, and no probe is posted while nobody waits; once this
    /// node's own connection to a node is down (its QP in the error
    /// state: no late FAA of it lands) and a lease has passed (its
    /// readers' sections are over), takes that node's counts back: its
    /// exact 16 bits of each `r_rw` word, by loopback FAA (the only means
    /// those words are changed by).  Without loopback, the keys are
    /// broken.
    fn reader_round(&self, now: i64) {
        let mut waited_for = 0u64;
        for &k in self.local_keys() {
            // Per node: both bytes in a phase, else the waiting one.
            let mask = if self.word(line(k) + WPHASE).load(Acquire) & 0xff != 0 {
                0xffff
            } else {
                0xff00
            };
            for i in 0..4u64 {
                let v = self.word(line(k) + R_RW + 8 * i).load(Acquire);
                for j in 0..4 {
                    if (v >> (16 * j)) & mask != 0 {
                        waited_for |= 1 << (4 * i + j);
                    }
                }
            }
        }
        for n in 0..self.nodes() {
            let Ok(p) = self.peer(n) else {
                continue;
            };
            let lost = &self.lost_at[n as usize];
            if n == self.me || p.is_up() {
                if waited_for & (1 << n) != 0 {
                    p.probe();
                }
                continue;
            }
            let since = lost.load(Acquire);
            if since == 0 {
                lost.store(now, Release);
                continue;
            }
            if since < 0 || now - since < self.lease_ns {
                continue;
            }
            // Once: a lost peer stays lost in this cluster.
            lost.store(-1, Release);
            self.reclaim_readers(n);
        }
    }

    /// Takes node `n`'s reader counts back from every key homed here.
    fn reclaim_readers(&self, n: u32) {
        let (w, s) = r_rw(n);
        let lo = self.peer(self.me).ok();
        for &k in self.local_keys() {
            let f = (self.word(line(k) + w).load(Acquire) >> s) & 0xffff;
            if f == 0 {
                continue;
            }
            let ok = lo.is_some_and(|lo| {
                lo.fetch_and_add(
                    line(k) + w,
                    (f << s).wrapping_neg(),
                    crate::rdma::Wait::Yield,
                )
                .is_ok()
            });
            if ok {
                self.rw_reclaims
                    .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                pr_info!(
                    "dlock: key {}: lost node {}'s readers taken back ({} present, {} waiting)\n",
                    k,
                    n,
                    f & 0xff,
                    f >> 8
                );
            } else {
                self.mark_broken(k);
            }
        }
    }

    /// Resets key `k` (homed here, closing, lease over): `r_tail` back to
    /// 0 by loopback CAS, then the next era opens.
    fn reset(&self, k: u32) {
        let Ok(lo) = self.peer(self.me) else {
            self.mark_broken(k);
            self.closing[k as usize].store(0, Release);
            return;
        };
        // ALock-RW: a phase of the remote cohort is the dead holder's (or
        // its successors', out after the lease): end it before the reset.
        // No local writer can hold one yet: the stuck remote cohort holds
        // Peterson's turn until `r_tail` is 0 (`super::alock_rw`).
        let ph = self.word(line(k) + WPHASE);
        if ph.load(Acquire) & 0xff == V_REMOTE {
            ph.store(0, Release);
        }
        let tail = line(k) + R_TAIL;
        let mut t = self.word(tail).load(Acquire);
        let mut tries = 0;
        while t != 0 {
            if tries == RESET_TRIES {
                // New arrivals keep changing it: next round.
                return;
            }
            tries += 1;
            match lo.compare_and_swap(tail, t, 0, crate::rdma::Wait::Yield) {
                Ok(old) if old == t => break,
                Ok(old) => t = old,
                Err(_) => {
                    self.mark_broken(k);
                    self.closing[k as usize].store(0, Release);
                    return;
                }
            }
        }
        // Open the era that closing started (it is already the key's).
        let (era, _) = self.epoch_here(k);
        self.word(line(k) + EPOCH)
            .store(epoch_word(era, false), Release);
        self.closing[k as usize].store(0, Release);
        self.resets
            .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        pr_info!("dlock: key {} reset after a lost node, era {}\n", k, era);
    }
}

impl Handle<'_> {
    /// Asks key `k`'s home to reset it: its queue is stuck at a lost node
    /// in era `era` (at most one report per [`REPORT_NS`] per handle).
    pub(super) fn report_stuck(&self, k: u32, era: u64) -> Result {
        let now = now_ns();
        if now - self.reported.get() < REPORT_NS {
            return Ok(());
        }
        self.reported.set(now);
        let t = self.t;
        let home = t.home(k);
        let off = t.req_base() + 8 * (u64::from(t.me) * REQ_SLOTS + self.idx as u64 % REQ_SLOTS);
        let v = enc(request(k, era));
        if home == t.me {
            t.word(off).store(v, Release);
            return Ok(());
        }
        let src = self.scratch() + REQ_SRC;
        t.word(src).store(v, Release);
        self.verbs(0, 1, 0);
        t.peer(home)?.write(off, src, 8, self.wait)
    }

    /// Key `k`'s era and closing flag at its home (a READ of the line from
    /// `l_tail` elsewhere, into the scratch space).
    pub(super) fn read_epoch(&self, k: u32) -> Result<(u64, bool)> {
        let t = self.t;
        let home = t.home(k);
        if home == t.me {
            return Ok(t.epoch_here(k));
        }
        let x = self.line_xfer(k);
        self.verbs(1, 0, 0);
        t.peer(home)?.read(x.remote, x.local, x.len, self.wait)?;
        Ok(self.line_epoch().unwrap_or((0, true)))
    }

    /// A waiter of key `k` that depends on a lost node (not the home):
    /// reports it, and ends the wait with [`stale`] once the key's era
    /// moved past the one it enqueued in.
    pub(super) fn stuck(&self, k: u32) -> Result {
        let t = self.t;
        let Some(enq) = self.enq_era.get() else {
            return Ok(());
        };
        self.report_stuck(k, enq)?;
        if t.home(k) == t.me {
            // The home's local leader: the reset clears `r_tail`.
            return Ok(());
        }
        let now = now_ns();
        if now - self.polled.get() < REPORT_NS {
            return Ok(());
        }
        self.polled.set(now);
        let (era, closing) = self.read_epoch(k)?;
        if era != enq && !closing {
            return Err(stale());
        }
        Ok(())
    }

    /// The release of key `k` by a remote holder with descriptor `d`,
    /// entered through the queue of era `qera`, whose tail CAS found `last`
    /// in the tail: waits for the successor's link and returns it, or ends
    /// with [`stale`] once the queue was reset.  A successor that died
    /// between its tail CAS and its link never links: the wait blames the
    /// tail's node (if it is the one lost, `check_wait` reports the key),
    /// and every `REPORT_NS` READs the key's epoch (if the dead one is
    /// before a live tail, the live waiters behind it report it).  Nobody
    /// is owed a hand-off from a queue that was reset.
    pub(super) fn wait_link(&self, d: u64, k: u32, qera: u64, last: u64) -> Result<u64> {
        let t = self.t;
        let w = t.word(d + NEXT);
        if let Ok((n, _)) = t.split(last) {
            self.blame(self.blame.get() | (1 << n));
        }
        // `stuck` (from `check_wait`) reports this queue's era.
        self.enq_era.set(Some(qera));
        let start = now_ns();
        let mut polled = start;
        loop {
            let v = w.load(Acquire);
            if dec(v).is_some() {
                return Ok(v);
            }
            self.check_wait(k, start)?;
            let now = now_ns();
            if now - polled >= REPORT_NS {
                polled = now;
                let (era, closing) = self.read_epoch(k)?;
                if era != qera && !closing {
                    return Err(stale());
                }
            }
            self.pause(start);
        }
    }

    /// Waits until key `k` is open in an era after `era` (a thread whose
    /// queue was reset, before it enqueues again).
    pub(super) fn wait_open(&self, k: u32, era: u64, start: i64) -> Result {
        loop {
            let (e, closing) = self.read_epoch(k)?;
            if !closing && e != era {
                return Ok(());
            }
            self.blame(1 << self.t.home(k));
            // One READ per `REPORT_NS` / 2: the wait lasts the lease wait
            // at most, and each READ is a verb of the fabric's capacity.
            let since = now_ns();
            while now_ns() < since + REPORT_NS / 2 {
                self.check_wait(k, start)?;
                self.pause(since);
            }
        }
    }
}
