// SPDX-License-Identifier: GPL-2.0

//! prwlock: the passive reader-writer lock (Liu, Zhang, Chen, "Scalable
//! Read-mostly Synchronization Using Passive Reader-Writer Locks", USENIX
//! ATC 2014), and its safe Rust API: [`Prwlock<T>`], its guards and
//! [`new_prwlock!`](crate::new_prwlock).
//!
//! # Readers
//!
//! A passive reader increments a counter of its own CPU and reads the
//! lock's writer word; its unlock decrements the counter and reports the
//! writer version it sees: no atomic instruction, no memory barrier,
//! nothing written outside its own CPU's cache line.  That fast path is C
//! (`fast.c`), one call like `rcu_read_lock()`, because it needs
//! `preempt_disable()`, `this_cpu_ptr()` and `current` inlined.  A reader
//! may block, be preempted or migrate inside its read side: the patched
//! scheduler (`patches/0002-sched-...`) converts the passive holds of a
//! task it switches out into *active* ones, counted in the lock's `active`
//! atomic.  Readers that find a writer, and holds beyond `PRW_MAX_HELD` per
//! task, are active too (the slow paths of [`reader`]).
//!
//! # Writers
//!
//! Writers are serialised by a mutex.  A writer first waits until the
//! readers that slept through the previous writer are in (so readers do not
//! starve), sets the writer word and bumps the 64-bit version, and reaches
//! *version-based consensus*: it waits until every online CPU has reported
//! the new version, and after a short spin sends the stragglers an IPI whose
//! handler reports for them, so its latency is bounded even if a CPU never
//! takes the lock again.  CPUs that are idle (in an RCU extended quiescent
//! state) count as reported without an IPI, and CPUs outside the lock's
//! domain ([`Prwlock::set_domain`]) are not looked at.  A CPU that reported
//! has made its passive counts visible and its later readers see the writer
//! word, so the writer then waits for the passive counts to drain (after a
//! bounded spin, it asks the CPUs of readers that stay in, by IPI, to
//! convert their holds to active) and for the active count to reach zero.
//! Why that suffices, access by access: the tops of [`raw`] and
//! [`consensus`] (the writer's half) and of `fast.c` (the reader's half).
//!
//! Readers that arrive while a writer is in sleep on the wait queue of
//! their CPU; when the writer leaves it sends one IPI to all CPUs with
//! sleepers, and each wakes its own queue, in parallel
//! ([`WAKE_SEQUENTIAL`] makes the writer wake every queue itself, for
//! comparison).
//!
//! The lock is `struct prwlock` of `include/linux/prwlock.h`, mirrored as
//! [`PrwCore`] (checked field by field at module init).  Rust users take
//! it through [`Prwlock`]; C users through the header.
//!
//! # Where the pieces are
//!
//! * `rust/sync/prwlock/mod.rs` (this file): the safe Rust API,
//!   [`Prwlock<T>`], [`PrwReadGuard`], [`PrwWriteGuard`],
//!   [`new_prwlock!`](crate::new_prwlock).
//! * `rust/sync/prwlock/state.rs` ([`state`]): [`PrwCore`], [`PrwPcpu`]
//!   and [`PrwWstat`], the memory shared with C, their layout check, and
//!   the lazy set-up of a `DEFINE_PRWLOCK()` lock's wait queues.
//! * `rust/sync/prwlock/raw.rs` ([`raw`]): the core.  Init/destroy, the
//!   writer's acquisition, release and parallel wake-up, and the
//!   `#[no_mangle]` C-ABI functions of the public write side and set-up of
//!   `include/linux/prwlock.h`.  On top: the writer's half of the
//!   memory-ordering argument (release, hotplug, teardown) and the map of
//!   the Rust/C crossings.
//! * `rust/sync/prwlock/consensus.rs` ([`consensus`]): how a writer waits
//!   for the readers: announce, the version consensus with its idle and
//!   lock-domain skips and report IPIs, the bounded drain with conversion
//!   IPIs, and the counters.  On top: the consensus's ordering argument.
//! * `rust/sync/prwlock/reader.rs` ([`reader`]): the readers' slow paths
//!   that `fast.c` calls (active holds, sleeping behind a writer, the
//!   release of an active hold).
//! * `rust/sync/prwlock/fast.c`: the C read fast paths
//!   (`prwlock_read_lock()`, `_killable()`, `_trylock()`, their
//!   `_nested()` forms, `prwlock_read_unlock()`), the C entries and exits
//!   of the write side (`prwlock_write_lock()`, `_killable()`,
//!   `_trylock()`, their `_nested()` forms, `prwlock_write_unlock()`,
//!   `prwlock_downgrade_write()`: `might_sleep()`, lockdep and the mutex),
//!   `prwlock_is_locked()`, the per-task hold table, the IPI handlers, the
//!   per-CPU wait queues' set-up and the layout table; each exported right
//!   after its definition.  On top: the reader's half of the
//!   memory-ordering argument.
//! * `rust/sync/prwlock/exports.c`: `EXPORT_SYMBOL_GPL` of the public
//!   functions that [`raw`] defines in Rust (6.12 cannot export from Rust).
//! * `rust/sync/prwlock/glue.h`: the C prototypes of the private Rust <-> C
//!   functions (the public ones are in `include/linux/prwlock.h`).
//! * `include/linux/prwlock.h`: `struct prwlock` and the C API.
//! * `patches/0002-sched-...`: the per-task hold table (`struct prw_task`
//!   in `include/linux/prwlock_types.h`) and the conversion of passive
//!   holds at context switch.
//! * Front ends: `rust/hooks/prwlock_mm.c` + `prwlock_mm.h` +
//!   `rust/hooks/mm.rs` (the mmap_lock provider, `patches/0004-mm-...`; its
//!   ioctl `ALOCK_IOC_MM` in `rust/chardev/mm.rs`),
//!   `rust/hooks/prwlock_torture.c` (locktorture's `ext_rwlock` type,
//!   `patches/0003-locktorture-...`).
//! * Tests and benchmarks: `rust/harness/selftest.rs` and
//!   `selftest_prw.rs` (the `prwlock_*` self-tests; `prw_irq.c` the read
//!   trylock from a hard interrupt), `rust/harness/rw.rs` +
//!   `rw_baselines.c` (stress, wake-up and read-cost runs against the
//!   stock locks: `ALOCK_IOC_RWSTRESS`, `_RWWAKE`, `_RWCOST`),
//!   `tests/kmod/alock_ctest.c` (the C API from another module),
//!   `tests/guest/mmtest.c`, `mm_optin.c`, `uffdtest.c`, `foreigntest.c`
//!   (the mmap_lock provider), `tools/prwlock-model/` (loom models of the
//!   memory ordering, host tests) and `Documentation/litmus/`.
//! * Documentation: `Documentation/prwlock.rst`,
//!   `Documentation/prwlock-mm.rst`, `Documentation/litmus/README.rst`.

