// SPDX-License-Identifier: GPL-2.0

//! The lock domain (`prwlock_set_domain()`; the mmap_lock's
//! `mm_cpumask(mm)` on x86): `W4` does not look at a CPU whose bit in the
//! domain mask is clear ("Lock domain" at the top of the writer's half of
//! the argument, `rust/sync/prwlock/`).  Litmus tests:
//! `Documentation/litmus/prwlock-domain-*.litmus`.
//!
//! The rules the owner of the mask keeps: a passive reader runs only on a
//! CPU whose bit is set; the bit is set with a fully ordered RMW before
//! such a reader runs there (x86's `switch_mm_irqs_off()`:
//! `cpumask_set_cpu()`, a `lock bts`, a full barrier; the LKMM's
//! `set_bit()` is unordered, so this is an x86 argument and other
//! architectures use no domain); it is cleared with a fully ordered RMW
//! too (`cpumask_clear_cpu()` in `switch_mm`, after the passive holds of
//! the task switched out were converted: `C1`, `C2` run in
//! `prepare_task_switch()`; run (b) also holds with the clear before the
//! conversion, because `W5` reads the passive counts of every online CPU,
//! not only those of the domain).  Two runs, each two loom threads (two
//! CPUs):
//!
//! ```text
//! (a) domain_set: a reader starts on a CPU whose bit was clear
//!   reader CPU (bit = 0: it runs another mm)
//!         set the bit          cpumask_set_cpu()    Locked: fully ordered RMW
//!                                                   Unordered: Relaxed RMW
//!     R1  passive += 1         WRITE_ONCE()         Relaxed store
//!     R2  wpending == 0 ?      smp_load_acquire()   Acquire load: inside if 0
//!         ... the read side (a read of the data); the reader stays inside
//!
//! (b) domain_clear: a reader inside is switched out, then the bit cleared
//!   reader CPU (bit = 1: it runs the lock's mm)
//!     R1, R2, the read side (as above); the reader stays inside
//!     C1  atomic_inc(active); smp_mb__after_atomic()   Relaxed RMW, fence(SeqCst)
//!     C2  passive -= 1         smp_store_release()  Release store
//!         clear the bit        cpumask_clear_cpu()  Locked or Unordered (as above)
//!   (ClearOrder::BeforeConversion: the clear comes before C1)
//!
//! writer (announce(), consensus(), drain(), W6)
//!   W1  wpending = 1           relaxed              Relaxed store
//!   W2  version = 1            store-release        Release store
//!   W3  smp_mb()                                    fence(SeqCst)
//!   W4  the CPU's bit set ?    acquire load         Acquire load
//!       set: the report or IPI path (crate::report, crate::ipi), not
//!       modelled: the writer does not enter; clear: the CPU is skipped
//!   W5  passive == 0 ?         load-acquire         Acquire load (W5Scope::AllOnline)
//!       (W5Scope::DomainOnly: not read for a CPU outside the domain)
//!   W6  active == 0 ?          SeqCst load          Acquire load: inside if 0
//!       ... the write side (a write of the data) ...
//! ```
//!
//! `W4`'s acquire stands for the code's acquire load of the mask word (the
//! brief's `smp_rmb()` after a plain load is the same here: it orders the
//! bit's load before `W5` and `W6`).
//!
//! (a): if `W4` read the bit clear, the set came after it; `W3` and the
//! set's full barrier make the store-buffering pattern with full barriers
//! on both sides, so `R2` reads `W1` and the reader backs off.  An
//! unordered `set_bit()` lets `R2` read `wpending` = 0 while the writer
//! reads the bit clear (and, with `W5` reading every CPU, `passive` from
//! before `R1`): both inside.
//!
//! (b): if `W4` read the bit cleared, the clear came after `C1` and its
//! full barrier (`smp_mb__after_atomic()`, a release fence before the
//! clear), so `R1`, `C1` and `C2` happen before `W5` and `W6`: `W5` reads
//! `C2` (0) and `W6` reads `C1` (1), the writer waits.  Cleared before the
//! conversion, the bit tells the writer nothing about `C1`: a writer whose
//! `W5` skips the CPU reads `active` = 0 while the reader is inside.  The
//! code's `W5` reads every online CPU's count, so there a clear before the
//! conversion is still safe if the clear is a full barrier (x86's: `R1`
//! then happens before `W5`, which sees the count); with an unordered clear
//! before the conversion `W5` may read the count from before `R1`.
//!
//! The model asserts that the reader and the writer are not both inside
//! (and loom that the reader's read of the data and the writer's write are
//! ordered).  Each model is explored exhaustively (no preemption bound).

