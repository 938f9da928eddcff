// SPDX-License-Identifier: GPL-2.0

//! The lock word of one record: a reader count or a writer, the *waiters*
//! and *upgrader* bits, and the age bound of its holders (see the lock
//! manager's design notes in [`super`] and the ordering argument at the
//! top of [`super::queue`]).
//!
//! The word is 64 bits:
//!
//! | bits  | what |
//! |-------|------|
//! | 0-15  | count: 0 free, 1 to `0xfffe` readers, `0xffff` one writer |
//! | 16    | *waiters*: the record's waiting queue is not empty |
//! | 17    | *upgrader*: a reader of the record waits in it to upgrade |
//! | 18-63 | *age*: a lower bound of the holders' stamps (wait-die) |
//!
//! The age field is meaningful only while the count is not 0: the
//! acquisition that takes the count from 0 writes its stamp, every later
//! reader lowers it to its own stamp if that is older, so it is the oldest
//! stamp of the readers since the record was last free, which is no younger
//! than any current holder's.  It stays stale when the count drops.  Stamps
//! are [`AGE_BITS`] wide and compared modulo `2^AGE_BITS` ([`older`]).
//!
//! Every change of the word is one atomic read-modify-write, so whoever
//! changes it sees every bit as it was just before: a releaser learns from
//! its own `fetch_sub`/`fetch_and` whether a waiter can be given the record
//! now ([`RecordLock::read_unlock`], [`RecordLock::write_unlock`]).

use core::sync::atomic::{AtomicU64, Ordering};

/// Count bits of a lock word.
const COUNT: u64 = 0xffff;
/// Count of a write-locked record.
const WRITER: u64 = COUNT;
/// Most readers of one record.
const MAX_READERS: u64 = COUNT - 1;
/// The record's waiting queue is not empty.
const WAITERS: u64 = 1 << 16;
/// A reader of the record waits in its queue to upgrade (at most one).
const UPGRADER: u64 = 1 << 17;
/// First bit of the age field.
const AGE_SHIFT: u32 = 18;
/// Width of a transaction's stamp.
pub(super) const AGE_BITS: u32 = 64 - AGE_SHIFT;
/// The stamps: `0..=AGE_MASK`, wrapping.
pub(super) const AGE_MASK: u64 = (1 << AGE_BITS) - 1;

/// Whether stamp `a` is older than stamp `b`: taken before it, modulo
/// `2^AGE_BITS` (right while the stamps of live transactions and of the
/// age fields they are compared with lie within `2^(AGE_BITS - 1)` of one
/// another: at ten million transactions a second, about 40 days).
pub(super) fn older(a: u64, b: u64) -> bool {
    a != b && (a.wrapping_sub(b) & AGE_MASK) >= 1 << (AGE_BITS - 1)
}

/// The older of two stamps.
fn oldest(a: u64, b: u64) -> u64 {
    if older(a, b) {
        a
    } else {
        b
    }
}

/// The age field of a word.
fn age(w: u64) -> u64 {
    w >> AGE_SHIFT
}

/// `w` with age field `stamp`.
fn with_age(w: u64, stamp: u64) -> u64 {
    (w & ((1 << AGE_SHIFT) - 1)) | ((stamp & AGE_MASK) << AGE_SHIFT)
}

/// What a transaction asks of a record it cannot have at once.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    /// A read lock.
    Read = 0,
    /// The write lock.
    Write = 1,
    /// The write lock, in place of its read lock.
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

/// Why a transaction may not wait for a record (wait-die).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Refused {
    /// Another reader of the record already waits to upgrade: the two
    /// would wait for each other.
    SecondUpgrader,
    /// The transaction is younger than a holder or a queued waiter.
    Younger,
}

/// Reader/writer lock of one record, in one atomic word (layout in the
/// [module documentation](self)).
///
/// Only the lock manager takes and releases record locks, since a release
/// may have to hand the record to a waiter and every acquisition records
/// the holder's age.
pub struct RecordLock(AtomicU64);

impl RecordLock {
    /// An unlocked record.
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// Takes a read lock for a transaction stamped `stamp` unless the
    /// record is write-locked, full, or has waiters (`ignore_waiters`: the
    /// manager hands it to a waiter).
    pub(super) fn read_lock(&self, stamp: u64, ignore_waiters: bool) -> bool {
        let mut w = self.0.load(Ordering::Relaxed);
        loop {
            let c = w & COUNT;
            if (!ignore_waiters && w & WAITERS != 0) || c >= MAX_READERS {
                return false;
            }
            let a = if c == 0 { stamp } else { oldest(age(w), stamp) };
            match self.0.compare_exchange_weak(
                w,
                with_age(w + 1, a),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => w = now,
            }
        }
    }

    /// Takes the write lock for a transaction stamped `stamp` if the count
    /// is `from` (0: free, 1: the caller's read lock), keeping the waiters
    /// bit and dropping the upgrader bit (set only while the count is at
    /// least 1, by the reader that now upgrades).
    pub(super) fn write_lock(&self, from: u64, stamp: u64, ignore_waiters: bool) -> bool {
        let mut w = self.0.load(Ordering::Relaxed);
        loop {
            if (!ignore_waiters && w & WAITERS != 0) || w & COUNT != from {
                return false;
            }
            match self.0.compare_exchange_weak(
                w,
                with_age((w & WAITERS) | WRITER, stamp),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => w = now,
            }
        }
    }

