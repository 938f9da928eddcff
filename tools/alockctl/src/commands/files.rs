//! `bench`, `report` and `plot`: the commands that write results files
//! or read them back, and how results are printed.

use std::fs;
use std::path::{Path, PathBuf};

use crate::abi;
use crate::bench;
use crate::cli::{BenchArgs, Cli, DlockLock, PlotArgs, Scenario};
use crate::dev::{Device, Error};
use crate::plot;
use crate::progress;
use crate::report;
use crate::results::{Results, Row};

use super::common::{format, Format, EXIT_INTERRUPTED};

pub(super) fn print_results(cli: &Cli, res: &[Results]) {
    match format(cli) {
        Format::Json if res.len() == 1 => print!("{}", res[0].to_json()),
        Format::Json => println!("{}", serde_json::to_string_pretty(res).expect("json")),
        Format::Csv => {
            for (i, r) in res.iter().enumerate() {
                let csv = r.to_csv();
                // One header for all.
                let body = if i == 0 {
                    csv.as_str()
                } else {
                    csv.split_once('\n').map(|x| x.1).unwrap_or("")
                };
                print!("{body}");
            }
        }
        Format::Table => {
            for (i, r) in res.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                print!("{}", report::table(r));
            }
        }
    }
}

fn write_results(dir: &Path, r: &Results) -> Result<(), Error> {
    fs::create_dir_all(dir)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
    for (ext, text) in [("json", r.to_json()), ("csv", r.to_csv())] {
        let p = dir.join(format!("{}.{ext}", r.scenario));
        fs::write(&p, text).map_err(|e| Error::Io(format!("cannot write {}: {e}", p.display())))?;
    }
    Ok(())
}

pub(super) fn bench_cmd(cli: &Cli, b: &BenchArgs) -> Result<u8, Error> {
    let dev = Device::open(&cli.device)?;
    progress::catch_sigint();
    let scenarios: &[&str] = match b.scenario {
        Scenario::Queue => &["queue"],
        Scenario::Mrlock => &["mrlock"],
        Scenario::Txn => &["txn"],
        Scenario::Rw => &["rw"],
        Scenario::All => &["queue", "mrlock", "txn", "rw"],
    };
    let mut all = Vec::new();
    let mut interrupted = false;
    for sc in scenarios {
        let (res, intr) = bench::run(&dev, sc, b.cell_ms, !cli.no_progress)?;
        if let Some(dir) = &b.out {
            write_results(dir, &res)?;
        }
        all.push(res);
        if intr {
            interrupted = true;
            break;
        }
    }
    print_results(cli, &all);
    if interrupted {
        eprintln!("alockctl: interrupted: the results above are partial");
        return Ok(EXIT_INTERRUPTED);
    }
    let bad: usize = all
        .iter()
        .flat_map(|r| r.rows.iter())
        .filter(|r| r.errors > 0)
        .count();
    if bad > 0 {
        return Err(Error::Violations(format!(
            "{bad} benchmark run(s) counted violations (see the errors column of --csv)"
        )));
    }
    Ok(0)
}

/// The results files named by `path`: the file itself, or every `*.json`
/// in the folder (sorted by name).
pub fn load(path: &Path) -> Result<Vec<(PathBuf, Results)>, Error> {
    let files = if path.is_dir() {
        let mut v: Vec<PathBuf> = fs::read_dir(path)
            .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        v.sort();
        if v.is_empty() {
            return Err(Error::Io(format!(
                "no results (*.json) in {}",
                path.display()
            )));
        }
        v
    } else {
        vec![path.to_path_buf()]
    };
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p)
                .map_err(|e| Error::Io(format!("cannot read {}: {e}", p.display())))?;
            let r = Results::from_json(&text).map_err(|e| {
                Error::Io(format!(
                    "{} is not an alockctl results file: {e}",
                    p.display()
                ))
            })?;
            Ok((p, r))
        })
        .collect()
}

