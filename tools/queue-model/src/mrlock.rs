// SPDX-License-Identifier: GPL-2.0

//! The MRLock queue (`RawMrLock` in `rust/sync/mrlock.rs`): a waiter's
//! scan of a recycled cell, and the recycling in `unlock()`.  Litmus
//! tests: `Documentation/litmus/queue-mrlock-*.litmus`.
//!
//! A ring of two cells (the smallest the code allows), each `{seq, bits}`,
//! cell `i` starting free for position `i` (`seq` = `i`, `bits` = `ALL`).
//! Two loom threads (two CPUs).  In [`two_laps`] each makes two requests,
//! one after the other: first one for a resource of its own (bit 0 or 1:
//! it conflicts with nothing), then one for the shared resource (bit 2),
//! whose critical section writes the data.  Four requests fill positions
//! 0..3, two laps of the ring.  A request that conflicts with nothing
//! would return from `wait()` without waiting, after loads that the model
//! leaves out: fewer acquire loads, so the model admits more runs, not
//! fewer.
//!
//! ```text
//! enqueue(bits)
//!   pos = tail                       Relaxed load
//!   seq(pos) == pos ?                Acquire load (< pos: ring full, spin)
//!   tail: pos -> pos + 1             CAS Relaxed (before issue 22), AcqRel (now)
//!   bits(pos) = bits                 Relaxed store
//!   seq(pos) = pos + 1               Release store
//! wait(pos, bits): for p from head (Acquire load) to pos - 1, spin while
//! blocks(p, pos, bits):
//!   s = seq(p)                       Acquire load
//!   s > pos: not blocking (recycled for a later lap)
//!   s < p: blocking                  (issue 22; before, fell through)
//!   bits(p) & bits != 0 ?            Acquire load
//! unlock(pos)
//!   bits(pos) = 0                    Release store
//!                                    smp_mb() (the lost-recycle fix, below)
//!   h = head                         Acquire load
//!   loop: stop unless bits(h) == 0 and seq(h) == h + 1
//!                                    Acquire loads, bits first (the code),
//!                                    seq first (the mixed-laps fix, below)
//!         head: h -> h + 1           CAS AcqRel/Acquire (else reload h)
//!         bits(h) = ALL              Relaxed store
//!         seq(h) = h + 2             Release store (free for the next lap)
//!                                    smp_mb() (the lost-recycle fix)
//! ```
//!
//! # The waiter's stale lap (issue 22)
//!
//! CPU A makes request 0, CPU B request 1.  A releases 0 and recycles its
//! cell: head CAS 0 -> 1, `bits` = `ALL`, `seq` = 2.  B releases 1 and
//! recycles its cell (its head CAS 1 -> 2 reads A's, so A's release of 0 is
//! visible to it, but A's stores after the CAS are not).  A claims position
//! 2 (it reads its own `seq` = 2; tail 2 -> 3) and publishes; B claims
//! position 3 (tail 3 -> 4, reading A's CAS) and scans position 2.  With a
//! `Relaxed` tail CAS nothing orders A's recycling stores before B's scan:
//! B can read the previous lap of cell 0, `seq` = 1 (<= 3: not recycled for
//! a later lap) and `bits` = 0 (request 0's release): not blocking.  B
//! skips request 2 and enters while A holds it.  x86's locked `cmpxchg`
//! orders A's recycling stores before its tail CAS, so x86 cannot show it.
//! Either half of the fix of issue 22 suffices in the model: with an
//! `AcqRel` tail CAS B's CAS reads from A's and B sees `seq` >= 2 and
//! `bits` = `ALL` or newer; with `seq < p` blocking, B spins on the stale
//! `seq` = 1 until it reads the current lap.
//!
//! # The recycler's mixed laps (found by this model)
//!
//! `unlock()` reads a cell's `bits` and then its `seq`, so it can combine
//! two laps, in a sequentially consistent run: A releases request 0 and
//! wins the head CAS 0 -> 1, but has not yet stored `bits` = `ALL`.  B
//! releases request 1, recycles its cell (head 1 -> 2) and goes on to cell
//! 0 for position 2: it reads `bits` = 0 (request 0's release).  A stores
//! `bits` = `ALL`, `seq` = 2, claims position 2 and publishes (`seq` = 3),
//! and enters.  B reads `seq` = 3 = 2 + 1, takes the released `bits` as
//! request 2's, wins head 2 -> 3 and recycles cell 0 under the live request
//! 2.  B's next request takes position 3; its scan starts at head 3 (or
//! sees cell 0 recycled for position 4): it enters while A holds request 2.
//! The first fix of issue 22 (the tail CAS, `seq < p`) does not touch
//! this; `RawMrLock::unlock` now reads `seq` first, which fixes it:
//! `seq` = `h + 1` (`Acquire`) is request `h`'s publication, after which
//! `bits` reads request `h`'s bits or its release.
//!
//! # The lost recycle (found by this model)
//!
//! The releaser of request `h + 1` stores `bits = 0` and then loads
//! `head`; the recycler of `h` wins the head CAS to `h + 1` and then loads
//! `bits(h + 1)`.  That is store buffering: without a full barrier on both
//! sides both can read the old value (the releaser `head` = `h`, so it
//! stops at cell `h`, which it finds recycled or not released; the
//! recycler the old `bits`, so it stops at `h + 1`), and nobody recycles
//! cell `h + 1`.  The next `unlock()` that reads the release recycles it,
//! but until then the head stays behind: if no other request is released
//! (every CPU waits for a full ring, or none is left) the lock hangs.  x86
//! lets a store pass a later load, so its releaser can miss the head too
//! (its locked `cmpxchg` orders the recycler's side), though there the
//! store soon becomes visible to the next `unlock()`.  [`one_lap`] checks
//! that the queue is empty once every request is released; `smp_mb()`
//! (`fence(SeqCst)`) after the release store and after each won head CAS
//! fixes it.  In [`two_laps`] a CPU that can never get a cell (the ring is
//! full, the other CPU is done, and a retry after loom's yield reads the
//! same `seq`) stops there: for the code without the fences the model goes
//! on checking exclusion, with them it reports the hang.
//!
//! # Bound
//!
//! Both models are explored with a preemption bound, which keeps `cargo
//! test --release` of the crate within seconds: [`PREEMPTION_BOUND`] for
//! [`two_laps`], [`ONE_LAP_PREEMPTION_BOUND`] for [`one_lap`].  The
//! weak-memory runs need no preemption (loom chooses the values of loads
//! independently of the schedule); the sequentially consistent run of the
//! mixed laps needs three (A after its head CAS, B between its two loads,
//! A inside), and its test uses [`PREEMPTION_BOUND`] + 1.  With the fixed
//! code and [`PREEMPTION_BOUND`] + 2 loom finds no violation either (a test
//! marked `#[ignore]`, about four and a half minutes).

