// SPDX-License-Identifier: GPL-2.0

//! When an acquire fails: what a wait blames, what a failed acquire
//! leaves in a queue, and the helper thread that clears it.
//!
//! * [`Handle::check_wait`], called between the polls of every wait:
//!   `ETIMEDOUT` past the handle's timeout; `EINTR` on a pending signal
//!   (handles that may sleep: the `/dev/alock` and C API callers); `EPIPE`
//!   at once when a peer the wait depends on is lost: the key's home
//!   (the key is lost, marked broken on this node), or for ALock another
//!   node, whose loss recovery repairs ([`super::recovery`]: the waiter
//!   reports it and waits on); the competitors' keys are marked broken.  What a wait depends on is its
//!   *blame set* ([`Handle::blame`]), set by the algorithm for each wait:
//!   the key's home, the predecessor's node, the node at the remote
//!   cohort's tail.  A wait longer than [`PROBE_AFTER_NS`] asks those
//!   peers for liveness probes ([`crate::rdma::Peer::probe`]): a waiter
//!   spinning on its own descriptor has no verb in flight that would
//!   notice a dead peer.
//! * An acquire that fails after its descriptor joined a queue leaves it
//!   there: a predecessor may still hand the lock to it, a successor may
//!   still link to it.  [`Handle::abandon`] records it (key and kind) and
//!   the table's helper thread (its [`Round`]) passes it through: once a
//!   hand-off arrives it releases at once, as a holder would (`pass(b -
//!   1)` or `lead` to the successor, or the tail back to 0), and a leader
//!   that failed in the Peterson wait forwards `lead`.  Then no WRITE can
//!   reach the descriptor any more (the predecessor's hand-off arrived,
//!   the successor's link was read or the tail CAS showed there is none)
//!   and its slot is recycled.  An RPC waiter's grant is answered with a
//!   release the same way.
//! * A descriptor left in a queue that recovery reset ([`super::recovery`])
//!   gets no hand-off: its helper forwards `RESET` to its successor (so
//!   that the whole old queue learns of the reset) and recycles it after a
//!   grace period (`GRACE_NS`), when no link WRITE can be in flight.  The
//!   helper learns of the reset from the thread that gave up (its acquire
//!   found the queue reset), from a `RESET` in the descriptor, or by
//!   reading the key's epoch once a second while an abandoned remote
//!   descriptor waits (`STALE_CHECK_NS`).
//! * A failure that leaves a queue in an unknown state (the enqueue CAS
//!   or the link WRITE failed: the connection is gone; a hand-off WRITE
//!   failed) marks the key broken on this node, and a slot that a late
//!   WRITE may still reach stays retired until the table goes.

use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

use kernel::{bindings, c_str, prelude::*};

use super::table::{broken, Handle, Held, Kind, Phase, Table};
use super::window::{
    dec, enc, DESC, EPOCH, L_TAIL, MAX_HELD, NEXT, RESET, SRC_STATE, STATE, VICTIM,
};
use crate::rdma::{relax, Wait};
use crate::support::kthread::Round;
use crate::support::util::{errno, now_ns, RateLimit};

/// A wait longer than this asks the peers it blames for liveness probes.
pub const PROBE_AFTER_NS: i64 = 50_000_000;
/// The helper's longest wait for one step of a pass-through (it tries
/// again on its next round).
const HELPER_TIMEOUT_MS: u32 = 50;
/// The helper's pause between rounds while descriptors are abandoned,
/// and while none is.
const HELPER_BUSY_MS: u32 = 1;
const HELPER_IDLE_MS: u32 = 20;

impl Kind {
    fn code(self) -> u64 {
        match self {
            Kind::Alock => 0,
            Kind::SpinLoopback => 1,
            Kind::McsLoopback => 2,
            Kind::Rpc => 3,
            Kind::AlockRw => 4,
            Kind::DslrLoopback => 5,
        }
    }

