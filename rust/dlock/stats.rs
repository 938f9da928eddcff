// SPDX-License-Identifier: GPL-2.0

//! What a [`Handle`](super::Handle)'s operations cost: verbs by kind and
//! the steps of the algorithms, summed by `ALOCK_IOC_DLOCK_RUN` (the
//! benchmark's counters).

/// What one [`Handle`](super::Handle)'s operations cost: verbs by kind
/// and the steps of the algorithms (the benchmark's counters,
/// `ALOCK_IOC_DLOCK_RUN`).
#[derive(Default, Clone, Copy)]
pub struct Stats {
    /// RDMA READs posted.
    pub reads: u64,
    /// RDMA WRITEs posted.
    pub writes: u64,
    /// RDMA atomics posted (compare-and-swap).
    pub atomics: u64,
    /// Two-sided messages sent (the RPC lock).
    pub sends: u64,
    /// ALock: polls of the Peterson wait (local loads or remote READs)
    /// that did not let the leader in.
    pub peterson_polls: u64,
    /// Failed compare-and-swaps (a tail or spin word that changed).
    pub cas_retries: u64,
    /// Acquires that got the lock from a predecessor with budget left.
    pub handoffs: u64,
    /// Acquires that led their cohort (empty queue or budget spent).
    pub leaders: u64,
    /// ALock remote leaders that entered without writing the victim
    /// (the local cohort was not interested).
    pub fast_entries: u64,
    /// Reader-writer locks: acquires in shared mode.
    pub shared: u64,
    /// ALock-RW: readers that found a writer phase and backed out to
    /// wait for its end.
    pub backouts: u64,
    /// ALock-RW: writer phases opened (a writer that did not inherit the
    /// phase of its predecessor in the cohort).
    pub phases: u64,
    /// Reader-writer locks: polls of a reader's or writer's wait (ALock-RW:
    /// a reader for the phase's end, a writer for readers to arrive or
    /// leave; DSLR: for the tickets ahead) that did not let it in.
    pub rw_polls: u64,
    /// Reader-writer locks: shared acquisitions that found another reader
    /// holding the key (ALock-RW: one of their node present; DSLR: an
    /// earlier shared ticket not released), i.e. readers that overlapped.
    pub overlaps: u64,
}

impl Stats {
    /// Adds `o` to these counts.
    pub fn add(&mut self, o: &Stats) {
        self.reads += o.reads;
        self.writes += o.writes;
        self.atomics += o.atomics;
        self.sends += o.sends;
        self.peterson_polls += o.peterson_polls;
        self.cas_retries += o.cas_retries;
        self.handoffs += o.handoffs;
        self.leaders += o.leaders;
        self.fast_entries += o.fast_entries;
        self.shared += o.shared;
        self.backouts += o.backouts;
        self.phases += o.phases;
        self.rw_polls += o.rw_polls;
        self.overlaps += o.overlaps;
    }

    /// All verbs.
    pub fn verbs(&self) -> u64 {
        self.reads + self.writes + self.atomics + self.sends
    }
}
