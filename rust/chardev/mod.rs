// SPDX-License-Identifier: GPL-2.0

//! `/dev/alock`: the open-file state and the ioctl dispatch of
//! `include/uapi/linux/alock.h`.
//!
//! A front end: it reads the uapi structures and hands the work to the
//! harness ([`crate::harness`]) or, for the cluster and the lock table, to
//! the layers below.

mod cluster;

use kernel::{
    bindings, ioctl,
    prelude::*,
    types::{AsBytes, FromBytes},
    uaccess::{UserPtr, UserSlice},
};

use crate::harness::{self, mrstress, rw as rwstress, selftest, stress, txn};
use crate::hooks::mm;
use crate::support::miscdev::MiscDevice;
use crate::uapi::*;
use crate::{capi, dlock};

/// Version string reported by `ALOCK_IOC_VERSION`.
const MODULE_VERSION: &str = "0.1.0";

/// Runs an in/out command: reads its structure, runs `f` on it and writes
/// it back, also when a signal cut the run short (`EINTR`: the partial
/// results are reported).
fn in_out<T: FromBytes + AsBytes>(user: UserSlice, f: impl FnOnce(&mut T) -> Result) -> Result {
    let (mut r, mut w) = user.reader_writer();
    let mut arg: T = r.read()?;
    let ret = f(&mut arg);
    if ret.is_ok() || ret == Err(EINTR) {
        w.write(&arg)?;
    }
    ret
}

/// State of one open `/dev/alock` file.
pub struct OpenFile {
    /// Number of ioctls served on this file (for debugging).
    calls: core::sync::atomic::AtomicU64,
    /// Lock-table keys held through this file (released when it closes).
    dl: capi::dlock::UserLocks,
}

/// The `/dev/alock` device.
pub struct AlockDevice;

impl MiscDevice for AlockDevice {
    type Ptr = KBox<OpenFile>;

    fn open() -> Result<KBox<OpenFile>> {
        Ok(KBox::new(
            OpenFile {
                calls: core::sync::atomic::AtomicU64::new(0),
                dl: capi::dlock::UserLocks::new(),
            },
            GFP_KERNEL,
        )?)
    }

    fn ioctl(file: &OpenFile, cmd: u32, arg: usize) -> Result<isize> {
        file.calls
            .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        let user = UserSlice::new(arg as UserPtr, ioctl::_IOC_SIZE(cmd));
        match cmd {
            ALOCK_IOC_VERSION => {
                let mut v = AlockVersion {
                    abi_version: ALOCK_ABI_VERSION,
                    // SAFETY: No preconditions.
                    nr_cpus: unsafe { bindings::num_online_cpus() },
                    nr_locks: stress::NR_LOCKS,
                    nr_tests: selftest::TESTS.len() as u32,
                    features: if cfg!(CONFIG_PROVE_LOCKING) {
                        ALOCK_FEAT_LOCKDEP
                    } else {
                        0
                    },
                    ..Default::default()
                };
                fill_name(&mut v.module_version, MODULE_VERSION.as_bytes());
                user.writer().write(&v)?;
            }
            ALOCK_IOC_ABI => {
                let (mut r, mut w) = user.reader_writer();
                let mut q: AlockAbi = r.read()?;
                if q.entry_size as usize != core::mem::size_of::<AlockAbiEntry>()
                    || q.nr_entries > ALOCK_ABI_MAX_ENTRIES
                {
                    return Err(EINVAL);
                }
                let n = core::cmp::min(q.nr_entries as usize, ABI_TABLE.len());
                let mut out = UserSlice::new(
                    q.entries as UserPtr,
                    n * core::mem::size_of::<AlockAbiEntry>(),
                )
                .writer();
                for e in ABI_TABLE.iter().take(n) {
                    out.write(e)?;
                }
                q.nr_entries = ABI_TABLE.len() as u32;
                w.write(&q)?;
            }
            ALOCK_IOC_SELFTEST => in_out(user, selftest::run)?,
            ALOCK_IOC_STRESS => in_out(user, stress::stress)?,
            ALOCK_IOC_MRLOCK => in_out(user, mrstress::run)?,
            ALOCK_IOC_TXN => in_out(user, txn::run)?,
            ALOCK_IOC_RWSTRESS => in_out(user, rwstress::stress)?,
            ALOCK_IOC_RWWAKE => in_out(user, rwstress::wake)?,
            ALOCK_IOC_RWCOST => in_out(user, rwstress::cost)?,
            ALOCK_IOC_CLUSTER_JOIN => cluster::join(&user.reader().read()?)?,
            ALOCK_IOC_CLUSTER_LEAVE => cluster::leave()?,
            ALOCK_IOC_CLUSTER_STATUS => in_out(user, cluster::status)?,
            ALOCK_IOC_RDMA_OP => in_out(user, harness::rdma::op)?,
            ALOCK_IOC_RDMA_STRESS => in_out(user, harness::rdma::stress)?,
            ALOCK_IOC_RDMA_BENCH => in_out(user, harness::rdma::bench)?,
            ALOCK_IOC_TABLE => in_out(user, dlock::table::ctl)?,
            ALOCK_IOC_DLOCK_RUN => in_out(user, harness::dlock::run)?,
            ALOCK_IOC_DLOCK_LOCK => in_out(user, |a| file.dl.ioctl(a, true))?,
            ALOCK_IOC_DLOCK_UNLOCK => in_out(user, |a| file.dl.ioctl(a, false))?,
            ALOCK_IOC_MM => in_out(user, mm::ctl)?,
            _ => return Err(ENOTTY),
        }
        Ok(0)
    }
}
