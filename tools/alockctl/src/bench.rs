//! Benchmark matrices: the same as `alocktest bench-queue`/`bench-mr`/
//! `bench-rw` and the lock-manager lines of `tests/guest/run.sh` (bench
//! mode), with results kept as [`Row`]s.

use crate::abi::{
    self, AlockMrlock, AlockRwcost, AlockRwstress, AlockRwwake, AlockStress, AlockTxn,
};
use crate::dev::{Device, Error};
use crate::progress::Progress;
use crate::results::{Results, Row};

/// One cell of a matrix: what to run.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// `ALOCK_IOC_STRESS` with this lock, threads and spins.
    Stress {
        /// Matrix group.
        group: String,
        /// Lock name.
        lock: &'static str,
        /// Threads.
        threads: u32,
        /// Spins in the critical section.
        spins: u32,
    },
    /// `ALOCK_IOC_MRLOCK` over k = 64.
    Mr {
        /// Contention level.
        group: String,
        /// Scheme name.
        scheme: &'static str,
        /// Threads.
        threads: u32,
        /// Smallest h.
        hmin: u32,
        /// Largest h.
        hmax: u32,
    },
    /// `ALOCK_IOC_TXN` with 4 records per transaction, 20 % audits.
    Txn {
        /// `records=N`.
        group: String,
        /// Mode name.
        mode: &'static str,
        /// Threads.
        threads: u32,
        /// Accounts.
        records: u32,
    },
    /// `ALOCK_IOC_RWSTRESS` with no spins inside.
    Rw {
        /// Section of the rw matrix.
        group: String,
        /// Lock name.
        lock: &'static str,
        /// Reader threads.
        readers: u32,
        /// Writer threads.
        writers: u32,
        /// Writers' pause between write sections, microseconds.
        pause_us: u32,
    },
    /// `ALOCK_IOC_RWCOST`: read lock+unlock pairs on the calling CPU.
    RwCost {
        /// Lock name.
        lock: &'static str,
        /// Pairs.
        iterations: u32,
    },
    /// `ALOCK_IOC_RWWAKE`: readers sleeping behind a prwlock writer.
    RwWake {
        /// Readers.
        readers: u32,
        /// Rounds.
        rounds: u32,
        /// Sequential (`ALOCK_RW_SEQ_WAKE`) instead of parallel wake-up.
        seq: bool,
    },
}

/// Read lock+unlock pairs of each cost cell at the default 1000 ms cells
/// (as `alocktest bench-rw`); shorter cells scale them down
/// ([`rw_cost_iterations`]).
pub const RW_COST_ITERATIONS: u32 = 2_000_000;

/// Pairs a cost cell of `iterations` runs with `cell_ms` cells: in
/// proportion to 1000 ms, at least 10 000 (a cost cell's length is its
/// pair count, and under TCG 2 000 000 pairs take seconds).
pub fn rw_cost_iterations(iterations: u32, cell_ms: u32) -> u32 {
    let scaled = u64::from(iterations) * u64::from(cell_ms) / 1000;
    scaled.clamp(10_000.min(u64::from(iterations)), u64::from(iterations)) as u32
}
/// Readers of the wake-up cells.
pub const RW_WAKE_READERS: u32 = 8;
/// Rounds of the wake-up cells.
pub const RW_WAKE_ROUNDS: u32 = 20;

