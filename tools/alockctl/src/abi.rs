//! The `/dev/alock` ioctl ABI, mirrored from `include/uapi/linux/alock.h`.
//!
//! Every structure is `#[repr(C)]` with the header's field order and types;
//! `tests/abi.rs` compiles a C probe against the header and checks every
//! size, offset, constant and command number against this module, so the
//! two cannot drift.  At run time [`crate::dev::Device::open`] compares the
//! module's own command table (`ALOCK_IOC_ABI`) with [`COMMANDS`].

use std::mem::size_of;

/// `ALOCK_ABI_VERSION`: the ABI this tool speaks.
pub const ALOCK_ABI_VERSION: u32 = 3;
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

const IOC_NRBITS: u32 = 8;
const IOC_TYPEBITS: u32 = 8;
const IOC_SIZEBITS: u32 = 14;
const IOC_NRSHIFT: u32 = 0;
const IOC_TYPESHIFT: u32 = IOC_NRSHIFT + IOC_NRBITS;
const IOC_SIZESHIFT: u32 = IOC_TYPESHIFT + IOC_TYPEBITS;
const IOC_DIRSHIFT: u32 = IOC_SIZESHIFT + IOC_SIZEBITS;
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

/// Every command of the header, by name: what the module must implement
/// identically for this tool to run.
pub const COMMANDS: [(&str, u32); 9] = [
    ("ALOCK_IOC_VERSION", ALOCK_IOC_VERSION),
    ("ALOCK_IOC_ABI", ALOCK_IOC_ABI),
    ("ALOCK_IOC_SELFTEST", ALOCK_IOC_SELFTEST),
    ("ALOCK_IOC_STRESS", ALOCK_IOC_STRESS),
    ("ALOCK_IOC_MRLOCK", ALOCK_IOC_MRLOCK),
    ("ALOCK_IOC_TXN", ALOCK_IOC_TXN),
    ("ALOCK_IOC_RWSTRESS", ALOCK_IOC_RWSTRESS),
    ("ALOCK_IOC_RWWAKE", ALOCK_IOC_RWWAKE),
    ("ALOCK_IOC_RWCOST", ALOCK_IOC_RWCOST),
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
    AlockRwcost
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
    }

    #[test]
    fn command_encoding_round_trips() {
        for (name, cmd) in COMMANDS {
            assert_eq!((cmd >> 8) & 0xff, ALOCK_IOC_MAGIC, "{name}");
            assert!(ioc_size(cmd) > 0, "{name}");
        }
        assert_eq!(ioc_size(ALOCK_IOC_TXN) as usize, size_of::<AlockTxn>());
        assert_eq!(ioc_nr(ALOCK_IOC_MRLOCK), 4);
        assert_eq!(ioc_nr(ALOCK_IOC_RWCOST), 8);
        assert_eq!(ioc_size(ALOCK_IOC_RWSTRESS), 136);
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
