//! The aligned tables a person reads, printed from [`Results`]: one
//! matrix per benchmark (ratios to the baseline), the sections of the
//! `rw` matrix, and one line per run for single runs.

use std::fmt::Write as _;

use crate::abi::ALOCK_RW_LAT_SAMPLE;
use crate::fmt::{align, align_left};
use crate::hist::{fmt_opt_ns, PERCENTILES};
use crate::results::{Results, Row, RW_SECTIONS};

/// The aligned table a person reads: for benchmarks one line per
/// (group, threads) and one column per lock with its ratio; for single
/// runs one line per run with every figure.  Runs with latency
/// histograms (ABI 8) add the [`latency_table`] below.
pub fn table(res: &Results) -> String {
    let mut out = if res.scenario == "rw" {
        rw_table(res)
    } else if res.baseline.is_some() || res.scenario == "txn" {
        matrix_table(res)
    } else {
        runs_table(res)
    };
    let lat = latency_table(res);
    if !lat.is_empty() {
        out.push('\n');
        out.push_str(&lat);
    }
    out
}

/// The acquire-latency percentiles of every row with histograms: one
/// line per row and class (`acquire`, `read`, `write`, `local`,
/// `remote`), `-` for a class without samples; empty when no row has a
/// histogram (results from before ABI 8).
pub fn latency_table(res: &Results) -> String {
    let grouped = res.rows.iter().any(|r| !r.group.is_empty());
    let mut head: Vec<String> = vec!["kind".into(), "lock".into()];
    if grouped {
        head.push("group".into());
    }
    head.extend(["threads", "class", "samples"].map(String::from));
    head.extend(PERCENTILES.iter().map(|(l, _, _)| l.to_string()));
    let mut lines = vec![head];
    for r in &res.rows {
        for (class, h) in r.latencies() {
            let threads = match class {
                "read" => r.readers,
                "write" => r.writers,
                _ => r.threads,
            };
            let mut line = vec![r.kind.clone(), r.rw_name()];
            if grouped {
                line.push(r.group.clone());
            }
            line.extend([
                threads.to_string(),
                class.to_string(),
                h.total().to_string(),
            ]);
            line.extend(h.percentiles().map(fmt_opt_ns));
            lines.push(line);
        }
    }
    if lines.len() == 1 {
        return String::new();
    }
    let left = if grouped { 3 } else { 2 };
    format!(
        "acquire latency (log2 histograms, interpolated inside a bucket; rw reads: one in {ALOCK_RW_LAT_SAMPLE} timed)\n{}",
        align_left(&lines, left)
    )
}

fn matrix_table(res: &Results) -> String {
    let txn = res.scenario == "txn";
    let locks = res.locks();
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
    for r in &res.rows {
        let k = (r.group.clone(), r.threads);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    for (g, t) in keys {
        let mut line = vec![g.clone(), t.to_string()];
        for l in &locks {
            let row = res
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
                    Some(x) if Some(l) != res.baseline.as_ref() => {
                        format!("{:.0} ({x:.2}x)", r.rate)
                    }
                    _ => format!("{:.0}", r.rate),
                }),
            }
        }
        lines.push(line);
    }
    let mut out = String::new();
    if let Some(b) = &res.baseline {
        let _ = writeln!(
            out,
            "{}: {} ms per run, {} CPUs; ops/s and ratio to {b}",
            res.scenario, res.cell_ms, res.nr_cpus
        );
    } else {
        let _ = writeln!(
            out,
            "{}: {} ms per run, {} CPUs",
            res.scenario, res.cell_ms, res.nr_cpus
        );
    }
    out.push_str(&align(&lines));
    out
}

