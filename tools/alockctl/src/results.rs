//! Results of stress runs and benchmark matrices: one flat [`Row`] per
//! ioctl, collected in a [`Results`] file that serialises to JSON and CSV.
//! The tables a person reads are printed by [`crate::report`].

use serde::{Deserialize, Serialize};

use crate::abi::{
    self, AlockDlockRun, AlockMrlock, AlockRwcost, AlockRwstress, AlockRwwake, AlockStress,
    AlockTxn,
};
use crate::cli::DlockLock;
use crate::fmt::errno_name;
use crate::hist::Hist;

mod csv;

pub use csv::CSV_COLUMNS;

/// One run: one `ALOCK_IOC_STRESS`, `ALOCK_IOC_MRLOCK`, `ALOCK_IOC_TXN`,
/// `ALOCK_IOC_RWSTRESS`, `ALOCK_IOC_RWCOST`, `ALOCK_IOC_RWWAKE` or
/// `ALOCK_IOC_DLOCK_RUN` call.
///
/// Reader-writer runs (`rw`) keep reads in `ops`/`rate`, the read spins
/// in `cs_spins` and the fewest reads of a reader in `min_thread_ops`;
/// `rwcost` rows keep the pairs in `ops` and their total time in
/// `elapsed_ns`; `rwwake` rows the rounds in `ops`, the summed wake-up
/// time in `elapsed_ns` and the readers in `threads`; lock-table runs
/// (`dlock`) the critical sections in `ops` and the owner violations in
/// `errors`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Which ioctl: `stress`, `mrlock`, `txn`, `rw`, `rwcost`, `rwwake` or
    /// `dlock`.
    pub kind: String,
    /// Lock, scheme or transaction mode (`mcs`, `2pl`, `wait`, ...).
    pub lock: String,
    /// Matrix group: `spins=0`, `low`, `records=8`, ... (empty for single runs).
    #[serde(default)]
    pub group: String,
    /// Kernel threads.
    pub threads: u32,
    /// Threads were not bound to CPUs.
    #[serde(default)]
    pub unbound: bool,
    /// Busy-wait iterations in each critical section.
    pub cs_spins: u32,
    /// Wall time of the run.
    pub elapsed_ns: u64,
    /// Critical sections, granted requests or committed transactions.
    pub ops: u64,
    /// `ops` per second.
    pub rate: f64,
    /// `rate` over the baseline's rate in the same group (benchmarks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// Violations counted by the module.
    pub errors: u64,
    /// The run was cut short by a signal (partial results).
    #[serde(default)]
    pub interrupted: bool,
    /// Fewest operations of one thread.
    #[serde(default)]
    pub min_thread_ops: u64,
    /// Most operations of one thread.
    #[serde(default)]
    pub max_thread_ops: u64,
    /// Hand-offs or grants checked against queue order.
    #[serde(default)]
    pub order_checks: u64,
    /// Hand-offs or grants that broke queue order.
    #[serde(default)]
    pub order_errors: u64,
    /// ABQL slots (stress), k (mrlock) or records (txn); 0 if not applicable.
    #[serde(default)]
    pub param: u32,
    /// Smallest request h (mrlock) or records per transaction (txn).
    #[serde(default)]
    pub min_request: u32,
    /// Largest request h (mrlock).
    #[serde(default)]
    pub max_request: u32,
    /// Adaptive scheme switches (mrlock).
    #[serde(default)]
    pub mode_switches: u64,
    /// Restarts (txn).
    #[serde(default)]
    pub restarts: u64,
    /// Waits in a waiting queue (txn).
    #[serde(default)]
    pub waits: u64,
    /// Waits that timed out (txn).
    #[serde(default)]
    pub timeouts: u64,
    /// Transactions committed in exclusive mode (txn).
    #[serde(default)]
    pub exclusive: u64,
    /// Most restarts of one transaction (txn).
    #[serde(default)]
    pub max_restarts: u64,
    /// What `ratio` divides, where it is not rate over the baseline's
    /// rate (rw: `x/rcu`, `prwlock/x`, `sequential/parallel`, ...).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ratio_to: String,
    /// Reader threads (rw, rwwake).
    #[serde(default)]
    pub readers: u32,
    /// Writer threads (rw).
    #[serde(default)]
    pub writers: u32,
    /// Busy-wait iterations in each write section (rw).
    #[serde(default)]
    pub write_spins: u32,
    /// Writers' pause between write sections, microseconds (rw).
    #[serde(default)]
    pub pause_us: u32,
    /// How readers block inside: `sleep`, `yield`, `migrate` or empty (rw).
    #[serde(default)]
    pub block: String,
    /// One read section in this many blocks (rw).
    #[serde(default)]
    pub sleep_every: u32,
    /// prwlock's sequential wake-up (rw, rwwake).
    #[serde(default)]
    pub seq_wake: bool,
    /// Write sections completed (rw).
    #[serde(default)]
    pub writes: u64,
    /// Fewest write sections of one writer (rw).
    #[serde(default)]
    pub min_writer_ops: u64,
    /// Read sections that slept or yielded (rw).
    #[serde(default)]
    pub read_sleeps: u64,
    /// Read sections that ended on another CPU (rw).
    #[serde(default)]
    pub migrations: u64,
    /// prwlock read unlocks that took the active path (rw).
    #[serde(default)]
    pub active_unlocks: u64,
    /// prwlock IPIs sent by writers (rw).
    #[serde(default)]
    pub ipis: u64,
    /// CPUs prwlock writers counted as reported because they were idle (rw).
    #[serde(default)]
    pub idle_skips: u64,
    /// Online CPUs prwlock writers skipped as outside the lock's domain (rw).
    #[serde(default)]
    pub domain_skips: u64,
    /// prwlock consensus rounds (rw).
    #[serde(default)]
    pub consensus_rounds: u64,
    /// prwlock IPIs that converted readers staying past the drain spin (rw).
    #[serde(default)]
    pub drain_ipis: u64,
    /// Time spent acquiring the write side, all writers (rw).
    #[serde(default)]
    pub write_ns_total: u64,
    /// Longest write-side acquisition (rw), or longest wake-up (rwwake).
    #[serde(default)]
    pub max_ns: u64,
    /// Percentage of operations on keys homed on this node (dlock).
    #[serde(default)]
    pub local_pct: u32,
    /// Keys one operation takes together (dlock).
    #[serde(default)]
    pub keys_per_op: u32,
    /// Waiters spun between polls instead of yielding (dlock).
    #[serde(default)]
    pub spin: bool,
    /// Operations on keys homed here (dlock).
    #[serde(default)]
    pub local_ops: u64,
    /// Operations on keys homed on other nodes (dlock).
    #[serde(default)]
    pub remote_ops: u64,
    /// Counter increments made, one per key per operation (dlock).
    #[serde(default)]
    pub increments: u64,
    /// Acquires or releases that failed (dlock).
    #[serde(default)]
    pub failures: u64,
    /// Negative errno of the first failure, else 0 (dlock).
    #[serde(default)]
    pub first_error: i32,
    /// Its name (`ETIMEDOUT`), empty for none (dlock).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub first_error_name: String,
    /// Median acquire latency of local operations (dlock).
    #[serde(default)]
    pub local_lat_median_ns: u64,
    /// 99th percentile of the local acquire latency (dlock).
    #[serde(default)]
    pub local_lat_p99_ns: u64,
    /// Median acquire latency of remote operations (dlock).
    #[serde(default)]
    pub remote_lat_median_ns: u64,
    /// 99th percentile of the remote acquire latency (dlock).
    #[serde(default)]
    pub remote_lat_p99_ns: u64,
    /// Verbs posted by operations on local keys (dlock).
    #[serde(default)]
    pub local_verbs: u64,
    /// Verbs posted by operations on remote keys (dlock).
    #[serde(default)]
    pub remote_verbs: u64,
    /// Verbs by kind: RDMA READs, WRITEs, atomics, messages (dlock).
    #[serde(default)]
    pub verbs_by_kind: [u64; 4],
    /// ALock's steps: Peterson polls, failed CASes, hand-offs inside a
    /// cohort, cohort leaders, remote fast-path entries (dlock).
    #[serde(default)]
    pub steps: [u64; 5],
    /// Percentage of operations that took their keys shared (dlock, ABI
    /// 10; reader-writer locks).
    #[serde(default)]
    pub read_pct: u32,
    /// Operations that took their keys shared (dlock).
    #[serde(default)]
    pub shared_ops: u64,
    /// Shared sections that began while another thread of the node was in
    /// one on the same key (dlock).
    #[serde(default)]
    pub overlaps: u64,
    /// Reader-writer steps: ALock-RW readers that backed out of a writer
    /// phase, writer phases opened, polls of reader or writer waits
    /// (dlock).
    #[serde(default)]
    pub rw_steps: [u64; 3],
    /// Median and 99th percentile acquire latency of shared operations,
    /// then of exclusive ones (dlock).
    #[serde(default)]
    pub mode_lat_ns: [u64; 4],
    /// Acquire latency of every critical section (stress) or request
    /// (mrlock), ABI 8; absent in older files.
    #[serde(default, skip_serializing_if = "Hist::is_absent")]
    pub lat: Hist,
    /// Read-side acquire latency of one read section in
    /// `ALOCK_RW_LAT_SAMPLE` (rw).
    #[serde(default, skip_serializing_if = "Hist::is_absent")]
    pub read_lat: Hist,
    /// Write-side acquire latency of every write section (rw).
    #[serde(default, skip_serializing_if = "Hist::is_absent")]
    pub write_lat: Hist,
    /// Acquire latency of operations on local keys (dlock).
    #[serde(default, skip_serializing_if = "Hist::is_absent")]
    pub local_lat: Hist,
    /// Acquire latency of operations on remote keys (dlock).
    #[serde(default, skip_serializing_if = "Hist::is_absent")]
    pub remote_lat: Hist,
}

