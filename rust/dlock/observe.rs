// SPDX-License-Identifier: GPL-2.0

//! What the lock table shows the kernel's tools: each acquisition's wait
//! as `lock:contention_begin/end` (the lock being the key's line in this
//! node's window), how an ALock acquisition entered (`alock:alock_enter`)
//! and its Peterson wait (`alock:alock_peterson`), the per-kind counters of
//! `support::stats` (`alock_local`, `alock_remote`, `dl_spin`, `dl_mcs`,
//! `dl_rpc` in `/sys/kernel/debug/alock/locks`), and per-key counters in
//! `/sys/kernel/debug/alock/table`.
//!
//! The acquire paths (`alock.rs`, `loopback.rs`, `mod.rs`) call
//! [`Handle::waiting`] where they are about to wait (queued behind a
//! predecessor, a failed spin CAS, an RPC grant) and
//! [`Handle::peterson_poll`] for each Peterson poll that did not let them
//! in; [`Handle::lock`](super::Handle::lock) brackets the whole acquire
//! with [`Handle::observe_start`] and [`Handle::observe_end`].

use core::ffi::{c_int, c_void};
use core::fmt::Write;
use core::sync::atomic::AtomicU64;
use kernel::{bindings, prelude::*};

use super::node::table;
use super::table::{Acq, Handle, Kind, Stats, Table};
use super::window::line;
use crate::support::stats::{self, Ctr, Kind as StatKind, Seq};
use crate::support::trace::{self, Enter, Site, LCB_F_READ, LCB_F_SPIN, LCB_F_WRITE};
use crate::support::util::now_ns;

impl Handle<'_> {
    /// An acquire of key `k` of `kind` starts: where its wait is reported.
    pub(super) fn observe_start(&self, kind: Kind, k: u32, shared: bool) {
        let local = self.t.home(k) == self.t.me;
        // The key's line in this node's window: an address unique to the
        // key on this node, even for keys homed elsewhere.
        let at: *const AtomicU64 = self.t.word(line(k));
        let (sk, flags) = stat_kind(kind, local, shared);
        self.site.set(Some(Site::new(at, flags, sk)));
        self.peterson_since.set(0);
        // Each wait ends in `Handle::lock`: none is left from before.
        self.wait_begun.set(None);
    }

    /// The acquire in progress is about to wait (once per acquire).
    #[inline(always)]
    pub(super) fn waiting(&self) {
        let w = self.wait_begun.take();
        let w = w.or_else(|| self.site.get().map(|s| s.begin()));
        self.wait_begun.set(w);
    }

    /// A Peterson poll that did not let the cohort leader in.
    #[inline(always)]
    pub(super) fn peterson_poll(&self) {
        self.count(|s| s.peterson_polls += 1);
        if self.peterson_since.get() == 0 {
            self.peterson_since.set(now_ns().max(1));
        }
        self.waiting();
    }

    /// Ends the acquire's wait, if one began, with `ret` (0 acquired);
    /// whether one began.  Called by `Handle::lock`, the frame that began
    /// it.
    #[inline(always)]
    pub(super) fn end_wait(&self, ret: i32) -> bool {
        match self.wait_begun.take() {
            Some(w) => {
                w.end_with(ret);
                true
            }
            None => false,
        }
    }

    /// The acquire of key `k` of `kind` (`shared` or not) ended with `r`,
    /// after a wait if `waited`; `before` are the handle's counts when it
    /// started.
    pub(super) fn observe_end(
        &self,
        kind: Kind,
        k: u32,
        shared: bool,
        before: &Stats,
        waited: bool,
        r: Result<&Acq>,
    ) {
        let Ok(acq) = r else { return };
        let local = self.t.home(k) == self.t.me;
        let (sk, _) = stat_kind(kind, local, shared);
        let now = self.stats.get();
        let handoffs = now.handoffs - before.handoffs;
        let leaders = now.leaders - before.leaders;
        let fast = now.fast_entries - before.fast_entries;
        let polls = now.peterson_polls - before.peterson_polls;
        for (c, n) in [
            (Ctr::Handoffs, handoffs),
            (Ctr::Leaders, leaders),
            (Ctr::FastEntries, fast),
            (Ctr::PetersonWaits, u64::from(polls > 0)),
        ] {
            if n > 0 {
                stats::add(sk, c, n);
            }
        }
        if stats::enabled() {
            stats::add(sk, Ctr::Acquisitions, 1);
            if let Some(ks) = self.t.key_stats.get(k as usize) {
                ks.count(local, handoffs > 0, waited);
            }
        }
        if kind == Kind::Alock {
            let how = if handoffs > 0 {
                Enter::Handoff
            } else if fast > 0 {
                Enter::Fast
            } else {
                Enter::Leader
            };
            trace::enter_event(k, !local, how, acq.budget);
            let since = self.peterson_since.get();
            if since != 0 && trace::peterson_enabled() {
                let ns = (now_ns() - since).max(0) as u64;
                trace::peterson_event(k, !local, polls as u32, ns);
            }
        }
    }
}

/// The statistics kind and contention flags of `kind` on a key that is
/// `local` or not, taken `shared` or not.
fn stat_kind(kind: Kind, local: bool, shared: bool) -> (StatKind, u32) {
    match kind {
        // Local readers and writers spin (or yield); remote ones sleep
        // between polls once the wait is long.
        Kind::AlockRw if shared => (
            StatKind::AlockRwRead,
            LCB_F_READ | if local { LCB_F_SPIN } else { 0 },
        ),
        Kind::AlockRw => (
            StatKind::AlockRwWrite,
            LCB_F_WRITE | if local { LCB_F_SPIN } else { 0 },
        ),
        Kind::DslrLoopback => (
            StatKind::DlDslr,
            if shared { LCB_F_READ } else { LCB_F_WRITE },
        ),
        Kind::Alock if local => (StatKind::AlockLocal, LCB_F_SPIN),
        // Remote waiters spin on their own descriptor, then sleep between
        // polls: no LCB_F_SPIN.
        Kind::Alock => (StatKind::AlockRemote, 0),
        Kind::SpinLoopback => (StatKind::DlSpin, LCB_F_SPIN),
        Kind::McsLoopback => (StatKind::DlMcs, LCB_F_SPIN),
        Kind::Rpc => (StatKind::DlRpc, 0),
    }
}

/// `/sys/kernel/debug/alock/table`: one row per key this node took while
/// statistics were enabled.
///
/// # Safety
///
/// Called by `seq_file` with the live `m` of a read of the file.
pub unsafe extern "C" fn show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is live for this call (guaranteed by the caller).
    let mut s = unsafe { Seq::new(m) };
    let _ = writeln!(
        s,
        "# alock lock table: this node's acquisitions per key, counted while enabled is 1"
    );
    if let Some(t) = table() {
        let _ = show_table(&mut s, &t);
    }
    0
}

fn show_table(s: &mut Seq, t: &Table) -> core::fmt::Result {
    for (k, ks) in t.key_stats.iter().enumerate() {
        ks.write_row(s, k as u32, t.home(k as u32))?;
    }
    Ok(())
}
