// SPDX-License-Identifier: GPL-2.0

//! The `/dev/alock` ioctl ABI, mirrored from `include/uapi/linux/alock.h`.
//!
//! The structures are `#[repr(C)]` copies of the header's; their sizes are
//! checked at compile time below, and the command encodings are checked at
//! run time by the guest test `tests/guest/alocktest.c` (`abi`), which
//! compares the header's macros with the table the module returns for
//! `ALOCK_IOC_ABI` (built from the constants here).

use kernel::ioctl::{_IO, _IOR, _IOW, _IOWR};
use kernel::types::{AsBytes, FromBytes};

/// ABI version implemented by this module (`ALOCK_ABI_VERSION`).
pub const ALOCK_ABI_VERSION: u32 = 5;
/// ioctl type byte (`ALOCK_IOC_MAGIC`).
pub const ALOCK_IOC_MAGIC: u32 = 0xA1;

/// `struct alock_version`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockVersion {
    /// `ALOCK_ABI_VERSION` of the module.
    pub abi_version: u32,
    /// Online CPUs.
    pub nr_cpus: u32,
    /// Number of lock ids for `ALOCK_IOC_STRESS`.
    pub nr_locks: u32,
    /// Number of self-test ids for `ALOCK_IOC_SELFTEST`.
    pub nr_tests: u32,
    /// `ALOCK_FEAT_*` bits.
    pub features: u64,
    /// NUL-terminated module version.
    pub module_version: [u8; 32],
}

/// The kernel has lockdep (`ALOCK_FEAT_LOCKDEP`).
pub const ALOCK_FEAT_LOCKDEP: u64 = 1 << 0;

/// `struct alock_abi_entry`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockAbiEntry {
    /// Full command number.
    pub cmd: u32,
    /// Size of the argument structure.
    pub arg_size: u32,
}

/// `struct alock_abi`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockAbi {
    /// User pointer to `struct alock_abi_entry[nr_entries]`.
    pub entries: u64,
    /// In: capacity; out: number of commands.
    pub nr_entries: u32,
    /// Must be `size_of::<AlockAbiEntry>()`.
    pub entry_size: u32,
}

/// Largest capacity accepted in `AlockAbi::nr_entries`.
pub const ALOCK_ABI_MAX_ENTRIES: u32 = 256;

/// `struct alock_selftest`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct AlockSelftest {
    /// Test id, 1-based.
    pub test: u32,
    /// Must be 0.
    pub flags: u32,
    /// Out: 0 or a negative errno.
    pub result: i32,
    /// Out: number of checks made.
    pub checks: u32,
    /// Out: NUL-terminated test name.
    pub name: [u8; 48],
}

/// `enum alock_lock_id`: stock `spinlock_t`.
pub const ALOCK_LOCK_SPINLOCK: u32 = 1;
/// `enum alock_lock_id`: stock `struct mutex`.
pub const ALOCK_LOCK_MUTEX: u32 = 2;
/// `enum alock_lock_id`: ticket spinlock.
pub const ALOCK_LOCK_TICKET: u32 = 3;
/// `enum alock_lock_id`: MCS queue lock.
pub const ALOCK_LOCK_MCS: u32 = 4;
/// `enum alock_lock_id`: Anderson's array-based queue lock.
pub const ALOCK_LOCK_ABQL: u32 = 5;
/// Most ABQL slots a stress run may ask for.
pub const ALOCK_ABQL_MAX_SLOTS: u32 = 4096;

/// Stress threads are not bound to CPUs.
pub const ALOCK_STRESS_UNBOUND: u32 = 1 << 0;
/// All valid `AlockStress::flags` bits.
pub const ALOCK_STRESS_FLAGS: u32 = ALOCK_STRESS_UNBOUND;
/// Most stress threads per run.
pub const ALOCK_STRESS_MAX_THREADS: u32 = 256;
/// Longest stress run in milliseconds.
pub const ALOCK_STRESS_MAX_MS: u32 = 600_000;
/// Most busy-wait iterations inside a critical section.
pub const ALOCK_STRESS_MAX_CS_SPINS: u32 = 100_000;

/// `struct alock_stress`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockStress {
    /// Lock id.
    pub lock: u32,
    /// Number of kernel threads.
    pub threads: u32,
    /// Duration in milliseconds.
    pub duration_ms: u32,
    /// `ALOCK_STRESS_*` bits.
    pub flags: u32,
    /// Spins inside each critical section.
    pub cs_spins: u32,
    /// Lock-specific parameter (ABQL: slots), else 0.
    pub lock_param: u32,
    /// Out: critical sections completed.
    pub ops: u64,
    /// Out: mutual-exclusion violations.
    pub errors: u64,
    /// Out: wall time in nanoseconds.
    pub elapsed_ns: u64,
    /// Out: fewest critical sections of one thread.
    pub min_thread_ops: u64,
    /// Out: most critical sections of one thread.
    pub max_thread_ops: u64,
    /// Out: hand-offs checked against queue order.
    pub order_checks: u64,
    /// Out: hand-offs that broke queue order.
    pub order_errors: u64,
}

