// SPDX-License-Identifier: GPL-2.0

//! In-kernel tests and benchmarks that user space starts through
//! `/dev/alock`, and the one list of the device's commands.
//!
//! The list at the bottom of this file ([`commands!`](commands)) is where
//! each `ALOCK_IOC_*` command is numbered, typed and dispatched: from it
//! come the command numbers, the table `ALOCK_IOC_ABI` reports and the
//! `match` that serves an ioctl.  It lives here, at the top of the layers,
//! because its handlers are in every layer below; [`crate::chardev`]
//! serves it without importing it.
//!
//! Together with [`crate::chardev`] this is the only layer that reads uapi
//! structures; it drives the locks of [`crate::sync`], the transport of
//! [`crate::rdma`] and the lock table of [`crate::dlock`].
//!
//! * [`run`]: the timed run every stress and benchmark ioctl goes through
//!   (threads, placement, wait, stop, elapsed time, `EINTR` on a signal)
//!   and the sums of per-thread counters.
//! * [`selftest`]: `ALOCK_IOC_SELFTEST`, the module's unit tests.
//! * [`stress`]: `ALOCK_IOC_STRESS`, mutual exclusion and FIFO order of the
//!   queue locks against the kernel's spinlock and mutex; its per-thread
//!   results and out fields serve [`mrstress`] too.
//! * [`mrstress`]: `ALOCK_IOC_MRLOCK`, the multi-resource lock.
//! * [`txn`]: `ALOCK_IOC_TXN`, the lock manager's bank transfers.
//! * [`rw`]: `ALOCK_IOC_RWSTRESS`, `_RWWAKE`, `_RWCOST`: prwlock against
//!   the kernel's reader-writer locks (`rw_baselines.c`).
//! * [`rdma`]: `ALOCK_IOC_RDMA_OP`, `_STRESS`, `_BENCH`: the RDMA verbs.
//! * [`dlock`]: `ALOCK_IOC_DLOCK_RUN`: the distributed lock table.

pub mod dlock;
pub mod mrstress;
pub mod rdma;
pub mod run;
pub mod rw;
pub mod selftest;
mod selftest_obs;
mod selftest_prw;
mod selftest_queue;
pub mod stress;
pub mod txn;

use kernel::ioctl::{_IO, _IOR, _IOW, _IOWR};
use kernel::{bindings, prelude::*, uaccess::UserSlice};

use crate::chardev::{self, in_out, OpenFile};
use crate::support::util::require_cap;
use crate::uapi::*;

/// The number of a command of direction `R`, `W`, `RW` or `N` (none).
macro_rules! ioc {
    (R, $nr:expr, $ty:ty) => {
        _IOR::<$ty>(ALOCK_IOC_MAGIC, $nr)
    };
    (W, $nr:expr, $ty:ty) => {
        _IOW::<$ty>(ALOCK_IOC_MAGIC, $nr)
    };
    (RW, $nr:expr, $ty:ty) => {
        _IOWR::<$ty>(ALOCK_IOC_MAGIC, $nr)
    };
    (N, $nr:expr) => {
        _IO(ALOCK_IOC_MAGIC, $nr)
    };
}

/// The size of a command's argument structure (0 without one).
macro_rules! arg_size {
    () => {
        0
    };
    ($ty:ty) => {
        core::mem::size_of::<$ty>() as u32
    };
}

