// SPDX-License-Identifier: GPL-2.0

//! The bounded drain (`W5`, "Bounded drain" at the top of the writer's
//! half of the argument, `rust/sync/prwlock/`): after the consensus the
//! writer polls the passive counts for a while, then sends the CPUs whose
//! count stays up an IPI whose handler (`alock_prw_ipi_convert()` in
//! `fast.c`) converts the passive holds of this lock of the task it
//! interrupted, as the scheduler does (`C1`, `C2`), if that task could have
//! been preempted there (its hold table is then consistent), and otherwise
//! does nothing: the writer sleeps a tick and asks again.  Then `W6` waits
//! for `active == 0`.  Litmus tests:
//! `Documentation/litmus/prwlock-drain-*.litmus`.
//!
//! Two loom threads (two CPUs).  The model starts after the consensus: the
//! writer has announced (`wpending` = 1) and the reader CPU has one passive
//! reader inside (`passive` = 1, counted before its CPU's report):
//!
//! ```text
//! reader CPU: the reader's read side with one or two interrupt points
//! (Interrupt), then its unlock
//!   ... the read side (a read of the data) ...
//!   <interrupt point: the IPI, if one is queued>
//!   ... the read side (a read of the data) ...
//!   unlock: passive hold   R5  passive -= 1    smp_store_release()  Release store
//!           active hold        active -= 1     SeqCst RMW (fully ordered)
//!
//!   the IPI handler (alock_prw_ipi_convert())
//!         take the request     llist_del_all()      SeqCst RMW (compare_exchange)
//!         if the interrupted task could be preempted and holds the lock
//!         passively (Conversion):
//!     C1  atomic_inc(active); smp_mb__after_atomic()   Relaxed RMW, fence(SeqCst)
//!     C2  passive -= 1         smp_store_release()  Release store
//!         (the hold is now active: the unlock decrements active)
//!         request done         csd_unlock()         Release store (fetch_add)
//!
//! writer (drain(), W6)
//!   W5  passive == 0 ?         load-acquire         Acquire load (the bounded
//!                                                   poll: one load)
//!       else queue an IPI      llist_add()          SeqCst RMW (fetch_add)
//!            wait for it       csd_lock_wait()      Acquire load, spin; with
//!                              wait = false the writer polls passive meanwhile
//!            and poll again (a handler that could not convert: "a tick later")
//!   W6  active == 0 ?          SeqCst load          Acquire load, spin
//!       ... the write side (a write of the data) ...
//! ```
//!
//! The property: a writer that reads `passive` = 0 for the CPU reads
//! `active` >= 1 until the reader's active unlock, so the reader's read
//! side happens before the writer's.  loom checks the latter directly: the
//! reader's reads of the data must happen before the writer's write
//! ([`crate::OVERLAP`]).
//!
//! The code (`drain()` in `consensus.rs`) sends the IPI with
//! `smp_call_function_many(..., wait = true)` and polls the count again
//! only after every handler returned; the request is queued and taken with
//! fully ordered `llist` operations and released by `csd_unlock()`.  The
//! writer's acquire load of the count then reads `C2` (or later), and `C1`,
//! ordered before `C2` by its full barrier, is visible to `W6`.  With
//! `wait = true` the handler's `csd_unlock()` release orders `C1` before
//! the writer's poll as well, so the order of `C1` and `C2` only matters
//! where the writer can read the count while the handler runs (a writer
//! that does not wait, the model's [`DrainOrderings::wait`] = false, or a
//! poll racing with the handler); the models check both: the conversion in
//! the kernel's order holds with either writer, `C2` before `C1` fails
//! with the polling writer, and fails with the waiting writer too once the
//! IPI's handshake is relaxed.
//!
//! The reader CPU's program has up to two interrupt points.  At each it
//! waits until the writer queued a request (the IPI arrives there) or said
//! it sends no more (a model-only word, written and read `Relaxed`, which
//! creates no happens-before).  The writer sends at most one IPI per
//! interrupt point; past them it polls the count until it falls.  Each
//! model is explored exhaustively (no preemption bound).

