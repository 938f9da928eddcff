// SPDX-License-Identifier: GPL-2.0

//! A lock manager for transactions over a table of records, after picotm 0.7.
//!
//! A [`LockManager`] guards `n` records, numbered `0..n`, each with a
//! reader/writer [`RecordLock`] that fits in one 32-bit word.  Kernel code
//! locks records through a [`Txn`] (one per thread, reusable): every lock is
//! a try-lock; when one fails the manager's [`Policy`] decides what happens:
//!
//! - [`Policy::Restart`]: the lock call fails with `EAGAIN`; the caller
//!   restarts the transaction ([`Txn::restart`] releases every record).
//! - [`Policy::Exclusive`]: as `Restart`, and a transaction that restarted
//!   `after` times becomes *irrevocable*: it runs alone and cannot fail.
//! - [`Policy::Wait`]: as `Exclusive`, but a conflict first sleeps in the
//!   record's waiting queue and fails only when the wait times out.
//!
//! The manager only keeps the locks: the records' data belongs to the user,
//! who reads a record only while its transaction holds it read- or
//! write-locked and writes it only while it holds it write-locked.  Locks
//! are held until [`Txn::commit`] or [`Txn::restart`] (strict two-phase
//! locking); a transaction should make its changes only once it holds every
//! record it needs, so that a restart has nothing to undo.
//!
//! # Examples
//!
//! ```ignore
//! use crate::sync::lockmgr::{LockManager, Policy};
//!
//! let mgr = LockManager::new(1024, Policy::Wait { after: 10, timeout: 1 })?;
//! let mut tx = mgr.txn(2)?;
//! tx.run(|tx| {
//!     tx.read(3)?; // EAGAIN: conflict, `run` restarts the closure
//!     tx.write(7)?;
//!     tx.write(3)?; // upgrade
//!     // ... update records 3 and 7 ...
//!     Ok(())
//! })?;
//! ```
//!
//! # Locking design
//!
//! The lock word ([`RecordLock`]) holds a 16-bit count (0: free, 1 to
//! `0xfffe`: readers, `0xffff`: one writer) and a *waiters* bit: while a
//! record's waiting queue is not empty, new readers and writers are refused
//! so they do not overtake the waiters (an upgrade by the only reader is
//! still allowed: a waiter could only be waiting for that reader).
//!
//! The waiting queues live in a fixed set of buckets (records hash to a
//! bucket), each a FIFO of [`Txn`]s protected by a spinlock.  A waiter
//! enqueues itself and sets the waiters bit under the bucket lock, then
//! sleeps on its own condition variable, which releases the spinlock before
//! it sleeps, so nothing sleeps with a spinlock held and only one bucket
//! lock is ever held at a time.  A releaser that sees the waiters bit takes
//! the bucket lock and *hands the record over*: if the longest waiter wants
//! to write (or upgrade), it gets the lock alone; if it wants to read, every
//! waiting reader of the record gets it.  An upgrader (at most one per
//! record: a second one restarts at once) queues in front, since the
//! others would wait for its read lock anyway.  The woken transactions then
//! already own the lock, so a woken waiter cannot lose the record again.
//! A waiter whose timeout expires unlinks itself under the bucket lock and
//! passes the record on as a releaser would.
//!
//! Irrevocability is a sleeping reader/writer semaphore: under `Exclusive`
//! and `Wait` every revocable transaction read-locks it in [`Txn::begin`]
//! and releases it after its records; an irrevocable transaction
//! write-locks it, so it runs when no other transaction holds any record.
//! Lock order: irrevocability semaphore, then one bucket spinlock, then the
//! wait-queue lock inside a condition variable.  All managers share one
//! lockdep class for the semaphore: a thread must not nest transactions of
//! two managers.

use core::{
    ptr,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering},
};
use kernel::{
    bindings, c_str, new_condvar, new_spinlock,
    prelude::*,
    sync::{
        lock::{spinlock::SpinLockBackend, Guard},
        CondVar, CondVarTimeoutResult, SpinLock,
    },
    time::Jiffies,
    types::Opaque,
};

