//! The `/dev/alock` ioctl ABI, mirrored from `include/uapi/linux/alock.h`.
//!
//! Every structure is `#[repr(C)]` with the header's field order and types;
//! `tests/abi.rs` compiles a C probe against the header and checks every
//! size, offset, constant and command number against this module, so the
//! two cannot drift.  At run time [`crate::dev::Device::open`] compares the
//! module's own command table (`ALOCK_IOC_ABI`) with [`COMMANDS`].

use std::mem::size_of;
use std::net::SocketAddr;

/// `ALOCK_ABI_VERSION`: the ABI this tool speaks.
pub const ALOCK_ABI_VERSION: u32 = 5;
/// `ALOCK_IOC_MAGIC`: the ioctl type byte of every command.
pub const ALOCK_IOC_MAGIC: u32 = 0xA1;
/// `ALOCK_DEVICE`: the character device.
pub const ALOCK_DEVICE: &str = "/dev/alock";
/// `ALOCK_FEAT_LOCKDEP`: the kernel was built with lockdep.
pub const ALOCK_FEAT_LOCKDEP: u64 = 1 << 0;
/// `ALOCK_ABI_MAX_ENTRIES`: capacity limit of an `ALOCK_IOC_ABI` query.
pub const ALOCK_ABI_MAX_ENTRIES: u32 = 256;
/// `ALOCK_ABQL_MAX_SLOTS`: most slots of Anderson's array lock.
pub const ALOCK_ABQL_MAX_SLOTS: u32 = 4096;
/// `ALOCK_STRESS_UNBOUND`: threads are not bound to a CPU.
pub const ALOCK_STRESS_UNBOUND: u32 = 1 << 0;
/// `ALOCK_STRESS_FLAGS`: every valid stress flag.
pub const ALOCK_STRESS_FLAGS: u32 = ALOCK_STRESS_UNBOUND;
/// `ALOCK_STRESS_MAX_THREADS`: most kernel threads of one run.
pub const ALOCK_STRESS_MAX_THREADS: u32 = 256;
/// `ALOCK_STRESS_MAX_MS`: longest run.
pub const ALOCK_STRESS_MAX_MS: u32 = 600_000;
/// `ALOCK_STRESS_MAX_CS_SPINS`: most busy-wait iterations in a critical section.
pub const ALOCK_STRESS_MAX_CS_SPINS: u32 = 100_000;
/// `ALOCK_MR_MAX_RESOURCES`: largest k of an h-out-of-k run.
pub const ALOCK_MR_MAX_RESOURCES: u32 = 64;
/// `ALOCK_MR_MAX_QUEUE`: largest MRLock ring.
pub const ALOCK_MR_MAX_QUEUE: u32 = 4096;
/// `ALOCK_TXN_MAX_RECORDS`: most accounts of a lock-manager run.
pub const ALOCK_TXN_MAX_RECORDS: u32 = 65536;
/// `ALOCK_TXN_MAX_TX_RECORDS`: most records one transaction touches.
pub const ALOCK_TXN_MAX_TX_RECORDS: u32 = 16;
/// `ALOCK_TXN_MAX_EXCLUSIVE_AFTER`: largest restart bound before exclusive mode.
pub const ALOCK_TXN_MAX_EXCLUSIVE_AFTER: u32 = 1000;
/// `ALOCK_TXN_MAX_WAIT_US`: longest wait in a waiting queue.
pub const ALOCK_TXN_MAX_WAIT_US: u32 = 1_000_000;
/// `ALOCK_RW_UNBOUND`: reader-writer threads may run anywhere.
pub const ALOCK_RW_UNBOUND: u32 = ALOCK_STRESS_UNBOUND;
/// `ALOCK_RW_SLEEP`: readers sleep inside one read section in `sleep_every`.
pub const ALOCK_RW_SLEEP: u32 = 1 << 1;
/// `ALOCK_RW_YIELD`: readers call `schedule()` inside one read section in `sleep_every`.
pub const ALOCK_RW_YIELD: u32 = 1 << 2;
/// `ALOCK_RW_SEQ_WAKE`: prwlock writers wake each CPU's sleeping readers themselves.
pub const ALOCK_RW_SEQ_WAKE: u32 = 1 << 3;
/// `ALOCK_RW_MIGRATE`: readers move to the next CPU inside one read
/// section in `sleep_every` (needs `ALOCK_RW_UNBOUND`).
pub const ALOCK_RW_MIGRATE: u32 = 1 << 4;
/// `ALOCK_RW_FLAGS`: every valid reader-writer flag.
pub const ALOCK_RW_FLAGS: u32 =
    ALOCK_RW_UNBOUND | ALOCK_RW_SLEEP | ALOCK_RW_YIELD | ALOCK_RW_SEQ_WAKE | ALOCK_RW_MIGRATE;
