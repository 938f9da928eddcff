// SPDX-License-Identifier: GPL-2.0

//! Multi-resource lock for the h-out-of-k problem (MRLock: Zhang, Lynch,
//! Dechev, "Efficient and Scalable Multi-Resource Locking", IJPP 2015).
//!
//! A request names any subset of k ≤ 64 resources as a bitset and is
//! granted when no earlier request that shares a resource is still active.
//! Requests enqueue in a bounded lock-free ring of cells `{seq, bits}` (a
//! Vyukov-style queue: a cell whose `seq` equals the tail position is free
//! to claim with one compare-and-swap on the tail).  After publishing its
//! bits, a request scans the cells from the head to its own position and
//! spins on each earlier cell while that cell conflicts (`bits & mine != 0`)
//! and still belongs to an earlier request.  Release clears the cell's bits
//! and advances the head over released cells, recycling them with all bits
//! set, so a cell that is claimed but not yet filled in blocks every later
//! request.  Conflicting requests are granted in enqueue order (FIFO);
//! non-conflicting ones run in parallel; no deadlock is possible because a
//! request only ever waits for earlier ones.
//!
//! [`BitsetLock`] is the low-contention partner of the paper's adaptive
//! scheme: one compare-and-swap on a resource bitset word, no queue, no
//! fairness.  [`AdaptiveMrLock`] uses it while acquisitions succeed at the
//! first attempt and switches to the queue when they start to fail.
//!
//! All three are spinning locks: preemption is disabled from the request to
//! its release; not for interrupt context.

use crate::support::{
    cpu::cpu_relax,
    misuse,
    stats::{self, Kind},
    trace::{self, LazyWait, Site, LCB_F_SPIN},
};
use core::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};
use kernel::{bindings, prelude::*, str::CStr, sync::LockClassKey};

use super::lock::{class_key_ptr, init_dep_map};

/// Largest number of resources (bits of a request).
pub const MAX_RESOURCES: u32 = 64;

/// Bits of a cell that is free or claimed but not filled in yet.
const ALL: u64 = u64::MAX;

/// One ring cell, alone on its cache line.
#[repr(C, align(64))]
struct Cell {
    seq: AtomicU64,
    bits: AtomicU64,
}

/// A head or tail counter, alone on its cache line.
#[repr(C, align(64))]
struct Counter(AtomicU64);

/// The MRLock ring, without lockdep or preemption control.
pub struct RawMrLock {
    head: Counter,
    tail: Counter,
    mask: u64,
    cells: KVec<Cell>,
}

impl RawMrLock {
    /// A free lock with a ring of `cells` cells (a power of two ≥ 2).
    pub fn new(cells: u32) -> Result<Self> {
        if cells < 2 || !cells.is_power_of_two() {
            return Err(EINVAL);
        }
        let mut v = KVec::with_capacity(cells as usize, GFP_KERNEL)?;
        for i in 0..u64::from(cells) {
            v.push(
                Cell {
                    seq: AtomicU64::new(i),
                    bits: AtomicU64::new(ALL),
                },
                GFP_KERNEL,
            )?;
        }
        Ok(Self {
            head: Counter(AtomicU64::new(0)),
            tail: Counter(AtomicU64::new(0)),
            mask: u64::from(cells) - 1,
            cells: v,
        })
    }

    fn cell(&self, pos: u64) -> &Cell {
        &self.cells[(pos & self.mask) as usize]
    }

    /// Enqueues a request for `bits` (non-zero) and waits until it is
    /// granted.  Returns the request's queue position (its handle).
    pub fn lock(&self, bits: u64) -> u64 {
        let mut w = LazyWait::new(Site::new(self, LCB_F_SPIN, Kind::Mrlock));
        let pos = self.lock_lazy(bits, &mut w);
        w.end_with(0);
        pos
    }

    /// [`lock`](Self::lock), beginning `w` if it waits (the caller ends it).
    // Inlined: the wait it may begin is ended by the caller (`trace.rs`).
    #[inline(always)]
    fn lock_lazy(&self, bits: u64, w: &mut LazyWait) -> u64 {
        let pos = self.enqueue(bits, w);
        self.wait(pos, bits, w);
        pos
    }

