//! Command-line interface (clap derive).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::abi;

/// alockctl: drive the alock kernel module through /dev/alock: module
/// information, stress runs, benchmark matrices, result tables and plots.
#[derive(Debug, Parser)]
#[command(name = "alockctl", version, about, long_about = None)]
pub struct Cli {
    /// The alock character device.
    #[arg(long, global = true, default_value = abi::ALOCK_DEVICE, value_name = "PATH")]
    pub device: PathBuf,
    /// Print results as JSON (for machines) instead of a table.
    #[arg(long, global = true, conflicts_with = "csv")]
    pub json: bool,
    /// Print results as CSV (for machines) instead of a table.
    #[arg(long, global = true)]
    pub csv: bool,
    /// Never draw a progress bar (it is only drawn on a terminal anyway).
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Module version, ABI, CPUs, locks available and cluster status.
    Info,
    /// Run every in-kernel self-test.
    Selftest,
    /// One stress run of a lock (the ioctl blocks for its duration; Ctrl-C
    /// stops it early and shows the partial results).
    Stress {
        /// The lock to stress.
        #[command(subcommand)]
        lock: StressCmd,
    },
    /// Run a benchmark matrix and print its table (ratios to the baseline).
    Bench(BenchArgs),
    /// Print the tables of saved results (files or folders of *.json).
    Report {
        /// Results files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Draw figures (SVG, PNG) from saved results.
    Plot(PlotArgs),
    /// Membership of the RDMA cluster: join, leave, status.
    Cluster {
        /// What to do.
        #[command(subcommand)]
        action: ClusterAction,
    },
    /// The distributed lock table of the cluster: create, destroy, sum
    /// (every node creates it with the same arguments after joining).
    Table {
        /// What to do.
        #[command(subcommand)]
        action: TableAction,
    },
    /// The module's statistics in debugfs (/sys/kernel/debug/alock): lock
    /// acquisitions, RDMA verbs, the lock table's keys; --watch shows
    /// rates.
    Stats(StatsArgs),
}

/// Arguments of `stats`.
#[derive(Debug, Clone, Args)]
pub struct StatsArgs {
    /// The module's statistics directory.
    #[arg(long, value_name = "PATH", default_value = abi::DEBUGFS_DIR)]
    pub dir: PathBuf,
    /// Count fast-path acquisitions too (writes 1 to `enabled`; needs root).
    #[arg(long, conflicts_with = "disable")]
    pub enable: bool,
    /// Stop counting fast-path acquisitions (writes 0 to `enabled`; needs root).
    #[arg(long)]
    pub disable: bool,
    /// Redraw every SECS seconds (default 1) with per-second rates since
    /// the previous sample, until Ctrl-C; with --json one object per line.
    #[arg(long, value_name = "SECS", num_args = 0..=1, default_missing_value = "1", value_parser = parse_interval)]
    pub watch: Option<f64>,
}

impl StatsArgs {
    /// What to write to `enabled` first: `Some(true)` for `--enable`,
    /// `Some(false)` for `--disable`.
    pub fn switch(&self) -> Option<bool> {
        match (self.enable, self.disable) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

/// Longest `stats --watch` interval, seconds.
pub const MAX_WATCH_SECS: f64 = 3600.0;

/// Parse a `--watch` interval in seconds (0.1..3600, decimals allowed).
pub fn parse_interval(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !(0.1..=MAX_WATCH_SECS).contains(&v) {
        return Err(format!("must be between 0.1 and {MAX_WATCH_SECS} seconds"));
    }
    Ok(v)
}

/// Options shared by every stress run.
#[derive(Debug, Clone, Args)]
pub struct RunOpts {
    /// Kernel threads (default: twice the CPUs the module sees).
    #[arg(long, short = 't', value_parser = clap::value_parser!(u32).range(1..=abi::ALOCK_STRESS_MAX_THREADS as i64))]
    pub threads: Option<u32>,
    /// Run time in seconds (decimals allowed, at most 600).
    #[arg(long, short = 's', default_value = "1", value_parser = parse_seconds)]
    pub seconds: u32,
    /// Busy-wait iterations inside each critical section.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_STRESS_MAX_CS_SPINS as i64))]
    pub cs_spins: u32,
    /// Do not bind thread i to CPU i % n.
    #[arg(long)]
    pub unbound: bool,
}

/// Parse seconds (e.g. `0.5`, `10`) into milliseconds within the ABI's range.
pub fn parse_seconds(s: &str) -> Result<u32, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    let ms = (v * 1000.0).round();
    if !(1.0..=abi::ALOCK_STRESS_MAX_MS as f64).contains(&ms) {
        return Err(format!(
            "must be between 0.001 and {} seconds",
            abi::ALOCK_STRESS_MAX_MS / 1000
        ));
    }
    Ok(ms as u32)
}

/// The locks `stress` can run.
#[derive(Debug, Subcommand)]
pub enum StressCmd {
    /// Stock spinlock_t (qspinlock), the baseline.
    Spinlock(RunOpts),
    /// Stock struct mutex.
    Mutex(RunOpts),
    /// Ticket spinlock (FIFO).
    Ticket(RunOpts),
    /// MCS queue lock (FIFO).
    Mcs(RunOpts),
    /// Anderson's array-based queue lock (FIFO).
    Abql {
        /// Common options.
        #[command(flatten)]
        run: RunOpts,
        /// Array slots (0: one per possible CPU).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_ABQL_MAX_SLOTS as i64))]
        slots: u32,
    },
    /// h-out-of-k requests over k resources (ALOCK_IOC_MRLOCK).
    Mrlock {
        /// Lock scheme.
        #[arg(value_enum)]
        scheme: MrScheme,
        /// Common options.
        #[command(flatten)]
        run: RunOpts,
        /// k: resources.
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=abi::ALOCK_MR_MAX_RESOURCES as i64))]
        resources: u32,
        /// Smallest request h.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=abi::ALOCK_MR_MAX_RESOURCES as i64))]
        min: u32,
        /// Largest request h.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=abi::ALOCK_MR_MAX_RESOURCES as i64))]
        max: u32,
        /// MRLock ring cells, a power of two (0: chosen by the module).
        #[arg(long, default_value_t = 0)]
        queue: u32,
        /// Random seed (0: the module's fixed default).
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Transactions on the lock manager (ALOCK_IOC_TXN).
    Txn {
        /// Conflict policy.
        #[arg(value_enum)]
        mode: TxnMode,
        /// Common options.
        #[command(flatten)]
        run: RunOpts,
        /// Accounts in the table.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(2..=abi::ALOCK_TXN_MAX_RECORDS as i64))]
        records: u32,
        /// Records one transaction touches.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=abi::ALOCK_TXN_MAX_TX_RECORDS as i64))]
        tx_records: u32,
        /// Percentage of read-only (audit) transactions.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=100))]
        read_pct: u32,
        /// Restarts before exclusive mode (0: 10).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_TXN_MAX_EXCLUSIVE_AFTER as i64))]
        exclusive_after: u32,
        /// Longest wait in a waiting queue, microseconds (0: 1000).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_TXN_MAX_WAIT_US as i64))]
        wait_timeout_us: u32,
        /// Random seed (0: the module's fixed default).
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Readers and writers on a reader-writer lock (ALOCK_IOC_RWSTRESS).
    Rw(RwOpts),
    /// Operations on the distributed lock table (ALOCK_IOC_DLOCK_RUN; create
    /// it first with `alockctl table create` on every node).
    Dlock(DlockOpts),
}

/// Options of `stress dlock`.
#[derive(Debug, Clone, Args)]
pub struct DlockOpts {
    /// The lock the table's keys are taken with.
    #[arg(value_enum)]
    pub lock: DlockLock,
    /// Kernel threads on this node (default: the CPUs the module sees, at
    /// most 64).
    #[arg(long, short = 't', value_parser = clap::value_parser!(u32).range(1..=abi::ALOCK_RDMA_MAX_THREADS as i64))]
    pub threads: Option<u32>,
    /// Run time in seconds (decimals allowed, at most 600).
    #[arg(long, short = 's', default_value = "1", value_parser = parse_seconds)]
    pub seconds: u32,
    /// Percentage of operations on keys homed on this node.
    #[arg(long, value_name = "P", default_value_t = 50, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub local_pct: u32,
    /// Percentage of operations that take their keys shared (alock-rw
    /// and dslr-loopback only).
    #[arg(long, value_name = "P", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub read_pct: u32,
    /// Keys one operation takes together (in ascending order).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=abi::DLOCK_MAX_KEYS_PER_OP as i64))]
    pub keys_per_op: u32,
    /// Longest wait for one lock, in milliseconds (0: the module's 10000;
    /// at most 600000); a thread stops at its first failure.
    #[arg(long, value_name = "MS", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_CLUSTER_MAX_TIMEOUT_MS as i64))]
    pub timeout_ms: u32,
    /// Waiters spin between polls instead of yielding the CPU.
    #[arg(long)]
    pub spin: bool,
    /// Random seed (0: the module's fixed default).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Only the even or only the odd keys (default: all).
    #[arg(long, value_enum, value_name = "WHICH")]
    pub keys: Option<KeyParity>,
    /// Only the keys homed on these nodes (comma-separated node ids;
    /// default: every node's).
    #[arg(long, value_name = "N,N", value_delimiter = ',', value_parser = clap::value_parser!(u32).range(0..abi::ALOCK_CLUSTER_MAX_NODES as i64))]
    pub homes: Vec<u32>,
}

/// Which keys of the table a `stress dlock` run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyParity {
    /// The even keys.
    Even,
    /// The odd keys.
    Odd,
}