/// `ALOCK_RW_MAX_PAUSE_US`: longest pause of a writer between write sections.
pub const ALOCK_RW_MAX_PAUSE_US: u32 = 1_000_000;
/// `ALOCK_RWWAKE_MAX_ROUNDS`: most rounds of a wake-up measurement.
pub const ALOCK_RWWAKE_MAX_ROUNDS: u32 = 10000;
/// Largest `sleep_every` of `ALOCK_IOC_RWSTRESS` (the header's doc comment;
/// not a macro there).
pub const RW_MAX_SLEEP_EVERY: u32 = 1_000_000;
/// Largest `iterations` of `ALOCK_IOC_RWCOST` (the header's doc comment).
pub const RWCOST_MAX_ITERATIONS: u32 = 100_000_000;
/// `ALOCK_CLUSTER_MAX_NODES`: most nodes of an RDMA cluster.
pub const ALOCK_CLUSTER_MAX_NODES: u32 = 16;
/// `ALOCK_CLUSTER_MIN_WINDOW`: smallest window a node exports.
pub const ALOCK_CLUSTER_MIN_WINDOW: u32 = 4096;
/// `ALOCK_CLUSTER_MAX_WINDOW`: largest window a node exports.
pub const ALOCK_CLUSTER_MAX_WINDOW: u32 = 1 << 20;
/// `ALOCK_CLUSTER_MAX_TIMEOUT_MS`: longest wait for the peers of a join.
pub const ALOCK_CLUSTER_MAX_TIMEOUT_MS: u32 = 600_000;
/// `ALOCK_CLUSTER_LOOPBACK`: a join also connects the node to itself.
pub const ALOCK_CLUSTER_LOOPBACK: u32 = 1 << 0;
/// `ALOCK_CLUSTER_FLAGS`: every valid join flag.
pub const ALOCK_CLUSTER_FLAGS: u32 = ALOCK_CLUSTER_LOOPBACK;
/// `ALOCK_STATUS_PROBE`: a status query first probes every connected peer
/// with an 8-byte RDMA READ.
pub const ALOCK_STATUS_PROBE: u32 = 1 << 0;
/// `ALOCK_RDMA_MAX_THREADS`: most kernel threads of an RDMA stress or
/// bench run.
pub const ALOCK_RDMA_MAX_THREADS: u32 = 64;
/// `ALOCK_RDMA_BENCH_SPIN`: RDMA bench threads spin between polls instead
/// of yielding the CPU.
pub const ALOCK_RDMA_BENCH_SPIN: u32 = 1 << 0;
/// `ALOCK_PEER_NONE`: no connection (not a node of the cluster).
pub const ALOCK_PEER_NONE: u32 = 0;
/// `ALOCK_PEER_CONNECTING`: the connection is being set up.
pub const ALOCK_PEER_CONNECTING: u32 = 1;
/// `ALOCK_PEER_UP`: connected, the peer's window usable.
pub const ALOCK_PEER_UP: u32 = 2;
/// `ALOCK_PEER_FAILED`: lost (a verb failed or timed out), torn down.
pub const ALOCK_PEER_FAILED: u32 = 3;
/// `ALOCK_PEER_CLOSED`: the peer left, torn down.
pub const ALOCK_PEER_CLOSED: u32 = 4;
/// `ALOCK_PEER_SELF`: this node, without `ALOCK_CLUSTER_LOOPBACK`.
pub const ALOCK_PEER_SELF: u32 = 5;
/// `ALOCK_RDMA_READ`: RDMA READ from the node's window.
pub const ALOCK_RDMA_READ: u32 = 1;
/// `ALOCK_RDMA_WRITE`: RDMA WRITE to the node's window.
pub const ALOCK_RDMA_WRITE: u32 = 2;
/// `ALOCK_RDMA_CAS`: 8-byte compare-and-swap.
pub const ALOCK_RDMA_CAS: u32 = 3;
/// `ALOCK_RDMA_FAA`: 8-byte fetch-and-add.
pub const ALOCK_RDMA_FAA: u32 = 4;
/// `ALOCK_RDMA_LOCAL_READ`: copy from this node's own window to a user buffer.
pub const ALOCK_RDMA_LOCAL_READ: u32 = 5;
/// `ALOCK_RDMA_LOCAL_WRITE`: copy a user buffer into this node's own window.
pub const ALOCK_RDMA_LOCAL_WRITE: u32 = 6;
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
/// `ALOCK_TABLE_MAX_KEYS`: most keys of the distributed lock table.
pub const ALOCK_TABLE_MAX_KEYS: u32 = 2048;
/// `ALOCK_TABLE_MAX_BUDGET`: largest cohort budget of the lock table.
pub const ALOCK_TABLE_MAX_BUDGET: u32 = 1000;
/// `ALOCK_TABLE_CREATE`: `struct alock_table_ctl.op` that creates the table.
pub const ALOCK_TABLE_CREATE: u32 = 1;
/// `ALOCK_TABLE_DESTROY`: `op` that destroys the table.
pub const ALOCK_TABLE_DESTROY: u32 = 2;
/// `ALOCK_TABLE_SUM`: `op` that reports the table's keys and counters.
pub const ALOCK_TABLE_SUM: u32 = 3;
/// `ALOCK_PLACE_HASH`: key k is homed on node (Fibonacci hash of k) mod nodes.
pub const ALOCK_PLACE_HASH: u32 = 0;
/// `ALOCK_PLACE_MOD`: key k is homed on node k mod nodes.
pub const ALOCK_PLACE_MOD: u32 = 1;
/// `ALOCK_DLOCK_ALOCK`: ALock (local threads CPU atomics, remote ones RDMA).
pub const ALOCK_DLOCK_ALOCK: u32 = 1;
/// `ALOCK_DLOCK_SPIN_LB`: RDMA spin lock, local threads through the NIC too
/// (needs `ALOCK_CLUSTER_LOOPBACK`).
pub const ALOCK_DLOCK_SPIN_LB: u32 = 2;
/// `ALOCK_DLOCK_MCS_LB`: RDMA MCS lock, every access through the NIC.
pub const ALOCK_DLOCK_MCS_LB: u32 = 3;
/// `ALOCK_DLOCK_RPC`: RPC lock, two-sided messages to a lock server on the
/// home node.
pub const ALOCK_DLOCK_RPC: u32 = 4;
/// `ALOCK_DLOCK_SPIN`: lock-table waiters spin between polls instead of
/// yielding the CPU.
pub const ALOCK_DLOCK_SPIN: u32 = 1 << 0;
/// Most keys one `ALOCK_IOC_DLOCK_RUN` operation takes together (the
/// header's doc comment).
pub const DLOCK_MAX_KEYS_PER_OP: u32 = 8;
/// Cohort budget of the lock table when `local_budget` or `remote_budget`
/// is 0 (the header's doc comment).
pub const TABLE_DEFAULT_BUDGET: u32 = 5;
/// Default rdma_cm port of `alockctl cluster join` (not in the header).
pub const CLUSTER_DEFAULT_PORT: u16 = 18600;
/// Smallest nonzero `op_timeout_ms` of a join (the header's doc comment).
pub const CLUSTER_MIN_OP_TIMEOUT_MS: u32 = 10;
/// Largest `op_timeout_ms` of a join (the header's doc comment).
pub const CLUSTER_MAX_OP_TIMEOUT_MS: u32 = 60_000;
/// `AF_INET` as `struct alock_node_addr` spells it.
pub const AF_INET: u16 = 2;
/// `AF_INET6` as `struct alock_node_addr` spells it.
pub const AF_INET6: u16 = 10;

/// `struct alock_version`: argument of `ALOCK_IOC_VERSION`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockVersion {
    /// `ALOCK_ABI_VERSION` of the module.
    pub abi_version: u32,
    /// Online CPUs when the call was made.
    pub nr_cpus: u32,
    /// Number of lock types the module can stress.
    pub nr_locks: u32,
    /// Number of in-kernel self-tests.
    pub nr_tests: u32,
    /// `ALOCK_FEAT_*` bits.
    pub features: u64,
    /// NUL-terminated version string of the module.
    pub module_version: [u8; 32],
}

