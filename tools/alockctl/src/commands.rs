//! The subcommands: each returns the exit status, or an [`Error`] whose
//! one-line message `main` prints.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::abi::{self, AlockMrlock, AlockRwstress, AlockSelftest, AlockStress, AlockTxn};
use crate::bench;
use crate::cli::{
    BenchArgs, Cli, ClusterAction, Command, DlockLock, DlockOpts, JoinArgs, PlotArgs, RunOpts,
    RwLock, RwOpts, Scenario, StressCmd, TableAction, TableCreateArgs,
};
use crate::cluster;
use crate::dev::{self, Device, Error};
use crate::dlock;
use crate::fmt::{align, csv_field};
use crate::plot;
use crate::progress::{self, Progress};
use crate::report;
use crate::results::{Results, Row};

/// Exit status after Ctrl-C (128 + SIGINT), as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Csv,
}

fn format(cli: &Cli) -> Format {
    if cli.json {
        Format::Json
    } else if cli.csv {
        Format::Csv
    } else {
        Format::Table
    }
}

/// Run the command line's subcommand.
pub fn run(cli: &Cli) -> Result<u8, Error> {
    match &cli.command {
        Command::Info => info(cli),
        Command::Selftest => selftest(cli),
        Command::Stress { lock } => stress(cli, lock),
        Command::Bench(b) => bench_cmd(cli, b),
        Command::Report { paths } => report(cli, paths),
        Command::Plot(p) => plot_cmd(p),
        Command::Cluster { action } => cluster_cmd(cli, action),
        Command::Table { action } => table_cmd(cli, action),
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
    match format(cli) {
        Format::Csv => {
            println!(
                "module_version,abi_version,nr_cpus,nr_locks,nr_tests,lockdep,commands,cluster"
            );
            println!(
                "{},{},{},{},{},{},{},{}",
                v.module_version(),
                v.abi_version,
                v.nr_cpus,
                v.nr_locks,
                v.nr_tests,
                lockdep,
                dev.table().len(),
                csv_field(&cluster_line)
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

fn threads(dev: &Device, o: &RunOpts) -> u32 {
    o.threads
        .unwrap_or((2 * dev.version().nr_cpus).clamp(1, abi::ALOCK_STRESS_MAX_THREADS))
}

fn flags(o: &RunOpts) -> u32 {
    if o.unbound {
        abi::ALOCK_STRESS_UNBOUND
    } else {
        0
    }
}

/// Check the arguments of `stress` that depend on each other (clap checks
/// each one's own range).
pub fn validate_stress(lock: &StressCmd) -> Result<(), Error> {
    match lock {
        StressCmd::Mrlock {
            resources,
            min,
            max,
            queue,
            ..
        } => {
            if min > max || max > resources {
                return Err(Error::Usage(format!(
                    "need --min <= --max <= --resources (got {min}, {max}, {resources})"
                )));
            }
            if *queue != 0
                && (!queue.is_power_of_two() || *queue < 2 || *queue > abi::ALOCK_MR_MAX_QUEUE)
            {
                return Err(Error::Usage(format!(
                    "--queue must be 0 or a power of two in 2..{} (got {queue})",
                    abi::ALOCK_MR_MAX_QUEUE
                )));
            }
        }
        StressCmd::Txn {
            records,
            tx_records,
            ..
        } if tx_records > records => {
            return Err(Error::Usage(format!(
                "--tx-records ({tx_records}) must not exceed --records ({records})"
            )));
        }
        StressCmd::Rw(o) => validate_rw(o)?,
        _ => {}
    }
    Ok(())
}

/// Check the options of `stress rw` that depend on each other or on the
/// lock (what the module would reject with EINVAL).
pub fn validate_rw(o: &RwOpts) -> Result<(), Error> {
    let name = o.lock.name();
    let usage = |m: String| Err(Error::Usage(m));
    if o.readers == Some(0) && o.writers.unwrap_or(1) == 0 {
        return usage("need at least one reader or writer".into());
    }
    if o.lock == RwLock::Rcu {
        if o.writers.unwrap_or(0) > 0 {
            return usage("rcu has no write side: use --writers 0 (the default for rcu)".into());
        }
        if o.readers == Some(0) {
            return usage("rcu needs at least one reader".into());
        }
    }
    let (flags, _) = o.flags();
    let blocking = ["sleep", "yield", "migrate"]
        .iter()
        .zip([o.sleep_every, o.yield_every, o.migrate_every])
        .find(|(_, v)| v.is_some())
        .map(|(n, _)| *n);
    if let Some(b) = blocking {
        if !o.lock.readers_may_sleep() {
            return usage(format!(
                "--{b}-every: the readers of {name} may not sleep (only prwlock, rwsem and percpu_rwsem)"
            ));
        }
    }
    if flags & abi::ALOCK_RW_MIGRATE != 0 && !o.unbound {
        return usage("--migrate-every needs --unbound (bound threads cannot migrate)".into());
    }
    if o.seq_wake && o.lock != RwLock::Prwlock {
        return usage(format!("--seq-wake is a prwlock option, not one of {name}"));
    }
    Ok(())
}

/// Run an ioctl under a progress bar; `Ok(interrupted)`.
fn run_ioctl(
    bar: &Progress,
    label: &str,
    ms: u32,
    f: impl FnOnce() -> Result<(), Error>,
) -> Result<bool, Error> {
    let r = bar.run(label, 0, ms as u64, f);
    bar.finish();
    match r {
        Err(e) if e.is_eintr() => Ok(true),
        r => r.map(|()| false),
    }
}

fn stress(cli: &Cli, lock: &StressCmd) -> Result<u8, Error> {
    validate_stress(lock)?;
    let dev = Device::open(&cli.device)?;
    progress::catch_sigint();
    let show = !cli.no_progress;
    let (row, cell_ms) = match lock {
        StressCmd::Spinlock(o)
        | StressCmd::Mutex(o)
        | StressCmd::Ticket(o)
        | StressCmd::Mcs(o)
        | StressCmd::Abql { run: o, .. } => {
            let (name, param) = match lock {
                StressCmd::Spinlock(_) => ("spinlock", 0),
                StressCmd::Mutex(_) => ("mutex", 0),
                StressCmd::Ticket(_) => ("ticket", 0),
                StressCmd::Mcs(_) => ("mcs", 0),
                StressCmd::Abql { slots, .. } => ("abql", *slots),
                _ => unreachable!("matched above"),
            };
            let mut s = AlockStress {
                lock: abi::id_of(&abi::LOCKS, name).expect("known lock"),
                threads: threads(&dev, o),
                duration_ms: o.seconds,
                flags: flags(o),
                cs_spins: o.cs_spins,
                lock_param: param,
                ..AlockStress::default()
            };
            let bar = Progress::new(o.seconds as u64, show);
            let label = format!("stress {name} x{}", s.threads);
            let intr = run_ioctl(&bar, &label, o.seconds, || {
                dev.ioctl("ALOCK_IOC_STRESS", abi::ALOCK_IOC_STRESS, &mut s)
            })?;
            (Row::from_stress(&s, intr), o.seconds)
        }
        StressCmd::Mrlock {
            scheme,
            run: o,
            resources,
            min,
            max,
            queue,
            seed,
        } => {
            let mut m = AlockMrlock {
                lock: scheme.id(),
                threads: threads(&dev, o),
                duration_ms: o.seconds,
                flags: flags(o),
                resources: *resources,
                min_request: *min,
                max_request: *max,
                cs_spins: o.cs_spins,
                queue_size: *queue,
                seed: *seed,
                ..AlockMrlock::default()
            };
            let bar = Progress::new(o.seconds as u64, show);
            let label = format!(
                "mrlock {} x{}",
                abi::name_of(&abi::MR_SCHEMES, m.lock),
                m.threads
            );
            let intr = run_ioctl(&bar, &label, o.seconds, || {
                dev.ioctl("ALOCK_IOC_MRLOCK", abi::ALOCK_IOC_MRLOCK, &mut m)
            })?;
            (Row::from_mrlock(&m, intr), o.seconds)
        }
        StressCmd::Txn {
            mode,
            run: o,
            records,
            tx_records,
            read_pct,
            exclusive_after,
            wait_timeout_us,
            seed,
        } => {
            let mut x = AlockTxn {
                mode: mode.id(),
                threads: threads(&dev, o),
                duration_ms: o.seconds,
                flags: flags(o),
                records: *records,
                tx_records: *tx_records,
                read_pct: *read_pct,
                exclusive_after: *exclusive_after,
                wait_timeout_us: *wait_timeout_us,
                cs_spins: o.cs_spins,
                seed: *seed,
                ..AlockTxn::default()
            };
            let bar = Progress::new(o.seconds as u64, show);
            let label = format!(
                "txn {} x{}",
                abi::name_of(&abi::TXN_MODES, x.mode),
                x.threads
            );
            let intr = run_ioctl(&bar, &label, o.seconds, || {
                dev.ioctl("ALOCK_IOC_TXN", abi::ALOCK_IOC_TXN, &mut x)
            })?;
            (Row::from_txn(&x, intr), o.seconds)
        }
        StressCmd::Rw(o) => {
            let (flags, sleep_every) = o.flags();
            let ncpu = dev
                .version()
                .nr_cpus
                .clamp(1, abi::ALOCK_STRESS_MAX_THREADS);
            let mut a = AlockRwstress {
                lock: o.lock.id(),
                readers: o.readers.unwrap_or(ncpu),
                writers: o
                    .writers
                    .unwrap_or(if o.lock == RwLock::Rcu { 0 } else { 1 }),
                duration_ms: o.seconds,
                flags,
                read_spins: o.read_spins,
                write_spins: o.write_spins,
                sleep_every,
                write_pause_us: o.pause_us,
                ..AlockRwstress::default()
            };
            let bar = Progress::new(o.seconds as u64, show);
            let label = format!("rw {} {}r/{}w", o.lock.name(), a.readers, a.writers);
            let intr = run_ioctl(&bar, &label, o.seconds, || {
                dev.ioctl("ALOCK_IOC_RWSTRESS", abi::ALOCK_IOC_RWSTRESS, &mut a)
            })?;
            (Row::from_rwstress(&a, intr), o.seconds)
        }
        StressCmd::Dlock(o) => (stress_dlock(&dev, o, show)?, o.seconds),
    };
    let v = dev.version();
    let res = Results {
        scenario: "stress".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        module_version: v.module_version(),
        abi_version: v.abi_version,
        nr_cpus: v.nr_cpus,
        cell_ms,
        baseline: None,
        rows: vec![row.clone()],
    };
    print_results(cli, &[res]);
    if row.interrupted {
        eprintln!("alockctl: interrupted: the results above are partial");
        return Ok(EXIT_INTERRUPTED);
    }
    if row.kind == "dlock" {
        if row.errors > 0 {
            return Err(Error::Violations(format!(
                "dlock {}: the module counted {} owner violation(s) (critical sections that found the owner word taken)",
                row.lock, row.errors
            )));
        }
        if row.failures > 0 {
            return Err(Error::Failed(format!(
                "dlock {}: {} acquire(s) or release(s) failed, the first with {} (ETIMEDOUT: a lock not granted within --timeout-ms; EPIPE: a broken lock; ENOTCONN: its home node lost)",
                row.lock, row.failures, row.first_error_name
            )));
        }
    }
    if row.errors > 0 {
        return Err(Error::Violations(format!(
            "{} {}: the module counted {} violation(s) ({} out of queue order)",
            row.kind, row.lock, row.errors, row.order_errors
        )));
    }
    if row.kind == "rw" {
        if (row.readers > 0 && row.min_thread_ops == 0)
            || (row.writers > 0 && row.min_writer_ops == 0)
        {
            return Err(Error::Violations(format!(
                "rw {}: a thread made no progress (readers min {}, writers min {})",
                row.lock, row.min_thread_ops, row.min_writer_ops
            )));
        }
    } else if row.min_thread_ops == 0 && row.kind != "txn" {
        return Err(Error::Violations(format!(
            "{} {}: a thread made no progress",
            row.kind, row.lock
        )));
    }
    Ok(0)
}

/// `stress dlock`: one `ALOCK_IOC_DLOCK_RUN` under a progress bar.
fn stress_dlock(dev: &Device, o: &DlockOpts, show: bool) -> Result<Row, Error> {
    // Not being in a cluster is the module's to say (no table: ENOENT).
    if let Ok(s) = cluster::status(dev, false) {
        dlock::check_loopback(o, &s)?;
    }
    let threads = o
        .threads
        .unwrap_or(dev.version().nr_cpus.clamp(1, abi::ALOCK_RDMA_MAX_THREADS));
    let mut d = dlock::run_request(o, threads);
    let bar = Progress::new(o.seconds as u64, show);
    let label = format!(
        "dlock {} x{} {}% local",
        o.lock.name(),
        threads,
        o.local_pct
    );
    let intr = run_ioctl(&bar, &label, o.seconds, || {
        dev.ioctl("ALOCK_IOC_DLOCK_RUN", abi::ALOCK_IOC_DLOCK_RUN, &mut d)
    })
    .map_err(dlock::run_error)?;
    Ok(Row::from_dlock(&d, intr))
}

fn print_results(cli: &Cli, res: &[Results]) {
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

fn bench_cmd(cli: &Cli, b: &BenchArgs) -> Result<u8, Error> {
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

fn report(cli: &Cli, paths: &[PathBuf]) -> Result<u8, Error> {
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

fn plot_cmd(p: &PlotArgs) -> Result<u8, Error> {
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

fn print_cluster_status(cli: &Cli, s: &abi::AlockClusterStatus) {
    match format(cli) {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&cluster::to_json(s)).expect("json")
        ),
        Format::Csv => print!("{}", cluster::to_csv(s)),
        Format::Table => print!("{}", cluster::table(s)),
    }
}

fn cluster_cmd(cli: &Cli, action: &ClusterAction) -> Result<u8, Error> {
    match action {
        ClusterAction::Status { probe } => {
            let dev = Device::open(&cli.device)?;
            print_cluster_status(cli, &cluster::status(&dev, *probe)?);
            Ok(0)
        }
        ClusterAction::Join(j) => cluster_join(cli, j),
        ClusterAction::Leave => cluster_leave(cli),
    }
}

fn cluster_join(cli: &Cli, j: &JoinArgs) -> Result<u8, Error> {
    // Bad input is a usage error before the device is even opened.
    let mut req = cluster::join_request(j)?;
    let dev = Device::open(&cli.device)?;
    progress::catch_sigint();
    let bar = Progress::new(req.timeout_ms as u64, !cli.no_progress);
    let label = format!("join: node {} of {}", j.node, j.nodes);
    let intr = run_ioctl(&bar, &label, req.timeout_ms, || {
        dev.ioctl(
            "ALOCK_IOC_CLUSTER_JOIN",
            abi::ALOCK_IOC_CLUSTER_JOIN,
            &mut req,
        )
    })
    .map_err(|e| cluster::join_error(e, j))?;
    if intr {
        eprintln!("alockctl: cluster join: interrupted (not joined)");
        return Ok(EXIT_INTERRUPTED);
    }
    print_cluster_status(cli, &cluster::status(&dev, false)?);
    Ok(0)
}

fn cluster_leave(cli: &Cli) -> Result<u8, Error> {
    let dev = Device::open(&cli.device)?;
    let before = cluster::status(&dev, false)?;
    dev.ioctl_none("ALOCK_IOC_CLUSTER_LEAVE", abi::ALOCK_IOC_CLUSTER_LEAVE)
        .map_err(cluster::leave_error)?;
    let was = if before.joined != 0 {
        format!(" (was node {} of {})", before.node_id, before.nr_nodes)
    } else {
        String::new()
    };
    match format(cli) {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "left": true,
                "node_id": before.node_id,
                "nr_nodes": before.nr_nodes,
            }))
            .expect("json")
        ),
        Format::Csv => println!(
            "left,node_id,nr_nodes
1,{},{}",
            before.node_id, before.nr_nodes
        ),
        Format::Table => println!("left the cluster{was}"),
    }
    Ok(0)
}

fn table_cmd(cli: &Cli, action: &TableAction) -> Result<u8, Error> {
    let dev = Device::open(&cli.device)?;
    match action {
        TableAction::Create(a) => table_create(cli, &dev, a),
        TableAction::Destroy => {
            dlock::table_op(&dev, abi::ALOCK_TABLE_DESTROY)?;
            match format(cli) {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"destroyed": true})).expect("json")
                ),
                Format::Csv => println!("destroyed\n1"),
                Format::Table => println!("destroyed the table"),
            }
            Ok(0)
        }
        TableAction::Sum => {
            let t = dlock::table_op(&dev, abi::ALOCK_TABLE_SUM)?;
            match format(cli) {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&dlock::sum_json(&t)).expect("json")
                ),
                Format::Csv => print!("{}", dlock::sum_csv(&t)),
                Format::Table => print!("{}", dlock::sum_table(&t)),
            }
            Ok(0)
        }
    }
}