/// Locks of `ALOCK_IOC_DLOCK_RUN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DlockLock {
    /// ALock: local threads use CPU atomics, remote ones RDMA.
    Alock,
    /// RDMA spin lock: compare-and-swap through the NIC, local threads too
    /// (needs a cluster joined with --loopback).
    SpinLoopback,
    /// RDMA MCS lock, every access through the NIC (local threads over the
    /// loopback QP).
    McsLoopback,
    /// RPC lock: messages to a lock server on the home node (local threads
    /// over the loopback QP).
    Rpc,
    /// ALock-RW: ALock for writers, readers counted beside it (local ones
    /// with CPU atomics, remote ones with RDMA fetch-and-add).
    AlockRw,
    /// DSLR: reader-writer tickets by RDMA fetch-and-add, local threads
    /// too (needs a cluster joined with --loopback).
    DslrLoopback,
}

impl DlockLock {
    /// The `enum alock_dlock_id` value.
    pub fn id(self) -> u32 {
        abi::id_of(&abi::DLOCK_LOCKS, self.abi_name()).expect("lock in the ABI table")
    }

    /// The name in `enum alock_dlock_id` (lower case, [`abi::DLOCK_LOCKS`]).
    fn abi_name(self) -> &'static str {
        match self {
            DlockLock::Alock => "alock",
            DlockLock::SpinLoopback => "spin_lb",
            DlockLock::McsLoopback => "mcs_lb",
            DlockLock::Rpc => "rpc",
            DlockLock::AlockRw => "alock_rw",
            DlockLock::DslrLoopback => "dslr_lb",
        }
    }

    /// The name on the command line and in results (`spin-loopback`).
    pub fn name(self) -> &'static str {
        match self {
            DlockLock::Alock => "alock",
            DlockLock::SpinLoopback => "spin-loopback",
            DlockLock::McsLoopback => "mcs-loopback",
            DlockLock::Rpc => "rpc",
            DlockLock::AlockRw => "alock-rw",
            DlockLock::DslrLoopback => "dslr-loopback",
        }
    }

    /// The lock of an `enum alock_dlock_id` value.
    pub fn from_id(id: u32) -> Option<Self> {
        Self::value_variants()
            .iter()
            .copied()
            .find(|l| l.id() == id)
    }

    /// The lock of a command-line name (`mcs-loopback`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::value_variants()
            .iter()
            .copied()
            .find(|l| l.name() == name)
    }

    /// Whether this node's own threads go through the NIC to keys homed
    /// here (over the loopback QP).
    pub fn needs_loopback(self) -> bool {
        !matches!(self, DlockLock::Alock | DlockLock::AlockRw)
    }

    /// Whether it has a shared mode (`--read-pct`).
    pub fn is_rw(self) -> bool {
        matches!(self, DlockLock::AlockRw | DlockLock::DslrLoopback)
    }
}