/// Count bits of a lock word.
const COUNT: u32 = 0xffff;
/// Count of a write-locked record.
const WRITER: u32 = COUNT;
/// Most readers of one record.
const MAX_READERS: u32 = COUNT - 1;
/// The record's waiting queue is not empty.
const WAITERS: u32 = 1 << 16;

/// Reader/writer lock of one record, in one atomic word.
///
/// Bits 0-15 count the readers (`0xffff`: write-locked), bit 16 says that
/// transactions wait for the record.  Only the lock manager releases a
/// record lock, since a release may have to hand it to a waiter.
pub struct RecordLock(AtomicU32);

impl RecordLock {
    /// An unlocked record.
    pub const fn new() -> Self {
        Self(AtomicU32::new(0))
    }

    /// Takes a read lock unless the record is write-locked, full, or has
    /// waiters (`ignore_waiters`: the manager hands it to a waiter).
    fn read_lock(&self, ignore_waiters: bool) -> bool {
        let mut w = self.0.load(Ordering::Relaxed);
        loop {
            if (!ignore_waiters && w & WAITERS != 0) || w & COUNT >= MAX_READERS {
                return false;
            }
            match self
                .0
                .compare_exchange_weak(w, w + 1, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(now) => w = now,
            }
        }
    }

    /// Tries to read-lock the record.
    pub fn try_read(&self) -> bool {
        self.read_lock(false)
    }

    /// Takes the write lock if the count is `from` (0: free, 1: the
    /// caller's read lock), keeping the waiters bit.
    fn write_lock(&self, from: u32, ignore_waiters: bool) -> bool {
        let mut w = self.0.load(Ordering::Relaxed);
        loop {
            if (!ignore_waiters && w & WAITERS != 0) || w & COUNT != from {
                return false;
            }
            match self.0.compare_exchange_weak(
                w,
                (w & WAITERS) | WRITER,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => w = now,
            }
        }
    }

    /// Tries to write-lock the record.
    pub fn try_write(&self) -> bool {
        self.write_lock(0, false)
    }

    /// Tries to turn the caller's read lock into the write lock; succeeds
    /// only if the caller is the only reader (waiters do not matter).
    pub fn try_upgrade(&self) -> bool {
        self.write_lock(1, true)
    }

    /// Drops a read lock; returns whether transactions wait.
    fn read_unlock(&self) -> bool {
        self.0.fetch_sub(1, Ordering::Release) & WAITERS != 0
    }

    /// Drops the write lock; returns whether transactions wait.
    fn write_unlock(&self) -> bool {
        self.0.fetch_and(!COUNT, Ordering::Release) & WAITERS != 0
    }

    /// Number of readers (0 if free or write-locked).
    pub fn readers(&self) -> u32 {
        let c = self.0.load(Ordering::Relaxed) & COUNT;
        if c == WRITER {
            0
        } else {
            c
        }
    }

    /// Whether the record is write-locked.
    pub fn is_write_locked(&self) -> bool {
        self.0.load(Ordering::Relaxed) & COUNT == WRITER
    }

    /// Whether transactions wait for the record.
    pub fn has_waiters(&self) -> bool {
        self.0.load(Ordering::Relaxed) & WAITERS != 0
    }
}

impl Default for RecordLock {
    fn default() -> Self {
        Self::new()
    }
}

/// What to do when a record lock is not available.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Policy {
    /// Fail the lock call with `EAGAIN` (the caller restarts).
    Restart,
    /// As `Restart`; the attempt after `after` restarts is irrevocable.
    Exclusive {
        /// Restarts before the transaction runs irrevocably.
        after: u32,
    },
    /// Sleep in the record's waiting queue for up to `timeout` jiffies,
    /// then fail with `EAGAIN`; irrevocable after `after` restarts.  The
    /// sleep is interruptible: with a signal pending a wait ends at once
    /// like a timeout.
    Wait {
        /// Restarts before the transaction runs irrevocably.
        after: u32,
        /// Longest wait for one record, in jiffies (at least 1).
        timeout: Jiffies,
    },
}

