// SPDX-License-Identifier: GPL-2.0

//! The waiting queues: a FIFO of waiting transactions per bucket, and the
//! hand-over of a released record to its waiters (see the design notes in
//! [`super`]).

use core::{
    ptr,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering},
};
use kernel::{
    prelude::*,
    sync::{
        lock::{spinlock::SpinLockBackend, Guard},
        CondVar,
    },
};

use super::record::RecordLock;

/// What a waiter waits for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    Read = 0,
    Write = 1,
    Upgrade = 2,
}

impl Want {
    pub(super) fn from_u32(v: u32) -> Self {
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
pub(super) struct Waiter {
    #[pin]
    pub(super) cv: CondVar,
    pub(super) next: AtomicPtr<Waiter>,
    pub(super) rec: AtomicU32,
    pub(super) want: AtomicU32,
    pub(super) granted: AtomicBool,
}

/// A FIFO of waiters, the content of one bucket spinlock.
///
/// Invariant: every waiter linked in a queue is valid: a waiter is only
/// linked by [`Txn::wait`], which does not return before the waiter is
/// unlinked again (by itself or by [`grant`]), and the [`Txn`] that owns
/// the pinned waiter is mutably borrowed during that call.
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

    pub(super) fn push_back(&mut self, w: &Waiter) {
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

    pub(super) fn push_front(&mut self, w: &Waiter) {
        w.next.store(self.head.cast_mut(), Ordering::Relaxed);
        let p: *const Waiter = w;
        if self.tail.is_null() {
            self.tail = p;
        }
        self.head = p;
    }

    /// Unlinks `w`; returns whether it was linked.
    pub(super) fn remove(&mut self, w: *const Waiter) -> bool {
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
    pub(super) fn any(&mut self, rec: u32, want: Option<Want>) -> bool {
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
pub(super) fn grant(q: &mut Queue, lock: &RecordLock, rec: u32) {
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
        lock.clear_waiters();
    }
}
