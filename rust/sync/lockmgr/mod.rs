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

mod irrevocable;
mod queue;
mod record;
mod txn;

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{new_spinlock, prelude::*, sync::SpinLock, time::Jiffies};

use irrevocable::RwSem;
use queue::{grant, Queue};
pub use record::RecordLock;
pub use txn::Txn;

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
        Txn::new(self, max_records)
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
