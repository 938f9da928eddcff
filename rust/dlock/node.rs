// SPDX-License-Identifier: GPL-2.0

//! The node's one lock table: module [`init`]/[`exit`], [`table`] (the
//! Rust API's entry point), [`create`], [`destroy`] and [`summary`] (what
//! `ALOCK_IOC_TABLE` does).

use core::sync::atomic::{
    AtomicPtr,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};

use kernel::{bindings, new_mutex, prelude::*, sync::Arc, sync::Mutex};

use super::table::{Config, Summary, Table};
use super::window::TABLES_IN_WINDOW;
use crate::support::util::errno;

/// The node's table, if one was created.
#[pin_data]
struct Global {
    #[pin]
    table: Mutex<Option<Arc<Table>>>,
}

static GLOBAL: AtomicPtr<Global> = AtomicPtr::new(core::ptr::null_mut());

fn global() -> &'static Global {
    // SAFETY: Set by `init` before /dev/alock exists, cleared by `exit`.
    unsafe { &*GLOBAL.load(Acquire) }
}

/// Module init.
pub fn init() -> Result {
    let g = KBox::pin_init(
        pin_init!(Global {
            table <- new_mutex!(None, "alock_dlock_table"),
        }),
        GFP_KERNEL,
    )?;
    // SAFETY: Never moved; freed as a box in `exit`.
    let g = unsafe { Pin::into_inner_unchecked(g) };
    GLOBAL.store(KBox::into_raw(g), Release);
    Ok(())
}

/// Module exit (after the device is gone).
pub fn exit() {
    let p = GLOBAL.swap(core::ptr::null_mut(), AcqRel);
    // SAFETY: From `init`; no user is left.
    drop(unsafe { KBox::from_raw(p) });
}

/// The node's lock table (the Rust API's entry point).
pub fn table() -> Option<Arc<Table>> {
    global().table.lock().clone()
}

/// Creates the node's table (`EBUSY` if there is one, or a destroyed one
/// still in use; `ENOTCONN` without a cluster, `ENOSPC` if a window is too
/// small); returns the number of keys homed here.  Every node creates its
/// table, with the same configuration, before any node uses it.
pub fn create(cfg: &Config) -> Result<u32> {
    let mut g = global().table.lock();
    if g.is_some() || TABLES_IN_WINDOW.load(Acquire) != 0 {
        return Err(EBUSY);
    }
    let c = crate::rdma::cluster().ok_or(errno(bindings::ENOTCONN))?;
    let t = Arc::new(Table::new(c, cfg)?, GFP_KERNEL)?;
    // Every node creates its table before any node runs on it.
    t.clear();
    t.start_helper()?;
    let homed = t.local_keys().len() as u32;
    *g = Some(t);
    Ok(homed)
}

/// Drops the node's table (`ENOENT` without one); it goes when its last
/// handle does.
pub fn destroy() -> Result {
    global().table.lock().take().ok_or(ENOENT)?;
    Ok(())
}

/// The node's table's counts (`ENOENT` without one).
pub fn summary() -> Result<Summary> {
    let g = global().table.lock();
    let t = g.as_ref().ok_or(ENOENT)?;
    Ok(Summary {
        counter_sum: t.counter_sum(),
        homed: t.local_keys().len() as u32,
        keys: t.keys(),
        broken: t.broken.iter().filter(|b| b.load(Relaxed)).count() as u32,
        resets: t.resets.load(Relaxed),
        reclaims: t.rw_reclaims.load(Relaxed),
    })
}
