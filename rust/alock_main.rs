// SPDX-License-Identifier: GPL-2.0

//! alock: locks for kernel code that scale where the stock ones do not.
//!
//! This is the crate root of `alock.ko`.  It registers `/dev/alock`, the
//! character device through which user space runs the module's self-tests,
//! stress tests and benchmarks (ABI: `include/uapi/linux/alock.h`).

// Layers, each importing only from those above it in this list.
pub mod capi;
pub mod chardev;
pub mod dlock;
pub mod harness;
pub mod hooks;
pub mod rdma;
pub mod support;
pub mod sync;
pub mod uapi;

use kernel::{c_str, prelude::*, types::ScopeGuard};

use chardev::AlockDevice;
use support::miscdev::MiscDeviceRegistration;

module! {
    type: AlockModule,
    name: "alock",
    author: "alock developers",
    description: "Scalable kernel locks: prwlock, ALock over RDMA, queue locks",
    license: "GPL",
}

extern "C" {
    /// `rust/inject_warn.c`: init-time hook (fault injection for tests).
    fn alock_shim_init_hook();
}

/// A part of the module that was set up and is torn down when this drops.
type Teardown = ScopeGuard<(), fn(())>;

/// Sets up one part with `init`; the returned guard runs `exit` when it
/// drops, so a failure later in [`AlockModule::init`] unwinds what was
/// already set up, in reverse order, and so does unloading.
fn setup(init: fn() -> Result, exit: fn(())) -> Result<Teardown> {
    init()?;
    Ok(ScopeGuard::new_with_data((), exit))
}

/// The module.  Fields drop in declaration order, which is the reverse of
/// the order [`AlockModule::init`] sets them up in.
struct AlockModule {
    /// `/dev/alock`; goes first, so no ioctl runs while the rest goes.
    dev: MiscDeviceRegistration<AlockDevice<harness::Commands>>,
    _mm: Teardown,
    _table: Teardown,
    _cluster: Teardown,
    _mcs_pool: Teardown,
    /// Statistics and `/sys/kernel/debug/alock/`: set up first, gone last.
    _stats: Teardown,
}

impl kernel::Module for AlockModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // SAFETY: The hook has no preconditions.
        unsafe { alock_shim_init_hook() };
        sync::prwlock::check_layout()?;
        let stats = setup(support::stats::init, |()| support::stats::exit())?;
        let mcs_pool = setup(sync::mcs::pool_init, |()| sync::mcs::pool_exit())?;
        let cluster = setup(rdma::init, |()| rdma::exit())?;
        let table = setup(dlock::node::init, |()| dlock::node::exit())?;
        let mm = setup(hooks::mm::init, |()| hooks::mm::exit())?;
        // The tables of the layers above `support` in its debugfs directory.
        support::stats::add_file(c_str!("rdma"), rdma::peer::observe::show)?;
        support::stats::add_file(c_str!("table"), dlock::observe::show)?;
        let dev = MiscDeviceRegistration::register(c_str!("alock"), module)?;
        pr_info!(
            "/dev/alock ready (minor {}, ABI {})\n",
            dev.minor(),
            uapi::ALOCK_ABI_VERSION
        );
        Ok(Self {
            dev,
            _mm: mm,
            _table: table,
            _cluster: cluster,
            _mcs_pool: mcs_pool,
            _stats: stats,
        })
    }
}

impl Drop for AlockModule {
    fn drop(&mut self) {
        // The fields drop after this: the device first (its file operations
        // hold a module reference, so no ioctl is running), then the rest.
        pr_info!("unloaded (minor {})\n", self.dev.minor());
    }
}
