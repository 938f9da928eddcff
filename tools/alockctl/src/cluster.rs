//! `alockctl cluster`: the `ALOCK_IOC_CLUSTER_JOIN` argument built from
//! the command line (with the checks clap cannot make alone), the join and
//! leave errors worded for the terminal, and the membership
//! (`ALOCK_IOC_CLUSTER_STATUS`) as a table, JSON or CSV.

use serde_json::{json, Value};

use crate::abi::{self, AlockClusterJoin, AlockClusterPeer, AlockClusterStatus};
use crate::cli::JoinArgs;
use crate::dev::{Device, Error};
use crate::fmt::{align_left, csv_field, errno_name};

/// The join argument for `j`; a usage error (exit 2) when `--node` is not
/// below `--nodes`, when `--addr` does not list one address per node, or
/// when two nodes have the same address and port.
pub fn join_request(j: &JoinArgs) -> Result<AlockClusterJoin, Error> {
    if j.node >= j.nodes {
        return Err(Error::Usage(format!(
            "--node {} is not a node of a cluster of {} (need 0..{})",
            j.node,
            j.nodes,
            j.nodes.saturating_sub(1)
        )));
    }
    if j.addrs.len() != j.nodes as usize {
        return Err(Error::Usage(format!(
            "--addr lists {} address(es) but --nodes is {}: give one address per node, in node order",
            j.addrs.len(),
            j.nodes
        )));
    }
    for (i, a) in j.addrs.iter().enumerate() {
        if let Some(k) = j.addrs[..i].iter().position(|b| b == a) {
            return Err(Error::Usage(format!(
                "--addr: nodes {k} and {i} have the same address {a}"
            )));
        }
    }
    let mut req = AlockClusterJoin {
        node_id: j.node,
        nr_nodes: j.nodes,
        window_size: j.window,
        flags: if j.loopback {
            abi::ALOCK_CLUSTER_LOOPBACK
        } else {
            0
        },
        timeout_ms: j.timeout,
        op_timeout_ms: j.op_timeout_ms,
        key: j.key.0,
        ..AlockClusterJoin::default()
    };
    for (slot, a) in req.nodes.iter_mut().zip(&j.addrs) {
        *slot = (*a).into();
    }
    Ok(req)
}

/// Writes a new random cluster key to `path` as 64 hexadecimal digits and
/// a newline, mode 0600, refusing to overwrite a file that exists (`cluster
/// keygen`).  The bytes come from `/dev/urandom`.
pub fn keygen(path: &std::path::Path) -> Result<(), Error> {
    use std::io::{Read, Write};
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |what: &str, e: std::io::Error| {
        Error::Failed(format!("cluster keygen: {what} {}: {e}", path.display()))
    };
    let mut key = [0u8; abi::ALOCK_CLUSTER_KEY_SIZE as usize];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .map_err(|e| fail("cannot read random bytes for", e))?;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| fail("cannot create", e))?;
    writeln!(f, "{hex}").map_err(|e| fail("cannot write", e))?;
    Ok(())
}

/// Seconds of a millisecond count, without trailing zeros (`60`, `2.5`).
fn seconds(ms: u32) -> String {
    format!("{}", ms as f64 / 1000.0)
}

/// A failed join, worded for the person at the terminal.
pub fn join_error(e: Error, j: &JoinArgs) -> Error {
    let Error::Ioctl(_, io) = &e else {
        return e;
    };
    let me = j
        .addrs
        .get(j.node as usize)
        .map(|a| a.to_string())
        .unwrap_or_default();
    let m = match io.raw_os_error() {
        Some(libc::EBUSY) => "cluster join: already in a cluster (see `alockctl cluster status`; leave it first with `alockctl cluster leave`)".to_string(),
        Some(libc::ETIMEDOUT) => format!(
            "cluster join: not every peer came within {} s (not joined): run `alockctl cluster join` with the same --nodes, --addr and --key-file on every node (a peer with another key is refused; see `dmesg`), or give a longer --timeout",
            seconds(j.timeout)
        ),
        Some(libc::EAFNOSUPPORT) => "cluster join: only from the initial network namespace (the cluster's connections are made there)".to_string(),
        Some(libc::EADDRNOTAVAIL) => format!(
            "cluster join: {me} (node {}) is not an address of an RDMA device of this machine (for rxe: an address of the netdev the rxe link is on, see `rdma link show`)",
            j.node
        ),
        Some(libc::EADDRINUSE) => format!(
            "cluster join: {me} is already in use by another rdma_cm listener: pick another port"
        ),
        Some(libc::EOPNOTSUPP) => {
            "cluster join: the RDMA device has no atomic verbs (EOPNOTSUPP)".to_string()
        }
        Some(libc::EINVAL) => "cluster join: the module rejected the arguments (EINVAL): check --node, --nodes, --addr, --window, --timeout and --op-timeout-ms (`alockctl cluster join --help`)".to_string(),
        _ => return e,
    };
    Error::Failed(m)
}

