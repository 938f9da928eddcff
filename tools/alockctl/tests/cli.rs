//! The binary end to end on the host (no module needed): result files,
//! tables, plots from the fixed results in tests/data (latency
//! histograms in tests/data/latency), `stats` on the debugfs directory of
//! tests/data/debugfs, and the error messages and exit statuses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use alockctl::commands::{load, merge};
use alockctl::results::Results;
use serde_json::json;

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
    let kf = tmpdir("missing-module").join("key");
    std::fs::write(&kf, "5a".repeat(32)).unwrap();
    let k = kf.to_str().unwrap();
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
            "--key-file",
            k,
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

// --- latency histograms (ABI 8) --------------------------------------

/// Single runs with hand-made histograms: mcs (1000 acquires: 600 in
/// [128, 256) ns, 300 in [256, 512), 90 in [2048, 4096), 10 in
/// [32768, 65536)), prwlock (100 reads in [64, 128), 10 writes in
/// [8192, 16384)) and ALock (80 local in [1024, 2048), 20 remote in
/// [16384, 32768)).
fn latency_data() -> PathBuf {
    data().join("latency")
}

#[test]
fn report_shows_latency_percentiles() {
    let o = alockctl(&["report", latency_data().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let at = out.find("acquire latency").expect("latency table");
    let rows: Vec<Vec<&str>> = out[at..]
        .lines()
        .skip(3)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["stress", "mcs", "4", "acquire", "1000", "235ns", "512ns", "4.10µs", "62.3µs"],
            ["rw", "prwlock", "4", "read", "100", "96ns", "122ns", "127ns", "128ns"],
            ["rw", "prwlock", "1", "write", "10", "12.3µs", "15.6µs", "16.3µs", "16.4µs"],
            ["dlock", "alock", "4", "local", "80", "1.54µs", "1.95µs", "2.04µs", "2.05µs"],
            ["dlock", "alock", "4", "remote", "20", "24.6µs", "31.1µs", "32.6µs", "32.8µs"],
        ]
    );
    // The results without histograms have no latency table.
    let o = alockctl(&["report", data().join("queue.json").to_str().unwrap()]);
    assert!(!String::from_utf8(o.stdout)
        .unwrap()
        .contains("acquire latency"));
}

#[test]
fn latency_percentiles_in_json_and_csv() {
    let f = latency_data().join("stress.json");
    let o = alockctl(&["report", "--json", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lat = &j["rows"][0]["lat"];
    assert_eq!(lat["buckets"].as_array().unwrap().len(), 40);
    assert_eq!(lat["buckets"][8], 600);
    assert_eq!(lat["p50_ns"], 235);
    assert_eq!(lat["p90_ns"], 512);
    assert_eq!(lat["p99_ns"], 4096);
    assert_eq!(lat["p999_ns"], 62259);
    assert_eq!(j["rows"][1]["write_lat"]["p50_ns"], 12288);
    assert_eq!(j["rows"][2]["remote_lat"]["p99_ns"], 32604);
    // What alockctl wrote reads back the same.
    let back = Results::from_json(&String::from_utf8(o.stdout).unwrap()).unwrap();
    assert_eq!(back, load(&f).unwrap()[0].1);
    let o = alockctl(&["report", "--csv", f.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split(',').collect()).collect();
    let col = |name: &str| lines[0].iter().position(|c| *c == name).unwrap();
    assert_eq!(lines[1][col("lat_p50_ns")], "235");
    assert_eq!(lines[1][col("lat_p999_ns")], "62259");
    assert_eq!(lines[1][col("read_lat_p50_ns")], "");
    assert_eq!(lines[2][col("read_lat_p50_ns")], "96");
    assert_eq!(lines[2][col("write_lat_p99_ns")], "16302");
    assert_eq!(lines[3][col("local_lat_p90_ns")], "1946");
    assert_eq!(lines[3][col("remote_lat_p50_ns")], "24576");
}

#[test]
fn plot_draws_a_latency_cdf() {
    let dir = tmpdir("latency-cdf");
    let o = alockctl(&[
        "plot",
        latency_data().to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let listed = String::from_utf8(o.stdout).unwrap();
    assert!(listed.contains("stress-latency-cdf.svg"), "{listed}");
    check_svg(
        &dir.join("stress-latency-cdf.svg"),
        &[
            "acquire latency CDF",
            "fraction of acquisitions",
            "mcs acquire",
            "prwlock read",
            "prwlock write",
            "alock local",
            "alock remote",
        ],
    );
    check_png(&dir.join("stress-latency-cdf.png"));
    // Results without histograms get no CDF.
    let dir = tmpdir("no-latency-cdf");
    for r in merge(load(&data()).unwrap()) {
        alockctl::plot::plot(&r, &dir, alockctl::cli::PlotFormat::Svg).unwrap();
    }
    let cdfs = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().contains("latency-cdf")
        })
        .count();
    assert_eq!(cdfs, 0);
}

// --- alockctl stats ---------------------------------------------------

/// A debugfs directory as alock.ko writes it (tests/data/debugfs).
fn debugfs() -> PathBuf {
    data().join("debugfs")
}

/// A copy of the debugfs fixture that a test may change.
fn debugfs_copy(name: &str) -> PathBuf {
    let d = tmpdir(name);
    for e in std::fs::read_dir(debugfs()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, d.join(p.file_name().unwrap())).unwrap();
    }
    d
}

/// The whitespace-separated cells of the line of `table` starting with `name`.
fn cells<'a>(out: &'a str, table: &str, name: &str) -> Vec<&'a str> {
    let t = out
        .find(&format!("\n{table}: "))
        .unwrap_or_else(|| panic!("no table {table}: {out}"));
    out[t..]
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|c| c.first() == Some(&name))
        .unwrap_or_else(|| panic!("no row {name} in {table}: {out}"))
}

