// SPDX-License-Identifier: GPL-2.0

//! A CPU's own report, then the next fast-path lock on that CPU, against
//! the writer: the run of the bug that needs the report's load of
//! `version` to be `smp_load_acquire()`.
//!
//! Two loom threads (two CPUs), the lock's words shared between them:
//!
//! ```text
//! reader CPU (prwlock_read_unlock(), then prw_read_fast())
//!   R5  passive = 0          smp_store_release()   Release store
//!   R4  r = version          READ_ONCE()           Relaxed load (before the fix)
//!                            smp_load_acquire()    Acquire load (the fix)
//!       seen = r             smp_store_release()   Release store
//!   R1  passive = 1          WRITE_ONCE()          Relaxed store
//!   R2  wpending == 0 ?      smp_load_acquire()    Acquire load: inside if 0
//!
//! writer (announce(), consensus())
//!   W1  wpending = 1         relaxed               Relaxed store
//!   W2  version = 1          store-release         Release store
//!   W3  smp_mb()                                   fence(SeqCst)
//!   W4  seen >= 1 ?          load-acquire          Acquire load
//!   W5  passive == 0 ?       load-acquire          Acquire load: inside if 0
//! ```
//!
//! The reader CPU starts with one passive reader inside (`passive` = 1);
//! it unlocks (`R5`, then the report `R4`) and a second reader takes the
//! fast path (`R1`, `R2`).  If `W4` does not see the report the writer
//! would send an IPI; that path is [`crate::ipi`]'s model, so here the
//! writer simply does not enter.  `W5` is one load, not a spin: a writer
//! that sees a passive reader waits, and a waiting writer is not inside.
//! The model asserts that the second reader and the writer are not both
//! inside.
//!
//! With the `Relaxed` load of `version` (the code before the fix) loom
//! finds the run of the bug: `R4` reads `version` = 1 but does not
//! synchronise with `W2`, so `R2` may still read `wpending` = 0; the writer
//! reads the report (`W4`), whose release covers `R5` but not the later
//! `R1`, and reads `passive` = 0 in `W5`.  With `Acquire` (the fix) the
//! load of `version` synchronises with `W2`, `W1` happens before `R2`, and
//! `R2` reads 1.  The model is explored exhaustively (no preemption bound).

use loom::sync::atomic::{fence, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

/// The words of `struct prwlock` and of the reader CPU's
/// `struct prwlock_pcpu` that the run touches.
struct Lock {
    wpending: AtomicUsize,
    version: AtomicU64,
    seen: AtomicU64,
    passive: AtomicU32,
}

/// The reader CPU: the unlock of the reader inside (`R5`, `R4` with
/// `version_load`), then a new reader's fast path (`R1`, `R2`).  Returns
/// whether the new reader got in.
fn reader_cpu(l: &Lock, version_load: Ordering) -> bool {
    // prwlock_read_unlock(): R5, then prw_report(): R4.
    l.passive.store(0, Ordering::Release);
    let v = l.version.load(version_load);
    l.seen.store(v, Ordering::Release);
    // prw_read_fast(): R1, R2.
    let p = l.passive.load(Ordering::Relaxed);
    l.passive.store(p + 1, Ordering::Relaxed);
    l.wpending.load(Ordering::Acquire) == 0
}

/// The writer: `W1`..`W5` for version 1.  Returns whether it got in.
fn writer(l: &Lock) -> bool {
    // announce(): W1, W2, W3.
    l.wpending.store(1, Ordering::Relaxed);
    l.version.store(1, Ordering::Release);
    fence(Ordering::SeqCst);
    // consensus(): W4 (no report: the IPI path, not modelled here).
    if l.seen.load(Ordering::Acquire) < 1 {
        return false;
    }
    // W5.
    l.passive.load(Ordering::Acquire) == 0
}

/// Explores the report-then-fast-path run with the report's load of
/// `version` done with `version_load`; panics with [`crate::EXCLUSION`]
/// if the new reader and the writer can both get in.
pub fn report_then_fast_path(version_load: Ordering) {
    loom::model(move || {
        let l = Arc::new(Lock {
            wpending: AtomicUsize::new(0),
            version: AtomicU64::new(0),
            seen: AtomicU64::new(0),
            passive: AtomicU32::new(1),
        });
        let lr = l.clone();
        let reader = thread::spawn(move || reader_cpu(&lr, version_load));
        let writer_in = writer(&l);
        let reader_in = reader.join().unwrap();
        assert!(!(reader_in && writer_in), "{}", crate::EXCLUSION);
    });
}
