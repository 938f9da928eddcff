// SPDX-License-Identifier: GPL-2.0

//! In-kernel tests and benchmarks that user space starts through
//! `/dev/alock` (the ioctls of `include/uapi/linux/alock.h`).
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
pub mod stress;
pub mod txn;
