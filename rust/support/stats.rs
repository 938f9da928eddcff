// SPDX-License-Identifier: GPL-2.0

//! Lock statistics: per-CPU counters per lock kind (`stats.c`, `stats.h`),
//! shown in `/sys/kernel/debug/alock/locks`, and the debugfs directory the
//! upper layers add their own tables to ([`add_file`]).
//!
//! Fast paths count an acquisition with [`acquired`] only while statistics
//! are enabled (`/sys/kernel/debug/alock/enabled`): off, that is one load
//! of a read-mostly byte and a branch, and nothing is written.  Slow paths
//! count with [`add`] always.  Every count goes to the current CPU's
//! counters (`this_cpu_add()`), so no fast path writes a shared cache line.

use core::ffi::{c_int, c_uint, c_void};
use core::fmt;
use core::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use kernel::{bindings, ffi::c_char, prelude::*};

/// Lock kinds: `enum alock_stat_kind` of `stats.h`, in the same order
/// (checked by [`init`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    /// prwlock, read side.
    PrwRead,
    /// prwlock, write side.
    PrwWrite,
    /// Ticket spinlock.
    Ticket,
    /// MCS queue lock.
    Mcs,
    /// Anderson's array-based queue lock.
    Abql,
    /// Big-reader lock (per-CPU ticket locks).
    Brlock,
    /// Multi-resource lock.
    Mrlock,
    /// The lock manager's record locks.
    Lockmgr,
    /// ALock, operations on keys homed on this node.
    AlockLocal,
    /// ALock, operations on keys homed elsewhere.
    AlockRemote,
    /// The lock table's loopback spin lock (competitor).
    DlSpin,
    /// The lock table's loopback MCS lock (competitor).
    DlMcs,
    /// The lock table's RPC lock (competitor).
    DlRpc,
    /// ALock-RW, shared acquisitions.
    AlockRwRead,
    /// ALock-RW, exclusive acquisitions.
    AlockRwWrite,
    /// The lock table's DSLR reader-writer lock (competitor).
    DlDslr,
}

/// Names of [`Kind`], as `stats.c` prints them.
const KIND_NAMES: [&str; 16] = [
    "prwlock_read",
    "prwlock_write",
    "ticket",
    "mcs",
    "abql",
    "brlock",
    "mrlock",
    "lockmgr",
    "alock_local",
    "alock_remote",
    "dl_spin",
    "dl_mcs",
    "dl_rpc",
    "alock_rw_read",
    "alock_rw_write",
    "dl_dslr",
];

/// Counters: `enum alock_stat_ctr` of `stats.h`, in the same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Ctr {
    /// Acquisitions (fast paths count them only while enabled).
    Acquisitions,
    /// Acquisitions that waited.
    Contended,
    /// prwlock readers that slept behind a writer.
    Sleeps,
    /// prwlock passive holds converted to active.
    Conversions,
    /// prwlock consensus rounds.
    Rounds,
    /// prwlock report IPIs.
    Ipis,
    /// prwlock CPUs counted as reported because idle.
    IdleSkips,
    /// prwlock CPUs outside the lock's domain.
    DomainSkips,
    /// prwlock conversion IPIs of the bounded drain.
    DrainIpis,
    /// prwlock writers that woke sleeping readers.
    Wakeups,
    /// Acquisitions handed over by a predecessor.
    Handoffs,
    /// Acquisitions that led a cohort.
    Leaders,
    /// ALock leaders that waited in Peterson's lock.
    PetersonWaits,
    /// ALock remote leaders that entered without the victim WRITE.
    FastEntries,
}

/// Names of [`Ctr`], as `stats.c` prints them.
const CTR_NAMES: [&str; 14] = [
    "acquisitions",
    "contended",
    "sleeps",
    "conversions",
    "rounds",
    "ipis",
    "idle_skips",
    "domain_skips",
    "drain_ipis",
    "wakeups",
    "handoffs",
    "leaders",
    "peterson_waits",
    "fast_entries",
];

extern "C" {
    /// `stats.c`: whether fast paths count (written with the static key).
    static alock_stats_enabled: AtomicU8;
    /// `stats.c`: debugfs `fault_hello`, written by root through debugfs.
    static alock_fault_hello: AtomicU32;
    /// `stats.c`: debugfs `fault_nolink`, written by root through debugfs.
    static alock_fault_nolink: AtomicU32;
    fn alock_stat_add(kind: c_uint, ctr: c_uint, n: u64);
    fn alock_stat_sum(kind: c_uint, ctr: c_uint) -> u64;
    fn alock_stat_kind_name(kind: c_uint) -> *const c_char;
    fn alock_stat_ctr_name(ctr: c_uint) -> *const c_char;
    fn alock_debugfs_init() -> c_int;
    fn alock_debugfs_exit();
    fn alock_debugfs_add(
        name: *const c_char,
        show: unsafe extern "C" fn(*mut bindings::seq_file, *mut c_void) -> c_int,
    ) -> c_int;
}

/// Whether statistics are enabled (fast paths count acquisitions).
#[inline(always)]
pub fn enabled() -> bool {
    // SAFETY: A byte of `stats.c` that lives as long as the module and is
    // written with `WRITE_ONCE()`; this is its `READ_ONCE()`.
    unsafe { alock_stats_enabled.load(Ordering::Relaxed) != 0 }
}

