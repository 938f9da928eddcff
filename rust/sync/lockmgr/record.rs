// SPDX-License-Identifier: GPL-2.0

//! The lock word of one record: a reader count or a writer, and a
//! *waiters* bit (see the lock manager's design notes in [`super`]).

use core::sync::atomic::{AtomicU32, Ordering};

/// Count bits of a lock word.
pub(super) const COUNT: u32 = 0xffff;
/// Count of a write-locked record.
pub(super) const WRITER: u32 = COUNT;
/// Most readers of one record.
pub(super) const MAX_READERS: u32 = COUNT - 1;
/// The record's waiting queue is not empty.
pub(super) const WAITERS: u32 = 1 << 16;

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
    pub(super) fn read_lock(&self, ignore_waiters: bool) -> bool {
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
    pub(super) fn write_lock(&self, from: u32, ignore_waiters: bool) -> bool {
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
    pub(super) fn read_unlock(&self) -> bool {
        self.0.fetch_sub(1, Ordering::Release) & WAITERS != 0
    }

    /// Drops the write lock; returns whether transactions wait.
    pub(super) fn write_unlock(&self) -> bool {
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

    /// Sets the waiters bit: new readers and writers are refused from now
    /// on.  Called with the record's bucket lock held, by a transaction
    /// about to queue.
    pub(super) fn set_waiters(&self) {
        self.0.fetch_or(WAITERS, Ordering::AcqRel);
    }

    /// Clears the waiters bit (the last waiter of the record is gone).
    /// Called with the record's bucket lock held.
    pub(super) fn clear_waiters(&self) {
        self.0.fetch_and(!WAITERS, Ordering::Relaxed);
    }
}

impl Default for RecordLock {
    fn default() -> Self {
        Self::new()
    }
}
