// SPDX-License-Identifier: GPL-2.0

//! Teardown: the wake-up IPI handler's last use of the lock against
//! `prwlock_destroy()`'s free.  The handler's decrement of `wake_pending`
//! must be ordered after its use of the lock.
//!
//! Two loom threads (two CPUs):
//!
//! ```text
//! IPI handler (alock_prw_ipi_wake() in fast.c)
//!   wake_up_all(&pc->wq)             a plain write to a loom UnsafeCell
//!                                    standing for the CPU's wait queue
//!   atomic_dec(&wake_pending)        Relaxed RMW                 (old)
//!   smp_mb__before_atomic();         fence(SeqCst), Relaxed RMW  (fix)
//!   atomic_dec(&wake_pending)
//!   atomic_dec_return_release()      Release RMW                 (fix, other form)
//!
//! destroy (destroy() in raw.rs, for prwlock_destroy())
//!   wake_pending == 0 ?              Acquire load, spin (yields to loom)
//!   free_percpu(l->pcpu)             a plain write to the same UnsafeCell
//! ```
//!
//! `wake_pending` starts at 1: the writer's `fetch_add` in
//! `write_release_locked()` before `smp_call_function_many()` happens
//! before both threads (the handler runs because it was sent, and destroy
//! runs after the writer's unlock).  loom checks every access to an
//! `UnsafeCell` against the accesses of other threads: the free must
//! happen after the handler's write, or loom panics with a causality
//! violation.  With the `Relaxed` decrement nothing orders the handler's
//! write before it, so destroy's acquire load of 0 synchronises with
//! nothing and the free races with the handler: loom reports it.  With a
//! release RMW, or `smp_mb__before_atomic()` (a `SeqCst` fence, which is a
//! release fence, before the relaxed RMW that the acquire load reads), the
//! handler's write happens before the free.  The model is explored
//! exhaustively (no preemption bound).

use loom::cell::UnsafeCell;
use loom::sync::atomic::{fence, AtomicI32, Ordering};
use loom::sync::Arc;
use loom::thread;

/// The handler's decrement of `wake_pending`.
#[derive(Clone, Copy, Debug)]
pub enum Decrement {
    /// `atomic_dec()`: unordered (the code before the fix).
    Relaxed,
    /// `smp_mb__before_atomic(); atomic_dec()`: a full fence, then the
    /// unordered RMW.
    MbBeforeAtomic,
    /// A release RMW (`atomic_dec_return_release()`,
    /// `fetch_sub(1, Release)` in Rust).
    Release,
}

/// The part of the lock that the handler and destroy touch.
struct Lock {
    /// The CPU's wait queue (`pc->wq`), freed with the per-CPU part.
    wq: UnsafeCell<u32>,
    wake_pending: AtomicI32,
}

/// `alock_prw_ipi_wake()`.
fn ipi_wake(l: &Lock, dec: Decrement) {
    // wake_up_all(): its accesses to the queue, the last use of the lock
    // before the decrement.
    l.wq.with_mut(|q| {
        // SAFETY: loom checks that no other thread accesses the cell
        // concurrently; that is what the model tests.
        unsafe { *q += 1 }
    });
    match dec {
        Decrement::Relaxed => {
            l.wake_pending.fetch_sub(1, Ordering::Relaxed);
        }
        Decrement::MbBeforeAtomic => {
            fence(Ordering::SeqCst);
            l.wake_pending.fetch_sub(1, Ordering::Relaxed);
        }
        Decrement::Release => {
            l.wake_pending.fetch_sub(1, Ordering::Release);
        }
    }
}

/// `destroy()`: waits for the handlers, then frees.
fn destroy(l: &Lock) {
    while l.wake_pending.load(Ordering::Acquire) != 0 {
        thread::yield_now();
    }
    // free_percpu(): the free writes the memory (poisons or reuses it).
    l.wq.with_mut(|q| {
        // SAFETY: As above.
        unsafe { *q = 0xdead }
    });
}

/// Explores teardown with the handler's decrement `dec`; loom panics with
/// a causality violation if the free can race with the handler's use of
/// the wait queue.
pub fn teardown(dec: Decrement) {
    loom::model(move || {
        let l = Arc::new(Lock {
            wq: UnsafeCell::new(0),
            wake_pending: AtomicI32::new(1),
        });
        let lh = l.clone();
        let handler = thread::spawn(move || ipi_wake(&lh, dec));
        destroy(&l);
        handler.join().unwrap();
    });
}
