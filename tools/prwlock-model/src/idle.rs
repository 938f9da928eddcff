// SPDX-License-Identifier: GPL-2.0

//! The idle skip: `W4` counts a CPU in an RCU extended quiescent state
//! (EQS: idle, or user mode under nohz_full) as reported without asking
//! it, and `W5` then reads its passive count ("Idle CPUs" at the top of
//! the writer's half of the argument, `rust/sync/prwlock/`).  Litmus tests:
//! `Documentation/litmus/prwlock-idle-*.litmus`.
//!
//! Two loom threads (two CPUs); the reader CPU runs one of two programs
//! ([`IdleRun`]), one per transition of its context-tracking state:
//!
//! ```text
//! reader CPU
//!   IdleRun::Exit: the CPU leaves EQS, then a reader takes the fast path
//!         ct_kernel_enter()     atomic_add_return()   fully ordered RMW: state 0 -> 1
//!     R1  passive += 1          WRITE_ONCE()          Relaxed store
//!     R2  wpending == 0 ?       smp_load_acquire()    Acquire load: inside if 0
//!         ... the read side (a read of the data) ...  the reader stays inside
//!   IdleRun::Enter: a reader takes the fast path, leaves, the CPU enters EQS
//!     R1, R2, the read side (as above)
//!     R5  passive -= 1          smp_store_release()   Release store
//!         ct_kernel_exit()      atomic_add_return()   fully ordered RMW: state 1 -> 2
//!   (a reader that reads wpending = 1 backs off: R5; its report R4 is not
//!   read by this writer and is left out)
//!
//! writer (announce(), consensus())
//!   W1  wpending = 1            relaxed               Relaxed store
//!   W2  version = 1             store-release         Release store
//!   W3  smp_mb()                                      fence(SeqCst)
//!   W4  state even (in EQS) ?   ct_rcu_watching_cpu_acquire()  Acquire load
//!       odd: the CPU is watching, the writer polls its report or IPIs it
//!       (crate::report, crate::ipi): not modelled, the writer does not enter
//!   W5  passive == 0 ?          load-acquire          Acquire load: inside if 0
//!       ... the write side (a write of the data) ...
//! ```
//!
//! The state is a counter whose low bit stands for `CT_RCU_WATCHING` (the
//! kernel adds `CT_RCU_WATCHING` at each transition: odd = watching).
//!
//! `Exit`: if `W4` read the state before the CPU left EQS, `W3` and the
//! exit's full barrier make the store-buffering pattern with a full
//! barrier on both sides, so `R2` reads `W1` and the reader backs off
//! (expedited RCU's argument).  The model asserts that the reader and the
//! writer are not both inside.
//!
//! `Enter`: if `W4` read the state the CPU entered EQS with, the entry's
//! full barrier and `W4`'s acquire make everything the CPU did before
//! (`R1`, the read side, `R5`) happen before `W5`, which then reads `R5`
//! and not the count from before `R1`: loom checks that the reader's read
//! of the data happens before the writer's write ([`crate::OVERLAP`]).
//!
//! The negative controls: a relaxed transition (an unordered RMW in place
//! of the fully ordered one), or a writer without `W3`.  Each model is
//! explored exhaustively (no preemption bound).

use loom::cell::UnsafeCell;
use loom::sync::atomic::{fence, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

/// Which transition of the reader CPU's context-tracking state the run
/// checks.
#[derive(Clone, Copy, Debug)]
pub enum IdleRun {
    /// The CPU leaves EQS (`ct_kernel_enter()`), then a reader locks.
    Exit,
    /// A reader locks and unlocks, then the CPU enters EQS
    /// (`ct_kernel_exit()`).
    Enter,
}

/// The orderings under test.
#[derive(Clone, Copy, Debug)]
pub struct IdleOrderings {
    /// The transition is fully ordered (`atomic_add_return()`, the
    /// kernel's); false: an unordered RMW (`atomic_add()`), the negative
    /// control.
    pub ct_fully_ordered: bool,
    /// The writer's `W3` `smp_mb()` is there (the kernel's).
    pub w3: bool,
}

/// The orderings of the kernel.
pub const KERNEL: IdleOrderings = IdleOrderings {
    ct_fully_ordered: true,
    w3: true,
};

/// The lock's words, the reader CPU's passive count and context-tracking
/// state, and the data the lock protects.
struct Lock {
    wpending: AtomicUsize,
    version: AtomicU64,
    passive: AtomicU32,
    ct_state: AtomicU32,
    data: UnsafeCell<u32>,
}

/// A transition of the context-tracking state.
fn ct_transition(l: &Lock, o: IdleOrderings) {
    if o.ct_fully_ordered {
        crate::fully_ordered(|| l.ct_state.fetch_add(1, Ordering::SeqCst));
    } else {
        l.ct_state.fetch_add(1, Ordering::Relaxed);
    }
}

/// `prw_read_fast()` (`R1`, `R2`, the back-off's `R5`) and, if it got in,
/// the read side; whether it got in.
fn read_fast(l: &Lock) -> bool {
    l.passive.store(1, Ordering::Relaxed);
    if l.wpending.load(Ordering::Acquire) != 0 {
        l.passive.store(0, Ordering::Release);
        return false;
    }
    l.data.with(|d| {
        // SAFETY: loom checks that no write of the cell is concurrent with
        // this read; that is what the model tests.
        let _ = unsafe { *d };
    });
    true
}

/// The reader CPU; whether a reader is inside at the end.
fn reader_cpu(l: &Lock, o: IdleOrderings, run: IdleRun) -> bool {
    match run {
        IdleRun::Exit => {
            ct_transition(l, o);
            read_fast(l)
        }
        IdleRun::Enter => {
            if read_fast(l) {
                // prwlock_read_unlock(): R5.
                l.passive.store(0, Ordering::Release);
            }
            ct_transition(l, o);
            false
        }
    }
}

/// The writer: `W1`..`W5` with the idle skip; whether it got in.
fn writer(l: &Lock, o: IdleOrderings) -> bool {
    l.wpending.store(1, Ordering::Relaxed);
    l.version.store(1, Ordering::Release);
    if o.w3 {
        fence(Ordering::SeqCst);
    }
    if l.ct_state.load(Ordering::Acquire) & 1 != 0 {
        // Watching: the report or IPI path, not this model's.
        return false;
    }
    if l.passive.load(Ordering::Acquire) != 0 {
        return false;
    }
    l.data.with_mut(|d| {
        // SAFETY: As in read_fast().
        unsafe { *d = 1 };
    });
    true
}

/// Explores the idle skip for the transition `run` with orderings `o`;
/// panics with [`crate::EXCLUSION`] or [`crate::OVERLAP`] if a reader and
/// the writer can both be inside.
pub fn idle_skip(o: IdleOrderings, run: IdleRun) {
    loom::model(move || {
        let l = Arc::new(Lock {
            wpending: AtomicUsize::new(0),
            version: AtomicU64::new(0),
            passive: AtomicU32::new(0),
            ct_state: AtomicU32::new(match run {
                IdleRun::Exit => 0,
                IdleRun::Enter => 1,
            }),
            data: UnsafeCell::new(0),
        });
        let lr = l.clone();
        let reader = thread::spawn(move || reader_cpu(&lr, o, run));
        let writer_in = writer(&l, o);
        let reader_in = reader.join().unwrap();
        assert!(!(reader_in && writer_in), "{}", crate::EXCLUSION);
    });
}
