//! Results the tests of [`crate::results`] and [`crate::report`] share.

use super::*;

/// A `queue` matrix: spinlock (the baseline) and mcs at half its rate.
pub fn queue() -> Results {
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

/// An `rw` matrix with two rows in each section.
pub fn rw() -> Results {
    let mut r = Results {
        scenario: "rw".into(),
        nr_cpus: 2,
        cell_ms: 1000,
        baseline: Some("prwlock".into()),
        ..Results::default()
    };
    for (lock, ns) in [("prwlock", 30_000_000), ("rcu", 10_000_000)] {
        let mut row = Row::from_rwcost(&AlockRwcost {
            lock: abi::id_of(&abi::RW_LOCKS, lock).unwrap(),
            iterations: 2_000_000,
            ns,
        });
        row.group = "read-cost".into();
        r.rows.push(row);
    }
    for (lock, reads) in [("prwlock", 4_000_000), ("rwsem", 1_000_000)] {
        let mut row = Row::from_rwstress(
            &AlockRwstress {
                lock: abi::id_of(&abi::RW_LOCKS, lock).unwrap(),
                readers: 2,
                duration_ms: 1000,
                reads,
                elapsed_ns: 1_000_000_000,
                ..AlockRwstress::default()
            },
            false,
        );
        row.group = "read-throughput".into();
        r.rows.push(row);
    }
    for (lock, total) in [("prwlock", 1_000_000), ("percpu_rwsem", 20_000_000)] {
        let mut row = Row::from_rwstress(
            &AlockRwstress {
                lock: abi::id_of(&abi::RW_LOCKS, lock).unwrap(),
                writers: 1,
                write_pause_us: 2000,
                writes: 100,
                ipis: 50,
                idle_skips: 75,
                rounds: 100,
                write_ns_total: total,
                elapsed_ns: 1_000_000_000,
                ..AlockRwstress::default()
            },
            false,
        );
        row.group = "write-idle".into();
        r.rows.push(row);
    }
    for (seq, total) in [(false, 2_000_000), (true, 5_000_000)] {
        let mut row = Row::from_rwwake(
            &AlockRwwake {
                readers: 8,
                rounds: 20,
                flags: if seq { abi::ALOCK_RW_SEQ_WAKE } else { 0 },
                total_ns: total,
                max_ns: 300_000,
                ..AlockRwwake::default()
            },
            false,
        );
        row.group = "wake".into();
        r.rows.push(row);
    }
    r.compute_ratios();
    r
}

/// One reader-writer stress run (prwlock, sleeping readers): 60 timed
/// reads, 40 in [512, 1024) ns and 20 in [1024, 2048); no write timed.
pub fn rw_run() -> Row {
    let mut read_lat = abi::AlockHist::default();
    read_lat.count[10] = 40;
    read_lat.count[11] = 20;
    Row::from_rwstress(
        &AlockRwstress {
            read_lat,
            lock: 1,
            readers: 4,
            writers: 1,
            flags: abi::ALOCK_RW_SLEEP,
            sleep_every: 20,
            read_spins: 20,
            write_spins: 80,
            reads: 1000,
            writes: 10,
            read_sleeps: 50,
            rounds: 12,
            ipis: 3,
            drain_ipis: 1,
            idle_skips: 9,
            domain_skips: 2,
            elapsed_ns: 500_000_000,
            ..AlockRwstress::default()
        },
        false,
    )
}

/// Two lock-table runs: ALock with a timeout, an interrupted MCS one.
pub fn dlock() -> Results {
    let d = AlockDlockRun {
        lock: abi::ALOCK_DLOCK_ALOCK,
        threads: 4,
        duration_ms: 500,
        local_pct: 80,
        keys_per_op: 2,
        flags: abi::ALOCK_DLOCK_SPIN,
        ops: 10_000,
        local_ops: 8_000,
        remote_ops: 2_000,
        failures: 1,
        first_error: -libc::ETIMEDOUT,
        increments: 19_990,
        min_thread_ops: 2_400,
        max_thread_ops: 2_600,
        elapsed_ns: 500_000_000,
        local_lat_median_ns: 1_200,
        local_lat_p99_ns: 9_800,
        remote_lat_median_ns: 25_000,
        remote_lat_p99_ns: 120_500,
        remote_verbs: 10_000,
        reads: 2_000,
        writes: 4_000,
        atomics: 4_000,
        leaders: 9_000,
        handoffs: 1_000,
        fast_entries: 1_500,
        ..AlockDlockRun::default()
    };
    // 100 local acquires in [1024, 2048) ns, 10 remote in [16384, 32768).
    let mut d = d;
    d.local_lat.count[11] = 100;
    d.remote_lat.count[15] = 10;
    let mcs = AlockDlockRun {
        lock: abi::ALOCK_DLOCK_MCS_LB,
        ..AlockDlockRun::default()
    };
    Results {
        scenario: "stress".into(),
        rows: vec![Row::from_dlock(&d, false), Row::from_dlock(&mcs, true)],
        ..Results::default()
    }
}

/// One interrupted transaction run (wait mode).
pub fn txn_run() -> Row {
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
    Row::from_txn(&x, true)
}