    /// Claims a cell at the tail and publishes `bits` in it (a full ring
    /// is a wait: `w` begins).
    // Inlined: the wait it may begin is ended by the caller (`trace.rs`).
    #[inline(always)]
    fn enqueue(&self, bits: u64, w: &mut LazyWait) -> u64 {
        let mut pos = self.tail.0.load(Ordering::Relaxed);
        loop {
            let c = self.cell(pos);
            let seq = c.seq.load(Ordering::Acquire);
            if seq == pos {
                // AcqRel: a request that claims a later position reads
                // from this CAS (the tail's RMWs form a release sequence),
                // so it sees every cell up to ours recycled for this lap
                // (`bits = ALL, seq = p`, which our `seq` load acquired)
                // and never the previous lap's released `bits = 0`.
                match self.tail.0.compare_exchange_weak(
                    pos,
                    pos + 1,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => break,
                    Err(cur) => pos = cur,
                }
            } else if seq < pos {
                // Ring full: the cell still holds the request one lap ago.
                w.waiting();
                cpu_relax();
                pos = self.tail.0.load(Ordering::Relaxed);
            } else {
                pos = self.tail.0.load(Ordering::Relaxed);
            }
        }
        let c = self.cell(pos);
        c.bits.store(bits, Ordering::Relaxed);
        c.seq.store(pos + 1, Ordering::Release);
        pos
    }

    /// Whether the cell of earlier position `p` still blocks request `pos`
    /// for `bits`.
    fn blocks(&self, p: u64, pos: u64, bits: u64) -> bool {
        let c = self.cell(p);
        let seq = c.seq.load(Ordering::Acquire);
        // Recycled for a later lap (seq > pos): request `p` is gone.
        if seq > pos {
            return false;
        }
        // Still the previous lap (seq < p): not recycled for request `p`
        // as far as this CPU can tell, so its `bits` may be the old
        // request's 0.  The AcqRel tail CAS rules this out; a stale read
        // here blocks rather than skips a live request.
        if seq < p {
            return true;
        }
        c.bits.load(Ordering::Acquire) & bits != 0
    }

    /// Spins until no earlier conflicting request is active.
    /// Returns whether it had to wait (the adaptive scheme's measure of
    /// contention).
    // Inlined: the wait it may begin is ended by the caller (`trace.rs`).
    #[inline(always)]
    fn wait(&self, pos: u64, bits: u64, w: &mut LazyWait) -> bool {
        let mut waited = false;
        let mut p = self.head.0.load(Ordering::Acquire);
        while p < pos {
            if self.blocks(p, pos, bits) {
                waited = true;
                w.waiting();
                cpu_relax();
            } else {
                p += 1;
            }
        }
        waited
    }

    /// Releases request `pos` and recycles released cells at the head.
    ///
    /// Two details carry the argument (`Documentation/mrlock.rst`,
    /// `tools/queue-model/src/mrlock.rs`):
    ///
    /// - The head cell is checked `seq` first, then `bits`.  In the other
    ///   order a releaser could read the previous lap's released `bits = 0`
    ///   (the recycler moves `head` before it stores `ALL`), then the `seq`
    ///   of the live request that claimed and published the cell since, and
    ///   recycle it while it is held: a plain interleaving, x86 included.
    ///   With `seq == h + 1` read first (acquire), the `bits` read after it
    ///   are that request's or later.
    /// - A full barrier after the release store of `bits = 0` and after
    ///   each recycle: the releaser stores `bits` then loads `head`, the
    ///   recycler moves `head` then loads the next cell's `bits`, the
    ///   store-buffering pattern.  Without `smp_mb()` on both sides both can
    ///   read the old values and nobody recycles the released cell; with a
    ///   small ring and every CPU waiting in `enqueue`, nobody ever would.
    pub fn unlock(&self, pos: u64) {
        self.cell(pos).bits.store(0, Ordering::Release);
        fence(Ordering::SeqCst);
        let mut h = self.head.0.load(Ordering::Acquire);
        loop {
            let c = self.cell(h);
            if c.seq.load(Ordering::Acquire) != h + 1 || c.bits.load(Ordering::Acquire) != 0 {
                // Not published (ALL, or empty), or not released yet.
                return;
            }
            if self
                .head
                .0
                .compare_exchange(h, h + 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                c.bits.store(ALL, Ordering::Relaxed);
                c.seq.store(h + self.mask + 1, Ordering::Release);
                fence(Ordering::SeqCst);
                h += 1;
            } else {
                h = self.head.0.load(Ordering::Acquire);
            }
        }
    }
}

