// SPDX-License-Identifier: GPL-2.0

//! prwlock's memory: [`PrwCore`] (`struct prwlock`), [`PrwPcpu`]
//! (`struct prwlock_pcpu`) and [`PrwWstat`] (`struct prwlock_wstat`),
//! which the C fast paths in `fast.c` share, and [`check_layout`], which
//! holds them to the C definitions in `include/linux/prwlock.h`; the
//! set-up bits of a `DEFINE_PRWLOCK()` lock and the lazy initialisation of
//! its wait queues ([`PrwCore::init_lazy_queues`]).  Both the writer
//! ([`super::raw`]) and the consensus ([`super::consensus`]) build on this
//! file; it imports neither.

use core::{
    ffi::c_ulong,
    mem::{align_of, offset_of, size_of},
    sync::atomic::{fence, AtomicI32, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering},
};
use kernel::{bindings, prelude::*, types::Opaque};

/// Entries of `alock_prw_layout`.
const LAYOUT_LEN: usize = 20;

// `PrwCore` is `#[repr(C)]` and checked against C at init; without lockdep
// the lint objects to bindgen's empty `lockdep_map` inside it.
#[allow(improper_ctypes)]
extern "C" {
    // `sizeof`/`offsetof` of the C structures, for [`check_layout`]:
    // only C knows them.
    static alock_prw_layout: [c_ulong; LAYOUT_LEN];
    // `for_each_possible_cpu()` and `init_waitqueue_head()`'s lockdep
    // class, both macros (`fast.c`).
    fn alock_prw_init_pcpu_wq(l: *mut PrwCore);
}

/// `__PRWLOCK_STATIC`: a `DEFINE_PRWLOCK()` lock, whose per-CPU part is
/// static (not freed by `prwlock_destroy()`).
pub(super) const SETUP_STATIC: u32 = 1 << 0;
/// `__PRWLOCK_LAZY_WQ`: the per-CPU wait queues are not initialised yet.
pub(super) const SETUP_LAZY_WQ: u32 = 1 << 1;

/// `struct prwlock_pcpu`.
#[repr(C, align(64))]
pub struct PrwPcpu {
    pub(super) passive: AtomicU32,
    _pad: u32,
    pub(super) seen: AtomicU64,
    pub(super) wq: Opaque<bindings::wait_queue_head>,
}

/// `struct prwlock_wstat`: one lock's writer counters, written only by
/// the holder of the writer mutex (so each update is a relaxed load and
/// store, no read-modify-write, [`PrwWstat::bump`]), read racily (relaxed)
/// by the self-tests.
#[repr(C)]
pub struct PrwWstat {
    pub(super) rounds: AtomicU64,
    pub(super) ipis: AtomicU64,
    pub(super) idle_skips: AtomicU64,
    pub(super) domain_skips: AtomicU64,
    pub(super) drain_ipis: AtomicU64,
}

impl PrwWstat {
    /// Adds `n` to `c`, one of this structure's counters.  Only the holder
    /// of the writer mutex writes them: no read-modify-write is needed.
    pub(super) fn bump(c: &AtomicU64, n: u64) {
        c.store(c.load(Ordering::Relaxed) + n, Ordering::Relaxed);
    }

    /// The all-zero counters of a new lock.
    pub(super) const fn new() -> Self {
        Self {
            rounds: AtomicU64::new(0),
            ipis: AtomicU64::new(0),
            idle_skips: AtomicU64::new(0),
            domain_skips: AtomicU64::new(0),
            drain_ipis: AtomicU64::new(0),
        }
    }
}

/// What one lock's writers did since it was set up: the per-lock
/// counterparts of the writer counters of all locks (`IPIS`, ...).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Consensus rounds (write locks and write trylocks).
    pub rounds: u64,
    /// Report IPIs sent.
    pub ipis: u64,
    /// CPUs taken as reported because they were idle.
    pub idle_skips: u64,
    /// Online CPUs outside the lock's domain, not looked at.
    pub domain_skips: u64,
    /// Conversion IPIs sent to passive readers past the drain spin.
    pub drain_ipis: u64,
}

/// `struct prwlock`: the lock itself, shared with the C fast paths.
#[repr(C)]
pub struct PrwCore {
    pub(super) pcpu: *mut PrwPcpu,
    pub(super) wpending: AtomicUsize,
    pub(super) version: AtomicU64,
    pub(super) active: AtomicI32,
    pub(super) rwait: AtomicI32,
    pub(super) flags: AtomicU32,
    pub(super) wake_pending: AtomicI32,
    pub(super) setup: AtomicU32,
    pub(super) stat_active_unlocks: AtomicU64,
    pub(super) wstat: PrwWstat,
    pub(super) domain: AtomicPtr<bindings::cpumask>,
    pub(super) wmutex: Opaque<bindings::mutex>,
    pub(super) wwait: Opaque<bindings::wait_queue_head>,
    pub(super) dep_map: Opaque<bindings::lockdep_map>,
}

