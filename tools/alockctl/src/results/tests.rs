//! Tests of results: ratios, JSON and CSV, latency classes.

use super::samples::{dlock, queue, rw, rw_run, txn_run};
use super::*;

#[test]
fn ratios_are_relative_to_the_baseline() {
    let r = queue();
    assert_eq!(r.rows[0].ratio, Some(1.0));
    assert_eq!(r.rows[1].ratio, Some(0.5));
}

#[test]
fn json_round_trips() {
    let r = queue();
    let back = Results::from_json(&r.to_json()).unwrap();
    assert_eq!(back, r);
}

#[test]
fn csv_has_a_header_and_one_line_per_row() {
    let csv = queue().to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].split(',').count(), CSV_COLUMNS.len());
    assert_eq!(lines[2].split(',').count(), CSV_COLUMNS.len());
    assert!(lines[2].starts_with("queue,stress,mcs,spins=0,2,"));
    assert!(lines[2].contains(",0.5000,spinlock,"));
}

#[test]
fn rw_ratios_csv_and_json() {
    let r = rw();
    let ratio = |g: &str, n: &str| {
        r.rows
            .iter()
            .find(|x| x.group == g && x.rw_name() == n)
            .and_then(|x| x.ratio)
            .unwrap()
    };
    // prwlock/rcu cost, prwlock/x throughput, x/prwlock write time,
    // sequential/parallel wake-up.
    assert_eq!(ratio("read-cost", "prwlock"), 3.0);
    assert_eq!(ratio("read-throughput", "rwsem"), 4.0);
    assert_eq!(ratio("write-idle", "percpu_rwsem"), 20.0);
    assert_eq!(ratio("wake", "sequential"), 2.5);
    let csv = r.to_csv();
    assert!(csv
        .lines()
        .all(|l| l.split(',').count() == CSV_COLUMNS.len()));
    assert!(csv.contains(",2.5000,sequential/parallel,"), "{csv}");
    assert_eq!(Results::from_json(&r.to_json()).unwrap(), r);
}

#[test]
fn rw_run_row() {
    let row = rw_run();
    assert_eq!((row.kind.as_str(), row.block.as_str()), ("rw", "sleep"));
    assert_eq!(row.rate, 2000.0);
    assert_eq!(row.write_rate(), 20.0);
}

#[test]
fn dlock_rows_csv_and_json() {
    let r = dlock();
    let (row, mcs) = (&r.rows[0], &r.rows[1]);
    assert_eq!((row.kind.as_str(), row.lock.as_str()), ("dlock", "alock"));
    assert_eq!(row.rate, 20_000.0);
    assert!(row.spin);
    assert_eq!(row.first_error_name, "ETIMEDOUT");
    assert_eq!(mcs.lock, "mcs-loopback");
    assert!(mcs.first_error_name.is_empty());
    let csv = r.to_csv();
    assert!(csv
        .lines()
        .all(|l| l.split(',').count() == CSV_COLUMNS.len()));
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .ends_with(",80,2,true,8000,2000,19990,1,ETIMEDOUT,1200,9800,25000,120500,16000.0,4000.0,0,10000,5.00,,,,,,,,,,,,,1536,1946,2038,2047,24576,31130,32604,32752"),
        "{csv}"
    );
    // The MCS run had no sample: empty percentile fields.
    assert!(
        csv.lines()
            .nth(2)
            .unwrap()
            .ends_with(",0.00,,,,,,,,,,,,,,,,,,,,"),
        "{csv}"
    );
    let back = Results::from_json(&r.to_json()).unwrap();
    assert_eq!(back, r);
    assert!(r.to_json().contains("\"first_error_name\": \"ETIMEDOUT\""));
    // JSON: the raw buckets and the percentiles of each class.
    let j: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    let local = &j["rows"][0]["local_lat"];
    assert_eq!(local["buckets"].as_array().unwrap().len(), 40);
    assert_eq!(local["buckets"][11], 100);
    assert_eq!(
        (&local["p50_ns"], &local["p999_ns"]),
        (&serde_json::json!(1536), &serde_json::json!(2047))
    );
    assert_eq!(j["rows"][0]["remote_lat"]["p99_ns"], 32604);
    assert!(j["rows"][1]["remote_lat"]["p50_ns"].is_null());
    // Not a histogram of this kind of run: left out.
    assert!(j["rows"][0].get("lat").is_none());
    assert!(j["rows"][0].get("read_lat").is_none());
}

#[test]
fn latency_classes_of_a_row() {
    let r = dlock();
    let classes = |row: &Row| -> Vec<&str> { row.latencies().iter().map(|(c, _)| *c).collect() };
    assert_eq!(classes(&r.rows[0]), ["local", "remote"]);
    // MCS at 0 % local: no local operation, so no local class.
    assert_eq!(classes(&r.rows[1]), ["remote"]);
    // rw: readers and a writer, the writer's histogram empty.
    let rw = rw_run();
    assert_eq!(classes(&rw), ["read", "write"]);
    assert_eq!(rw.latencies()[0].1.percentile(0.5), Some(896.0));
    assert!(rw.latencies()[1].1.is_empty());
    // Rows from before ABI 8 have none.
    assert!(queue().rows[0].latencies().is_empty());
    let s = Row::from_stress(&AlockStress::default(), false);
    assert_eq!(classes(&s), ["acquire"]);
}

#[test]
fn files_without_histograms_still_load() {
    let text = r#"{"scenario": "stress", "tool_version": "0.1.0",
        "module_version": "x", "abi_version": 7, "nr_cpus": 2, "cell_ms": 500,
        "rows": [{"kind": "stress", "lock": "mcs", "threads": 2, "cs_spins": 0,
        "elapsed_ns": 1000, "ops": 10, "rate": 1.0, "errors": 0}]}"#;
    let r = Results::from_json(text).unwrap();
    assert!(!r.rows[0].lat.is_present());
    assert!(r.rows[0].latencies().is_empty());
    assert!(!r.to_json().contains("\"lat\""));
    let csv = r.to_csv();
    assert!(csv
        .lines()
        .nth(1)
        .unwrap()
        .ends_with(",0.00,,,,,,,,,,,,,,,,,,,,"));
}

#[test]
fn txn_rates() {
    let row = txn_run();
    assert_eq!(row.lock, "wait");
    assert_eq!(row.rate, 4000.0);
    assert_eq!(row.restart_rate(), 1000.0);
    assert!(row.interrupted);
}