/// Options of `stress rw`.
#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("blocking").args(["sleep_every", "yield_every", "migrate_every"])))]
pub struct RwOpts {
    /// The reader-writer lock.
    #[arg(value_enum)]
    pub lock: RwLock,
    /// Reader threads (default: the CPUs the module sees).
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_STRESS_MAX_THREADS as i64))]
    pub readers: Option<u32>,
    /// Writer threads (default: 1, 0 for rcu).
    #[arg(long, short = 'w', value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_STRESS_MAX_THREADS as i64))]
    pub writers: Option<u32>,
    /// Run time in seconds (decimals allowed, at most 600).
    #[arg(long, short = 's', default_value = "1", value_parser = parse_seconds)]
    pub seconds: u32,
    /// Readers sleep (msleep(1)) inside one read section in N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=abi::RW_MAX_SLEEP_EVERY as i64))]
    pub sleep_every: Option<u32>,
    /// Readers call schedule() inside one read section in N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=abi::RW_MAX_SLEEP_EVERY as i64))]
    pub yield_every: Option<u32>,
    /// Readers move to the next CPU inside one read section in N (needs --unbound).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=abi::RW_MAX_SLEEP_EVERY as i64))]
    pub migrate_every: Option<u32>,
    /// Do not bind thread i to CPU i % n.
    #[arg(long)]
    pub unbound: bool,
    /// prwlock: the writer wakes each CPU's sleeping readers itself.
    #[arg(long)]
    pub seq_wake: bool,
    /// Busy-wait iterations inside each read section.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_STRESS_MAX_CS_SPINS as i64))]
    pub read_spins: u32,
    /// Busy-wait iterations inside each write section.
    #[arg(long, default_value_t = 80, value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_STRESS_MAX_CS_SPINS as i64))]
    pub write_spins: u32,
    /// Writers sleep this many microseconds between write sections.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_RW_MAX_PAUSE_US as i64))]
    pub pause_us: u32,
}