/// Counters of a lock manager, summed over all its transactions.
#[derive(Clone, Copy, Default, Debug)]
pub struct Stats {
    /// Committed transactions.
    pub commits: u64,
    /// Restarts after a conflict.
    pub restarts: u64,
    /// Times a transaction slept in a waiting queue.
    pub waits: u64,
    /// Waits that timed out.
    pub timeouts: u64,
    /// Transactions committed in exclusive (irrevocable) mode.
    pub exclusive: u64,
}

/// What a waiter waits for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Read = 0,
    Write = 1,
    Upgrade = 2,
}

impl Want {
    fn from_u32(v: u32) -> Self {
        match v {
            0 => Self::Read,
            1 => Self::Write,
            _ => Self::Upgrade,
        }
    }
}

/// A transaction's entry in a waiting queue.
///
/// The fields other than `cv` are only written under the lock of the
/// bucket the waiter is (or is about to be) queued in; they are atomics
/// only so that the waiter and the releasers may share it.
#[pin_data]
struct Waiter {
    #[pin]
    cv: CondVar,
    next: AtomicPtr<Waiter>,
    rec: AtomicU32,
    want: AtomicU32,
    granted: AtomicBool,
}

/// A FIFO of waiters, the content of one bucket spinlock.
///
/// Invariant: every waiter linked in a queue is valid: a waiter is only
/// linked by [`Txn::wait`], which does not return before the waiter is
/// unlinked again (by itself or by [`grant`]), and the [`Txn`] that owns
/// the pinned waiter is mutably borrowed during that call.
struct Queue {
    head: *const Waiter,
    tail: *const Waiter,
}

// SAFETY: The waiters the pointers refer to are `Sync` and only accessed
// under the bucket lock, from whichever thread holds it.
unsafe impl Send for Queue {}

type QueueGuard<'a> = Guard<'a, Queue, SpinLockBackend>;

impl Queue {
    const fn new() -> Self {
        Self {
            head: ptr::null(),
            tail: ptr::null(),
        }
    }

    fn push_back(&mut self, w: &Waiter) {
        w.next.store(ptr::null_mut(), Ordering::Relaxed);
        let p: *const Waiter = w;
        if self.tail.is_null() {
            self.head = p;
        } else {
            // SAFETY: `tail` is a linked waiter, valid (type invariant).
            unsafe { (*self.tail).next.store(p.cast_mut(), Ordering::Relaxed) };
        }
        self.tail = p;
    }

    fn push_front(&mut self, w: &Waiter) {
        w.next.store(self.head.cast_mut(), Ordering::Relaxed);
        let p: *const Waiter = w;
        if self.tail.is_null() {
            self.tail = p;
        }
        self.head = p;
    }

    /// Unlinks `w`; returns whether it was linked.
    fn remove(&mut self, w: *const Waiter) -> bool {
        let mut prev: *const Waiter = ptr::null();
        let mut p = self.head;
        while !p.is_null() {
            // SAFETY: `p` is a linked waiter, valid (type invariant).
            let next = unsafe { (*p).next.load(Ordering::Relaxed) }.cast_const();
            if p == w {
                if prev.is_null() {
                    self.head = next;
                } else {
                    // SAFETY: `prev` is a linked waiter, valid.
                    unsafe { (*prev).next.store(next.cast_mut(), Ordering::Relaxed) };
                }
                if self.tail == w {
                    self.tail = prev;
                }
                return true;
            }
            prev = p;
            p = next;
        }
        false
    }

    /// Calls `f` on each waiter for `rec`, oldest first, until it returns
    /// false.  `f` may unlink the waiter it is given.
    fn for_each(&mut self, rec: u32, mut f: impl FnMut(&mut Self, &Waiter) -> bool) {
        let mut p = self.head;
        while !p.is_null() {
            // SAFETY: `p` is a linked waiter, valid (type invariant); it
            // stays valid while the bucket lock is held, even if `f`
            // unlinks it.
            let w = unsafe { &*p };
            let next = w.next.load(Ordering::Relaxed).cast_const();
            if w.rec.load(Ordering::Relaxed) == rec && !f(self, w) {
                return;
            }
            p = next;
        }
    }

    /// Whether a waiter for `rec` wants `want`.
    fn any(&mut self, rec: u32, want: Option<Want>) -> bool {
        let mut found = false;
        self.for_each(rec, |_, w| {
            found = want.map_or(true, |x| {
                Want::from_u32(w.want.load(Ordering::Relaxed)) == x
            });
            !found
        });
        found
    }
}