impl AlockVersion {
    /// The module's version string (up to the first NUL).
    pub fn module_version(&self) -> String {
        c_string(&self.module_version)
    }
}

/// `struct alock_abi_entry`: one command the module implements.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlockAbiEntry {
    /// The full command number.
    pub cmd: u32,
    /// Size of its argument structure as the module sees it.
    pub arg_size: u32,
}

/// `struct alock_abi`: argument of `ALOCK_IOC_ABI`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockAbi {
    /// User pointer to an array of [`AlockAbiEntry`].
    pub entries: u64,
    /// In: capacity of `entries`; out: number of commands of the module.
    pub nr_entries: u32,
    /// Must be `size_of::<AlockAbiEntry>()`.
    pub entry_size: u32,
}

/// `struct alock_selftest`: argument of `ALOCK_IOC_SELFTEST`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct AlockSelftest {
    /// Test id, 1..nr_tests.
    pub test: u32,
    /// Must be 0.
    pub flags: u32,
    /// Out: 0 on success, otherwise a negative errno.
    pub result: i32,
    /// Out: number of individual checks.
    pub checks: u32,
    /// Out: NUL-terminated name of the test.
    pub name: [u8; 48],
}

impl Default for AlockSelftest {
    fn default() -> Self {
        Self {
            test: 0,
            flags: 0,
            result: 0,
            checks: 0,
            name: [0; 48],
        }
    }
}

impl AlockSelftest {
    /// The test's name (up to the first NUL).
    pub fn name(&self) -> String {
        c_string(&self.name)
    }
}

/// `struct alock_stress`: argument of `ALOCK_IOC_STRESS`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockStress {
    /// `enum alock_lock_id`.
    pub lock: u32,
    /// Kernel threads.
    pub threads: u32,
    /// Run time in milliseconds.
    pub duration_ms: u32,
    /// `ALOCK_STRESS_*` bits.
    pub flags: u32,
    /// Busy-wait iterations inside each critical section.
    pub cs_spins: u32,
    /// Lock-specific parameter (ABQL: slots).
    pub lock_param: u32,
    /// Out: critical sections completed.
    pub ops: u64,
    /// Out: mutual-exclusion violations.
    pub errors: u64,
    /// Out: wall time of the run.
    pub elapsed_ns: u64,
    /// Out: fewest critical sections of any thread.
    pub min_thread_ops: u64,
    /// Out: most critical sections of any thread.
    pub max_thread_ops: u64,
    /// Out: hand-offs checked against queue order.
    pub order_checks: u64,
    /// Out: hand-offs that broke queue order.
    pub order_errors: u64,
}

/// `struct alock_mrlock`: argument of `ALOCK_IOC_MRLOCK`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockMrlock {
    /// `enum alock_mr_lock_id`.
    pub lock: u32,
    /// Kernel threads.
    pub threads: u32,
    /// Run time in milliseconds.
    pub duration_ms: u32,
    /// `ALOCK_STRESS_UNBOUND` or 0.
    pub flags: u32,
    /// k.
    pub resources: u32,
    /// Smallest h.
    pub min_request: u32,
    /// Largest h.
    pub max_request: u32,
    /// Busy-wait iterations while holding.
    pub cs_spins: u32,
    /// MRLock ring cells (0: chosen by the module).
    pub queue_size: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Random seed (0: a fixed default).
    pub seed: u64,
    /// Out: requests granted.
    pub ops: u64,
    /// Out: violations.
    pub errors: u64,
    /// Out: grants checked against queue order.
    pub order_checks: u64,
    /// Out: grants that overtook an earlier conflicting request.
    pub order_errors: u64,
    /// Out: wall time of the run.
    pub elapsed_ns: u64,
    /// Out: fewest requests of one thread.
    pub min_thread_ops: u64,
    /// Out: most requests of one thread.
    pub max_thread_ops: u64,
    /// Out: adaptive scheme switches.
    pub mode_switches: u64,
}

/// `struct alock_txn`: argument of `ALOCK_IOC_TXN`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockTxn {
    /// `enum alock_txn_mode`.
    pub mode: u32,
    /// Kernel threads.
    pub threads: u32,
    /// Run time in milliseconds.
    pub duration_ms: u32,
    /// `ALOCK_STRESS_UNBOUND` or 0.
    pub flags: u32,
    /// Accounts in the table.
    pub records: u32,
    /// Records one transaction touches.
    pub tx_records: u32,
    /// Percentage of read-only transactions.
    pub read_pct: u32,
    /// Restarts before exclusive mode (0: 10).
    pub exclusive_after: u32,
    /// Longest wait in a waiting queue (0: 1000 us).
    pub wait_timeout_us: u32,
    /// Busy-wait iterations while holding the records.
    pub cs_spins: u32,
    /// Random seed (0: a fixed default).
    pub seed: u64,
    /// Out: committed transactions.
    pub commits: u64,
    /// Out: aborts followed by a restart.
    pub restarts: u64,
    /// Out: waits in a waiting queue.
    pub waits: u64,
    /// Out: waits that timed out.
    pub timeouts: u64,
    /// Out: transactions committed in exclusive mode.
    pub exclusive: u64,
    /// Out: most restarts of one transaction.
    pub max_restarts: u64,
    /// Out: violations.
    pub errors: u64,
    /// Out: wall time of the run.
    pub elapsed_ns: u64,
}