impl RwOpts {
    /// The `ALOCK_RW_*` flags and `sleep_every` of these options.
    pub fn flags(&self) -> (u32, u32) {
        let mut f = 0;
        let mut every = 0;
        if self.unbound {
            f |= abi::ALOCK_RW_UNBOUND;
        }
        if self.seq_wake {
            f |= abi::ALOCK_RW_SEQ_WAKE;
        }
        for (opt, flag) in [
            (self.sleep_every, abi::ALOCK_RW_SLEEP),
            (self.yield_every, abi::ALOCK_RW_YIELD),
            (self.migrate_every, abi::ALOCK_RW_MIGRATE),
        ] {
            if let Some(n) = opt {
                f |= flag;
                every = n;
            }
        }
        (f, every)
    }
}

/// Locks of `ALOCK_IOC_RWSTRESS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RwLock {
    /// Passive reader-writer lock.
    Prwlock,
    /// Stock struct rw_semaphore.
    Rwsem,
    /// Stock struct percpu_rw_semaphore.
    #[value(name = "percpu_rwsem")]
    PercpuRwsem,
    /// Stock rwlock_t (readers may not sleep).
    Rwlock,
    /// Big-reader lock, one spinlock per CPU (readers may not sleep).
    Brlock,
    /// RCU read side; read-only runs.
    Rcu,
}

impl RwLock {
    /// The `enum alock_rw_lock_id` value.
    pub fn id(self) -> u32 {
        abi::id_of(&abi::RW_LOCKS, self.name()).expect("lock in the ABI table")
    }

