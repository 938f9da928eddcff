// SPDX-License-Identifier: GPL-2.0

//! MCS queue lock (Mellor-Crummey and Scott, 1991).
//!
//! The lock is one word: the tail of a queue of waiter nodes.  An acquirer
//! swaps its node into the tail; if there was a predecessor it links itself
//! behind it and spins on a flag in its *own* node, so each waiter spins on
//! its own cache line and a hand-off touches only the successor's line.
//! The holder passes the lock to its successor by clearing that flag; with
//! no successor it swings the tail back to empty with one compare-and-swap.
//! Grants are in the order of the swaps: FIFO.
//!
//! Nodes: [`McsLock`] takes a node from a small per-CPU pool (like the
//! kernel's qspinlock), which is possible because preemption stays disabled
//! from acquisition to release.  When a CPU already holds or waits for
//! [`POOL_NODES`] MCS locks (lockdep allows 48 held locks, `spinlock_t` has
//! no limit), it falls back as qspinlock does when its four nodes run out:
//! it does not queue on a node of its own but takes the lock's one *spare*
//! node first, spinning on the spare's flag.  Only CPUs nested that deep
//! ever contend for a spare, and the spare's user is queued for (or holds)
//! that same lock, so it comes back once that lock is passed on: the wait is
//! no longer than for the lock itself, and no acquisition ever fails.
//! [`RawMcs`] is also the building block of ALock's local cohort.
//!
//! # Examples
//!
//! ```ignore
//! let l = KBox::pin_init(new_mcs_lock!(KVec::<u32>::new(), "my_mcs"), GFP_KERNEL)?;
//! l.lock().push(1, GFP_ATOMIC)?;
//! ```

use crate::support::{
    cpu::cpu_relax,
    stats::{self, Kind},
    trace::{Site, LCB_F_SPIN},
};
use core::{
    ptr::null_mut,
    sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering},
};
use kernel::{bindings, prelude::*};

use super::lock::{init_dep_map, Backend, Fifo, Lock, QueueOrder};

/// A [`Lock`] with the MCS algorithm.
pub type McsLock<T> = Lock<T, McsBackend>;

/// Creates a [`McsLock`] initialiser with a new lockdep class.
#[macro_export]
macro_rules! new_mcs_lock {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::sync::mcs::McsLock::new(
            $inner, (), ::kernel::optional_name!($($name)?), ::kernel::static_lock_class!())
    };
}

/// One waiter of an MCS queue, on its own cache line.
#[repr(C, align(64))]
pub struct McsNode {
    next: AtomicPtr<McsNode>,
    /// 1 while the owner of this node waits.
    waiting: AtomicU32,
    /// Id of the acquisition using the node (for FIFO checks).
    id: AtomicU64,
}

impl McsNode {
    /// A fresh node.
    pub const fn new() -> Self {
        Self {
            next: AtomicPtr::new(null_mut()),
            waiting: AtomicU32::new(0),
            id: AtomicU64::new(0),
        }
    }
}

impl Default for McsNode {
    fn default() -> Self {
        Self::new()
    }
}

/// The bare MCS lock: a tail pointer.  No lockdep, no preemption control.
#[repr(C, align(64))]
pub struct RawMcs {
    tail: AtomicPtr<McsNode>,
}

impl RawMcs {
    /// A free lock.
    pub const fn new() -> Self {
        Self {
            tail: AtomicPtr::new(null_mut()),
        }
    }

    /// Enqueues `node` and waits until it holds the lock.  Returns the id of
    /// the predecessor's acquisition, if it had to queue.
    ///
    /// # Safety
    ///
    /// `node` stays valid and unused by anyone else until
    /// [`unlock`](Self::unlock) with the same node returns; `id` is
    /// unique among the acquisitions in flight.
    pub unsafe fn lock(&self, node: *mut McsNode, id: u64) -> Option<u64> {
        // SAFETY: Guaranteed by the caller.
        unsafe { self.lock_at(node, id, &Site::new(self, LCB_F_SPIN, Kind::Mcs)) }
    }