fn rw_table(res: &Results) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rw: {} ms per run, {} CPUs; ratios as alocktest bench-rw prints them",
        res.cell_ms, res.nr_cpus
    );
    let ratio = |r: &Row| {
        r.ratio
            .map(|x| format!("{x:.2}x"))
            .unwrap_or_else(|| "-".into())
    };
    for sec in &RW_SECTIONS {
        let rows: Vec<&Row> = res.rows.iter().filter(|r| r.group == sec.group).collect();
        if rows.is_empty() {
            continue;
        }
        let to = &rows[0].ratio_to;
        let _ = writeln!(out);
        let (head, lines): (Vec<&str>, Vec<Vec<String>>) = match sec.group {
            "read-cost" => (
                vec!["lock", "pairs", "ns/pair", "ratio"],
                rows.iter()
                    .map(|r| {
                        vec![
                            r.lock.clone(),
                            r.ops.to_string(),
                            format!("{:.1}", r.ns_per_op()),
                            ratio(r),
                        ]
                    })
                    .collect(),
            ),
            "write-idle" => (
                vec![
                    "lock",
                    "writes",
                    "acquire us",
                    "max us",
                    "rounds/w",
                    "IPIs/w",
                    "idle/w",
                    "domain/w",
                    "drain/w",
                    "ratio",
                ],
                rows.iter()
                    .map(|r| {
                        // Counters of prwlocks: none for the other lock.
                        let per_write = |n: u64| {
                            if r.writes > 0 && r.lock == "prwlock" {
                                format!("{:.2}", n as f64 / r.writes as f64)
                            } else {
                                "-".into()
                            }
                        };
                        vec![
                            r.lock.clone(),
                            r.writes.to_string(),
                            format!("{:.1}", r.write_acquire_ns() / 1e3),
                            format!("{:.1}", r.max_ns as f64 / 1e3),
                            per_write(r.consensus_rounds),
                            per_write(r.ipis),
                            per_write(r.idle_skips),
                            per_write(r.domain_skips),
                            per_write(r.drain_ipis),
                            ratio(r),
                        ]
                    })
                    .collect(),
            ),
            "wake" => (
                vec!["wake-up", "readers", "rounds", "mean us", "max us", "ratio"],
                rows.iter()
                    .map(|r| {
                        vec![
                            r.rw_name(),
                            r.readers.to_string(),
                            r.ops.to_string(),
                            format!("{:.1}", r.ns_per_op() / 1e3),
                            format!("{:.1}", r.max_ns as f64 / 1e3),
                            ratio(r),
                        ]
                    })
                    .collect(),
            ),
            _ => (
                vec!["lock", "readers", "writers", "reads/s", "writes/s", "ratio"],
                rows.iter()
                    .map(|r| {
                        vec![
                            r.lock.clone(),
                            r.readers.to_string(),
                            r.writers.to_string(),
                            format!("{:.0}", r.rate),
                            format!("{:.0}", r.write_rate()),
                            ratio(r),
                        ]
                    })
                    .collect(),
            ),
        };
        let _ = writeln!(out, "{} (ratio {to})", sec.title);
        let mut all = vec![head.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
        all.extend(lines);
        out.push_str(&align(&all));
        if sec.group == "write-idle" {
            let _ = writeln!(out, "{WRITER_COUNTS}");
        }
    }
    out
}

/// What the prwlock writer counters in the `rw` tables are.
const WRITER_COUNTS: &str = "/w: per write, prwlock's consensus rounds, IPIs, CPUs skipped \
     as idle and as outside\n    the lock's domain, IPIs to readers that stayed past the drain spin";