/// `struct alock_rwstress`: argument of `ALOCK_IOC_RWSTRESS`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockRwstress {
    /// `enum alock_rw_lock_id`.
    pub lock: u32,
    /// Reader threads.
    pub readers: u32,
    /// Writer threads (0 for RCU).
    pub writers: u32,
    /// Run time in milliseconds.
    pub duration_ms: u32,
    /// `ALOCK_RW_*` bits.
    pub flags: u32,
    /// Busy-wait iterations inside each read section.
    pub read_spins: u32,
    /// Busy-wait iterations inside each write section.
    pub write_spins: u32,
    /// With SLEEP, YIELD or MIGRATE: one read section in this many blocks.
    pub sleep_every: u32,
    /// Writers sleep this long between write sections.
    pub write_pause_us: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: read sections completed.
    pub reads: u64,
    /// Out: write sections completed.
    pub writes: u64,
    /// Out: violations.
    pub errors: u64,
    /// Out: wall time of the run.
    pub elapsed_ns: u64,
    /// Out: fewest read sections of one reader.
    pub min_reader_ops: u64,
    /// Out: fewest write sections of one writer.
    pub min_writer_ops: u64,
    /// Out: read sections that slept or yielded.
    pub read_sleeps: u64,
    /// Out: read sections that ended on another CPU.
    pub migrations: u64,
    /// Out: prwlock read unlocks that took the active path.
    pub active_unlocks: u64,
    /// Out: prwlock IPIs sent by writers.
    pub ipis: u64,
    /// Out: time spent acquiring the write side, all writers.
    pub write_ns_total: u64,
    /// Out: longest write-side acquisition.
    pub write_ns_max: u64,
}

/// `struct alock_rwwake`: argument of `ALOCK_IOC_RWWAKE`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockRwwake {
    /// Readers that sleep behind a writer each round.
    pub readers: u32,
    /// Rounds.
    pub rounds: u32,
    /// `ALOCK_RW_SEQ_WAKE` or 0.
    pub flags: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: sum over rounds of unlock-to-last-reader-in time.
    pub total_ns: u64,
    /// Out: the longest such time.
    pub max_ns: u64,
    /// Out: rounds where a reader got in before the unlock.
    pub errors: u64,
}

/// `struct alock_rwcost`: argument of `ALOCK_IOC_RWCOST`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockRwcost {
    /// `enum alock_rw_lock_id` (not the brlock).
    pub lock: u32,
    /// Read lock+unlock pairs to run.
    pub iterations: u32,
    /// Out: total time.
    pub ns: u64,
}

/// `struct alock_node_addr`: where a node's rdma_cm listens.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlockNodeAddr {
    /// `AF_INET` (2) or `AF_INET6` (10).
    pub family: u16,
    /// Port in the rdma_cm TCP port space, host byte order.
    pub port: u16,
    /// Must be 0.
    pub reserved: u32,
    /// Address, network byte order (IPv4: the first 4 bytes, the rest 0).
    pub addr: [u8; 16],
}

impl From<SocketAddr> for AlockNodeAddr {
    fn from(a: SocketAddr) -> Self {
        let mut addr = [0; 16];
        let family = match a {
            SocketAddr::V4(v4) => {
                addr[..4].copy_from_slice(&v4.ip().octets());
                AF_INET
            }
            SocketAddr::V6(v6) => {
                addr.copy_from_slice(&v6.ip().octets());
                AF_INET6
            }
        };
        Self {
            family,
            port: a.port(),
            reserved: 0,
            addr,
        }
    }
}

/// `struct alock_cluster_join`: argument of `ALOCK_IOC_CLUSTER_JOIN`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockClusterJoin {
    /// This node, 0..nr_nodes-1.
    pub node_id: u32,
    /// Nodes in the cluster.
    pub nr_nodes: u32,
    /// Bytes of memory this node exports (a multiple of 4096).
    pub window_size: u32,
    /// `ALOCK_CLUSTER_*` bits.
    pub flags: u32,
    /// How long to wait for every peer.
    pub timeout_ms: u32,
    /// Longest wait for one verb before the connection is declared lost
    /// (0: 1000 ms).
    pub op_timeout_ms: u32,
    /// Must be 0.
    pub reserved: [u32; 2],
    /// Address of every node; `nodes[node_id]` is the local one; the rest 0.
    pub nodes: [AlockNodeAddr; ALOCK_CLUSTER_MAX_NODES as usize],
}

/// `struct alock_cluster_peer`: one peer in [`AlockClusterStatus`].
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockClusterPeer {
    /// Node id.
    pub node: u32,
    /// `enum alock_peer_state`.
    pub state: u32,
    /// Verbs completed on the connection.
    pub ops: u64,
    /// Verbs that failed.
    pub errors: u64,
    /// Negative errno of the failure that took the connection down, else 0.
    pub last_error: i32,
    /// The peer's rkey for this node.
    pub rkey: u32,
    /// Size of the peer's window.
    pub remote_len: u64,
}

/// `struct alock_cluster_status`: argument of `ALOCK_IOC_CLUSTER_STATUS`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct AlockClusterStatus {
    /// In: `ALOCK_STATUS_PROBE` or 0.
    pub flags: u32,
    /// Out: 1 while this node is in a cluster, else 0.
    pub joined: u32,
    /// Out: this node.
    pub node_id: u32,
    /// Out: nodes in the cluster.
    pub nr_nodes: u32,
    /// Out: bytes this node exports.
    pub window_size: u32,
    /// Out: RDMA devices the module's ib_client sees.
    pub nr_devices: u32,
    /// Out: `ALOCK_CLUSTER_*` of the join.
    pub cluster_flags: u32,
    /// Out: peers (and the loopback) in `ALOCK_PEER_UP`.
    pub nr_up: u32,
    /// Out: NUL-terminated name of the device the cluster uses.
    pub device: [u8; 64],
    /// Out: the peers, indexed by node id.
    pub peers: [AlockClusterPeer; ALOCK_CLUSTER_MAX_NODES as usize],
}

impl Default for AlockClusterStatus {
    fn default() -> Self {
        Self {
            flags: 0,
            joined: 0,
            node_id: 0,
            nr_nodes: 0,
            window_size: 0,
            nr_devices: 0,
            cluster_flags: 0,
            nr_up: 0,
            device: [0; 64],
            peers: [AlockClusterPeer::default(); ALOCK_CLUSTER_MAX_NODES as usize],
        }
    }
}

impl AlockClusterStatus {
    /// The device's name (up to the first NUL).
    pub fn device(&self) -> String {
        c_string(&self.device)
    }

    /// The peers of the cluster, `[0..nr_nodes)`.
    pub fn peers(&self) -> &[AlockClusterPeer] {
        &self.peers[..(self.nr_nodes as usize).min(self.peers.len())]
    }
}

