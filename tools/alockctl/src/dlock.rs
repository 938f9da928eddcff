//! `alockctl table` and `alockctl stress dlock`: the distributed lock
//! table (`ALOCK_IOC_TABLE`) and its workload (`ALOCK_IOC_DLOCK_RUN`): the
//! arguments built from the command line, the errors worded for the
//! terminal, and the table's state as a table, JSON or CSV.

use serde_json::{json, Value};

use crate::abi::{self, AlockClusterStatus, AlockDlockRun, AlockTableCtl};
use crate::cli::{DlockOpts, KeyParity, TableCreateArgs};
use crate::dev::{Device, Error};

/// The `ALOCK_TABLE_CREATE` argument for `a`.
pub fn create_request(a: &TableCreateArgs) -> AlockTableCtl {
    AlockTableCtl {
        op: abi::ALOCK_TABLE_CREATE,
        keys: a.keys,
        placement: a.placement.id(),
        local_budget: a.local_budget,
        remote_budget: a.remote_budget,
        lease_ms: a.lease_ms,
        ..AlockTableCtl::default()
    }
}

/// `ALOCK_IOC_TABLE` with `req`; its errors worded by [`table_error`].
pub fn table_ctl(dev: &Device, mut req: AlockTableCtl) -> Result<AlockTableCtl, Error> {
    let keys = req.keys;
    dev.ioctl("ALOCK_IOC_TABLE", abi::ALOCK_IOC_TABLE, &mut req)
        .map_err(|e| table_error(e, req.op, keys))?;
    Ok(req)
}

/// `ALOCK_IOC_TABLE` with only `op` set (`_DESTROY`, `_SUM`).
pub fn table_op(dev: &Device, op: u32) -> Result<AlockTableCtl, Error> {
    table_ctl(
        dev,
        AlockTableCtl {
            op,
            ..AlockTableCtl::default()
        },
    )
}

fn op_name(op: u32) -> &'static str {
    match op {
        abi::ALOCK_TABLE_CREATE => "create",
        abi::ALOCK_TABLE_DESTROY => "destroy",
        abi::ALOCK_TABLE_SUM => "sum",
        _ => "?",
    }
}

/// A failed `ALOCK_IOC_TABLE` of operation `op` (`keys`: those asked for
/// by a create), worded for the person at the terminal.
pub fn table_error(e: Error, op: u32, keys: u32) -> Error {
    let Error::Ioctl(_, io) = &e else {
        return e;
    };
    let what = op_name(op);
    let m = match io.raw_os_error() {
        Some(libc::ENOTCONN) => "not in a cluster (alockctl cluster join first)".to_string(),
        Some(libc::EBUSY) => {
            "a table exists, or a destroyed one is still in use by runs or open files \
             (see `alockctl table sum`; remove it with `alockctl table destroy`)"
                .to_string()
        }
        Some(libc::ENOSPC) => format!(
            "the windows are too small for {keys} keys (fewer --keys, or join with a larger --window)"
        ),
        Some(libc::ENOENT) => "no table (alockctl table create first)".to_string(),
        _ => return e,
    };
    Error::Failed(format!("table {what}: {m}"))
}

/// A failed `ALOCK_IOC_DLOCK_RUN` (other than `EINTR`), worded for the
/// terminal.
pub fn run_error(e: Error) -> Error {
    match &e {
        Error::Ioctl(_, io) if io.raw_os_error() == Some(libc::ENOENT) => Error::Failed(
            "stress dlock: no table (alockctl table create --keys K first, on every node)".into(),
        ),
        _ => e,
    }
}

/// The name of a placement id (`hash`, `mod`).
pub fn placement_name(id: u32) -> &'static str {
    abi::name_of(&abi::PLACEMENTS, id)
}

/// A cohort budget as the module uses it (0: its default).
fn budget(b: u32) -> u32 {
    if b == 0 {
        abi::TABLE_DEFAULT_BUDGET
    } else {
        b
    }
}