use loom::cell::UnsafeCell;
use loom::sync::atomic::{fence, AtomicI32, AtomicU32, Ordering};
use loom::sync::Arc;
use loom::thread;

/// The handler's conversion of a passive hold.
#[derive(Clone, Copy, Debug)]
pub enum Conversion {
    /// `C1` `atomic_inc(active); smp_mb__after_atomic()`, then `C2`
    /// `smp_store_release(passive, passive - 1)`: the kernel's, as in the
    /// scheduler.
    C1ThenC2,
    /// `C2`, then `C1` (the negative control).
    C2ThenC1,
    /// `atomic_inc(active)`, then `WRITE_ONCE(passive, passive - 1)`: no
    /// barrier between, no release (the negative control).
    Unordered,
}

/// Where the IPI interrupts the reader CPU.
#[derive(Clone, Copy, Debug)]
pub enum Interrupt {
    /// Inside the read side, in preemptible task context: the handler
    /// converts the hold.
    Preemptible,
    /// After the unlock: the task holds nothing, the handler does nothing.
    AfterUnlock,
    /// First inside a stretch with preemption off within the read side
    /// (the handler does nothing, the writer asks again), then in
    /// preemptible context (the second IPI converts).
    NotPreemptibleThenPreemptible,
}

/// The orderings under test.
#[derive(Clone, Copy, Debug)]
pub struct DrainOrderings {
    /// The handler's conversion.
    pub conversion: Conversion,
    /// The writer waits for the handler before it polls the count again
    /// (`smp_call_function_many()` with `wait = true`, the code); false:
    /// it polls while the handler may run.
    pub wait: bool,
    /// The IPI's handshake is ordered (fully ordered `llist` operations,
    /// `csd_unlock()`'s release and `csd_lock_wait()`'s acquire; the
    /// kernel's); false: all `Relaxed` (the negative control).
    pub csd_ordered: bool,
}

/// The orderings of the kernel.
pub const KERNEL: DrainOrderings = DrainOrderings {
    conversion: Conversion::C1ThenC2,
    wait: true,
    csd_ordered: true,
};

/// The lock's words, the reader CPU's passive count, the IPI (`ipi`:
/// queued requests, `done`: handlers returned, `no_more`: the writer sends
/// no more, a word of the model only) and the data the lock protects.
struct Lock {
    active: AtomicI32,
    passive: AtomicU32,
    ipi: AtomicU32,
    done: AtomicU32,
    no_more: AtomicU32,
    data: UnsafeCell<u32>,
}

/// The reader task's hold of the lock (its entry in `current->prw`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hold {
    Passive,
    Active,
    None,
}

/// The read side: a read of the data.
fn read_side(l: &Lock) {
    l.data.with(|d| {
        // SAFETY: loom checks that no write of the cell is concurrent with
        // this read; that is what the model tests.
        let _ = unsafe { *d };
    });
}

/// `alock_prw_ipi_convert()`'s conversion of a passive hold.
fn convert(l: &Lock, c: Conversion) {
    match c {
        Conversion::C1ThenC2 => {
            l.active.fetch_add(1, Ordering::Relaxed);
            fence(Ordering::SeqCst);
            l.passive.store(0, Ordering::Release);
        }
        Conversion::C2ThenC1 => {
            l.passive.store(0, Ordering::Release);
            l.active.fetch_add(1, Ordering::Relaxed);
            fence(Ordering::SeqCst);
        }
        Conversion::Unordered => {
            l.active.fetch_add(1, Ordering::Relaxed);
            l.passive.store(0, Ordering::Relaxed);
        }
    }
}