/// `struct alock_rdma_op`: argument of `ALOCK_IOC_RDMA_OP`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockRdmaOp {
    /// Target node.
    pub node: u32,
    /// `enum alock_rdma_verb`.
    pub verb: u32,
    /// Offset in the target's window.
    pub remote_off: u64,
    /// Offset in this node's window.
    pub local_off: u64,
    /// Bytes (CAS, FAA: 8).
    pub len: u32,
    /// Must be 0.
    pub flags: u32,
    /// CAS: expected value; FAA: addend.
    pub compare_add: u64,
    /// CAS: new value.
    pub swap: u64,
    /// LOCAL_*: user buffer of `len` bytes.
    pub data: u64,
    /// Out: CAS, FAA: the word's previous value.
    pub result: u64,
    /// Out: time from posting to completion.
    pub latency_ns: u64,
}

/// `struct alock_rdma_stress`: argument of `ALOCK_IOC_RDMA_STRESS`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockRdmaStress {
    /// Node whose window holds the counter.
    pub node: u32,
    /// `ALOCK_RDMA_CAS` or `ALOCK_RDMA_FAA`.
    pub verb: u32,
    /// Offset of the 8-byte counter (8-aligned).
    pub remote_off: u64,
    /// Kernel threads.
    pub threads: u32,
    /// Successful increments each thread makes.
    pub increments: u32,
    /// Give up after this long.
    pub timeout_ms: u32,
    /// Must be 0.
    pub flags: u32,
    /// Out: increments made, all threads.
    pub done: u64,
    /// Out: verbs posted.
    pub attempts: u64,
    /// Out: CAS whose compare failed.
    pub cas_misses: u64,
    /// Out: verbs that failed.
    pub errors: u64,
    /// Out: negative errno of the first failure, else 0.
    pub first_error: i32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: wall time.
    pub elapsed_ns: u64,
}

/// `struct alock_rdma_bench`: argument of `ALOCK_IOC_RDMA_BENCH`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockRdmaBench {
    /// Target node (this node: over the loopback QP).
    pub node: u32,
    /// `ALOCK_RDMA_READ`, `_WRITE`, `_CAS` or `_FAA`.
    pub verb: u32,
    /// READ, WRITE: bytes; atomics: 8.
    pub len: u32,
    /// Kernel threads.
    pub threads: u32,
    /// Run time in milliseconds.
    pub duration_ms: u32,
    /// `ALOCK_RDMA_BENCH_SPIN` or 0.
    pub flags: u32,
    /// Out: verbs completed.
    pub ops: u64,
    /// Out: verbs that failed.
    pub errors: u64,
    /// Out: wall time.
    pub elapsed_ns: u64,
    /// Out: fastest verb.
    pub lat_min_ns: u64,
    /// Out: median verb latency.
    pub lat_median_ns: u64,
    /// Out: 99th percentile of the verb latency.
    pub lat_p99_ns: u64,
    /// Out: slowest verb.
    pub lat_max_ns: u64,
}

/// `struct alock_table_ctl`: argument of `ALOCK_IOC_TABLE`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockTableCtl {
    /// `ALOCK_TABLE_CREATE`, `_DESTROY` or `_SUM`.
    pub op: u32,
    /// CREATE: keys of the table; SUM: out, the table's keys.
    pub keys: u32,
    /// CREATE: `ALOCK_PLACE_HASH` or `ALOCK_PLACE_MOD`.
    pub placement: u32,
    /// CREATE: ALock hand-offs inside the local cohort before the remote
    /// one gets a turn (0: 5).
    pub local_budget: u32,
    /// CREATE: the same for the remote cohort (0: 5).
    pub remote_budget: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Out (SUM): keys found broken on this node.
    pub broken: u32,
    /// Out: keys homed on this node.
    pub homed: u32,
    /// Out (SUM): sum of the test counters of the keys homed here.
    pub counter_sum: u64,
}

/// `struct alock_dlock_key`: argument of `ALOCK_IOC_DLOCK_LOCK` and
/// `ALOCK_IOC_DLOCK_UNLOCK`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockDlockKey {
    /// Key of the node's lock table.
    pub key: u32,
    /// Must be 0.
    pub flags: u32,
    /// Longest wait for a lock (the file's first LOCK; 0: 10000 ms).
    pub timeout_ms: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: the key's home node.
    pub home: u32,
    /// Out: 0.
    pub reserved2: u32,
    /// Out: time the call took.
    pub latency_ns: u64,
}

/// `struct alock_mm_ctl`: argument of `ALOCK_IOC_MM`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockMmCtl {
    /// `ALOCK_MM_*` operation.
    pub op: u32,
    /// HOLD: 0 or `ALOCK_MM_HOLD_WRITE`.
    pub flags: u32,
    /// HOLD: how long, 1..`ALOCK_MM_MAX_HOLD_MS`.
    pub hold_ms: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Out: 1 if the caller's mm uses a prwlock.
    pub opted_in: u32,
    /// Out: opted-in mms alive.
    pub nr_mms: u32,
    /// Out: write acquisitions of the caller's prwlock.
    pub writes: u64,
    /// Out: read unlocks that took the active path.
    pub active_unlocks: u64,
    /// Out: HOLD: when the lock was taken (CLOCK_MONOTONIC).
    pub acquired_ns: u64,
    /// Out: HOLD: when it was released (CLOCK_MONOTONIC).
    pub released_ns: u64,
}

/// `struct alock_dlock_run`: argument of `ALOCK_IOC_DLOCK_RUN`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AlockDlockRun {
    /// `enum alock_dlock_id`.
    pub lock: u32,
    /// Kernel threads on this node.
    pub threads: u32,
    /// Run time in milliseconds.
    pub duration_ms: u32,
    /// Share of operations on keys homed here, 0..100.
    pub local_pct: u32,
    /// Keys taken together (in ascending order).
    pub keys_per_op: u32,
    /// Longest wait for one lock (0: 10000 ms).
    pub timeout_ms: u32,
    /// `ALOCK_DLOCK_SPIN` or 0.
    pub flags: u32,
    /// Must be 0.
    pub reserved: u32,
    /// Random seed (0: a fixed default).
    pub seed: u64,
    /// Out: critical sections.
    pub ops: u64,
    /// Out: operations on local keys.
    pub local_ops: u64,
    /// Out: operations on remote keys.
    pub remote_ops: u64,
    /// Out: critical sections that found the owner word taken.
    pub errors: u64,
    /// Out: acquires or releases that failed.
    pub failures: u64,
    /// Out: negative errno of the first failure, else 0.
    pub first_error: i32,
    /// Out: 0.
    pub reserved2: u32,
    /// Out: counter increments made.
    pub increments: u64,
    /// Out: fewest operations of one thread.
    pub min_thread_ops: u64,
    /// Out: most operations of one thread.
    pub max_thread_ops: u64,
    /// Out: wall time.
    pub elapsed_ns: u64,
    /// Out: median acquire latency of local operations.
    pub local_lat_median_ns: u64,
    /// Out: 99th percentile of the local acquire latency.
    pub local_lat_p99_ns: u64,
    /// Out: median acquire latency of remote operations.
    pub remote_lat_median_ns: u64,
    /// Out: 99th percentile of the remote acquire latency.
    pub remote_lat_p99_ns: u64,
}