/// `table create`'s line: the table as asked for, with the keys the
/// module homed on this node.
pub fn created_line(a: &AlockTableCtl) -> String {
    format!(
        "created a table of {} keys ({} placement, budgets {} local / {} remote): {} homed here",
        a.keys,
        placement_name(a.placement),
        budget(a.local_budget),
        budget(a.remote_budget),
        a.homed
    )
}

/// `table create` as JSON.
pub fn created_json(a: &AlockTableCtl) -> Value {
    json!({
        "created": true,
        "keys": a.keys,
        "placement": placement_name(a.placement),
        "local_budget": budget(a.local_budget),
        "remote_budget": budget(a.remote_budget),
        "homed": a.homed,
    })
}

/// `table create` as CSV: a header and one line.
pub fn created_csv(a: &AlockTableCtl) -> String {
    format!(
        "keys,placement,local_budget,remote_budget,homed\n{},{},{},{},{}\n",
        a.keys,
        placement_name(a.placement),
        budget(a.local_budget),
        budget(a.remote_budget),
        a.homed
    )
}

/// `table sum` as aligned lines: keys, keys homed here, broken keys,
/// keys reset here after a lost node, counter sum.
pub fn sum_table(a: &AlockTableCtl) -> String {
    let mut out = String::new();
    for (k, v) in [
        ("keys", a.keys.to_string()),
        ("homed here", a.homed.to_string()),
        ("broken", a.broken.to_string()),
        ("reset here", a.resets.to_string()),
        ("counter sum", a.counter_sum.to_string()),
    ] {
        out += &format!("{k:<15} {v}\n");
    }
    out
}

/// `table sum` as JSON.
pub fn sum_json(a: &AlockTableCtl) -> Value {
    json!({
        "keys": a.keys,
        "homed": a.homed,
        "broken": a.broken,
        "resets": a.resets,
        "counter_sum": a.counter_sum,
    })
}

/// `table sum` as CSV: a header and one line.
pub fn sum_csv(a: &AlockTableCtl) -> String {
    format!(
        "keys,homed,broken,resets,counter_sum\n{},{},{},{},{}\n",
        a.keys, a.homed, a.broken, a.resets, a.counter_sum
    )
}

/// The `ALOCK_IOC_DLOCK_RUN` argument for `o` with `threads` kernel threads.
pub fn run_request(o: &DlockOpts, threads: u32) -> AlockDlockRun {
    AlockDlockRun {
        lock: o.lock.id(),
        threads,
        duration_ms: o.seconds,
        local_pct: o.local_pct,
        keys_per_op: o.keys_per_op,
        timeout_ms: o.timeout_ms,
        flags: if o.spin { abi::ALOCK_DLOCK_SPIN } else { 0 }
            | match o.keys {
                Some(KeyParity::Even) => abi::ALOCK_DLOCK_EVEN_KEYS,
                Some(KeyParity::Odd) => abi::ALOCK_DLOCK_ODD_KEYS,
                None => 0,
            },
        homes: o.homes.iter().fold(0, |m, &n| m | 1 << n),
        seed: o.seed,
        read_pct: o.read_pct,
        ..AlockDlockRun::default()
    }
}

/// `--read-pct` needs a lock with a shared mode (the module would say
/// `EINVAL`; say why before the run).
pub fn check_mode(o: &DlockOpts) -> Result<(), Error> {
    if o.read_pct > 0 && !o.lock.is_rw() {
        return Err(Error::Failed(format!(
            "stress dlock {}: --read-pct needs a lock with a shared mode (alock-rw, dslr-loopback)",
            o.lock.name()
        )));
    }
    Ok(())
}