    /// [`lock`](Self::lock), reporting a wait at `site`.
    ///
    /// # Safety
    ///
    /// As for [`lock`](Self::lock).
    #[inline]
    pub unsafe fn lock_at(&self, node: *mut McsNode, id: u64, site: &Site) -> Option<u64> {
        // SAFETY: The caller owns `node`.
        let n = unsafe { &*node };
        n.next.store(null_mut(), Ordering::Relaxed);
        n.waiting.store(1, Ordering::Relaxed);
        n.id.store(id, Ordering::Relaxed);
        // AcqRel: publishes the node's fields to the successor that finds it
        // here, and acquires the predecessor's.
        let pred = self.tail.swap(node, Ordering::AcqRel);
        if pred.is_null() {
            return None;
        }
        // SAFETY: The predecessor cannot release its node before it has
        // seen our link (its unlock waits for `next`), so it is valid.
        let p = unsafe { &*pred };
        let pred_id = p.id.load(Ordering::Relaxed);
        let w = site.begin();
        p.next.store(node, Ordering::Release);
        while n.waiting.load(Ordering::Acquire) != 0 {
            cpu_relax();
        }
        w.end();
        Some(pred_id)
    }

    /// Takes the lock with `node` if the queue is empty.
    ///
    /// # Safety
    ///
    /// As for [`lock`](Self::lock).
    pub unsafe fn try_lock(&self, node: *mut McsNode, id: u64) -> bool {
        // SAFETY: The caller owns `node`.
        let n = unsafe { &*node };
        n.next.store(null_mut(), Ordering::Relaxed);
        n.id.store(id, Ordering::Relaxed);
        self.tail
            .compare_exchange(null_mut(), node, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }

    /// Passes the lock to the successor of `node`, or frees it.
    ///
    /// # Safety
    ///
    /// The caller holds the lock with `node`.
    pub unsafe fn unlock(&self, node: *mut McsNode) {
        // SAFETY: The caller owns `node`.
        let n = unsafe { &*node };
        let mut next = n.next.load(Ordering::Acquire);
        if next.is_null() {
            if self
                .tail
                .compare_exchange(node, null_mut(), Ordering::Release, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
            // A successor swapped itself in and is about to link.
            loop {
                next = n.next.load(Ordering::Acquire);
                if !next.is_null() {
                    break;
                }
                cpu_relax();
            }
        }
        // SAFETY: The successor waits on its node, which stays valid until
        // it owns the lock.
        unsafe { (*next).waiting.store(0, Ordering::Release) };
    }

    /// Whether someone holds the lock (a racy snapshot).
    pub fn is_locked(&self) -> bool {
        !self.tail.load(Ordering::Relaxed).is_null()
    }
}

impl Default for RawMcs {
    fn default() -> Self {
        Self::new()
    }
}

/// Nodes per CPU in the pool: MCS locks one CPU can hold at once.
pub const POOL_NODES: usize = 16;

/// The per-CPU node pool.
#[repr(C, align(64))]
struct Pool {
    /// Bit i set: `nodes[i]` in use.  Only this CPU touches it, with
    /// preemption disabled.
    used: u32,
    /// The CPU of this pool (set at init; part of the acquisition ids).
    cpu: u32,
    /// Acquisitions so far on this CPU (for unique ids).
    seq: u64,
    nodes: [McsNode; POOL_NODES],
}

/// The `alloc_percpu` pointer of the pools (set by [`pool_init`]).
static POOL: AtomicPtr<core::ffi::c_void> = AtomicPtr::new(null_mut());

/// Allocates the per-CPU node pools; called once at module init.
pub fn pool_init() -> Result {
    // SAFETY: Sizes are valid; the memory is zeroed, which is a valid
    // `Pool` (no node used, null links).
    let p = unsafe {
        bindings::alloc_percpu(core::mem::size_of::<Pool>(), core::mem::align_of::<Pool>())
    };
    if p.is_null() {
        return Err(ENOMEM);
    }
    for cpu in crate::support::cpu::possible_cpus() {
        // SAFETY: `p` is a live per-CPU allocation, `cpu` a possible CPU;
        // nobody uses the pools yet.
        unsafe { (*bindings::per_cpu_ptr(p, cpu).cast::<Pool>()).cpu = cpu };
    }
    POOL.store(p.cast(), Ordering::Release);
    Ok(())
}

/// Frees the pools; called at module exit when no MCS lock is in use.
pub fn pool_exit() {
    let p = POOL.swap(null_mut(), Ordering::AcqRel);
    if !p.is_null() {
        // SAFETY: Allocated by `alloc_percpu`, no user left.
        unsafe { bindings::free_percpu(p) };
    }
}

/// This CPU's pool.
///
/// # Safety
///
/// Preemption is disabled and [`pool_init`] has run.
unsafe fn this_pool() -> *mut Pool {
    let p = POOL.load(Ordering::Acquire);
    assert!(!p.is_null(), "alock: MCS lock used before module init");
    // SAFETY: A valid per-CPU pointer; preemption is off.
    unsafe { bindings::this_cpu_ptr(p.cast()).cast() }
}

/// Takes a free node from this CPU's pool, if one is left; returns it (or
/// null when all [`POOL_NODES`] are in use) and a unique acquisition id.
///
/// # Safety
///
/// Preemption is disabled (until [`put_node`]).
unsafe fn get_node() -> (*mut McsNode, u64) {
    // Through the raw pointer, never a `&mut Pool`: other CPUs access
    // `nodes` (links and flags, atomics) at any time; only `used`, `seq`
    // and `cpu` are this CPU's alone.
    // SAFETY: Guaranteed by the caller.
    let pool = unsafe { this_pool() };
    // SAFETY: `pool` is valid; preemption is off, so nobody else touches
    // `used`, `seq` or `cpu` (MCS locks are not for interrupt context).
    unsafe {
        let free = (!(*pool).used).trailing_zeros() as usize;
        (*pool).seq += 1;
        let id = ((*pool).seq << 12) | u64::from((*pool).cpu);
        if free >= POOL_NODES {
            return (null_mut(), id);
        }
        (*pool).used |= 1 << free;
        (core::ptr::addr_of_mut!((*pool).nodes[free]), id)
    }
}

/// Returns `node` to this CPU's pool.
///
/// # Safety
///
/// `node` came from [`get_node`] on this CPU, preemption was never enabled
/// in between, and the node is no longer in a queue.
unsafe fn put_node(node: *mut McsNode) {
    // SAFETY: Guaranteed by the caller.
    let pool = unsafe { this_pool() };
    // SAFETY: `node` points into `(*pool).nodes`; `used` is this CPU's
    // alone (as in `get_node`, no `&mut Pool` over the shared nodes).
    unsafe {
        let idx = node.offset_from(core::ptr::addr_of!((*pool).nodes).cast::<McsNode>()) as usize;
        (*pool).used &= !(1 << idx);
    }
}

/// State of an [`McsLock`].
pub struct McsState {
    raw: RawMcs,
    /// The node of a CPU whose pool is exhausted (see the top of the file).
    spare: McsNode,
    /// 1 while [`spare`](Self::spare) is in use.
    spare_used: AtomicU32,
    dep_map: bindings::lockdep_map,
}

impl McsState {
    /// Takes the spare node if no other deeply nested CPU uses it.
    fn try_take_spare(&self) -> Option<*mut McsNode> {
        // Acquire: pairs with the release in `put_spare`, so the previous
        // user is done with the node.
        self.spare_used
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| core::ptr::addr_of!(self.spare).cast_mut())
    }

    /// Takes the spare node, waiting while another deeply nested CPU uses
    /// it.
    fn take_spare(&self) -> *mut McsNode {
        loop {
            if let Some(node) = self.try_take_spare() {
                return node;
            }
            cpu_relax();
        }
    }

    /// Returns the spare node (out of the queue).
    fn put_spare(&self) {
        self.spare_used.store(0, Ordering::Release);
    }
}

/// What an [`McsLock`] holder keeps.
pub struct McsGuardState {
    node: *mut McsNode,
    /// `node` is the lock's spare, not a pool node.
    spare: bool,
    order: QueueOrder,
}

/// The [`Backend`] of [`McsLock`].
pub struct McsBackend;

// SAFETY: `RawMcs` grants one node at a time; hand-offs are release/acquire.
unsafe impl Backend for McsBackend {
    type State = McsState;
    type GuardState = McsGuardState;
    type Params = ();