/// Name, baseline and cells of a scenario for `ncpu` CPUs.
pub fn matrix(scenario: &str, ncpu: u32) -> (Option<&'static str>, Vec<Cell>) {
    let ncpu = ncpu.max(1);
    let mut cells = Vec::new();
    match scenario {
        "queue" => {
            for spins in [0, 200] {
                for threads in [1, ncpu, 2 * ncpu] {
                    for lock in ["spinlock", "ticket", "mcs", "abql"] {
                        cells.push(Cell::Stress {
                            group: format!("spins={spins}"),
                            lock,
                            threads,
                            spins,
                        });
                    }
                }
            }
            (Some("spinlock"), cells)
        }
        "mrlock" => {
            for (group, hmin, hmax) in [("low", 1, 2), ("medium", 4, 8), ("high", 16, 32)] {
                for threads in [ncpu, 2 * ncpu] {
                    for scheme in ["2pl", "global", "bitset", "mrlock", "adaptive"] {
                        cells.push(Cell::Mr {
                            group: group.into(),
                            scheme,
                            threads,
                            hmin,
                            hmax,
                        });
                    }
                }
            }
            (Some("2pl"), cells)
        }
        "txn" => {
            for records in [8, 4096] {
                for mode in ["restart", "exclusive", "wait"] {
                    cells.push(Cell::Txn {
                        group: format!("records={records}"),
                        mode,
                        threads: 2 * ncpu,
                        records,
                    });
                }
            }
            (None, cells)
        }
        "rw" => {
            for lock in ["prwlock", "rcu", "rwsem", "percpu_rwsem", "rwlock"] {
                cells.push(Cell::RwCost {
                    lock,
                    iterations: RW_COST_ITERATIONS,
                });
            }
            let rw = |group: &str, lock, readers, writers, pause_us| Cell::Rw {
                group: group.into(),
                lock,
                readers,
                writers,
                pause_us,
            };
            for lock in [
                "prwlock",
                "rcu",
                "rwsem",
                "percpu_rwsem",
                "rwlock",
                "brlock",
            ] {
                cells.push(rw("read-throughput", lock, ncpu, 0, 0));
            }
            // Writers 50 ms apart: longer than an RCU grace period, so
            // percpu_rw_semaphore's rcu_sync is idle at each write.
            for lock in ["prwlock", "percpu_rwsem"] {
                cells.push(rw("write-idle", lock, 0, 1, 50_000));
            }
            for lock in ["prwlock", "rwsem"] {
                cells.push(rw("read-write", lock, ncpu, 1, 1000));
            }
            for seq in [false, true] {
                cells.push(Cell::RwWake {
                    readers: RW_WAKE_READERS,
                    rounds: RW_WAKE_ROUNDS,
                    seq,
                });
            }
            (None, cells)
        }
        _ => (None, cells),
    }
}