/// The loopback locks reach this node's own keys over the loopback QP: a
/// cluster joined without `--loopback` would fail every local operation
/// (`EOPNOTSUPP`), so say so before the run.
pub fn check_loopback(o: &DlockOpts, s: &AlockClusterStatus) -> Result<(), Error> {
    if o.lock.needs_loopback()
        && s.joined != 0
        && s.cluster_flags & abi::ALOCK_CLUSTER_LOOPBACK == 0
        && (o.local_pct > 0 || s.nr_nodes == 1)
    {
        return Err(Error::Failed(format!(
            "stress dlock {}: this node's threads reach the keys homed here over the loopback QP, but the cluster was joined without --loopback (join with --loopback, or run with --local-pct 0)",
            o.lock.name()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{DlockLock, Placement};

    fn ioctl_errno(errno: i32) -> Error {
        Error::Ioctl("ALOCK_IOC_TABLE", std::io::Error::from_raw_os_error(errno))
    }

    #[test]
    fn create_request_fills_the_fields() {
        let r = create_request(&TableCreateArgs {
            keys: 64,
            placement: Placement::Mod,
            local_budget: 0,
            remote_budget: 7,
            lease_ms: 250,
        });
        assert_eq!((r.op, r.keys, r.placement), (1, 64, abi::ALOCK_PLACE_MOD));
        assert_eq!((r.local_budget, r.remote_budget, r.reclaims), (0, 7, 0));
        assert_eq!(r.lease_ms, 250);
        assert_eq!(Placement::Hash.id(), abi::ALOCK_PLACE_HASH);
    }

    #[test]
    fn table_errors_are_worded() {
        let msg = |errno, op| table_error(ioctl_errno(errno), op, 2048).to_string();
        assert_eq!(
            msg(libc::ENOTCONN, abi::ALOCK_TABLE_CREATE),
            "table create: not in a cluster (alockctl cluster join first)"
        );
        assert!(
            msg(libc::EBUSY, abi::ALOCK_TABLE_CREATE).starts_with("table create: a table exists")
        );
        assert!(msg(libc::ENOSPC, abi::ALOCK_TABLE_CREATE)
            .starts_with("table create: the windows are too small for 2048 keys"));
        assert_eq!(
            msg(libc::ENOENT, abi::ALOCK_TABLE_DESTROY),
            "table destroy: no table (alockctl table create first)"
        );
        assert!(msg(libc::ENOENT, abi::ALOCK_TABLE_SUM).starts_with("table sum: no table"));
        // Others keep the generic wording.
        assert!(msg(libc::EINVAL, abi::ALOCK_TABLE_CREATE).contains("EINVAL"));
        for errno in [libc::ENOTCONN, libc::EBUSY, libc::ENOSPC, libc::ENOENT] {
            let e = table_error(ioctl_errno(errno), abi::ALOCK_TABLE_CREATE, 8);
            assert_eq!(e.exit_code(), 1);
            assert!(!e.to_string().contains('\n'));
        }
        let e = run_error(Error::Ioctl(
            "ALOCK_IOC_DLOCK_RUN",
            std::io::Error::from_raw_os_error(libc::ENOENT),
        ));
        assert!(e.to_string().contains("no table"), "{e}");
    }

    #[test]
    fn sum_and_created_outputs() {
        let a = AlockTableCtl {
            op: abi::ALOCK_TABLE_SUM,
            keys: 64,
            homed: 21,
            broken: 2,
            counter_sum: 123_456,
            ..AlockTableCtl::default()
        };
        assert_eq!(
            sum_table(&a),
            "keys            64\nhomed here      21\nbroken          2\nreset here      0\ncounter sum     123456\n"
        );
        assert_eq!(
            sum_csv(&a),
            "keys,homed,broken,resets,counter_sum\n64,21,2,0,123456\n"
        );
        let j = sum_json(&a);
        assert_eq!(
            (j["counter_sum"].clone(), j["broken"].clone()),
            (json!(123_456), json!(2))
        );
        let c = AlockTableCtl {
            placement: abi::ALOCK_PLACE_HASH,
            local_budget: 0,
            remote_budget: 9,
            ..a
        };
        assert_eq!(
            created_line(&c),
            "created a table of 64 keys (hash placement, budgets 5 local / 9 remote): 21 homed here"
        );
        assert_eq!(created_csv(&c).lines().nth(1), Some("64,hash,5,9,21"));
        let j = created_json(&c);
        assert_eq!(
            (j["created"].clone(), j["homed"].clone()),
            (json!(true), json!(21))
        );
    }

    fn opts(lock: DlockLock) -> DlockOpts {
        DlockOpts {
            lock,
            threads: None,
            seconds: 500,
            local_pct: 50,
            read_pct: 0,
            keys_per_op: 2,
            timeout_ms: 0,
            spin: false,
            seed: 0,
            keys: None,
            homes: Vec::new(),
        }
    }

    #[test]
    fn run_request_fills_the_fields() {
        let mut o = opts(DlockLock::McsLoopback);
        o.spin = true;
        o.seed = 42;
        o.timeout_ms = 3000;
        let r = run_request(&o, 4);
        assert_eq!(
            (r.lock, r.threads, r.duration_ms),
            (abi::ALOCK_DLOCK_MCS_LB, 4, 500)
        );
        assert_eq!((r.local_pct, r.keys_per_op, r.timeout_ms), (50, 2, 3000));
        assert_eq!((r.flags, r.seed, r.homes), (abi::ALOCK_DLOCK_SPIN, 42, 0));
        assert_eq!(run_request(&opts(DlockLock::Alock), 1).flags, 0);
        let mut o = opts(DlockLock::Alock);
        o.keys = Some(KeyParity::Odd);
        o.homes = vec![0, 2];
        let r = run_request(&o, 1);
        assert_eq!((r.flags, r.homes), (abi::ALOCK_DLOCK_ODD_KEYS, 0b101));
        o.keys = Some(KeyParity::Even);
        assert_eq!(run_request(&o, 1).flags, abi::ALOCK_DLOCK_EVEN_KEYS);
        assert_eq!(DlockLock::SpinLoopback.id(), abi::ALOCK_DLOCK_SPIN_LB);
        assert_eq!(DlockLock::from_id(3), Some(DlockLock::McsLoopback));
        assert_eq!(DlockLock::from_id(9), None);
        assert_eq!(
            DlockLock::from_name("spin-loopback"),
            Some(DlockLock::SpinLoopback)
        );
    }

    #[test]
    fn loopback_locks_need_a_loopback_cluster() {
        let joined = |flags, nodes| AlockClusterStatus {
            joined: 1,
            nr_nodes: nodes,
            cluster_flags: flags,
            ..AlockClusterStatus::default()
        };
        let lo = abi::ALOCK_CLUSTER_LOOPBACK;
        assert!(check_loopback(&opts(DlockLock::Alock), &joined(0, 2)).is_ok());
        let mut rw = opts(DlockLock::Alock);
        rw.read_pct = 90;
        assert!(check_mode(&rw).is_err());
        rw.lock = DlockLock::AlockRw;
        assert!(check_mode(&rw).is_ok());
        assert!(check_loopback(&rw, &joined(0, 2)).is_ok());
        assert_eq!(run_request(&rw, 1).read_pct, 90);
        assert_eq!(rw.lock.id(), abi::ALOCK_DLOCK_ALOCK_RW);
        assert!(check_loopback(&opts(DlockLock::SpinLoopback), &joined(lo, 2)).is_ok());
        let e = check_loopback(&opts(DlockLock::SpinLoopback), &joined(0, 2)).unwrap_err();
        assert!(e.to_string().contains("--loopback"), "{e}");
        assert_eq!(e.exit_code(), 1);
        let mut remote_only = opts(DlockLock::McsLoopback);
        remote_only.local_pct = 0;
        assert!(check_loopback(&remote_only, &joined(0, 2)).is_ok());
        // One node: every key is homed here, whatever --local-pct says.
        assert!(check_loopback(&remote_only, &joined(0, 1)).is_err());
        // Not joined: the module says so (no table).
        assert!(check_loopback(
            &opts(DlockLock::McsLoopback),
            &AlockClusterStatus::default()
        )
        .is_ok());
    }
}