/// `enum alock_lock_id`: lock types of `ALOCK_IOC_STRESS`, by name.
pub const LOCKS: [(&str, u32); 5] = [
    ("spinlock", 1),
    ("mutex", 2),
    ("ticket", 3),
    ("mcs", 4),
    ("abql", 5),
];
/// `enum alock_mr_lock_id`: schemes of `ALOCK_IOC_MRLOCK`, by name.
pub const MR_SCHEMES: [(&str, u32); 5] = [
    ("mrlock", 1),
    ("adaptive", 2),
    ("2pl", 3),
    ("global", 4),
    ("bitset", 5),
];
/// `enum alock_txn_mode`: policies of `ALOCK_IOC_TXN`, by name.
pub const TXN_MODES: [(&str, u32); 3] = [("restart", 1), ("exclusive", 2), ("wait", 3)];
/// `enum alock_rw_lock_id`: reader-writer locks of `ALOCK_IOC_RWSTRESS`, by name.
pub const RW_LOCKS: [(&str, u32); 6] = [
    ("prwlock", 1),
    ("rwsem", 2),
    ("percpu_rwsem", 3),
    ("rwlock", 4),
    ("brlock", 5),
    ("rcu", 6),
];

/// `enum alock_peer_state`: connection states of `ALOCK_IOC_CLUSTER_STATUS`, by name.
pub const PEER_STATES: [(&str, u32); 6] = [
    ("none", ALOCK_PEER_NONE),
    ("connecting", ALOCK_PEER_CONNECTING),
    ("up", ALOCK_PEER_UP),
    ("failed", ALOCK_PEER_FAILED),
    ("closed", ALOCK_PEER_CLOSED),
    ("self", ALOCK_PEER_SELF),
];
/// `enum alock_rdma_verb`: verbs of `ALOCK_IOC_RDMA_OP`, `_STRESS`, `_BENCH`, by name.
pub const RDMA_VERBS: [(&str, u32); 6] = [
    ("read", ALOCK_RDMA_READ),
    ("write", ALOCK_RDMA_WRITE),
    ("cas", ALOCK_RDMA_CAS),
    ("faa", ALOCK_RDMA_FAA),
    ("local_read", ALOCK_RDMA_LOCAL_READ),
    ("local_write", ALOCK_RDMA_LOCAL_WRITE),
];

/// `ALOCK_PLACE_*`: placements of the keys of `ALOCK_IOC_TABLE`, by name.
pub const PLACEMENTS: [(&str, u32); 2] = [("hash", ALOCK_PLACE_HASH), ("mod", ALOCK_PLACE_MOD)];
/// `enum alock_dlock_id`: locks of `ALOCK_IOC_DLOCK_RUN`, by name.
pub const DLOCK_LOCKS: [(&str, u32); 4] = [
    ("alock", ALOCK_DLOCK_ALOCK),
    ("spin_lb", ALOCK_DLOCK_SPIN_LB),
    ("mcs_lb", ALOCK_DLOCK_MCS_LB),
    ("rpc", ALOCK_DLOCK_RPC),
];

const IOC_NRBITS: u32 = 8;
const IOC_TYPEBITS: u32 = 8;
const IOC_SIZEBITS: u32 = 14;
const IOC_NRSHIFT: u32 = 0;
const IOC_TYPESHIFT: u32 = IOC_NRSHIFT + IOC_NRBITS;
const IOC_SIZESHIFT: u32 = IOC_TYPESHIFT + IOC_TYPEBITS;
const IOC_DIRSHIFT: u32 = IOC_SIZESHIFT + IOC_SIZEBITS;
const IOC_NONE: u32 = 0;
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;

/// `_IOC(dir, type, nr, size)` of the generic (x86, arm64, riscv) encoding.
pub const fn ioc(dir: u32, ty: u32, nr: u32, size: usize) -> u32 {
    (dir << IOC_DIRSHIFT) | ((size as u32) << IOC_SIZESHIFT) | (ty << IOC_TYPESHIFT) | nr
}

/// `_IOC_SIZE(cmd)`: the argument size encoded in a command.
pub const fn ioc_size(cmd: u32) -> u32 {
    (cmd >> IOC_SIZESHIFT) & ((1 << IOC_SIZEBITS) - 1)
}

/// `_IOC_NR(cmd)`: the command number within its type.
pub const fn ioc_nr(cmd: u32) -> u32 {
    (cmd >> IOC_NRSHIFT) & ((1 << IOC_NRBITS) - 1)
}

/// `ALOCK_IOC_VERSION`.
pub const ALOCK_IOC_VERSION: u32 = ioc(IOC_READ, ALOCK_IOC_MAGIC, 0x00, size_of::<AlockVersion>());
/// `ALOCK_IOC_ABI`.
pub const ALOCK_IOC_ABI: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x01,
    size_of::<AlockAbi>(),
);
/// `ALOCK_IOC_SELFTEST`.
pub const ALOCK_IOC_SELFTEST: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x02,
    size_of::<AlockSelftest>(),
);
/// `ALOCK_IOC_STRESS`.
pub const ALOCK_IOC_STRESS: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x03,
    size_of::<AlockStress>(),
);
/// `ALOCK_IOC_MRLOCK`.
pub const ALOCK_IOC_MRLOCK: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x04,
    size_of::<AlockMrlock>(),
);
/// `ALOCK_IOC_TXN`.
pub const ALOCK_IOC_TXN: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x05,
    size_of::<AlockTxn>(),
);
/// `ALOCK_IOC_RWSTRESS`.
pub const ALOCK_IOC_RWSTRESS: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x06,
    size_of::<AlockRwstress>(),
);
/// `ALOCK_IOC_RWWAKE`.
pub const ALOCK_IOC_RWWAKE: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x07,
    size_of::<AlockRwwake>(),
);
/// `ALOCK_IOC_RWCOST`.
pub const ALOCK_IOC_RWCOST: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x08,
    size_of::<AlockRwcost>(),
);

