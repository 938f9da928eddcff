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
//!   record's waiting queue and fails only when the wait times out or when
//!   wait-die refuses the wait (the transaction is younger than one it
//!   would wait for).
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
//! The lock word ([`RecordLock`], 64 bits) holds a 16-bit count (0: free,
//! 1 to `0xfffe`: readers, `0xffff`: one writer), a *waiters* bit, an
//! *upgrader* bit and an *age* field.  While a record's waiting queue is
//! not empty, new readers and writers are refused so they do not overtake
//! the waiters (an upgrade by the only reader is still allowed: a waiter
//! could only be waiting for that reader).  The upgrader bit says that a
//! reader of the record waits to upgrade; the age field bounds the stamps
//! of the holders from below (wait-die).
//!
//! The waiting queues live in a fixed set of buckets (records hash to a
//! bucket), each an intrusive doubly linked FIFO of [`Txn`]s' waiters under
//! a spinlock (`queue.rs`).  A waiter passes the wait-die test, sets the
//! waiters bit and links itself under the bucket lock, runs one grant pass
//! (the holder may have released before it saw the bit), drops the lock
//! and sleeps, killably, with a timeout (`wake.rs`): nothing sleeps with a
//! spinlock held and only one bucket lock is ever held at a time.  A
//! releaser learns from its own atomic release whether a waiter can have
//! the record now (the waiters bit is set and the record became free, or
//! only the queued upgrader's read lock is left, or the reader count left
//! its maximum); only then does it take the bucket lock and *hand the
//! record over* in one pass over the bucket: if the first waiter wants to
//! write (or upgrade), it gets the lock alone; if it wants to read, it
//! and every reader behind it up to the first writer get it.  The pass
//! clears the waiters bit when no waiter of the record is left.  An
//! upgrader (at most one per record: a second one restarts at once) queues
//! in front, since the others would wait for its read lock anyway.  The
//! woken transactions already own the lock, so a woken waiter cannot lose
//! the record again, and it does not take the bucket lock on its way out:
//! the wake-ups are collected under the lock and done after it is dropped
//! (a `wake_q`).  A waiter whose timeout expires, or whose thread is being
//! killed (`EINTR`), unlinks itself under the bucket lock and passes the
//! record on as a releaser would.  Why no wake-up is lost, in LKMM terms,
//! is at the top of `queue.rs`.
//!
//! Deadlock cycles cannot form in the waiting queues: under `Wait` every
//! transaction takes a stamp (the manager's clock) when it first begins
//! and keeps it across its restarts, and *wait-die* lets a transaction
//! wait only for younger ones (holders and the waiters queued before it);
//! a younger one restarts at once instead.  The timeout stays as a safety
//! net (a holder that is slow, preempted or waiting itself for a long
//! time).
//!
//! Irrevocability is a sleeping reader/writer semaphore: under `Exclusive`
//! and `Wait` every revocable transaction read-locks it in [`Txn::begin`]
//! and releases it after its records; an irrevocable transaction
//! write-locks it, so it runs when no other transaction holds any record.
//! Lock order: irrevocability semaphore, then one bucket spinlock (then
//! the scheduler's, for a grant's wake-ups beyond the batch of `wake.rs`).
//! All managers share one lockdep class for the semaphore: a thread must
//! not nest transactions of two managers.

mod irrevocable;
mod queue;
mod record;
mod txn;
mod wake;

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{new_spinlock, prelude::*, sync::SpinLock, time::Jiffies};

use irrevocable::RwSem;
use queue::{grant, Queue};
pub use record::RecordLock;
pub use txn::Txn;
use wake::WakeQ;

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
    /// then fail with `EAGAIN`; irrevocable after `after` restarts.  A
    /// transaction younger than a holder or waiter of the record fails
    /// with `EAGAIN` at once instead (wait-die).  The sleep is killable: a
    /// fatal signal ends it with `EINTR`, other signals do not.
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
    /// Waits refused by wait-die (the transaction restarted instead; also
    /// counted in `restarts`).
    pub dies: u64,
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
    dies: AtomicU64,
    exclusive: AtomicU64,
    /// Source of the transactions' wait-die stamps.
    clock: AtomicU64,
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
                dies: AtomicU64::new(0),
                exclusive: AtomicU64::new(0),
                clock: AtomicU64::new(0),
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
            dies: self.dies.load(Ordering::Relaxed),
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

    /// A new wait-die stamp: younger than every one before it (modulo
    /// `2^46`: see [`record`]).  Unique, so relaxed.
    fn stamp(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed) & record::AGE_MASK
    }

    /// Releases a lock on `rec` and, if a waiter can have the record now,
    /// hands it over; the woken waiters are woken after the bucket lock is
    /// dropped.
    fn release(&self, rec: u32, mode: Held) {
        let lock = &self.locks[rec as usize];
        let grantable = match mode {
            Held::Read => lock.read_unlock(),
            Held::Write => lock.write_unlock(),
        };
        if grantable {
            let mut wq = WakeQ::new();
            let mut q = self.bucket(rec).lock();
            grant(&mut q, lock, rec, &mut wq);
            drop(q);
            wq.wake();
        }
    }
}

/// How a transaction holds a record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Held {
    Read,
    Write,
}
