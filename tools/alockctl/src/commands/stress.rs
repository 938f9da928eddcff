//! `stress`: one run of a lock, checked before it reaches the module.

use crate::abi::{self, AlockMrlock, AlockRwstress, AlockStress, AlockTxn};
use crate::cli::{Cli, DlockOpts, RunOpts, RwLock, RwOpts, StressCmd};
use crate::cluster;
use crate::dev::{Device, Error};
use crate::dlock;
use crate::progress::{self, Progress};
use crate::results::{Results, Row};

use super::common::{run_ioctl, EXIT_INTERRUPTED};
use super::files::print_results;

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

pub(super) fn stress(cli: &Cli, lock: &StressCmd) -> Result<u8, Error> {
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
    dlock::check_mode(o)?;
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
}