pub mod consensus;
pub mod raw;
pub mod reader;
pub mod state;

pub use consensus::{WriterCounter, DOMAIN_SKIPS, DRAIN_IPIS, IDLE_SKIPS, IPIS, ROUNDS};
pub use raw::{task_holds, WAKE_SEQUENTIAL};
pub use state::{check_layout, PrwCore, PrwPcpu, PrwWstat, WriterStats};

use core::{
    cell::UnsafeCell,
    marker::{PhantomData, PhantomPinned},
};
use kernel::{
    bindings,
    init::{self, PinInit},
    prelude::*,
    str::CStr,
    sync::LockClassKey,
    types::Opaque,
};

use crate::sync::lock::class_key_ptr;
use raw::{prwlock_read_lock, prwlock_read_trylock, prwlock_read_unlock};

/// A passive reader-writer lock protecting a `T`.
///
/// Readers share `&T` through [`Prwlock::read`]; a writer gets `&mut T`
/// through [`Prwlock::write`].  Both may sleep: process context only.
/// Create with [`new_prwlock!`](crate::new_prwlock).
///
/// # Examples
///
/// ```ignore
/// let l = KBox::pin_init(new_prwlock!(0u64, "my_prwlock"), GFP_KERNEL)?;
/// let v = *l.read();
/// *l.write() = v + 1;
/// let w = l.write();
/// let r = w.downgrade(); // still no writer in between
/// ```
#[pin_data(PinnedDrop)]
pub struct Prwlock<T> {
    #[pin]
    core: Opaque<PrwCore>,
    #[pin]
    _pin: PhantomPinned,
    data: UnsafeCell<T>,
}