/// `enum alock_mr_lock_id`: multi-resource lock.
pub const ALOCK_MR_MRLOCK: u32 = 1;
/// `enum alock_mr_lock_id`: adaptive bitset/MRLock scheme.
pub const ALOCK_MR_ADAPTIVE: u32 = 2;
/// `enum alock_mr_lock_id`: two-phase locking with ordered spinlocks.
pub const ALOCK_MR_2PL: u32 = 3;
/// `enum alock_mr_lock_id`: one global spinlock.
pub const ALOCK_MR_GLOBAL: u32 = 4;
/// `enum alock_mr_lock_id`: CAS on one bitset word.
pub const ALOCK_MR_BITSET: u32 = 5;
/// Largest k.
pub const ALOCK_MR_MAX_RESOURCES: u32 = 64;
/// Largest MRLock ring.
pub const ALOCK_MR_MAX_QUEUE: u32 = 4096;

/// `struct alock_mrlock`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockMrlock {
    /// `enum alock_mr_lock_id`.
    pub lock: u32,
    /// Number of kernel threads.
    pub threads: u32,
    /// Duration in milliseconds.
    pub duration_ms: u32,
    /// `ALOCK_STRESS_UNBOUND` or 0.
    pub flags: u32,
    /// k.
    pub resources: u32,
    /// Smallest h.
    pub min_request: u32,
    /// Largest h.
    pub max_request: u32,
    /// Spins while holding.
    pub cs_spins: u32,
    /// Ring cells (0: chosen).
    pub queue_size: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Random seed (0: default).
    pub seed: u64,
    /// Out: requests granted.
    pub ops: u64,
    /// Out: violations.
    pub errors: u64,
    /// Out: grants checked against queue order.
    pub order_checks: u64,
    /// Out: grants that broke queue order.
    pub order_errors: u64,
    /// Out: wall time in nanoseconds.
    pub elapsed_ns: u64,
    /// Out: fewest requests of one thread.
    pub min_thread_ops: u64,
    /// Out: most requests of one thread.
    pub max_thread_ops: u64,
    /// Out: adaptive mode switches.
    pub mode_switches: u64,
}

/// `enum alock_txn_mode`: restart on conflict.
pub const ALOCK_TXN_RESTART: u32 = 1;
/// `enum alock_txn_mode`: restart, exclusive mode after N restarts.
pub const ALOCK_TXN_EXCLUSIVE: u32 = 2;
/// `enum alock_txn_mode`: wait in a queue, exclusive mode after N restarts.
pub const ALOCK_TXN_WAIT: u32 = 3;
/// Most records in the table.
pub const ALOCK_TXN_MAX_RECORDS: u32 = 65536;
/// Most records per transaction.
pub const ALOCK_TXN_MAX_TX_RECORDS: u32 = 16;
/// Largest `exclusive_after`.
pub const ALOCK_TXN_MAX_EXCLUSIVE_AFTER: u32 = 1000;
/// Longest wait in microseconds.
pub const ALOCK_TXN_MAX_WAIT_US: u32 = 1_000_000;

/// `struct alock_txn`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockTxn {
    /// `enum alock_txn_mode`.
    pub mode: u32,
    /// Number of kernel threads.
    pub threads: u32,
    /// Duration in milliseconds.
    pub duration_ms: u32,
    /// `ALOCK_STRESS_UNBOUND` or 0.
    pub flags: u32,
    /// Records (accounts) in the table.
    pub records: u32,
    /// Records per transaction.
    pub tx_records: u32,
    /// Percentage of read-only transactions.
    pub read_pct: u32,
    /// Restarts before exclusive mode (0: 10).
    pub exclusive_after: u32,
    /// Longest wait in microseconds (0: 1000).
    pub wait_timeout_us: u32,
    /// Spins while holding the records.
    pub cs_spins: u32,
    /// Random seed (0: default).
    pub seed: u64,
    /// Out: commits.
    pub commits: u64,
    /// Out: restarts.
    pub restarts: u64,
    /// Out: waits in a waiting queue.
    pub waits: u64,
    /// Out: waits that timed out.
    pub timeouts: u64,
    /// Out: commits in exclusive mode.
    pub exclusive: u64,
    /// Out: most restarts of one transaction.
    pub max_restarts: u64,
    /// Out: violations.
    pub errors: u64,
    /// Out: wall time in nanoseconds.
    pub elapsed_ns: u64,
}

