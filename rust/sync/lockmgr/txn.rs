// SPDX-License-Identifier: GPL-2.0

//! [`Txn`]: a transaction of one thread: begin, read/write lock, wait,
//! commit, restart.

use core::{
    ptr,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering},
};
use kernel::{bindings, new_condvar, prelude::*, sync::CondVarTimeoutResult, time::Jiffies};

use super::queue::{grant, QueueGuard, Waiter, Want};
use super::{Held, LockManager, Policy};
use crate::support::{
    stats::{self, Kind},
    trace::{Site, LCB_F_READ, LCB_F_WRITE},
};

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

impl<'a> Txn<'a> {
    /// A transaction handle of `mgr`: see [`LockManager::txn`].
    pub(super) fn new(mgr: &'a LockManager, max_records: usize) -> Result<Self> {
        Ok(Txn {
            mgr,
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
        if try_once() {
            stats::acquired(Kind::Lockmgr);
        } else {
            // A sleeping wait (no LCB_F_SPIN), like a rwsem's; the records
            // have no lockdep map (the manager's semaphore has).
            let flags = if write { LCB_F_WRITE } else { LCB_F_READ };
            let site = Site::new(lock, flags, Kind::Lockmgr);
            if self.state == State::Irrevocable {
                let w = site.begin();
                // No other transaction runs, so every record is free; this
                // only loops if the records are also used outside the
                // manager's transactions.
                while !try_once() {
                    // SAFETY: Rescheduling is allowed: no spinlock is held.
                    unsafe { bindings::schedule() };
                }
                w.end();
            } else if let Policy::Wait { timeout, .. } = mgr.policy {
                let w = site.begin();
                let r = self.wait(rec, want, timeout);
                w.end_with(r.err().map_or(0, |e| e.to_errno()));
                r?;
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
        lock.set_waiters();
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
