// SPDX-License-Identifier: GPL-2.0

//! Scoped groups of kernel threads, and long-lived periodic ones.
//!
//! [`run_threads`] starts `n` kernel threads that each run [`Job::run`] with
//! their index, lets the caller wait in between, and stops and joins every
//! thread before it returns, so a job may borrow the caller's stack.
//! [`Periodic`] is one long-lived thread that runs [`Round::round`] until
//! it is stopped.  The
//! 6.12 `kernel` crate has no kthread abstraction; this one is the small
//! part the tests and benchmarks need.
//!
//! C header: [`include/linux/kthread.h`](srctree/include/linux/kthread.h)

use core::{
    ffi::{c_int, c_void},
    sync::atomic::{AtomicBool, AtomicU32, Ordering},
};
use kernel::{bindings, c_str, error::from_err_ptr, prelude::*, types::Opaque};

use super::cpu::nth_online_cpu;

/// Work done by each thread of a group.
pub trait Job: Sync {
    /// Body of thread number `idx` (0-based).  Should return promptly once
    /// the job's own stop condition is met; the group waits for it.
    fn run(&self, idx: u32);
}

/// Where the threads of a group run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Thread `i` is bound to the `i % n`-th online CPU.
    Bound,
    /// Threads may run and migrate anywhere.
    Unbound,
}

/// State shared by the threads of one group.
struct Shared<'a, J: Job> {
    job: &'a J,
    /// Completed once every thread exists, so none starts early.
    go: Opaque<bindings::completion>,
    /// Set when the group failed to start: threads must not run the job.
    abort: AtomicBool,
    /// Threads that have not finished (or skipped) the job yet.
    running: AtomicU32,
    /// Completed by the last thread to finish the job.
    done: Opaque<bindings::completion>,
}

/// Argument of one thread.
struct ThreadArg<'a, J: Job> {
    shared: *const Shared<'a, J>,
    idx: u32,
}

