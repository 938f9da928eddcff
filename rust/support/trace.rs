// SPDX-License-Identifier: GPL-2.0

//! Tracepoints and lockstat annotations for the module's locks
//! (`trace.c`, `alock_trace.h`).
//!
//! Every slow path of every lock reports its wait through a [`Site`]:
//! [`Site::begin`] fires the kernel's `lock:contention_begin` with the
//! flags the stock locks use (`perf lock contention` and ftrace then show
//! the lock like a rwsem or a mutex), calls lockdep's `lock_contended()`
//! (`/proc/lock_stat` with `CONFIG_LOCK_STAT`) and counts a contended
//! acquisition of the lock's [`Kind`]; [`Wait::end`] fires
//! `lock:contention_end` and `lock_acquired()`.  Fast paths call none of
//! this: a `Site` is a few words on the stack until a wait begins.
//!
//! **Begin and end in one frame.**  `perf lock contention` matches a
//! `contention_end` to its `contention_begin` by a hash of the call chain
//! above the first three entries (the tracepoint's function and two lock
//! functions, as `__mutex_lock` and `mutex_lock_nested` are for a mutex).
//! So the calls of `alock_contention_begin()` and `alock_contention_end()`
//! for one wait must come from the same function activation: everything
//! here is `#[inline(always)]`, and a helper that begins a wait its caller
//! ends (`RawTicket::lock_lazy`, MRLock's waits, prwlock's consensus and
//! drain, the lock table's acquire paths) is `#[inline(always)]` too; and
//! the call that ends a wait is never a tail call (which would drop the
//! caller's frame from the chain).
//!
//! The module's own events (`events/alock/` in tracefs) are fired by the
//! `*_event` functions below.

use core::ffi::{c_int, c_uint, c_void};
use core::sync::atomic::{compiler_fence, Ordering};
use kernel::bindings;

use super::stats::Kind;

/// `LCB_F_SPIN` of `include/trace/events/lock.h`: the waiter spins.
pub const LCB_F_SPIN: u32 = 1 << 0;
/// `LCB_F_READ`: a reader waits.
pub const LCB_F_READ: u32 = 1 << 1;
/// `LCB_F_WRITE`: a writer waits.
pub const LCB_F_WRITE: u32 = 1 << 2;
/// `LCB_F_PERCPU`: a per-CPU lock (as percpu_rw_semaphore).
pub const LCB_F_PERCPU: u32 = 1 << 4;

extern "C" {
    fn alock_contention_begin(
        lock: *const c_void,
        map: *mut bindings::lockdep_map,
        flags: c_uint,
        kind: c_uint,
    );
    fn alock_contention_end(lock: *const c_void, map: *mut bindings::lockdep_map, ret: c_int);
    fn alock_lockdep_acquire(
        map: *mut bindings::lockdep_map,
        subclass: c_uint,
        trylock: c_int,
        ip: core::ffi::c_ulong,
    );
    fn alock_trace_prw_consensus(
        lock: *const c_void,
        version: u64,
        polled: u32,
        skipped: u32,
        ipis: u32,
        ns: u64,
    );
    fn alock_trace_prw_wake(lock: *const c_void, cpus: u32, parallel: bool);
    fn alock_trace_enter(key: u32, remote: bool, how: u32, budget: u32);
    fn alock_trace_peterson(key: u32, remote: bool, polls: u32, ns: u64);
    fn alock_trace_rdma_verb(node: u32, verb: u32, nr: u32, status: c_int, ns: u64);
    fn alock_trace_rdma_peer_state(node: u32, old: u32, new: u32, err: c_int);
    fn alock_trace_prw_consensus_enabled() -> bool;
    fn alock_trace_peterson_enabled() -> bool;
}

/// Where a lock reports its waits: its address (the tracepoints' `lock`
/// field), its lockdep map if lockdep follows it, the flags and its kind.
#[derive(Clone, Copy)]
pub struct Site {
    lock: *const c_void,
    map: *mut bindings::lockdep_map,
    flags: u32,
    kind: Kind,
}

impl Site {
    /// A lock at `lock` of `kind`, waits described by `flags`
    /// (`LCB_F_*`), without lockstat.
    #[inline(always)]
    pub fn new<T>(lock: *const T, flags: u32, kind: Kind) -> Self {
        Self {
            lock: lock.cast(),
            map: core::ptr::null_mut(),
            flags,
            kind,
        }
    }

    /// The same with lockstat: `map` is the lock's lockdep map, and the
    /// acquisition was announced to lockdep (`lock_acquire()`) before any
    /// wait begins.
    #[inline(always)]
    pub fn with_map(mut self, map: *mut bindings::lockdep_map) -> Self {
        self.map = map;
        self
    }

    /// A wait begins (tracepoint, lockstat, the contended count).  Inlined
    /// (one call) so that lockstat's contention point, the return address
    /// of that call, is in the lock's own slow path.
    #[inline(always)]
    pub fn begin(&self) -> Wait {
        // SAFETY: `map` is null or a live lockdep map whose acquisition
        // was announced (`with_map`); `lock` is only recorded.
        unsafe { alock_contention_begin(self.lock, self.map, self.flags, self.kind as c_uint) };
        Wait(*self)
    }
}

/// A wait that began; [`end`](Wait::end) it where the lock is acquired.
#[must_use = "a contention_begin needs its contention_end"]
pub struct Wait(Site);

