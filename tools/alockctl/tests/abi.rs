//! ABI drift check: every structure, field, constant, enumerator and
//! command of `include/uapi/linux/alock.h` must match `alockctl::abi`.
//!
//! The header is parsed for the names (so anything added there is caught),
//! then a C probe generated from those names is compiled with `cc` against
//! the header and prints each size, offset and value as the C compiler sees
//! it; the Rust side must have each one, identical.

use std::collections::BTreeMap;
use std::mem::{offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;

use alockctl::abi::*;

fn header_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../include/uapi/linux/alock.h")
}

/// Struct name -> field names, in order, as the header declares them.
fn parse_structs(h: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut cur: Option<(String, Vec<String>)> = None;
    for line in h.lines() {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("struct ") {
            if let Some(name) = rest.strip_suffix(" {") {
                cur = Some((name.to_string(), Vec::new()));
                continue;
            }
        }
        if l == "};" {
            if let Some((n, f)) = cur.take() {
                out.insert(n, f);
            }
            continue;
        }
        if let Some((_, fields)) = &mut cur {
            // "__u32 abi_version;" or "char module_version[32];"
            if let Some(decl) = l.strip_suffix(';') {
                let name = decl.split_whitespace().last().expect("field name");
                let name = name.split('[').next().expect("field name");
                fields.push(name.to_string());
            }
        }
    }
    out
}

/// Names of the numeric #defines and enumerators (not the include guard or
/// the device path).
fn parse_constants(h: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in h.lines() {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("#define ") {
            let mut it = rest.split_whitespace();
            let name = it.next().expect("define name");
            if it.next().is_some() && name != "ALOCK_DEVICE" {
                out.push(name.to_string());
            }
        } else if l.starts_with("ALOCK_") && l.contains(" = ") {
            out.push(l.split(" = ").next().expect("enumerator").to_string());
        }
    }
    out
}

/// Run the C probe: "size S N", "offset S.F N", "value NAME N" lines.
fn probe(structs: &BTreeMap<String, Vec<String>>, consts: &[String]) -> BTreeMap<String, u64> {
    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include <linux/alock.h>\nint main(void)\n{\n",
    );
    for (s, fields) in structs {
        c += &format!("\tprintf(\"size {s} %zu\\n\", sizeof(struct {s}));\n");
        for f in fields {
            c += &format!("\tprintf(\"offset {s}.{f} %zu\\n\", offsetof(struct {s}, {f}));\n");
            c += &format!("\tprintf(\"fsize {s}.{f} %zu\\n\", sizeof(((struct {s} *)0)->{f}));\n");
        }
    }
    for k in consts {
        c += &format!("\tprintf(\"value {k} %llu\\n\", (unsigned long long)({k}));\n");
    }
    c += "\treturn 0;\n}\n";
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("abi-probe");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("probe.c");
    let exe = dir.join("probe");
    std::fs::write(&src, c).unwrap();
    let inc = header_path()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let st = Command::new(&cc)
        .arg("-std=gnu11")
        .arg("-Wall")
        .arg("-Werror")
        .arg("-I")
        .arg(&inc)
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap_or_else(|e| {
            panic!("cannot run {cc} (a C compiler is needed for the ABI check): {e}")
        });
    assert!(st.success(), "the C probe did not compile");
    let out = Command::new(&exe).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut it = l.split_whitespace();
            let kind = it.next().unwrap();
            let name = it.next().unwrap();
            let v: u64 = it.next().unwrap().parse().unwrap();
            (format!("{kind} {name}"), v)
        })
        .collect()
}

macro_rules! layout {
    ($map:ident, $c:literal, $t:ty { $($f:ident),* $(,)? }) => {
        $map.insert(format!("size {}", $c), size_of::<$t>() as u64);
        $(
            $map.insert(format!("offset {}.{}", $c, stringify!($f)), offset_of!($t, $f) as u64);
            {
                let v = <$t>::default();
                $map.insert(
                    format!("fsize {}.{}", $c, stringify!($f)),
                    std::mem::size_of_val(&v.$f) as u64,
                );
            }
        )*
    };
}