    unsafe fn init(
        ptr: *mut McsState,
        _params: (),
        name: *const kernel::ffi::c_char,
        key: *mut bindings::lock_class_key,
    ) -> Result {
        // SAFETY: `ptr` is valid for writes.
        unsafe {
            core::ptr::addr_of_mut!((*ptr).raw).write(RawMcs::new());
            core::ptr::addr_of_mut!((*ptr).spare).write(McsNode::new());
            core::ptr::addr_of_mut!((*ptr).spare_used).write(AtomicU32::new(0));
            init_dep_map(core::ptr::addr_of_mut!((*ptr).dep_map), name, key);
        }
        Ok(())
    }

    unsafe fn lock(ptr: *mut McsState) -> McsGuardState {
        // SAFETY: Initialised state.
        let st = unsafe { &*ptr };
        // SAFETY: Preemption is off (caller).
        let (mut node, id) = unsafe { get_node() };
        let spare = node.is_null();
        if spare {
            node = st.take_spare();
        }
        // SAFETY: Initialised state; `Lock::lock` announced the
        // acquisition to lockdep before calling here.
        let site = unsafe { Site::new(ptr, LCB_F_SPIN, Kind::Mcs).with_map(Self::dep_map(ptr)) };
        stats::acquired(Kind::Mcs);
        // SAFETY: The node is ours until `unlock`; ids are unique.
        let pred = unsafe { st.raw.lock_at(node, id, &site) };
        McsGuardState {
            node,
            spare,
            order: QueueOrder { id, pred },
        }
    }