/// The low-contention lock: one word, bit i set while resource i is held.
#[repr(C, align(64))]
pub struct BitsetLock {
    word: AtomicU64,
}

impl BitsetLock {
    /// All resources free.
    pub const fn new() -> Self {
        Self {
            word: AtomicU64::new(0),
        }
    }

    /// Takes `bits` if they are all free now; never waits.
    pub fn try_lock(&self, bits: u64) -> bool {
        let cur = self.word.load(Ordering::Relaxed);
        cur & bits == 0
            && self
                .word
                .compare_exchange(cur, cur | bits, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }

    /// Spins until `bits` are free and takes them; returns the number of
    /// failed attempts.
    pub fn lock(&self, bits: u64) -> u32 {
        let mut w = LazyWait::new(Site::new(self, LCB_F_SPIN, Kind::Mrlock));
        let fails = self.lock_lazy(bits, &mut w);
        w.end_with(0);
        fails
    }

    /// [`lock`](Self::lock), beginning `w` if it waits (the caller ends it).
    // Inlined: the wait it may begin is ended by the caller (`trace.rs`).
    #[inline(always)]
    fn lock_lazy(&self, bits: u64, w: &mut LazyWait) -> u32 {
        let mut fails = 0u32;
        let mut cur = self.word.load(Ordering::Relaxed);
        loop {
            if cur & bits == 0 {
                match self.word.compare_exchange_weak(
                    cur,
                    cur | bits,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return fails,
                    Err(c) => cur = c,
                }
            } else {
                w.waiting();
                cpu_relax();
                cur = self.word.load(Ordering::Relaxed);
            }
            fails = fails.saturating_add(1);
        }
    }

    /// Releases `bits`.
    pub fn unlock(&self, bits: u64) {
        self.word.fetch_and(!bits, Ordering::Release);
    }
}

impl Default for BitsetLock {
    fn default() -> Self {
        Self::new()
    }
}

/// Mode of an [`AdaptiveMrLock`]: the bitset word alone.
const MODE_BITSET: u32 = 0;
/// Mode of an [`AdaptiveMrLock`]: the MRLock queue, then the bitset word.
const MODE_QUEUE: u32 = 1;
/// Failed attempts on the bitset word that count as contention.
const CONTENDED_FAILS: u32 = 8;
/// Contended bitset acquisitions in a row that switch to the queue.
const TO_QUEUE: u32 = 4;
/// Uncontended queue grants in a row that switch back to the bitset word.
const TO_BITSET: u32 = 256;

/// How a request was granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// Through the MRLock queue, at this position (FIFO among queue grants).
    Queue(u64),
    /// Through the bitset word alone (no order).
    Bitset,
}

/// Which algorithm a [`MultiLock`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// MRLock: the FIFO queue.
    Queue,
    /// The bitset word alone.
    Bitset,
    /// Adaptive: the bitset word while uncontended, the queue otherwise.
    Adaptive,
}

/// A multi-resource lock for kernel code, with lockdep and preemption
/// control: [`MultiLock::lock`] a set of resources, drop the guard to
/// release them.
///
/// In [`Scheme::Adaptive`], every holder sets its bits in the bitset word,
/// whatever the mode: queue-mode requests first wait their turn in the
/// MRLock queue and then take their bits in the word, which they find free
/// unless a holder from before the switch still has them.  Exclusion
/// therefore never depends on the mode, and a mode switch needs no
/// draining; the queue gives order and local spinning under contention.
///
/// # Examples
///
/// ```ignore
/// let l = KBox::pin_init(new_multi_lock!(Scheme::Adaptive, 0, "res"), GFP_KERNEL)?;
/// let g = l.lock(0b1011)?; // resources 0, 1 and 3
/// ```
#[pin_data]
pub struct MultiLock {
    scheme: Scheme,
    queue: RawMrLock,
    word: BitsetLock,
    mode: AtomicU32,
    /// Consecutive contended (bitset mode) or calm (queue mode) grants.
    streak: AtomicU32,
    switches: AtomicU64,
    #[pin]
    dep_map: kernel::types::Opaque<bindings::lockdep_map>,
}

