//! `cluster` and `table`: membership of the RDMA cluster and its
//! distributed lock table.

use serde_json::json;

use crate::abi;
use crate::cli::{Cli, ClusterAction, JoinArgs, TableAction, TableCreateArgs};
use crate::cluster;
use crate::dev::{Device, Error};
use crate::dlock;
use crate::progress::{self, Progress};

use super::common::{format, run_ioctl, Format, EXIT_INTERRUPTED};

fn print_cluster_status(cli: &Cli, s: &abi::AlockClusterStatus) {
    match format(cli) {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&cluster::to_json(s)).expect("json")
        ),
        Format::Csv => print!("{}", cluster::to_csv(s)),
        Format::Table => print!("{}", cluster::table(s)),
    }
}

pub(super) fn cluster_cmd(cli: &Cli, action: &ClusterAction) -> Result<u8, Error> {
    match action {
        ClusterAction::Status { probe } => {
            let dev = Device::open(&cli.device)?;
            print_cluster_status(cli, &cluster::status(&dev, *probe)?);
            Ok(0)
        }
        ClusterAction::Join(j) => cluster_join(cli, j),
        ClusterAction::Leave => cluster_leave(cli),
        ClusterAction::Keygen { file } => {
            cluster::keygen(file)?;
            println!(
                "wrote a new cluster key to {} (mode 0600): copy it to every node",
                file.display()
            );
            Ok(0)
        }
    }
}

fn cluster_join(cli: &Cli, j: &JoinArgs) -> Result<u8, Error> {
    // Bad input is a usage error before the device is even opened.
    let mut req = cluster::join_request(j)?;
    let dev = Device::open(&cli.device)?;
    progress::catch_sigint();
    let bar = Progress::new(req.timeout_ms as u64, !cli.no_progress);
    let label = format!("join: node {} of {}", j.node, j.nodes);
    let intr = run_ioctl(&bar, &label, req.timeout_ms, || {
        dev.ioctl(
            "ALOCK_IOC_CLUSTER_JOIN",
            abi::ALOCK_IOC_CLUSTER_JOIN,
            &mut req,
        )
    })
    .map_err(|e| cluster::join_error(e, j))?;
    if intr {
        eprintln!("alockctl: cluster join: interrupted (not joined)");
        return Ok(EXIT_INTERRUPTED);
    }
    print_cluster_status(cli, &cluster::status(&dev, false)?);
    Ok(0)
}

fn cluster_leave(cli: &Cli) -> Result<u8, Error> {
    let dev = Device::open(&cli.device)?;
    let before = cluster::status(&dev, false)?;
    dev.ioctl_none("ALOCK_IOC_CLUSTER_LEAVE", abi::ALOCK_IOC_CLUSTER_LEAVE)
        .map_err(cluster::leave_error)?;
    let was = if before.joined != 0 {
        format!(" (was node {} of {})", before.node_id, before.nr_nodes)
    } else {
        String::new()
    };
    match format(cli) {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "left": true,
                "node_id": before.node_id,
                "nr_nodes": before.nr_nodes,
            }))
            .expect("json")
        ),
        Format::Csv => println!(
            "left,node_id,nr_nodes
1,{},{}",
            before.node_id, before.nr_nodes
        ),
        Format::Table => println!("left the cluster{was}"),
    }
    Ok(0)
}

pub(super) fn table_cmd(cli: &Cli, action: &TableAction) -> Result<u8, Error> {
    let dev = Device::open(&cli.device)?;
    match action {
        TableAction::Create(a) => table_create(cli, &dev, a),
        TableAction::Destroy => {
            dlock::table_op(&dev, abi::ALOCK_TABLE_DESTROY)?;
            match format(cli) {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"destroyed": true})).expect("json")
                ),
                Format::Csv => println!("destroyed\n1"),
                Format::Table => println!("destroyed the table"),
            }
            Ok(0)
        }
        TableAction::Sum => {
            let t = dlock::table_op(&dev, abi::ALOCK_TABLE_SUM)?;
            match format(cli) {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&dlock::sum_json(&t)).expect("json")
                ),
                Format::Csv => print!("{}", dlock::sum_csv(&t)),
                Format::Table => print!("{}", dlock::sum_table(&t)),
            }
            Ok(0)
        }
    }
}

fn table_create(cli: &Cli, dev: &Device, a: &TableCreateArgs) -> Result<u8, Error> {
    let t = dlock::table_ctl(dev, dlock::create_request(a))?;
    match format(cli) {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&dlock::created_json(&t)).expect("json")
        ),
        Format::Csv => print!("{}", dlock::created_csv(&t)),
        Format::Table => println!("{}", dlock::created_line(&t)),
    }
    Ok(0)
}
