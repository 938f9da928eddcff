//! The subcommands: each returns the exit status, or an [`Error`] whose
//! one-line message `main` prints.  `info` and `selftest` are here, the
//! others by group: `stress` runs, results files (`bench`, `report`,
//! `plot`), the RDMA cluster (`cluster`, `table`), and the statistics in
//! debugfs (`stats`).

use std::path::Path;

use serde_json::json;

use crate::abi::{self, AlockSelftest};
use crate::cli::{Cli, Command};
use crate::cluster;
use crate::dev::{self, Device, Error};
use crate::fmt::{align, csv_field};
use crate::stats as debugfs;

mod common;
mod files;
mod rdma;
mod stats;
mod stress;

pub use common::EXIT_INTERRUPTED;
use common::{format, Format};
pub use files::{load, merge};
pub use stress::{validate_rw, validate_stress};

/// Run the command line's subcommand.
pub fn run(cli: &Cli) -> Result<u8, Error> {
    match &cli.command {
        Command::Info => info(cli),
        Command::Selftest => selftest(cli),
        Command::Stress { lock } => stress::stress(cli, lock),
        Command::Bench(b) => files::bench_cmd(cli, b),
        Command::Report { paths } => files::report(cli, paths),
        Command::Plot(p) => files::plot_cmd(p),
        Command::Cluster { action } => rdma::cluster_cmd(cli, action),
        Command::Table { action } => rdma::table_cmd(cli, action),
        Command::Stats(a) => stats::stats_cmd(cli, a),
    }
}

fn info(cli: &Cli) -> Result<u8, Error> {
    let dev = Device::open(&cli.device)?;
    let v = dev.version();
    let unknown = dev::check_table(dev.table())?;
    let locks: Vec<&str> = abi::LOCKS
        .iter()
        .filter(|(_, id)| *id <= v.nr_locks)
        .map(|(n, _)| *n)
        .collect();
    let mr: Vec<&str> = abi::MR_SCHEMES.iter().map(|(n, _)| *n).collect();
    let txn: Vec<&str> = abi::TXN_MODES.iter().map(|(n, _)| *n).collect();
    let rw: Vec<&str> = abi::RW_LOCKS.iter().map(|(n, _)| *n).collect();
    let lockdep = v.features & abi::ALOCK_FEAT_LOCKDEP != 0;
    // The info is still worth printing if the status query fails.
    let status = cluster::status(&dev, false);
    let cluster_line = match &status {
        Ok(s) => cluster::info_line(s),
        Err(e) => format!("unknown ({e})"),
    };
    // The statistics in debugfs: whether the fast paths count too.
    let stats_enabled = debugfs::read_dir(Path::new(abi::DEBUGFS_DIR)).map(|(s, _)| s.enabled);
    let stats_line = match &stats_enabled {
        Ok(e) => format!(
            "{}: fast-path counting {}",
            abi::DEBUGFS_DIR,
            match e {
                Some(true) => "on",
                Some(false) => "off",
                None => "unknown",
            }
        ),
        Err(_) => format!("not available ({} not readable)", abi::DEBUGFS_DIR),
    };
    match format(cli) {
        Format::Csv => {
            println!(
                "module_version,abi_version,nr_cpus,nr_locks,nr_tests,lockdep,commands,cluster,stats"
            );
            println!(
                "{},{},{},{},{},{},{},{},{}",
                v.module_version(),
                v.abi_version,
                v.nr_cpus,
                v.nr_locks,
                v.nr_tests,
                lockdep,
                dev.table().len(),
                csv_field(&cluster_line),
                csv_field(&stats_line)
            );
        }
        Format::Json => {
            let cmds: Vec<_> = dev
                .table()
                .iter()
                .map(|e| {
                    json!({
                        "name": abi::command_name(e.cmd),
                        "cmd": e.cmd,
                        "arg_size": e.arg_size,
                    })
                })
                .collect();
            let j = json!({
                "device": cli.device,
                "module_version": v.module_version(),
                "abi_version": v.abi_version,
                "nr_cpus": v.nr_cpus,
                "nr_locks": v.nr_locks,
                "nr_tests": v.nr_tests,
                "features": v.features,
                "lockdep": lockdep,
                "stress_locks": locks,
                "mrlock_schemes": mr,
                "txn_modes": txn,
                "rw_locks": rw,
                "commands": cmds,
                "cluster": match &status {
                    Ok(s) => cluster::to_json(s),
                    Err(e) => json!({"error": e.to_string()}),
                },
                "stats_enabled": stats_enabled.ok().flatten(),
            });
            println!("{}", serde_json::to_string_pretty(&j).expect("json"));
        }
        Format::Table => {
            let rows = [
                ("device", cli.device.display().to_string()),
                (
                    "module",
                    format!("alock {} (ABI v{})", v.module_version(), v.abi_version),
                ),
                ("CPUs", v.nr_cpus.to_string()),
                (
                    "features",
                    if lockdep { "lockdep" } else { "-" }.to_string(),
                ),
                ("self-tests", v.nr_tests.to_string()),
                ("stress locks", locks.join(" ")),
                ("mrlock schemes", mr.join(" ")),
                ("txn modes", txn.join(" ")),
                ("rw locks", rw.join(" ")),
                (
                    "commands",
                    format!(
                        "{} ({} checked against alockctl's header{})",
                        dev.table().len(),
                        abi::COMMANDS.len(),
                        if unknown > 0 {
                            format!(", {unknown} unknown to this alockctl")
                        } else {
                            String::new()
                        }
                    ),
                ),
                ("cluster", cluster_line),
                ("statistics", stats_line),
            ];
            for (k, val) in rows {
                println!("{k:<15} {val}");
            }
        }
    }
    Ok(0)
}

fn selftest(cli: &Cli) -> Result<u8, Error> {
    let dev = Device::open(&cli.device)?;
    let mut lines = vec![vec![
        "id".to_string(),
        "name".into(),
        "checks".into(),
        "result".into(),
    ]];
    let mut js = Vec::new();
    let mut failed = 0;
    for id in 1..=dev.version().nr_tests {
        let mut t = AlockSelftest {
            test: id,
            ..AlockSelftest::default()
        };
        dev.ioctl("ALOCK_IOC_SELFTEST", abi::ALOCK_IOC_SELFTEST, &mut t)?;
        let res = match t.result {
            0 if t.checks > 0 => "ok".to_string(),
            r if r == -libc::EOPNOTSUPP => "skipped (not applicable)".to_string(),
            0 => {
                failed += 1;
                "FAILED (no checks)".to_string()
            }
            r => {
                failed += 1;
                format!("FAILED ({})", std::io::Error::from_raw_os_error(-r))
            }
        };
        js.push(json!({"id": id, "name": t.name(), "checks": t.checks, "result": t.result}));
        lines.push(vec![id.to_string(), t.name(), t.checks.to_string(), res]);
    }
    match format(cli) {
        Format::Json => println!("{}", serde_json::to_string_pretty(&js).expect("json")),
        Format::Csv => {
            println!("id,name,checks,result");
            for l in &lines[1..] {
                println!("{}", l.join(","));
            }
        }
        Format::Table => print!("{}", align(&lines)),
    }
    if failed > 0 {
        return Err(Error::Violations(format!("{failed} self-test(s) failed")));
    }
    Ok(0)
}
