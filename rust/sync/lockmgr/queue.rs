// SPDX-License-Identifier: GPL-2.0

//! The waiting queues: per bucket, an intrusive doubly linked FIFO of
//! waiting transactions; the wait-die enqueue, the one-pass hand-over of a
//! released record to its waiters, and a waiter's own departure (see the
//! design notes in [`super`]).
//!
//! # Memory ordering (LKMM)
//!
//! Every change of a record's lock word ([`RecordLock`]) is one atomic
//! read-modify-write, so all of them are totally ordered by the word's
//! coherence order (`co`), and each reads the value the one before it
//! wrote.  The bucket spinlock orders everything else: the list, the
//! waiters' fields other than `granted`, and the waiters and upgrader bits
//! (changed only under it).
//!
//! *No release misses a waiter.*  A releaser does its `fetch_sub` or
//! `fetch_and` and takes the bucket lock only if the value it read has the
//! waiters bit and its release may let a waiter go
//! ([`RecordLock::read_unlock`]).  A waiter, under the bucket lock, sets the
//! waiters bit with a read-modify-write ([`RecordLock::enqueue`]), links
//! itself, then runs [`grant`], whose compare-and-swaps read the word.  Take
//! a releaser's RMW `R` and a waiter's enqueue RMW `E`:
//!
//! * `E ->co R`: `R` reads `E`'s write or a later one (the LKMM's atomic
//!   axiom), so it sees the waiters bit (cleared again only once no waiter
//!   of the record is queued) and takes the bucket lock if its release may
//!   let a waiter go (see below for the others).  Its critical section
//!   then follows the waiter's: the other way round, `R ->po` its unlock
//!   `->rf` the waiter's lock `->po E` would make `R` happen before `E`,
//!   against `E ->co R`.  So its grant pass sees the waiter linked.
//! * `R ->co E`: the waiter's grant reads the word `po`-after `E`, so by
//!   coherence (`CoWR`, `CoRR`) it reads `R`'s release or a later value,
//!   and hands the record over if it is free enough.
//!
//! *Skipping the lock loses nothing.*  Call a value of the word *open* if
//! the first queued waiter of the record could have the record at that
//! count: a writer at 0, the upgrader at 1 (its own read lock), a reader
//! below `0xfffe`.  Whoever writes an open value runs a grant pass under
//! the bucket lock that reads it or a later value:
//!
//! * under the bucket lock (enqueue, [`cancel`], a grant itself), where
//!   the list and so the first waiter change too, the pass comes before
//!   the unlock.  A pass stops only at a waiter whose compare-and-swap
//!   found the value not open (a compare-and-swap that fails because the
//!   word changed retries on the new value), or at one behind a waiter it
//!   has just let go, which leaves the count at least 1 (a writer behind
//!   readers) or the writer (anyone behind a writer or upgrader);
//! * outside the lock the count only grows by a try-lock (refused while
//!   the waiters bit is set, except the only reader's upgrade, 1 to the
//!   writer), which never opens a value, or drops by a release.  A
//!   release opens a value that was not open only when the record becomes
//!   free (every write unlock, a read unlock from 1), when one reader is
//!   left and the upgrader bit says it is the queued upgrader (from 2), or
//!   when a reader may come in again (from `0xfffe`): exactly the releases
//!   that return true, take the lock and run a pass, `po`-after their RMW.
//!   A release from a value that was open already needs none: the pass
//!   owed for that value reads the word at or after it, and if it reads
//!   the value before the release its compare-and-swap fails and retries
//!   on the newer one.
//!
//! *Hand-over.*  The granter's compare-and-swap takes the lock for the
//! waiter (`ACQUIRE`, reading from the releaser's `RELEASE` RMW or from a
//! later RMW of the word: an `rmw-sequence`, which extends the release's
//! `cumul-fence`); then the granter unlinks the waiter, takes a reference
//! on its task ([`TaskRef`]), sets `granted` with `smp_store_release()`
//! and queues the wake-up ([`WakeQ::add`]).  Setting `granted` is its
//! last access to the waiter: the waiter reads `granted` with
//! `smp_load_acquire()` and may return, and its transaction go away, at
//! once.  The chain `release ->rmw-sequence ->rf cas ->po store-release
//! ->rf load-acquire` (release and acquire are cumulative) puts the
//! previous holder's critical section before the waiter's.  The wake-up
//! comes after the bucket lock is dropped (the waiter does not take the
//! bucket lock again on its way out); its ordering against the waiter's
//! sleep is in [`super::wake`].
//!
//! A waiter that times out or is killed takes the bucket lock: `granted`
//! is stable under it, and the lock orders any grant before.  If it is set
//! the record is the waiter's; if not it is still linked, and unlinks
//! itself and runs a grant pass, because the waiters behind it may be able
//! to go now.

use core::{
    ptr,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering},
};
use kernel::{
    bindings,
    sync::lock::{spinlock::SpinLockBackend, Guard},
};

pub(super) use super::record::Want;
use super::record::{RecordLock, Refused};
use super::wake::{TaskRef, WakeQ};