/// Run one cell for `ms` milliseconds.  `Ok((row, interrupted))`.
pub fn run_cell(dev: &Device, cell: &Cell, ms: u32) -> Result<(Row, bool), Error> {
    match cell {
        Cell::Stress {
            group,
            lock,
            threads,
            spins,
        } => {
            let mut s = AlockStress {
                lock: abi::id_of(&abi::LOCKS, lock).expect("known lock"),
                threads: *threads,
                duration_ms: ms,
                cs_spins: *spins,
                ..AlockStress::default()
            };
            let intr = dev.run("ALOCK_IOC_STRESS", abi::ALOCK_IOC_STRESS, &mut s)?;
            let mut row = Row::from_stress(&s, intr);
            row.group = group.clone();
            Ok((row, intr))
        }
        Cell::Mr {
            group,
            scheme,
            threads,
            hmin,
            hmax,
        } => {
            let mut m = AlockMrlock {
                lock: abi::id_of(&abi::MR_SCHEMES, scheme).expect("known scheme"),
                threads: *threads,
                duration_ms: ms,
                resources: 64,
                min_request: *hmin,
                max_request: *hmax,
                cs_spins: 100,
                seed: 42,
                ..AlockMrlock::default()
            };
            let intr = dev.run("ALOCK_IOC_MRLOCK", abi::ALOCK_IOC_MRLOCK, &mut m)?;
            let mut row = Row::from_mrlock(&m, intr);
            row.group = group.clone();
            Ok((row, intr))
        }
        Cell::Txn {
            group,
            mode,
            threads,
            records,
        } => {
            let mut x = AlockTxn {
                mode: abi::id_of(&abi::TXN_MODES, mode).expect("known mode"),
                threads: *threads,
                duration_ms: ms,
                records: *records,
                tx_records: 4,
                read_pct: 20,
                cs_spins: 20,
                ..AlockTxn::default()
            };
            let intr = dev.run("ALOCK_IOC_TXN", abi::ALOCK_IOC_TXN, &mut x)?;
            let mut row = Row::from_txn(&x, intr);
            row.group = group.clone();
            Ok((row, intr))
        }
        Cell::Rw {
            group,
            lock,
            readers,
            writers,
            pause_us,
        } => {
            let mut a = AlockRwstress {
                lock: abi::id_of(&abi::RW_LOCKS, lock).expect("known lock"),
                readers: *readers,
                writers: *writers,
                duration_ms: ms,
                write_pause_us: *pause_us,
                ..AlockRwstress::default()
            };
            let intr = dev.run("ALOCK_IOC_RWSTRESS", abi::ALOCK_IOC_RWSTRESS, &mut a)?;
            let mut row = Row::from_rwstress(&a, intr);
            row.group = group.clone();
            Ok((row, intr))
        }
        Cell::RwCost { lock, iterations } => {
            let mut c = AlockRwcost {
                lock: abi::id_of(&abi::RW_LOCKS, lock).expect("known lock"),
                iterations: rw_cost_iterations(*iterations, ms),
                ..AlockRwcost::default()
            };
            let intr = dev.run("ALOCK_IOC_RWCOST", abi::ALOCK_IOC_RWCOST, &mut c)?;
            let mut row = Row::from_rwcost(&c);
            row.group = "read-cost".into();
            row.interrupted = intr;
            Ok((row, intr))
        }
        Cell::RwWake {
            readers,
            rounds,
            seq,
        } => {
            let mut w = AlockRwwake {
                readers: *readers,
                rounds: *rounds,
                flags: if *seq { abi::ALOCK_RW_SEQ_WAKE } else { 0 },
                ..AlockRwwake::default()
            };
            let intr = dev.run("ALOCK_IOC_RWWAKE", abi::ALOCK_IOC_RWWAKE, &mut w)?;
            let mut row = Row::from_rwwake(&w, intr);
            row.group = "wake".into();
            Ok((row, intr))
        }
    }
}

impl Cell {
    /// A short label for the progress bar.
    pub fn label(&self) -> String {
        match self {
            Cell::Stress {
                lock,
                threads,
                spins,
                ..
            } => format!("{lock} x{threads} spins={spins}"),
            Cell::Mr {
                group,
                scheme,
                threads,
                ..
            } => format!("{scheme} x{threads} {group}"),
            Cell::Txn {
                mode,
                threads,
                records,
                ..
            } => format!("txn {mode} x{threads} {records} rec"),
            Cell::Rw {
                lock,
                readers,
                writers,
                ..
            } => format!("rw {lock} {readers}r/{writers}w"),
            Cell::RwCost { lock, .. } => format!("read cost {lock}"),
            Cell::RwWake { readers, seq, .. } => format!(
                "wake {readers} readers {}",
                if *seq { "sequential" } else { "parallel" }
            ),
        }
    }

    /// About how long the cell runs, for the progress bar: `cell_ms`, or
    /// a guess for the cells whose length is not a duration.
    pub fn estimate_ms(&self, cell_ms: u32) -> u64 {
        match self {
            Cell::RwCost { .. } => 200,
            Cell::RwWake { rounds, .. } => *rounds as u64 * 10,
            _ => cell_ms as u64,
        }
    }
}

