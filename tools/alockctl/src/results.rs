//! Results of stress runs and benchmark matrices: one flat [`Row`] per
//! ioctl, collected in a [`Results`] file that serialises to JSON and CSV
//! and prints as an aligned table.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

use crate::abi::{self, AlockMrlock, AlockStress, AlockTxn};

/// One run: one `ALOCK_IOC_STRESS`, `ALOCK_IOC_MRLOCK` or `ALOCK_IOC_TXN` call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Which ioctl: `stress`, `mrlock` or `txn`.
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

    /// Restarts per second (txn).
    pub fn restart_rate(&self) -> f64 {
        rate(self.restarts, self.elapsed_ns)
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

/// CSV column names, in [`Results::to_csv`] order.
pub const CSV_COLUMNS: [&str; 27] = [
    "scenario",
    "kind",
    "lock",
    "group",
    "threads",
    "unbound",
    "cs_spins",
    "elapsed_ns",
    "ops",
    "rate",
    "ratio",
    "baseline",
    "errors",
    "interrupted",
    "min_thread_ops",
    "max_thread_ops",
    "order_checks",
    "order_errors",
    "param",
    "min_request",
    "max_request",
    "mode_switches",
    "restarts",
    "waits",
    "timeouts",
    "exclusive",
    "max_restarts",
];

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

    /// One header line and one line per row.
    pub fn to_csv(&self) -> String {
        let mut out = CSV_COLUMNS.join(",");
        out.push('\n');
        let base = self.baseline.clone().unwrap_or_default();
        for r in &self.rows {
            let fields = [
                csv_field(&self.scenario),
                csv_field(&r.kind),
                csv_field(&r.lock),
                csv_field(&r.group),
                r.threads.to_string(),
                r.unbound.to_string(),
                r.cs_spins.to_string(),
                r.elapsed_ns.to_string(),
                r.ops.to_string(),
                format!("{:.1}", r.rate),
                r.ratio.map(|x| format!("{x:.4}")).unwrap_or_default(),
                if r.ratio.is_some() {
                    csv_field(&base)
                } else {
                    String::new()
                },
                r.errors.to_string(),
                r.interrupted.to_string(),
                r.min_thread_ops.to_string(),
                r.max_thread_ops.to_string(),
                r.order_checks.to_string(),
                r.order_errors.to_string(),
                r.param.to_string(),
                r.min_request.to_string(),
                r.max_request.to_string(),
                r.mode_switches.to_string(),
                r.restarts.to_string(),
                r.waits.to_string(),
                r.timeouts.to_string(),
                r.exclusive.to_string(),
                r.max_restarts.to_string(),
            ];
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    }

    /// Fill in each row's ratio to the baseline lock's row with the same
    /// group and thread count.
    pub fn compute_ratios(&mut self) {
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

    /// The aligned table a person reads: for benchmarks one line per
    /// (group, threads) and one column per lock with its ratio; for single
    /// runs one line per run with every figure.
    pub fn table(&self) -> String {
        if self.baseline.is_some() || self.scenario == "txn" {
            self.matrix_table()
        } else {
            self.runs_table()
        }
    }

    fn matrix_table(&self) -> String {
        let txn = self.scenario == "txn";
        let locks = self.locks();
        let mut head = vec!["group".to_string(), "threads".to_string()];
        for l in &locks {
            if txn {
                head.push(format!("{l} commits/s"));
                head.push(format!("{l} restarts/s"));
            } else {
                head.push(format!("{l} ops/s"));
            }
        }
        let mut lines = vec![head];
        let mut keys: Vec<(String, u32)> = Vec::new();
        for r in &self.rows {
            let k = (r.group.clone(), r.threads);
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        for (g, t) in keys {
            let mut line = vec![g.clone(), t.to_string()];
            for l in &locks {
                let row = self
                    .rows
                    .iter()
                    .find(|r| r.group == g && r.threads == t && &r.lock == l);
                match row {
                    None => {
                        line.push("-".into());
                        if txn {
                            line.push("-".into());
                        }
                    }
                    Some(r) if txn => {
                        line.push(format!("{:.0}", r.rate));
                        line.push(format!("{:.0}", r.restart_rate()));
                    }
                    Some(r) => line.push(match r.ratio {
                        Some(x) if Some(l) != self.baseline.as_ref() => {
                            format!("{:.0} ({x:.2}x)", r.rate)
                        }
                        _ => format!("{:.0}", r.rate),
                    }),
                }
            }
            lines.push(line);
        }
        let mut out = String::new();
        if let Some(b) = &self.baseline {
            let _ = writeln!(
                out,
                "{}: {} ms per run, {} CPUs; ops/s and ratio to {b}",
                self.scenario, self.cell_ms, self.nr_cpus
            );
        } else {
            let _ = writeln!(
                out,
                "{}: {} ms per run, {} CPUs",
                self.scenario, self.cell_ms, self.nr_cpus
            );
        }
        out.push_str(&align(&lines));
        out
    }

    fn runs_table(&self) -> String {
        let head = [
            "kind",
            "lock",
            "threads",
            "spins",
            "ms",
            "ops",
            "ops/s",
            "per thread",
            "order errs/checks",
            "errors",
        ];
        let mut lines = vec![head.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
        for r in &self.rows {
            let lock = match r.kind.as_str() {
                "mrlock" => format!(
                    "{} k={} h={}..{}",
                    r.lock, r.param, r.min_request, r.max_request
                ),
                "txn" => format!("{} {}rec/{}", r.lock, r.param, r.min_request),
                _ if r.param > 0 => format!("{} slots={}", r.lock, r.param),
                _ => r.lock.clone(),
            };
            lines.push(vec![
                r.kind.clone(),
                lock,
                format!("{}{}", r.threads, if r.unbound { "u" } else { "" }),
                r.cs_spins.to_string(),
                format!("{:.0}", r.elapsed_ns as f64 / 1e6),
                r.ops.to_string(),
                format!("{:.0}", r.rate),
                if r.kind == "txn" {
                    format!("{} restarts", r.restarts)
                } else {
                    format!("{}..{}", r.min_thread_ops, r.max_thread_ops)
                },
                format!("{}/{}", r.order_errors, r.order_checks),
                format!(
                    "{}{}",
                    r.errors,
                    if r.interrupted { " (interrupted)" } else { "" }
                ),
            ]);
        }
        align_left(&lines, 2)
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Align cells in columns: the first column left-aligned, the others
/// right-aligned, two spaces apart, a rule under the header.
pub fn align(lines: &[Vec<String>]) -> String {
    align_left(lines, 1)
}

/// Like [`align`], with the first `left` columns left-aligned.
pub fn align_left(lines: &[Vec<String>], left: usize) -> String {
    let ncol = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut width = vec![0; ncol];
    for l in lines {
        for (i, c) in l.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for (n, l) in lines.iter().enumerate() {
        let mut s = String::new();
        for (i, c) in l.iter().enumerate() {
            let sep = if i == 0 { "" } else { "  " };
            if i < left {
                let _ = write!(s, "{sep}{c:<w$}", w = width[i]);
            } else {
                let _ = write!(s, "{sep}{c:>w$}", w = width[i]);
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
        if n == 0 {
            let total = width.iter().sum::<usize>() + 2 * ncol.saturating_sub(1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Results {
        let mut r = Results {
            scenario: "queue".into(),
            tool_version: "0.1.0".into(),
            module_version: "test".into(),
            abi_version: 2,
            nr_cpus: 2,
            cell_ms: 1000,
            baseline: Some("spinlock".into()),
            rows: vec![],
        };
        for (lock, rate) in [("spinlock", 100.0), ("mcs", 50.0)] {
            r.rows.push(Row {
                kind: "stress".into(),
                lock: lock.into(),
                group: "spins=0".into(),
                threads: 2,
                elapsed_ns: 1_000_000_000,
                ops: rate as u64,
                rate,
                ..Row::default()
            });
        }
        r.compute_ratios();
        r
    }

    #[test]
    fn ratios_are_relative_to_the_baseline() {
        let r = sample();
        assert_eq!(r.rows[0].ratio, Some(1.0));
        assert_eq!(r.rows[1].ratio, Some(0.5));
    }

    #[test]
    fn json_round_trips() {
        let r = sample();
        let back = Results::from_json(&r.to_json()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn csv_has_a_header_and_one_line_per_row() {
        let csv = sample().to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].split(',').count(), CSV_COLUMNS.len());
        assert_eq!(lines[2].split(',').count(), CSV_COLUMNS.len());
        assert!(lines[2].starts_with("queue,stress,mcs,spins=0,2,"));
        assert!(lines[2].contains(",0.5000,spinlock,"));
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }

    #[test]
    fn table_is_aligned_with_ratios() {
        let t = sample().table();
        assert!(t.contains("ratio to spinlock"), "{t}");
        assert!(t.contains("50 (0.50x)"), "{t}");
        let lines: Vec<&str> = t.lines().skip(1).collect();
        // Header, rule and the row end at the same column.
        assert_eq!(lines[0].len(), lines[2].len());
        assert_eq!(lines[1].len(), lines[0].len());
    }

    #[test]
    fn txn_rates_and_runs_table() {
        let x = AlockTxn {
            mode: 3,
            threads: 4,
            records: 8,
            tx_records: 4,
            commits: 2000,
            restarts: 500,
            elapsed_ns: 500_000_000,
            ..AlockTxn::default()
        };
        let row = Row::from_txn(&x, true);
        assert_eq!(row.lock, "wait");
        assert_eq!(row.rate, 4000.0);
        assert_eq!(row.restart_rate(), 1000.0);
        let r = Results {
            scenario: "stress".into(),
            rows: vec![row],
            ..Results::default()
        };
        let t = r.table();
        assert!(
            t.contains("wait 8rec/4") && t.contains("(interrupted)"),
            "{t}"
        );
    }
}