    /// Tries to read-lock the record (refused while transactions wait).
    pub(super) fn try_read(&self, stamp: u64) -> bool {
        self.read_lock(stamp, false)
    }

    /// Tries to write-lock the record (refused while transactions wait).
    pub(super) fn try_write(&self, stamp: u64) -> bool {
        self.write_lock(0, stamp, false)
    }

    /// Tries to turn the caller's read lock into the write lock; succeeds
    /// only if the caller is the only reader (waiters do not matter: they
    /// wait for that reader anyway).
    pub(super) fn try_upgrade(&self, stamp: u64) -> bool {
        self.write_lock(1, stamp, true)
    }

    /// Drops a read lock; returns whether a waiter may be given the record
    /// now, so that the caller must take the bucket lock and hand it over:
    /// a waiting writer if no reader is left, the waiting upgrader if only
    /// it is left, a waiting reader if the count was full.  Otherwise the
    /// first waiter could not have it either before or after (see
    /// [`super::queue`]).
    pub(super) fn read_unlock(&self) -> bool {
        let old = self.0.fetch_sub(1, Ordering::Release);
        let c = old & COUNT;
        old & WAITERS != 0 && (c == 1 || (c == 2 && old & UPGRADER != 0) || c == MAX_READERS)
    }

    /// Drops the write lock; returns whether transactions wait (the record
    /// is free now, so the first of them can have it).
    pub(super) fn write_unlock(&self) -> bool {
        self.0.fetch_and(!COUNT, Ordering::Release) & WAITERS != 0
    }

    /// Number of readers (0 if free or write-locked).
    pub fn readers(&self) -> u32 {
        let c = self.0.load(Ordering::Relaxed) & COUNT;
        if c == WRITER {
            0
        } else {
            c as u32
        }
    }

    /// Whether the record is write-locked.
    pub fn is_write_locked(&self) -> bool {
        self.0.load(Ordering::Relaxed) & COUNT == WRITER
    }

    /// Whether transactions wait for the record (or its waiters or
    /// upgrader bit is set).
    pub fn has_waiters(&self) -> bool {
        self.0.load(Ordering::Relaxed) & (WAITERS | UPGRADER) != 0
    }

    /// Whether transactions wait for the record; exact under the record's
    /// bucket lock, which every change of the waiters bit holds.
    pub(super) fn waiters(&self) -> bool {
        self.0.load(Ordering::Relaxed) & WAITERS != 0
    }

    /// The wait-die test and the enqueue of a transaction stamped `stamp`
    /// that wants `want` (a read or the write lock it does not hold, or an
    /// upgrade of its read lock), as one atomic step: refuses (`Err`) if it
    /// may not wait, else sets the waiters bit (and the upgrader bit for an
    /// upgrade).  `queued` is the stamp of the oldest transaction already
    /// queued for the record, if any.
    ///
    /// May wait: an upgrader that is the only reader or the oldest one
    /// (the age field is its own stamp, so every other reader is younger),
    /// and a reader or writer that no holder (the age field bounds them)
    /// and no queued waiter is older than.  One that would not wait after
    /// all (the record was released meanwhile and nobody is queued) is not
    /// tested: the grant that follows gives it the record.  A second
    /// upgrader is always refused.  Called with the record's bucket lock
    /// held.
    pub(super) fn enqueue(
        &self,
        stamp: u64,
        want: Want,
        queued: Option<u64>,
    ) -> core::result::Result<(), Refused> {
        let mut w = self.0.load(Ordering::Relaxed);
        loop {
            let c = w & COUNT;
            let set = if want == Want::Upgrade {
                if w & UPGRADER != 0 {
                    return Err(Refused::SecondUpgrader);
                }
                if c > 1 && age(w) != stamp {
                    return Err(Refused::Younger);
                }
                WAITERS | UPGRADER
            } else {
                let free = if want == Want::Write {
                    c == 0
                } else {
                    c < MAX_READERS
                };
                // The transaction is none of the holders or waiters, so an
                // equal stamp is a stale age field of its own earlier run.
                if (w & WAITERS != 0 || !free)
                    && ((c != 0 && older(age(w), stamp)) || queued.is_some_and(|q| older(q, stamp)))
                {
                    return Err(Refused::Younger);
                }
                WAITERS
            };
            // Relaxed: the grant that follows under the bucket lock reads
            // the word after this write by coherence, and releasers see the
            // bits in their own read-modify-writes (see `super::queue`).
            match self
                .0
                .compare_exchange_weak(w, w | set, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(now) => w = now,
            }
        }
    }

    /// Clears the upgrader bit (the upgrader left the queue without the
    /// write lock).  Called with the record's bucket lock held.
    pub(super) fn clear_upgrader(&self) {
        self.0.fetch_and(!UPGRADER, Ordering::Relaxed);
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
