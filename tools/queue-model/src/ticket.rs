// SPDX-License-Identifier: GPL-2.0

//! The ticket lock's `try_lock` (`RawTicket` in `rust/sync/ticket.rs`)
//! against the previous holder.  Litmus tests:
//! `Documentation/litmus/queue-ticket-trylock-*.litmus`.
//!
//! Two loom threads (two CPUs):
//!
//! ```text
//! holder H (lock(), critical section, unlock())
//!   t = next.fetch_add(1)         Relaxed RMW
//!   spin while serving != t       Acquire loads
//!   ... critical section (a write of the data) ...
//!   serving = t + 1               Release store
//!
//! try-locker T (try_lock(), then if it got the lock: critical section, unlock())
//!   s = serving                   Relaxed load (before the fix)
//!                                 Acquire load (the fix)
//!   next: s -> s + 1              CAS Acquire/Relaxed: inside if it succeeds
//!   ... critical section (a write of the data) ...
//!   serving = s + 1               Release store
//! ```
//!
//! The run of the bug: H takes ticket 0, enters and unlocks (`serving` =
//! 1); T reads `serving` = 1 and wins ticket 1 (`next` 1 -> 2).  T's CAS is
//! `Acquire`, but the value it reads was written by H's `Relaxed`
//! `fetch_add`, which releases nothing, and the `Relaxed` load of `serving`
//! does not synchronise with H's release: H's critical section does not
//! happen before T's (T may read stale data).  The critical sections are
//! not simultaneous in any interleaving, so this is a weak-memory bug: x86
//! does not reorder T's two loads (`serving`, then the data) and shows
//! nothing.  With an `Acquire` load of `serving` T synchronises with H's
//! unlock.  The model is explored exhaustively.

use crate::{Data, Word};
use loom::hint::spin_loop;
use loom::sync::atomic::{AtomicU32, Ordering};
use loom::sync::Arc;
use loom::thread;

/// The words of `RawTicket`.
struct Ticket {
    next: AtomicU32,
    serving: AtomicU32,
    /// Every access under SC ([`Word`]).
    sc: bool,
}

impl Ticket {
    /// `RawTicket::lock_lazy()`.
    fn lock(&self) -> u32 {
        let t = self.next.faa(1, Ordering::Relaxed, self.sc);
        while self.serving.ld(Ordering::Acquire, self.sc) != t {
            spin_loop();
        }
        t
    }

    /// `RawTicket::try_lock()` with its load of `serving` done with
    /// `serving_load`.
    fn try_lock(&self, serving_load: Ordering) -> Option<u32> {
        let s = self.serving.ld(serving_load, self.sc);
        self.next
            .cas(
                s,
                s.wrapping_add(1),
                Ordering::Acquire,
                Ordering::Relaxed,
                self.sc,
            )
            .ok()
    }

    /// `RawTicket::unlock()`.
    fn unlock(&self, t: u32) {
        self.serving
            .st(t.wrapping_add(1), Ordering::Release, self.sc);
    }
}

/// Explores a holder's lock and unlock against a `try_lock` whose load of
/// `serving` is done with `serving_load` (every access under SC if `sc`).
/// Panics with [`crate::RACE`] if the two critical sections can be
/// unordered.
pub fn try_lock_after_holder(serving_load: Ordering, sc: bool) {
    loom::model(move || {
        let l = Arc::new(Ticket {
            next: AtomicU32::new(0),
            serving: AtomicU32::new(0),
            sc,
        });
        let data = Arc::new(Data::new());
        let (lt, dt) = (l.clone(), data.clone());
        let t = thread::spawn(move || {
            if let Some(s) = lt.try_lock(serving_load) {
                dt.critical_section();
                lt.unlock(s);
            }
        });
        let h = l.lock();
        data.critical_section();
        l.unlock(h);
        t.join().unwrap();
    });
}