    /// The name, as in `enum alock_rw_lock_id` (lower case).
    pub fn name(self) -> &'static str {
        match self {
            RwLock::Prwlock => "prwlock",
            RwLock::Rwsem => "rwsem",
            RwLock::PercpuRwsem => "percpu_rwsem",
            RwLock::Rwlock => "rwlock",
            RwLock::Brlock => "brlock",
            RwLock::Rcu => "rcu",
        }
    }

    /// Whether its readers may sleep inside (SLEEP, YIELD, MIGRATE).
    pub fn readers_may_sleep(self) -> bool {
        matches!(self, RwLock::Prwlock | RwLock::Rwsem | RwLock::PercpuRwsem)
    }
}

/// Schemes of `ALOCK_IOC_MRLOCK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MrScheme {
    /// Multi-resource lock.
    Mrlock,
    /// Bitset while uncontended, MRLock under contention.
    Adaptive,
    /// Two-phase locking (baseline).
    #[value(name = "2pl")]
    TwoPl,
    /// One global spinlock.
    Global,
    /// The adaptive scheme's bitset lock alone.
    Bitset,
}

impl MrScheme {
    /// The `enum alock_mr_lock_id` value.
    pub fn id(self) -> u32 {
        abi_id(&self, &abi::MR_SCHEMES)
    }
}

/// The ABI id of a named choice, from its table in `abi`.
fn abi_id<V: ValueEnum>(v: &V, table: &[(&'static str, u32)]) -> u32 {
    let pv = v.to_possible_value().expect("named");
    abi::id_of(table, pv.get_name()).expect("name in the ABI table")
}

/// Policies of `ALOCK_IOC_TXN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TxnMode {
    /// A conflict restarts the transaction.
    Restart,
    /// Exclusive mode after `--exclusive-after` restarts.
    Exclusive,
    /// Wait in the record's queue first.
    Wait,
}

impl TxnMode {
    /// The `enum alock_txn_mode` value.
    pub fn id(self) -> u32 {
        abi_id(&self, &abi::TXN_MODES)
    }
}

/// Arguments of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which matrix.
    #[arg(value_enum)]
    pub scenario: Scenario,
    /// Milliseconds per cell of the matrix.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=60_000))]
    pub cell_ms: u32,
    /// Write DIR/<scenario>.json and DIR/<scenario>.csv.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Benchmark matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// spinlock/ticket/mcs/abql at 1, n, 2n threads, 0 and 200 spins; ratio to spinlock.
    Queue,
    /// 2pl/global/bitset/mrlock/adaptive at low/medium/high contention; ratio to 2pl.
    Mrlock,
    /// restart/exclusive/wait at 8 and 4096 records.
    Txn,
    /// prwlock against rwsem, percpu_rwsem, rwlock_t, brlock and RCU (as alocktest bench-rw).
    Rw,
    /// All four.
    All,
}

/// Arguments of `plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Results files or folders of *.json.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Folder for the figures (default: next to the first results file).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Image formats to write.
    #[arg(long, value_enum, default_value = "all")]
    pub format: PlotFormat,
}

/// Figure formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlotFormat {
    /// SVG only.
    Svg,
    /// PNG only.
    Png,
    /// SVG and PNG.
    All,
}

/// Cluster subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum ClusterAction {
    /// Join an RDMA cluster: every node runs it with the same --nodes and
    /// --addr list and its own --node; it returns once every peer is
    /// connected.
    Join(JoinArgs),
    /// Leave the cluster (tears down every connection).
    Leave,
    /// Membership and the connection to every peer.
    Status {
        /// First probe every connected peer with an 8-byte RDMA READ (a lost
        /// peer then shows as failed).
        #[arg(long)]
        probe: bool,
    },
    /// Write a new random cluster key (64 hexadecimal digits) to FILE, mode
    /// 0600; an existing file is not overwritten.  Copy it to every node
    /// and give it to `cluster join --key-file`.
    Keygen {
        /// Where to write the key.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Lock table subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum TableAction {
    /// Create the table of --keys locks spread over the cluster's nodes
    /// (every node runs it with the same arguments after joining).
    Create(TableCreateArgs),
    /// Destroy this node's table.
    Destroy,
    /// Keys, keys homed here, broken keys and the sum of the test counters
    /// of the keys homed here.
    Sum,
}