/// # Safety
///
/// `data` is a `ThreadArg<J>` that outlives the thread (guaranteed by
/// `run_threads`, which stops every thread before its frame goes away).
unsafe extern "C" fn thread_fn<J: Job>(data: *mut c_void) -> c_int {
    // SAFETY: See the function's safety section.
    let arg = unsafe { &*(data as *const ThreadArg<'_, J>) };
    // SAFETY: `arg.shared` outlives the thread for the same reason.
    let shared = unsafe { &*arg.shared };
    // SAFETY: `go` was initialised before any thread was created.
    unsafe { bindings::wait_for_completion(shared.go.get()) };
    if !shared.abort.load(Ordering::Acquire) {
        shared.job.run(arg.idx);
    }
    if shared.running.fetch_sub(1, Ordering::AcqRel) == 1 {
        // SAFETY: `done` was initialised before any thread was created.
        unsafe { bindings::complete(shared.done.get()) };
    }
    // Park until `kthread_stop`, which is what joins the thread.
    loop {
        // SAFETY: Setting the current task's state is always allowed.
        unsafe { bindings::set_current_state(bindings::TASK_INTERRUPTIBLE) };
        // SAFETY: Called from a kthread.
        if unsafe { bindings::kthread_should_stop() } {
            break;
        }
        // SAFETY: Sleeping is allowed in a kthread; `kthread_stop` wakes us.
        unsafe { bindings::schedule() };
    }
    // SAFETY: As above.
    unsafe { bindings::__set_current_state(bindings::TASK_RUNNING) };
    0
}

/// Runs `job` on `n` new kernel threads, calls `wait` on the calling thread
/// once they are started, waits until every thread has finished the job
/// (so the job must end on its own, e.g. when `wait` sets a stop flag),
/// then stops and joins every thread.
///
/// Returns an error (and runs nothing) if a thread cannot be created.
pub fn run_threads<J: Job, R>(
    job: &J,
    n: u32,
    placement: Placement,
    wait: impl FnOnce() -> R,
) -> Result<R> {
    let shared = KBox::new(
        Shared {
            job,
            go: Opaque::uninit(),
            abort: AtomicBool::new(false),
            running: AtomicU32::new(0),
            done: Opaque::uninit(),
        },
        GFP_KERNEL,
    )?;
    // SAFETY: `go` and `done` are valid memory for completions, not yet in
    // use.
    unsafe {
        bindings::init_completion(shared.go.get());
        bindings::init_completion(shared.done.get());
    }

    let mut args = KVec::with_capacity(n as usize, GFP_KERNEL)?;
    for idx in 0..n {
        args.push(
            ThreadArg {
                shared: &*shared,
                idx,
            },
            GFP_KERNEL,
        )?;
    }
    let mut tasks: KVec<*mut bindings::task_struct> = KVec::with_capacity(n as usize, GFP_KERNEL)?;

    let mut err = None;
    for arg in args.iter() {
        let data = arg as *const ThreadArg<'_, J> as *mut c_void;
        let task = match placement {
            // SAFETY: `thread_fn::<J>` matches the kthread signature, `data`
            // outlives the thread (joined below), the name is a valid
            // format for one `unsigned int` (the CPU).
            Placement::Bound => unsafe {
                bindings::kthread_create_on_cpu(
                    Some(thread_fn::<J>),
                    data,
                    nth_online_cpu(arg.idx),
                    c_str!("alock/%u").as_char_ptr(),
                )
            },
            // SAFETY: As above; the name is a plain string.
            Placement::Unbound => unsafe {
                bindings::kthread_create(
                    Some(thread_fn::<J>),
                    data,
                    c_str!("alock-worker").as_char_ptr(),
                )
            },
        };
        match from_err_ptr(task) {
            Ok(t) => {
                // Cannot fail: the capacity was reserved above.
                if tasks.push(t, GFP_KERNEL).is_err() {
                    // SAFETY: `t` was just created and never woken.
                    unsafe { bindings::kthread_stop(t) };
                    err = Some(ENOMEM);
                    break;
                }
            }
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    if err.is_some() {
        shared.abort.store(true, Ordering::Release);
    }
    shared.running.store(tasks.len() as u32, Ordering::Release);
    for &t in tasks.iter() {
        // SAFETY: `t` is a kthread created above and not yet stopped.
        unsafe { bindings::wake_up_process(t) };
    }
    // SAFETY: `go` is initialised.
    unsafe { bindings::complete_all(shared.go.get()) };

    let ret = if err.is_none() { Some(wait()) } else { None };

    // `kthread_stop` on a thread that has not yet entered `thread_fn` would
    // keep it from ever running the job: wait until every thread is done.
    if !tasks.is_empty() {
        // SAFETY: `done` is initialised; the last thread completes it.
        unsafe { bindings::wait_for_completion(shared.done.get()) };
    }
    for &t in tasks.iter() {
        // SAFETY: `t` has not exited: `thread_fn` only returns after
        // `kthread_should_stop()`, which only this call makes true.
        unsafe { bindings::kthread_stop(t) };
    }
    match (err, ret) {
        (Some(e), _) => Err(e),
        (None, Some(r)) => Ok(r),
        (None, None) => Err(EINVAL),
    }
}

/// What a [`Periodic`] thread does each round.
pub trait Round: Sync {
    /// One round; returns how many milliseconds to sleep before the next.
    fn round(&self) -> u32;
}

/// A long-lived kernel thread that calls [`Round::round`] on one object,
/// sleeping between rounds, until [`Periodic::stop`] (the RDMA cluster's
/// reaper, the lock table's helper).
pub struct Periodic {
    task: core::sync::atomic::AtomicPtr<bindings::task_struct>,
}

/// The body of a [`Periodic`] thread.
///
/// # Safety
///
/// `data` is a `T` that outlives the thread (`Periodic::start`'s contract).
unsafe extern "C" fn periodic_fn<T: Round>(data: *mut c_void) -> c_int {
    // SAFETY: The function's contract.
    let t = unsafe { &*data.cast::<T>() };
    // SAFETY: A kthread may test this.
    while !unsafe { bindings::kthread_should_stop() } {
        let ms = t.round();
        // SAFETY: Process context.  `kthread_stop` ends the sleep early
        // only at the next wake-up; the loop then sees the stop.
        unsafe { bindings::msleep_interruptible(ms) };
    }
    0
}

impl Periodic {
    /// No thread yet.
    pub const fn new() -> Self {
        Self {
            task: core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// Starts the thread named `name` on `data` (once).
    ///
    /// # Safety
    ///
    /// `data` stays valid (not moved, not freed) until [`Periodic::stop`]
    /// has returned.
    pub unsafe fn start<T: Round>(&self, data: &T, name: &CStr) -> Result {
        let p = (data as *const T).cast_mut().cast::<c_void>();
        let (f, name) = (Some(periodic_fn::<T> as _), name.as_char_ptr());
        // SAFETY: `periodic_fn::<T>` matches the kthread signature and
        // gets a `T` that outlives the thread (this function's contract).
        let task = unsafe { bindings::kthread_create(f, p, name) };
        let task = from_err_ptr(task)?;
        self.task.store(task, Ordering::Release);
        // SAFETY: A new kthread.
        unsafe { bindings::wake_up_process(task) };
        Ok(())
    }

    /// Stops the thread and waits for it, if it runs.  Process context.
    pub fn stop(&self) {
        let task = self.task.swap(core::ptr::null_mut(), Ordering::AcqRel);
        if !task.is_null() {
            // SAFETY: Our kthread, not stopped yet (the swap makes this the
            // only stop); it exits on the stop.
            unsafe { bindings::kthread_stop(task) };
        }
    }
}

impl Default for Periodic {
    fn default() -> Self {
        Self::new()
    }
}
