//! Tests of the command line: defaults, ranges and usage errors.

use super::*;
use clap::error::ErrorKind;
use clap::CommandFactory;

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("alockctl").chain(args.iter().copied()))
}

#[test]
fn definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn stress_mcs_with_options() {
    let c = parse(&[
        "stress",
        "mcs",
        "--threads",
        "4",
        "--seconds",
        "0.5",
        "--json",
    ])
    .unwrap();
    assert!(c.json);
    match c.command {
        Command::Stress {
            lock: StressCmd::Mcs(o),
        } => {
            assert_eq!(o.threads, Some(4));
            assert_eq!(o.seconds, 500);
            assert_eq!(o.cs_spins, 50);
            assert!(!o.unbound);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn stress_mrlock_and_txn() {
    let c = parse(&["stress", "mrlock", "2pl", "--min", "16", "--max", "32"]).unwrap();
    match c.command {
        Command::Stress {
            lock:
                StressCmd::Mrlock {
                    scheme,
                    min,
                    max,
                    resources,
                    ..
                },
        } => {
            assert_eq!(scheme, MrScheme::TwoPl);
            assert_eq!(scheme.id(), 3);
            assert_eq!((min, max, resources), (16, 32, 64));
        }
        other => panic!("{other:?}"),
    }
    let c = parse(&["--csv", "stress", "txn", "wait", "--records", "4096"]).unwrap();
    assert!(c.csv);
    match c.command {
        Command::Stress {
            lock: StressCmd::Txn { mode, records, .. },
        } => {
            assert_eq!(mode.id(), 3);
            assert_eq!(records, 4096);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn stress_rw() {
    let c = parse(&[
        "stress",
        "rw",
        "prwlock",
        "--readers",
        "4",
        "--writers",
        "1",
        "--seconds",
        "0.5",
        "--sleep-every",
        "20",
    ])
    .unwrap();
    match c.command {
        Command::Stress {
            lock: StressCmd::Rw(o),
        } => {
            assert_eq!(o.lock, RwLock::Prwlock);
            assert_eq!(o.lock.id(), 1);
            assert_eq!((o.readers, o.writers, o.seconds), (Some(4), Some(1), 500));
            assert_eq!((o.read_spins, o.write_spins, o.pause_us), (20, 80, 0));
            assert_eq!(o.flags(), (abi::ALOCK_RW_SLEEP, 20));
        }
        other => panic!("{other:?}"),
    }
    let c = parse(&[
        "stress",
        "rw",
        "percpu_rwsem",
        "--migrate-every",
        "7",
        "--unbound",
        "--pause-us",
        "2000",
    ])
    .unwrap();
    match c.command {
        Command::Stress {
            lock: StressCmd::Rw(o),
        } => {
            assert_eq!(o.lock.id(), 3);
            assert_eq!(
                o.flags(),
                (abi::ALOCK_RW_MIGRATE | abi::ALOCK_RW_UNBOUND, 7)
            );
            assert_eq!(o.pause_us, 2000);
        }
        other => panic!("{other:?}"),
    }
    for l in ["rwsem", "rwlock", "brlock", "rcu"] {
        assert!(parse(&["stress", "rw", l]).is_ok(), "{l}");
    }
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        &["stress", "rwlock"][..],
        &["stress", "mcs", "--threads", "0"],
        &["stress", "mcs", "--threads", "257"],
        &["stress", "mcs", "--seconds", "abc"],
        &["stress", "mcs", "--seconds", "601"],
        &["stress", "mrlock", "fancy"],
        &["stress", "txn", "wait", "--read-pct", "101"],
        &["stress", "rw"],
        &["stress", "rw", "seqlock"],
        &["stress", "rw", "prwlock", "--readers", "257"],
        &["stress", "rw", "prwlock", "--sleep-every", "0"],
        &[
            "stress",
            "rw",
            "prwlock",
            "--sleep-every",
            "2",
            "--yield-every",
            "2",
        ],
        &["stress", "rw", "prwlock", "--pause-us", "1000001"],
        &["stress", "rw", "prwlock", "--read-spins", "100001"],
        &["bench", "everything"],
        &["info", "--json", "--csv"],
        &["cluster", "explode"],
        &["cluster"],
        &["cluster", "join"],
        &["cluster", "leave", "--probe"],
        &["frobnicate"],
    ] {
        let e = parse(args).expect_err(&format!("{args:?} must not parse"));
        assert_ne!(e.kind(), ErrorKind::DisplayHelp, "{args:?}");
        // clap exits with 2 for usage errors.
        assert_eq!(e.exit_code(), 2, "{args:?}");
    }
}

fn dlock(args: &[&str]) -> Result<DlockOpts, clap::Error> {
    let mut a = vec!["stress", "dlock"];
    a.extend_from_slice(args);
    match parse(&a)?.command {
        Command::Stress {
            lock: StressCmd::Dlock(o),
        } => Ok(o),
        other => panic!("{other:?}"),
    }
}

#[test]
fn stress_dlock_defaults_and_options() {
    let o = dlock(&["alock"]).unwrap();
    assert_eq!(o.lock, DlockLock::Alock);
    assert_eq!(o.lock.id(), abi::ALOCK_DLOCK_ALOCK);
    assert_eq!((o.threads, o.seconds), (None, 1000));
    assert_eq!((o.local_pct, o.keys_per_op, o.timeout_ms), (50, 1, 0));
    assert_eq!((o.spin, o.seed), (false, 0));
    let o = dlock(&[
        "spin-loopback",
        "--threads",
        "64",
        "--seconds",
        "0.5",
        "--local-pct",
        "0",
        "--keys-per-op",
        "8",
        "--timeout-ms",
        "600000",
        "--spin",
        "--seed",
        "7",
    ])
    .unwrap();
    assert_eq!(o.lock, DlockLock::SpinLoopback);
    assert_eq!(o.lock.id(), abi::ALOCK_DLOCK_SPIN_LB);
    assert_eq!((o.threads, o.seconds), (Some(64), 500));
    assert_eq!((o.local_pct, o.keys_per_op, o.timeout_ms), (0, 8, 600_000));
    assert_eq!((o.spin, o.seed), (true, 7));
    let o = dlock(&["mcs-loopback", "-t", "2", "-s", "3", "--local-pct", "100"]).unwrap();
    assert_eq!(o.lock.id(), abi::ALOCK_DLOCK_MCS_LB);
    assert_eq!((o.threads, o.seconds, o.local_pct), (Some(2), 3000, 100));
    assert_eq!(o.lock.name(), "mcs-loopback");
    assert_eq!((o.keys, o.homes.len()), (None, 0));
    let o = dlock(&["alock", "--keys", "odd", "--homes", "0,1"]).unwrap();
    assert_eq!((o.keys, o.homes), (Some(KeyParity::Odd), vec![0, 1]));
    let c = parse(&["--csv", "stress", "dlock", "alock"]).unwrap();
    assert!(c.csv);
    let c = parse(&["stress", "dlock", "alock", "--json"]).unwrap();
    assert!(c.json);
}

#[test]
fn stress_dlock_bad_ranges_are_usage_errors() {
    for args in [
        &[][..],
        &["ticket"],
        &["spin_lb"],
        &["alock", "--threads", "0"],
        &["alock", "--threads", "65"],
        &["alock", "--seconds", "0"],
        &["alock", "--seconds", "601"],
        &["alock", "--local-pct", "101"],
        &["alock", "--local-pct", "-1"],
        &["alock", "--keys-per-op", "0"],
        &["alock", "--keys-per-op", "9"],
        &["alock", "--timeout-ms", "600001"],
        &["alock", "--seed", "x"],
        &["alock", "--cs-spins", "5"],
        &["alock", "--spin", "yes"],
        &["alock", "--keys", "both"],
        &["alock", "--homes", "16"],
    ] {
        let e = dlock(args).expect_err(&format!("{args:?} must not parse"));
        assert_ne!(e.kind(), ErrorKind::DisplayHelp, "{args:?}");
        assert_eq!(e.exit_code(), 2, "{args:?}");
    }
}

fn table(args: &[&str]) -> Result<TableAction, clap::Error> {
    let mut a = vec!["table"];
    a.extend_from_slice(args);
    match parse(&a)?.command {
        Command::Table { action } => Ok(action),
        other => panic!("{other:?}"),
    }
}

#[test]
fn table_commands() {
    match table(&["create", "--keys", "64"]).unwrap() {
        TableAction::Create(a) => {
            assert_eq!(a.keys, 64);
            assert_eq!(a.placement, Placement::Hash);
            assert_eq!(a.placement.id(), abi::ALOCK_PLACE_HASH);
            assert_eq!((a.local_budget, a.remote_budget), (0, 0));
        }
        other => panic!("{other:?}"),
    }
    match table(&[
        "create",
        "--keys",
        "2048",
        "--placement",
        "mod",
        "--local-budget",
        "1000",
        "--remote-budget",
        "1",
    ])
    .unwrap()
    {
        TableAction::Create(a) => {
            assert_eq!(a.keys, 2048);
            assert_eq!(a.placement.id(), abi::ALOCK_PLACE_MOD);
            assert_eq!((a.local_budget, a.remote_budget), (1000, 1));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(table(&["destroy"]).unwrap(), TableAction::Destroy));
    assert!(matches!(table(&["sum"]).unwrap(), TableAction::Sum));
    let c = parse(&["--json", "table", "sum"]).unwrap();
    assert!(c.json);
}

#[test]
fn table_bad_arguments_are_usage_errors() {
    for args in [
        &[][..],
        &["create"],
        &["create", "--keys", "0"],
        &["create", "--keys", "2049"],
        &["create", "--keys", "k"],
        &["create", "--keys", "8", "--placement", "random"],
        &["create", "--keys", "8", "--local-budget", "1001"],
        &["create", "--keys", "8", "--remote-budget", "1001"],
        &["create", "--keys", "8", "--remote-budget", "-1"],
        &["destroy", "--keys", "8"],
        &["sum", "now"],
        &["explode"],
    ] {
        let e = table(args).expect_err(&format!("{args:?} must not parse"));
        assert_ne!(e.kind(), ErrorKind::DisplayHelp, "{args:?}");
        assert_eq!(e.exit_code(), 2, "{args:?}");
    }
}

fn stats(args: &[&str]) -> Result<StatsArgs, clap::Error> {
    let mut a = vec!["stats"];
    a.extend_from_slice(args);
    match parse(&a)?.command {
        Command::Stats(s) => Ok(s),
        other => panic!("{other:?}"),
    }
}

#[test]
fn stats_options() {
    let s = stats(&[]).unwrap();
    assert_eq!(s.dir, PathBuf::from("/sys/kernel/debug/alock"));
    assert_eq!((s.switch(), s.watch), (None, None));
    let s = stats(&["--dir", "/tmp/x", "--enable", "--watch"]).unwrap();
    assert_eq!(s.dir, PathBuf::from("/tmp/x"));
    assert_eq!((s.switch(), s.watch), (Some(true), Some(1.0)));
    let s = stats(&["--watch", "0.5", "--disable"]).unwrap();
    assert_eq!((s.switch(), s.watch), (Some(false), Some(0.5)));
    // --watch without a value before another option.
    let c = parse(&["stats", "--watch", "--json"]).unwrap();
    assert!(c.json);
    for bad in [
        &["--enable", "--disable"][..],
        &["--watch", "0"],
        &["--watch", "0.05"],
        &["--watch", "3601"],
        &["--watch", "soon"],
        &["--dir"],
        &["locks"],
    ] {
        let e = stats(bad).expect_err(&format!("{bad:?} must not parse"));
        assert_eq!(e.exit_code(), 2, "{bad:?}");
    }
    assert_eq!(parse_interval("2"), Ok(2.0));
}

#[test]
fn seconds_parser() {
    assert_eq!(parse_seconds("1"), Ok(1000));
    assert_eq!(parse_seconds("0.25"), Ok(250));
    assert!(parse_seconds("0").is_err());
    assert!(parse_seconds("-1").is_err());
    assert!(parse_seconds("600.5").is_err());
}

#[test]
fn bench_plot_cluster() {
    let c = parse(&["bench", "queue", "--cell-ms", "200", "--out", "/tmp/r"]).unwrap();
    match c.command {
        Command::Bench(b) => {
            assert_eq!(b.scenario, Scenario::Queue);
            assert_eq!(b.cell_ms, 200);
            assert_eq!(b.out, Some(PathBuf::from("/tmp/r")));
        }
        other => panic!("{other:?}"),
    }
    let c = parse(&["bench", "rw"]).unwrap();
    assert!(matches!(
        c.command,
        Command::Bench(BenchArgs {
            scenario: Scenario::Rw,
            ..
        })
    ));
    let c = parse(&["plot", "results", "--format", "svg"]).unwrap();
    assert!(matches!(
        c.command,
        Command::Plot(PlotArgs {
            format: PlotFormat::Svg,
            ..
        })
    ));
    let c = parse(&["cluster", "leave"]).unwrap();
    assert!(matches!(
        c.command,
        Command::Cluster {
            action: ClusterAction::Leave
        }
    ));
    let c = parse(&["--json", "cluster", "status", "--probe"]).unwrap();
    assert!(c.json);
    assert!(matches!(
        c.command,
        Command::Cluster {
            action: ClusterAction::Status { probe: true }
        }
    ));
    let c = parse(&["cluster", "status"]).unwrap();
    assert!(matches!(
        c.command,
        Command::Cluster {
            action: ClusterAction::Status { probe: false }
        }
    ));
}

/// A key file for the join tests (64 hex digits), one per call: tests
/// run in parallel.
fn key_file() -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let p = std::env::temp_dir().join(format!("alockctl-test-key-{}-{n}", std::process::id()));
    std::fs::write(&p, format!("{}\n", "0123456789abcdef".repeat(4))).unwrap();
    p.to_str().unwrap().to_string()
}

fn join(args: &[&str]) -> Result<JoinArgs, clap::Error> {
    let k = key_file();
    let mut a = vec!["cluster", "join", "--key-file", &k];
    a.extend_from_slice(args);
    let r = parse(&a);
    let _ = std::fs::remove_file(&k);
    match r?.command {
        Command::Cluster {
            action: ClusterAction::Join(j),
        } => Ok(j),
        other => panic!("{other:?}"),
    }
}

#[test]
fn cluster_join_defaults_and_options() {
    let j = join(&[
        "--node",
        "1",
        "--nodes",
        "3",
        "--addr",
        "10.77.0.1,10.77.0.2,10.77.0.3",
    ])
    .unwrap();
    assert_eq!((j.node, j.nodes), (1, 3));
    let want: Vec<SocketAddr> = ["10.77.0.1:18600", "10.77.0.2:18600", "10.77.0.3:18600"]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
    assert_eq!(j.addrs, want);
    assert_eq!((j.window, j.timeout, j.op_timeout_ms), (65536, 60_000, 0));
    assert!(!j.loopback);
    let j = join(&[
        "--node",
        "0",
        "--nodes",
        "2",
        "--addr",
        "[fd00::1]:9000,fd00::2",
        "--window",
        "1048576",
        "--loopback",
        "--timeout",
        "2.5",
        "--op-timeout-ms",
        "500",
    ])
    .unwrap();
    assert_eq!(j.addrs[0], "[fd00::1]:9000".parse::<SocketAddr>().unwrap());
    assert_eq!(j.addrs[1], "[fd00::2]:18600".parse::<SocketAddr>().unwrap());
    assert_eq!((j.window, j.timeout, j.op_timeout_ms), (1 << 20, 2500, 500));
    assert!(j.loopback);
    // Repeated --addr adds to the list.
    let j = join(&[
        "--node",
        "0",
        "--nodes",
        "2",
        "--addr",
        "10.0.0.1",
        "--addr",
        "10.0.0.2:7",
    ])
    .unwrap();
    assert_eq!(j.addrs.len(), 2);
    assert_eq!(j.addrs[1].port(), 7);
}

#[test]
fn cluster_join_bad_options_are_usage_errors() {
    let base = ["--node", "0", "--nodes", "2", "--addr", "10.0.0.1,10.0.0.2"];
    for (extra, what) in [
        (&["--window", "5000"][..], "--window"),
        (&["--window", "0"], "--window"),
        (&["--window", "2097152"], "--window"),
        (&["--timeout", "0"], "--timeout"),
        (&["--timeout", "601"], "--timeout"),
        (&["--op-timeout-ms", "5"], "--op-timeout-ms"),
        (&["--op-timeout-ms", "60001"], "--op-timeout-ms"),
    ] {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        let e = join(&a).expect_err(what);
        assert_eq!(e.exit_code(), 2, "{extra:?}");
    }
    for args in [
        &["--nodes", "2", "--addr", "10.0.0.1,10.0.0.2"][..],
        &["--node", "0", "--addr", "10.0.0.1"],
        &["--node", "0", "--nodes", "2"],
        &["--node", "16", "--nodes", "16", "--addr", "10.0.0.1"],
        &["--node", "0", "--nodes", "0", "--addr", "10.0.0.1"],
        &["--node", "0", "--nodes", "17", "--addr", "10.0.0.1"],
        &["--node", "0", "--nodes", "1", "--addr", "node0"],
        &["--node", "0", "--nodes", "2", "--addr", "10.0.0.1,"],
    ] {
        let e = join(args).expect_err(&format!("{args:?}"));
        assert_eq!(e.exit_code(), 2, "{args:?}");
    }
}

#[test]
fn cluster_key_files() {
    let j = join(&["--node", "0", "--nodes", "1", "--addr", "10.0.0.1"]).unwrap();
    assert_eq!(j.key.0[..4], [0x01, 0x23, 0x45, 0x67]);
    assert_eq!(format!("{:?}", j.key), "ClusterKey(..)");
    // 32 raw bytes, or 64 hex digits with whitespace around them.
    let raw: Vec<u8> = (1..=32).collect();
    assert_eq!(parse_key(&raw).unwrap().0[31], 32);
    let hex = format!("  {}\n", "a5".repeat(32));
    assert_eq!(parse_key(hex.as_bytes()).unwrap().0, [0xa5; 32]);
    for (bad, why) in [
        (&[0u8; 32][..], "all zeros"),
        (&[1u8; 31], "not 31 bytes"),
        (&[1u8; 33], "not 33 bytes"),
        ("00".repeat(32).as_bytes(), "all zeros"),
        (b"not a key", "not 9 bytes"),
    ] {
        let e = parse_key(bad).unwrap_err();
        assert!(e.contains(why), "{e}");
    }
    let e = parse_key_file("/nonexistent/key").unwrap_err();
    assert!(e.contains("/nonexistent/key"), "{e}");
    // Without --key-file, a join does not parse.
    let e = parse(&[
        "cluster", "join", "--node", "0", "--nodes", "1", "--addr", "10.0.0.1",
    ])
    .unwrap_err();
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn node_address_parser() {
    let p = |s| parse_node_addr(s).map(|a| a.to_string());
    assert_eq!(p("10.77.0.1").unwrap(), "10.77.0.1:18600");
    assert_eq!(p(" 10.77.0.1:4791 ").unwrap(), "10.77.0.1:4791");
    assert_eq!(p("::1").unwrap(), "[::1]:18600");
    assert_eq!(p("[fd00::7]").unwrap(), "[fd00::7]:18600");
    assert_eq!(p("[fd00::7]:1").unwrap(), "[fd00::7]:1");
    assert_eq!(p("fe80::1:2").unwrap(), "[fe80::1:2]:18600");
    for bad in [
        "",
        "10.77.0",
        "10.77.0.256",
        "10.77.0.1:0",
        "10.77.0.1:65536",
        "10.77.0.1:x",
        "host:18600",
        "[fd00::1]:0",
        "[fd00::1",
        "fd00::1%2",
        "[fe80::1%2]:18600",
    ] {
        assert!(parse_node_addr(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn window_and_timeout_parsers() {
    assert_eq!(parse_window("4096"), Ok(4096));
    assert_eq!(parse_window("1048576"), Ok(1 << 20));
    for bad in ["0", "4095", "6144", "1052672", "64k", "-4096"] {
        assert!(parse_window(bad).is_err(), "{bad}");
    }
    assert_eq!(parse_timeout("60"), Ok(60_000));
    assert_eq!(parse_timeout("0.5"), Ok(500));
    assert!(parse_timeout("600.001").is_err());
    assert_eq!(parse_op_timeout("0"), Ok(0));
    assert_eq!(parse_op_timeout("10"), Ok(10));
    assert_eq!(parse_op_timeout("60000"), Ok(60_000));
    assert!(parse_op_timeout("9").is_err());
}