/// `enum alock_rw_lock_id`: prwlock.
pub const ALOCK_RW_PRWLOCK: u32 = 1;
/// `enum alock_rw_lock_id`: rw_semaphore.
pub const ALOCK_RW_RWSEM: u32 = 2;
/// `enum alock_rw_lock_id`: percpu_rw_semaphore.
pub const ALOCK_RW_PERCPU_RWSEM: u32 = 3;
/// `enum alock_rw_lock_id`: rwlock_t.
pub const ALOCK_RW_RWLOCK: u32 = 4;
/// `enum alock_rw_lock_id`: brlock.
pub const ALOCK_RW_BRLOCK: u32 = 5;
/// `enum alock_rw_lock_id`: RCU read side.
pub const ALOCK_RW_RCU: u32 = 6;
/// Threads may run anywhere.
pub const ALOCK_RW_UNBOUND: u32 = ALOCK_STRESS_UNBOUND;
/// Readers sleep inside some read sections.
pub const ALOCK_RW_SLEEP: u32 = 1 << 1;
/// Readers yield inside some read sections.
pub const ALOCK_RW_YIELD: u32 = 1 << 2;
/// prwlock: sequential wake-up.
pub const ALOCK_RW_SEQ_WAKE: u32 = 1 << 3;
/// Readers migrate inside some read sections.
pub const ALOCK_RW_MIGRATE: u32 = 1 << 4;
/// All valid `AlockRwstress::flags` bits.
pub const ALOCK_RW_FLAGS: u32 =
    ALOCK_RW_UNBOUND | ALOCK_RW_SLEEP | ALOCK_RW_YIELD | ALOCK_RW_SEQ_WAKE | ALOCK_RW_MIGRATE;
/// Longest pause between write sections.
pub const ALOCK_RW_MAX_PAUSE_US: u32 = 1_000_000;
/// Most wake-up rounds.
pub const ALOCK_RWWAKE_MAX_ROUNDS: u32 = 10_000;

/// `struct alock_rwstress`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockRwstress {
    /// `enum alock_rw_lock_id`.
    pub lock: u32,
    /// Reader threads.
    pub readers: u32,
    /// Writer threads.
    pub writers: u32,
    /// Duration in milliseconds.
    pub duration_ms: u32,
    /// `ALOCK_RW_*` flags.
    pub flags: u32,
    /// Spins inside each read section.
    pub read_spins: u32,
    /// Spins inside each write section.
    pub write_spins: u32,
    /// One read section in this many sleeps or yields.
    pub sleep_every: u32,
    /// Writers' pause between write sections, microseconds.
    pub write_pause_us: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: read sections.
    pub reads: u64,
    /// Out: write sections.
    pub writes: u64,
    /// Out: violations.
    pub errors: u64,
    /// Out: wall time in nanoseconds.
    pub elapsed_ns: u64,
    /// Out: fewest read sections of one reader.
    pub min_reader_ops: u64,
    /// Out: fewest write sections of one writer.
    pub min_writer_ops: u64,
    /// Out: read sections that slept or yielded.
    pub read_sleeps: u64,
    /// Out: read sections that ended on another CPU.
    pub migrations: u64,
    /// Out: prwlock read unlocks on the active path.
    pub active_unlocks: u64,
    /// Out: prwlock IPIs sent.
    pub ipis: u64,
    /// Out: time spent acquiring the write side.
    pub write_ns_total: u64,
    /// Out: longest write-side acquisition.
    pub write_ns_max: u64,
}

/// `struct alock_rwwake`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockRwwake {
    /// Sleeping readers per round.
    pub readers: u32,
    /// Rounds.
    pub rounds: u32,
    /// `ALOCK_RW_SEQ_WAKE` or 0.
    pub flags: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: sum of wake-up times.
    pub total_ns: u64,
    /// Out: longest wake-up time.
    pub max_ns: u64,
    /// Out: rounds with a reader in before the unlock.
    pub errors: u64,
}

/// `struct alock_rwcost`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockRwcost {
    /// `enum alock_rw_lock_id`.
    pub lock: u32,
    /// Pairs to run.
    pub iterations: u32,
    /// Out: total time in nanoseconds.
    pub ns: u64,
}

/// Most nodes in a cluster.
pub const ALOCK_CLUSTER_MAX_NODES: usize = 16;
/// Smallest exported window.
pub const ALOCK_CLUSTER_MIN_WINDOW: u32 = 4096;
/// Largest exported window.
pub const ALOCK_CLUSTER_MAX_WINDOW: u32 = 1 << 20;
/// Longest join/stress timeout.
pub const ALOCK_CLUSTER_MAX_TIMEOUT_MS: u32 = 600_000;
/// Join flag: also connect to this node itself.
pub const ALOCK_CLUSTER_LOOPBACK: u32 = 1 << 0;
/// All valid join flags.
pub const ALOCK_CLUSTER_FLAGS: u32 = ALOCK_CLUSTER_LOOPBACK;
/// Status flag: probe every peer first.
pub const ALOCK_STATUS_PROBE: u32 = 1 << 0;