// SAFETY: All shared state is atomics; the lockdep map is used through the
// kernel's own synchronisation.
unsafe impl Send for MultiLock {}
// SAFETY: See above.
unsafe impl Sync for MultiLock {}

/// Creates a [`MultiLock`] initialiser with a new lockdep class.
#[macro_export]
macro_rules! new_multi_lock {
    ($scheme:expr, $cells:expr $(, $name:literal)? $(,)?) => {
        $crate::sync::mrlock::MultiLock::new(
            $scheme, $cells, ::kernel::optional_name!($($name)?), ::kernel::static_lock_class!())
    };
}

impl MultiLock {
    /// Returns an initialiser of a lock with a ring of `cells` cells (a
    /// power of two ≥ 2; 0: the next power of two ≥ 2 × `nr_cpu_ids`,
    /// at least 64).
    pub fn new(
        scheme: Scheme,
        cells: u32,
        name: &'static CStr,
        key: &'static LockClassKey,
    ) -> impl PinInit<Self, Error> {
        let cells = if cells == 0 {
            // SAFETY: No preconditions.
            (2 * unsafe { bindings::get_nr_cpu_ids() })
                .max(64)
                .next_power_of_two()
        } else {
            cells
        };
        let init_map = move |slot: *mut bindings::lockdep_map| {
            // SAFETY: `slot` is valid for writes; name and key are static.
            unsafe { init_dep_map(slot, name.as_char_ptr(), class_key_ptr(key)) }
        };
        try_pin_init!(Self {
            scheme,
            queue: RawMrLock::new(cells)?,
            word: BitsetLock::new(),
            mode: AtomicU32::new(MODE_BITSET),
            streak: AtomicU32::new(0),
            switches: AtomicU64::new(0),
            dep_map <- kernel::types::Opaque::ffi_init(init_map),
        }? Error)
    }

    /// Number of switches between the adaptive scheme's two locks.
    pub fn mode_switches(&self) -> u64 {
        self.switches.load(Ordering::Relaxed)
    }

    fn ip() -> usize {
        Self::lock as *const () as usize
    }