/// An interrupt point: takes the IPI if the writer queued one (and runs
/// the handler, which converts `hold` if `preemptible`), or returns when
/// the writer sends no more.
fn interrupt_point(l: &Lock, o: DrainOrderings, preemptible: bool, hold: &mut Hold) {
    let (take, release) = if o.csd_ordered {
        (Ordering::SeqCst, Ordering::Release)
    } else {
        (Ordering::Relaxed, Ordering::Relaxed)
    };
    loop {
        if l.ipi
            .compare_exchange(1, 0, take, Ordering::Relaxed)
            .is_ok()
        {
            if preemptible && *hold == Hold::Passive {
                convert(l, o.conversion);
                *hold = Hold::Active;
            }
            l.done.fetch_add(1, release);
            return;
        }
        if l.no_more.load(Ordering::Relaxed) != 0 {
            return;
        }
        thread::yield_now();
    }
}

/// The unlock of `hold`.
fn unlock(l: &Lock, hold: &mut Hold) {
    match *hold {
        Hold::Passive => l.passive.store(0, Ordering::Release),
        Hold::Active => {
            l.active.fetch_sub(1, Ordering::SeqCst);
        }
        Hold::None => {}
    }
    *hold = Hold::None;
}

/// The reader CPU.
fn reader_cpu(l: &Lock, o: DrainOrderings, at: Interrupt) {
    let mut hold = Hold::Passive;
    read_side(l);
    match at {
        Interrupt::Preemptible => {
            interrupt_point(l, o, true, &mut hold);
            read_side(l);
            unlock(l, &mut hold);
        }
        Interrupt::AfterUnlock => {
            unlock(l, &mut hold);
            interrupt_point(l, o, true, &mut hold);
        }
        Interrupt::NotPreemptibleThenPreemptible => {
            interrupt_point(l, o, false, &mut hold);
            read_side(l);
            interrupt_point(l, o, true, &mut hold);
            read_side(l);
            unlock(l, &mut hold);
        }
    }
}

/// The writer: `W5` with the conversion IPIs, then `W6` and the write
/// side.  `points` is the number of interrupt points of the reader CPU.
fn writer(l: &Lock, o: DrainOrderings, points: u32) {
    let (queue, wait_load) = if o.csd_ordered {
        (Ordering::SeqCst, Ordering::Acquire)
    } else {
        (Ordering::Relaxed, Ordering::Relaxed)
    };
    let mut sent = 0;
    'drain: while l.passive.load(Ordering::Acquire) != 0 {
        if sent == points {
            // The writer would ask again; the reader CPU has no interrupt
            // point left, and its count falls without one (the handler's
            // C2 or the unlock's R5 is on its way).
            thread::yield_now();
            continue;
        }
        l.ipi.fetch_add(1, queue);
        sent += 1;
        while l.done.load(wait_load) < sent {
            if !o.wait && l.passive.load(Ordering::Acquire) == 0 {
                break 'drain;
            }
            thread::yield_now();
        }
    }
    l.no_more.store(1, Ordering::Relaxed);
    // W6: the sleep on wwait until the last active unlock.
    while l.active.load(Ordering::SeqCst) != 0 {
        thread::yield_now();
    }
    l.data.with_mut(|d| {
        // SAFETY: As in read_side().
        unsafe { *d = 1 };
    });
}

/// Explores the drain with orderings `o`, the IPI coming at `at`; loom
/// panics with [`crate::OVERLAP`] if the reader's read side and the
/// writer's write side can overlap.
pub fn drain(o: DrainOrderings, at: Interrupt) {
    let points = match at {
        Interrupt::Preemptible | Interrupt::AfterUnlock => 1,
        Interrupt::NotPreemptibleThenPreemptible => 2,
    };
    loom::model(move || {
        let l = Arc::new(Lock {
            active: AtomicI32::new(0),
            passive: AtomicU32::new(1),
            ipi: AtomicU32::new(0),
            done: AtomicU32::new(0),
            no_more: AtomicU32::new(0),
            data: UnsafeCell::new(0),
        });
        let lr = l.clone();
        let reader = thread::spawn(move || reader_cpu(&lr, o, at));
        writer(&l, o, points);
        reader.join().unwrap();
    });
}