// SAFETY: The lock may move between threads if its data can.
unsafe impl<T: Send> Send for Prwlock<T> {}
// SAFETY: Readers share `&T` concurrently (needs `Sync`), a writer gets
// `&mut T` on another thread (needs `Send`).
unsafe impl<T: Send + Sync> Sync for Prwlock<T> {}

/// Creates a [`Prwlock`] initialiser with a new lockdep class.
#[macro_export]
macro_rules! new_prwlock {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::sync::prwlock::Prwlock::new(
            $inner, ::kernel::optional_name!($($name)?), ::kernel::static_lock_class!())
    };
}

impl<T> Prwlock<T> {
    /// Returns an initialiser of a lock holding `t` (allocates per-CPU
    /// memory, so it may fail).
    pub fn new(t: T, name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self, Error> {
        let init_core = move |slot: *mut Opaque<PrwCore>| -> Result {
            // SAFETY: `slot` is valid for writes; name and key are static.
            unsafe {
                raw::init(
                    Opaque::raw_get(slot),
                    name.as_char_ptr(),
                    class_key_ptr(key),
                    bindings::GFP_KERNEL,
                )
            }
        };
        // SAFETY: The closure initialises the core fully or fails, leaving
        // nothing to drop.
        let core = unsafe { init::pin_init_from_closure::<_, Error>(init_core) };
        try_pin_init!(Self {
            core <- core,
            _pin: PhantomPinned,
            data: UnsafeCell::new(t),
        }? Error)
    }

    /// The C lock (`struct prwlock *`).
    pub fn as_raw(&self) -> *mut PrwCore {
        self.core.get()
    }

    /// Takes the read side (may sleep while a writer is in).
    pub fn read(&self) -> PrwReadGuard<'_, T> {
        // SAFETY: Initialised; process context is the API's rule.
        unsafe { prwlock_read_lock(self.as_raw()) };
        PrwReadGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Takes the read side in active mode (one fully ordered atomic, no
    /// passive count): for a reader outside the lock's domain
    /// ([`Prwlock::set_domain`]).  May sleep while a writer is in.
    pub fn read_active(&self) -> PrwReadGuard<'_, T> {
        // SAFETY: Initialised; process context is the API's rule.
        unsafe { raw::prwlock_read_lock_active(self.as_raw()) };
        PrwReadGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Narrows writers' consensus to the CPUs of `domain` (null: every
    /// online CPU); see "Lock domain" in `consensus.rs`.
    ///
    /// # Safety
    ///
    /// `domain` is null or a `struct cpumask` that lives as long as the
    /// lock; passive readers ([`Prwlock::read`], [`Prwlock::try_read`]) run
    /// only on CPUs whose bit is set, set with a fully ordered atomic before
    /// such a reader runs there and cleared with one; other readers use
    /// [`Prwlock::read_active`].  Nobody holds the lock, or the caller
    /// holds its write side.
    pub unsafe fn set_domain(&self, domain: *const bindings::cpumask) {
        // SAFETY: Initialised core; the rest is the caller's promise.
        unsafe { raw::prwlock_set_domain(self.as_raw(), domain) };
    }

    /// Takes the read side if no writer is in.
    pub fn try_read(&self) -> Option<PrwReadGuard<'_, T>> {
        // SAFETY: Initialised.
        if unsafe { prwlock_read_trylock(self.as_raw()) } {
            Some(PrwReadGuard {
                lock: self,
                _not_send: PhantomData,
            })
        } else {
            None
        }
    }

    /// Takes the write side (sleeps until readers and writers are out).
    pub fn write(&self) -> PrwWriteGuard<'_, T> {
        // SAFETY: Initialised.
        unsafe { raw::write_lock(self.as_raw()) };
        PrwWriteGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Takes the write side if nobody is in.
    pub fn try_write(&self) -> Option<PrwWriteGuard<'_, T>> {
        // SAFETY: Initialised.
        if unsafe { raw::prwlock_write_trylock(self.as_raw()) } {
            Some(PrwWriteGuard {
                lock: self,
                _not_send: PhantomData,
            })
        } else {
            None
        }
    }