/// `struct alock_node_addr`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockNodeAddr {
    /// `AF_INET` or `AF_INET6`.
    pub family: u16,
    /// Port, host byte order.
    pub port: u16,
    /// Must be 0.
    pub reserved: u32,
    /// Address, network byte order.
    pub addr: [u8; 16],
}

/// `struct alock_cluster_join`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockClusterJoin {
    /// This node.
    pub node_id: u32,
    /// Nodes in the cluster.
    pub nr_nodes: u32,
    /// Bytes exported.
    pub window_size: u32,
    /// `ALOCK_CLUSTER_*`.
    pub flags: u32,
    /// Wait for every peer this long.
    pub timeout_ms: u32,
    /// Longest wait for one verb (0: default).
    pub op_timeout_ms: u32,
    /// Must be 0.
    pub reserved: [u32; 2],
    /// Every node's address.
    pub nodes: [AlockNodeAddr; ALOCK_CLUSTER_MAX_NODES],
}

/// `enum alock_peer_state`: no connection.
pub const ALOCK_PEER_NONE: u32 = 0;
/// Being set up.
pub const ALOCK_PEER_CONNECTING: u32 = 1;
/// Usable.
pub const ALOCK_PEER_UP: u32 = 2;
/// Lost and torn down.
pub const ALOCK_PEER_FAILED: u32 = 3;
/// The peer left.
pub const ALOCK_PEER_CLOSED: u32 = 4;
/// This node without loopback.
pub const ALOCK_PEER_SELF: u32 = 5;

/// `struct alock_cluster_peer`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockClusterPeer {
    /// Node id.
    pub node: u32,
    /// `enum alock_peer_state`.
    pub state: u32,
    /// Verbs completed.
    pub ops: u64,
    /// Verbs failed.
    pub errors: u64,
    /// Why the connection went down (negative errno) or 0.
    pub last_error: i32,
    /// The peer's rkey for us.
    pub rkey: u32,
    /// Size of the peer's window.
    pub remote_len: u64,
}

/// `struct alock_cluster_status`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct AlockClusterStatus {
    /// In: `ALOCK_STATUS_PROBE` or 0.
    pub flags: u32,
    /// Out: 1 while joined.
    pub joined: u32,
    /// Out: this node.
    pub node_id: u32,
    /// Out: nodes.
    pub nr_nodes: u32,
    /// Out: bytes exported.
    pub window_size: u32,
    /// Out: RDMA devices seen.
    pub nr_devices: u32,
    /// Out: join flags.
    pub cluster_flags: u32,
    /// Out: connections up.
    pub nr_up: u32,
    /// Out: device name.
    pub device: [u8; 64],
    /// Out: per node.
    pub peers: [AlockClusterPeer; ALOCK_CLUSTER_MAX_NODES],
}

/// `enum alock_rdma_verb`: RDMA READ.
pub const ALOCK_RDMA_READ: u32 = 1;
/// RDMA WRITE.
pub const ALOCK_RDMA_WRITE: u32 = 2;
/// Atomic compare-and-swap.
pub const ALOCK_RDMA_CAS: u32 = 3;
/// Atomic fetch-and-add.
pub const ALOCK_RDMA_FAA: u32 = 4;
/// Copy from the local window to user space.
pub const ALOCK_RDMA_LOCAL_READ: u32 = 5;
/// Copy from user space into the local window.
pub const ALOCK_RDMA_LOCAL_WRITE: u32 = 6;
/// Bench flag: waiters spin between polls instead of yielding.
pub const ALOCK_RDMA_BENCH_SPIN: u32 = 1 << 0;
/// Most threads of a stress or bench run.
pub const ALOCK_RDMA_MAX_THREADS: u32 = 64;

/// `struct alock_rdma_op`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockRdmaOp {
    /// Target node.
    pub node: u32,
    /// `enum alock_rdma_verb`.
    pub verb: u32,
    /// Offset in the target's window.
    pub remote_off: u64,
    /// Offset in the local window.
    pub local_off: u64,
    /// Bytes.
    pub len: u32,
    /// Must be 0.
    pub flags: u32,
    /// CAS expected value, FAA addend.
    pub compare_add: u64,
    /// CAS new value.
    pub swap: u64,
    /// User buffer (LOCAL verbs).
    pub data: u64,
    /// Out: previous value (atomics).
    pub result: u64,
    /// Out: latency.
    pub latency_ns: u64,
}