fn rate(n: u64, ns: u64) -> f64 {
    if ns == 0 {
        0.0
    } else {
        n as f64 * 1e9 / ns as f64
    }
}

impl Row {
    /// The row of an `ALOCK_IOC_STRESS` result.
    pub fn from_stress(s: &AlockStress, interrupted: bool) -> Self {
        Row {
            kind: "stress".into(),
            lock: abi::name_of(&abi::LOCKS, s.lock).into(),
            threads: s.threads,
            unbound: s.flags & abi::ALOCK_STRESS_UNBOUND != 0,
            cs_spins: s.cs_spins,
            elapsed_ns: s.elapsed_ns,
            ops: s.ops,
            rate: rate(s.ops, s.elapsed_ns),
            errors: s.errors,
            interrupted,
            min_thread_ops: s.min_thread_ops,
            max_thread_ops: s.max_thread_ops,
            order_checks: s.order_checks,
            order_errors: s.order_errors,
            param: s.lock_param,
            lat: Hist::from_abi(&s.lat),
            ..Row::default()
        }
    }

    /// The row of an `ALOCK_IOC_MRLOCK` result.
    pub fn from_mrlock(m: &AlockMrlock, interrupted: bool) -> Self {
        Row {
            kind: "mrlock".into(),
            lock: abi::name_of(&abi::MR_SCHEMES, m.lock).into(),
            threads: m.threads,
            unbound: m.flags & abi::ALOCK_STRESS_UNBOUND != 0,
            cs_spins: m.cs_spins,
            elapsed_ns: m.elapsed_ns,
            ops: m.ops,
            rate: rate(m.ops, m.elapsed_ns),
            errors: m.errors,
            interrupted,
            min_thread_ops: m.min_thread_ops,
            max_thread_ops: m.max_thread_ops,
            order_checks: m.order_checks,
            order_errors: m.order_errors,
            param: m.resources,
            min_request: m.min_request,
            max_request: m.max_request,
            mode_switches: m.mode_switches,
            lat: Hist::from_abi(&m.lat),
            ..Row::default()
        }
    }