use crate::{Data, Word};
use loom::hint::spin_loop;
use loom::sync::atomic::{fence, AtomicU64, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

/// The preemption bound of the runs of [`two_laps`].
pub const PREEMPTION_BOUND: usize = 2;

/// The preemption bound of the runs of [`one_lap`].
pub const ONE_LAP_PREEMPTION_BOUND: usize = 6;

/// Bits of a cell that is free or claimed but not filled in yet.
const ALL: u64 = u64::MAX;

/// Cells of the modelled ring (a power of two).
const CELLS: u64 = 2;

/// CPUs (loom threads) of the models.
const CPUS: usize = 2;

/// The order of the loads of `unlock()`'s recycling test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecycleCheck {
    /// `bits(h) == 0`, then `seq(h) == h + 1` (the code).
    BitsThenSeq,
    /// `seq(h) == h + 1`, then `bits(h) == 0` (the fix of the mixed laps).
    SeqThenBits,
}

/// A version of `RawMrLock`.
#[derive(Clone, Copy, Debug)]
pub struct MrCode {
    /// The success ordering of `enqueue()`'s tail CAS.
    pub tail_cas: Ordering,
    /// Whether `blocks()` treats `seq < p` as blocking.
    pub stale_lap_blocks: bool,
    /// `unlock()`'s recycling test.
    pub recycle: RecycleCheck,
    /// Whether `unlock()` has `smp_mb()` (`fence(SeqCst)`) between its
    /// release store and its load of `head`, and after each head CAS it
    /// wins (the fix of the lost recycle).
    pub fences: bool,
    /// Every atomic access `SeqCst`: the model runs under SC.
    pub sc: bool,
}