/// Options of `table create`.
#[derive(Debug, Clone, Args)]
pub struct TableCreateArgs {
    /// Keys (locks) of the table.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=abi::ALOCK_TABLE_MAX_KEYS as i64))]
    pub keys: u32,
    /// Home node of key k: a hash of k, or k mod nodes.
    #[arg(long, value_enum, default_value = "hash")]
    pub placement: Placement,
    /// ALock hand-offs inside the local cohort before the remote one gets a
    /// turn (0: the module's 5; at most 1000).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_TABLE_MAX_BUDGET as i64))]
    pub local_budget: u32,
    /// The same for the remote cohort (0: the module's 5; at most 1000).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_TABLE_MAX_BUDGET as i64))]
    pub remote_budget: u32,
    /// The longest critical section of a remote ALock holder, which the
    /// recovery of a key after a lost node waits out (0: the module's 500
    /// ms; at most 60000).
    #[arg(long, value_name = "MS", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=abi::ALOCK_TABLE_MAX_LEASE_MS as i64))]
    pub lease_ms: u32,
}

/// Placements of the lock table's keys (`ALOCK_PLACE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Placement {
    /// Fibonacci hash of k, mod nodes.
    Hash,
    /// k mod nodes.
    Mod,
}

impl Placement {
    /// The `ALOCK_PLACE_*` value.
    pub fn id(self) -> u32 {
        abi_id(&self, &abi::PLACEMENTS)
    }
}

/// Options of `cluster join`.
#[derive(Debug, Clone, Args)]
pub struct JoinArgs {
    /// This node's id, 0..NODES-1.
    #[arg(long, value_name = "I", value_parser = clap::value_parser!(u32).range(0..abi::ALOCK_CLUSTER_MAX_NODES as i64))]
    pub node: u32,
    /// Nodes in the cluster.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=abi::ALOCK_CLUSTER_MAX_NODES as i64))]
    pub nodes: u32,
    /// Address of every node, in node order, comma-separated (or repeat
    /// --addr): IPv4 or IPv6, each with an optional :PORT (IPv6 with a port:
    /// [ADDR]:PORT; default port 18600).  This node's own entry is where it
    /// listens: an address of an RDMA device.
    #[arg(long = "addr", value_name = "A0,A1,...", required = true, value_delimiter = ',', value_parser = parse_node_addr)]
    pub addrs: Vec<SocketAddr>,
    /// Bytes of memory this node exports, a multiple of 4096 in 4096..1048576.
    #[arg(long, value_name = "BYTES", default_value_t = 65536, value_parser = parse_window)]
    pub window: u32,
    /// Also connect to this node itself (a loopback QP, for benchmarks).
    #[arg(long)]
    pub loopback: bool,
    /// How long to wait for every peer, in seconds (decimals allowed, at most 600).
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_timeout)]
    pub timeout: u32,
    /// Longest wait for one verb before the connection is declared lost, in
    /// milliseconds: 0 (the module's 1000) or 10..60000.
    #[arg(long, value_name = "MS", default_value_t = 0, value_parser = parse_op_timeout)]
    pub op_timeout_ms: u32,
    /// File with the cluster's key, the same on every node: 32 bytes, or
    /// 64 hexadecimal digits (e.g. `openssl rand -hex 32`); not all zeros.
    /// Members prove to each other that they hold it.
    #[arg(long = "key-file", value_name = "FILE", value_parser = parse_key_file)]
    pub key: ClusterKey,
}

/// A cluster key read from a `--key-file` (its bytes are not printed).
#[derive(Clone, PartialEq, Eq)]
pub struct ClusterKey(pub [u8; abi::ALOCK_CLUSTER_KEY_SIZE as usize]);

impl std::fmt::Debug for ClusterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClusterKey(..)")
    }
}