#[test]
fn stats_tables() {
    let o = alockctl(&["stats", "--dir", debugfs().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with("fast-path counting: on"), "{out}");
    // Known files first, in order, then the others by name.
    let pos = |t: &str| out.find(&format!("\n{t}: ")).unwrap();
    assert!(pos("locks") < pos("rdma") && pos("rdma") < pos("table"));
    assert!(pos("table") < pos("prwlocks"));
    assert!(out.contains("locks: lock acquisitions by kind"), "{out}");
    // Columns: the union of the fields, first seen first; `-` where a row
    // lacks one; histograms as p50 and p99.
    assert_eq!(
        cells(&out, "locks", "name"),
        [
            "name",
            "acquisitions",
            "contended",
            "sleeps",
            "rounds",
            "ipis",
            "idle_skips",
            "domain_skips",
            "drain_ipis",
            "conversions",
            "wakeups",
            "handoffs",
            "acquire",
            "p50",
            "acquire",
            "p99"
        ]
    );
    assert_eq!(
        cells(&out, "locks", "prwlock_write"),
        [
            "prwlock_write",
            "4",
            "4",
            "-",
            "4",
            "1",
            "2",
            "0",
            "0",
            "0",
            "1",
            "-",
            "-",
            "-"
        ]
    );
    assert_eq!(
        cells(&out, "locks", "alock_remote")[11..],
        ["12", "6.83µs", "64.2µs"]
    );
    assert_eq!(
        cells(&out, "rdma", "name"),
        [
            "name", "node", "state", "reads", "writes", "atomics", "sends", "errors", "rtt", "p50",
            "rtt", "p99"
        ]
    );
    assert_eq!(
        cells(&out, "rdma", "peer1"),
        ["peer1", "1", "up", "1200", "300", "450", "12", "0", "12.3µs", "16.3µs"]
    );
    assert_eq!(cells(&out, "rdma", "peer0")[8..], ["-", "-"]);
    assert_eq!(cells(&out, "rdma", "peer2")[8..], ["32.8µs", "129.8µs"]);
    assert_eq!(cells(&out, "table", "key3"), ["key3", "1", "0", "17", "4"]);
    assert_eq!(
        cells(&out, "prwlocks", "mm_1234"),
        ["mm_1234", "8", "2", "passive", "42"]
    );
}

#[test]
fn stats_json_and_csv() {
    let o = alockctl(&["stats", "--json", "--dir", debugfs().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["enabled"], true);
    assert_eq!(j["locks"].as_array().unwrap().len(), 5);
    assert_eq!(j["locks"][1]["name"], "prwlock_write");
    assert_eq!(j["locks"][1]["wakeups"], 1);
    assert!(j["locks"][1].get("sleeps").is_none());
    let peer1 = &j["rdma"][1];
    assert_eq!(
        (&peer1["name"], &peer1["state"], &peer1["reads"]),
        (&json!("peer1"), &json!("up"), &json!(1200))
    );
    let rtt = &peer1["rtt_hist"];
    assert_eq!(rtt["buckets"].as_array().unwrap().len(), 40);
    assert_eq!(rtt["buckets"][14], 100);
    assert_eq!(
        [
            &rtt["p50_ns"],
            &rtt["p90_ns"],
            &rtt["p99_ns"],
            &rtt["p999_ns"]
        ],
        [&json!(12288), &json!(15565), &json!(16302), &json!(16376)]
    );
    assert!(j["rdma"][0]["rtt_hist"]["p50_ns"].is_null());
    assert_eq!(j["table"][1]["home"], 1);
    assert_eq!(j["prwlocks"][0]["version"], 42);
    let o = alockctl(&["stats", "--csv", "--dir", debugfs().to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.starts_with("file,name,field,value\nenabled,,,1\n"),
        "{out}"
    );
    for want in [
        "\nlocks,mcs,acquisitions,1000\n",
        "\nrdma,peer1,state,up\n",
        "\nrdma,peer1,rtt_hist.p50_ns,12288\n",
        "\nrdma,peer0,rtt_hist.p99_ns,\n",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
}

#[test]
fn stats_without_debugfs_is_one_line_and_exit_1() {
    let o = alockctl(&["stats", "--dir", "/nonexistent/alock"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("debugfs must be mounted at /sys/kernel/debug") && e.contains("alock.ko loaded"),
        "{e}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn stats_skips_bad_lines_with_a_warning() {
    let d = debugfs_copy("stats-bad-lines");
    let mut locks = std::fs::read_to_string(d.join("locks")).unwrap();
    locks += "ticket acquisitions=12,5\nabql rounds=1 rtt_hist=1,2\nqueue acquisitions=3\n";
    std::fs::write(d.join("locks"), locks).unwrap();
    std::fs::write(d.join("enabled"), "maybe\n").unwrap();
    std::fs::write(d.join("extra"), "uncommented value=1\n\n=== junk ===\n").unwrap();
    let o = alockctl(&["stats", "--dir", d.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("warning: locks:7: acquisitions: bad value `12,5`"),
        "{e}"
    );
    assert!(
        e.contains("warning: locks:8: rtt_hist: 2 counts, 40 expected"),
        "{e}"
    );
    assert!(e.contains("is neither 0 nor 1"), "{e}");
    assert!(e.contains("warning: extra:3: no row name"), "{e}");
    assert_eq!(e.lines().count(), 4, "{e}");
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with("fast-path counting: unknown"), "{out}");
    // The good lines around the bad ones are kept.
    assert_eq!(cells(&out, "locks", "queue")[..2], ["queue", "3"]);
    assert_eq!(cells(&out, "locks", "mcs")[..3], ["mcs", "1000", "250"]);
    assert!(!out.contains("ticket") && !out.contains("abql"), "{out}");
    // A file without a comment line: no title, a row of its own.
    assert!(out.contains("\nextra\nname"), "{out}");
    assert!(out.contains("\nuncommented      1\n"), "{out}");
    // name, 11 fields, 2 columns of acquire_hist.
    assert_eq!(cells(&out, "locks", "queue").len(), 14);
}

#[test]
fn stats_enable_and_disable_write_the_switch() {
    let d = debugfs_copy("stats-switch");
    let dir = d.to_str().unwrap();
    let o = alockctl(&["stats", "--dir", dir, "--disable"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "fast-path counting: off\n"
    );
    assert_eq!(std::fs::read_to_string(d.join("enabled")).unwrap(), "0");
    let o = alockctl(&["stats", "--dir", dir, "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["enabled"], false);
    let o = alockctl(&["stats", "--dir", dir, "--enable", "--json"]);
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "{\"enabled\":true}\n");
    assert_eq!(std::fs::read_to_string(d.join("enabled")).unwrap(), "1");
    let o = alockctl(&["stats", "--dir", dir, "--enable", "--disable"]);
    assert_eq!(o.status.code(), Some(2));
    let o = alockctl(&["stats", "--dir", "/nonexistent/alock", "--enable"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("debugfs must be mounted"));
}

#[test]
fn stats_watch_prints_a_json_line_per_sample_with_rates() {
    let d = debugfs_copy("stats-watch");
    let child = Command::new(env!("CARGO_BIN_EXE_alockctl"))
        .args([
            "stats",
            "--json",
            "--watch",
            "0.2",
            "--dir",
            d.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    // 500 more mcs acquisitions between two samples.
    let locks = std::fs::read_to_string(d.join("locks")).unwrap();
    std::fs::write(
        d.join("locks"),
        locks.replace("mcs acquisitions=1000", "mcs acquisitions=1500"),
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: kill(2) on the child's pid; no memory is involved.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let samples: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(samples.len() >= 4, "{out}");
    assert!(samples.iter().all(|s| s["time"].as_f64().unwrap() > 1.6e9));
    assert!(samples.iter().all(|s| s["enabled"] == true));
    // The first sample has nothing to compare with.
    assert!(samples[0].get("interval_s").is_none());
    assert!(samples[0]["locks"][2].get("rates").is_none());
    assert_eq!(samples[0]["locks"][2]["acquisitions"], 1000);
    let last = samples.last().unwrap();
    assert_eq!(last["locks"][2]["acquisitions"], 1500);
    assert!(last["interval_s"].as_f64().unwrap() >= 0.2);
    // Exactly one sample saw the 500 new acquisitions, at about 500 per
    // 0.2 s.
    let rates: Vec<f64> = samples
        .iter()
        .filter_map(|s| s["locks"][2]["rates"]["acquisitions"].as_f64())
        .collect();
    assert_eq!(rates.len(), 1, "{out}");
    assert!(rates[0] > 500.0 && rates[0] <= 2600.0, "{rates:?}");
}
