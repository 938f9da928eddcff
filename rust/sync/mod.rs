// SPDX-License-Identifier: GPL-2.0

//! The module's locks, one algorithm per file (prwlock: one folder).
//! Algorithms only: no uapi, no front end; the front ends ([`crate::capi`],
//! [`crate::chardev`], [`crate::hooks`]) and the tests ([`crate::harness`])
//! sit above and call into these.
//!
//! # Index: lock -> files, C API, front ends, tests, docs
//!
//! Paths are from the repository root.  "Guest tests" are run by
//! `tests/guest/run.sh` through `tests/guest/alocktest.c` and
//! `tools/alockctl`.
//!
//! * [`lock`] (`rust/sync/lock.rs`): the generic spinning [`lock::Lock`]
//!   with guards and the [`lock::Backend`] trait the queue locks implement;
//!   also `class_key_ptr()`, used by every lock's init.  C API, front end:
//!   those of the queue locks.  Tests: `rust/harness/stress.rs`,
//!   `selftest.rs`.  Docs: `Documentation/queue-locks.rst`.
//! * [`ticket`] (`rust/sync/ticket.rs`): ticket lock (FIFO baseline; its
//!   raw form is [`brlock`]'s per-CPU lock).  C API: `alock_ticket_*()` of
//!   `include/linux/alock.h`, in `rust/capi/queue.rs` + `exports.c`.  Front
//!   ends: `ALOCK_IOC_STRESS` (`rust/chardev/mod.rs`), the C API.  Tests:
//!   `rust/harness/stress.rs`, `selftest.rs` (`queue_lock_try`),
//!   `tests/kmod/alock_ctest.c`.  Docs: `Documentation/queue-locks.rst`.
//! * [`mcs`] (`rust/sync/mcs.rs`): MCS queue lock, with its per-CPU node
//!   pool set up at module init (`rust/alock_main.rs`).  C API:
//!   `alock_mcs_*()`, as for ticket.  Front ends, tests, docs: as for
//!   ticket.
//! * [`abql`] (`rust/sync/abql.rs`): Anderson's array-based queue lock.
//!   C API: `alock_abql_*()`, as for ticket.  Front ends, tests, docs: as
//!   for ticket.
//! * [`mrlock`] (`rust/sync/mrlock.rs`): multi-resource lock (h-out-of-k),
//!   its bitset partner and the adaptive scheme.  C API: `alock_mrlock_*()`
//!   of `include/linux/alock.h`, in `rust/capi/queue.rs` + `exports.c`.
//!   Front ends: `ALOCK_IOC_MRLOCK`, the C API.  Tests:
//!   `rust/harness/mrstress.rs`, `selftest.rs` (`mrlock_semantics`,
//!   `mrstress_detects_overlap`), `tests/kmod/alock_ctest.c`.  Docs:
//!   `Documentation/mrlock.rst`.
//! * [`prwlock`] (`rust/sync/prwlock/`: `mod.rs` the safe Rust API,
//!   `state.rs` the lock's memory and its layout check, `raw.rs` the
//!   writer and the writer's half of the memory-ordering argument,
//!   `consensus.rs` the consensus, its idle and domain skips and the
//!   bounded drain with their part of it, `reader.rs` the read slow
//!   paths, `fast.c` the C read fast paths and the reader's half,
//!   `exports.c`, `glue.h`): passive reader-writer lock.  C API:
//!   `include/linux/prwlock.h` (defined in `fast.c` and `raw.rs`, exported
//!   from `fast.c` and `exports.c`).  Front ends:
//!   `rust/hooks/prwlock_mm.c` with `mm.rs` (mmap_lock provider, patch
//!   0004; ioctl `ALOCK_IOC_MM` in `rust/chardev/mm.rs`),
//!   `rust/hooks/prwlock_torture.c` (locktorture, patch 0003),
//!   `ALOCK_IOC_RWSTRESS`, `_RWWAKE`, `_RWCOST`; the kernel side of its
//!   readers is patch 0002.  Tests: `rust/harness/rw.rs` with
//!   `rw_baselines.c`, `selftest.rs` and `selftest_prw.rs` (`prwlock_*`),
//!   `prw_irq.c`, `tests/kmod/alock_ctest.c`, `tests/guest/mmtest.c`,
//!   `mm_optin.c`, `uffdtest.c`, `foreigntest.c`, locktorture and CPU
//!   hotplug in `tests/guest/run.sh`; the memory-ordering models in
//!   `tools/prwlock-model/` and `Documentation/litmus/`.
//!   Docs: `Documentation/prwlock.rst`, `Documentation/prwlock-mm.rst`; the
//!   map of its files is in [`prwlock`]'s own documentation.
//! * [`brlock`] (`rust/sync/brlock.rs`): big-reader lock (per-CPU ticket
//!   locks), prwlock's baseline.  No C API.  Front end:
//!   `ALOCK_IOC_RWSTRESS`.  Tests: `rust/harness/rw.rs`.  Docs:
//!   `Documentation/prwlock.rst`, `Documentation/benchmarks.rst`.
//! * [`lockmgr`] (`rust/sync/lockmgr/`): picotm-style lock manager
//!   (`record.rs` record reader/writer lock words, `txn.rs` transactions,
//!   `irrevocable.rs` exclusive mode, `queue.rs` waiting queues with
//!   wait-die, `wake.rs` killable sleeps and batched wake-ups).  No C API.  Front end: `ALOCK_IOC_TXN`.  Tests:
//!   `rust/harness/txn.rs`.  Docs: `Documentation/lockmgr.rst`.
//!
//! The distributed lock table (ALock over RDMA and its competitors) is not
//! here but in [`crate::dlock`], above the transport of [`crate::rdma`].

pub mod abql;
pub mod brlock;
pub mod lock;
pub mod lockmgr;
pub mod mcs;
pub mod mrlock;
pub mod prwlock;
pub mod ticket;