/// The key in a key file's contents: exactly 32 bytes, or 64 hexadecimal
/// digits with optional surrounding whitespace; not all zeros.
pub fn parse_key(b: &[u8]) -> Result<ClusterKey, String> {
    const N: usize = abi::ALOCK_CLUSTER_KEY_SIZE as usize;
    let mut k = [0u8; N];
    let t = String::from_utf8_lossy(b);
    let t = t.trim();
    if t.len() == 2 * N && t.bytes().all(|c| c.is_ascii_hexdigit()) {
        for (i, o) in k.iter_mut().enumerate() {
            *o = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
        }
    } else if b.len() == N {
        k.copy_from_slice(b);
    } else {
        return Err(format!(
            "a key file holds {N} bytes or {} hexadecimal digits, not {} bytes",
            2 * N,
            b.len()
        ));
    }
    if k.iter().all(|&x| x == 0) {
        return Err("the key is all zeros: make one with `openssl rand -hex 32`".into());
    }
    Ok(ClusterKey(k))
}

/// Reads and parses a `--key-file`.
pub fn parse_key_file(path: &str) -> Result<ClusterKey, String> {
    let b = std::fs::read(path).map_err(|e| format!("`{path}`: {e}"))?;
    parse_key(&b).map_err(|e| format!("`{path}`: {e}"))
}

/// Parse one node address: `1.2.3.4`, `1.2.3.4:PORT`, `fd00::1`, `[fd00::1]`
/// or `[fd00::1]:PORT`; the port defaults to 18600 and may not be 0.
pub fn parse_node_addr(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    let a = if let Ok(a) = s.parse::<SocketAddr>() {
        a
    } else {
        let ip = s
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(s);
        let ip: IpAddr = ip.parse().map_err(|_| {
            format!("`{s}` is not an IPv4 or IPv6 address (with an optional :PORT; [IPv6]:PORT)")
        })?;
        SocketAddr::new(ip, abi::CLUSTER_DEFAULT_PORT)
    };
    if a.port() == 0 {
        return Err(format!("`{s}`: the port must be 1..65535"));
    }
    if let SocketAddr::V6(v6) = a {
        if v6.scope_id() != 0 || v6.flowinfo() != 0 {
            return Err(format!("`{s}`: no scope id or flow info"));
        }
    }
    Ok(a)
}

/// Parse a window size in bytes: a multiple of 4096 within the ABI's range.
pub fn parse_window(s: &str) -> Result<u32, String> {
    let v: u32 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of bytes"))?;
    if !(abi::ALOCK_CLUSTER_MIN_WINDOW..=abi::ALOCK_CLUSTER_MAX_WINDOW).contains(&v)
        || !v.is_multiple_of(4096)
    {
        return Err(format!(
            "must be a multiple of 4096 between {} and {}",
            abi::ALOCK_CLUSTER_MIN_WINDOW,
            abi::ALOCK_CLUSTER_MAX_WINDOW
        ));
    }
    Ok(v)
}

/// Parse a join timeout in seconds into milliseconds within the ABI's range.
pub fn parse_timeout(s: &str) -> Result<u32, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    let ms = (v * 1000.0).round();
    if !(1.0..=abi::ALOCK_CLUSTER_MAX_TIMEOUT_MS as f64).contains(&ms) {
        return Err(format!(
            "must be between 0.001 and {} seconds",
            abi::ALOCK_CLUSTER_MAX_TIMEOUT_MS / 1000
        ));
    }
    Ok(ms as u32)
}

/// Parse a verb timeout in milliseconds: 0 or 10..60000.
pub fn parse_op_timeout(s: &str) -> Result<u32, String> {
    let v: u32 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of milliseconds"))?;
    if v != 0 && !(abi::CLUSTER_MIN_OP_TIMEOUT_MS..=abi::CLUSTER_MAX_OP_TIMEOUT_MS).contains(&v) {
        return Err(format!(
            "must be 0 (the module's default) or {}..{}",
            abi::CLUSTER_MIN_OP_TIMEOUT_MS,
            abi::CLUSTER_MAX_OP_TIMEOUT_MS
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests;