/// Run a whole matrix.  Stops early (with the rows so far) on Ctrl-C;
/// the bool says whether it did.
pub fn run(
    dev: &Device,
    scenario: &str,
    cell_ms: u32,
    progress: bool,
) -> Result<(Results, bool), Error> {
    let v = dev.version();
    let (baseline, cells) = matrix(scenario, v.nr_cpus);
    let mut res = Results {
        scenario: scenario.into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        module_version: v.module_version(),
        abi_version: v.abi_version,
        nr_cpus: v.nr_cpus,
        cell_ms,
        baseline: baseline.map(String::from),
        rows: Vec::new(),
    };
    let total: u64 = cells.iter().map(|c| c.estimate_ms(cell_ms)).sum();
    let bar = Progress::new(total, progress);
    let mut interrupted = false;
    let mut base = 0;
    for (i, cell) in cells.iter().enumerate() {
        let est = cell.estimate_ms(cell_ms);
        let label = format!("{scenario} {}/{} {}", i + 1, cells.len(), cell.label());
        let (row, intr) = bar.run(&label, base, est, || run_cell(dev, cell, cell_ms))?;
        base += est;
        res.rows.push(row);
        // A Ctrl-C between two cells stops the matrix too.
        if intr || crate::progress::interrupted() {
            interrupted = true;
            break;
        }
    }
    bar.finish();
    res.compute_ratios();
    Ok((res, interrupted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_matrix_is_alocktests() {
        let (base, cells) = matrix("queue", 2);
        assert_eq!(base, Some("spinlock"));
        // 2 spin settings x 3 thread counts x 4 locks.
        assert_eq!(cells.len(), 24);
        let threads: Vec<u32> = cells
            .iter()
            .filter_map(|c| match c {
                Cell::Stress {
                    lock: "mcs",
                    spins: 0,
                    threads,
                    ..
                } => Some(*threads),
                _ => None,
            })
            .collect();
        assert_eq!(threads, [1, 2, 4]);
    }

    #[test]
    fn mrlock_and_txn_matrices() {
        let (base, cells) = matrix("mrlock", 4);
        assert_eq!(base, Some("2pl"));
        assert_eq!(cells.len(), 3 * 2 * 5);
        assert!(cells.contains(&Cell::Mr {
            group: "high".into(),
            scheme: "adaptive",
            threads: 8,
            hmin: 16,
            hmax: 32
        }));
        let (base, cells) = matrix("txn", 2);
        assert_eq!(base, None);
        assert_eq!(cells.len(), 6);
        assert_eq!(cells[5].label(), "txn wait x4 4096 rec");
        assert!(matrix("nope", 2).1.is_empty());
    }

    #[test]
    fn rw_cost_pairs_follow_the_cell_length() {
        assert_eq!(
            rw_cost_iterations(RW_COST_ITERATIONS, 1000),
            RW_COST_ITERATIONS
        );
        assert_eq!(rw_cost_iterations(RW_COST_ITERATIONS, 50), 100_000);
        assert_eq!(rw_cost_iterations(RW_COST_ITERATIONS, 1), 10_000);
        assert_eq!(
            rw_cost_iterations(RW_COST_ITERATIONS, 60_000),
            RW_COST_ITERATIONS
        );
        assert_eq!(rw_cost_iterations(500, 50), 500);
    }

    #[test]
    fn rw_matrix_is_alocktests_bench_rw() {
        let (base, cells) = matrix("rw", 4);
        assert_eq!(base, None);
        // 5 costs, 6 read throughputs, 2 write-idle, 2 read-write, 2 wake-ups.
        assert_eq!(cells.len(), 5 + 6 + 2 + 2 + 2);
        assert!(!cells.contains(&Cell::RwCost {
            lock: "brlock",
            iterations: RW_COST_ITERATIONS
        }));
        assert!(cells.contains(&Cell::Rw {
            group: "read-throughput".into(),
            lock: "brlock",
            readers: 4,
            writers: 0,
            pause_us: 0
        }));
        assert!(cells.contains(&Cell::Rw {
            group: "write-idle".into(),
            lock: "percpu_rwsem",
            readers: 0,
            writers: 1,
            pause_us: 50_000
        }));
        assert!(cells.contains(&Cell::Rw {
            group: "read-write".into(),
            lock: "rwsem",
            readers: 4,
            writers: 1,
            pause_us: 1000
        }));
        assert_eq!(
            cells.last().unwrap(),
            &Cell::RwWake {
                readers: 8,
                rounds: 20,
                seq: true
            }
        );
        assert_eq!(cells[0].label(), "read cost prwlock");
        assert_eq!(cells[0].estimate_ms(1000), 200);
        assert_eq!(cells[6].estimate_ms(1000), 1000);
    }
}