/// Merge the single-run (`stress`) files into one results set, keep the
/// benchmark files as they are.
pub fn merge(files: Vec<(PathBuf, Results)>) -> Vec<Results> {
    let mut out: Vec<Results> = Vec::new();
    let mut stress: Option<Results> = None;
    for (_, r) in files {
        if r.scenario == "stress" {
            match &mut stress {
                Some(s) => s.rows.extend(r.rows),
                None => stress = Some(r),
            }
        } else {
            out.push(r);
        }
    }
    if let Some(mut s) = stress {
        // Stock locks first, then the queue locks, MRLock, the lock manager.
        let key = |r: &Row| {
            let (base, table) = match r.kind.as_str() {
                "stress" => (0, &abi::LOCKS[..]),
                "mrlock" => (10, &abi::MR_SCHEMES[..]),
                "rw" => (30, &abi::RW_LOCKS[..]),
                "dlock" => {
                    return 40 + DlockLock::from_name(&r.lock).map_or(9, DlockLock::id);
                }
                _ => (20, &abi::TXN_MODES[..]),
            };
            base + abi::id_of(table, &r.lock).unwrap_or(9)
        };
        s.rows.sort_by_key(key);
        out.insert(0, s);
    }
    // The order of the issue and the docs, whatever the file names.
    let rank = |sc: &str| {
        ["stress", "queue", "mrlock", "txn", "rw"]
            .iter()
            .position(|x| *x == sc)
            .unwrap_or(5)
    };
    out.sort_by_key(|r| rank(&r.scenario));
    out
}

pub(super) fn report(cli: &Cli, paths: &[PathBuf]) -> Result<u8, Error> {
    let mut all = Vec::new();
    for p in paths {
        let res = merge(load(p)?);
        if format(cli) == Format::Table {
            if paths.len() > 1 {
                println!("== {} ==", p.display());
            }
            print_results(cli, &res);
            println!();
        }
        all.extend(res);
    }
    if format(cli) != Format::Table {
        print_results(cli, &all);
    }
    Ok(0)
}

pub(super) fn plot_cmd(p: &PlotArgs) -> Result<u8, Error> {
    for path in &p.paths {
        let files = load(path)?;
        let dir = match &p.out {
            Some(d) => d.clone(),
            None if path.is_dir() => path.clone(),
            None => path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
        };
        for r in merge(files) {
            for f in plot::plot(&r, &dir, p.format)? {
                println!("{}", f.display());
            }
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_puts_single_runs_together() {
        let mk = |sc: &str, lock: &str| Results {
            scenario: sc.into(),
            rows: vec![Row {
                lock: lock.into(),
                ..Row::default()
            }],
            ..Results::default()
        };
        let m = merge(vec![
            ("a".into(), mk("queue", "mcs")),
            ("b".into(), mk("stress", "mcs")),
            ("c".into(), mk("stress", "abql")),
        ]);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].scenario, "stress");
        assert_eq!(m[0].rows.len(), 2);
        // mcs (id 4) before abql (id 5), whatever the file order.
        assert_eq!(m[0].rows[0].lock, "mcs");
        assert_eq!(m[1].scenario, "queue");
        let m = merge(vec![
            ("mrlock.json".into(), mk("mrlock", "2pl")),
            ("queue.json".into(), mk("queue", "mcs")),
            ("txn.json".into(), mk("txn", "wait")),
        ]);
        let order: Vec<&str> = m.iter().map(|r| r.scenario.as_str()).collect();
        assert_eq!(order, ["queue", "mrlock", "txn"]);
        // Lock-table runs after the others, in enum alock_dlock_id order.
        let dl = |lock: &str| Results {
            rows: vec![Row {
                kind: "dlock".into(),
                ..mk("stress", lock).rows[0].clone()
            }],
            ..mk("stress", lock)
        };
        let m = merge(vec![
            ("a".into(), dl("mcs-loopback")),
            ("b".into(), dl("alock")),
            ("c".into(), mk("stress", "mcs")),
            ("d".into(), dl("spin-loopback")),
        ]);
        let locks: Vec<&str> = m[0].rows.iter().map(|r| r.lock.as_str()).collect();
        assert_eq!(locks, ["mcs", "alock", "spin-loopback", "mcs-loopback"]);
    }
}