use loom::cell::UnsafeCell;
use loom::sync::atomic::{fence, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

/// How the reader CPU sets or clears its bit in the domain mask.
#[derive(Clone, Copy, Debug)]
pub enum BitOp {
    /// A fully ordered RMW: x86's locked `bts`/`btr` (`cpumask_set_cpu()`,
    /// `cpumask_clear_cpu()` on x86), or the LKMM's `set_bit();
    /// smp_mb__after_atomic()`.
    Locked,
    /// An unordered RMW: the LKMM's `set_bit()`/`clear_bit()` (Relaxed).
    Unordered,
}

/// Where the reader CPU clears its bit, relative to the conversion of the
/// task it switches out.
#[derive(Clone, Copy, Debug)]
pub enum ClearOrder {
    /// After `C1`, `C2` (the rule; `prepare_task_switch()` before
    /// `switch_mm_irqs_off()`).
    AfterConversion,
    /// Before `C1` (the negative control).
    BeforeConversion,
}

/// Which CPUs' passive counts `W5` reads.
#[derive(Clone, Copy, Debug)]
pub enum W5Scope {
    /// Every online CPU's (the code: `drain()` in `consensus.rs`).
    AllOnline,
    /// Only those of the CPUs in the domain (a writer that skips the
    /// CPUs outside the domain altogether).
    DomainOnly,
}

/// The lock's words, the reader CPU's passive count and domain bit, and
/// the data the lock protects.
struct Lock {
    wpending: AtomicUsize,
    version: AtomicU64,
    active: AtomicI32,
    passive: AtomicU32,
    bit: AtomicU32,
    data: UnsafeCell<u32>,
}

/// Sets (`set`) or clears the reader CPU's bit with `op`.
fn change_bit(l: &Lock, op: BitOp, set: bool) {
    let rmw = |o| {
        if set {
            l.bit.fetch_or(1, o)
        } else {
            l.bit.fetch_and(!1, o)
        }
    };
    match op {
        BitOp::Locked => crate::fully_ordered(|| rmw(Ordering::SeqCst)),
        BitOp::Unordered => rmw(Ordering::Relaxed),
    };
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

/// `prw_sched_out()`: `C1`, `C2`.
fn convert(l: &Lock) {
    l.active.fetch_add(1, Ordering::Relaxed);
    fence(Ordering::SeqCst);
    l.passive.store(0, Ordering::Release);
}

/// The writer: `W1`..`W6` with the domain skip; whether it got in.
fn writer(l: &Lock, scope: W5Scope) -> bool {
    l.wpending.store(1, Ordering::Relaxed);
    l.version.store(1, Ordering::Release);
    fence(Ordering::SeqCst);
    if l.bit.load(Ordering::Acquire) != 0 {
        // In the domain: the report or IPI path, not this model's.
        return false;
    }
    if let W5Scope::AllOnline = scope {
        if l.passive.load(Ordering::Acquire) != 0 {
            return false;
        }
    }
    if l.active.load(Ordering::SeqCst) != 0 {
        return false;
    }
    l.data.with_mut(|d| {
        // SAFETY: As in read_fast().
        unsafe { *d = 1 };
    });
    true
}

/// The reader CPU's program of a run.
#[derive(Clone, Copy, Debug)]
enum Program {
    /// (a): set the bit, then a reader locks.
    Set(BitOp),
    /// (b): a reader locks, is switched out, the bit is cleared.
    Clear(BitOp, ClearOrder),
}

/// The reader CPU; whether its reader is inside at the end.
fn reader_cpu(l: &Lock, p: Program) -> bool {
    match p {
        Program::Set(op) => {
            change_bit(l, op, true);
            read_fast(l)
        }
        Program::Clear(op, order) => {
            let inside = read_fast(l);
            if let ClearOrder::BeforeConversion = order {
                change_bit(l, op, false);
            }
            // prw_sched_out(), if the task holds the lock passively.
            if inside {
                convert(l);
            }
            if let ClearOrder::AfterConversion = order {
                change_bit(l, op, false);
            }
            inside
        }
    }
}

/// Runs the model of program `p`.
fn run(p: Program, scope: W5Scope) {
    loom::model(move || {
        let l = Arc::new(Lock {
            wpending: AtomicUsize::new(0),
            version: AtomicU64::new(0),
            active: AtomicI32::new(0),
            passive: AtomicU32::new(0),
            bit: AtomicU32::new(match p {
                Program::Set(_) => 0,
                Program::Clear(..) => 1,
            }),
            data: UnsafeCell::new(0),
        });
        let lr = l.clone();
        let reader = thread::spawn(move || reader_cpu(&lr, p));
        let writer_in = writer(&l, scope);
        let reader_in = reader.join().unwrap();
        assert!(!(reader_in && writer_in), "{}", crate::EXCLUSION);
    });
}

/// Explores (a): the reader CPU sets its bit with `set`, then a reader
/// takes the fast path; panics with [`crate::EXCLUSION`] or
/// [`crate::OVERLAP`] if the reader and the writer can both get in.
pub fn domain_set(set: BitOp, scope: W5Scope) {
    run(Program::Set(set), scope);
}

/// Explores (b): a reader takes the fast path, is switched out (converted)
/// and its CPU's bit cleared with `clear`, in the order `order`; panics
/// with [`crate::EXCLUSION`] or [`crate::OVERLAP`] if the writer can get
/// in while the reader is inside.
pub fn domain_clear(clear: BitOp, order: ClearOrder, scope: W5Scope) {
    run(Program::Clear(clear, order), scope);
}