/// `RawMrLock` before any fix.
pub const OLD: MrCode = MrCode {
    tail_cas: Ordering::Relaxed,
    stale_lap_blocks: false,
    recycle: RecycleCheck::BitsThenSeq,
    fences: false,
    sc: false,
};

/// `RawMrLock` with the first fix of issue 22 only (commit 7ead690): the
/// tail CAS `AcqRel`, `seq < p` blocking.
pub const ISSUE_FIX: MrCode = MrCode {
    tail_cas: Ordering::AcqRel,
    stale_lap_blocks: true,
    recycle: RecycleCheck::BitsThenSeq,
    fences: false,
    sc: false,
};

/// `RawMrLock` fully fixed (the code now): [`ISSUE_FIX`], and `unlock`
/// reads `seq` first, with `smp_mb()` after the release store and after
/// each recycle.
pub const FIXED: MrCode = MrCode {
    recycle: RecycleCheck::SeqThenBits,
    fences: true,
    ..ISSUE_FIX
};

/// A request for the resource of CPU `cpu` alone.
fn own_bit(cpu: u64) -> u64 {
    1 << cpu
}

/// A request for the shared resource.
const SHARED: u64 = 1 << 2;

/// The words of `RawMrLock`.
struct Ring {
    head: AtomicU64,
    tail: AtomicU64,
    seq: [AtomicU64; CELLS as usize],
    bits: [AtomicU64; CELLS as usize],
    code: MrCode,
    /// Model-only: the CPUs that are done (`Relaxed`: it orders nothing).
    done: AtomicUsize,
}

impl Ring {
    /// An empty ring: cell `i` free for position `i`.
    fn new(code: MrCode) -> Self {
        Self {
            head: AtomicU64::new(0),
            tail: AtomicU64::new(0),
            seq: [AtomicU64::new(0), AtomicU64::new(1)],
            bits: [AtomicU64::new(ALL), AtomicU64::new(ALL)],
            code,
            done: AtomicUsize::new(0),
        }
    }

    fn seq(&self, pos: u64) -> &AtomicU64 {
        &self.seq[(pos % CELLS) as usize]
    }

    fn bits(&self, pos: u64) -> &AtomicU64 {
        &self.bits[(pos % CELLS) as usize]
    }

    /// `RawMrLock::enqueue()`, or `None` if the CPU hangs: the ring is
    /// full and stays full (model-only, below).
    fn enqueue(&self, bits: u64) -> Option<u64> {
        let sc = self.code.sc;
        let mut pos = self.tail.ld(Ordering::Relaxed, sc);
        let mut full = None;
        loop {
            let seq = self.seq(pos).ld(Ordering::Acquire, sc);
            // Model-only: the other CPU is done and a retry after a yield
            // (which makes loom return a newer value if there is one) still
            // finds the same full cell: nobody will ever recycle it.
            if seq < pos && self.done.load(Ordering::Relaxed) == CPUS - 1 {
                if full == Some((pos, seq)) {
                    return None;
                }
                full = Some((pos, seq));
            }
            if seq == pos {
                match self
                    .tail
                    .cas(pos, pos + 1, self.code.tail_cas, Ordering::Relaxed, sc)
                {
                    Ok(_) => break,
                    Err(cur) => pos = cur,
                }
            } else {
                // seq < pos: the ring is full (the code spins); seq > pos:
                // our tail was stale (the code reloads at once; the yield
                // only lets loom move on to a newer value).
                spin_loop();
                pos = self.tail.ld(Ordering::Relaxed, sc);
            }
        }
        self.bits(pos).st(bits, Ordering::Relaxed, sc);
        self.seq(pos).st(pos + 1, Ordering::Release, sc);
        Some(pos)
    }

    /// `RawMrLock::blocks()`.
    fn blocks(&self, p: u64, pos: u64, bits: u64) -> bool {
        let sc = self.code.sc;
        let seq = self.seq(p).ld(Ordering::Acquire, sc);
        if seq > pos {
            return false;
        }
        if self.code.stale_lap_blocks && seq < p {
            return true;
        }
        self.bits(p).ld(Ordering::Acquire, sc) & bits != 0
    }