    /// The row of an `ALOCK_IOC_TXN` result.
    pub fn from_txn(x: &AlockTxn, interrupted: bool) -> Self {
        Row {
            kind: "txn".into(),
            lock: abi::name_of(&abi::TXN_MODES, x.mode).into(),
            threads: x.threads,
            unbound: x.flags & abi::ALOCK_STRESS_UNBOUND != 0,
            cs_spins: x.cs_spins,
            elapsed_ns: x.elapsed_ns,
            ops: x.commits,
            rate: rate(x.commits, x.elapsed_ns),
            errors: x.errors,
            interrupted,
            param: x.records,
            min_request: x.tx_records,
            restarts: x.restarts,
            waits: x.waits,
            timeouts: x.timeouts,
            exclusive: x.exclusive,
            max_restarts: x.max_restarts,
            ..Row::default()
        }
    }

    /// The row of an `ALOCK_IOC_RWSTRESS` result.
    pub fn from_rwstress(a: &AlockRwstress, interrupted: bool) -> Self {
        let block = if a.flags & abi::ALOCK_RW_SLEEP != 0 {
            "sleep"
        } else if a.flags & abi::ALOCK_RW_YIELD != 0 {
            "yield"
        } else if a.flags & abi::ALOCK_RW_MIGRATE != 0 {
            "migrate"
        } else {
            ""
        };
        Row {
            kind: "rw".into(),
            lock: abi::name_of(&abi::RW_LOCKS, a.lock).into(),
            threads: a.readers + a.writers,
            unbound: a.flags & abi::ALOCK_RW_UNBOUND != 0,
            cs_spins: a.read_spins,
            elapsed_ns: a.elapsed_ns,
            ops: a.reads,
            rate: rate(a.reads, a.elapsed_ns),
            errors: a.errors,
            interrupted,
            min_thread_ops: a.min_reader_ops,
            readers: a.readers,
            writers: a.writers,
            write_spins: a.write_spins,
            pause_us: a.write_pause_us,
            block: block.into(),
            sleep_every: a.sleep_every,
            seq_wake: a.flags & abi::ALOCK_RW_SEQ_WAKE != 0,
            writes: a.writes,
            min_writer_ops: a.min_writer_ops,
            read_sleeps: a.read_sleeps,
            migrations: a.migrations,
            active_unlocks: a.active_unlocks,
            ipis: a.ipis,
            idle_skips: a.idle_skips,
            domain_skips: a.domain_skips,
            consensus_rounds: a.rounds,
            drain_ipis: a.drain_ipis,
            write_ns_total: a.write_ns_total,
            max_ns: a.write_ns_max,
            read_lat: Hist::from_abi(&a.read_lat),
            write_lat: Hist::from_abi(&a.write_lat),
            ..Row::default()
        }
    }