/// Single reader-writer runs: one line each with their own figures.
fn rw_runs_table(rows: &[&Row]) -> String {
    let head = [
        "kind",
        "lock",
        "readers/writers",
        "spins r/w",
        "ms",
        "reads/s",
        "writes/s",
        "min r/w",
        "sleeps",
        "migr.",
        "active",
        "rounds",
        "IPIs/drain",
        "skips idle/dom.",
        "write acq us avg/max",
        "errors",
    ];
    let mut lines = vec![head.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for r in rows {
        let mut lock = r.lock.clone();
        if !r.block.is_empty() {
            let _ = write!(lock, " {}={}", r.block, r.sleep_every);
        }
        if r.seq_wake {
            lock.push_str(" seq-wake");
        }
        if r.pause_us > 0 {
            let _ = write!(lock, " pause={}us", r.pause_us);
        }
        lines.push(vec![
            r.kind.clone(),
            lock,
            format!(
                "{}/{}{}",
                r.readers,
                r.writers,
                if r.unbound { "u" } else { "" }
            ),
            format!("{}/{}", r.cs_spins, r.write_spins),
            format!("{:.0}", r.elapsed_ns as f64 / 1e6),
            format!("{:.0}", r.rate),
            format!("{:.0}", r.write_rate()),
            format!("{}/{}", r.min_thread_ops, r.min_writer_ops),
            r.read_sleeps.to_string(),
            r.migrations.to_string(),
            r.active_unlocks.to_string(),
            r.consensus_rounds.to_string(),
            format!("{}/{}", r.ipis, r.drain_ipis),
            format!("{}/{}", r.idle_skips, r.domain_skips),
            format!(
                "{:.1}/{:.1}",
                r.write_acquire_ns() / 1e3,
                r.max_ns as f64 / 1e3
            ),
            format!(
                "{}{}",
                r.errors,
                if r.interrupted { " (interrupted)" } else { "" }
            ),
        ]);
    }
    align_left(&lines, 2)
}

/// Single lock-table runs: one line each with the locality split, the
/// acquire latencies and the failures.
fn dlock_runs_table(rows: &[&Row]) -> String {
    let head = [
        "kind",
        "lock",
        "threads",
        "local %",
        "keys/op",
        "read %",
        "ms",
        "ops",
        "ops/s",
        "local/remote ops",
        "local/remote ops/s",
        "verbs/op local/remote",
        "per thread",
        "local acq us med/p99",
        "remote acq us med/p99",
        "shared/excl acq us med",
        "failures",
        "errors",
    ];
    let us = |ns: u64| ns as f64 / 1e3;
    let mut lines = vec![head.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for r in rows {
        lines.push(vec![
            r.kind.clone(),
            format!("{}{}", r.lock, if r.spin { " spin" } else { "" }),
            r.threads.to_string(),
            r.local_pct.to_string(),
            r.keys_per_op.to_string(),
            r.read_pct.to_string(),
            format!("{:.0}", r.elapsed_ns as f64 / 1e6),
            r.ops.to_string(),
            format!("{:.0}", r.rate),
            format!("{}/{}", r.local_ops, r.remote_ops),
            format!("{:.0}/{:.0}", r.local_rate(), r.remote_rate()),
            format!(
                "{:.2}/{:.2}",
                if r.local_ops == 0 {
                    0.0
                } else {
                    r.local_verbs as f64 / r.local_ops as f64
                },
                r.verbs_per_remote_op()
            ),
            format!("{}..{}", r.min_thread_ops, r.max_thread_ops),
            format!(
                "{:.1}/{:.1}",
                us(r.local_lat_median_ns),
                us(r.local_lat_p99_ns)
            ),
            format!(
                "{:.1}/{:.1}",
                us(r.remote_lat_median_ns),
                us(r.remote_lat_p99_ns)
            ),
            if r.shared_ops == 0 {
                "-".into()
            } else {
                format!("{:.1}/{:.1}", us(r.mode_lat_ns[0]), us(r.mode_lat_ns[2]))
            },
            if r.failures == 0 {
                "0".into()
            } else {
                format!("{} ({})", r.failures, r.first_error_name)
            },
            format!(
                "{}{}",
                r.errors,
                if r.interrupted { " (interrupted)" } else { "" }
            ),
        ]);
    }
    align_left(&lines, 2)
}

fn runs_table(res: &Results) -> String {
    let of = |k: &str| -> Vec<&Row> { res.rows.iter().filter(|r| r.kind == k).collect() };
    let (rw, dlock) = (of("rw"), of("dlock"));
    let mut parts = Vec::new();
    if res.rows.iter().any(|r| r.kind != "rw" && r.kind != "dlock") {
        parts.push(excl_runs_table(res));
    }
    if !rw.is_empty() {
        parts.push(rw_runs_table(&rw));
    }
    if !dlock.is_empty() {
        parts.push(dlock_runs_table(&dlock));
    }
    parts.join("\n")
}

fn excl_runs_table(res: &Results) -> String {
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
    for r in res
        .rows
        .iter()
        .filter(|r| r.kind != "rw" && r.kind != "dlock")
    {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::AlockStress;
    use crate::results::samples::{dlock, queue, rw, rw_run, txn_run};

    #[test]
    fn table_is_aligned_with_ratios() {
        let t = table(&queue());
        assert!(t.contains("ratio to spinlock"), "{t}");
        assert!(t.contains("50 (0.50x)"), "{t}");
        let lines: Vec<&str> = t.lines().skip(1).collect();
        // Header, rule and the row end at the same column.
        assert_eq!(lines[0].len(), lines[2].len());
        assert_eq!(lines[1].len(), lines[0].len());
    }

    #[test]
    fn rw_matrix_table() {
        let t = table(&rw());
        for want in [
            "read lock+unlock cost, ns per pair on one CPU (ratio x/rcu)",
            "15.0",
            "(ratio prwlock/x)",
            "4.00x",
            "20.00x",
            "0.50",
            "rounds/w",
            "domain/w",
            "1.00",
            "0.75",
            "/w: per write",
            "sequential",
            "2.50x",
        ] {
            assert!(t.contains(want), "{want}: {t}");
        }
    }

    #[test]
    fn rw_runs_table() {
        let r = Results {
            scenario: "stress".into(),
            rows: vec![rw_run()],
            ..Results::default()
        };
        let t = table(&r);
        assert!(t.contains("prwlock sleep=20") && t.contains("4/1"), "{t}");
        assert!(t.contains("20/80") && t.contains("reads/s"), "{t}");
        // Consensus rounds, IPIs/drain IPIs, idle/domain skips.
        assert!(t.contains("skips idle/dom."), "{t}");
        assert!(
            t.contains("  12  ") && t.contains("3/1") && t.contains("9/2"),
            "{t}"
        );
    }

    #[test]
    fn dlock_runs_table() {
        let r = dlock();
        let t = table(&r);
        for want in [
            "alock spin",
            "local/remote ops",
            "8000/2000",
            "2400..2600",
            "1.2/9.8",
            "25.0/120.5",
            "1 (ETIMEDOUT)",
            "mcs-loopback",
            "(interrupted)",
        ] {
            assert!(t.contains(want), "{want}: {t}");
        }
        // Only the dlock table: no exclusive-lock header.
        assert!(!t.contains("order errs/checks"), "{t}");
        // With a run of another kind, both tables, the exclusive one first.
        let mut mixed = r.clone();
        mixed.rows.insert(
            0,
            Row::from_stress(
                &AlockStress {
                    lock: 4,
                    threads: 2,
                    ..AlockStress::default()
                },
                false,
            ),
        );
        let t = table(&mixed);
        let a = t.find("order errs/checks").unwrap();
        let b = t.find("local/remote ops").unwrap();
        assert!(a < b, "{t}");
    }

    #[test]
    fn latency_percentiles_below_the_runs() {
        let t = table(&dlock());
        let lat = t.find("acquire latency").expect("latency table");
        assert!(t.find("local/remote ops").unwrap() < lat, "{t}");
        let lines: Vec<&str> = t[lat..].lines().collect();
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            ["kind", "lock", "threads", "class", "samples", "p50", "p90", "p99", "p99.9"]
        );
        // 100 local samples in [1024, 2048), 10 remote in [16384, 32768).
        let row = |i: usize| lines[i].split_whitespace().collect::<Vec<_>>();
        assert_eq!(
            row(3),
            ["dlock", "alock", "4", "local", "100", "1.54µs", "1.95µs", "2.04µs", "2.05µs"]
        );
        assert_eq!(
            row(4),
            ["dlock", "alock", "4", "remote", "10", "24.6µs", "31.1µs", "32.6µs", "32.8µs"]
        );
        // MCS at 0 % local: remote only, no sample.
        assert_eq!(
            row(5),
            [
                "dlock",
                "mcs-loopback",
                "0",
                "remote",
                "0",
                "-",
                "-",
                "-",
                "-"
            ]
        );
        assert_eq!(lines.len(), 6, "{t}");
        // rw: reads by readers, writes by writers.
        let r = Results {
            scenario: "stress".into(),
            rows: vec![rw_run()],
            ..Results::default()
        };
        let t = latency_table(&r);
        assert!(t.contains("one in 16 timed"), "{t}");
        let rows: Vec<Vec<&str>> = t
            .lines()
            .skip(3)
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(
            rows[0],
            ["rw", "prwlock", "4", "read", "60", "896ns", "1.74µs", "2.02µs", "2.04µs"]
        );
        assert_eq!(
            rows[1],
            ["rw", "prwlock", "1", "write", "0", "-", "-", "-", "-"]
        );
        // Results without histograms: no latency table at all.
        assert!(latency_table(&queue()).is_empty());
        assert!(!table(&queue()).contains("latency"));
    }

    #[test]
    fn txn_runs_table() {
        let r = Results {
            scenario: "stress".into(),
            rows: vec![txn_run()],
            ..Results::default()
        };
        let t = table(&r);
        assert!(
            t.contains("wait 8rec/4") && t.contains("(interrupted)"),
            "{t}"
        );
    }
}