    /// Acquires the resources in `bits` (bit i = resource i; `EINVAL` if
    /// empty), spinning until every earlier conflicting request is done.
    pub fn lock(&self, bits: u64) -> Result<MultiGuard<'_>> {
        self.lock_nested(bits, 0)
    }

    /// [`lock`](Self::lock) with lockdep subclass `subclass` (below 8), for
    /// nesting two multi-resource locks of one class in a fixed order.
    pub fn lock_nested(&self, bits: u64, subclass: u32) -> Result<MultiGuard<'_>> {
        if bits == 0 {
            return Err(EINVAL);
        }
        misuse::irq_check(self);
        // SAFETY: Re-enabled when the guard drops.
        unsafe { bindings::preempt_disable() };
        // SAFETY: The map was initialised in `new`.
        unsafe { trace::lockdep_acquire(self.dep_map.get(), subclass, false, Self::ip()) };
        stats::acquired(Kind::Mrlock);
        // lockstat too: the acquisition was announced just above.
        let mut w =
            LazyWait::new(Site::new(self, LCB_F_SPIN, Kind::Mrlock).with_map(self.dep_map.get()));
        let grant = match self.scheme {
            Scheme::Queue => Grant::Queue(self.queue.lock_lazy(bits, &mut w)),
            Scheme::Bitset => {
                self.word.lock_lazy(bits, &mut w);
                Grant::Bitset
            }
            Scheme::Adaptive => self.lock_adaptive(bits, &mut w),
        };
        w.end_with(0);
        Ok(MultiGuard {
            lock: self,
            bits,
            grant,
        })
    }

    // Inlined: the wait it may begin is ended by the caller (`trace.rs`).
    #[inline(always)]
    fn lock_adaptive(&self, bits: u64, w: &mut LazyWait) -> Grant {
        if self.mode.load(Ordering::Relaxed) == MODE_BITSET {
            let fails = self.word.lock_lazy(bits, w);
            if fails >= CONTENDED_FAILS {
                let s = self.streak.fetch_add(1, Ordering::Relaxed) + 1;
                if s >= TO_QUEUE && self.switch(MODE_BITSET, MODE_QUEUE) {
                    pr_debug!("multi-lock: contended, switching to the queue\n");
                }
            } else {
                self.streak.store(0, Ordering::Relaxed);
            }
            return Grant::Bitset;
        }
        let pos = self.queue.enqueue(bits, w);
        if self.queue.wait(pos, bits, w) {
            self.streak.store(0, Ordering::Relaxed);
        } else {
            let s = self.streak.fetch_add(1, Ordering::Relaxed) + 1;
            if s >= TO_BITSET {
                self.switch(MODE_QUEUE, MODE_BITSET);
            }
        }
        self.word.lock_lazy(bits, w);
        Grant::Queue(pos)
    }

    fn switch(&self, from: u32, to: u32) -> bool {
        let ok = self
            .mode
            .compare_exchange(from, to, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok();
        if ok {
            self.streak.store(0, Ordering::Relaxed);
            self.switches.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// Whether `bits` and `grant` look like a hold of this lock now (a racy
    /// check for the C API's misuse detection): the queue cell of the
    /// grant is still published with exactly `bits`, or the bitset word
    /// has every bit of `bits` set.  An empty hold never does.
    pub fn holds(&self, bits: u64, grant: Grant) -> bool {
        if bits == 0 {
            return false;
        }
        let word = || self.word.word.load(Ordering::Relaxed) & bits == bits;
        match (self.scheme, grant) {
            (Scheme::Queue | Scheme::Adaptive, Grant::Queue(pos)) => {
                let c = self.queue.cell(pos);
                let queued = pos < self.queue.tail.0.load(Ordering::Relaxed)
                    && c.seq.load(Ordering::Relaxed) == pos.wrapping_add(1)
                    && c.bits.load(Ordering::Relaxed) == bits;
                queued && (self.scheme == Scheme::Queue || word())
            }
            (Scheme::Bitset | Scheme::Adaptive, Grant::Bitset) => word(),
            _ => false,
        }
    }

    /// Whether nobody holds or requests resources (a racy snapshot, for the
    /// C API's destroy check).
    pub fn is_idle(&self) -> bool {
        self.word.word.load(Ordering::Relaxed) == 0
            && self.queue.head.0.load(Ordering::Relaxed)
                == self.queue.tail.0.load(Ordering::Relaxed)
    }

    fn unlock(&self, bits: u64, grant: Grant) {
        // lockdep first, as `spin_unlock()` does.
        // SAFETY: The map was initialised in `new`.
        unsafe { bindings::lockdep_release(self.dep_map.get(), Self::ip()) };
        match (self.scheme, grant) {
            (Scheme::Queue, Grant::Queue(pos)) => self.queue.unlock(pos),
            (Scheme::Adaptive, Grant::Queue(pos)) => {
                self.word.unlock(bits);
                self.queue.unlock(pos);
            }
            _ => self.word.unlock(bits),
        }
        // SAFETY: Pairs with `preempt_disable` in `lock`.
        unsafe { bindings::preempt_enable() };
    }
}

/// Holder of a set of resources of a [`MultiLock`]; releases them on drop.
#[must_use = "the resources are released immediately when the guard is unused"]
pub struct MultiGuard<'a> {
    lock: &'a MultiLock,
    bits: u64,
    grant: Grant,
}

impl MultiGuard<'_> {
    /// The resources held.
    pub fn resources(&self) -> u64 {
        self.bits
    }

    /// How the request was granted (queue position for FIFO checks).
    pub fn grant(&self) -> Grant {
        self.grant
    }

    /// Keeps the resources past the guard (for the C API): returns what
    /// [`MultiLock::unlock_raw`] needs.
    pub fn into_raw(self) -> (u64, Grant) {
        let me = core::mem::ManuallyDrop::new(self);
        (me.bits, me.grant)
    }
}

impl MultiLock {
    /// Releases resources kept by [`MultiGuard::into_raw`].
    ///
    /// # Safety
    ///
    /// `bits` and `grant` come from `into_raw` of a guard of this lock, on
    /// this CPU, and are used once.
    pub unsafe fn unlock_raw(&self, bits: u64, grant: Grant) {
        self.unlock(bits, grant);
    }
}

impl Drop for MultiGuard<'_> {
    fn drop(&mut self) {
        self.lock.unlock(self.bits, self.grant);
    }
}