    /// The row of an `ALOCK_IOC_RWCOST` result.
    pub fn from_rwcost(c: &AlockRwcost) -> Self {
        Row {
            kind: "rwcost".into(),
            lock: abi::name_of(&abi::RW_LOCKS, c.lock).into(),
            threads: 1,
            elapsed_ns: c.ns,
            ops: c.iterations as u64,
            rate: rate(c.iterations as u64, c.ns),
            ..Row::default()
        }
    }

    /// The row of an `ALOCK_IOC_RWWAKE` result.
    pub fn from_rwwake(w: &AlockRwwake, interrupted: bool) -> Self {
        Row {
            kind: "rwwake".into(),
            lock: "prwlock".into(),
            threads: w.readers,
            readers: w.readers,
            elapsed_ns: w.total_ns,
            ops: w.rounds as u64,
            rate: rate(w.rounds as u64, w.total_ns),
            errors: w.errors,
            interrupted,
            seq_wake: w.flags & abi::ALOCK_RW_SEQ_WAKE != 0,
            max_ns: w.max_ns,
            ..Row::default()
        }
    }

    /// The row of an `ALOCK_IOC_DLOCK_RUN` result.
    pub fn from_dlock(d: &AlockDlockRun, interrupted: bool) -> Self {
        Row {
            kind: "dlock".into(),
            lock: DlockLock::from_id(d.lock)
                .map_or("?", DlockLock::name)
                .into(),
            threads: d.threads,
            elapsed_ns: d.elapsed_ns,
            ops: d.ops,
            rate: rate(d.ops, d.elapsed_ns),
            errors: d.errors,
            interrupted,
            min_thread_ops: d.min_thread_ops,
            max_thread_ops: d.max_thread_ops,
            local_pct: d.local_pct,
            keys_per_op: d.keys_per_op,
            spin: d.flags & abi::ALOCK_DLOCK_SPIN != 0,
            local_ops: d.local_ops,
            remote_ops: d.remote_ops,
            increments: d.increments,
            failures: d.failures,
            first_error: d.first_error,
            first_error_name: if d.first_error == 0 {
                String::new()
            } else {
                errno_name(d.first_error)
            },
            local_lat_median_ns: d.local_lat_median_ns,
            local_lat_p99_ns: d.local_lat_p99_ns,
            remote_lat_median_ns: d.remote_lat_median_ns,
            remote_lat_p99_ns: d.remote_lat_p99_ns,
            local_verbs: d.local_verbs,
            remote_verbs: d.remote_verbs,
            verbs_by_kind: [d.reads, d.writes, d.atomics, d.sends],
            steps: [
                d.peterson_polls,
                d.cas_retries,
                d.handoffs,
                d.leaders,
                d.fast_entries,
            ],
            local_lat: Hist::from_abi(&d.local_lat),
            remote_lat: Hist::from_abi(&d.remote_lat),
            read_pct: d.read_pct,
            shared_ops: d.shared_ops,
            overlaps: d.overlaps,
            rw_steps: [d.backouts, d.phases, d.rw_polls],
            mode_lat_ns: [
                d.shared_lat_median_ns,
                d.shared_lat_p99_ns,
                d.excl_lat_median_ns,
                d.excl_lat_p99_ns,
            ],
            ..Row::default()
        }
    }