/// Hands record `rec` (lock `lock`, bucket queue `q`) to its waiters as
/// far as it is free: to the longest waiter if it wants to write or
/// upgrade, else to every waiting reader.  Clears the waiters bit when no
/// waiter for `rec` is left.  Called with the bucket lock held.
fn grant(q: &mut Queue, lock: &RecordLock, rec: u32) {
    let wake = |q: &mut Queue, w: &Waiter| {
        q.remove(w);
        w.granted.store(true, Ordering::Release);
        // The waiter re-checks `granted` under the bucket lock, which we
        // hold, so it cannot return (and go away) before this call ends.
        w.cv.notify_one();
    };
    let mut first = None;
    q.for_each(rec, |_, w| {
        first = Some(Want::from_u32(w.want.load(Ordering::Relaxed)));
        false
    });
    match first {
        None => {}
        Some(Want::Read) => q.for_each(rec, |q, w| {
            if Want::from_u32(w.want.load(Ordering::Relaxed)) == Want::Read {
                if !lock.read_lock(true) {
                    return false;
                }
                wake(q, w);
            }
            true
        }),
        Some(want) => q.for_each(rec, |q, w| {
            let from = if want == Want::Write { 0 } else { 1 };
            if lock.write_lock(from, true) {
                wake(q, w);
            }
            false
        }),
    }
    if !q.any(rec, None) {
        lock.0.fetch_and(!WAITERS, Ordering::Relaxed);
    }
}

/// A lockdep class key in static memory.
#[repr(transparent)]
struct StaticKey(Opaque<bindings::lock_class_key>);

// SAFETY: lockdep synchronises its use of class keys itself.
unsafe impl Sync for StaticKey {}

/// Lockdep class of every irrevocability semaphore.
static IRREVOCABILITY_KEY: StaticKey = StaticKey(Opaque::uninit());

/// A `struct rw_semaphore`: the irrevocability lock.
#[pin_data]
struct RwSem {
    #[pin]
    sem: Opaque<bindings::rw_semaphore>,
}

// SAFETY: A `rw_semaphore` may be used and released from any thread.
unsafe impl Send for RwSem {}
// SAFETY: All operations on a `rw_semaphore` are thread-safe.
unsafe impl Sync for RwSem {}

impl RwSem {
    fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            sem <- Opaque::ffi_init(|slot: *mut bindings::rw_semaphore| {
                // SAFETY: `slot` is valid for writes and pinned; the name
                // and the class key are static.
                unsafe {
                    bindings::__init_rwsem(
                        slot,
                        c_str!("alock_lockmgr_irrevocability").as_char_ptr(),
                        IRREVOCABILITY_KEY.0.get(),
                    )
                }
            }),
        })
    }

    fn down_read(&self) {
        // SAFETY: The semaphore was initialised by `new`; sleeping is
        // allowed where transactions begin (see `Txn::begin`).
        unsafe { bindings::down_read(self.sem.get()) }
    }

    fn up_read(&self) {
        // SAFETY: The caller read-locked the semaphore with `down_read`.
        unsafe { bindings::up_read(self.sem.get()) }
    }

    fn down_write(&self) {
        // SAFETY: As for `down_read`.
        unsafe { bindings::down_write(self.sem.get()) }
    }

    fn up_write(&self) {
        // SAFETY: The caller write-locked the semaphore with `down_write`.
        unsafe { bindings::up_write(self.sem.get()) }
    }
}

/// Waiting-queue buckets of one manager (a power of two).
const BUCKETS: usize = 64;

/// A lock manager: record locks, waiting queues, irrevocability lock and
/// counters.  See the [module documentation](self).
#[pin_data]
pub struct LockManager {
    locks: KVVec<RecordLock>,
    buckets: KVec<Pin<KBox<SpinLock<Queue>>>>,
    #[pin]
    irrevocability: RwSem,
    policy: Policy,
    commits: AtomicU64,
    restarts: AtomicU64,
    waits: AtomicU64,
    timeouts: AtomicU64,
    exclusive: AtomicU64,
}