/// A transaction's entry in a waiting queue.
///
/// The fields other than `granted` are written only under the lock of
/// the bucket the waiter is (or is about to be) queued in; they are
/// atomics only so that the waiter and the granters may share it.
/// `granted` is set under that lock, once the waiter is unlinked, and read
/// by the waiter without it.
pub(super) struct Waiter {
    prev: AtomicPtr<Waiter>,
    next: AtomicPtr<Waiter>,
    rec: AtomicU32,
    want: AtomicU32,
    stamp: AtomicU64,
    task: AtomicPtr<bindings::task_struct>,
    granted: AtomicBool,
}

impl Waiter {
    /// A waiter that is not queued.
    pub(super) const fn new() -> Self {
        Self {
            prev: AtomicPtr::new(ptr::null_mut()),
            next: AtomicPtr::new(ptr::null_mut()),
            rec: AtomicU32::new(0),
            want: AtomicU32::new(0),
            stamp: AtomicU64::new(0),
            task: AtomicPtr::new(ptr::null_mut()),
            granted: AtomicBool::new(false),
        }
    }

    fn want(&self) -> Want {
        Want::from_u32(self.want.load(Ordering::Relaxed))
    }

    /// Whether the record was handed over to the waiter: once true, the
    /// waiter is unlinked and the granters are done with it.
    pub(super) fn granted(&self) -> bool {
        self.granted.load(Ordering::Acquire)
    }
}

/// The waiters of one bucket, oldest request first except that an
/// upgrader goes in front; the content of one bucket spinlock.
///
/// Invariants: every waiter linked in a queue is valid, because a waiter
/// is only linked by [`enqueue`], whose caller ([`super::Txn`]'s wait)
/// does not return before the waiter is unlinked again (by itself or by
/// [`grant`]), and the transaction that holds the waiter is borrowed for
/// that call.  The waiters of one record are ordered youngest first by
/// their stamps (wait-die: see [`enqueue`]).
pub(super) struct Queue {
    head: *const Waiter,
    tail: *const Waiter,
}

// SAFETY: The waiters the pointers refer to are `Sync` and only accessed
// under the bucket lock, from whichever thread holds it.
unsafe impl Send for Queue {}

pub(super) type QueueGuard<'a> = Guard<'a, Queue, SpinLockBackend>;

impl Queue {
    pub(super) const fn new() -> Self {
        Self {
            head: ptr::null(),
            tail: ptr::null(),
        }
    }

    fn push_back(&mut self, w: &Waiter) {
        let p: *const Waiter = w;
        w.prev.store(self.tail.cast_mut(), Ordering::Relaxed);
        w.next.store(ptr::null_mut(), Ordering::Relaxed);
        if self.tail.is_null() {
            self.head = p;
        } else {
            // SAFETY: `tail` is a linked waiter, valid (type invariant).
            let tail = unsafe { &*self.tail };
            tail.next.store(p.cast_mut(), Ordering::Relaxed);
        }
        self.tail = p;
    }

    fn push_front(&mut self, w: &Waiter) {
        let p: *const Waiter = w;
        w.prev.store(ptr::null_mut(), Ordering::Relaxed);
        w.next.store(self.head.cast_mut(), Ordering::Relaxed);
        if self.head.is_null() {
            self.tail = p;
        } else {
            // SAFETY: `head` is a linked waiter, valid (type invariant).
            let head = unsafe { &*self.head };
            head.prev.store(p.cast_mut(), Ordering::Relaxed);
        }
        self.head = p;
    }

    /// Unlinks `w`, which must be linked in this queue.  O(1); does not
    /// write `w`.
    fn unlink(&mut self, w: &Waiter) {
        let prev = w.prev.load(Ordering::Relaxed).cast_const();
        let next = w.next.load(Ordering::Relaxed).cast_const();
        if prev.is_null() {
            self.head = next;
        } else {
            // SAFETY: `prev` is a linked waiter, valid (type invariant).
            let prev = unsafe { &*prev };
            prev.next.store(next.cast_mut(), Ordering::Relaxed);
        }
        if next.is_null() {
            self.tail = prev;
        } else {
            // SAFETY: `next` is a linked waiter, valid (type invariant).
            let next = unsafe { &*next };
            next.prev.store(prev.cast_mut(), Ordering::Relaxed);
        }
    }

    /// The stamp of the oldest waiter for `rec`: the last one, since they
    /// are ordered youngest first.  Walks back from the tail.
    fn oldest(&self, rec: u32) -> Option<u64> {
        let mut p = self.tail;
        while !p.is_null() {
            // SAFETY: `p` is a linked waiter, valid (type invariant).
            let w = unsafe { &*p };
            if w.rec.load(Ordering::Relaxed) == rec {
                return Some(w.stamp.load(Ordering::Relaxed));
            }
            p = w.prev.load(Ordering::Relaxed);
        }
        None
    }