/// Everything alockctl::abi says, keyed like the probe's output.
fn rust_side() -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    layout!(
        m,
        "alock_version",
        AlockVersion {
            abi_version,
            nr_cpus,
            nr_locks,
            nr_tests,
            features,
            module_version
        }
    );
    layout!(m, "alock_abi_entry", AlockAbiEntry { cmd, arg_size });
    layout!(
        m,
        "alock_abi",
        AlockAbi {
            entries,
            nr_entries,
            entry_size
        }
    );
    layout!(
        m,
        "alock_selftest",
        AlockSelftest {
            test,
            flags,
            result,
            checks,
            name
        }
    );
    layout!(
        m,
        "alock_stress",
        AlockStress {
            lock,
            threads,
            duration_ms,
            flags,
            cs_spins,
            lock_param,
            ops,
            errors,
            elapsed_ns,
            min_thread_ops,
            max_thread_ops,
            order_checks,
            order_errors,
            lat
        }
    );
    layout!(m, "alock_hist", AlockHist { count });
    layout!(
        m,
        "alock_mrlock",
        AlockMrlock {
            lock,
            threads,
            duration_ms,
            flags,
            resources,
            min_request,
            max_request,
            cs_spins,
            queue_size,
            reserved,
            seed,
            ops,
            errors,
            order_checks,
            order_errors,
            elapsed_ns,
            min_thread_ops,
            max_thread_ops,
            mode_switches,
            lat
        }
    );
    layout!(
        m,
        "alock_txn",
        AlockTxn {
            mode,
            threads,
            duration_ms,
            flags,
            records,
            tx_records,
            read_pct,
            exclusive_after,
            wait_timeout_us,
            cs_spins,
            seed,
            commits,
            restarts,
            waits,
            timeouts,
            exclusive,
            max_restarts,
            errors,
            elapsed_ns
        }
    );
    layout!(
        m,
        "alock_rwstress",
        AlockRwstress {
            lock,
            readers,
            writers,
            duration_ms,
            flags,
            read_spins,
            write_spins,
            sleep_every,
            write_pause_us,
            reserved,
            reads,
            writes,
            errors,
            elapsed_ns,
            min_reader_ops,
            min_writer_ops,
            read_sleeps,
            migrations,
            active_unlocks,
            ipis,
            idle_skips,
            domain_skips,
            rounds,
            drain_ipis,
            write_ns_total,
            write_ns_max,
            read_lat,
            write_lat
        }
    );
    layout!(
        m,
        "alock_rwwake",
        AlockRwwake {
            readers,
            rounds,
            flags,
            reserved,
            total_ns,
            max_ns,
            errors
        }
    );
    layout!(
        m,
        "alock_rwcost",
        AlockRwcost {
            lock,
            iterations,
            ns
        }
    );
    layout!(
        m,
        "alock_node_addr",
        AlockNodeAddr {
            family,
            port,
            reserved,
            addr
        }
    );
    layout!(
        m,
        "alock_cluster_join",
        AlockClusterJoin {
            node_id,
            nr_nodes,
            window_size,
            flags,
            timeout_ms,
            op_timeout_ms,
            reserved,
            key,
            nodes
        }
    );
    layout!(
        m,
        "alock_cluster_peer",
        AlockClusterPeer {
            node,
            state,
            ops,
            errors,
            last_error,
            rkey,
            remote_len
        }
    );
    layout!(
        m,
        "alock_cluster_status",
        AlockClusterStatus {
            flags,
            joined,
            node_id,
            nr_nodes,
            window_size,
            nr_devices,
            cluster_flags,
            nr_up,
            device,
            peers
        }
    );
    layout!(
        m,
        "alock_rdma_op",
        AlockRdmaOp {
            node,
            verb,
            remote_off,
            local_off,
            len,
            flags,
            compare_add,
            swap,
            data,
            result,
            latency_ns
        }
    );
    layout!(
        m,
        "alock_rdma_stress",
        AlockRdmaStress {
            node,
            verb,
            remote_off,
            threads,
            increments,
            timeout_ms,
            flags,
            done,
            attempts,
            cas_misses,
            errors,
            first_error,
            reserved,
            elapsed_ns
        }
    );
    layout!(
        m,
        "alock_rdma_bench",
        AlockRdmaBench {
            node,
            verb,
            len,
            threads,
            duration_ms,
            flags,
            ops,
            errors,
            elapsed_ns,
            lat_min_ns,
            lat_median_ns,
            lat_p99_ns,
            lat_max_ns
        }
    );
    layout!(
        m,
        "alock_table_ctl",
        AlockTableCtl {
            op,
            keys,
            placement,
            local_budget,
            remote_budget,
            lease_ms,
            broken,
            homed,
            counter_sum,
            resets,
            reclaims
        }
    );
    layout!(
        m,
        "alock_dlock_key",
        AlockDlockKey {
            key,
            flags,
            timeout_ms,
            reserved,
            home,
            torn,
            latency_ns,
            value,
            reserved2,
            reserved3
        }
    );
    layout!(
        m,
        "alock_mm_ctl",
        AlockMmCtl {
            op,
            flags,
            hold_ms,
            reserved,
            opted_in,
            nr_mms,
            writes,
            active_unlocks,
            acquired_ns,
            released_ns,
            ipis,
            idle_skips,
            domain_skips,
            rounds,
            drain_ipis
        }
    );
    layout!(
        m,
        "alock_dlock_run",
        AlockDlockRun {
            lock,
            threads,
            duration_ms,
            local_pct,
            keys_per_op,
            timeout_ms,
            flags,
            homes,
            seed,
            ops,
            local_ops,
            remote_ops,
            errors,
            failures,
            first_error,
            read_pct,
            increments,
            min_thread_ops,
            max_thread_ops,
            elapsed_ns,
            local_lat_median_ns,
            local_lat_p99_ns,
            remote_lat_median_ns,
            remote_lat_p99_ns,
            local_verbs,
            remote_verbs,
            reads,
            writes,
            atomics,
            sends,
            peterson_polls,
            cas_retries,
            handoffs,
            leaders,
            fast_entries,
            local_lat,
            remote_lat,
            shared_ops,
            overlaps,
            backouts,
            phases,
            rw_polls,
            shared_lat_median_ns,
            shared_lat_p99_ns,
            excl_lat_median_ns,
            excl_lat_p99_ns
        }
    );
    let consts: [(&str, u64); 58] = [
        ("ALOCK_ABI_VERSION", ALOCK_ABI_VERSION as u64),
        ("ALOCK_IOC_MAGIC", ALOCK_IOC_MAGIC as u64),
        ("ALOCK_FEAT_LOCKDEP", ALOCK_FEAT_LOCKDEP),
        ("ALOCK_ABI_MAX_ENTRIES", ALOCK_ABI_MAX_ENTRIES as u64),
        ("ALOCK_ABQL_MAX_SLOTS", ALOCK_ABQL_MAX_SLOTS as u64),
        ("ALOCK_STRESS_UNBOUND", ALOCK_STRESS_UNBOUND as u64),
        ("ALOCK_STRESS_FLAGS", ALOCK_STRESS_FLAGS as u64),
        ("ALOCK_STRESS_MAX_THREADS", ALOCK_STRESS_MAX_THREADS as u64),
        ("ALOCK_STRESS_MAX_MS", ALOCK_STRESS_MAX_MS as u64),
        (
            "ALOCK_STRESS_MAX_CS_SPINS",
            ALOCK_STRESS_MAX_CS_SPINS as u64,
        ),
        ("ALOCK_MR_MAX_RESOURCES", ALOCK_MR_MAX_RESOURCES as u64),
        ("ALOCK_MR_MAX_QUEUE", ALOCK_MR_MAX_QUEUE as u64),
        ("ALOCK_TXN_MAX_RECORDS", ALOCK_TXN_MAX_RECORDS as u64),
        ("ALOCK_TXN_MAX_TX_RECORDS", ALOCK_TXN_MAX_TX_RECORDS as u64),
        (
            "ALOCK_TXN_MAX_EXCLUSIVE_AFTER",
            ALOCK_TXN_MAX_EXCLUSIVE_AFTER as u64,
        ),
        ("ALOCK_TXN_MAX_WAIT_US", ALOCK_TXN_MAX_WAIT_US as u64),
        ("ALOCK_RW_UNBOUND", ALOCK_RW_UNBOUND as u64),
        ("ALOCK_RW_SLEEP", ALOCK_RW_SLEEP as u64),
        ("ALOCK_RW_YIELD", ALOCK_RW_YIELD as u64),
        ("ALOCK_RW_SEQ_WAKE", ALOCK_RW_SEQ_WAKE as u64),
        ("ALOCK_RW_MIGRATE", ALOCK_RW_MIGRATE as u64),
        ("ALOCK_RW_CPUS_READ", ALOCK_RW_CPUS_READ as u64),
        ("ALOCK_RW_FLAGS", ALOCK_RW_FLAGS as u64),
        ("ALOCK_RW_MAX_PAUSE_US", ALOCK_RW_MAX_PAUSE_US as u64),
        ("ALOCK_RW_LAT_SAMPLE", ALOCK_RW_LAT_SAMPLE as u64),
        ("ALOCK_HIST_BUCKETS", ALOCK_HIST_BUCKETS as u64),
        ("ALOCK_RWWAKE_MAX_ROUNDS", ALOCK_RWWAKE_MAX_ROUNDS as u64),
        ("ALOCK_CLUSTER_MAX_NODES", ALOCK_CLUSTER_MAX_NODES as u64),
        ("ALOCK_CLUSTER_KEY_SIZE", ALOCK_CLUSTER_KEY_SIZE as u64),
        ("ALOCK_CLUSTER_MIN_WINDOW", ALOCK_CLUSTER_MIN_WINDOW as u64),
        ("ALOCK_CLUSTER_MAX_WINDOW", ALOCK_CLUSTER_MAX_WINDOW as u64),
        (
            "ALOCK_CLUSTER_MAX_TIMEOUT_MS",
            ALOCK_CLUSTER_MAX_TIMEOUT_MS as u64,
        ),
        ("ALOCK_CLUSTER_LOOPBACK", ALOCK_CLUSTER_LOOPBACK as u64),
        ("ALOCK_CLUSTER_FLAGS", ALOCK_CLUSTER_FLAGS as u64),
        ("ALOCK_STATUS_PROBE", ALOCK_STATUS_PROBE as u64),
        ("ALOCK_RDMA_MAX_THREADS", ALOCK_RDMA_MAX_THREADS as u64),
        ("ALOCK_RDMA_BENCH_SPIN", ALOCK_RDMA_BENCH_SPIN as u64),
        ("ALOCK_RDMA_MSG_MAX", ALOCK_RDMA_MSG_MAX as u64),
        ("ALOCK_TABLE_MAX_KEYS", ALOCK_TABLE_MAX_KEYS as u64),
        ("ALOCK_TABLE_MAX_BUDGET", ALOCK_TABLE_MAX_BUDGET as u64),
        ("ALOCK_TABLE_MAX_LEASE_MS", ALOCK_TABLE_MAX_LEASE_MS as u64),
        ("ALOCK_DLOCK_KEY_STORE", ALOCK_DLOCK_KEY_STORE as u64),
        ("ALOCK_DLOCK_KEY_SHARED", ALOCK_DLOCK_KEY_SHARED as u64),
        ("ALOCK_DLOCK_KEY_RW", ALOCK_DLOCK_KEY_RW as u64),
        ("ALOCK_DLOCK_KEY_TRY", ALOCK_DLOCK_KEY_TRY as u64),
        ("ALOCK_TABLE_CREATE", ALOCK_TABLE_CREATE as u64),
        ("ALOCK_TABLE_DESTROY", ALOCK_TABLE_DESTROY as u64),
        ("ALOCK_TABLE_SUM", ALOCK_TABLE_SUM as u64),
        ("ALOCK_DLOCK_SPIN", ALOCK_DLOCK_SPIN as u64),
        ("ALOCK_DLOCK_EVEN_KEYS", ALOCK_DLOCK_EVEN_KEYS as u64),
        ("ALOCK_DLOCK_ODD_KEYS", ALOCK_DLOCK_ODD_KEYS as u64),
        ("ALOCK_DLOCK_ONE_WRITER", ALOCK_DLOCK_ONE_WRITER as u64),
        ("ALOCK_DLOCK_ONE_READER", ALOCK_DLOCK_ONE_READER as u64),
        ("ALOCK_MM_STATUS", ALOCK_MM_STATUS as u64),
        ("ALOCK_MM_OPTIN", ALOCK_MM_OPTIN as u64),
        ("ALOCK_MM_HOLD", ALOCK_MM_HOLD as u64),
        ("ALOCK_MM_HOLD_WRITE", ALOCK_MM_HOLD_WRITE as u64),
        ("ALOCK_MM_MAX_HOLD_MS", ALOCK_MM_MAX_HOLD_MS as u64),
    ];
    for (k, v) in consts {
        m.insert(format!("value {k}"), v);
    }
    for (k, v) in COMMANDS {
        m.insert(format!("value {k}"), v as u64);
    }
    for (prefix, table) in [
        ("ALOCK_LOCK_", &LOCKS[..]),
        ("ALOCK_MR_", &MR_SCHEMES[..]),
        ("ALOCK_TXN_", &TXN_MODES[..]),
        ("ALOCK_RW_", &RW_LOCKS[..]),
        ("ALOCK_PEER_", &PEER_STATES[..]),
        ("ALOCK_RDMA_", &RDMA_VERBS[..]),
        ("ALOCK_PLACE_", &PLACEMENTS[..]),
        ("ALOCK_DLOCK_", &DLOCK_LOCKS[..]),
    ] {
        for (name, id) in table {
            m.insert(format!("value {prefix}{}", name.to_uppercase()), *id as u64);
        }
    }
    m
}