    fn from_code(c: u64) -> Self {
        match c {
            0 => Kind::Alock,
            1 => Kind::SpinLoopback,
            2 => Kind::McsLoopback,
            4 => Kind::AlockRw,
            5 => Kind::DslrLoopback,
            _ => Kind::Rpc,
        }
    }
}

/// Whether the current task has a signal pending.
fn signal_pending() -> bool {
    // SAFETY: `current` is always a valid task.
    unsafe { bindings::signal_pending(bindings::get_current()) != 0 }
}

/// An abandoned descriptor's record: 0 for none.
fn record(kind: Kind, key: u32, stale: bool) -> u64 {
    (1 << 63) | (u64::from(stale) << STALE_BIT) | (kind.code() << 32) | u64::from(key)
}

/// How long an abandoned remote ALock descriptor waits before the helper
/// checks whether its queue was reset (and between two checks).
const STALE_CHECK_NS: i64 = 1_000_000_000;
/// Record bit: the descriptor's queue was reset (recovery).
const STALE_BIT: u32 = 62;
/// How long a descriptor of a reset queue stays retired: a successor's
/// link WRITE in flight completes or fails within the op timeout.
const GRACE_NS: i64 = 2_000_000_000;

/// Waits that timed out are reported at most once a second (user space
/// picks the timeouts).
static TIMEOUT_REPORTS: RateLimit = RateLimit::new(1_000_000_000);