impl LockManager {
    /// A manager of `records` unlocked records (at least 1) under
    /// `policy`.  A `Wait` timeout of 0 jiffies is taken as 1.
    pub fn new(records: u32, policy: Policy) -> Result<Pin<KBox<Self>>> {
        if records == 0 {
            return Err(EINVAL);
        }
        let policy = match policy {
            Policy::Wait { after, timeout } => Policy::Wait {
                after,
                timeout: timeout.max(1),
            },
            p => p,
        };
        let mut locks = KVVec::with_capacity(records as usize, GFP_KERNEL)?;
        for _ in 0..records {
            locks.push(RecordLock::new(), GFP_KERNEL)?;
        }
        let mut buckets = KVec::with_capacity(BUCKETS, GFP_KERNEL)?;
        for _ in 0..BUCKETS {
            // One lockdep class for all buckets: no two are ever nested.
            buckets.push(
                KBox::pin_init(
                    new_spinlock!(Queue::new(), "alock_lockmgr_queue"),
                    GFP_KERNEL,
                )?,
                GFP_KERNEL,
            )?;
        }
        KBox::pin_init(
            pin_init!(Self {
                locks,
                buckets,
                irrevocability <- RwSem::new(),
                policy,
                commits: AtomicU64::new(0),
                restarts: AtomicU64::new(0),
                waits: AtomicU64::new(0),
                timeouts: AtomicU64::new(0),
                exclusive: AtomicU64::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// Number of records.
    pub fn records(&self) -> u32 {
        self.locks.len() as u32
    }

    /// The conflict policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The lock of record `rec`, for inspection.
    pub fn lock(&self, rec: u32) -> Option<&RecordLock> {
        self.locks.get(rec as usize)
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        Stats {
            commits: self.commits.load(Ordering::Relaxed),
            restarts: self.restarts.load(Ordering::Relaxed),
            waits: self.waits.load(Ordering::Relaxed),
            timeouts: self.timeouts.load(Ordering::Relaxed),
            exclusive: self.exclusive.load(Ordering::Relaxed),
        }
    }

    /// A transaction handle that can hold up to `max_records` records at
    /// once.  One per thread; reuse it for transaction after transaction.
    pub fn txn(&self, max_records: usize) -> Result<Txn<'_>> {
        Ok(Txn {
            mgr: self,
            waiter: KBox::pin_init(
                pin_init!(Waiter {
                    cv <- new_condvar!("alock_lockmgr_waiter"),
                    next: AtomicPtr::new(ptr::null_mut()),
                    rec: AtomicU32::new(0),
                    want: AtomicU32::new(0),
                    granted: AtomicBool::new(false),
                }),
                GFP_KERNEL,
            )?,
            held: KVec::with_capacity(max_records, GFP_KERNEL)?,
            state: State::Idle,
            restarts: 0,
            last_restarts: 0,
        })
    }

    fn bucket(&self, rec: u32) -> &SpinLock<Queue> {
        &self.buckets[rec as usize & (BUCKETS - 1)]
    }

    /// Restarts before a transaction becomes irrevocable, if ever.
    fn exclusive_after(&self) -> Option<u32> {
        match self.policy {
            Policy::Restart => None,
            Policy::Exclusive { after } | Policy::Wait { after, .. } => Some(after),
        }
    }

    /// Releases a lock on `rec` and passes the record to its waiters.
    fn release(&self, rec: u32, mode: Held) {
        let lock = &self.locks[rec as usize];
        let waiters = match mode {
            Held::Read => lock.read_unlock(),
            Held::Write => lock.write_unlock(),
        };
        if waiters {
            let mut q = self.bucket(rec).lock();
            grant(&mut q, lock, rec);
        }
    }
}

/// How a transaction holds a record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Held {
    Read,
    Write,
}

/// Where a transaction is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between transactions.
    Idle,
    /// Running, may have to restart.
    Revocable,
    /// Running alone: cannot conflict.
    Irrevocable,
}

/// A transaction (the lock owner) of one thread on a [`LockManager`].
///
/// Lock calls return `EAGAIN` on a conflict the transaction must restart
/// from; [`Txn::run`] does the begin/commit/restart loop.  Dropping a
/// running transaction releases its records without counting anything.
pub struct Txn<'a> {
    mgr: &'a LockManager,
    waiter: Pin<KBox<Waiter>>,
    held: KVec<(u32, Held)>,
    state: State,
    restarts: u32,
    last_restarts: u32,
}