    /// The latency histograms of this row worth showing, each with its
    /// class: `acquire` (stress, mrlock), `read` and `write` (rw, those
    /// with threads), `local` and `remote` (dlock, those the run could
    /// have).  Absent histograms (older files) are left out; present ones
    /// without samples are kept (shown as `-`).
    pub fn latencies(&self) -> Vec<(&'static str, &Hist)> {
        let all = [
            ("acquire", &self.lat, true),
            ("read", &self.read_lat, self.readers > 0),
            ("write", &self.write_lat, self.writers > 0),
            ("local", &self.local_lat, self.local_pct > 0),
            ("remote", &self.remote_lat, self.local_pct < 100),
        ];
        all.into_iter()
            .filter(|(_, h, wanted)| h.is_present() && (*wanted || !h.is_empty()))
            .map(|(c, h, _)| (c, h))
            .collect()
    }

    /// Operations on local keys per second (dlock).
    pub fn local_rate(&self) -> f64 {
        rate(self.local_ops, self.elapsed_ns)
    }

    /// Operations on remote keys per second (dlock).
    pub fn remote_rate(&self) -> f64 {
        rate(self.remote_ops, self.elapsed_ns)
    }

    /// Verbs per operation on remote keys (dlock; 0 without one).
    pub fn verbs_per_remote_op(&self) -> f64 {
        if self.remote_ops == 0 {
            0.0
        } else {
            self.remote_verbs as f64 / self.remote_ops as f64
        }
    }

    /// Restarts per second (txn).
    pub fn restart_rate(&self) -> f64 {
        rate(self.restarts, self.elapsed_ns)
    }

    /// Write sections per second (rw).
    pub fn write_rate(&self) -> f64 {
        rate(self.writes, self.elapsed_ns)
    }

    /// Nanoseconds per operation: per read lock+unlock pair (rwcost),
    /// mean wake-up time (rwwake).
    pub fn ns_per_op(&self) -> f64 {
        if self.ops == 0 {
            0.0
        } else {
            self.elapsed_ns as f64 / self.ops as f64
        }
    }

    /// Mean write-side acquisition time in nanoseconds (rw).
    pub fn write_acquire_ns(&self) -> f64 {
        if self.writes == 0 {
            0.0
        } else {
            self.write_ns_total as f64 / self.writes as f64
        }
    }

    /// The name a row has in the `rw` matrix: the lock, or `parallel` /
    /// `sequential` for wake-up rows.
    pub fn rw_name(&self) -> String {
        match (self.kind.as_str(), self.seq_wake) {
            ("rwwake", false) => "parallel".into(),
            ("rwwake", true) => "sequential".into(),
            _ => self.lock.clone(),
        }
    }
}

/// A section of the `rw` matrix: group name, title, the row name the
/// ratio refers to, and whether the ratio is the reference over the row
/// (`prwlock/x`) rather than the row over the reference (`x/rcu`).
pub struct RwSection {
    /// How the ratio reads (`x/rcu`, `prwlock/x`, ...).
    pub ratio_to: &'static str,
    /// Group of the rows.
    pub group: &'static str,
    /// What the section measures.
    pub title: &'static str,
    /// The row the ratios refer to.
    pub reference: &'static str,
    /// `reference / x` instead of `x / reference`.
    pub inverse: bool,
}