/// `struct alock_rdma_stress`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockRdmaStress {
    /// Node holding the counter.
    pub node: u32,
    /// CAS or FAA.
    pub verb: u32,
    /// Offset of the counter.
    pub remote_off: u64,
    /// Threads.
    pub threads: u32,
    /// Increments per thread.
    pub increments: u32,
    /// Give up after.
    pub timeout_ms: u32,
    /// Must be 0.
    pub flags: u32,
    /// Out: increments made.
    pub done: u64,
    /// Out: verbs posted.
    pub attempts: u64,
    /// Out: failed compares.
    pub cas_misses: u64,
    /// Out: failed verbs.
    pub errors: u64,
    /// Out: first failure.
    pub first_error: i32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: wall time.
    pub elapsed_ns: u64,
}

/// `struct alock_rdma_bench`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockRdmaBench {
    /// Target node.
    pub node: u32,
    /// Verb.
    pub verb: u32,
    /// Bytes.
    pub len: u32,
    /// Threads.
    pub threads: u32,
    /// Duration.
    pub duration_ms: u32,
    /// Must be 0.
    pub flags: u32,
    /// Out: verbs completed.
    pub ops: u64,
    /// Out: verbs failed.
    pub errors: u64,
    /// Out: wall time.
    pub elapsed_ns: u64,
    /// Out: fastest verb.
    pub lat_min_ns: u64,
    /// Out: median.
    pub lat_median_ns: u64,
    /// Out: 99th percentile.
    pub lat_p99_ns: u64,
    /// Out: slowest.
    pub lat_max_ns: u64,
}

// SAFETY: Plain old data: integers and byte arrays without padding (checked
// by the size assertions below), so every byte pattern is valid and every
// byte is initialised.
unsafe impl FromBytes for AlockClusterJoin {}
// SAFETY: See above.
unsafe impl AsBytes for AlockClusterJoin {}
// SAFETY: See above.
unsafe impl FromBytes for AlockClusterStatus {}
// SAFETY: See above.
unsafe impl AsBytes for AlockClusterStatus {}
// SAFETY: See above.
unsafe impl FromBytes for AlockRdmaOp {}
// SAFETY: See above.
unsafe impl AsBytes for AlockRdmaOp {}
// SAFETY: See above.
unsafe impl FromBytes for AlockRdmaStress {}
// SAFETY: See above.
unsafe impl AsBytes for AlockRdmaStress {}
// SAFETY: See above.
unsafe impl FromBytes for AlockRdmaBench {}
// SAFETY: See above.
unsafe impl AsBytes for AlockRdmaBench {}

const _: () = assert!(core::mem::size_of::<AlockNodeAddr>() == 24);
const _: () = assert!(core::mem::size_of::<AlockClusterJoin>() == 416);
const _: () = assert!(core::mem::size_of::<AlockClusterPeer>() == 40);
const _: () = assert!(core::mem::size_of::<AlockClusterStatus>() == 736);
const _: () = assert!(core::mem::size_of::<AlockRdmaOp>() == 72);
const _: () = assert!(core::mem::size_of::<AlockRdmaStress>() == 80);
const _: () = assert!(core::mem::size_of::<AlockRdmaBench>() == 80);

/// Most keys of the lock table.
pub const ALOCK_TABLE_MAX_KEYS: u32 = 2048;
/// Largest cohort budget.
pub const ALOCK_TABLE_MAX_BUDGET: u32 = 1000;
/// `ALOCK_IOC_TABLE` op: create.
pub const ALOCK_TABLE_CREATE: u32 = 1;
/// Destroy.
pub const ALOCK_TABLE_DESTROY: u32 = 2;
/// Sum the counters.
pub const ALOCK_TABLE_SUM: u32 = 3;
/// Placement by hash.
pub const ALOCK_PLACE_HASH: u32 = 0;
/// Placement by key modulo nodes.
pub const ALOCK_PLACE_MOD: u32 = 1;
/// `enum alock_dlock_id`: ALock.
pub const ALOCK_DLOCK_ALOCK: u32 = 1;
/// RDMA spin lock with loopback.
pub const ALOCK_DLOCK_SPIN_LB: u32 = 2;
/// RDMA MCS lock with loopback.
pub const ALOCK_DLOCK_MCS_LB: u32 = 3;
/// RPC lock.
pub const ALOCK_DLOCK_RPC: u32 = 4;
/// Run flag: waiters spin.
pub const ALOCK_DLOCK_SPIN: u32 = 1 << 0;

/// `struct alock_table_ctl`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockTableCtl {
    /// `ALOCK_TABLE_*`.
    pub op: u32,
    /// Keys.
    pub keys: u32,
    /// `ALOCK_PLACE_*`.
    pub placement: u32,
    /// Local cohort budget (0: default).
    pub local_budget: u32,
    /// Remote cohort budget (0: default).
    pub remote_budget: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: broken keys.
    pub broken: u32,
    /// Out: keys homed here.
    pub homed: u32,
    /// Out: sum of the local counters.
    pub counter_sum: u64,
}