/// `ALOCK_IOC_CLUSTER_JOIN` (`_IOW`: the module only reads the argument).
pub const ALOCK_IOC_CLUSTER_JOIN: u32 = ioc(
    IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x09,
    size_of::<AlockClusterJoin>(),
);
/// `ALOCK_IOC_CLUSTER_LEAVE` (`_IO`: no argument, size 0; issue it with
/// [`crate::dev::Device::ioctl_none`]).
pub const ALOCK_IOC_CLUSTER_LEAVE: u32 = ioc(IOC_NONE, ALOCK_IOC_MAGIC, 0x0a, 0);
/// `ALOCK_IOC_CLUSTER_STATUS`.
pub const ALOCK_IOC_CLUSTER_STATUS: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x0b,
    size_of::<AlockClusterStatus>(),
);
/// `ALOCK_IOC_RDMA_OP`.
pub const ALOCK_IOC_RDMA_OP: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x0c,
    size_of::<AlockRdmaOp>(),
);
/// `ALOCK_IOC_RDMA_STRESS`.
pub const ALOCK_IOC_RDMA_STRESS: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x0d,
    size_of::<AlockRdmaStress>(),
);
/// `ALOCK_IOC_RDMA_BENCH`.
pub const ALOCK_IOC_RDMA_BENCH: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x0e,
    size_of::<AlockRdmaBench>(),
);
/// `ALOCK_IOC_TABLE`.
pub const ALOCK_IOC_TABLE: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x0f,
    size_of::<AlockTableCtl>(),
);
/// `ALOCK_IOC_DLOCK_RUN`.
pub const ALOCK_IOC_DLOCK_RUN: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x10,
    size_of::<AlockDlockRun>(),
);

/// `ALOCK_IOC_DLOCK_LOCK`.
pub const ALOCK_IOC_DLOCK_LOCK: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x11,
    size_of::<AlockDlockKey>(),
);
/// `ALOCK_IOC_DLOCK_UNLOCK`.
pub const ALOCK_IOC_DLOCK_UNLOCK: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x12,
    size_of::<AlockDlockKey>(),
);
/// `ALOCK_IOC_MM`.
pub const ALOCK_IOC_MM: u32 = ioc(
    IOC_READ | IOC_WRITE,
    ALOCK_IOC_MAGIC,
    0x13,
    size_of::<AlockMmCtl>(),
);

/// Every command of the header, by name: what the module must implement
/// identically for this tool to run.
pub const COMMANDS: [(&str, u32); 20] = [
    ("ALOCK_IOC_VERSION", ALOCK_IOC_VERSION),
    ("ALOCK_IOC_ABI", ALOCK_IOC_ABI),
    ("ALOCK_IOC_SELFTEST", ALOCK_IOC_SELFTEST),
    ("ALOCK_IOC_STRESS", ALOCK_IOC_STRESS),
    ("ALOCK_IOC_MRLOCK", ALOCK_IOC_MRLOCK),
    ("ALOCK_IOC_TXN", ALOCK_IOC_TXN),
    ("ALOCK_IOC_RWSTRESS", ALOCK_IOC_RWSTRESS),
    ("ALOCK_IOC_RWWAKE", ALOCK_IOC_RWWAKE),
    ("ALOCK_IOC_RWCOST", ALOCK_IOC_RWCOST),
    ("ALOCK_IOC_CLUSTER_JOIN", ALOCK_IOC_CLUSTER_JOIN),
    ("ALOCK_IOC_CLUSTER_LEAVE", ALOCK_IOC_CLUSTER_LEAVE),
    ("ALOCK_IOC_CLUSTER_STATUS", ALOCK_IOC_CLUSTER_STATUS),
    ("ALOCK_IOC_RDMA_OP", ALOCK_IOC_RDMA_OP),
    ("ALOCK_IOC_RDMA_STRESS", ALOCK_IOC_RDMA_STRESS),
    ("ALOCK_IOC_RDMA_BENCH", ALOCK_IOC_RDMA_BENCH),
    ("ALOCK_IOC_TABLE", ALOCK_IOC_TABLE),
    ("ALOCK_IOC_DLOCK_RUN", ALOCK_IOC_DLOCK_RUN),
    ("ALOCK_IOC_DLOCK_LOCK", ALOCK_IOC_DLOCK_LOCK),
    ("ALOCK_IOC_DLOCK_UNLOCK", ALOCK_IOC_DLOCK_UNLOCK),
    ("ALOCK_IOC_MM", ALOCK_IOC_MM),
];

/// Name of a command of [`COMMANDS`], or `None` for one this tool does not know.
pub fn command_name(cmd: u32) -> Option<&'static str> {
    COMMANDS.iter().find(|(_, c)| *c == cmd).map(|(n, _)| *n)
}

/// Marker for the `#[repr(C)]` argument structures above: only these may be
/// passed to [`crate::dev::Device::ioctl`].
pub trait IoctlArg: Copy + private::Sealed {}

mod private {
    pub trait Sealed {}
}

macro_rules! ioctl_arg {
    ($($t:ty),*) => {$(
        impl private::Sealed for $t {}
        impl IoctlArg for $t {}
    )*};
}
ioctl_arg!(
    AlockVersion,
    AlockAbi,
    AlockSelftest,
    AlockStress,
    AlockMrlock,
    AlockTxn,
    AlockRwstress,
    AlockRwwake,
    AlockRwcost,
    AlockClusterJoin,
    AlockClusterStatus,
    AlockRdmaOp,
    AlockRdmaStress,
    AlockRdmaBench,
    AlockTableCtl,
    AlockDlockRun,
    AlockDlockKey,
    AlockMmCtl
);

/// The string in a NUL-terminated byte array (lossy UTF-8).
fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Id of a named entry in one of the name tables above.
pub fn id_of(table: &[(&str, u32)], name: &str) -> Option<u32> {
    table.iter().find(|(n, _)| *n == name).map(|(_, id)| *id)
}