    /// Unlinks `w` and hands it the record its lock was just taken for:
    /// takes a reference on its task, sets `granted` (the last access to
    /// `w`: see the ordering notes at the top of the file), and queues the
    /// wake-up in `wq`.
    fn hand_over(&mut self, w: &Waiter, wq: &mut WakeQ) {
        self.unlink(w);
        // SAFETY: The waiter's task recorded itself before it was linked,
        // and it stays in `Txn::wait` until it sees `granted`, set below,
        // or takes the bucket lock, which we hold: it is alive.
        let task = unsafe { TaskRef::new(w.task.load(Ordering::Relaxed)) };
        w.granted.store(true, Ordering::Release);
        wq.add(task);
    }
}

/// Queues `w`, the waiter of a transaction stamped `stamp`, for record
/// `rec` (lock `lock`, bucket queue `q`), wanting `want`, unless wait-die
/// refuses it, then runs a [`grant`] pass: the holder may have released the
/// record before it saw the waiters bit.  The wake-ups of the pass go to
/// `wq`; `w.granted()` tells whether `w` has the record already.
///
/// Wait-die: a transaction may wait only for younger ones, so that every
/// edge of the wait-for graph goes from an older transaction to a younger
/// one and no cycle can form.  A reader or writer waits for the holders
/// and every waiter queued for the record (it queues behind them), so it
/// must be older than all of them: then the record's waiters stay ordered
/// youngest first and the oldest one is the last.  An upgrader goes in
/// front (the others wait for its read lock anyway) and waits only for
/// the other readers, so it must be the oldest reader.  A refused
/// transaction restarts (`EAGAIN`), keeping its stamp, so it grows older
/// and is eventually let wait.  Called with the bucket lock held.
pub(super) fn enqueue(
    q: &mut QueueGuard<'_>,
    lock: &RecordLock,
    w: &Waiter,
    rec: u32,
    want: Want,
    stamp: u64,
    wq: &mut WakeQ,
) -> core::result::Result<(), Refused> {
    let queued = if lock.waiters() && want != Want::Upgrade {
        q.oldest(rec)
    } else {
        None
    };
    lock.enqueue(stamp, want, queued)?;
    w.rec.store(rec, Ordering::Relaxed);
    w.want.store(want as u32, Ordering::Relaxed);
    w.stamp.store(stamp, Ordering::Relaxed);
    w.task.store(super::wake::current(), Ordering::Relaxed);
    w.granted.store(false, Ordering::Relaxed);
    if want == Want::Upgrade {
        q.push_front(w);
    } else {
        q.push_back(w);
    }
    grant(q, lock, rec, wq);
    Ok(())
}

/// Takes `w` (queued for `rec`, lock `lock`) out of the queue after its
/// wait ended without a wake-up from a grant (timeout or fatal signal);
/// returns whether it had been granted the record meanwhile.  If not, it
/// unlinks it, drops the upgrader bit if it was the upgrader, and runs a
/// [`grant`] pass for the waiters behind it.  Called with the bucket lock
/// held.
pub(super) fn cancel(
    q: &mut QueueGuard<'_>,
    lock: &RecordLock,
    w: &Waiter,
    rec: u32,
    wq: &mut WakeQ,
) -> bool {
    // Stable under the bucket lock, under which it is set.
    if w.granted.load(Ordering::Relaxed) {
        return true;
    }
    q.unlink(w);
    if w.want() == Want::Upgrade {
        lock.clear_upgrader();
    }
    grant(q, lock, rec, wq);
    false
}

/// Where a [`grant`] pass is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// No waiter of the record seen yet.
    First,
    /// Handing the record to a run of readers.
    Readers,
    /// Done granting; looking for a waiter left.
    Done,
}

/// Hands record `rec` (lock `lock`, bucket queue `q`) to its waiters as
/// far as it is free, in one pass over the bucket: to the first waiter
/// alone if it wants to write or upgrade, else to it and every reader
/// behind it up to the first writer.  The pass stops at the first waiter
/// left waiting; if it finds none it clears the waiters bit.  The woken
/// waiters' wake-ups go to `wq`, to be done once the bucket lock is
/// dropped.  Called with the bucket lock held.
pub(super) fn grant(q: &mut Queue, lock: &RecordLock, rec: u32, wq: &mut WakeQ) {
    let mut pass = Pass::First;
    let mut p = q.head;
    while !p.is_null() {
        // SAFETY: `p` is a linked waiter, valid (type invariant); it stays
        // valid until `hand_over` sets its `granted`, after which the pass
        // does not touch it.
        let w = unsafe { &*p };
        // Read before `hand_over`, after which `w` may be gone.
        let next = w.next.load(Ordering::Relaxed).cast_const();
        if w.rec.load(Ordering::Relaxed) == rec {
            let stamp = w.stamp.load(Ordering::Relaxed);
            let want = w.want();
            let got = match (pass, want) {
                (Pass::First | Pass::Readers, Want::Read) => lock.read_lock(stamp, true),
                (Pass::First, Want::Write) => lock.write_lock(0, stamp, true),
                (Pass::First, Want::Upgrade) => lock.write_lock(1, stamp, true),
                _ => false,
            };
            if !got {
                // A waiter is left.
                return;
            }
            q.hand_over(w, wq);
            pass = if want == Want::Read {
                Pass::Readers
            } else {
                Pass::Done
            };
        }
        p = next;
    }
    lock.clear_waiters();
}