/// A failed leave: `ENOTCONN` says this node is not in a cluster.
pub fn leave_error(e: Error) -> Error {
    match &e {
        Error::Ioctl(_, io) if io.raw_os_error() == Some(libc::ENOTCONN) => {
            Error::Failed("cluster leave: not in a cluster".into())
        }
        _ => e,
    }
}

/// `ALOCK_IOC_CLUSTER_STATUS`, with `ALOCK_STATUS_PROBE` if `probe`.
pub fn status(dev: &Device, probe: bool) -> Result<AlockClusterStatus, Error> {
    let mut s = AlockClusterStatus {
        flags: if probe { abi::ALOCK_STATUS_PROBE } else { 0 },
        ..AlockClusterStatus::default()
    };
    dev.ioctl(
        "ALOCK_IOC_CLUSTER_STATUS",
        abi::ALOCK_IOC_CLUSTER_STATUS,
        &mut s,
    )?;
    Ok(s)
}

/// `ALOCK_PEER_*` state of a peer by name (`up`, `failed`, ...).
pub fn state_name(p: &AlockClusterPeer) -> &'static str {
    abi::name_of(&abi::PEER_STATES, p.state)
}

/// A peer's last error: its errno name, or `-` for none.
fn last_error(p: &AlockClusterPeer) -> String {
    if p.last_error == 0 {
        "-".into()
    } else {
        errno_name(p.last_error)
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One line: `joined as node 1 of 3 (loopback)` or
/// `not joined (1 RDMA device)`.
pub fn summary(s: &AlockClusterStatus) -> String {
    if s.joined == 0 {
        return format!(
            "not joined ({})",
            plural(s.nr_devices, "RDMA device", "RDMA devices")
        );
    }
    let lo = if s.cluster_flags & abi::ALOCK_CLUSTER_LOOPBACK != 0 {
        " (loopback)"
    } else {
        ""
    };
    format!("joined as node {} of {}{lo}", s.node_id, s.nr_nodes)
}

/// The `cluster` line of `alockctl info`: the summary, with the device and
/// the connections up while joined.
pub fn info_line(s: &AlockClusterStatus) -> String {
    if s.joined == 0 {
        summary(s)
    } else {
        format!(
            "{} on {}, {} up",
            summary(s),
            s.device(),
            plural(s.nr_up, "connection", "connections")
        )
    }
}

/// The status as an aligned table: the membership, then one line per peer.
pub fn table(s: &AlockClusterStatus) -> String {
    if s.joined == 0 {
        return format!("{}\n", summary(s));
    }
    let mut out = String::new();
    for (k, v) in [
        ("cluster", summary(s)),
        ("window", format!("{} bytes", s.window_size)),
        ("device", s.device()),
        ("RDMA devices", s.nr_devices.to_string()),
        ("connections up", s.nr_up.to_string()),
    ] {
        out += &format!("{k:<15} {v}\n");
    }
    out.push('\n');
    let mut lines = vec![vec![
        "node".to_string(),
        "state".into(),
        "ops".into(),
        "errors".into(),
        "last error".into(),
        "window".into(),
    ]];
    for p in s.peers() {
        lines.push(vec![
            p.node.to_string(),
            state_name(p).into(),
            p.ops.to_string(),
            p.errors.to_string(),
            last_error(p),
            if p.remote_len == 0 {
                "-".into()
            } else {
                p.remote_len.to_string()
            },
        ]);
    }
    // Node and state left-aligned, the numbers right-aligned.
    out += &align_left(&lines, 2);
    out
}

/// The status as JSON: `joined` and `nr_devices` always, the rest while
/// joined.
pub fn to_json(s: &AlockClusterStatus) -> Value {
    if s.joined == 0 {
        return json!({"joined": false, "nr_devices": s.nr_devices});
    }
    let peers: Vec<Value> = s
        .peers()
        .iter()
        .map(|p| {
            json!({
                "node": p.node,
                "state": state_name(p),
                "ops": p.ops,
                "errors": p.errors,
                "last_error": p.last_error,
                "last_error_name": (p.last_error != 0).then(|| errno_name(p.last_error)),
                "rkey": p.rkey,
                "remote_len": p.remote_len,
            })
        })
        .collect();
    json!({
        "joined": true,
        "node_id": s.node_id,
        "nr_nodes": s.nr_nodes,
        "window_size": s.window_size,
        "device": s.device(),
        "nr_devices": s.nr_devices,
        "loopback": s.cluster_flags & abi::ALOCK_CLUSTER_LOOPBACK != 0,
        "cluster_flags": s.cluster_flags,
        "nr_up": s.nr_up,
        "peers": peers,
    })
}

/// Columns of [`to_csv`].
pub const CSV_COLUMNS: [&str; 13] = [
    "joined",
    "node_id",
    "nr_nodes",
    "window_size",
    "device",
    "nr_devices",
    "nr_up",
    "peer",
    "state",
    "ops",
    "errors",
    "last_error",
    "remote_len",
];

/// The status as CSV: a header, then one line per peer with the membership
/// repeated (not joined: one line with the peer columns empty).
pub fn to_csv(s: &AlockClusterStatus) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    if s.joined == 0 {
        out += &format!("0,,,,,{},0,,,,,,\n", s.nr_devices);
        return out;
    }
    let head = format!(
        "1,{},{},{},{},{},{}",
        s.node_id,
        s.nr_nodes,
        s.window_size,
        csv_field(&s.device()),
        s.nr_devices,
        s.nr_up
    );
    for p in s.peers() {
        let err = if p.last_error == 0 {
            String::new()
        } else {
            errno_name(p.last_error)
        };
        out += &format!(
            "{head},{},{},{},{},{},{}\n",
            p.node,
            state_name(p),
            p.ops,
            p.errors,
            csv_field(&err),
            p.remote_len
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::parse_node_addr;

    fn ioctl_errno(name: &'static str, errno: i32) -> Error {
        Error::Ioctl(name, std::io::Error::from_raw_os_error(errno))
    }

    fn args(node: u32, nodes: u32, addrs: &str) -> JoinArgs {
        JoinArgs {
            node,
            nodes,
            addrs: addrs
                .split(',')
                .map(|a| parse_node_addr(a).unwrap())
                .collect(),
            window: 65536,
            loopback: false,
            timeout: 60_000,
            op_timeout_ms: 0,
            key: crate::cli::ClusterKey([7; 32]),
        }
    }

    #[test]
    fn join_request_fills_every_node() {
        let mut j = args(1, 3, "10.77.0.1,10.77.0.2:9000,[fd00::3]");
        j.loopback = true;
        j.window = 8192;
        j.timeout = 2500;
        j.op_timeout_ms = 100;
        let r = join_request(&j).unwrap();
        assert_eq!((r.node_id, r.nr_nodes, r.window_size), (1, 3, 8192));
        assert_eq!(r.flags, abi::ALOCK_CLUSTER_LOOPBACK);
        assert_eq!(
            (r.timeout_ms, r.op_timeout_ms, r.reserved),
            (2500, 100, [0, 0])
        );
        assert_eq!(r.key, [7; 32]);
        assert_eq!(r.nodes[0].family, abi::AF_INET);
        assert_eq!(r.nodes[0].port, abi::CLUSTER_DEFAULT_PORT);
        assert_eq!(&r.nodes[0].addr[..4], &[10, 77, 0, 1]);
        assert_eq!(r.nodes[1].port, 9000);
        assert_eq!(r.nodes[2].family, abi::AF_INET6);
        assert_eq!(r.nodes[2].addr[0], 0xfd);
        assert_eq!(r.nodes[2].addr[15], 3);
        // The slots past nr_nodes stay zero, as the module requires.
        assert!(r.nodes[3..]
            .iter()
            .all(|a| *a == abi::AlockNodeAddr::default()));
        assert_eq!(join_request(&args(0, 1, "10.0.0.1")).unwrap().flags, 0);
    }

    #[test]
    fn join_request_checks_node_and_addresses() {
        for (j, msg) in [
            (args(3, 3, "10.0.0.1,10.0.0.2,10.0.0.3"), "not a node"),
            (args(5, 2, "10.0.0.1,10.0.0.2"), "not a node"),
            (args(0, 3, "10.0.0.1,10.0.0.2"), "one address per node"),
            (args(0, 1, "10.0.0.1,10.0.0.2"), "one address per node"),
            (args(0, 2, "10.0.0.1,10.0.0.1:18600"), "same address"),
        ] {
            let e = join_request(&j).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{e}");
            assert!(e.to_string().contains(msg), "{e}");
        }
        // Same address, other port: two listeners, allowed.
        assert!(join_request(&args(0, 2, "10.0.0.1,10.0.0.1:18601")).is_ok());
    }

    #[test]
    fn keygen_writes_a_private_key_once() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("alockctl-keygen-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a"), dir.join("b"));
        keygen(&a).unwrap();
        keygen(&b).unwrap();
        let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let ka = crate::cli::parse_key_file(a.to_str().unwrap()).unwrap();
        let kb = crate::cli::parse_key_file(b.to_str().unwrap()).unwrap();
        assert_ne!(ka, kb, "two keys from the CRNG");
        // No overwrite: the key in place stays.
        let e = keygen(&a).unwrap_err().to_string();
        assert!(e.contains("cannot create") && e.contains("exists"), "{e}");
        assert_eq!(crate::cli::parse_key_file(a.to_str().unwrap()).unwrap(), ka);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn join_errors_are_worded() {
        let j = args(0, 2, "10.77.0.1,10.77.0.2");
        let msg = |errno| join_error(ioctl_errno("ALOCK_IOC_CLUSTER_JOIN", errno), &j).to_string();
        assert!(msg(libc::EBUSY).contains("already in a cluster"));
        assert!(msg(libc::ETIMEDOUT).contains("not every peer came within 60 s"));
        let e = msg(libc::EADDRNOTAVAIL);
        assert!(
            e.contains("10.77.0.1:18600") && e.contains("is not an address of an RDMA device"),
            "{e}"
        );
        assert!(msg(libc::EINVAL).contains("EINVAL"));
        assert!(msg(libc::EOPNOTSUPP).contains("atomic"));
        assert!(msg(libc::ETIMEDOUT).contains("--key-file"));
        assert!(msg(libc::EAFNOSUPPORT).contains("network namespace"));
        // Others keep the generic wording.
        assert!(msg(libc::ENOMEM).contains("ALOCK_IOC_CLUSTER_JOIN failed"));
        for errno in [
            libc::EBUSY,
            libc::ETIMEDOUT,
            libc::EADDRNOTAVAIL,
            libc::EINVAL,
        ] {
            let e = join_error(ioctl_errno("ALOCK_IOC_CLUSTER_JOIN", errno), &j);
            assert_eq!(e.exit_code(), 1);
            assert!(!e.to_string().contains('\n'));
        }
        let e = leave_error(ioctl_errno("ALOCK_IOC_CLUSTER_LEAVE", libc::ENOTCONN));
        assert_eq!(e.to_string(), "cluster leave: not in a cluster");
        assert_eq!(e.exit_code(), 1);
    }

    fn joined() -> AlockClusterStatus {
        let mut s = AlockClusterStatus {
            joined: 1,
            node_id: 1,
            nr_nodes: 3,
            window_size: 65536,
            nr_devices: 1,
            cluster_flags: 0,
            nr_up: 1,
            ..AlockClusterStatus::default()
        };
        for (d, c) in s.device.iter_mut().zip(b"rxe0") {
            *d = *c as std::os::raw::c_char;
        }
        s.peers[0] = AlockClusterPeer {
            node: 0,
            state: abi::ALOCK_PEER_UP,
            ops: 12,
            errors: 0,
            last_error: 0,
            rkey: 7,
            remote_len: 65536,
        };
        s.peers[1] = AlockClusterPeer {
            node: 1,
            state: abi::ALOCK_PEER_SELF,
            ..AlockClusterPeer::default()
        };
        s.peers[2] = AlockClusterPeer {
            node: 2,
            state: abi::ALOCK_PEER_FAILED,
            ops: 3,
            errors: 1,
            last_error: -libc::ETIMEDOUT,
            rkey: 9,
            remote_len: 8192,
        };
        s
    }

    #[test]
    fn status_not_joined() {
        let s = AlockClusterStatus {
            nr_devices: 2,
            ..AlockClusterStatus::default()
        };
        assert_eq!(summary(&s), "not joined (2 RDMA devices)");
        assert_eq!(table(&s), "not joined (2 RDMA devices)\n");
        assert_eq!(info_line(&s), "not joined (2 RDMA devices)");
        let one = AlockClusterStatus {
            nr_devices: 1,
            ..AlockClusterStatus::default()
        };
        assert_eq!(summary(&one), "not joined (1 RDMA device)");
        assert_eq!(to_json(&s), json!({"joined": false, "nr_devices": 2}));
        let csv = to_csv(&s);
        let widths: Vec<usize> = csv.lines().map(|l| l.split(',').count()).collect();
        assert_eq!(widths, [CSV_COLUMNS.len(), CSV_COLUMNS.len()]);
        assert!(csv.lines().nth(1).unwrap().starts_with("0,,,,,2,0"));
    }

    #[test]
    fn status_joined() {
        let s = joined();
        assert_eq!(summary(&s), "joined as node 1 of 3");
        assert_eq!(
            info_line(&s),
            "joined as node 1 of 3 on rxe0, 1 connection up"
        );
        let mut lo = joined();
        lo.cluster_flags = abi::ALOCK_CLUSTER_LOOPBACK;
        assert_eq!(summary(&lo), "joined as node 1 of 3 (loopback)");
        let t = table(&s);
        for w in ["joined as node 1 of 3", "rxe0", "65536 bytes", "last error"] {
            assert!(t.contains(w), "{t}");
        }
        let rows: Vec<&str> = t.lines().skip_while(|l| !l.starts_with("node")).collect();
        // Header, rule, three peers.
        assert_eq!(rows.len(), 5, "{t}");
        assert!(rows[2].starts_with("0     up"), "{t}");
        assert!(rows[3].contains("self") && rows[3].ends_with('-'), "{t}");
        assert!(
            rows[4].contains("failed")
                && rows[4].contains("ETIMEDOUT")
                && rows[4].ends_with("8192"),
            "{t}"
        );
        let j = to_json(&s);
        assert_eq!(j["joined"], true);
        assert_eq!(j["device"], "rxe0");
        assert_eq!(j["loopback"], false);
        assert_eq!(j["peers"].as_array().unwrap().len(), 3);
        assert_eq!(j["peers"][2]["state"], "failed");
        assert_eq!(j["peers"][2]["last_error"], -libc::ETIMEDOUT);
        assert_eq!(j["peers"][2]["last_error_name"], "ETIMEDOUT");
        assert_eq!(j["peers"][0]["last_error_name"], Value::Null);
        let csv = to_csv(&s);
        assert_eq!(csv.lines().count(), 4);
        assert!(csv
            .lines()
            .all(|l| l.split(',').count() == CSV_COLUMNS.len()));
        assert_eq!(
            csv.lines().nth(3).unwrap(),
            "1,1,3,65536,rxe0,1,1,2,failed,3,1,ETIMEDOUT,8192"
        );
    }

    #[test]
    fn status_peers_are_bounded() {
        let mut s = joined();
        s.nr_nodes = 99;
        assert_eq!(s.peers().len(), abi::ALOCK_CLUSTER_MAX_NODES as usize);
    }
}