/// `struct alock_dlock_run`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockDlockRun {
    /// `enum alock_dlock_id`.
    pub lock: u32,
    /// Threads.
    pub threads: u32,
    /// Duration.
    pub duration_ms: u32,
    /// Share of local operations.
    pub local_pct: u32,
    /// Keys per operation.
    pub keys_per_op: u32,
    /// Acquire timeout.
    pub timeout_ms: u32,
    /// `ALOCK_DLOCK_SPIN` or 0.
    pub flags: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Random seed.
    pub seed: u64,
    /// Out: critical sections.
    pub ops: u64,
    /// Out: local operations.
    pub local_ops: u64,
    /// Out: remote operations.
    pub remote_ops: u64,
    /// Out: owner violations.
    pub errors: u64,
    /// Out: failed acquires/releases.
    pub failures: u64,
    /// Out: first failure.
    pub first_error: i32,
    /// Out: 0.
    pub reserved2: u32,
    /// Out: counter increments.
    pub increments: u64,
    /// Out: fewest operations of one thread.
    pub min_thread_ops: u64,
    /// Out: most operations of one thread.
    pub max_thread_ops: u64,
    /// Out: wall time.
    pub elapsed_ns: u64,
    /// Out: local acquire median.
    pub local_lat_median_ns: u64,
    /// Out: local acquire p99.
    pub local_lat_p99_ns: u64,
    /// Out: remote acquire median.
    pub remote_lat_median_ns: u64,
    /// Out: remote acquire p99.
    pub remote_lat_p99_ns: u64,
}

/// `struct alock_dlock_key`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockDlockKey {
    /// Key.
    pub key: u32,
    /// Must be 0.
    pub flags: u32,
    /// Longest wait (first lock of the file).
    pub timeout_ms: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: home node.
    pub home: u32,
    /// Out: 0.
    pub reserved2: u32,
    /// Out: time taken.
    pub latency_ns: u64,
}

// SAFETY: Plain old data without padding (size assertions below).
unsafe impl FromBytes for AlockDlockKey {}
// SAFETY: See above.
unsafe impl AsBytes for AlockDlockKey {}
const _: () = assert!(core::mem::size_of::<AlockDlockKey>() == 32);

/// `ALOCK_MM_STATUS`: `struct alock_mm_ctl.op` that only reports.
pub const ALOCK_MM_STATUS: u32 = 0;
/// `ALOCK_MM_OPTIN`: `op` that makes the caller's mm use a prwlock.
pub const ALOCK_MM_OPTIN: u32 = 1;
/// `ALOCK_MM_HOLD`: `op` that holds the caller's mmap_lock a while.
pub const ALOCK_MM_HOLD: u32 = 2;
/// `ALOCK_MM_HOLD_WRITE`: HOLD the write side.
pub const ALOCK_MM_HOLD_WRITE: u32 = 1 << 0;
/// `ALOCK_MM_MAX_HOLD_MS`: longest HOLD.
pub const ALOCK_MM_MAX_HOLD_MS: u32 = 60000;

/// `struct alock_mm_ctl`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AlockMmCtl {
    /// `ALOCK_MM_*` operation.
    pub op: u32,
    /// HOLD: 0 or `ALOCK_MM_HOLD_WRITE`.
    pub flags: u32,
    /// HOLD: how long.
    pub hold_ms: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: the caller's mm uses a prwlock.
    pub opted_in: u32,
    /// Out: opted-in mms alive.
    pub nr_mms: u32,
    /// Out: writer version of the caller's prwlock.
    pub writes: u64,
    /// Out: read unlocks that took the active path.
    pub active_unlocks: u64,
    /// Out: HOLD: when the lock was taken (CLOCK_MONOTONIC).
    pub acquired_ns: u64,
    /// Out: HOLD: when it was released (CLOCK_MONOTONIC).
    pub released_ns: u64,
}

// SAFETY: Plain old data without padding (size assertion below).
unsafe impl FromBytes for AlockMmCtl {}
// SAFETY: See above.
unsafe impl AsBytes for AlockMmCtl {}
const _: () = assert!(core::mem::size_of::<AlockMmCtl>() == 56);

// SAFETY: Plain old data without padding (size assertions below).
unsafe impl FromBytes for AlockTableCtl {}
// SAFETY: See above.
unsafe impl AsBytes for AlockTableCtl {}
// SAFETY: See above.
unsafe impl FromBytes for AlockDlockRun {}
// SAFETY: See above.
unsafe impl AsBytes for AlockDlockRun {}
const _: () = assert!(core::mem::size_of::<AlockTableCtl>() == 40);
const _: () = assert!(core::mem::size_of::<AlockDlockRun>() == 152);