    /// `RawMrLock::wait()`.
    fn wait(&self, pos: u64, bits: u64) {
        let mut p = self.head.ld(Ordering::Acquire, self.code.sc);
        while p < pos {
            if self.blocks(p, pos, bits) {
                spin_loop();
            } else {
                p += 1;
            }
        }
    }

    /// Whether `unlock()` may recycle the cell of position `h`.
    fn released(&self, h: u64) -> bool {
        let sc = self.code.sc;
        let bits_free = || self.bits(h).ld(Ordering::Acquire, sc) == 0;
        let seq_published = || self.seq(h).ld(Ordering::Acquire, sc) == h + 1;
        match self.code.recycle {
            RecycleCheck::BitsThenSeq => bits_free() && seq_published(),
            RecycleCheck::SeqThenBits => seq_published() && bits_free(),
        }
    }

    /// `RawMrLock::unlock()`.
    fn unlock(&self, pos: u64) {
        let sc = self.code.sc;
        self.bits(pos).st(0, Ordering::Release, sc);
        if self.code.fences {
            fence(Ordering::SeqCst);
        }
        let mut h = self.head.ld(Ordering::Acquire, sc);
        while self.released(h) {
            if self
                .head
                .cas(h, h + 1, Ordering::AcqRel, Ordering::Acquire, sc)
                .is_ok()
            {
                self.bits(h).st(ALL, Ordering::Relaxed, sc);
                self.seq(h).st(h + CELLS, Ordering::Release, sc);
                h += 1;
                if self.code.fences {
                    fence(Ordering::SeqCst);
                }
            } else {
                h = self.head.ld(Ordering::Acquire, sc);
            }
        }
    }

    /// A request for a resource of CPU `cpu` alone, then its release.  It
    /// conflicts with nothing, so `wait()` would return without waiting,
    /// after reads that the model leaves out (fewer acquire loads: the
    /// model only admits more runs).  Returns `false` if the CPU hangs.
    fn own_request(&self, cpu: u64) -> bool {
        match self.enqueue(own_bit(cpu)) {
            Some(pos) => {
                self.unlock(pos);
                true
            }
            None => false,
        }
    }

    /// CPU `cpu`'s two requests: its own resource, then the shared one.
    /// Returns `false` if the CPU hangs.
    fn cpu(&self, cpu: u64, data: &Data) -> bool {
        let ok = self.own_request(cpu)
            && match self.enqueue(SHARED) {
                Some(pos) => {
                    self.wait(pos, SHARED);
                    data.critical_section();
                    self.unlock(pos);
                    true
                }
                None => false,
            };
        self.done.fetch_add(1, Ordering::Relaxed);
        ok
    }
}

/// Explores the two-lap model with `code` and at most `preemptions`
/// preemptions.  Panics with [`crate::RACE`] if the two critical sections
/// of the shared resource can be unordered, and, for the code with the
/// fences, with [`LOST_RECYCLE`] if a CPU hangs.
pub fn two_laps(code: MrCode, preemptions: usize) {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(preemptions);
    b.check(move || {
        let r = Arc::new(Ring::new(code));
        let data = Arc::new(Data::new());
        let (r1, d1) = (r.clone(), data.clone());
        let b = thread::spawn(move || r1.cpu(1, &d1));
        let ok = r.cpu(0, &data);
        let ok = b.join().unwrap() && ok;
        assert!(ok || !code.fences, "{LOST_RECYCLE}: a CPU hangs");
    });
}

/// The message of the progress assertions of the models.
pub const LOST_RECYCLE: &str = "lost recycle";

/// Explores the recycling of [`two_laps`]'s first lap alone, with at most
/// `preemptions` preemptions: each CPU makes one request (for a resource of
/// its own) and releases it.  Panics with [`LOST_RECYCLE`] if, after both
/// released, a cell is left unrecycled.
pub fn one_lap(code: MrCode, preemptions: usize) {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(preemptions);
    b.check(move || {
        let r = Arc::new(Ring::new(code));
        let r1 = r.clone();
        let b = thread::spawn(move || r1.own_request(1));
        r.own_request(0);
        b.join().unwrap();
        let (head, tail) = (
            r.head.load(Ordering::Relaxed),
            r.tail.load(Ordering::Relaxed),
        );
        assert!(
            head == tail,
            "{LOST_RECYCLE}: every request released, but head {head} < tail {tail}"
        );
    });
}