/// The test fault debugfs `fault_hello` asks for: 0 none, 1 this node's
/// Hellos advertise a window that ends past 2^64, 2 one that is too long
/// (`rdma::peer::handshake`; the members must refuse such a node).
pub fn fault_hello() -> u32 {
    // SAFETY: A word of `stats.c` that lives as long as the module;
    // debugfs writes it whole, this is its `READ_ONCE()`.
    unsafe { alock_fault_hello.load(Ordering::Relaxed) }
}

/// Whether the test fault debugfs `fault_nolink` is on: this node's
/// remote ALock enqueues skip their link WRITE (`dlock::alock`), as a node
/// that dies between its tail CAS and that WRITE would.
pub fn fault_nolink() -> bool {
    // SAFETY: A word of `stats.c` that lives as long as the module;
    // debugfs writes it whole, this is its `READ_ONCE()`.
    unsafe { alock_fault_nolink.load(Ordering::Relaxed) != 0 }
}

/// Adds `n` to counter `ctr` of `kind` on this CPU.
#[inline]
pub fn add(kind: Kind, ctr: Ctr, n: u64) {
    // SAFETY: Both indices are in range (the enums mirror `stats.h`,
    // checked by `init`); `this_cpu_add()` is safe in any context.
    unsafe { alock_stat_add(kind as c_uint, ctr as c_uint, n) };
}

/// Counts an acquisition of `kind` on a fast path, if enabled.
#[inline(always)]
pub fn acquired(kind: Kind) {
    if enabled() {
        add(kind, Ctr::Acquisitions, 1);
    }
}

/// The sum over the CPUs of counter `ctr` of `kind` (a snapshot).
pub fn sum(kind: Kind, ctr: Ctr) -> u64 {
    // SAFETY: Indices in range as in `add`; the sum only reads.
    unsafe { alock_stat_sum(kind as c_uint, ctr as c_uint) }
}

/// Checks the enums against `stats.h` and creates the debugfs directory.
pub fn init() -> Result {
    for (i, want) in KIND_NAMES.iter().enumerate() {
        // SAFETY: Any index is accepted (NULL past the end).
        let p = unsafe { alock_stat_kind_name(i as c_uint) };
        if !same_name(p, want) {
            pr_err!("stats.rs and stats.h disagree on lock kind {}\n", i);
            return Err(EINVAL);
        }
    }
    for (i, want) in CTR_NAMES.iter().enumerate() {
        // SAFETY: As above.
        let p = unsafe { alock_stat_ctr_name(i as c_uint) };
        if !same_name(p, want) {
            pr_err!("stats.rs and stats.h disagree on counter {}\n", i);
            return Err(EINVAL);
        }
    }
    // SAFETY: Called once at module init, before any `add_file`.
    match unsafe { alock_debugfs_init() } {
        0 => Ok(()),
        e => Err(Error::from_errno(e)),
    }
}

/// Removes the debugfs directory (module exit).
pub fn exit() {
    // SAFETY: Called once at module exit; debugfs waits for open files.
    unsafe { alock_debugfs_exit() };
}

fn same_name(p: *const c_char, want: &str) -> bool {
    if p.is_null() {
        return false;
    }
    // SAFETY: `stats.c` returns NUL-terminated static strings.
    let got = unsafe { kernel::str::CStr::from_char_ptr(p) };
    got.as_bytes() == want.as_bytes()
}

/// Adds the table file `name` to `/sys/kernel/debug/alock/`, shown by
/// `show` (use [`Seq`] to write it).  The file lives until module exit.
pub fn add_file(
    name: &'static kernel::str::CStr,
    show: unsafe extern "C" fn(*mut bindings::seq_file, *mut c_void) -> c_int,
) -> Result {
    // SAFETY: `name` is static; `show` is a function of this module, which
    // removes the directory (waiting for readers) before it unloads.
    match unsafe { alock_debugfs_add(name.as_char_ptr(), show) } {
        0 => Ok(()),
        e => Err(Error::from_errno(e)),
    }
}

/// A debugfs `seq_file` being shown, as a [`fmt::Write`].
pub struct Seq(*mut bindings::seq_file);

impl Seq {
    /// Wraps the `seq_file` a show function was given.
    ///
    /// # Safety
    ///
    /// `m` is the live `seq_file` of a show call, used only during it.
    pub unsafe fn new(m: *mut bindings::seq_file) -> Self {
        Self(m)
    }
}

impl fmt::Write for Seq {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `self.0` is live (`new`); `seq_write` copies `s` or marks
        // the buffer overflowed, and seq_file retries with a larger one.
        unsafe { bindings::seq_write(self.0, s.as_ptr().cast(), s.len()) };
        Ok(())
    }
}

/// Writes a log2 histogram (`struct alock_hist` buckets) as the value of a
/// `_hist` field: counts separated by commas.
pub fn write_hist(w: &mut impl fmt::Write, counts: &[u64]) -> fmt::Result {
    for (i, c) in counts.iter().enumerate() {
        if i > 0 {
            w.write_char(',')?;
        }
        write!(w, "{}", c)?;
    }
    Ok(())
}