    unsafe fn try_lock(ptr: *mut McsState) -> Option<McsGuardState> {
        // SAFETY: Initialised state.
        let st = unsafe { &*ptr };
        // SAFETY: Preemption is off (caller).
        let (mut node, id) = unsafe { get_node() };
        let spare = node.is_null();
        if spare {
            // Someone else nested this deep is queued for this lock: it
            // is not free.
            node = st.try_take_spare()?;
        }
        // SAFETY: As in `lock`.
        if unsafe { st.raw.try_lock(node, id) } {
            stats::acquired(Kind::Mcs);
            Some(McsGuardState {
                node,
                spare,
                order: QueueOrder { id, pred: None },
            })
        } else {
            if spare {
                st.put_spare();
            } else {
                // SAFETY: The node never entered the queue.
                unsafe { put_node(node) };
            }
            None
        }
    }

    unsafe fn unlock(ptr: *mut McsState, guard: &McsGuardState) {
        // SAFETY: Initialised state.
        let st = unsafe { &*ptr };
        // SAFETY: Held with `guard.node`.
        unsafe { st.raw.unlock(guard.node) };
        if guard.spare {
            st.put_spare();
        } else {
            // SAFETY: Out of the queue now; same CPU, preemption still off.
            unsafe { put_node(guard.node) };
        }
    }

    unsafe fn dep_map(ptr: *mut McsState) -> *mut bindings::lockdep_map {
        // SAFETY: Initialised state.
        unsafe { core::ptr::addr_of_mut!((*ptr).dep_map) }
    }
}

impl Fifo for McsBackend {
    fn order(guard: &McsGuardState) -> QueueOrder {
        guard.order
    }
}
