//! The binary end to end on the host (no module needed): result files,
//! tables, plots from the fixed results in tests/data, and the error
//! messages and exit statuses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use alockctl::commands::{load, merge};
use alockctl::results::Results;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn alockctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alockctl"))
        .args(args)
        .output()
        .expect("run alockctl")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn fixtures_load_and_round_trip() {
    let files = load(&data()).unwrap();
    assert_eq!(files.len(), 4);
    for (p, r) in &files {
        let again = Results::from_json(&r.to_json()).unwrap();
        assert_eq!(&again, r, "{}", p.display());
        // CSV: header plus one line per row, same column count everywhere.
        let csv = r.to_csv();
        let cols: Vec<usize> = csv.lines().map(|l| l.split(',').count()).collect();
        assert_eq!(cols.len(), r.rows.len() + 1);
        assert!(cols.iter().all(|&c| c == cols[0]));
    }
}

#[test]
fn report_prints_the_documented_tables() {
    let o = alockctl(&["report", data().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    // Figures of Documentation/queue-locks.rst and mrlock.rst.
    assert!(out.contains("2946924 (0.48x)"), "{out}");
    assert!(out.contains("ratio to 2pl"), "{out}");
    assert!(out.contains("28120 (1.12x)"), "{out}");
    assert!(out.contains("exclusive commits/s"), "{out}");
    // rw.json: alockctl bench rw --cell-ms 200 of a check run (TCG).
    assert!(
        out.contains("read lock+unlock cost, ns per pair on one CPU (ratio x/rcu)"),
        "{out}"
    );
    assert!(
        out.contains("percpu_rwsem  2000000   1900.5  2.19x"),
        "{out}"
    );
    assert!(
        out.contains("sequential        8      20    473.7  1353.4  1.75x"),
        "{out}"
    );
}

#[test]
fn report_json_and_csv_parse() {
    let o = alockctl(&[
        "report",
        "--json",
        data().join("queue.json").to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let r = Results::from_json(&String::from_utf8(o.stdout).unwrap()).unwrap();
    assert_eq!(r.rows.len(), 24);
    let o = alockctl(&["report", "--csv", data().to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    // One header for the four files.
    assert_eq!(
        out.lines().filter(|l| l.starts_with("scenario,")).count(),
        1
    );
    assert_eq!(out.lines().count(), 1 + 24 + 30 + 6 + 17);
}

fn check_svg(p: &Path, words: &[&str]) {
    let s = std::fs::read_to_string(p).unwrap();
    assert!(s.starts_with("<svg"), "{}", p.display());
    for w in words {
        assert!(s.contains(w), "{} lacks {w}", p.display());
    }
}

fn check_png(p: &Path) {
    let b = std::fs::read(p).unwrap();
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{}", p.display());
    assert!(b.len() > 5000, "{} is nearly empty", p.display());
}

#[test]
fn plots_from_the_fixed_results() {
    let dir = tmpdir("plots");
    for r in merge(load(&data()).unwrap()) {
        alockctl::plot::plot(&r, &dir, alockctl::cli::PlotFormat::All).unwrap();
    }
    check_svg(
        &dir.join("queue-throughput-spins0.svg"),
        &["mcs", "abql", "threads", "ops/s"],
    );
    check_svg(&dir.join("queue-throughput-spins200.svg"), &["spinlock"]);
    check_svg(
        &dir.join("queue-ratio.svg"),
        &["ratio to spinlock", "spins=200 x4"],
    );
    check_svg(
        &dir.join("mrlock-throughput-high.svg"),
        &["adaptive", "2pl"],
    );
    check_svg(&dir.join("mrlock-ratio.svg"), &["high x4"]);
    check_svg(&dir.join("txn-commits.svg"), &["records=4096", "exclusive"]);
    check_svg(&dir.join("txn-restarts.svg"), &["restarts/s"]);
    check_svg(
        &dir.join("rw-read-throughput.svg"),
        &["brlock", "percpu_rwsem", "reads/s"],
    );
    check_svg(
        &dir.join("rw-read-cost.svg"),
        &["rcu", "ns per read lock+unlock"],
    );
    check_svg(&dir.join("rw-wake.svg"), &["sequential", "parallel"]);
    let svgs = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "svg")
        .count();
    // queue: 2 groups + ratio; mrlock: 3 groups + ratio; txn: commits,
    // restarts; rw: one per section.
    assert_eq!(svgs, 3 + 4 + 2 + 5);
    for name in [
        "queue-ratio",
        "mrlock-throughput-low",
        "txn-commits",
        "rw-read-throughput",
    ] {
        check_png(&dir.join(format!("{name}.png")));
    }
}

#[test]
fn plot_command_writes_next_to_the_file_or_into_out() {
    let dir = tmpdir("plot-cmd");
    let o = alockctl(&[
        "plot",
        data().join("txn.json").to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--format",
        "svg",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let listed = String::from_utf8(o.stdout).unwrap();
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(dir.join("txn-commits.svg").exists());
    assert!(!dir.join("txn-commits.png").exists());
}

#[test]
fn missing_module_is_one_line_and_exit_1() {
    for cmd in [
        &["info"][..],
        &["stress", "mcs"],
        &["bench", "queue"],
        &["cluster", "status"],
        &["cluster", "status", "--probe"],
        &["cluster", "leave"],
        &["table", "sum"],
        &["table", "destroy"],
        &["table", "create", "--keys", "64"],
        &["stress", "dlock", "alock"],
        &[
            "cluster",
            "join",
            "--node",
            "0",
            "--nodes",
            "2",
            "--addr",
            "10.77.0.1,10.77.0.2",
        ],
    ] {
        let mut args = vec!["--device", "/nonexistent/alock"];
        args.extend_from_slice(cmd);
        let o = alockctl(&args);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}");
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains("alock module is not loaded"), "{e}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn wrong_device_is_an_abi_error() {
    let o = alockctl(&["--device", "/dev/null", "info"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("ALOCK_IOC_VERSION"), "{e}");
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        &["stress", "rwlock"][..],
        &["stress", "mcs", "--threads", "0"],
        &["bench"],
        &["stress", "mrlock", "2pl", "--min", "9", "--max", "4"],
        &[
            "stress",
            "txn",
            "wait",
            "--records",
            "2",
            "--tx-records",
            "4",
        ],
        &["stress", "rw", "rcu", "--writers", "1"],
        &["stress", "rw", "rwlock", "--sleep-every", "5"],
        &["stress", "rw", "prwlock", "--migrate-every", "3"],
        &["stress", "rw", "rwsem", "--seq-wake"],
        &[
            "stress",
            "rw",
            "prwlock",
            "--sleep-every",
            "1",
            "--yield-every",
            "1",
        ],
        &[
            "stress",
            "rw",
            "prwlock",
            "--readers",
            "0",
            "--writers",
            "0",
        ],
        // cluster join: checked before the device is opened.
        &[
            "cluster",
            "join",
            "--node",
            "2",
            "--nodes",
            "2",
            "--addr",
            "10.0.0.1,10.0.0.2",
        ],
        &[
            "cluster",
            "join",
            "--node",
            "0",
            "--nodes",
            "3",
            "--addr",
            "10.0.0.1,10.0.0.2",
        ],
        &[
            "cluster",
            "join",
            "--node",
            "0",
            "--nodes",
            "2",
            "--addr",
            "10.0.0.1,node1",
        ],
        &[
            "cluster",
            "join",
            "--node",
            "0",
            "--nodes",
            "2",
            "--addr",
            "10.0.0.1,10.0.0.1",
        ],
        &[
            "cluster",
            "join",
            "--node",
            "0",
            "--nodes",
            "2",
            "--addr",
            "10.0.0.1,10.0.0.2",
            "--window",
            "1000",
        ],
        &["cluster", "join", "--node", "0", "--nodes", "2"],
        &["cluster"],
        &["table"],
        &["table", "create"],
        &["table", "create", "--keys", "2049"],
        &["table", "create", "--keys", "8", "--placement", "random"],
        &["table", "create", "--keys", "8", "--local-budget", "1001"],
        &["stress", "dlock"],
        &["stress", "dlock", "spin"],
        &["stress", "dlock", "alock", "--threads", "65"],
        &["stress", "dlock", "alock", "--local-pct", "101"],
        &["stress", "dlock", "alock", "--keys-per-op", "9"],
        &["stress", "dlock", "alock", "--timeout-ms", "600001"],
    ] {
        let mut a = vec!["--device", "/nonexistent/alock"];
        a.extend_from_slice(args);
        let o = alockctl(&a);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
}

#[test]
fn bad_results_file_is_named() {
    let dir = tmpdir("bad-results");
    let f = dir.join("x.json");
    std::fs::write(&f, "{\"not\": 1}").unwrap();
    let o = alockctl(&["report", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not an alockctl results file"));
}