/// Name of an id in one of the name tables above (`"?"` if unknown).
pub fn name_of(table: &[(&'static str, u32)], id: u32) -> &'static str {
    table
        .iter()
        .find(|(_, i)| *i == id)
        .map(|(n, _)| *n)
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_alocktest_static_asserts() {
        // The same figures as tests/guest/alocktest.c's _Static_asserts.
        assert_eq!(size_of::<AlockVersion>(), 56);
        assert_eq!(size_of::<AlockAbiEntry>(), 8);
        assert_eq!(size_of::<AlockAbi>(), 16);
        assert_eq!(size_of::<AlockSelftest>(), 64);
        assert_eq!(size_of::<AlockStress>(), 80);
        assert_eq!(size_of::<AlockMrlock>(), 112);
        assert_eq!(size_of::<AlockTxn>(), 112);
        assert_eq!(size_of::<AlockRwstress>(), 136);
        assert_eq!(size_of::<AlockRwwake>(), 40);
        assert_eq!(size_of::<AlockRwcost>(), 16);
        // tests/guest/rdmatest.c's.
        assert_eq!(size_of::<AlockNodeAddr>(), 24);
        assert_eq!(size_of::<AlockClusterJoin>(), 416);
        assert_eq!(size_of::<AlockClusterPeer>(), 40);
        assert_eq!(size_of::<AlockClusterStatus>(), 736);
        assert_eq!(size_of::<AlockRdmaOp>(), 72);
        assert_eq!(size_of::<AlockRdmaStress>(), 80);
        assert_eq!(size_of::<AlockRdmaBench>(), 80);
        assert_eq!(size_of::<AlockTableCtl>(), 40);
        assert_eq!(size_of::<AlockDlockRun>(), 152);
    }

    #[test]
    fn command_encoding_round_trips() {
        for (name, cmd) in COMMANDS {
            assert_eq!((cmd >> 8) & 0xff, ALOCK_IOC_MAGIC, "{name}");
            // Only LEAVE (_IO) has no argument.
            assert_eq!(ioc_size(cmd) == 0, cmd == ALOCK_IOC_CLUSTER_LEAVE, "{name}");
        }
        // _IO(0xA1, 0x0a): no direction, no size.
        assert_eq!(ALOCK_IOC_CLUSTER_LEAVE, 0xa10a);
        // _IOW: write only (direction 1 in the top two bits).
        assert_eq!(ALOCK_IOC_CLUSTER_JOIN >> 30, 1);
        assert_eq!(ioc_size(ALOCK_IOC_CLUSTER_JOIN), 416);
        assert_eq!(ALOCK_IOC_CLUSTER_STATUS >> 30, 3);
        assert_eq!(ioc_size(ALOCK_IOC_TXN) as usize, size_of::<AlockTxn>());
        assert_eq!(ioc_nr(ALOCK_IOC_MRLOCK), 4);
        assert_eq!(ioc_nr(ALOCK_IOC_RWCOST), 8);
        assert_eq!(ioc_size(ALOCK_IOC_RWSTRESS), 136);
        assert_eq!(ioc_nr(ALOCK_IOC_TABLE), 0x0f);
        assert_eq!(ioc_nr(ALOCK_IOC_DLOCK_RUN), 0x10);
        assert_eq!(ALOCK_IOC_DLOCK_RUN >> 30, 3);
        assert_eq!(ioc_size(ALOCK_IOC_DLOCK_RUN), 152);
        // _IOR(0xA1, 0, 56 bytes): read, size 56.
        assert_eq!(ALOCK_IOC_VERSION, 0x8038_a100);
    }

    #[test]
    fn name_tables() {
        assert_eq!(id_of(&LOCKS, "mcs"), Some(4));
        assert_eq!(id_of(&LOCKS, "nope"), None);
        assert_eq!(name_of(&MR_SCHEMES, 3), "2pl");
        assert_eq!(name_of(&TXN_MODES, 9), "?");
        assert_eq!(id_of(&RW_LOCKS, "percpu_rwsem"), Some(3));
        assert_eq!(name_of(&RW_LOCKS, 6), "rcu");
        assert_eq!(command_name(ALOCK_IOC_ABI), Some("ALOCK_IOC_ABI"));
        assert_eq!(command_name(0), None);
        assert_eq!(name_of(&PEER_STATES, ALOCK_PEER_UP), "up");
        assert_eq!(name_of(&PEER_STATES, 5), "self");
        assert_eq!(id_of(&RDMA_VERBS, "local_write"), Some(6));
        assert_eq!(
            command_name(ALOCK_IOC_CLUSTER_LEAVE),
            Some("ALOCK_IOC_CLUSTER_LEAVE")
        );
        assert_eq!(id_of(&PLACEMENTS, "mod"), Some(ALOCK_PLACE_MOD));
        assert_eq!(name_of(&PLACEMENTS, 0), "hash");
        assert_eq!(id_of(&DLOCK_LOCKS, "spin_lb"), Some(2));
        assert_eq!(name_of(&DLOCK_LOCKS, ALOCK_DLOCK_MCS_LB), "mcs_lb");
        assert_eq!(
            command_name(ALOCK_IOC_DLOCK_RUN),
            Some("ALOCK_IOC_DLOCK_RUN")
        );
    }

    #[test]
    fn node_addresses_from_socket_addresses() {
        let a = AlockNodeAddr::from("10.77.0.2:18600".parse::<SocketAddr>().unwrap());
        assert_eq!((a.family, a.port, a.reserved), (AF_INET, 18600, 0));
        assert_eq!(&a.addr[..4], &[10, 77, 0, 2]);
        assert!(a.addr[4..].iter().all(|&b| b == 0));
        let a = AlockNodeAddr::from("[fd00::1]:7".parse::<SocketAddr>().unwrap());
        assert_eq!((a.family, a.port), (AF_INET6, 7));
        assert_eq!(a.addr[0], 0xfd);
        assert_eq!(a.addr[15], 1);
        assert_eq!(AF_INET as i32, libc::AF_INET);
        assert_eq!(AF_INET6 as i32, libc::AF_INET6);
    }

    #[test]
    fn c_strings_stop_at_nul() {
        let mut v = AlockVersion::default();
        v.module_version[..5].copy_from_slice(b"0.3.1");
        assert_eq!(v.module_version(), "0.3.1");
        let mut t = AlockSelftest::default();
        t.name.fill(b'x');
        assert_eq!(t.name().len(), 48);
    }
}