// SAFETY: Plain old data: integers and byte arrays without padding (checked
// by the size assertions below), so every byte pattern is valid and every
// byte is initialised.
unsafe impl FromBytes for AlockVersion {}
// SAFETY: See above.
unsafe impl AsBytes for AlockVersion {}
// SAFETY: See above.
unsafe impl FromBytes for AlockAbiEntry {}
// SAFETY: See above.
unsafe impl AsBytes for AlockAbiEntry {}
// SAFETY: See above.
unsafe impl FromBytes for AlockAbi {}
// SAFETY: See above.
unsafe impl AsBytes for AlockAbi {}
// SAFETY: See above.
unsafe impl FromBytes for AlockSelftest {}
// SAFETY: See above.
unsafe impl AsBytes for AlockSelftest {}
// SAFETY: See above.
unsafe impl FromBytes for AlockStress {}
// SAFETY: See above.
unsafe impl AsBytes for AlockStress {}
// SAFETY: See above.
unsafe impl FromBytes for AlockMrlock {}
// SAFETY: See above.
unsafe impl AsBytes for AlockMrlock {}
// SAFETY: See above.
unsafe impl FromBytes for AlockRwstress {}
// SAFETY: See above.
unsafe impl AsBytes for AlockRwstress {}
// SAFETY: See above.
unsafe impl FromBytes for AlockRwwake {}
// SAFETY: See above.
unsafe impl AsBytes for AlockRwwake {}
// SAFETY: See above.
unsafe impl FromBytes for AlockRwcost {}
// SAFETY: See above.
unsafe impl AsBytes for AlockRwcost {}
// SAFETY: See above.
unsafe impl FromBytes for AlockTxn {}
// SAFETY: See above.
unsafe impl AsBytes for AlockTxn {}

// Sizes as in the C header (no padding anywhere).
const _: () = assert!(core::mem::size_of::<AlockVersion>() == 56);
const _: () = assert!(core::mem::size_of::<AlockAbiEntry>() == 8);
const _: () = assert!(core::mem::size_of::<AlockAbi>() == 16);
const _: () = assert!(core::mem::size_of::<AlockSelftest>() == 64);
const _: () = assert!(core::mem::size_of::<AlockStress>() == 80);
const _: () = assert!(core::mem::size_of::<AlockMrlock>() == 112);
const _: () = assert!(core::mem::size_of::<AlockTxn>() == 112);
const _: () = assert!(core::mem::size_of::<AlockRwstress>() == 136);
const _: () = assert!(core::mem::size_of::<AlockRwwake>() == 40);
const _: () = assert!(core::mem::size_of::<AlockRwcost>() == 16);