impl Txn<'_> {
    /// Begins a transaction (process context: may sleep).  After the
    /// policy's number of restarts it begins in exclusive mode, waiting
    /// until no other transaction runs.  A running transaction is aborted
    /// first.
    pub fn begin(&mut self) {
        if self.state != State::Idle {
            self.release_all();
        }
        self.state = match self.mgr.exclusive_after() {
            None => State::Revocable,
            Some(after) if self.restarts >= after => {
                self.mgr.irrevocability.down_write();
                State::Irrevocable
            }
            Some(_) => {
                self.mgr.irrevocability.down_read();
                State::Revocable
            }
        };
    }

    /// Restarts so far of the running transaction.
    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// Restarts of the last finished (committed or aborted) transaction.
    pub fn last_restarts(&self) -> u32 {
        self.last_restarts
    }

    /// Whether the running transaction is irrevocable.
    pub fn is_irrevocable(&self) -> bool {
        self.state == State::Irrevocable
    }

    fn find(&self, rec: u32) -> Option<usize> {
        self.held.iter().position(|&(r, _)| r == rec)
    }

    /// Read-locks record `rec` (no-op if held).  `EAGAIN`: conflict,
    /// restart; `EINVAL`: no such record or no transaction running;
    /// `E2BIG`: more records than the handle was made for.
    pub fn read(&mut self, rec: u32) -> Result {
        self.acquire(rec, false)
    }

    /// Write-locks record `rec`, upgrading a read lock the transaction
    /// holds; errors as for [`Txn::read`].
    pub fn write(&mut self, rec: u32) -> Result {
        self.acquire(rec, true)
    }

    fn acquire(&mut self, rec: u32, write: bool) -> Result {
        if self.state == State::Idle || rec >= self.mgr.records() {
            return Err(EINVAL);
        }
        let mgr = self.mgr;
        let idx = self.find(rec);
        let want = match (idx, write) {
            (Some(_), false) => return Ok(()),
            (Some(i), true) if self.held[i].1 == Held::Write => return Ok(()),
            (Some(_), true) => Want::Upgrade,
            (None, _) if self.held.len() == self.held.capacity() => return Err(E2BIG),
            (None, false) => Want::Read,
            (None, true) => Want::Write,
        };
        let lock = &mgr.locks[rec as usize];
        let try_once = || match want {
            Want::Read => lock.try_read(),
            Want::Write => lock.try_write(),
            Want::Upgrade => lock.try_upgrade(),
        };
        if !try_once() {
            if self.state == State::Irrevocable {
                // No other transaction runs, so every record is free; this
                // only loops if the records are also used outside the
                // manager's transactions.
                while !try_once() {
                    // SAFETY: Rescheduling is allowed: no spinlock is held.
                    unsafe { bindings::schedule() };
                }
            } else if let Policy::Wait { timeout, .. } = mgr.policy {
                self.wait(rec, want, timeout)?;
            } else {
                return Err(EAGAIN);
            }
        }
        match idx {
            Some(i) => self.held[i].1 = Held::Write,
            // Cannot fail: the capacity was checked above.
            None => self.held.push(
                (rec, if write { Held::Write } else { Held::Read }),
                GFP_KERNEL,
            )?,
        }
        Ok(())
    }

    /// Waits in `rec`'s queue until the lock is handed over (`Ok`) or the
    /// wait times out (`EAGAIN`).
    fn wait(&self, rec: u32, want: Want, timeout: Jiffies) -> Result {
        let mgr = self.mgr;
        let lock = &mgr.locks[rec as usize];
        let w: &Waiter = &self.waiter;
        let mut q: QueueGuard<'_> = mgr.bucket(rec).lock();
        // Two upgraders of one record would wait for each other: the
        // second one restarts at once.
        if want == Want::Upgrade && q.any(rec, Some(Want::Upgrade)) {
            return Err(EAGAIN);
        }
        w.rec.store(rec, Ordering::Relaxed);
        w.want.store(want as u32, Ordering::Relaxed);
        w.granted.store(false, Ordering::Relaxed);
        if want == Want::Upgrade {
            // It holds a read lock already: serve it before the others,
            // who would wait for that read lock anyway.
            q.push_front(w);
        } else {
            q.push_back(w);
        }
        lock.0.fetch_or(WAITERS, Ordering::AcqRel);
        // The holder may have released it before it saw the waiters bit.
        grant(&mut q, lock, rec);
        mgr.waits.fetch_add(1, Ordering::Relaxed);
        let mut left = timeout;
        while !w.granted.load(Ordering::Acquire) {
            if left == 0 {
                // A releaser may be on its way to the bucket lock: take the
                // record if it is ours by now rather than restart.
                grant(&mut q, lock, rec);
                if w.granted.load(Ordering::Acquire) {
                    return Ok(());
                }
                q.remove(w);
                // Waiters behind this one may be able to go now.
                grant(&mut q, lock, rec);
                mgr.timeouts.fetch_add(1, Ordering::Relaxed);
                return Err(EAGAIN);
            }
            // Releases the bucket lock while it sleeps.
            left = match w.cv.wait_interruptible_timeout(&mut q, left) {
                CondVarTimeoutResult::Woken { jiffies } => jiffies,
                CondVarTimeoutResult::Timeout | CondVarTimeoutResult::Signal { .. } => 0,
            };
        }
        Ok(())
    }

    /// Releases every record, then the irrevocability lock.
    fn release_all(&mut self) {
        for &(rec, mode) in self.held.iter().rev() {
            self.mgr.release(rec, mode);
        }
        // SAFETY: Shrinking is always valid; the elements are `Copy`, so
        // nothing needs dropping.
        unsafe { self.held.set_len(0) };
        match self.state {
            State::Idle => {}
            State::Revocable => {
                if self.mgr.exclusive_after().is_some() {
                    self.mgr.irrevocability.up_read();
                }
            }
            State::Irrevocable => self.mgr.irrevocability.up_write(),
        }
        self.state = State::Idle;
    }

    /// Commits: releases every record and counts the commit.
    pub fn commit(&mut self) {
        if self.state == State::Idle {
            return;
        }
        if self.state == State::Irrevocable {
            self.mgr.exclusive.fetch_add(1, Ordering::Relaxed);
        }
        self.release_all();
        self.mgr.commits.fetch_add(1, Ordering::Relaxed);
        self.last_restarts = self.restarts;
        self.restarts = 0;
    }

    /// Aborts after a conflict: releases every record and counts a
    /// restart; call [`Txn::begin`] to run the transaction again.
    pub fn restart(&mut self) {
        self.release_all();
        self.restarts = self.restarts.saturating_add(1);
        self.mgr.restarts.fetch_add(1, Ordering::Relaxed);
    }

    /// Gives the transaction up: releases every record, counts nothing.
    pub fn abort(&mut self) {
        self.release_all();
        self.last_restarts = self.restarts;
        self.restarts = 0;
    }

    /// Runs `f` as a transaction until it commits: `f` returning `EAGAIN`
    /// restarts it, `Ok` commits, another error aborts and is returned.
    ///
    /// May sleep (process context only): after a restart it yields the CPU
    /// once, because the holder of the conflicting record may be a
    /// preempted task on this very CPU; restarting in a tight loop would
    /// keep it off the CPU until the next scheduler tick.
    pub fn run<R>(&mut self, mut f: impl FnMut(&mut Self) -> Result<R>) -> Result<R> {
        loop {
            self.begin();
            match f(self) {
                Ok(r) => {
                    self.commit();
                    return Ok(r);
                }
                Err(e) if e == EAGAIN => {
                    self.restart();
                    // SAFETY: Process context, no lock held (all records and
                    // the irrevocability semaphore were released).
                    unsafe { bindings::schedule() };
                }
                Err(e) => {
                    self.abort();
                    return Err(e);
                }
            }
        }
    }
}

impl Drop for Txn<'_> {
    fn drop(&mut self) {
        self.release_all();
    }
}
