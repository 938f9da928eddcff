// SPDX-License-Identifier: GPL-2.0

//! `/dev/alock`: the device, the state of an open file, and what its
//! commands share (copying a structure in and out, `ALOCK_IOC_VERSION`,
//! `ALOCK_IOC_ABI`).
//!
//! A front end: it reads and writes the uapi structures
//! (`include/uapi/linux/alock.h`) and turns them into the kernel-side
//! configuration of the layers below.  The commands themselves (number,
//! argument type and handler of each) are one list, in
//! [`crate::harness`], which lives above the harness it dispatches to; the
//! crate root gives that list to [`AlockDevice`] as its [`Commands`]
//! parameter, so this module never imports the harness.
//!
//! * [`table`]: `ALOCK_IOC_TABLE` (uapi -> [`crate::dlock::Config`]) and
//!   the lock-table keys an open file holds.
//! * [`cluster`]: `ALOCK_IOC_CLUSTER_*` (uapi -> [`crate::rdma::Config`],
//!   [`crate::rdma::Status`] -> uapi).
//! * [`mm`]: `ALOCK_IOC_MM`, the uapi side of [`crate::hooks::mm`].

pub mod cluster;
pub mod mm;
pub mod table;

use core::marker::PhantomData;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{
    bindings, ioctl,
    prelude::*,
    types::{AsBytes, FromBytes},
    uaccess::{UserPtr, UserSlice},
};

use crate::support::miscdev::MiscDevice;
use crate::uapi::*;

/// Version string reported by `ALOCK_IOC_VERSION`.
const MODULE_VERSION: &str = "0.1.0";

/// The command list the device serves.
pub trait Commands: 'static {
    /// Runs command `cmd` for `file`; `user` spans the command's argument
    /// (`_IOC_SIZE(cmd)` bytes).  Unknown commands return `ENOTTY`.
    fn dispatch(file: &OpenFile, cmd: u32, user: UserSlice) -> Result;
}

/// Runs an in/out command: reads its structure, runs `f` on it and writes
/// it back, also when a signal cut the run short (`EINTR`: the partial
/// results are reported).
pub fn in_out<T: FromBytes + AsBytes>(user: UserSlice, f: impl FnOnce(&mut T) -> Result) -> Result {
    let (mut r, mut w) = user.reader_writer();
    let mut arg: T = r.read()?;
    let ret = f(&mut arg);
    if ret.is_ok() || ret == Err(EINTR) {
        w.write(&arg)?;
    }
    ret
}

/// `ALOCK_IOC_VERSION`: the ABI version, the module's version and what it
/// offers (`nr_locks` stress lock ids, `nr_tests` self-tests).
pub fn version(user: UserSlice, nr_locks: u32, nr_tests: u32) -> Result {
    let mut v = AlockVersion {
        abi_version: ALOCK_ABI_VERSION,
        // SAFETY: No preconditions.
        nr_cpus: unsafe { bindings::num_online_cpus() },
        nr_locks,
        nr_tests,
        features: if cfg!(CONFIG_PROVE_LOCKING) {
            u64::from(ALOCK_FEAT_LOCKDEP)
        } else {
            0
        },
        ..Default::default()
    };
    fill_name(&mut v.module_version, MODULE_VERSION.as_bytes());
    user.writer().write(&v)
}

/// `ALOCK_IOC_ABI`: copies out the command table `table`.
pub fn abi(user: UserSlice, table: &[AlockAbiEntry]) -> Result {
    let (mut r, mut w) = user.reader_writer();
    let mut q: AlockAbi = r.read()?;
    if q.entry_size as usize != core::mem::size_of::<AlockAbiEntry>()
        || q.nr_entries > ALOCK_ABI_MAX_ENTRIES
    {
        return Err(EINVAL);
    }
    let n = core::cmp::min(q.nr_entries as usize, table.len());
    let mut out = UserSlice::new(
        q.entries as UserPtr,
        n * core::mem::size_of::<AlockAbiEntry>(),
    )
    .writer();
    for e in table.iter().take(n) {
        out.write(e)?;
    }
    q.nr_entries = table.len() as u32;
    w.write(&q)
}

/// State of one open `/dev/alock` file.
pub struct OpenFile {
    /// Number of ioctls served on this file (for debugging).
    calls: AtomicU64,
    /// Lock-table keys held through this file (released when it closes).
    pub dl: table::UserLocks,
}

/// The `/dev/alock` device, serving the commands of `C`.
pub struct AlockDevice<C: Commands>(PhantomData<C>);

impl<C: Commands> MiscDevice for AlockDevice<C> {
    type Ptr = KBox<OpenFile>;

    fn open() -> Result<KBox<OpenFile>> {
        Ok(KBox::new(
            OpenFile {
                calls: AtomicU64::new(0),
                dl: table::UserLocks::new(),
            },
            GFP_KERNEL,
        )?)
    }

    fn ioctl(file: &OpenFile, cmd: u32, arg: usize) -> Result<isize> {
        file.calls.fetch_add(1, Ordering::Relaxed);
        let user = UserSlice::new(arg as UserPtr, ioctl::_IOC_SIZE(cmd));
        C::dispatch(file, cmd, user)?;
        Ok(0)
    }
}