impl Wait {
    /// The lock was acquired.
    #[inline(always)]
    pub fn end(self) {
        self.end_with(0);
    }

    /// The wait ended with `ret`: 0 acquired, a negative errno given up.
    #[inline(always)]
    pub fn end_with(self, ret: i32) {
        // SAFETY: As in `Site::begin`.
        unsafe { alock_contention_end(self.0.lock, self.0.map, ret) };
        // Not a tail call: the caller's frame must stay in the event's
        // call chain (see "Begin and end in one frame" at the top).
        compiler_fence(Ordering::SeqCst);
    }
}

/// A wait that begins at the first [`waiting`](LazyWait::waiting) call, for
/// slow paths that may or may not wait (a writer that finds no reader).
pub struct LazyWait {
    site: Site,
    wait: Option<Wait>,
}

impl LazyWait {
    /// Nothing waited yet.
    pub fn new(site: Site) -> Self {
        Self { site, wait: None }
    }

    /// The caller is about to wait: begins the wait the first time.
    #[inline(always)]
    pub fn waiting(&mut self) {
        if self.wait.is_none() {
            self.wait = Some(self.site.begin());
        }
    }

    /// Ends the wait, if one began, with `ret` (0 acquired).
    #[inline(always)]
    pub fn end_with(self, ret: i32) {
        if let Some(w) = self.wait {
            w.end_with(ret);
        }
    }

    /// Whether a wait began.
    pub fn waited(&self) -> bool {
        self.wait.is_some()
    }
}

/// lockdep's `lock_acquire()` of an exclusive lock with lockdep subclass
/// `subclass` (what `spin_lock_nested()` passes); `trylock` for a try.
///
/// # Safety
///
/// `map` was initialised with `lockdep_init_map()`.
pub unsafe fn lockdep_acquire(
    map: *mut bindings::lockdep_map,
    subclass: u32,
    trylock: bool,
    ip: usize,
) {
    // SAFETY: Guaranteed by the caller.
    unsafe { alock_lockdep_acquire(map, subclass, c_int::from(trylock), ip as _) }
}

/// Whether `alock:prwlock_consensus` is on (the writer then times it).
pub fn prw_consensus_enabled() -> bool {
    // SAFETY: No preconditions.
    unsafe { alock_trace_prw_consensus_enabled() }
}

/// `alock:prwlock_consensus`.
pub fn prw_consensus_event<T>(
    lock: *const T,
    version: u64,
    polled: u32,
    skipped: u32,
    ipis: u32,
    ns: u64,
) {
    // SAFETY: The pointer is only recorded.
    unsafe { alock_trace_prw_consensus(lock.cast(), version, polled, skipped, ipis, ns) };
}

/// `alock:prwlock_wake`.
pub fn prw_wake_event<T>(lock: *const T, cpus: u32, parallel: bool) {
    // SAFETY: The pointer is only recorded.
    unsafe { alock_trace_prw_wake(lock.cast(), cpus, parallel) };
}

/// How an ALock acquisition entered (`alock:alock_enter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Enter {
    /// Handed over by the cohort's previous holder.
    Handoff = 0,
    /// New cohort leader, through Peterson's lock.
    Leader = 1,
    /// New remote leader without the victim WRITE.
    Fast = 2,
}

/// `alock:alock_enter`.
pub fn enter_event(key: u32, remote: bool, how: Enter, budget: u32) {
    // SAFETY: No preconditions.
    unsafe { alock_trace_enter(key, remote, how as u32, budget) };
}

/// Whether `alock:alock_peterson` is on.
pub fn peterson_enabled() -> bool {
    // SAFETY: No preconditions.
    unsafe { alock_trace_peterson_enabled() }
}

/// `alock:alock_peterson`.
pub fn peterson_event(key: u32, remote: bool, polls: u32, ns: u64) {
    // SAFETY: No preconditions.
    unsafe { alock_trace_peterson(key, remote, polls, ns) };
}

/// Verb kinds of `alock:alock_rdma_verb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Verb {
    /// RDMA READ.
    Read = 0,
    /// RDMA WRITE.
    Write = 1,
    /// Compare-and-swap.
    Cas = 2,
    /// Fetch-and-add.
    Faa = 3,
    /// A two-sided message.
    Send = 4,
    /// A chain of verbs posted together.
    Chain = 5,
}

impl Verb {
    /// The verb's name in messages ("READ", "CAS", ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "READ",
            Self::Write => "WRITE",
            Self::Cas => "CAS",
            Self::Faa => "FAA",
            Self::Send => "SEND",
            Self::Chain => "chain",
        }
    }
}

/// `alock:alock_rdma_verb`: a signalled verb (or chain of `nr`) to `node`
/// completed with `status` (0 or a negative errno) after `ns`.
pub fn rdma_verb_event(node: u32, verb: Verb, nr: u32, status: i32, ns: u64) {
    // SAFETY: No preconditions.
    unsafe { alock_trace_rdma_verb(node, verb as u32, nr, status, ns) };
}

/// `alock:alock_rdma_peer_state` (the connection states of
/// `rdma/peer`, named in `alock_trace.h`).
pub fn rdma_peer_state_event(node: u32, old: u32, new: u32, err: i32) {
    // SAFETY: No preconditions.
    unsafe { alock_trace_rdma_peer_state(node, old, new, err) };
}
