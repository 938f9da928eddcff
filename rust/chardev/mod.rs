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
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
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

/// Which open file made a node-wide object (the cluster membership, the
/// lock table): while that file stays open, only it may tear the object
/// down (`EBUSY` for others); once it is closed, any caller with the
/// command's capability may.  Module unload and device removal tear down
/// regardless.
pub struct Owner(AtomicUsize);

impl Owner {
    /// No owner.
    pub const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    /// `file` made the object.
    pub fn set(&self, file: &OpenFile) {
        self.0.store(file.id(), Ordering::Release);
    }

    /// `Ok` if `file` may tear the object down, else `EBUSY`.
    pub fn check(&self, file: &OpenFile) -> Result {
        match self.0.load(Ordering::Acquire) {
            0 => Ok(()),
            o if o == file.id() => Ok(()),
            _ => Err(EBUSY),
        }
    }

    /// The object is gone (torn down through the owner, or after it closed).
    pub fn clear(&self) {
        self.0.store(0, Ordering::Release);
    }

    /// `file` is being closed: it owns nothing any more.
    fn closed(&self, file: &OpenFile) {
        let _ = self
            .0
            .compare_exchange(file.id(), 0, Ordering::AcqRel, Ordering::Relaxed);
    }
}

impl Default for Owner {
    fn default() -> Self {
        Self::new()
    }
}

/// The file that joined the cluster.
pub static CLUSTER_OWNER: Owner = Owner::new();
/// The file that created the lock table.
pub static TABLE_OWNER: Owner = Owner::new();

/// State of one open `/dev/alock` file.
pub struct OpenFile {
    /// Number of ioctls served on this file (for debugging).
    calls: AtomicU64,
    /// Lock-table keys held through this file (released when it closes).
    pub dl: table::UserLocks,
}

impl OpenFile {
    /// This file's identity while it is open (its state's address: the
    /// state is boxed and lives until the file is released).
    pub fn id(&self) -> usize {
        self as *const Self as usize
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        CLUSTER_OWNER.closed(self);
        TABLE_OWNER.closed(self);
    }
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