#[test]
fn header_and_rust_agree() {
    let h = std::fs::read_to_string(header_path()).expect("read the uapi header");
    let structs = parse_structs(&h);
    let consts = parse_constants(&h);
    // The parser must have found the known structures and commands.
    assert_eq!(structs.len(), 22, "{structs:?}");
    assert_eq!(structs["alock_mm_ctl"].len(), 15);
    assert_eq!(structs["alock_rwstress"].len(), 28);
    assert_eq!(structs["alock_stress"].len(), 14);
    assert_eq!(structs["alock_hist"], ["count"]);
    assert!(consts.contains(&"ALOCK_HIST_BUCKETS".to_string()));
    assert_eq!(structs["alock_cluster_join"].len(), 9);
    assert_eq!(structs["alock_cluster_status"].len(), 10);
    assert!(consts.contains(&"ALOCK_IOC_TXN".to_string()));
    assert!(consts.contains(&"ALOCK_MR_2PL".to_string()));
    assert!(consts.contains(&"ALOCK_IOC_RWCOST".to_string()));
    assert!(consts.contains(&"ALOCK_RW_PERCPU_RWSEM".to_string()));
    assert!(consts.contains(&"ALOCK_IOC_CLUSTER_LEAVE".to_string()));
    assert!(consts.contains(&"ALOCK_PEER_SELF".to_string()));
    assert!(consts.contains(&"ALOCK_RDMA_LOCAL_WRITE".to_string()));
    assert_eq!(structs["alock_dlock_run"].len(), 46);
    assert!(consts.contains(&"ALOCK_IOC_DLOCK_RUN".to_string()));
    assert!(consts.contains(&"ALOCK_PLACE_MOD".to_string()));
    assert!(consts.contains(&"ALOCK_DLOCK_MCS_LB".to_string()));
    let c = probe(&structs, &consts);
    let rust = rust_side();
    let mut problems = Vec::new();
    for (k, v) in &c {
        match rust.get(k) {
            None => problems.push(format!("{k} = {v} in the header, missing in alockctl::abi")),
            Some(r) if r != v => problems.push(format!("{k}: header {v}, alockctl {r}")),
            Some(_) => {}
        }
    }
    for k in rust.keys() {
        if !c.contains_key(k) {
            problems.push(format!("{k} is in alockctl::abi but not in the header"));
        }
    }
    assert!(problems.is_empty(), "ABI drift:\n{}", problems.join("\n"));
    // Every header command is one alockctl checks at run time.
    let cmds: Vec<&String> = consts
        .iter()
        .filter(|k| k.starts_with("ALOCK_IOC_") && *k != "ALOCK_IOC_MAGIC")
        .collect();
    assert_eq!(cmds.len(), COMMANDS.len());
}

#[test]
fn drift_would_be_caught() {
    // A header with an extra field and an extra command: the parser sees both.
    let h = std::fs::read_to_string(header_path()).unwrap();
    let h2 = h
        .replace(
            "\tstruct alock_hist lat;\n};",
            "\tstruct alock_hist lat;\n\t__u64 extra;\n};",
        )
        .replace(
            "#endif /* _UAPI_LINUX_ALOCK_H */",
            "#define ALOCK_IOC_JOIN\t_IO(ALOCK_IOC_MAGIC, 0x11)\n#endif",
        );
    let s = parse_structs(&h2);
    assert_eq!(s["alock_stress"].len(), 15);
    assert!(parse_constants(&h2).contains(&"ALOCK_IOC_JOIN".to_string()));
    let rust = rust_side();
    assert!(!rust.contains_key("offset alock_stress.extra"));
    assert!(!rust.contains_key("value ALOCK_IOC_JOIN"));
}