/// The sections of the `rw` matrix, in order (as `alocktest bench-rw`).
pub const RW_SECTIONS: [RwSection; 5] = [
    RwSection {
        ratio_to: "x/rcu",
        group: "read-cost",
        title: "read lock+unlock cost, ns per pair on one CPU",
        reference: "rcu",
        inverse: false,
    },
    RwSection {
        ratio_to: "prwlock/x",
        group: "read-throughput",
        title: "read throughput, n readers, no writer",
        reference: "prwlock",
        inverse: true,
    },
    RwSection {
        ratio_to: "x/prwlock",
        group: "write-idle",
        title: "write acquisition with idle readers, 1 writer every 50 ms",
        reference: "prwlock",
        inverse: false,
    },
    RwSection {
        ratio_to: "prwlock/x",
        group: "read-write",
        title: "n readers + 1 writer every 1 ms",
        reference: "prwlock",
        inverse: true,
    },
    RwSection {
        ratio_to: "sequential/parallel",
        group: "wake",
        title: "wake-up of sleeping readers after a writer",
        reference: "parallel",
        inverse: false,
    },
];

/// The figure a row of the `rw` matrix is compared by: ns per pair
/// (read-cost), reads/s (read-throughput, read-write), write acquisition ns
/// (write-idle), mean wake-up ns (wake).
pub fn rw_metric(r: &Row) -> f64 {
    match r.group.as_str() {
        "read-cost" | "wake" => r.ns_per_op(),
        "write-idle" => r.write_acquire_ns(),
        _ => r.rate,
    }
}

/// A results file: what ran where, and its rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// `stress`, `queue`, `mrlock` or `txn`.
    pub scenario: String,
    /// Version of alockctl that wrote the file.
    pub tool_version: String,
    /// The module's version string.
    pub module_version: String,
    /// The module's ABI version.
    pub abi_version: u32,
    /// CPUs the module saw.
    pub nr_cpus: u32,
    /// Milliseconds per run.
    pub cell_ms: u32,
    /// Lock the ratios are relative to (benchmarks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// The runs.
    pub rows: Vec<Row>,
}

impl Results {
    /// Pretty JSON, newline-terminated.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("results serialise");
        s.push('\n');
        s
    }

    /// Parse a results file.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Fill in each row's ratio to the baseline lock's row with the same
    /// group and thread count.
    /// The `rw` matrix has its own ratio per section ([`RW_SECTIONS`]).
    pub fn compute_ratios(&mut self) {
        if self.scenario == "rw" {
            self.compute_rw_ratios();
            return;
        }
        let Some(base) = self.baseline.clone() else {
            return;
        };
        let rates: Vec<(String, u32, f64)> = self
            .rows
            .iter()
            .filter(|r| r.lock == base)
            .map(|r| (r.group.clone(), r.threads, r.rate))
            .collect();
        for r in &mut self.rows {
            r.ratio = rates
                .iter()
                .find(|(g, t, _)| *g == r.group && *t == r.threads)
                .filter(|(_, _, b)| *b > 0.0)
                .map(|(_, _, b)| r.rate / b);
        }
    }

    fn compute_rw_ratios(&mut self) {
        for sec in &RW_SECTIONS {
            let refv = self
                .rows
                .iter()
                .find(|r| r.group == sec.group && r.rw_name() == sec.reference)
                .map(rw_metric)
                .filter(|v| *v > 0.0);
            let to = sec.ratio_to.to_string();
            for r in self.rows.iter_mut().filter(|r| r.group == sec.group) {
                let v = rw_metric(r);
                r.ratio = match refv {
                    Some(b) if v > 0.0 => Some(if sec.inverse { b / v } else { v / b }),
                    _ => None,
                };
                r.ratio_to = to.clone();
            }
        }
    }

    /// Locks in first-seen order.
    pub fn locks(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for r in &self.rows {
            if !v.contains(&r.lock) {
                v.push(r.lock.clone());
            }
        }
        v
    }

    /// Groups in first-seen order.
    pub fn groups(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for r in &self.rows {
            if !v.contains(&r.group) {
                v.push(r.group.clone());
            }
        }
        v
    }
}

/// Results the tests of this module and of [`crate::report`] share.
#[cfg(test)]
pub(crate) mod samples;

#[cfg(test)]
mod tests;