/// `ALOCK_IOC_VERSION`.
pub const ALOCK_IOC_VERSION: u32 = _IOR::<AlockVersion>(ALOCK_IOC_MAGIC, 0x00);
/// `ALOCK_IOC_ABI`.
pub const ALOCK_IOC_ABI: u32 = _IOWR::<AlockAbi>(ALOCK_IOC_MAGIC, 0x01);
/// `ALOCK_IOC_SELFTEST`.
pub const ALOCK_IOC_SELFTEST: u32 = _IOWR::<AlockSelftest>(ALOCK_IOC_MAGIC, 0x02);
/// `ALOCK_IOC_STRESS`.
pub const ALOCK_IOC_STRESS: u32 = _IOWR::<AlockStress>(ALOCK_IOC_MAGIC, 0x03);
/// `ALOCK_IOC_MRLOCK`.
pub const ALOCK_IOC_MRLOCK: u32 = _IOWR::<AlockMrlock>(ALOCK_IOC_MAGIC, 0x04);
/// `ALOCK_IOC_TXN`.
pub const ALOCK_IOC_TXN: u32 = _IOWR::<AlockTxn>(ALOCK_IOC_MAGIC, 0x05);
/// `ALOCK_IOC_RWSTRESS`.
pub const ALOCK_IOC_RWSTRESS: u32 = _IOWR::<AlockRwstress>(ALOCK_IOC_MAGIC, 0x06);
/// `ALOCK_IOC_RWWAKE`.
pub const ALOCK_IOC_RWWAKE: u32 = _IOWR::<AlockRwwake>(ALOCK_IOC_MAGIC, 0x07);
/// `ALOCK_IOC_RWCOST`.
pub const ALOCK_IOC_RWCOST: u32 = _IOWR::<AlockRwcost>(ALOCK_IOC_MAGIC, 0x08);
/// `ALOCK_IOC_CLUSTER_JOIN`.
pub const ALOCK_IOC_CLUSTER_JOIN: u32 = _IOW::<AlockClusterJoin>(ALOCK_IOC_MAGIC, 0x09);
/// `ALOCK_IOC_CLUSTER_LEAVE`.
pub const ALOCK_IOC_CLUSTER_LEAVE: u32 = _IO(ALOCK_IOC_MAGIC, 0x0a);
/// `ALOCK_IOC_CLUSTER_STATUS`.
pub const ALOCK_IOC_CLUSTER_STATUS: u32 = _IOWR::<AlockClusterStatus>(ALOCK_IOC_MAGIC, 0x0b);
/// `ALOCK_IOC_RDMA_OP`.
pub const ALOCK_IOC_RDMA_OP: u32 = _IOWR::<AlockRdmaOp>(ALOCK_IOC_MAGIC, 0x0c);
/// `ALOCK_IOC_RDMA_STRESS`.
pub const ALOCK_IOC_RDMA_STRESS: u32 = _IOWR::<AlockRdmaStress>(ALOCK_IOC_MAGIC, 0x0d);
/// `ALOCK_IOC_RDMA_BENCH`.
pub const ALOCK_IOC_RDMA_BENCH: u32 = _IOWR::<AlockRdmaBench>(ALOCK_IOC_MAGIC, 0x0e);
/// `ALOCK_IOC_TABLE`.
pub const ALOCK_IOC_TABLE: u32 = _IOWR::<AlockTableCtl>(ALOCK_IOC_MAGIC, 0x0f);
/// `ALOCK_IOC_DLOCK_RUN`.
pub const ALOCK_IOC_DLOCK_RUN: u32 = _IOWR::<AlockDlockRun>(ALOCK_IOC_MAGIC, 0x10);
/// `ALOCK_IOC_DLOCK_LOCK`.
pub const ALOCK_IOC_DLOCK_LOCK: u32 = _IOWR::<AlockDlockKey>(ALOCK_IOC_MAGIC, 0x11);
/// `ALOCK_IOC_DLOCK_UNLOCK`.
pub const ALOCK_IOC_DLOCK_UNLOCK: u32 = _IOWR::<AlockDlockKey>(ALOCK_IOC_MAGIC, 0x12);
/// `ALOCK_IOC_MM`.
pub const ALOCK_IOC_MM: u32 = _IOWR::<AlockMmCtl>(ALOCK_IOC_MAGIC, 0x13);

/// Every command the module implements, for `ALOCK_IOC_ABI`.
pub const ABI_TABLE: [AlockAbiEntry; 20] = [
    AlockAbiEntry {
        cmd: ALOCK_IOC_VERSION,
        arg_size: core::mem::size_of::<AlockVersion>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_ABI,
        arg_size: core::mem::size_of::<AlockAbi>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_SELFTEST,
        arg_size: core::mem::size_of::<AlockSelftest>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_STRESS,
        arg_size: core::mem::size_of::<AlockStress>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_MRLOCK,
        arg_size: core::mem::size_of::<AlockMrlock>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_TXN,
        arg_size: core::mem::size_of::<AlockTxn>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_RWSTRESS,
        arg_size: core::mem::size_of::<AlockRwstress>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_RWWAKE,
        arg_size: core::mem::size_of::<AlockRwwake>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_RWCOST,
        arg_size: core::mem::size_of::<AlockRwcost>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_CLUSTER_JOIN,
        arg_size: core::mem::size_of::<AlockClusterJoin>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_CLUSTER_LEAVE,
        arg_size: 0,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_CLUSTER_STATUS,
        arg_size: core::mem::size_of::<AlockClusterStatus>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_RDMA_OP,
        arg_size: core::mem::size_of::<AlockRdmaOp>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_RDMA_STRESS,
        arg_size: core::mem::size_of::<AlockRdmaStress>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_RDMA_BENCH,
        arg_size: core::mem::size_of::<AlockRdmaBench>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_TABLE,
        arg_size: core::mem::size_of::<AlockTableCtl>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_DLOCK_RUN,
        arg_size: core::mem::size_of::<AlockDlockRun>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_DLOCK_LOCK,
        arg_size: core::mem::size_of::<AlockDlockKey>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_DLOCK_UNLOCK,
        arg_size: core::mem::size_of::<AlockDlockKey>() as u32,
    },
    AlockAbiEntry {
        cmd: ALOCK_IOC_MM,
        arg_size: core::mem::size_of::<AlockMmCtl>() as u32,
    },
];

/// Copies `s` into a fixed NUL-terminated buffer, truncating.
pub fn fill_name<const N: usize>(dst: &mut [u8; N], s: &[u8]) {
    let n = core::cmp::min(s.len(), N - 1);
    dst[..n].copy_from_slice(&s[..n]);
    for b in dst[n..].iter_mut() {
        *b = 0;
    }
}