fn table_create(cli: &Cli, dev: &Device, a: &TableCreateArgs) -> Result<u8, Error> {
    let t = dlock::table_ctl(dev, dlock::create_request(a))?;
    match format(cli) {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&dlock::created_json(&t)).expect("json")
        ),
        Format::Csv => print!("{}", dlock::created_csv(&t)),
        Format::Table => println!("{}", dlock::created_line(&t)),
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{MrScheme, TxnMode};

    fn opts() -> RunOpts {
        RunOpts {
            threads: None,
            seconds: 1000,
            cs_spins: 50,
            unbound: false,
        }
    }

    #[test]
    fn dependent_ranges_are_usage_errors() {
        let mr = |min, max, resources, queue| StressCmd::Mrlock {
            scheme: MrScheme::Mrlock,
            run: opts(),
            resources,
            min,
            max,
            queue,
            seed: 0,
        };
        assert!(validate_stress(&mr(1, 4, 64, 0)).is_ok());
        assert!(validate_stress(&mr(1, 4, 64, 16)).is_ok());
        for bad in [
            mr(5, 4, 64, 0),
            mr(1, 65, 64, 0),
            mr(1, 4, 64, 3),
            mr(1, 4, 64, 8192),
        ] {
            let e = validate_stress(&bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{e}");
        }
        let txn = StressCmd::Txn {
            mode: TxnMode::Wait,
            run: opts(),
            records: 4,
            tx_records: 8,
            read_pct: 20,
            exclusive_after: 0,
            wait_timeout_us: 0,
            seed: 0,
        };
        assert!(validate_stress(&txn)
            .unwrap_err()
            .to_string()
            .contains("--tx-records"));
        assert!(validate_stress(&StressCmd::Mcs(opts())).is_ok());
    }

    fn rw(lock: RwLock) -> RwOpts {
        RwOpts {
            lock,
            readers: None,
            writers: None,
            seconds: 500,
            sleep_every: None,
            yield_every: None,
            migrate_every: None,
            unbound: false,
            seq_wake: false,
            read_spins: 20,
            write_spins: 80,
            pause_us: 0,
        }
    }

    #[test]
    fn rw_options_the_module_would_reject_are_usage_errors() {
        let ok = [
            rw(RwLock::Rcu),
            RwOpts {
                sleep_every: Some(20),
                readers: Some(4),
                writers: Some(1),
                ..rw(RwLock::Prwlock)
            },
            RwOpts {
                migrate_every: Some(5),
                unbound: true,
                ..rw(RwLock::PercpuRwsem)
            },
            RwOpts {
                seq_wake: true,
                yield_every: Some(3),
                ..rw(RwLock::Prwlock)
            },
            RwOpts {
                readers: Some(0),
                ..rw(RwLock::Brlock)
            },
        ];
        for o in ok {
            assert!(validate_stress(&StressCmd::Rw(o.clone())).is_ok(), "{o:?}");
        }
        for (o, msg) in [
            (
                RwOpts {
                    writers: Some(1),
                    ..rw(RwLock::Rcu)
                },
                "no write side",
            ),
            (
                RwOpts {
                    sleep_every: Some(2),
                    ..rw(RwLock::Rwlock)
                },
                "may not sleep",
            ),
            (
                RwOpts {
                    yield_every: Some(2),
                    ..rw(RwLock::Brlock)
                },
                "may not sleep",
            ),
            (
                RwOpts {
                    migrate_every: Some(2),
                    ..rw(RwLock::Prwlock)
                },
                "--unbound",
            ),
            (
                RwOpts {
                    seq_wake: true,
                    ..rw(RwLock::Rwsem)
                },
                "prwlock option",
            ),
            (
                RwOpts {
                    readers: Some(0),
                    writers: Some(0),
                    ..rw(RwLock::Prwlock)
                },
                "at least one",
            ),
        ] {
            let e = validate_stress(&StressCmd::Rw(o)).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{e}");
            assert!(e.to_string().contains(msg), "{e}");
        }
    }

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