    /// Read unlocks that took the active path (converted or slow-path
    /// readers) since init.
    pub fn active_unlocks(&self) -> u64 {
        // SAFETY: Initialised core.
        unsafe { (*self.as_raw()).active_unlocks() }
    }

    /// Sets `PRWLOCK_*` flags ([`WAKE_SEQUENTIAL`]).
    pub fn set_flags(&self, flags: u32) {
        // SAFETY: Initialised core.
        unsafe { raw::set_flags(self.as_raw(), flags) };
    }

    /// Readers currently sleeping until a writer leaves.
    pub fn waiting_readers(&self) -> i32 {
        // SAFETY: Initialised core.
        unsafe { (*self.as_raw()).waiting_readers() }
    }

    /// What this lock's writers did (consensus rounds, IPIs, skips): unlike
    /// [`IPIS`] and the other counters of all locks, not disturbed by the
    /// writers of other locks.
    pub fn writer_stats(&self) -> WriterStats {
        // SAFETY: Initialised core.
        unsafe { (*self.as_raw()).writer_stats() }
    }
}

#[pinned_drop]
impl<T> PinnedDrop for Prwlock<T> {
    fn drop(self: Pin<&mut Self>) {
        // A guard leaked with `mem::forget` makes `destroy` report the
        // misuse and keep the per-CPU part: a leak, not a use-after-free.
        // SAFETY: Initialised; `&mut` means no guard exists: lock free.
        let _ = unsafe { raw::destroy(self.core.get()) };
    }
}

/// A read hold of a [`Prwlock`].
#[must_use = "the lock unlocks immediately when the guard is unused"]
pub struct PrwReadGuard<'a, T> {
    lock: &'a Prwlock<T>,
    _not_send: PhantomData<*mut ()>,
}

impl<T> core::ops::Deref for PrwReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: Readers exclude writers.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> Drop for PrwReadGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: This guard holds the read side, in this task.
        unsafe { prwlock_read_unlock(self.lock.as_raw()) };
    }
}

/// A write hold of a [`Prwlock`].
#[must_use = "the lock unlocks immediately when the guard is unused"]
pub struct PrwWriteGuard<'a, T> {
    lock: &'a Prwlock<T>,
    _not_send: PhantomData<*mut ()>,
}

impl<'a, T> PrwWriteGuard<'a, T> {
    /// Turns the write hold into a read hold, with no writer in between.
    pub fn downgrade(self) -> PrwReadGuard<'a, T> {
        let lock = self.lock;
        core::mem::forget(self);
        // SAFETY: The forgotten guard held the write side.
        unsafe { raw::prwlock_downgrade_write(lock.as_raw()) };
        PrwReadGuard {
            lock,
            _not_send: PhantomData,
        }
    }
}

impl<T> core::ops::Deref for PrwWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: The writer is alone.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> core::ops::DerefMut for PrwWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: The writer is alone.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for PrwWriteGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: This guard holds the write side.
        unsafe { raw::prwlock_write_unlock(self.lock.as_raw()) };
    }
}
