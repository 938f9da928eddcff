// SPDX-License-Identifier: GPL-2.0

//! The report by IPI: the writer asks a CPU that has not reported, and the
//! handler `alock_prw_ipi_report()` reports for the code it interrupted.
//! Exclusion holds whichever load of `version` the report uses, because
//! the IPI's queueing is fully ordered on both sides.
//!
//! Two loom threads (two CPUs); the reader CPU runs one of two programs
//! ([`Interrupted`]), each with the interrupt at one point of its program:
//!
//! ```text
//! reader CPU
//!   Interrupted::Reader: a reader inside when the interrupt comes
//!     R1  passive += 1         WRITE_ONCE()          Relaxed store
//!     R2  wpending == 0 ?      smp_load_acquire()    Acquire load: inside if 0
//!         else back off: R5 passive -= 1 (Release store), R4 report
//!     <the IPI handler>
//!   Interrupted::Nothing: a reader that locks after the interrupt
//!     <the IPI handler>
//!     R1, R2 (as above)
//!
//!   the IPI handler (alock_prw_ipi_report(), in the call-function interrupt)
//!         take the request     llist_del_all()       SeqCst RMW (compare_exchange)
//!     R4  r = version          READ_ONCE()/acquire   the ordering given
//!         seen = r             smp_store_release()   Release store
//!         request done         csd_unlock()          Release store
//!
//! writer (announce(), consensus())
//!   W1  wpending = 1           relaxed               Relaxed store
//!   W2  version = 1            store-release         Release store
//!   W3  smp_mb()                                     fence(SeqCst)
//!   W4  the CPU has not reported: IPI it, wait (smp_call_function_many(), wait = true)
//!       queue the request      llist_add()           SeqCst RMW (fetch_add)
//!       wait for it            csd_lock_wait()       Acquire load, spin
//!   W5  passive == 0 ?         load-acquire          Acquire load: inside if 0
//! ```
//!
//! In the first program the report must make the reader's `R1` visible to
//! `W5`; in the second the reader's `R2` must read `W1`.  (One program with
//! a reader on each side of the interrupt would hide the second case: the
//! first reader's count would keep the writer out.)  The writer's poll of
//! `seen` before the IPI is left out: this model is the run where the poll
//! failed (the run where it succeeds is [`crate::report`]), so the writer
//! always sends the IPI, and the reader CPU always takes it.  `W5` is one
//! load, not a spin: a writer that sees a passive reader waits, and a
//! waiting writer is not inside.  The model asserts that the reader and the
//! writer are not both inside.
//!
//! The queueing's ordering is a parameter: `SeqCst` is the kernel's
//! (`llist_add()` and `llist_del_all()` are fully ordered RMWs); a
//! `Relaxed` handshake is the negative control, which must fail (in the
//! second program).  loom treats a `SeqCst` RMW as at least
//! acquire-release, and release/acquire through the request word is all
//! the argument needs: the handler's load of `version` and the later `R2`
//! happen after `W1`, `W2`.  The spins (`csd_lock_wait()`, the handler
//! waiting for its request) yield to loom.  Each model is explored
//! exhaustively (no preemption bound).

use loom::sync::atomic::{fence, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

/// The lock's words, the reader CPU's per-CPU words, and the IPI's request
/// (`ipi`: queued, `done`: the handler returned).
struct Lock {
    wpending: AtomicUsize,
    version: AtomicU64,
    seen: AtomicU64,
    passive: AtomicU32,
    ipi: AtomicU32,
    done: AtomicU32,
}

/// The orderings under test.
#[derive(Clone, Copy, Debug)]
pub struct IpiOrderings {
    /// The IPI request's RMWs, queueing and taking: `SeqCst` in the kernel.
    pub queue: Ordering,
    /// The report's load of `version` (`R4`): `Relaxed` before the fix,
    /// `Acquire` after it.
    pub version_load: Ordering,
}

/// `prw_report()` (`R4`).
fn report(l: &Lock, version_load: Ordering) {
    let v = l.version.load(version_load);
    l.seen.store(v, Ordering::Release);
}

/// `prw_read_fast()` (`R1`, `R2`, the back-off); whether it got in.
fn read_fast(l: &Lock, version_load: Ordering) -> bool {
    let p = l.passive.load(Ordering::Relaxed);
    l.passive.store(p + 1, Ordering::Relaxed);
    if l.wpending.load(Ordering::Acquire) == 0 {
        return true;
    }
    l.passive.store(p, Ordering::Release);
    report(l, version_load);
    false
}

/// What the IPI interrupts on the reader CPU.
#[derive(Clone, Copy, Debug)]
pub enum Interrupted {
    /// A reader that took the fast path (and is inside, or backed off).
    Reader,
    /// Nothing: a reader takes the fast path after the handler.
    Nothing,
}

/// `alock_prw_ipi_report()`, once the request is queued.
fn ipi_handler(l: &Lock, o: IpiOrderings) {
    while l
        .ipi
        .compare_exchange(1, 0, o.queue, Ordering::Relaxed)
        .is_err()
    {
        thread::yield_now();
    }
    report(l, o.version_load);
    l.done.store(1, Ordering::Release);
}

/// The reader CPU; whether its reader is inside at the end.
fn reader_cpu(l: &Lock, o: IpiOrderings, at: Interrupted) -> bool {
    match at {
        Interrupted::Reader => {
            let inside = read_fast(l, o.version_load);
            ipi_handler(l, o);
            inside
        }
        Interrupted::Nothing => {
            ipi_handler(l, o);
            read_fast(l, o.version_load)
        }
    }
}

/// The writer: `W1`..`W3`, the IPI (`W4`), `W5`.  Whether it got in.
fn writer(l: &Lock, o: IpiOrderings) -> bool {
    l.wpending.store(1, Ordering::Relaxed);
    l.version.store(1, Ordering::Release);
    fence(Ordering::SeqCst);
    l.ipi.fetch_add(1, o.queue);
    while l.done.load(Ordering::Acquire) == 0 {
        thread::yield_now();
    }
    l.passive.load(Ordering::Acquire) == 0
}

/// Explores the IPI report with orderings `o`, the interrupt coming at
/// `at`; panics with [`crate::EXCLUSION`] if the reader and the writer can
/// both get in.
pub fn ipi_report(o: IpiOrderings, at: Interrupted) {
    loom::model(move || {
        let l = Arc::new(Lock {
            wpending: AtomicUsize::new(0),
            version: AtomicU64::new(0),
            seen: AtomicU64::new(0),
            passive: AtomicU32::new(0),
            ipi: AtomicU32::new(0),
            done: AtomicU32::new(0),
        });
        let lr = l.clone();
        let reader = thread::spawn(move || reader_cpu(&lr, o, at));
        let writer_in = writer(&l, o);
        let reader_in = reader.join().unwrap();
        assert!(!(reader_in && writer_in), "{}", crate::EXCLUSION);
    });
}
