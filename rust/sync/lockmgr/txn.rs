// SPDX-License-Identifier: GPL-2.0

//! [`Txn`]: a transaction of one thread: begin, read/write lock, wait,
//! commit, restart.
//!
//! Under [`Policy::Wait`] a transaction takes a stamp from the manager's
//! clock when it first begins and keeps it across its restarts, until it
//! commits or is given up: its age for wait-die (see [`super::queue`]).

use core::sync::atomic::Ordering;
use kernel::{bindings, prelude::*, time::Jiffies};

use super::queue::{self, QueueGuard, Waiter, Want};
use super::record::Refused;
use super::wake::{self, WakeQ, Woken};
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
/// from and `EINTR` when the thread is being killed; [`Txn::run`] does the
/// begin/commit/restart loop.  Dropping a running transaction releases its
/// records without counting anything.
pub struct Txn<'a> {
    mgr: &'a LockManager,
    /// Its entry in a waiting queue: linked only during [`Txn::wait`],
    /// which borrows the transaction, so it does not move while linked.
    waiter: Waiter,
    held: KVec<(u32, Held)>,
    state: State,
    /// Wait-die age (`Policy::Wait` only), from the first begin until the
    /// commit or abort.
    stamp: Option<u64>,
    restarts: u32,
    last_restarts: u32,
}

impl<'a> Txn<'a> {
    /// A transaction handle of `mgr`: see [`LockManager::txn`].
    pub(super) fn new(mgr: &'a LockManager, max_records: usize) -> Result<Self> {
        Ok(Txn {
            mgr,
            waiter: Waiter::new(),
            held: KVec::with_capacity(max_records, GFP_KERNEL)?,
            state: State::Idle,
            stamp: None,
            restarts: 0,
            last_restarts: 0,
        })
    }
}

impl Txn<'_> {
    /// Begins a transaction (process context: may sleep).  After the
    /// policy's number of restarts it begins in exclusive mode, waiting
    /// until no other transaction runs.  A running transaction is released
    /// first (it keeps its stamp, as after a restart).  `EINTR`: a fatal
    /// signal came while it waited for the irrevocability lock; no
    /// transaction is running then.
    pub fn begin(&mut self) -> Result {
        if self.state != State::Idle {
            self.release_all();
        }
        if self.stamp.is_none() && matches!(self.mgr.policy, Policy::Wait { .. }) {
            self.stamp = Some(self.mgr.stamp());
        }
        self.state = match self.mgr.exclusive_after() {
            None => State::Revocable,
            Some(after) if self.restarts >= after => {
                self.mgr.irrevocability.down_write_killable()?;
                State::Irrevocable
            }
            Some(_) => {
                self.mgr.irrevocability.down_read_killable()?;
                State::Revocable
            }
        };
        Ok(())
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
    /// restart; `EINTR`: a fatal signal came while it waited (give the
    /// transaction up); `EINVAL`: no such record or no transaction
    /// running; `E2BIG`: more records than the handle was made for.
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
        let stamp = self.stamp.unwrap_or(0);
        let try_once = || match want {
            Want::Read => lock.try_read(stamp),
            Want::Write => lock.try_write(stamp),
            Want::Upgrade => lock.try_upgrade(stamp),
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
                    if wake::fatal_signal_pending() {
                        w.end_with(EINTR.to_errno());
                        return Err(EINTR);
                    }
                    // SAFETY: Rescheduling is allowed: no spinlock is held.
                    unsafe { bindings::schedule() };
                }
                w.end();
            } else if let Policy::Wait { timeout, .. } = mgr.policy {
                let w = site.begin();
                let r = self.wait(rec, want, stamp, timeout);
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

    /// Waits in `rec`'s queue until the lock is handed over (`Ok`), the
    /// wait times out (`EAGAIN`) or a fatal signal comes (`EINTR`); wait-die
    /// may refuse the wait (`EAGAIN` at once: see [`queue::enqueue`]).
    fn wait(&self, rec: u32, want: Want, stamp: u64, timeout: Jiffies) -> Result {
        let mgr = self.mgr;
        let lock = &mgr.locks[rec as usize];
        let w = &self.waiter;
        let mut wq = WakeQ::new();
        let mut q: QueueGuard<'_> = mgr.bucket(rec).lock();
        if let Err(why) = queue::enqueue(&mut q, lock, w, rec, want, stamp, &mut wq) {
            drop(q);
            if why == Refused::Younger {
                mgr.dies.fetch_add(1, Ordering::Relaxed);
            }
            return Err(EAGAIN);
        }
        drop(q);
        // Wakes the waiters the enqueue's grant pass let go (us too if it
        // gave us the record: a no-op, we are running).
        wq.wake();
        mgr.waits.fetch_add(1, Ordering::Relaxed);
        let err = match wake::sleep(timeout, || w.granted()) {
            Woken::Done => return Ok(()),
            Woken::Timeout => EAGAIN,
            Woken::Killed => EINTR,
        };
        let mut wq = WakeQ::new();
        let mut q = mgr.bucket(rec).lock();
        // A releaser may have handed the record over since: keep it rather
        // than restart (after a fatal signal too: the record is then held
        // like any other, and the next wait, or `run`, sees the signal).
        let granted = queue::cancel(&mut q, lock, w, rec, &mut wq);
        drop(q);
        wq.wake();
        if granted {
            return Ok(());
        }
        if err == EAGAIN {
            mgr.timeouts.fetch_add(1, Ordering::Relaxed);
        }
        Err(err)
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
        self.stamp = None;
    }

    /// Aborts after a conflict: releases every record and counts a
    /// restart; call [`Txn::begin`] to run the transaction again (with the
    /// same stamp: it keeps its age).
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
        self.stamp = None;
    }

    /// Runs `f` as a transaction until it commits: `f` returning `EAGAIN`
    /// restarts it, `Ok` commits, another error aborts and is returned.
    /// A fatal signal aborts it with `EINTR`: the lock calls return it from
    /// a wait, and `run` checks for one before every restart, since under
    /// [`Policy::Restart`] nothing else would end the loop.
    ///
    /// May sleep (process context only): after a restart it yields the CPU
    /// once, because the holder of the conflicting record may be a
    /// preempted task on this very CPU; restarting in a tight loop would
    /// keep it off the CPU until the next scheduler tick.
    pub fn run<R>(&mut self, mut f: impl FnMut(&mut Self) -> Result<R>) -> Result<R> {
        loop {
            if let Err(e) = self.begin() {
                self.abort();
                return Err(e);
            }
            match f(self) {
                Ok(r) => {
                    self.commit();
                    return Ok(r);
                }
                Err(e) if e == EAGAIN && wake::fatal_signal_pending() => {
                    self.abort();
                    return Err(EINTR);
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