/// Checks that [`PrwCore`] and [`PrwPcpu`] match the C structures.
pub fn check_layout() -> Result {
    let ours: [usize; LAYOUT_LEN] = [
        size_of::<PrwCore>(),
        align_of::<PrwCore>(),
        offset_of!(PrwCore, wpending),
        offset_of!(PrwCore, version),
        offset_of!(PrwCore, active),
        offset_of!(PrwCore, rwait),
        offset_of!(PrwCore, flags),
        offset_of!(PrwCore, wake_pending),
        offset_of!(PrwCore, setup),
        offset_of!(PrwCore, stat_active_unlocks),
        offset_of!(PrwCore, wstat),
        size_of::<PrwWstat>(),
        offset_of!(PrwCore, domain),
        offset_of!(PrwCore, wmutex),
        offset_of!(PrwCore, wwait),
        offset_of!(PrwCore, dep_map),
        size_of::<PrwPcpu>(),
        align_of::<PrwPcpu>(),
        offset_of!(PrwPcpu, seen),
        offset_of!(PrwPcpu, wq),
    ];
    for (i, v) in ours.iter().enumerate() {
        // SAFETY: A constant array defined in `fast.c`, never written.
        let c = unsafe { alock_prw_layout[i] } as usize;
        if c != *v {
            pr_err!("prwlock: layout entry {} is {} in C, {} in Rust\n", i, c, v);
            return Err(EINVAL);
        }
    }
    Ok(())
}

impl PrwCore {
    pub(super) fn pc(&self, cpu: u32) -> &PrwPcpu {
        // SAFETY: `pcpu` is a live per-CPU allocation and `cpu` a possible
        // CPU; the per-CPU part lives as long as the lock.
        unsafe { &*bindings::per_cpu_ptr(self.pcpu.cast(), cpu).cast::<PrwPcpu>() }
    }

    pub(super) fn map(&self) -> *mut bindings::lockdep_map {
        self.dep_map.get()
    }

    pub(super) fn raw(&self) -> *mut PrwCore {
        self as *const PrwCore as *mut PrwCore
    }

    /// Read unlocks that took the active path since init.
    pub fn active_unlocks(&self) -> u64 {
        self.stat_active_unlocks.load(Ordering::Relaxed)
    }

    /// Readers currently sleeping until a writer leaves.
    pub fn waiting_readers(&self) -> i32 {
        self.rwait.load(Ordering::Relaxed)
    }

    /// This lock's writer counters now.
    pub fn writer_stats(&self) -> WriterStats {
        let w = &self.wstat;
        WriterStats {
            rounds: w.rounds.load(Ordering::Relaxed),
            ipis: w.ipis.load(Ordering::Relaxed),
            idle_skips: w.idle_skips.load(Ordering::Relaxed),
            domain_skips: w.domain_skips.load(Ordering::Relaxed),
            drain_ipis: w.drain_ipis.load(Ordering::Relaxed),
        }
    }

    /// Whether the lock was defined by `DEFINE_PRWLOCK()`.
    pub(super) fn is_static(&self) -> bool {
        self.setup.load(Ordering::Relaxed) & SETUP_STATIC != 0
    }

    /// Initialises the per-CPU wait queues of a `DEFINE_PRWLOCK()` lock if
    /// no writer has yet: called by every writer, holding the writer
    /// mutex, before it announces itself (`W1`, in
    /// [`announce`](super::consensus::announce)).
    ///
    /// Race-free: only the mutex holder reads or changes
    /// [`SETUP_LAZY_WQ`], and nothing else touches a wait queue before the
    /// first announcement.  A reader sleeps on its CPU's queue only after
    /// it read `wpending != 0` (SeqCst, in `read_slow` of `reader.rs`), and
    /// every writer wakes the queues only after its own announcement.  The
    /// `smp_mb()` below orders the initialisation before the first `W1`,
    /// so a reader that read `W1` (or the `wpending = 1` of a later writer,
    /// which took the mutex after this one) sees initialised queues: the
    /// message-passing pattern, a full barrier on the writer's side, an
    /// acquire on the reader's.
    pub(super) fn init_lazy_queues(&self) {
        let setup = self.setup.load(Ordering::Relaxed);
        if setup & SETUP_LAZY_WQ == 0 {
            return;
        }
        // SAFETY: The lock is live; the caller holds the writer mutex, and
        // no task uses a queue before the first announcement (above).
        unsafe { alock_prw_init_pcpu_wq(self.raw()) };
        self.setup.store(setup & !SETUP_LAZY_WQ, Ordering::Relaxed);
        fence(Ordering::SeqCst);
    }
}