impl Handle<'_> {
    /// Sets the nodes the next waits depend on (a bit per node).
    pub(super) fn blame(&self, nodes: u64) {
        self.blame.set(nodes);
    }

    /// Records where the acquire in progress stands.
    pub(super) fn phase(&self, p: Phase) {
        self.phase.set(p);
    }

    /// Gives up a wait that outlasted the timeout (`ETIMEDOUT`), that a
    /// signal interrupts (`EINTR`), or one that cannot end because a peer
    /// it depends on is lost (`EPIPE`, and the key is marked broken).
    pub(super) fn check_wait(&self, k: u32, start: i64) -> Result {
        let waited = now_ns() - start;
        if waited > self.timeout_ns {
            if TIMEOUT_REPORTS.due() {
                // Where a wait gave up: which key, in what phase, blaming
                // which nodes (a wait that should not have lasted this
                // long, as under link faults, shows what it waited for).
                let phase = match self.phase.get() {
                    Phase::Out => "out",
                    Phase::Queued => "queued",
                    // A cohort's leader, or a holder in its release.
                    Phase::Leader => "leader or holder",
                    Phase::Unknown => "enqueueing",
                };
                // The last READ of the key's line into this handle's
                // scratch (a remote leader's): l_tail, victim, epoch.
                pr_info!(
                    "dlock: a wait for key {} timed out after {} ms ({}, waiting on nodes {:#x}; last line read: l_tail {:#x} victim {} epoch {:#x})\n",
                    k,
                    waited / 1_000_000,
                    phase,
                    self.blame.get(),
                    self.scratch_word(L_TAIL),
                    self.scratch_word(VICTIM),
                    self.scratch_word(EPOCH)
                );
            }
            return Err(errno(bindings::ETIMEDOUT));
        }
        // `Wait::Yield` callers are in process context (they may sleep).
        if self.wait == Wait::Yield && signal_pending() {
            return Err(errno(bindings::EINTR));
        }
        let t = self.t;
        let mut b = self.blame.get();
        while b != 0 {
            let node = b.trailing_zeros();
            b &= b - 1;
            let Ok(p) = t.peer(node) else {
                continue;
            };
            if p.is_up() {
                if waited > PROBE_AFTER_NS {
                    p.probe();
                }
                continue;
            }
            // A lost node other than the home holds up an ALock queue:
            // the home resets it ([`super::recovery`]).
            if node != t.home(k) && self.kind.get().is_alock() && t.can_recover() {
                self.stuck(k)?;
                continue;
            }
            t.mark_broken(k);
            return Err(broken());
        }
        Ok(())
    }

    /// One pause of `ns` between two polls of a wait for key `k` that
    /// began at `start`: relaxing, and checking the wait (timeout, signal,
    /// a lost node) as it goes.
    pub(super) fn backoff(&self, k: u32, start: i64, ns: i64) -> Result {
        let until = now_ns() + ns;
        loop {
            self.check_wait(k, start)?;
            relax(self.wait);
            if now_ns() >= until {
                return Ok(());
            }
        }
    }

    /// Deals with the descriptor of slot `slot` after an acquire of key
    /// `k` with `kind` failed (`stale`: its queue was reset): frees the
    /// slot, hands the descriptor to the helper, or retires it and marks
    /// the key broken (module doc).
    pub(super) fn abandon(&self, slot: usize, kind: Kind, k: u32, stale: bool) {
        let t = self.t;
        let g = self.idx * MAX_HELD + slot;
        match self.phase.get() {
            Phase::Out => return,
            Phase::Leader => {
                // Its hand-off is in: what the helper forwards is `lead`.
                t.word(self.desc(slot) + STATE).store(enc(0), Release);
            }
            Phase::Queued => {}
            Phase::Unknown => {
                t.mark_broken(k);
                t.retired[self.idx].fetch_or(1 << slot, AcqRel);
                return;
            }
        }
        t.retired[self.idx].fetch_or(1 << slot, AcqRel);
        t.abandoned_at[g].store(now_ns(), Relaxed);
        t.abandoned_era[g].store(self.enq_era.get().unwrap_or(0), Relaxed);
        t.abandoned[g].store(record(kind, k, stale), Release);
        t.nr_abandoned.fetch_add(1, AcqRel);
    }

    /// The helper's round: passes every abandoned descriptor whose
    /// hand-off arrived through.
    fn pass_through_all(&self) {
        let t = self.t;
        for g in 0..t.abandoned.len() {
            let rec = t.abandoned[g].load(Acquire);
            if rec == 0 {
                continue;
            }
            let (kind, key) = (Kind::from_code((rec >> 32) & 0xff), rec as u32);
            let stale = rec & (1 << STALE_BIT) != 0;
            let since = now_ns() - t.abandoned_at[g].load(Relaxed);
            if !stale && since > STALE_CHECK_NS && self.reset_since(g, kind, key) {
                // Its queue was reset while it waited: no hand-off comes;
                // from now on it forwards `RESET` (grace period anew).
                t.abandoned_at[g].store(now_ns(), Relaxed);
                t.abandoned[g].store(rec | (1 << STALE_BIT), Release);
                continue;
            }
            let old = since > GRACE_NS;
            match self.pass_through(g, kind, key, stale) {
                // Not yet, or a step timed out: next round (a descriptor
                // of a reset queue: until its grace period is over).
                Ok(false) if !(stale && old) => continue,
                Err(e) if e == errno(bindings::ETIMEDOUT) && !(stale && old) => continue,
                Ok(_) => {
                    // No WRITE can reach it any more: recycle the slot.
                    t.retired[g / MAX_HELD].fetch_and(!(1 << (g % MAX_HELD)), AcqRel);
                }
                // A lost successor: recovery restarts an ALock queue.
                Err(_) if kind.is_alock() && t.can_recover() => {}
                Err(_) => t.mark_broken(key),
            }
            t.abandoned[g].store(0, Release);
            t.nr_abandoned.fetch_sub(1, AcqRel);
        }
    }

    /// Whether the queue of remote ALock key `key`, in which abandoned
    /// descriptor `g` waits for a hand-off, was reset since it enqueued
    /// (one READ of the key's epoch, at most one per `STALE_CHECK_NS` and
    /// descriptor).
    fn reset_since(&self, g: usize, kind: Kind, key: u32) -> bool {
        let t = self.t;
        if !kind.is_alock() || t.home(key) == t.me || !t.can_recover() {
            return false;
        }
        let now = now_ns();
        if now - t.abandoned_checked[g].load(Relaxed) < STALE_CHECK_NS {
            return false;
        }
        t.abandoned_checked[g].store(now, Relaxed);
        match self.read_epoch(key) {
            // Reset: open again in another era (while it is closing, late
            // hand-offs of the old era may still come).
            Ok((era, closing)) => !closing && era != t.abandoned_era[g].load(Relaxed),
            Err(_) => false,
        }
    }

    /// Passes abandoned descriptor `g` through if its hand-off arrived;
    /// whether it did.  A descriptor of a reset queue (`stale`, or one
    /// that got `RESET`) forwards `RESET` to its successor once one is
    /// linked; it is done when its grace period is over.
    fn pass_through(&self, g: usize, kind: Kind, key: u32, stale: bool) -> Result<bool> {
        let t = self.t;
        let d = t.desc_base() + g as u64 * DESC;
        if kind == Kind::Rpc {
            if !t.rpc.granted(g as u32) {
                return Ok(false);
            }
            let p = t.peer(t.home(key))?;
            t.rpc.unlock(p, key, g as u32, self.wait)?;
            return Ok(true);
        }
        let st = dec(t.word(d + STATE).load(Acquire));
        if st == Some(RESET) || (st.is_none() && stale) {
            if let Some((nn, no)) = self.linked(d) {
                t.word(d + NEXT).store(0, Relaxed);
                let _ = self.put(nn, no, enc(RESET), d + SRC_STATE, false);
            }
            return Ok(false);
        }
        let Some(b) = st else {
            return Ok(false);
        };
        // A queue that was reset hands on no grant: `lead` makes the
        // successor read the line (and find the era over) before it enters.
        let b = if stale { 0 } else { b };
        let held = Held {
            key,
            slot: g % MAX_HELD,
            budget: b as u32,
            kind,
            shared: false,
            value: None,
            era: None,
            torn: false,
            qera: t.abandoned_era[g].load(Relaxed),
            write_back: None,
        };
        self.blame(1 << t.home(key));
        match kind {
            // A `pass` made it the phase's writer: it ends the phase or
            // passes it on.  Anything else is ALock's (a `lead` touches
            // no phase: another cohort's writer may hold one).
            Kind::AlockRw if b >= 1 => self.rw_write_unlock(&held, d, None)?,
            Kind::Alock | Kind::AlockRw if t.home(key) == t.me => {
                self.alock_local_unlock(&held, d)?
            }
            Kind::Alock | Kind::AlockRw => self.alock_remote_unlock(&held, d, None)?,
            Kind::McsLoopback => self.mcs_unlock(key, d, None)?,
            Kind::SpinLoopback | Kind::Rpc | Kind::DslrLoopback => {}
        }
        Ok(true)
    }
}

impl Table {
    /// Marks key `k` broken on this node.
    pub(super) fn mark_broken(&self, k: u32) {
        if let Some(b) = self.broken.get(k as usize) {
            b.store(true, Relaxed);
        }
    }

    /// Starts the helper thread (the table is in its `Arc`: its address
    /// is stable until `Drop` stops the thread).
    pub(super) fn start_helper(&self) -> Result {
        // SAFETY: The table outlives the thread: its `Drop` stops it
        // (`stop_helper`) before anything of the table goes.
        unsafe { self.helper.start(self, c_str!("alock-dlock")) }
    }

    /// Stops the helper thread, if it runs.
    pub(super) fn stop_helper(&self) {
        self.helper.stop();
    }
}

/// The helper thread's round: recovery of the keys homed here, then the
/// abandoned descriptors; how long to sleep.
impl Round for Table {
    fn round(&self) -> u32 {
        self.recovery_round();
        if self.nr_abandoned.load(Acquire) == 0 {
            return HELPER_IDLE_MS;
        }
        if let Ok(h) = self.handle(Wait::Yield, HELPER_TIMEOUT_MS) {
            h.pass_through_all();
        }
        HELPER_BUSY_MS
    }
}
