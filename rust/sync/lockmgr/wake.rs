// SPDX-License-Identifier: GPL-2.0

//! Sleeping and waking of waiting transactions: the killable timed sleep
//! of a waiter, `fatal_signal_pending()`, and [`WakeQ`], the wake-ups a
//! grant collects under the bucket lock and does after dropping it.
//!
//! [`WakeQ`] is the kernel's `wake_q` (`include/linux/sched/wake_q.h`) as a
//! module can have it: `wake_q_add()` and `wake_up_q()` are not exported
//! to modules (and the 6.12 bindings lack them), so a small array on the
//! granter's stack holds the tasks instead of their `task_struct::wake_q`
//! nodes.  The contract is the kernel's: the granter takes a reference on
//! the task ([`TaskRef`]) while the task is sure to be alive, then writes
//! the condition the task waits for, then queues the wake-up
//! ([`WakeQ::add`]); the task may see the condition and go on before the
//! wake-up comes, so the wake-up can reach it later, sleeping on something
//! else: every kernel sleeper re-checks its condition, as ours does in
//! [`sleep`].
//!
//! Ordering of a sleep against its wake-up: [`sleep`] sets the task state
//! with `set_current_state()` (`smp_store_mb()`: a full barrier) before it
//! reads its condition; the granter writes the condition before
//! `wake_up_process()`, which has a full barrier before it reads the task
//! state.  That is the store-buffering pattern with `smp_mb()` on both
//! sides: either the sleeper reads the condition set, or the waker reads
//! the state the sleeper set and wakes it.

use core::{mem, ptr};
use kernel::{bindings, ffi::c_long, time::Jiffies};

/// Wake-ups one [`WakeQ`] holds; a grant that wakes more wakes the rest
/// at once, under the bucket lock.
const WAKE_BATCH: usize = 16;

/// A reference on a task, to wake it.
pub(super) struct TaskRef(*mut bindings::task_struct);

impl TaskRef {
    /// Takes a reference on `task`.
    ///
    /// # Safety
    ///
    /// `task` is a valid task during this call.
    pub(super) unsafe fn new(task: *mut bindings::task_struct) -> Self {
        // SAFETY: `task` is valid (the caller's guarantee).
        unsafe { bindings::get_task_struct(task) };
        Self(task)
    }

    /// The task, keeping the reference (for [`WakeQ`] to drop).
    fn into_raw(self) -> *mut bindings::task_struct {
        let task = self.0;
        mem::forget(self);
        task
    }

    /// Wakes the task and drops the reference.
    fn wake(self) {
        // SAFETY: `into_raw` keeps our reference, which we give up.
        unsafe { wake_and_put(self.into_raw()) };
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        // SAFETY: We hold a reference on the task and give it up.
        unsafe { bindings::put_task_struct(self.0) };
    }
}

/// Tasks to wake once the bucket lock is dropped (see the
/// [module documentation](self)); wakes them when dropped.
pub(super) struct WakeQ {
    tasks: [*mut bindings::task_struct; WAKE_BATCH],
    len: usize,
}

impl WakeQ {
    /// An empty queue.
    pub(super) const fn new() -> Self {
        Self {
            tasks: [ptr::null_mut(); WAKE_BATCH],
            len: 0,
        }
    }

    /// Queues the wake-up of `task`, or wakes it at once if the queue is
    /// full (waking and putting a task are allowed under a spinlock).
    pub(super) fn add(&mut self, task: TaskRef) {
        if self.len < WAKE_BATCH {
            self.tasks[self.len] = task.into_raw();
            self.len += 1;
        } else {
            task.wake();
        }
    }

    /// Wakes every queued task (what dropping does).
    pub(super) fn wake(self) {}
}

impl Drop for WakeQ {
    fn drop(&mut self) {
        for &task in &self.tasks[..self.len] {
            // SAFETY: `add` kept the reference of every queued task.
            unsafe { wake_and_put(task) };
        }
        self.len = 0;
    }
}

/// Wakes `task` and drops a reference on it.
///
/// # Safety
///
/// The caller holds a reference on `task` and gives it up.
unsafe fn wake_and_put(task: *mut bindings::task_struct) {
    // SAFETY: `task` is valid (we hold a reference); `wake_up_process` may
    // be called for any task, running or not, from any context.
    unsafe { bindings::wake_up_process(task) };
    // SAFETY: The caller's reference; `put_task_struct` may run in atomic
    // context (it defers the free where that matters).
    unsafe { bindings::put_task_struct(task) };
}

/// The current task, for a waiter to record who to wake.
pub(super) fn current() -> *mut bindings::task_struct {
    // SAFETY: Always valid in task context, which is where waiters run.
    unsafe { bindings::get_current() }
}

/// `fatal_signal_pending(current)`: a `SIGKILL` is pending (the task is
/// being killed).  The 6.12 bindings lack it (a static inline), so this is
/// its body: `signal_pending()` and the `SIGKILL` bit of the task's own
/// pending set, read as `sigismember()` does, without a lock.
pub(super) fn fatal_signal_pending() -> bool {
    let task = current();
    // SAFETY: `task` is the current task, valid.
    if unsafe { bindings::signal_pending(task) } == 0 {
        return false;
    }
    // SAFETY: `task` is valid; the kernel reads this word without a lock
    // too (`__fatal_signal_pending()`), here as `READ_ONCE()` would.
    let set = unsafe { ptr::addr_of!((*task).pending.signal.sig[0]).read_volatile() };
    set & (1 << (bindings::SIGKILL - 1)) != 0
}

/// Why [`sleep`] returned.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Woken {
    /// `done()` was true.
    Done,
    /// The timeout expired first.
    Timeout,
    /// A fatal signal is pending.
    Killed,
}

/// Sleeps (killable: other signals do not end it) until `done()` is true,
/// for up to `timeout` jiffies.  `done()` must become true only through a
/// write followed by `wake_up_process()` of this task (see the
/// [module documentation](self)).  Process context, no spinlock held.
pub(super) fn sleep(timeout: Jiffies, done: impl Fn() -> bool) -> Woken {
    let mut left = timeout.min(c_long::MAX as Jiffies) as c_long;
    let woken = loop {
        // SAFETY: Setting the current task's state is always allowed; it
        // is `smp_store_mb()`, ordered before the reads of `done()`.
        unsafe { bindings::set_current_state(bindings::TASK_KILLABLE) };
        if done() {
            break Woken::Done;
        }
        if fatal_signal_pending() {
            break Woken::Killed;
        }
        if left <= 0 {
            break Woken::Timeout;
        }
        // SAFETY: Process context, no spinlock held (the caller's
        // guarantee); a fatal signal or our waker ends it early.
        left = unsafe { bindings::schedule_timeout(left) };
    };
    // SAFETY: As for `set_current_state` above.
    unsafe { bindings::__set_current_state(bindings::TASK_RUNNING) };
    woken
}