/// Turns the command list into `ALOCK_IOC_*` constants (as the header's
/// `_IOR`/`_IOW`/`_IOWR`/`_IO` macros compute them), [`ABI_TABLE`] and the
/// dispatch of [`Commands`].
macro_rules! commands {
    ($(
        $(#[$doc:meta])*
        $name:ident = $dir:ident($nr:literal $(, $ty:ty)?) $([$cap:ident])?
            => |$file:pat_param, $user:pat_param| $body:expr;
    )*) => {
        $(
            $(#[$doc])*
            pub const $name: u32 = ioc!($dir, $nr $(, $ty)?);
        )*

        /// Every command the module implements, in number order, as
        /// `ALOCK_IOC_ABI` reports them.
        pub const ABI_TABLE: &[AlockAbiEntry] = &[$(
            AlockAbiEntry { cmd: $name, arg_size: arg_size!($($ty)?) },
        )*];

        /// The commands of `/dev/alock` (the crate root registers the
        /// device with this list).
        pub struct Commands;

        impl chardev::Commands for Commands {
            fn dispatch(file: &OpenFile, cmd: u32, user: UserSlice) -> Result {
                match cmd {
                    $($name => {
                        // The command's capability, before its argument
                        // is even read (EPERM whatever the argument).
                        $(require_cap(bindings::$cap)?;)?
                        let $file = file;
                        let $user = user;
                        $body
                    })*
                    _ => Err(ENOTTY),
                }
            }
        }
    };
}

// Privilege: `[CAP_...]` after a command is the capability its caller
// needs (`EPERM` without it, checked before the argument is read):
// CAP_SYS_ADMIN for the runs that take the machine's CPUs (self-tests,
// stress and benchmark runs, lock table workloads), CAP_NET_ADMIN for the
// cluster and the RDMA verbs.  Open to whoever may open the device:
// version, ABI, status (its probe needs CAP_NET_ADMIN), the lock table's
// keys (`DLOCK_LOCK`/`UNLOCK`, bounded and killable waits), the table's
// sum (create and destroy need CAP_SYS_ADMIN, `chardev::table`) and a
// process's own `ALOCK_IOC_MM`.  The uapi header says the same.
commands! {
    /// `ALOCK_IOC_VERSION`: ABI and module version, what the module offers.
    ALOCK_IOC_VERSION = R(0x00, AlockVersion)
        => |_, u| chardev::version(u, stress::NR_LOCKS, selftest::TESTS.len() as u32);
    /// `ALOCK_IOC_ABI`: this list's command numbers and argument sizes.
    ALOCK_IOC_ABI = RW(0x01, AlockAbi) => |_, u| chardev::abi(u, ABI_TABLE);
    /// `ALOCK_IOC_SELFTEST`: one in-kernel self-test.
    ALOCK_IOC_SELFTEST = RW(0x02, AlockSelftest) [CAP_SYS_ADMIN]
        => |_, u| in_out(u, selftest::run);
    /// `ALOCK_IOC_STRESS`: mutual-exclusion stress run of a queue lock.
    ALOCK_IOC_STRESS = RW(0x03, AlockStress) [CAP_SYS_ADMIN] => |_, u| in_out(u, stress::stress);
    /// `ALOCK_IOC_MRLOCK`: h-out-of-k stress run.
    ALOCK_IOC_MRLOCK = RW(0x04, AlockMrlock) [CAP_SYS_ADMIN] => |_, u| in_out(u, mrstress::run);
    /// `ALOCK_IOC_TXN`: lock-manager transactions.
    ALOCK_IOC_TXN = RW(0x05, AlockTxn) [CAP_SYS_ADMIN] => |_, u| in_out(u, txn::run);
    /// `ALOCK_IOC_RWSTRESS`: reader-writer stress run.
    ALOCK_IOC_RWSTRESS = RW(0x06, AlockRwstress) [CAP_SYS_ADMIN] => |_, u| in_out(u, rw::stress);
    /// `ALOCK_IOC_RWWAKE`: prwlock wake-up latency.
    ALOCK_IOC_RWWAKE = RW(0x07, AlockRwwake) [CAP_SYS_ADMIN] => |_, u| in_out(u, rw::wake);
    /// `ALOCK_IOC_RWCOST`: cost of read lock+unlock pairs.
    ALOCK_IOC_RWCOST = RW(0x08, AlockRwcost) [CAP_SYS_ADMIN] => |_, u| in_out(u, rw::cost);
    /// `ALOCK_IOC_CLUSTER_JOIN`: join the RDMA cluster.
    ALOCK_IOC_CLUSTER_JOIN = W(0x09, AlockClusterJoin) [CAP_NET_ADMIN]
        => |f, u| chardev::cluster::join(f, &u.reader().read()?);
    /// `ALOCK_IOC_CLUSTER_LEAVE`: leave it.
    ALOCK_IOC_CLUSTER_LEAVE = N(0x0a) [CAP_NET_ADMIN] => |f, _| chardev::cluster::leave(f);
    /// `ALOCK_IOC_CLUSTER_STATUS`: the cluster and its peers.
    ALOCK_IOC_CLUSTER_STATUS = RW(0x0b, AlockClusterStatus)
        => |_, u| in_out(u, chardev::cluster::status);
    /// `ALOCK_IOC_RDMA_OP`: one verb, synchronously.
    ALOCK_IOC_RDMA_OP = RW(0x0c, AlockRdmaOp) [CAP_NET_ADMIN] => |_, u| in_out(u, rdma::op);
    /// `ALOCK_IOC_RDMA_STRESS`: contended remote increments.
    ALOCK_IOC_RDMA_STRESS = RW(0x0d, AlockRdmaStress) [CAP_NET_ADMIN]
        => |_, u| in_out(u, rdma::stress);
    /// `ALOCK_IOC_RDMA_BENCH`: verb latency and throughput.
    ALOCK_IOC_RDMA_BENCH = RW(0x0e, AlockRdmaBench) [CAP_NET_ADMIN]
        => |_, u| in_out(u, rdma::bench);
    /// `ALOCK_IOC_TABLE`: create, destroy or sum the lock table.
    ALOCK_IOC_TABLE = RW(0x0f, AlockTableCtl) => |f, u| in_out(u, |a| chardev::table::ctl(f, a));
    /// `ALOCK_IOC_DLOCK_RUN`: lock-table workload.
    ALOCK_IOC_DLOCK_RUN = RW(0x10, AlockDlockRun) [CAP_SYS_ADMIN] => |_, u| in_out(u, dlock::run);
    /// `ALOCK_IOC_DLOCK_LOCK`: lock a key for the file.
    ALOCK_IOC_DLOCK_LOCK = RW(0x11, AlockDlockKey) => |f, u| in_out(u, |a| f.dl.ioctl(a, true));
    /// `ALOCK_IOC_DLOCK_UNLOCK`: unlock a key the file holds.
    ALOCK_IOC_DLOCK_UNLOCK = RW(0x12, AlockDlockKey)
        => |f, u| in_out(u, |a| f.dl.ioctl(a, false));
    /// `ALOCK_IOC_MM`: prwlock as the caller's mmap_lock.
    ALOCK_IOC_MM = RW(0x13, AlockMmCtl) => |_, u| in_out(u, chardev::mm::ctl);
}
